"""The table helper on real Delta tables: what a replacement reports, and log upkeep by table
version (so writers that live for one file trim the log too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deltalake import DeltaTable

from pointline.errors import TableCorruptError
from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta import DeltaEventStore
from pointline.v2.storage.delta.table import LOG_TRIM_EVERY, Table
from tests.storage.conftest import trades_frame

TRADES = get_table_spec("trades")


@pytest.fixture
def table(silver: Path) -> Table:
    return Table(silver / "trades", TRADES)


def test_a_replacement_reports_its_version_files_and_rewrites(table: Table) -> None:
    assert table.replace([1], []) is None  # no rows, nothing stored: no commit, no table
    assert not table.exists()
    created = table.replace([1, 2], [trades_frame(1, [1]), trades_frame(2, [1])])
    assert created is not None and (created.version, len(created.adds)) == (0, 1)
    assert not created.rewritten
    # file 1 shares its data file with file 2: delta-rs rewrites it
    mixed = table.replace([1], [trades_frame(1, [1, 2])])
    assert mixed is not None and (mixed.version, mixed.adds, mixed.rewritten) == (1, [], True)
    alone = table.replace([3], [trades_frame(3, [1])])
    assert alone is not None and (alone.version, alone.rewritten) == (2, False)
    removed = table.replace([3], [])  # its own file: removed by an add/remove commit
    assert removed is not None and (removed.version, removed.adds) == (3, [])
    assert DeltaTable(str(table.path)).version() == 3
    assert table.read().select("file_id", "file_seq").sort("file_id", "file_seq").rows() == [
        (1, 1),
        (1, 2),
        (2, 1),
    ]


def test_a_stale_cached_table_is_refreshed_before_the_commit_is_built(table: Table) -> None:
    table.replace([1], [trades_frame(1, [1, 2])])
    table.replace([2], [trades_frame(2, [1])])
    mine = Table(table.path, TRADES)
    mine.latest()  # cached at version 1
    table.replace([1, 2], [trades_frame(1, [1]), trades_frame(2, [1])])  # version 2, mixed
    table.replace([3], [trades_frame(3, [1])])  # version 3
    # `mine` refreshes before it builds the commit, so it still knows its version
    done = mine.replace([1], [trades_frame(1, [5])])
    assert done is not None and (done.version, done.rewritten) == (4, True)


def test_short_lived_writers_trim_the_log_by_table_version(silver: Path) -> None:
    """Every writer lives for one file (as ``pointline ingest`` of one file does); the log is
    still checkpointed and trimmed at every LOG_TRIM_EVERY-th version."""
    for file_id in range(1, 2 * LOG_TRIM_EVERY + 3):
        DeltaEventStore(silver_root=silver).replace_file(
            "trades", file_id, trades_frame(file_id, [1])
        )
    log = silver / "trades" / "_delta_log"
    commits = sorted(p.name for p in log.glob("*.json"))
    assert len(commits) <= LOG_TRIM_EVERY
    assert (log / "_last_checkpoint").exists()
    dt = DeltaTable(str(silver / "trades"))
    assert dt.version() == 2 * LOG_TRIM_EVERY + 1
    assert dt.metadata().configuration["delta.logRetentionDuration"] == "interval 0 seconds"
    assert DeltaEventStore(silver_root=silver).read("trades").height == 2 * LOG_TRIM_EVERY + 2


def test_a_first_commit_being_written_is_a_table_not_created_yet(silver: Path) -> None:
    """Locally the first writer's data files exist before its first commit, and object_store
    stages that commit as ``<entry>#<n>`` before linking it into place: a reader or writer
    looking in between sees no table (nothing committed), not a lost log."""
    path = silver / "trades"
    (path / "exchange=binance").mkdir(parents=True)
    (path / "exchange=binance" / "part-0.parquet").write_bytes(b"PAR1")
    log = path / "_delta_log"
    log.mkdir()
    (log / "00000000000000000000.json#1").write_text("{}")
    assert Table(path, TRADES).exists() is False
    (log / "00000000000000000000.json#1").unlink()  # an empty log beside data: the log was lost
    with pytest.raises(TableCorruptError, match="data files but no readable commit"):
        Table(path, TRADES).exists()
