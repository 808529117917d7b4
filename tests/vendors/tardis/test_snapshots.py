"""book_snapshot_5 / book_snapshot_25: level lists, thin books, gaps, depth from the header."""

from __future__ import annotations

import pytest

from pointline.v2.vendors.tardis import TARDIS
from pointline.v2.vendors.tardis.formats import snapshot_level_columns

from .conftest import make_meta

P = "deribit,BTC-PERPETUAL,1704067200000000,1704067200001234"
E9 = 1_000_000_000


def _row(asks: list[tuple[str, str]], bids: list[tuple[str, str]], depth: int = 5) -> str:
    """A row in the documented column order: all asks levels, then all bids levels."""
    fields = []
    for levels in (asks, bids):
        padded = levels + [("", "")] * (depth - len(levels))
        fields += [value for level in padded for value in level]
    return ",".join([P, *fields])


def test_full_book_becomes_best_first_lists(parse) -> None:
    asks = [(f"100.{i}", f"{i + 1}") for i in range(5)]
    bids = [(f"99.{9 - i}", f"0.{i + 1}") for i in range(5)]
    df = parse("book_snapshot_5", [_row(asks, bids)])
    row = df.row(0, named=True)
    assert row["depth"] == 5
    assert df.schema["depth"].is_integer() and str(df.schema["depth"]) == "Int32"
    assert row["ask_price_levels"] == [100 * E9 + i * 100_000_000 for i in range(5)]
    assert row["ask_qty_levels"] == [(i + 1) * E9 for i in range(5)]
    assert row["bid_price_levels"] == [99 * E9 + (9 - i) * 100_000_000 for i in range(5)]
    assert row["bid_qty_levels"] == [(i + 1) * 100_000_000 for i in range(5)]
    assert row["_reject_reason"] is None


def test_thin_book_lists_are_shortened(parse) -> None:
    df = parse(
        "book_snapshot_5",
        [
            _row([("100.5", "1"), ("101", "0.25")], [("99.5", "3")]),
            _row([], []),
        ],
    )
    first, empty = df.to_dicts()
    assert first["ask_price_levels"] == [100_500_000_000, 101 * E9]
    assert first["ask_qty_levels"] == [E9, 250_000_000]
    assert first["bid_price_levels"] == [99_500_000_000]
    assert first["bid_qty_levels"] == [3 * E9]
    assert first["_reject_reason"] is None
    assert empty["ask_price_levels"] == [] and empty["bid_qty_levels"] == []
    assert empty["_reject_reason"] is None


def test_gap_in_the_middle_is_flagged_and_keeps_a_null(parse) -> None:
    df = parse(
        "book_snapshot_5",
        [_row([("100", "1")], [("99", "1"), ("", ""), ("98", "2")])],
    )
    row = df.row(0, named=True)
    assert (row["_reject_reason"], row["_reject_field"], row["_reject_value"]) == (
        "book_level_gap",
        "bids[1]",
        None,
    )
    assert row["bid_price_levels"] == [99 * E9, None, 98 * E9]


def test_level_with_price_but_no_amount_is_flagged(parse) -> None:
    df = parse("book_snapshot_5", [_row([("100", "1"), ("101", "")], [("99", "1")])])
    row = df.row(0, named=True)
    assert (row["_reject_reason"], row["_reject_field"]) == ("incomplete_book_level", "asks[1]")


def test_bad_level_value_is_flagged_with_its_column(parse) -> None:
    df = parse("book_snapshot_5", [_row([("100", "1"), ("1O1", "1")], [("99", "1")])])
    row = df.row(0, named=True)
    assert (row["_reject_reason"], row["_reject_field"], row["_reject_value"]) == (
        "invalid_decimal",
        "asks[1].price",
        "1O1",
    )


def test_bad_bid_amount_is_flagged_with_its_column(parse) -> None:
    df = parse("book_snapshot_5", [_row([("100", "1")], [("99", "1"), ("98", "-0.5e-12")])])
    row = df.row(0, named=True)
    assert (row["_reject_reason"], row["_reject_field"], row["_reject_value"]) == (
        "unrepresentable_decimal",
        "bids[1].amount",
        "-0.5e-12",
    )
    assert row["bid_qty_levels"] == [E9, None]


def test_interleaved_column_order_parses_the_same(write_file, parse) -> None:
    asks = [(f"10{i}", "1") for i in range(5)]
    bids = [(f"9{9 - i}", "2") for i in range(5)]
    expected = parse("book_snapshot_5", [_row(asks, bids)])
    interleaved = [
        f"{side}[{i}].{field}"
        for i in range(5)
        for side in ("asks", "bids")
        for field in ("price", "amount")
    ]
    values = {
        f"{side}[{i}].{field}": level[i][j]
        for side, level in (("asks", asks), ("bids", bids))
        for i in range(5)
        for j, field in enumerate(("price", "amount"))
    }
    head = "exchange,symbol,timestamp,local_timestamp," + ",".join(interleaved)
    line = P + "," + ",".join(values[c] for c in interleaved)
    path = write_file("interleaved.csv.gz", f"{head}\n{line}\n")
    meta = make_meta(path, "book_snapshot_5")
    assert TARDIS.parser(meta)(meta).equals(expected)


@pytest.mark.parametrize("depth", [5, 25])
def test_book_snapshots_data_type_takes_depth_from_header(write_file, depth) -> None:
    head = ",".join(["exchange", "symbol", "timestamp", "local_timestamp"])
    head += "," + ",".join(snapshot_level_columns(depth))
    line = P + ",100,1" + "," * (4 * depth - 2)
    path = write_file(f"snap{depth}.csv.gz", f"{head}\n{line}\n")
    meta = make_meta(path, "book_snapshots")
    df = TARDIS.parser(meta)(meta)
    assert df.select("depth", "ask_price_levels", "bid_price_levels").row(0) == (
        depth,
        [100 * E9],
        [],
    )
