"""Redelivered content (issue 14 item 9): new bytes at the same Bronze path supersede the old
identity in the same commit; the same bytes at another path are reported."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

from pointline.v2 import Lake
from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.tardis import vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_START_US, sample_frame, write_csv

DAY = datetime.date(2024, 1, 1)
EXCHANGE = "binance-futures"
SNAPSHOT = pl.DataFrame(
    [(EXCHANGE, "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT")],
    schema=list(SNAPSHOT_REQUIRED_COLUMNS),
    orient="row",
)


def _lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(SNAPSHOT, DEFAULT_START_US - 86_400_000_000)
    return lake


def _trades(path: Path, seed: int, *, bad_row: bool = False) -> Path:
    frame = sample_frame("trades", 3, seed=seed, exchange=EXCHANGE, symbols=["BTCUSDT"])
    if bad_row:
        frame = frame.with_columns(
            side=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("?")).otherwise("side")
        )
    return write_csv(path, frame)


def test_new_content_at_the_same_path_supersedes_the_old_rows(tmp_path: Path):
    lake = _lake(tmp_path)
    path = lake.bronze_root / "tardis" / vendor_file_name(EXCHANGE, "trades", DAY, "BTCUSDT")
    _trades(path, seed=1, bad_row=True)
    first = lake.ingest_file(path)
    assert (first.rows_written, first.rows_quarantined) == (2, 1)

    _trades(path, seed=2)  # the corrected file, downloaded again to the same path
    second = lake.ingest_file(path)
    assert (second.status, second.file_id, second.rows_written) == ("success", 2, 3)
    assert "supersedes file_id 1" in second.error_message

    rows = lake.scan("trades").collect()
    assert rows.height == 3 and set(rows["file_id"]) == {2}  # 3 trades, not 6 (or 9)
    assert lake.quarantine().height == 0  # the old identity's log rows left with it
    manifest = lake.manifest().sort("file_id")
    old, new = manifest.row(0, named=True), manifest.row(1, named=True)
    assert (old["status"], old["status_reason"]) == ("failed", "superseded")
    assert "superseded by file_id 2" in old["status_message"]
    assert (new["status"], new["rows_written"]) == ("success", 3)

    # a third delivery supersedes the second; the first stays superseded, untouched
    _trades(path, seed=3)
    third = lake.ingest_file(path)
    assert "supersedes file_id 2" in third.error_message
    assert set(lake.scan("trades").collect()["file_id"]) == {3}
    assert lake.manifest()["status_reason"].to_list() == ["superseded", "superseded", None]
    assert lake.ingest_file(path).skipped


def test_the_old_content_delivered_again_supersedes_the_newer_one(tmp_path: Path):
    lake = _lake(tmp_path)
    path = lake.bronze_root / "tardis" / vendor_file_name(EXCHANGE, "trades", DAY, "BTCUSDT")
    old_bytes = _trades(path, seed=1).read_bytes()
    lake.ingest_file(path)
    _trades(path, seed=2)
    lake.ingest_file(path)
    path.write_bytes(old_bytes)  # the vendor took the correction back
    back = lake.ingest_file(path)
    assert (back.status, back.file_id, back.skipped) == ("success", 1, False)
    assert set(lake.scan("trades").collect()["file_id"]) == {1}
    assert lake.manifest().sort("file_id")["status_reason"].to_list() == [None, "superseded"]


def test_the_same_bytes_at_a_new_path_are_reported_and_follow_the_identity(tmp_path: Path):
    lake = _lake(tmp_path)
    first = _trades(
        lake.bronze_root / "a" / vendor_file_name(EXCHANGE, "trades", DAY, "BTCUSDT"), 1
    )
    copy = lake.bronze_root / "b" / first.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(first.read_bytes())
    lake.ingest_file(first)
    again = lake.ingest_file(copy)
    assert (again.status, again.file_id) == ("success", 2)
    assert "the same content is already ingested as file_id 1 (a/" in again.error_message
    assert lake.manifest()["status"].to_list() == ["success", "success"]


def test_a_redelivered_quant360_archive_does_not_double_rows(tmp_path: Path):
    day = datetime.date(2024, 1, 2)
    lake = Lake(tmp_path / "lake")
    symbols = q360.sample_symbols("szse", 2)
    snapshot = pl.DataFrame(
        [
            {
                "exchange": "szse",
                "exchange_symbol": s,
                "canonical_symbol": f"{s}.SZSE",
                "market_type": "stock",
                "base_asset": s,
                "quote_asset": "CNY",
            }
            for s in symbols
        ]
    )
    lake.upsert_symbols(snapshot, 1_704_000_000_000_000)
    source = tmp_path / "incoming"
    for rows in (5, 7):  # the vendor redelivers the archive under the same name
        q360.write_archive(
            source,
            data_type="order_new",
            exchange="szse",
            symbols=symbols,
            rows_per_member=rows,
            date=day,
        )
        lake.import_quant360_archives(source)
        results = lake.ingest(lake.bronze_root)
        assert {r.status for r in results} == {"success"}
    orders = lake.scan("cn_order_events").collect()
    assert orders.height == 2 * 7
    manifest = lake.manifest().sort("file_id")
    assert manifest["status_reason"].to_list() == ["superseded", "superseded", None, None]


def test_a_row_with_two_bad_fields_keeps_the_text_of_both(tmp_path: Path):
    """Issue 14 item 10: every column's original text is recoverable from row_json."""
    import gzip
    import json

    lake = _lake(tmp_path)
    header = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
    rows = [
        f"{EXCHANGE},BTCUSDT,{DEFAULT_START_US},{DEFAULT_START_US + 1},1,buy,42000.5,0.1",
        f"{EXCHANGE},BTCUSDT,{DEFAULT_START_US + 2},{DEFAULT_START_US + 3},2,buy,4x2.5,0.1.2",
    ]
    path = lake.bronze_root / "tardis" / vendor_file_name(EXCHANGE, "trades", DAY, "BTCUSDT")
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(("\n".join([header, *rows]) + "\n").encode(), mtime=0))
    result = lake.ingest_file(path)
    assert (result.rows_written, result.rows_quarantined) == (1, 1)
    (entry,) = lake.quarantine().iter_rows(named=True)
    kept = json.loads(entry["row_json"])
    assert kept["original_text"]["price"] == "4x2.5"
    assert kept["original_text"]["amount"] == "0.1.2"
    assert kept["original_text"]["id"] == "2" and kept["file_seq"] == 2
    assert ",".join(kept["original_text"][c] for c in header.split(",")) == rows[1]


@pytest.mark.parametrize("landed", [False, True])
def test_a_superseding_write_that_fails_leaves_rows_and_manifest_agreeing(tmp_path, landed):
    """Whether the failed commit landed or not, the old identity ends superseded with no rows,
    the new one failed with none, and a rerun writes the new content."""
    from pointline.v2.storage.delta import DeltaEventStore

    from .reliability.lakes import check_invariants

    lake = _lake(tmp_path)
    path = lake.bronze_root / "tardis" / vendor_file_name(EXCHANGE, "trades", DAY, "BTCUSDT")
    _trades(path, seed=1)
    lake.ingest_file(path)
    _trades(path, seed=2)
    real = DeltaEventStore.replace_files
    calls = []

    def flaky(self, table, file_ids, data):
        calls.append(list(file_ids))
        if len(calls) == 1:
            if landed:
                real(self, table, file_ids, data)
            raise OSError("connection reset")
        return real(self, table, file_ids, data)

    DeltaEventStore.replace_files = flaky
    try:
        failed = Lake(lake.root).ingest_file(path)
    finally:
        DeltaEventStore.replace_files = real
    assert (failed.status, failed.failure_reason) == ("failed", "write_error")
    assert calls[1:3] == [[2], [1]]  # the take-back: its own rows, then the superseded ones
    assert lake.manifest()["status_reason"].to_list() == ["superseded", "write_error"]
    check_invariants(Lake(lake.root))
    again = Lake(lake.root).ingest_file(path)
    assert (again.status, again.rows_written) == ("success", 3)
    assert set(lake.scan("trades").collect()["file_id"]) == {2}
    check_invariants(Lake(lake.root))
