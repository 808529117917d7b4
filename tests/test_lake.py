"""Lake end to end through the vendor seam, on real Delta tables: each test using the ``lake``
fixture runs twice, on a local root in tmp_path and on an S3 root (the moto server of
``tests/conftest.py``), with the Bronze files on local disk (``home``)."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

from pointline.errors import LayoutError
from pointline.v2 import Lake
from pointline.v2.vendors.registry import register_vendor

from .lake_vendor import MiniVendor, write_mini_trades

T0 = 1_704_153_600_000_000  # 2024-01-02 00:00 UTC
DAY = 86_400_000_000


def snapshot(*symbols: str, exchange: str = "binance") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "exchange": [exchange] * len(symbols),
            "exchange_symbol": list(symbols),
            "canonical_symbol": [f"{s}-canon" for s in symbols],
            "market_type": ["perpetual"] * len(symbols),
            "base_asset": [s[:3] for s in symbols],
            "quote_asset": ["USDT"] * len(symbols),
            "tick_size": ["0.1"] * len(symbols),
        }
    )


@pytest.fixture(autouse=True)
def mini_vendor():
    register_vendor(MiniVendor())


@pytest.fixture
def lake(lake_root):
    lake = Lake(lake_root.root, storage_options=lake_root.storage_options)
    assert lake.upsert_symbols(snapshot("BTCUSDT", "ETHUSDT"), T0 - DAY) == 0
    return lake


@pytest.fixture
def home(lake, tmp_path):
    """Where the test writes its Bronze files: the lake's root locally, else a local folder."""
    return lake.root if isinstance(lake.root, Path) else tmp_path / "home"


def data_files(lake, table):
    """The data files below a table's folder (listed on the store for a remote lake)."""
    where = lake.layout.table_path(table)
    if isinstance(where, Path):
        return sorted(p.relative_to(where).as_posix() for p in where.rglob("*.parquet"))
    return sorted(p for p in where.list() if p.endswith(".parquet"))


def good_rows(n=3, t=T0):
    return [(t + i, "buy", 42_000_000_000_000 + i, 1_000_000_000) for i in range(n)]


def test_nothing_is_created_until_written(tmp_path):
    lake = Lake(tmp_path / "lake")
    assert not (tmp_path / "lake").exists()
    assert lake.manifest().height == 0
    assert lake.scan("trades").collect().height == 0
    assert lake.quarantine().height == 0


def test_ingest_file_infers_everything_from_the_layout(lake, home):
    path = write_mini_trades(home, rows=good_rows())
    result = lake.ingest_file(path)
    assert (result.status, result.rows_written, result.file_id) == ("success", 3, 1)
    manifest = lake.manifest().row(0, named=True)
    assert manifest["vendor"] == "mini" and manifest["data_type"] == "trades"
    relative = "mini/exchange=binance/type=trades/date=2024-01-02/symbol=BTCUSDT/part.csv"
    if isinstance(lake.root, Path):
        assert manifest["bronze_path"] == relative
    else:  # the Bronze file is not in the lake: its absolute local path names it
        assert manifest["bronze_path"] == (home / "bronze" / relative).resolve().as_posix()
    rows = lake.scan("trades").collect()
    assert rows["price"].to_list() == [42_000_000_000_000, 42_000_000_000_001, 42_000_000_000_002]
    assert rows["trading_date"].unique().to_list() == [datetime.date(2024, 1, 2)]
    assert lake.ingest_file(path).skipped


def test_unrecognised_path_says_what_to_pass(lake, tmp_path):
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n1,2\n")
    with pytest.raises(LayoutError, match="pass vendor= and data_type="):
        lake.ingest_file(stray)


def test_ingest_walks_directories_and_quarantines(lake, home):
    write_mini_trades(home, rows=good_rows(2), name="a")
    write_mini_trades(home, symbol="XRPUSDT", rows=good_rows(2), name="b")
    write_mini_trades(home, symbol="ETHUSDT", rows=[(T0, "buy", 0, 1)], name="c")
    (home / "bronze" / "mini" / "README.txt").write_text("not bronze")
    results = lake.ingest(home / "bronze")
    statuses = sorted((r.status, r.failure_reason) for r in results)
    assert statuses == [
        ("quarantined", "invalid_trade_values"),
        ("quarantined", "missing_pit_symbol_coverage"),
        ("success", None),
    ]
    log = lake.quarantine()
    assert sorted(log["rule_name"].to_list()) == [
        "invalid_trade_values",
        "missing_pit_symbol_coverage",
        "missing_pit_symbol_coverage",
    ]
    # success is skipped; quarantined files are tried again (dim_symbol may have changed since)
    # and still leave exactly one copy of their log rows
    again = lake.ingest(home / "bronze")
    assert sorted((r.status, r.skipped) for r in again) == [
        ("quarantined", False),
        ("quarantined", False),
        ("success", True),
    ]
    assert lake.quarantine().height == 3


def test_scan_filters_prunes_and_orders(lake, home):
    write_mini_trades(home, rows=[(T0 + 5, "buy", 2, 1), (T0 + 1, "sell", 1, 1)], name="a")
    write_mini_trades(home, day="2024-01-03", rows=[(T0 + DAY, "buy", 3, 1)], name="b")
    write_mini_trades(home, symbol="ETHUSDT", rows=[(T0 + 2, "buy", 4, 1)], name="c")
    lake.ingest(home / "bronze")
    btc = lake.scan("trades", symbols=["BTCUSDT"]).collect()
    assert btc["ts_event_us"].to_list() == [T0 + 1, T0 + 5, T0 + DAY]
    jan2 = lake.scan("trades", start=datetime.date(2024, 1, 2), end=datetime.date(2024, 1, 2))
    assert jan2.collect().height == 3
    window = lake.scan("trades", start=T0 + 2, end=T0 + DAY).collect()
    assert window["ts_event_us"].to_list() == sorted([T0 + 2, T0 + 5])
    assert lake.scan("trades", exchange="okx").collect().height == 0
    with pytest.raises(ValueError, match=r"unknown table 'trade'; known tables: .*'trades'"):
        lake.scan("trade")


def test_upsert_symbols_versions_and_pit(lake, home):
    # BTCUSDT's tick size changes at T0 + 10: rows before and after get different ids
    assert (
        lake.upsert_symbols(
            snapshot("BTCUSDT", "ETHUSDT").with_columns(tick_size=pl.lit("0.5")), T0 + 10
        )
        == 1
    )
    path = write_mini_trades(home, rows=[(T0 + 9, "buy", 1, 1), (T0 + 10, "buy", 1, 1)])
    lake.ingest_file(path)
    ids = lake.scan("trades").collect().sort("ts_event_us")["symbol_id"].to_list()
    assert len(set(ids)) == 2
    dim = lake.symbols().filter(pl.col("exchange_symbol") == "BTCUSDT").sort("valid_from_ts_us")
    assert dim["symbol_id"].to_list() == ids
    assert dim["tick_size"].to_list() == [100_000_000, 500_000_000]


def test_force_after_dim_change_replaces_rows(lake, home):
    path = write_mini_trades(home, symbol="SOLUSDT", rows=good_rows(2))
    assert lake.ingest_file(path).status == "quarantined"
    lake.upsert_symbols(snapshot("BTCUSDT", "ETHUSDT", "SOLUSDT"), T0 - 1)
    assert lake.ingest_file(path).status == "success"  # not success before: no force needed
    assert lake.scan("trades").collect().height == 2
    assert lake.quarantine().height == 0
    result = lake.ingest_file(path, force=True)
    assert result.status == "success" and not result.skipped
    assert lake.scan("trades").collect().height == 2
    assert lake.manifest().height == 1


def test_dry_run_creates_nothing(lake, home):
    path = write_mini_trades(home, rows=good_rows())
    result = lake.ingest_file(path, dry_run=True)
    assert (result.status, result.rows_written, result.file_id) == ("success", 3, None)
    assert lake.manifest().height == 0
    assert data_files(lake, "trades") == [] and not lake.event_store.table_names()


def test_chunked_path_for_big_files(tmp_path):
    lake = Lake(tmp_path / "lake", chunk_rows=2, stream_threshold_bytes=0)
    lake.upsert_symbols(snapshot("BTCUSDT"), T0 - DAY)
    path = write_mini_trades(lake.root, rows=good_rows(5))
    result = lake.ingest_file(path)
    assert (result.status, result.rows_written) == ("success", 5)
    assert lake.scan("trades").collect()["file_seq"].to_list() == [1, 2, 3, 4, 5]


def test_compact_folds_small_files_and_keeps_rows(lake, home):
    for i in range(4):
        path = write_mini_trades(home, rows=[(T0 + i, "buy", 1 + i, 1)], name=f"p{i}")
        lake.ingest_file(path)  # one file at a time: one data file per ingest
    before = lake.scan("trades").collect()
    assert len(data_files(lake, "trades")) == 4
    reports = {r.table: r for r in lake.compact()}
    assert reports["trades"].files_removed == 4 and reports["trades"].files_added == 1
    assert lake.scan("trades").collect().equals(before)
    # vacuum: a dry run by default; the retention guard refuses a short retention
    listed = {r.table: r for r in lake.vacuum(retention_hours=168)}
    assert listed["trades"].dry_run and listed["trades"].files == []
    from pointline.errors import StorageError

    with pytest.raises(StorageError, match="retention"):
        lake.vacuum("trades", retention_hours=0)
    removed = lake.vacuum("trades", retention_hours=0, dry_run=False, enforce_retention=False)
    assert len(removed[0].files) == 4
    assert lake.scan("trades").collect().equals(before)


def test_batches_write_one_file_per_partition(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(snapshot("BTCUSDT", "ETHUSDT"), T0 - DAY)
    for i in range(6):
        symbol = ("BTCUSDT", "ETHUSDT")[i % 2]
        write_mini_trades(lake.root, symbol=symbol, rows=good_rows(2, T0 + i), name=f"f{i}")
    results = lake.ingest(lake.root / "bronze")
    assert [r.status for r in results] == ["success"] * 6
    partitions = list((lake.root / "silver" / "trades").glob("exchange=*/trading_date=*"))
    assert len(partitions) == 1
    assert len(list(partitions[0].glob("*.parquet"))) == 1


def test_force_after_a_batch_and_a_compaction_replaces_only_that_file(tmp_path):
    """The batch writes one data file (and one log file) for several Bronze files, and a
    compaction folds single-file ingests together: a forced re-ingest of one of them must
    rewrite those shared files, keeping every other file's rows and log rows exactly."""
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(snapshot("BTCUSDT", "ETHUSDT"), T0 - DAY)
    paths = []
    for i in range(3):
        rows = [(T0 + i, "buy", 10 + i, 1), (T0 + i + 1, "bogus", 1, 1)]  # one bad row each
        paths.append(write_mini_trades(lake.root, rows=rows, name=f"b{i}"))
    assert [r.status for r in lake.ingest(lake.root / "bronze")] == ["success"] * 3
    late = write_mini_trades(lake.root, symbol="ETHUSDT", rows=good_rows(2), name="late")
    assert lake.ingest_file(late).status == "success"
    lake.compact()
    before = lake.scan("trades").collect().sort("file_id", "file_seq")
    log_before = lake.quarantine().sort("file_id", "file_seq")

    for path in (paths[1], late):
        result = lake.ingest_file(path, force=True)
        assert (result.status, result.skipped) == ("success", False)
    after = lake.scan("trades").collect().sort("file_id", "file_seq")
    assert after.drop("symbol_id").equals(before.drop("symbol_id"))
    assert not after.select("file_id", "file_seq").is_duplicated().any()
    log_after = lake.quarantine().sort("file_id", "file_seq")
    keep = ["file_id", "file_seq", "rule_name"]
    assert log_after.select(keep).equals(log_before.select(keep))
    assert lake.manifest()["status"].to_list() == ["success"] * 4


def test_reads_and_maintenance_of_an_empty_lake_create_nothing(tmp_path):
    import os

    lake = Lake(tmp_path / "lake")
    assert lake.compact() == [] and lake.vacuum() == []
    assert lake.compact("trades")[0].files_removed == 0
    assert lake.vacuum("trades", dry_run=False)[0].files == []
    assert lake.manifest().height == 0 and lake.quarantine().height == 0
    assert lake.symbols().height == 0 and lake.scan("trades").collect().height == 0
    assert not os.path.exists(tmp_path / "lake")


def test_scan_takes_iso_text_wherever_it_takes_a_date(lake, tmp_path):
    rows = [(T0 + i * 1_000, "buy", 10 + i, 1) for i in range(4)]
    assert lake.ingest_file(write_mini_trades(tmp_path / "in", rows=rows)).status == "success"
    everything = lake.scan("trades").collect()
    day = everything["trading_date"].min()
    assert (
        lake.scan("trades", start=day.isoformat(), end=day.isoformat())
        .collect()
        .equals(lake.scan("trades", start=day, end=day).collect())
    )
    first = int(everything["ts_event_us"].min())
    import datetime

    at = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=first + 1)
    after = lake.scan("trades", start=at.isoformat()).collect()
    assert after.equals(lake.scan("trades", start=first + 1).collect())
    assert lake.scan("trades", start=at).collect().equals(after)
    with pytest.raises(ValueError, match="is not an instant"):
        lake.scan("trades", start="the beginning")
