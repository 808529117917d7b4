"""What the lake holds, per (table, exchange, symbol), from the manifest instead of the rows.

The ingest manifest has one row per Bronze file: its ``data_type`` (routed to the table it
fills), its ``bronze_path``, ``rows_written`` and ``trading_date_min``/``max``. A per-symbol
file's path names its exchange and symbol: the Bronze layout
``<vendor>/exchange=<e>/type=<t>/date=<d>/symbol=<s>/<file>`` (read for all paths at once) or,
in any other form, whatever the vendor's own ``recognise`` reads (a Tardis vendor file name).
Summing over the ``success`` files answers in well under a second for a lake of 10,000 files
without touching a data file.

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


# The Bronze layout every vendor files under (api.md): <vendor>/exchange=<e>/type=<t>/
# date=<YYYY-MM-DD>/symbol=<s>/<file>. Read for all paths at once; only paths in another form
# (a Tardis vendor file name elsewhere) go through the vendor's own ``recognise``, one by one.
_LAYOUT = (
    r"(?:^|/)(?P<vendor>[^/]+)/exchange=(?P<exchange>[^/]+)/type=[^/]+/"
    r"date=\d{4}-\d{2}-\d{2}/symbol=(?P<symbol>[^/]+)/[^/]+$"
)


def _recognised(vendor: str, bronze_path: str) -> tuple[str | None, str | None]:
    try:
        found = recognise(Path(bronze_path), vendor=vendor)
    except (LayoutError, ValueError):  # a vendor not registered here, a misfiled path
        return None, None
    if found is None:
        return None, None
    return found.exchange, found.symbol


def locate(paths: pl.DataFrame) -> pl.DataFrame:
    """``paths`` (vendor, bronze_path) with the ``exchange`` and ``symbol`` each path names
    (null where it names none)."""
    parts = pl.col("bronze_path").str.extract_groups(_LAYOUT)
    located = paths.with_columns(parts.alias("__parts")).with_columns(
        pl.when(pl.col("__parts").struct.field("vendor") == pl.col("vendor"))
        .then(pl.col("__parts").struct.field(name))
        .alias(name)
        for name in ("exchange", "symbol")
    )
    rest = located.filter(pl.col("symbol").is_null())
    if rest.height:
        found = [_recognised(v, p) for v, p in rest.select("vendor", "bronze_path").iter_rows()]
        rest = rest.with_columns(
            pl.Series("exchange", [e for e, _ in found], dtype=pl.Utf8),
            pl.Series("symbol", [s for _, s in found], dtype=pl.Utf8),
        )
        located = pl.concat([located.filter(pl.col("symbol").is_not_null()), rest])
    return located.drop("__parts")


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
    paths = locate(files.select("vendor", "bronze_path").unique())
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
