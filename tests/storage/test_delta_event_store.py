"""DeltaEventStore on real Delta tables: partitions, commits, paths, damage, processes (the
contract itself: ``tests/contracts``)."""

from __future__ import annotations

import datetime
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline.errors import StorageError, TableCorruptError
from pointline.schemas.registry import event_table_names, get_table_spec
from pointline.v2.storage.delta import DeltaEventStore
from tests.storage.conftest import DAY, damage_last_commit, delete_a_data_file, trades_frame

TRADES = get_table_spec("trades")


@pytest.fixture
def store(silver: Path) -> DeltaEventStore:
    return DeltaEventStore(silver_root=silver)


def _version(store: DeltaEventStore, table: str = "trades") -> int:
    return DeltaTable(str(store.table_path(table))).version()


def test_only_event_tables_have_paths(store: DeltaEventStore) -> None:
    with pytest.raises(ValueError, match=r"'\.\./x' is not an event table"):
        store.table_path("../x")
    with pytest.raises(ValueError, match="'validation_log' is not an event table"):
        DeltaEventStore(silver_root="/tmp", table_paths={"validation_log": "/tmp/v"})


def test_append_writes_exact_values_partitioned(store: DeltaEventStore, silver: Path) -> None:
    other_day = datetime.date(2024, 1, 3)
    store.append(
        "trades", pl.concat([trades_frame(1, [1, 2]), trades_frame(1, [3], day=other_day)])
    )
    rows = store.read("trades")
    assert rows.schema == TRADES.to_polars()
    assert rows["price"].to_list() == [42_123_456_789_013, 42_123_456_789_014, 42_123_456_789_015]
    assert rows["trading_date"].to_list() == [DAY, DAY, other_day]
    dt = DeltaTable(str(silver / "trades"))
    assert dt.metadata().partition_columns == ["exchange", "trading_date"]
    assert (silver / "trades" / "exchange=binance" / "trading_date=2024-01-02").is_dir()
    assert (silver / "trades" / "exchange=binance" / "trading_date=2024-01-03").is_dir()


def test_an_append_of_stored_rows_makes_no_commit(store: DeltaEventStore) -> None:
    store.append("trades", trades_frame(1, [1, 2]))
    version = _version(store)
    store.append("trades", trades_frame(1, [1, 2]))
    assert _version(store) == version  # nothing new: no commit


def test_append_reads_only_the_files_of_its_file_ids(store: DeltaEventStore) -> None:
    store.append("trades", trades_frame(1, [1, 2]))
    store.append("trades", trades_frame(2, [1]))
    delete_a_data_file(store.table_path("trades"))  # the file of file_id 1
    store.append("trades", trades_frame(2, [1, 2]))  # never opens file_id 1's data
    with pytest.raises(TableCorruptError):
        store.append("trades", trades_frame(1, [3]))


def test_replace_file_streams_chunks_in_one_commit(store: DeltaEventStore) -> None:
    store.append("trades", trades_frame(1, [1]))
    version = _version(store)

    def chunks() -> Iterator[pl.DataFrame]:
        for start in range(1, 40, 10):
            yield trades_frame(1, list(range(start, start + 10)))
        yield trades_frame(1, [])

    store.replace_file("trades", 1, chunks())
    assert _version(store) == version + 1
    assert store.read("trades")["file_seq"].to_list() == list(range(1, 41))


def test_no_rows_create_no_table_on_disk(store: DeltaEventStore, silver: Path) -> None:
    store.replace_file("quotes", 1, [])
    store.replace_files("quotes", [1, 2], iter([]))
    assert not (silver / "quotes").exists()


def test_explicit_table_paths(tmp_path: Path) -> None:
    store = DeltaEventStore(silver_root=tmp_path / "s", table_paths={"trades": tmp_path / "t"})
    store.append("trades", trades_frame(1, [1]))
    assert store.table_path("trades") == tmp_path / "t"
    assert DeltaTable(str(tmp_path / "t")).version() == 0
    assert store.table_path("quotes") == tmp_path / "s" / "quotes"


def test_damaged_table_is_a_clear_error(store: DeltaEventStore) -> None:
    store.append("trades", trades_frame(1, [1]))
    store.append("trades", trades_frame(2, [1]))
    path = store.table_path("trades")
    damage_last_commit(path)
    with pytest.raises(TableCorruptError, match=f"table at {path} cannot be opened"):
        store.read("trades")
    with pytest.raises(TableCorruptError, match=f"table at {path} cannot be opened"):
        store.append("trades", trades_frame(3, [1]))


def test_missing_data_file_is_a_clear_error(store: DeltaEventStore) -> None:
    store.append("trades", trades_frame(1, [1]))
    victim = delete_a_data_file(store.table_path("trades"))
    with pytest.raises(TableCorruptError, match=r"table trades at .* cannot be read") as err:
        store.read("trades")
    assert victim.name in str(err.value)


def test_write_failure_is_a_storage_error(store: DeltaEventStore, silver: Path) -> None:
    silver.mkdir(parents=True)
    (silver / "trades").write_text("a file where the table directory should be")
    with pytest.raises(StorageError, match=f"append to trades at {silver / 'trades'} failed"):
        store.append("trades", trades_frame(1, [1]))


def _append_worker(silver: str, file_id: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    store = DeltaEventStore(silver_root=silver)
    for seq in range(1, 6):
        store.append("trades", trades_frame(file_id, [seq]))
        store.append("trades", trades_frame(file_id, [seq]))  # a retry: no duplicate


def test_processes_append_to_one_table(silver: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        start = manager.Barrier(2)
        pool.starmap(_append_worker, [(str(silver), 1, start), (str(silver), 2, start)])
    rows = DeltaEventStore(silver_root=silver).read("trades")
    assert rows.select("file_id", "file_seq").rows() == [
        (f, s) for f in (1, 2) for s in range(1, 6)
    ]


def test_every_event_table_has_a_path(store: DeltaEventStore, silver: Path) -> None:
    assert {store.table_path(n) for n in event_table_names()} == {
        silver / n for n in event_table_names()
    }
