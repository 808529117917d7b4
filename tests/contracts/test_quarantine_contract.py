"""QuarantineStore: the row mapping, rows kept whole, dedupe keys, atomic replace, no table
until a row is written."""

from __future__ import annotations

import json
import time

import polars as pl
import pytest

from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.storage.contracts import (
    BatchQuarantineStore,
    FileReplacingQuarantineStore,
    QuarantineStore,
)
from tests.contracts.conftest import rejected
from tests.storage.conftest import DAY


def _keys(quarantine, file_id: int | None = None) -> list[tuple]:
    rows = quarantine.read(file_id=file_id)
    return rows.select("file_id", "table_name", "file_seq", "rule_name").rows()


def test_implements_the_protocols(quarantine) -> None:
    assert isinstance(quarantine, QuarantineStore)
    assert isinstance(quarantine, FileReplacingQuarantineStore)
    assert isinstance(quarantine, BatchQuarantineStore)


def test_each_rejected_row_is_logged_whole(quarantine) -> None:
    n = 2
    frame = rejected([3, 4]).with_columns(
        _reject_reason=pl.Series([None, "invalid_price"] * (n // 2)),
        _reject_field=pl.Series([None, "price"]),
        _reject_value=pl.Series([None, "12345678.1234567891"]),
    )
    before = time.time_ns() // 1000
    quarantine.append("trades", frame, reason="bad_row", file_id=7)
    log = quarantine.read()
    assert log.schema == VALIDATION_LOG.to_polars()
    assert all(before <= t <= time.time_ns() // 1000 for t in log["logged_at_ts_us"])
    assert log.drop("row_json", "logged_at_ts_us").rows(named=True) == [
        {
            "file_id": 7,
            "rule_name": "bad_row",
            "severity": "error",
            "file_seq": 3,
            "field_name": None,
            "field_value": None,
            "ts_event_us": 1_704_153_600_000_003,
            "symbol": "BTCUSDT",
            "symbol_id": None,
            "message": "row for trades rejected: bad_row",
            "table_name": "trades",
        },
        {
            "file_id": 7,
            "rule_name": "invalid_price",
            "severity": "error",
            "file_seq": 4,
            "field_name": "price",
            "field_value": "12345678.1234567891",
            "ts_event_us": 1_704_153_600_000_004,
            "symbol": "BTCUSDT",
            "symbol_id": None,
            "message": "row for trades rejected: invalid_price (field price = 12345678.1234567891)",
            "table_name": "trades",
        },
    ]
    assert [json.loads(j) for j in log["row_json"]] == [
        {**row, "trading_date": "2024-01-02"} for row in rejected([3, 4]).rows(named=True)
    ]


def test_row_json_keeps_every_column_whole(quarantine) -> None:
    frame = pl.DataFrame(
        {
            "trading_date": [DAY],
            "levels": [[1, 2, 3]],
            "big": [12_345_678_123_456_789],
            "text": ['say "hi"'],
            "none": [None],
        }
    )
    quarantine.append("trades", frame, reason="r", file_id=1)
    log = quarantine.read()
    assert json.loads(log["row_json"][0]) == {
        "trading_date": "2024-01-02",
        "levels": [1, 2, 3],
        "big": 12_345_678_123_456_789,
        "text": 'say "hi"',
        "none": None,
    }
    assert log["file_seq"].to_list() == [None]


def test_an_empty_frame_writes_nothing_and_creates_no_table(quarantine) -> None:
    quarantine.append("trades", rejected([]), reason="r", file_id=1)
    quarantine.replace_file("trades", rejected([]), reason="r", file_id=1)
    quarantine.replace_files([1, 2], [(1, "trades", rejected([]), "r")])
    assert not quarantine.table_exists
    assert quarantine.read().schema == VALIDATION_LOG.to_polars()
    assert quarantine.read().height == 0


def test_a_retry_does_not_duplicate(quarantine) -> None:
    quarantine.append("trades", rejected([1, 2]), reason="r", file_id=1)
    quarantine.append("trades", rejected([1, 2]), reason="r", file_id=1)
    quarantine.append("trades", rejected([2, 3, 3]), reason="r", file_id=1)
    quarantine.append("trades", rejected([1]), reason="other_rule", file_id=1)
    quarantine.append("quotes", rejected([1]), reason="r", file_id=1)
    no_seq = pl.DataFrame({"symbol": ["X"], "raw": ["garbage"]})  # a null file_seq
    quarantine.append("trades", no_seq, reason="r", file_id=2)
    quarantine.append("trades", no_seq, reason="r", file_id=2)
    keys = _keys(quarantine)  # sorted by (file_id, file_seq, rule_name); ties in any order
    assert [k[::2] for k in keys] == [(1, 1), (1, 1), (1, 1), (1, 2), (1, 3), (2, None)]
    assert sorted(keys, key=repr) == [
        (1, "quotes", 1, "r"),
        (1, "trades", 1, "other_rule"),
        (1, "trades", 1, "r"),
        (1, "trades", 2, "r"),
        (1, "trades", 3, "r"),
        (2, "trades", None, "r"),
    ]


def test_replace_file_replaces_every_log_row_of_one_file(quarantine) -> None:
    quarantine.append("trades", rejected([1, 2]), reason="r", file_id=1)
    quarantine.append("quotes", rejected([9]), reason="r", file_id=1)
    quarantine.append("trades", rejected([1]), reason="r", file_id=2)
    quarantine.replace_file("trades", rejected([5, 5]), reason="new", file_id=1)
    assert _keys(quarantine, 1) == [(1, "trades", 5, "new")]
    assert _keys(quarantine, 2) == [(2, "trades", 1, "r")]
    quarantine.replace_file("trades", rejected([]), reason="new", file_id=1)
    assert _keys(quarantine) == [(2, "trades", 1, "r")]
    assert quarantine.read(file_id=1).height == 0
    assert quarantine.table_exists


def test_replace_files_replaces_many_at_once(quarantine) -> None:
    quarantine.replace_file("trades", rejected([1]), reason="r", file_id=1)
    quarantine.replace_files(
        [1, 2, 3], [(2, "trades", rejected([1, 2]), "a"), (3, "quotes", rejected([4]), "b")]
    )
    assert _keys(quarantine) == [
        (2, "trades", 1, "a"),
        (2, "trades", 2, "a"),
        (3, "quotes", 4, "b"),
    ]
    with pytest.raises(ValueError, match=r"rejected rows of file ids \[9\] not replaced"):
        quarantine.replace_files([2], [(9, "trades", rejected([1]), "a")])
    with pytest.raises(ValueError, match="no file ids given"):
        quarantine.replace_files([], [])
    assert quarantine.read().height == 3


def test_an_empty_reason_or_table_name_is_refused(quarantine) -> None:
    with pytest.raises(ValueError, match="reason must be a non-empty string"):
        quarantine.append("trades", rejected([1]), reason="", file_id=1)
    with pytest.raises(ValueError, match="table_name must be a non-empty string"):
        quarantine.replace_file("", rejected([1]), reason="r", file_id=1)
    assert not quarantine.table_exists
