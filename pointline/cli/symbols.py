"""``pointline symbols upsert`` and ``pointline symbols show``: the dim_symbol dimension."""

from __future__ import annotations

from pathlib import Path

import click
import polars as pl

from pointline.cli import render
from pointline.cli.options import TimestampType, settings, shared_options

SHOW_COLUMNS = (
    "exchange",
    "exchange_symbol",
    "canonical_symbol",
    "market_type",
    "base_asset",
    "quote_asset",
    "tick_size",
    "lot_size",
    "contract_size",
    "valid_from_ts_us",
    "valid_until_ts_us",
    "is_current",
    "symbol_id",
)
TABLE_COLUMNS = (
    "exchange",
    "exchange_symbol",
    "canonical_symbol",
    "market_type",
    "base_asset",
    "quote_asset",
    "tick_size",
    "lot_size",
    "valid_from",
    "valid_until",
    "is_current",
)
_SUFFIXES = (".csv", ".parquet")
_OPEN = 2**63 - 1


def _utc_text(column: str) -> pl.Expr:
    return pl.from_epoch(pl.col(column), time_unit="us").dt.strftime("%Y-%m-%d %H:%M:%S%.6f")


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """dim_symbol rows for the eye: validity as UTC text (``open`` for a row still valid)."""
    until = pl.col("valid_until_ts_us")
    return frame.with_columns(
        _utc_text("valid_from_ts_us").alias("valid_from"),
        pl.when(until == _OPEN)
        .then(pl.lit("open"))
        .otherwise(_utc_text("valid_until_ts_us"))
        .alias("valid_until"),
    ).select(TABLE_COLUMNS)


def read_snapshot(path: Path) -> pl.DataFrame:
    """A symbol snapshot from a CSV (every column read as text, so ``000001`` keeps its zeros
    and sizes stay exact decimal text) or a Parquet file.

    Raises:
        ValueError: the file cannot be read as its suffix says.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_parquet(path)
    except pl.exceptions.PolarsError as exc:
        kind = "CSV" if suffix == ".csv" else "Parquet"
        raise ValueError(f"{path}: cannot read it as {kind} ({exc})") from exc


@click.group("symbols")
@shared_options
def symbols() -> None:
    """The symbol dimension (dim_symbol): upsert a snapshot, show the rows."""


@symbols.command("upsert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--effective-ts",
    "effective_ts",
    required=True,
    type=TimestampType(),
    help="When the snapshot takes effect: integer µs, or an ISO date/datetime in UTC.",
)
@shared_options
def upsert(file: Path, effective_ts: int) -> None:
    """Upsert a full symbol snapshot from FILE (.csv or .parquet) into dim_symbol.

    FILE has the columns exchange, exchange_symbol, canonical_symbol, market_type, base_asset,
    quote_asset and optionally tick_size, lot_size, contract_size (decimal text). Symbols of
    the snapshot's exchanges that FILE leaves out are closed at the effective time; other
    exchanges are untouched.
    """
    if file.suffix.lower() not in _SUFFIXES:
        raise click.BadParameter(f"{file} must be a .csv or .parquet file", param_hint="'FILE'")
    opts = settings()
    lake = opts.open_lake()
    snapshot = read_snapshot(file)
    version = lake.upsert_symbols(snapshot, effective_ts)
    current = lake.symbols().filter(pl.col("is_current")).height
    if opts.json:
        render.emit_json(
            {
                "command": "symbols upsert",
                "lake": str(lake.root),
                "file": str(file),
                "effective_ts_us": effective_ts,
                "snapshot_rows": snapshot.height,
                "dim_symbol_version": version,
                "current_symbols": current,
            }
        )
        return
    render.stdout_console().print(
        f"Upserted {snapshot.height} symbol(s) from {file} effective at {effective_ts} µs: "
        f"dim_symbol version {version}, {current} current symbol(s)."
    )


@symbols.command("show")
@click.option("--exchange", multiple=True, help="Only this exchange (repeatable).")
@click.option(
    "--search",
    help="Only symbols whose exchange or canonical symbol contains this text (any case).",
)
@click.option(
    "--as-of",
    "as_of",
    type=TimestampType(),
    help="Only the rows valid at this instant: integer µs, or an ISO date/datetime in UTC.",
)
@click.option("--current", is_flag=True, help="Only the rows valid now (is_current).")
@shared_options
def show(exchange: tuple[str, ...], search: str | None, as_of: int | None, current: bool) -> None:
    """Show dim_symbol rows (every version of every symbol, unless filtered)."""
    opts = settings()
    lake = opts.open_lake()
    frame = lake.symbols(exchange=list(exchange) or None, search=search, as_of=as_of)
    if current:
        frame = frame.filter(pl.col("is_current"))
    frame = frame.select(SHOW_COLUMNS)
    if opts.json:
        render.emit_json(
            {"command": "symbols show", "lake": str(lake.root), "rows": render.frame_rows(frame)}
        )
        return
    console = render.stdout_console()
    if frame.is_empty():
        if exchange or search is not None or as_of is not None or current:
            console.print(f"No dim_symbol rows of {lake.root} match these filters.")
            return
        console.print(
            f"No symbols in {lake.root}. Add some with: pointline symbols upsert FILE "
            "--effective-ts 2024-01-01"
        )
        return
    title = f"dim_symbol ({frame.height} rows; tick and lot sizes scaled by 10**9, times UTC)"
    console.print(render.frame_table(readable(frame), title=title))
