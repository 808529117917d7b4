"""What the lake holds, per (table, exchange, symbol), from the manifest instead of the rows.

The ingest manifest has one row per Bronze file: its ``data_type`` (routed to the table it
fills), its ``bronze_path`` (which, for a per-symbol file, names the exchange and symbol: the
Bronze layout ``.../exchange=<e>/.../symbol=<s>/...`` or a Tardis vendor file name, read by the
vendor's own ``recognise``), ``rows_written`` and ``trading_date_min``/``max``. Summing those
over the ``success`` files answers in milliseconds for a lake of 10,000 files, without
touching a data file.

A file whose path names no symbol, or a symbol dim_symbol does not know for that exchange (a
Tardis grouped file such as ``..._PERPETUALS.csv.gz`` holds every perpetual's trades), is
counted from its rows instead: only its own rows (``file_id``), four columns.

Delta's per-file statistics were considered and rejected: a batch commit writes one Parquet
file per partition holding many symbols and many Bronze files, so ``num_records`` cannot be
split per symbol, and the rows of a ``pending`` file (never visible to readers) would count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from pointline.errors import LayoutError
from pointline.schemas.types import INGEST_STATUS_SUCCESS
from pointline.v2.ingestion.routing import DATA_TYPE_TO_TABLE
from pointline.v2.vendors.registry import recognise

COVERAGE_SCHEMA = pl.Schema(
    {
        "table": pl.Utf8,
        "exchange": pl.Utf8,
        "symbol": pl.Utf8,
        "first_date": pl.Date,
        "last_date": pl.Date,
        "rows": pl.Int64,
        "files": pl.Int64,
    }
)
_KEYS = ["table", "exchange", "symbol"]


def _location(vendor: str, bronze_path: str) -> tuple[str | None, str | None]:
    try:
        found = recognise(Path(bronze_path), vendor=vendor)
    except (LayoutError, ValueError):  # a vendor not registered here, a misfiled path
        return None, None
    if found is None:
        return None, None
    return found.exchange, found.symbol


def _summary(per_file: pl.DataFrame) -> pl.DataFrame:
    return per_file.group_by(_KEYS).agg(
        pl.col("first_date").min(),
        pl.col("last_date").max(),
        pl.col("rows").sum().cast(pl.Int64),
        pl.col("file_id").n_unique().cast(pl.Int64).alias("files"),
    )


def coverage(
    manifest: pl.DataFrame,
    dim: pl.DataFrame,
    *,
    tables: list[str],
    exchange: str | None,
    scan: Callable[[str, list[int]], pl.LazyFrame],
) -> pl.DataFrame:
    """One row per (table, exchange, symbol): first_date, last_date, rows, files.

    Args:
        manifest: ingest_manifest rows.
        dim: dim_symbol rows (which symbols a path may name).
        tables: the tables to cover.
        exchange: only this exchange, or every one.
        scan: ``scan(table, file_ids)``, the visible rows of those files in ``table`` (used
            for the files the manifest cannot attribute).
    """
    files = manifest.filter(
        (pl.col("status") == INGEST_STATUS_SUCCESS) & (pl.col("rows_written") > 0)
    ).with_columns(
        pl.col("data_type").replace_strict(DATA_TYPE_TO_TABLE, default=None).alias("table")
    )
    files = files.filter(pl.col("table").is_in(tables))
    paths = files.select("vendor", "bronze_path").unique()
    located = [_location(v, p) for v, p in paths.iter_rows()]
    paths = paths.with_columns(
        pl.Series("exchange", [e for e, _ in located], dtype=pl.Utf8),
        pl.Series("symbol", [s for _, s in located], dtype=pl.Utf8),
    )
    files = files.join(paths, on=["vendor", "bronze_path"], how="left")
    known = dim.select("exchange", pl.col("exchange_symbol").alias("symbol")).unique()
    attributed = files.join(known, on=["exchange", "symbol"], how="semi")
    if exchange is not None:
        attributed = attributed.filter(pl.col("exchange") == exchange)
        # A path naming another exchange cannot hold this one's rows (the parser keeps it).
        elsewhere = pl.col("exchange").is_not_null() & (pl.col("exchange") != exchange)
        files = files.filter(~elsewhere)
    parts = [
        _summary(
            attributed.select(
                *_KEYS,
                "file_id",
                pl.col("trading_date_min").alias("first_date"),
                pl.col("trading_date_max").alias("last_date"),
                pl.col("rows_written").alias("rows"),
            )
        )
    ]
    rest = files.join(attributed, on="file_id", how="anti")
    for table, ids in rest.group_by("table").agg("file_id").iter_rows():
        rows = scan(table, ids)
        if exchange is not None:
            rows = rows.filter(pl.col("exchange") == exchange)
        per_file = (
            rows.group_by("exchange", "symbol", "file_id")
            .agg(
                pl.col("trading_date").min().alias("first_date"),
                pl.col("trading_date").max().alias("last_date"),
                pl.len().cast(pl.Int64).alias("rows"),
            )
            .with_columns(pl.lit(table).alias("table"))
            .collect()
        )
        parts.append(_summary(per_file))
    parts = [p.select(list(COVERAGE_SCHEMA)).cast(dict(COVERAGE_SCHEMA)) for p in parts]
    combined = (
        pl.concat(parts)
        .group_by(_KEYS)
        .agg(
            pl.col("first_date").min(),
            pl.col("last_date").max(),
            pl.col("rows").sum(),
            pl.col("files").sum(),
        )
    )
    return combined.select(list(COVERAGE_SCHEMA)).sort(_KEYS)
