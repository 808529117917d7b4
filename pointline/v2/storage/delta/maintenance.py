"""Table maintenance: compact small files and vacuum files no version needs any more.

Batch ingestion already writes one file per (exchange, trading_date) partition per batch;
``compact`` folds what small files remain (e.g. after many single-file ``ingest_file`` calls)
into files of ``target_size``. Both take the table's writer lock so they never race an ingest.
``vacuum`` is a dry run unless asked, and refuses a retention shorter than the table's
``deletedFileRetentionDuration`` (7 days by default) unless ``enforce_retention`` is False:
deleting files a reader's snapshot still needs would break time travel and running readers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta.table import Table
from pointline.v2.storage.store_path import StorePath


@dataclass(frozen=True)
class CompactionReport:
    """What ``compact`` did to one table."""

    table: str
    files_removed: int
    files_added: int
    partitions_optimized: int


@dataclass(frozen=True)
class VacuumReport:
    """Files ``vacuum`` deleted (or would delete, in a dry run) from one table."""

    table: str
    dry_run: bool
    files: list[str]


def _partition_filters(
    exchange: str | None, start: datetime.date | None, end: datetime.date | None
) -> list[tuple[str, str, str]] | None:
    filters: list[tuple[str, str, str]] = []
    if exchange is not None:
        filters.append(("exchange", "=", exchange))
    if start is not None:
        filters.append(("trading_date", ">=", start.isoformat()))
    if end is not None:
        filters.append(("trading_date", "<=", end.isoformat()))
    return filters or None


def compact_table(
    name: str,
    path: Path | StorePath,
    *,
    exchange: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    target_size: int | None = None,
) -> CompactionReport:
    """Compact the small files of one table (optionally some partitions only)."""
    table = Table(path, get_table_spec(name))
    if not table.exists():  # maintenance of nothing creates nothing (not even a lock)
        return CompactionReport(table=name, files_removed=0, files_added=0, partitions_optimized=0)
    filters = _partition_filters(exchange, start, end)
    metrics = table.compact(partition_filters=filters, target_size=target_size)
    return CompactionReport(
        table=name,
        files_removed=metrics["numFilesRemoved"],
        files_added=metrics["numFilesAdded"],
        partitions_optimized=metrics["partitionsOptimized"],
    )


def vacuum_table(
    name: str,
    path: Path | StorePath,
    *,
    retention_hours: int | None = None,
    dry_run: bool = True,
    enforce_retention: bool = True,
) -> VacuumReport:
    """Delete (or list, in a dry run) the files of one table that no retained version needs.

    Raises:
        StorageError: ``retention_hours`` is below the table's retention while
            ``enforce_retention`` is True (the guard), or the vacuum failed.
    """
    table = Table(path, get_table_spec(name))
    if not table.exists():  # maintenance of nothing creates nothing (not even a lock)
        return VacuumReport(table=name, dry_run=dry_run, files=[])
    with table.writing():
        dt = table.snapshot()
        found = (
            []
            if dt is None
            else table.commit(
                lambda _: dt.vacuum(
                    retention_hours=retention_hours,
                    dry_run=dry_run,
                    enforce_retention_duration=enforce_retention,
                ),
                f"vacuum {name}",
                attempts=1,
            )
        )
    return VacuumReport(table=name, dry_run=dry_run, files=sorted(found))
