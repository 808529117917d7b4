"""DeltaQuarantineStore on real Delta tables: whole rows kept, retries idempotent, damage."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline.errors import TableCorruptError
from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.storage.contracts import FileReplacingQuarantineStore, QuarantineStore
from pointline.v2.storage.delta import DeltaQuarantineStore
from tests.storage.conftest import DAY, damage_last_commit, delete_a_data_file


def _rejected(file_seqs: list[int], *, with_reasons: bool = False) -> pl.DataFrame:
    n = len(file_seqs)
    frame = pl.DataFrame(
        {
            "exchange": ["binance"] * n,
            "trading_date": [DAY] * n,
            "symbol": ["BTCUSDT"] * n,
            "ts_event_us": [1_704_153_600_000_000 + s for s in file_seqs],
            "file_seq": file_seqs,
            "price_levels": [[1, 2]] * n,
            "price": ["12345678.1234567891"] * n,
        }
    )
    if with_reasons:
        frame = frame.with_columns(
            _reject_reason=pl.Series([None, "invalid_price"] * (n // 2) + [None] * (n % 2)),
            _reject_field=pl.Series([None, "price"] * (n // 2) + [None] * (n % 2)),
            _reject_value=pl.Series([None, "12345678.1234567891"] * (n // 2) + [None] * (n % 2)),
        )
    return frame


@pytest.fixture
def store(silver: Path) -> DeltaQuarantineStore:
    return DeltaQuarantineStore(silver_root=silver)


def _version(store: DeltaQuarantineStore) -> int:
    return DeltaTable(str(store.table_path)).version()


def test_implements_the_protocols(store: DeltaQuarantineStore) -> None:
    assert isinstance(store, QuarantineStore)
    assert isinstance(store, FileReplacingQuarantineStore)


def test_needs_a_location(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs silver_root or validation_log_path"):
        DeltaQuarantineStore()
    explicit = DeltaQuarantineStore(silver_root=tmp_path, validation_log_path=tmp_path / "v")
    assert explicit.table_path == tmp_path / "v"


def test_append_logs_each_row_whole(store: DeltaQuarantineStore, silver: Path) -> None:
    before = time.time_ns() // 1000
    store.append("trades", _rejected([3, 4], with_reasons=True), reason="bad_row", file_id=7)
    log = store.read()
    assert log.schema == VALIDATION_LOG.to_polars()
    assert store.table_path == silver / "validation_log"
    assert log.select("file_id", "file_seq", "rule_name", "field_name", "field_value").rows() == [
        (7, 3, "bad_row", None, None),
        (7, 4, "invalid_price", "price", "12345678.1234567891"),
    ]
    assert log["severity"].to_list() == ["error", "error"]
    assert log["table_name"].to_list() == ["trades", "trades"]
    assert log["symbol"].to_list() == ["BTCUSDT", "BTCUSDT"]
    assert log["ts_event_us"].to_list() == [1_704_153_600_000_003, 1_704_153_600_000_004]
    assert log["symbol_id"].to_list() == [None, None]
    assert all(before <= t <= time.time_ns() // 1000 for t in log["logged_at_ts_us"])
    assert "invalid_price" in log["message"][1] and "trades" in log["message"][1]
    row = json.loads(log["row_json"][1])
    assert row == {
        "exchange": "binance",
        "trading_date": "2024-01-02",
        "symbol": "BTCUSDT",
        "ts_event_us": 1_704_153_600_000_004,
        "file_seq": 4,
        "price_levels": [1, 2],
        "price": "12345678.1234567891",
    }


def test_empty_frame_writes_nothing(store: DeltaQuarantineStore, silver: Path) -> None:
    store.append("trades", _rejected([]), reason="bad_row", file_id=1)
    assert not (silver / "validation_log").exists()
    assert not store.table_exists
    assert store.read().schema == VALIDATION_LOG.to_polars()


def test_retry_of_the_same_file_does_not_duplicate(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1, 2]), reason="bad_row", file_id=1)
    version = _version(store)
    store.append("trades", _rejected([1, 2]), reason="bad_row", file_id=1)
    assert _version(store) == version
    store.append("trades", _rejected([2, 3]), reason="bad_row", file_id=1)
    store.append("trades", _rejected([1]), reason="other_rule", file_id=1)
    store.append("trades", _rejected([1]), reason="bad_row", file_id=2)
    log = store.read()
    assert log.select("file_id", "file_seq", "rule_name").rows() == [
        (1, 1, "bad_row"),
        (1, 1, "other_rule"),
        (1, 2, "bad_row"),
        (1, 3, "bad_row"),
        (2, 1, "bad_row"),
    ]


def test_rows_without_file_seq_are_deduplicated_too(store: DeltaQuarantineStore) -> None:
    no_seq = pl.DataFrame({"symbol": ["X"], "raw": ["garbage"]})
    store.append("trades", no_seq, reason="unreadable_row", file_id=3)
    store.append("trades", no_seq, reason="unreadable_row", file_id=3)
    log = store.read(file_id=3)
    assert log.height == 1
    assert log["file_seq"][0] is None
    assert json.loads(log["row_json"][0]) == {"symbol": "X", "raw": "garbage"}


def test_replace_file_replaces_the_rows_of_one_file(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1, 2, 3]), reason="bad_row", file_id=1)
    store.append("trades", _rejected([9]), reason="bad_row", file_id=2)
    version = _version(store)
    store.replace_file("trades", _rejected([2]), reason="new_rule", file_id=1)
    assert _version(store) == version + 1
    assert store.read().select("file_id", "file_seq", "rule_name").rows() == [
        (1, 2, "new_rule"),
        (2, 9, "bad_row"),
    ]
    store.replace_file("trades", _rejected([]), reason="new_rule", file_id=1)
    assert store.read().select("file_id", "file_seq").rows() == [(2, 9)]
    assert store.read(file_id=1).height == 0


def test_replace_file_on_a_missing_table(store: DeltaQuarantineStore) -> None:
    store.replace_file("trades", _rejected([]), reason="bad_row", file_id=1)
    assert not store.table_exists
    store.replace_file("trades", _rejected([5]), reason="bad_row", file_id=1)
    assert store.read(file_id=1)["file_seq"].to_list() == [5]


def test_read_filters_by_file_id(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1]), reason="a", file_id=1)
    store.append("quotes", _rejected([1, 2]), reason="b", file_id=2)
    assert store.read(file_id=2)["table_name"].to_list() == ["quotes", "quotes"]
    assert store.read(file_id=5).height == 0


def test_empty_reason_is_rejected(store: DeltaQuarantineStore) -> None:
    with pytest.raises(ValueError, match="reason must be a non-empty string"):
        store.append("trades", _rejected([1]), reason="", file_id=1)


def test_damaged_log_is_a_clear_error(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1]), reason="a", file_id=1)
    store.append("trades", _rejected([2]), reason="a", file_id=1)
    damage_last_commit(store.table_path)
    with pytest.raises(TableCorruptError, match=f"table at {store.table_path} cannot be opened"):
        store.read()
    with pytest.raises(TableCorruptError, match=f"table at {store.table_path} cannot be opened"):
        store.append("trades", _rejected([3]), reason="a", file_id=1)


def test_missing_data_file_is_a_clear_error(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1]), reason="a", file_id=1)
    delete_a_data_file(store.table_path)
    with pytest.raises(TableCorruptError, match=r"table validation_log at .* cannot be read"):
        store.read()


def test_date_in_row_json_is_iso_text(store: DeltaQuarantineStore) -> None:
    frame = pl.DataFrame({"d": [datetime.date(2024, 2, 29)], "file_seq": [1]})
    store.append("trades", frame, reason="r", file_id=1)
    assert json.loads(store.read()["row_json"][0]) == {"d": "2024-02-29", "file_seq": 1}
