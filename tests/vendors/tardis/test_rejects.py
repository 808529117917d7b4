"""Values that do not convert are flagged per row (reason, Tardis field, original text)."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest

from pointline.v2.vendors.base import KEEP_ORIGINAL_TEXT
from pointline.v2.vendors.tardis import TARDIS

from .conftest import make_meta

P = "binance-futures,BTCUSDT"
T = "1704067200000000,1704067200001234"


@pytest.mark.parametrize(
    ("row", "reason", "field", "value"),
    [
        (f"{P},{T},1,buy,1.0000000001,1", "unrepresentable_decimal", "price", "1.0000000001"),
        (f"{P},{T},1,buy,10000000000,1", "unrepresentable_decimal", "price", "10000000000"),
        (f"{P},{T},1,buy,4200O.5,1", "invalid_decimal", "price", "4200O.5"),
        (f"{P},{T},1,buy,1,0.1.2", "invalid_decimal", "amount", "0.1.2"),
        (f"{P},17040672OO,{T[17:]},1,buy,1,1", "invalid_integer", "timestamp", "17040672OO"),
        (f"{P},{T[:16]},1.5,1,buy,1,1", "invalid_integer", "local_timestamp", "1.5"),
    ],
)
def test_bad_value_is_flagged_not_raised(parse, row, reason, field, value) -> None:
    df = parse("trades", [f"{P},{T},1,buy,1,1", row])
    assert df.height == 2
    assert df.row(0, named=True)["_reject_reason"] is None
    flagged = df.row(1, named=True)
    assert (flagged["_reject_reason"], flagged["_reject_field"], flagged["_reject_value"]) == (
        reason,
        field,
        value,
    )
    assert flagged["file_seq"] == 2


def test_first_failure_wins_integers_before_decimals(parse) -> None:
    df = parse("trades", [f"{P},x,{T[17:]},1,buy,bad,bad"])
    assert df.select("_reject_reason", "_reject_field", "_reject_value").row(0) == (
        "invalid_integer",
        "timestamp",
        "x",
    )


def test_empty_fields_are_null_not_rejected(parse) -> None:
    df = parse("trades", [f"{P},{T[:16]},,,,,"])
    row = df.row(0, named=True)
    assert (row["ts_local_us"], row["trade_id"], row["side"], row["price"], row["qty"]) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert row["_reject_reason"] is None


def test_an_earlier_flag_is_kept_whole(parse) -> None:
    short = f"{P},x,{T[17:]},1,buy,bad"  # one field short, and bad values
    df = parse("trades", [short])
    assert df.select("_reject_reason", "_reject_field", "_reject_value").row(0) == (
        "malformed_row",
        None,
        short,
    )


def test_a_gap_flag_is_not_mixed_with_a_later_decimal_failure(parse) -> None:
    levels = ["100", "1"] + [""] * 8 + ["99", "1", "", "", "9x", "1"] + [""] * 4
    df = parse("book_snapshot_5", [f"{P},{T}," + ",".join(levels)])
    assert df.select("_reject_reason", "_reject_field", "_reject_value").row(0) == (
        "book_level_gap",
        "bids[1]",
        None,
    )


def test_timestamps_read_typed_or_as_text_give_the_same_rows(parse) -> None:
    """Timestamps are read as Int64 when the whole file allows it, else as text; a blank
    around a timestamp is accepted either way, so a bad value elsewhere changes nothing."""
    blank = f"{P},1704067200000000, 1704067200001234,1,buy,1,1"
    clean = parse("trades", [blank, f"{P},{T},2,sell,2,2"])
    with_bad_price = parse("trades", [blank, f"{P},{T},2,sell,2x,2"])
    with_bad_time = parse("trades", [blank, f"{P},{T},2,sell,2,2", f"{P},x,{T[17:]},3,buy,1,1"])
    for df in (clean, with_bad_price, with_bad_time):
        assert df.row(0, named=True)["ts_local_us"] == 1_704_067_200_001_234
        assert df.row(0, named=True)["_reject_reason"] is None
    assert with_bad_price.row(1, named=True)["_reject_reason"] == "invalid_decimal"
    assert with_bad_time.row(2, named=True)["_reject_reason"] == "invalid_integer"
    assert clean.drop("_reject_reason", "_reject_field", "_reject_value").equals(
        with_bad_time.head(2).drop("_reject_reason", "_reject_field", "_reject_value")
    )


def test_an_integer_too_large_for_int64_is_flagged(parse) -> None:
    df = parse("trades", [f"{P},9223372036854775808,{T[17:]},1,buy,1,1", f"{P},{T},2,buy,1,1"])
    assert df.select("_reject_reason", "_reject_field", "_reject_value").row(0) == (
        "invalid_integer",
        "timestamp",
        "9223372036854775808",
    )
    assert df.row(1, named=True)["_reject_reason"] is None


def _keep_text(meta):
    return dataclasses.replace(meta, extra={**meta.extra, KEEP_ORIGINAL_TEXT: "true"})


@pytest.mark.parametrize("chunked", [False, True])
def test_a_rejected_row_carries_its_original_text_for_every_column(write_rows, chunked) -> None:
    """Issue 14 item 10 (parser side): with two bad fields, the first is the reject reason,
    and ``_reject_text`` keeps the original text of every column (the converted row holds
    nulls for both); clean rows carry null."""
    path = write_rows("trades", [f"{P},{T},1,buy,1,1", f"{P},{T},2,sell,4200O.5, 1x "])
    meta = _keep_text(make_meta(path, "trades"))
    df = pl.concat(TARDIS.chunked_parser(meta)(meta, 1)) if chunked else TARDIS.parser(meta)(meta)
    assert df["_reject_text"][0] is None
    bad = df.row(1, named=True)
    assert (bad["_reject_reason"], bad["_reject_field"], bad["price"], bad["qty"]) == (
        "invalid_decimal",
        "price",
        None,
        None,
    )
    original = json.loads(bad["_reject_text"])
    assert original["price"] == "4200O.5"
    assert original["amount"] == " 1x "
    assert original["id"] == "2" and original["side"] == "sell"
    plain = TARDIS.parser(make_meta(path, "trades"))(make_meta(path, "trades"))
    assert "_reject_text" not in plain.columns  # asked for only
