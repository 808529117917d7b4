"""``pointline manifest``, ``pointline quarantine`` and ``pointline scan``: reading the lake."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import polars as pl

from pointline.cli import render
from pointline.cli.options import BoundType, settings, shared_options
from pointline.schemas.types import INGEST_STATUS_VALUES

MANIFEST_COLUMNS = (
    "file_id",
    "status",
    "vendor",
    "data_type",
    "bronze_path",
    "rows_total",
    "rows_written",
    "rows_quarantined",
    "trading_date_min",
    "trading_date_max",
    "status_reason",
    "status_message",
)
QUARANTINE_COLUMNS = (
    "file_id",
    "rule_name",
    "table_name",
    "file_seq",
    "symbol",
    "ts_event_us",
    "field_name",
    "field_value",
    "message",
)
DEFAULT_SHOWN_ROWS = 20
FORMATS = ("table", "csv", "parquet")


@click.command("manifest")
@click.option(
    "--status",
    type=click.Choice(sorted(INGEST_STATUS_VALUES)),
    help="Only files with this status.",
)
@shared_options
def manifest(status: str | None) -> None:
    """Show the ingest manifest: one row per Bronze file identity and its status."""
    opts = settings()
    lake = opts.open_lake()
    frame = lake.manifest()
    if status is not None:
        frame = frame.filter(pl.col("status") == status)
    frame = frame.select(MANIFEST_COLUMNS)
    if opts.json:
        render.emit_json(
            {"command": "manifest", "lake": str(lake.root), "rows": render.frame_rows(frame)}
        )
        return
    console = render.stdout_console()
    if frame.is_empty():
        which = f" with status {status!r}" if status else ""
        console.print(f"No files{which} in the manifest of {lake.root}.")
        return
    console.print(render.frame_table(frame, title=f"ingest_manifest ({frame.height} files)"))


@click.command("quarantine")
@click.option("--file-id", type=int, help="Only the rows of this file (see `pointline manifest`).")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_SHOWN_ROWS,
    show_default=True,
    help="Rows shown in the table (the JSON output has every row).",
)
@shared_options
def quarantine(file_id: int | None, limit: int) -> None:
    """Show quarantined rows (validation_log): why each row was rejected, and the row itself."""
    opts = settings()
    lake = opts.open_lake()
    frame = lake.quarantine(file_id=file_id)
    if opts.json:
        render.emit_json(
            {
                "command": "quarantine",
                "lake": str(lake.root),
                "file_id": file_id,
                "rows": render.frame_rows(frame),
            }
        )
        return
    console = render.stdout_console()
    which = f" for file {file_id}" if file_id is not None else ""
    if frame.is_empty():
        console.print(f"No quarantined rows{which} in {lake.root}.")
        return
    by_reason = frame.group_by("file_id", "rule_name").len(name="rows").sort("file_id", "rule_name")
    console.print(render.frame_table(by_reason, title=f"Quarantined rows{which} by reason"))
    shown = frame.select(QUARANTINE_COLUMNS).head(limit)
    title = f"First {shown.height} of {frame.height} quarantined rows{which}"
    console.print(render.frame_table(shown, title=title))


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--format`` and ``--output``, shared by the commands that print rows."""
    command = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write every row to this file (.csv or .parquet).",
    )(command)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="table (default), csv (to --output or stdout) or parquet (to --output).",
    )(command)


def text_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns as ``[a,b,c]`` text (CSV has no lists)."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    if not lists:
        return frame
    return frame.with_columns(
        pl.concat_str(
            pl.lit("["), pl.col(c).cast(pl.List(pl.Utf8)).list.join(","), pl.lit("]")
        ).alias(c)
        for c in lists
    )


def output_format(fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        if output is None:
            return "table"
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ("csv", "parquet"):
            raise click.BadParameter(
                f"cannot tell the format of {output}: name it .csv or .parquet, or pass --format",
                param_hint="'--output'",
            )
        return suffix
    if fmt == "table" and output is not None:
        raise click.BadParameter("--output needs --format csv or parquet", param_hint="'--format'")
    if fmt == "parquet" and output is None:
        raise click.BadParameter("--format parquet needs --output FILE", param_hint="'--format'")
    return fmt


@click.command("scan")
@click.argument("table")
@click.option("--exchange", multiple=True, help="Only this exchange (repeatable).")
@click.option(
    "--symbol", multiple=True, help="Only this symbol as the vendor writes it (repeatable)."
)
@click.option(
    "--start",
    type=BoundType(),
    help="From this trading date (YYYY-MM-DD, inclusive) or time (µs or ISO datetime, UTC).",
)
@click.option(
    "--end",
    type=BoundType(),
    help="Up to this trading date (inclusive) or time (µs or ISO datetime, UTC; exclusive).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help=f"At most this many rows (the table format shows {DEFAULT_SHOWN_ROWS} by default).",
)
@output_options
@shared_options
def scan(
    table: str,
    exchange: tuple[str, ...],
    symbol: tuple[str, ...],
    start: datetime.date | int | None,
    end: datetime.date | int | None,
    limit: int | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Read rows of a Silver TABLE (trades, quotes, orderbook_updates, ...) in tie-break order.

    Prices and quantities are integers scaled by 10**9.
    """
    fmt = output_format(fmt, output)
    opts = settings()
    lake = opts.open_lake()
    lazy = lake.scan(
        table,
        exchange=list(exchange) or None,
        symbols=list(symbol) or None,
        start=start,
        end=end,
    )
    if limit is None and fmt == "table" and not opts.json:
        limit = DEFAULT_SHOWN_ROWS
    if limit is not None:
        lazy = lazy.head(limit)
    frame = lazy.collect()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            text_lists(frame).write_csv(output)
        else:
            frame.write_parquet(output)
        if opts.json:
            render.emit_json(
                {
                    "command": "scan",
                    "table": table,
                    "format": fmt,
                    "output": str(output),
                    "rows": frame.height,
                }
            )
        else:
            render.stdout_console().print(f"Wrote {frame.height:,} {table} row(s) to {output}.")
        return
    if opts.json:
        render.emit_json({"command": "scan", "table": table, "rows": render.frame_rows(frame)})
    elif fmt == "csv":
        click.echo(text_lists(frame).write_csv(), nl=False)
    elif frame.is_empty():
        render.stdout_console().print(f"No {table} rows in {lake.root} match.")
    else:
        title = f"{table}: first {frame.height} row(s) (prices and quantities scaled by 10**9)"
        render.stdout_console().print(render.frame_table(frame, title=title))
