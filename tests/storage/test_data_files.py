"""Event rows written as Parquet by Polars and committed with their removals in one commit.

Real Delta tables in tmp_path: the statistics the add actions carry, partition splitting, which
files a replacement removes, when it falls back to delta-rs' rewrite, and what a failure leaves.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta import DeltaEventStore, data_files
from pointline.v2.storage.delta.location import TableLocation
from pointline.v2.storage.delta.table import Table
from tests.storage.conftest import DAY, trades_frame

TRADES = get_table_spec("trades")
NEXT_DAY = DAY + datetime.timedelta(days=1)


@pytest.fixture
def store(silver: Path) -> DeltaEventStore:
    return DeltaEventStore(silver_root=silver)


def _adds(path: Path) -> list[dict]:
    """The add actions of the table's current snapshot, statistics parsed."""
    table = DeltaTable(str(path))
    adds = []
    for version in range(table.version() + 1):
        log = path / "_delta_log" / f"{version:020d}.json"
        for line in log.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                adds.append(action["add"])
            if "remove" in action:
                adds = [a for a in adds if a["path"] != action["remove"]["path"]]
    return adds


def _parquet_files(path: Path) -> set[str]:
    return {p.relative_to(path).as_posix() for p in path.rglob("*.parquet")}


def test_statistics_are_exact_and_skip_what_they_cannot_bound() -> None:
    rows = pl.DataFrame(
        {
            "n": [3, None, -7],
            "day": [DAY, NEXT_DAY, None],
            "flag": [True, None, False],
            "short": ["b", "a", None],
            "long": ["x" * 65, "y", "z"],
            "rate": [float("nan"), 1.5, None],
            "levels": [[1, 2], None, []],
        }
    )
    stats = json.loads(data_files.stats_json(rows))
    assert stats["numRecords"] == 3
    assert stats["minValues"] == {"n": -7, "day": "2024-01-02", "flag": False, "short": "a"}
    assert stats["maxValues"] == {"n": 3, "day": "2024-01-03", "flag": True, "short": "b"}
    assert stats["nullCount"] == {
        "n": 1,
        "day": 1,
        "flag": 1,
        "short": 1,
        "long": 0,
        "rate": 1,
    }


def test_a_frame_splits_into_its_partitions_in_order() -> None:
    contiguous = pl.concat(
        [
            trades_frame(1, [1, 2]),
            trades_frame(1, [3], day=NEXT_DAY),
            trades_frame(1, [4], exchange="okx"),
        ]
    )
    parts = list(data_files.partitions(contiguous, TRADES.partition_by))
    assert [(v["exchange"], v["trading_date"], p["file_seq"].to_list()) for v, p in parts] == [
        ("binance", "2024-01-02", [1, 2]),
        ("binance", "2024-01-03", [3]),
        ("okx", "2024-01-02", [4]),
    ]
    assert all("exchange" not in p.columns and "trading_date" not in p.columns for _, p in parts)
    interleaved = pl.concat(
        [trades_frame(1, [1]), trades_frame(1, [2], day=NEXT_DAY), trades_frame(1, [3])]
    )
    parts = list(data_files.partitions(interleaved, TRADES.partition_by))
    assert [(v["trading_date"], p["file_seq"].to_list()) for v, p in parts] == [
        ("2024-01-02", [1, 3]),
        ("2024-01-03", [2]),
    ]


def test_each_file_carries_its_partition_and_statistics(store: DeltaEventStore) -> None:
    rows = pl.concat([trades_frame(5, [1, 2, 3]), trades_frame(5, [4, 5], day=NEXT_DAY)])
    store.replace_file("trades", 5, rows)
    adds = _adds(store.table_path("trades"))
    assert sorted(a["partitionValues"]["trading_date"] for a in adds) == [
        "2024-01-02",
        "2024-01-03",
    ]
    for add in adds:
        stats = json.loads(add["stats"])
        day = datetime.date.fromisoformat(add["partitionValues"]["trading_date"])
        expected = rows.filter(pl.col("trading_date") == day)
        assert stats["numRecords"] == expected.height
        assert stats["minValues"]["file_seq"] == expected["file_seq"].min()
        assert stats["maxValues"]["ts_event_us"] == expected["ts_event_us"].max()
        assert stats["nullCount"]["ts_local_us"] == expected.height
    dt = DeltaTable(str(store.table_path("trades")))
    pruned = dt.to_pyarrow_table(filters=[("file_seq", ">", 3)])
    assert pruned.num_rows == 2
    assert store.read("trades").equals(rows)


def test_a_replacement_removes_exactly_the_files_of_its_file(store: DeltaEventStore) -> None:
    path = store.table_path("trades")
    store.replace_file("trades", 1, trades_frame(1, [1, 2]))
    store.replace_file("trades", 2, trades_frame(2, [1]))
    before = _parquet_files(path)
    dt = DeltaTable(str(path))
    (removal,) = data_files.files_to_remove(dt, [1])
    assert DeltaTable(str(path)).version() == 1
    store.replace_file("trades", 1, trades_frame(1, [1], price=7))
    live = {a["path"] for a in _adds(path)}
    assert removal.path not in live and len(live) == 2
    assert store.read("trades").select("file_id", "file_seq", "price").rows() == [
        (1, 1, 8),
        (2, 1, 42_123_456_789_013),
    ]
    assert _parquet_files(path) >= before  # removed files stay on disk until a vacuum
    history = DeltaTable(str(path)).history()
    assert history[0][data_files.REPLACED_KEY] == "1"


def test_files_mixing_ids_are_rewritten_by_delta_rs(store: DeltaEventStore) -> None:
    path = store.table_path("trades")
    store.replace_files("trades", [1, 2, 3], [trades_frame(i, [1, 2]) for i in (1, 2, 3)])
    assert len(_adds(path)) == 1  # one file for the batch's one partition
    assert DeltaTable(str(path)).history()[0][data_files.REPLACED_KEY] == "1-3"
    assert data_files.files_to_remove(DeltaTable(str(path)), [2]) is None
    assert data_files.files_to_remove(DeltaTable(str(path)), [9]) == []
    store.replace_file("trades", 2, trades_frame(2, [1], price=0))
    assert store.read("trades").select("file_id", "file_seq", "price").rows() == [
        (1, 1, 42_123_456_789_013),
        (1, 2, 42_123_456_789_014),
        (2, 1, 1),
        (3, 1, 42_123_456_789_013),
        (3, 2, 42_123_456_789_014),
    ]


def test_files_without_file_id_statistics_are_rewritten(store: DeltaEventStore) -> None:
    path = store.table_path("trades")
    write_deltalake(  # another writer, told to keep no column statistics
        str(path),
        trades_frame(1, [1, 2]).to_arrow(),
        partition_by=list(TRADES.partition_by),
        configuration={"delta.dataSkippingNumIndexedCols": "0"},
    )
    assert data_files.files_to_remove(DeltaTable(str(path)), [1]) is None
    store.replace_file("trades", 1, trades_frame(1, [1], price=0))
    assert store.read("trades").select("file_id", "file_seq", "price").rows() == [(1, 1, 1)]


def test_a_failed_replacement_leaves_no_file_and_no_commit(store: DeltaEventStore) -> None:
    path = store.table_path("trades")
    store.replace_file("trades", 1, trades_frame(1, [1]))
    files, version = _parquet_files(path), DeltaTable(str(path)).version()

    def chunks():
        yield trades_frame(2, [1, 2])
        yield trades_frame(2, [3], day=NEXT_DAY)
        assert len(_parquet_files(path)) == len(files) + 2  # both chunks are on disk
        raise RuntimeError("the parser died at row 4")

    # flush every partition at once, so that files exist when the stream fails
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data_files, "FLUSH_BYTES", 1)
        with pytest.raises(RuntimeError, match="died at row 4"):
            store.replace_file("trades", 2, chunks())
    assert _parquet_files(path) == files
    assert DeltaTable(str(path)).version() == version
    assert store.read("trades")["file_id"].to_list() == [1]


def test_big_streams_are_gathered_per_partition_up_to_the_flush_size(silver: Path) -> None:
    spec_path = silver / "trades"
    written = data_files.DataFiles(spec_path, TRADES, flush_bytes=10**9)
    for start in range(1, 50, 10):
        written.write(trades_frame(1, list(range(start, start + 10))))
    assert written.adds == []  # gathered, nothing written yet
    adds = written.finish()
    assert len(adds) == 1 and json.loads(adds[0].stats)["numRecords"] == 50
    small = data_files.DataFiles(spec_path, TRADES, flush_bytes=1)
    for start in range(1, 30, 10):
        small.write(trades_frame(2, list(range(start, start + 10))))
    assert len(small.adds) == 3
    small.discard()
    written.discard()
    assert not list(spec_path.rglob("*.parquet"))


def test_a_table_moved_by_another_writer_is_noticed_cheaply(store: DeltaEventStore) -> None:
    """``TableLocation.has_moved`` (which lets writers skip the log listing when nothing
    changed) sees a commit by another writer, and one hidden behind a newer checkpoint and
    trimmed log; the helper's cached table follows both."""
    path = store.table_path("trades")
    location = TableLocation(path)
    table = Table(path, TRADES)
    store.replace_file("trades", 1, trades_frame(1, [1]))
    mine = table.latest()
    assert mine is not None and not location.has_moved(mine)
    other = DeltaEventStore(silver_root=path.parent)
    other.replace_file("trades", 2, trades_frame(2, [1]))
    assert location.has_moved(mine)
    assert table.latest() is mine and mine.version() == DeltaTable(str(path)).version()
    assert not location.has_moved(mine)
    table.maintain()  # a checkpoint at the version we hold: not a move
    assert not location.has_moved(mine)

    stale = DeltaTable(str(path))
    for i in range(3, 6):
        other.replace_file("trades", i, trades_frame(i, [1]))
    Table(path, TRADES).maintain()  # the log after `stale` is gone, a checkpoint stays
    assert not (path / "_delta_log" / f"{stale.version() + 1:020d}.json").exists()
    assert location.has_moved(stale)
    assert table.latest() is mine and mine.version() == DeltaTable(str(path)).version()
    assert store.read("trades")["file_id"].to_list() == [1, 2, 3, 4, 5]


def test_statistics_are_the_same_per_series_and_in_one_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Small files take their statistics per eager series, big ones in one parallel query:
    the add action's statistics are the same either way."""
    rows = pl.DataFrame(
        {
            "id": [3, None, 1],
            "text": ["b", "a", None],
            "day": [datetime.date(2024, 1, 2), datetime.date(2024, 1, 1), None],
            "flag": [True, None, False],
            "ratio": [0.5, None, 1.5],
            "levels": [[1], [2, 3], []],
            "empty": pl.Series([None, None, None], dtype=pl.Int64),
        }
    )
    per_series = data_files.stats_json(rows)
    monkeypatch.setattr(data_files, "EAGER_STATS_ROWS", 0)
    assert data_files.stats_json(rows) == per_series
    assert json.loads(per_series) == {
        "numRecords": 3,
        "minValues": {"id": 1, "text": "a", "day": "2024-01-01", "flag": False},
        "maxValues": {"id": 3, "text": "b", "day": "2024-01-02", "flag": True},
        "nullCount": {"id": 1, "text": 1, "day": 1, "flag": 1, "ratio": 1, "empty": 3},
    }
