"""``run_demo``: build (or refresh) the demo lake and say what is in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pointline.schemas.registry import get_table_spec, list_table_specs
from pointline.schemas.types import INGEST_STATUS_FAILED
from pointline.v2.bronze import bronze_relative_path, find_files
from pointline.v2.demo import data
from pointline.v2.lake import Lake
from pointline.v2.models import IngestionResult

INCOMING_DIR = "incoming"
SAMPLE_ROWS = 5
SAMPLE_COLUMNS = ("symbol", "ts_event_us", "side", "price", "qty", "file_id", "file_seq")


@dataclass(frozen=True)
class DemoFile:
    """One Bronze file the demo ingested: its path (relative to the Bronze root) and result."""

    path: str
    result: IngestionResult


@dataclass(frozen=True)
class DemoSummary:
    """What the demo did and what the lake holds afterwards.

    The counts describe the whole lake, so a demo run into a lake that already held other
    data counts that data too.

    Attributes:
        lake_root: the lake directory.
        dim_symbol_version: the dim_symbol table version after seeding.
        archive_files: Bronze files the Quant360 archives hold (published now or before).
        files: one entry per Bronze file, in ingestion order.
        rows_per_table: Silver rows per event table that has any.
        manifest_statuses: ingest_manifest rows per status.
        quarantined_by_reason: validation_log rows per ``rule_name``.
        sample: the first rows of ``trades`` for BTCUSDT.
    """

    lake_root: Path
    dim_symbol_version: int
    archive_files: int
    files: tuple[DemoFile, ...]
    rows_per_table: dict[str, int]
    manifest_statuses: dict[str, int]
    quarantined_by_reason: dict[str, int]
    sample: pl.DataFrame

    @property
    def files_skipped(self) -> int:
        """Files left alone because they were already ingested."""
        return sum(f.result.skipped for f in self.files)

    @property
    def all_skipped(self) -> bool:
        """True on a rerun: every file was already ingested."""
        return bool(self.files) and self.files_skipped == len(self.files)

    @property
    def failed(self) -> list[DemoFile]:
        """Files whose ingestion failed (none, unless something is broken)."""
        return [f for f in self.files if f.result.status == INGEST_STATUS_FAILED]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (dates as ISO text)."""
        return {
            "lake": str(self.lake_root),
            "dim_symbol_version": self.dim_symbol_version,
            "archive_files": self.archive_files,
            "files": [{"path": f.path, **_result_dict(f.result)} for f in self.files],
            "files_skipped": self.files_skipped,
            "all_skipped": self.all_skipped,
            "rows_per_table": dict(self.rows_per_table),
            "manifest_statuses": dict(self.manifest_statuses),
            "quarantined_by_reason": dict(self.quarantined_by_reason),
            "sample": [_jsonable_row(row) for row in self.sample.to_dicts()],
        }


def _result_dict(result: IngestionResult) -> dict[str, Any]:
    """An ``IngestionResult`` as a JSON-ready dict (dates as ISO text)."""
    return {
        "status": result.status,
        "skipped": result.skipped,
        "row_count": result.row_count,
        "rows_written": result.rows_written,
        "rows_quarantined": result.rows_quarantined,
        "file_id": result.file_id,
        "failure_reason": result.failure_reason,
        "error_message": result.error_message,
        "trading_date_min": _iso(result.trading_date_min),
        "trading_date_max": _iso(result.trading_date_max),
    }


def _iso(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime.date) else v for k, v in row.items()}


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if frame.is_empty():
        return {}
    counted = frame.group_by(column).len().sort(column)
    return dict(zip(counted[column].to_list(), counted["len"].to_list(), strict=True))


def rows_per_table(lake: Lake) -> dict[str, int]:
    """Silver rows of every event table that has any, by table name."""
    counts: dict[str, int] = {}
    for name in list_table_specs():
        if get_table_spec(name).kind != "event":
            continue
        rows = lake.scan(name).select(pl.len()).collect().item()
        if rows:
            counts[name] = rows
    return counts


def _seed_symbols(lake: Lake) -> int:
    """Upsert the demo snapshot unless every demo symbol is already current (a rerun), so that
    a rerun writes nothing. Returns the dim_symbol version."""
    snapshot = data.symbol_snapshot()
    current = lake.symbols().filter(pl.col("is_current"))
    have = set(zip(current["exchange"], current["exchange_symbol"], strict=True))
    want = set(zip(snapshot["exchange"], snapshot["exchange_symbol"], strict=True))
    version = lake.dimension_store.current_version()
    if version is not None and want <= have:
        return version
    return lake.upsert_symbols(snapshot, data.SYMBOLS_EFFECTIVE_TS_US)


def run_demo(lake_dir: str | Path) -> DemoSummary:
    """Generate the demo Bronze set in ``lake_dir`` and ingest it; safe to rerun.

    Steps: write the Tardis files into ``<lake>/bronze/tardis/...`` and the Quant360 archives
    into ``<lake>/incoming/`` (files already there are kept), upsert the demo dim_symbol
    snapshot (unless its symbols are already there), import the archives, ingest everything
    under ``<lake>/bronze``. A rerun writes nothing and reports every file skipped.

    Returns:
        The summary of the run and of the lake's contents.
    """
    lake = Lake(lake_dir)
    data.write_tardis_files(lake.bronze_root)
    data.write_quant360_archives(lake.root / INCOMING_DIR)
    version = _seed_symbols(lake)
    imported = lake.import_quant360_archives(lake.root / INCOMING_DIR)
    paths = find_files([lake.bronze_root])
    results = lake.ingest(lake.bronze_root)
    files = tuple(
        DemoFile(bronze_relative_path(path, lake.bronze_root), result)
        for path, result in zip(paths, results, strict=True)
    )
    sample = (
        lake.scan("trades", exchange=data.EXCHANGE, symbols=["BTCUSDT"])
        .select(SAMPLE_COLUMNS)
        .head(SAMPLE_ROWS)
        .collect()
    )
    return DemoSummary(
        lake_root=lake.root,
        dim_symbol_version=version,
        archive_files=len(imported),
        files=files,
        rows_per_table=rows_per_table(lake),
        manifest_statuses=_counts(lake.manifest(), "status"),
        quarantined_by_reason=_counts(lake.quarantine(), "rule_name"),
        sample=sample,
    )
