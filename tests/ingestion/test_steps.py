"""Each row step on its own."""

import datetime

import polars as pl
import pytest

from pointline.errors import SchemaMismatchError
from pointline.schemas.registry import get_table_spec
from pointline.v2.ingestion import steps
from pointline.v2.ingestion.rules import table_rule

from .conftest import DAY_US, FAR, T0, make_dim, make_trades

TRADES = get_table_spec("trades")


def prepared(df: pl.DataFrame) -> pl.DataFrame:
    df = steps.ensure_reject_columns(df)
    df = steps.assign_lineage(df, file_id=7, seq_start=1)
    return steps.add_missing_nullable(df, TRADES)


def test_lineage_numbers_rows_from_the_start_given():
    out = steps.assign_lineage(make_trades(n=3), file_id=7, seq_start=11)
    assert out["file_id"].to_list() == [7, 7, 7]
    assert out["file_seq"].to_list() == [11, 12, 13]


def test_lineage_keeps_parser_file_seq():
    df = make_trades(n=2).with_columns(file_seq=pl.Series([5, 9], dtype=pl.Int64))
    assert steps.assign_lineage(df, file_id=1, seq_start=1)["file_seq"].to_list() == [5, 9]


def test_missing_nullable_columns_are_added_as_nulls():
    out = prepared(make_trades(n=1))
    assert out["is_buyer_maker"].dtype == pl.Boolean
    assert out["is_buyer_maker"].to_list() == [None]


def test_parsed_columns_are_checked():
    with pytest.raises(SchemaMismatchError, match=r"missing columns \['price'\]"):
        steps.check_parsed_columns(make_trades().drop("price"), TRADES, source="f.csv")
    with pytest.raises(SchemaMismatchError, match=r"unexpected columns \['px'\]"):
        steps.check_parsed_columns(make_trades().with_columns(px=1), TRADES, source="f.csv")


def test_unknown_exchange_is_rejected_and_known_gets_its_date():
    df = prepared(make_trades(n=2)).with_columns(exchange=pl.Series(["binance", "nyse"]))
    out = steps.derive_trading_date(df)
    assert out["trading_date"].to_list() == [datetime.date(2024, 1, 2), None]
    assert out["_reject_reason"].to_list() == [None, "unknown_exchange"]
    assert out["_reject_value"].to_list() == [None, "nyse"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"side": "BUY"}, "invalid_trade_values"),
        ({"price": 0}, "invalid_trade_values"),
        ({"qty": -1}, "invalid_trade_values"),
        ({"side": None}, "null_required_column"),
        ({"price": None}, "null_required_column"),
    ],
)
def test_trade_rules(change, reason):
    rows = make_trades(n=2).to_dicts()
    rows[0].update(change)
    df = prepared(make_trades(rows))
    out = steps.apply_row_rules(steps.derive_trading_date(df), TRADES)
    assert out["_reject_reason"].to_list() == [reason, None]
    if reason == "null_required_column":
        assert out["_reject_field"].to_list()[0] == next(iter(change))


def test_null_required_column_names_the_column():
    df = prepared(make_trades(n=1)).with_columns(qty=pl.lit(None, pl.Int64))
    out = steps.apply_row_rules(steps.derive_trading_date(df), TRADES)
    assert out.select("_reject_reason", "_reject_field").row(0) == ("null_required_column", "qty")


def test_quote_rules_bid_above_ask_and_zero_sizes():
    spec = get_table_spec("quotes")
    reason, failing = table_rule("quotes")
    df = pl.DataFrame(
        {
            "bid_price": [10, 11, 10, 0],
            "ask_price": [11, 10, 10, 5],
            "bid_qty": [0, 1, 1, 1],
            "ask_qty": [1, 1, -1, 1],
        }
    )
    assert reason == "invalid_quote_values" and spec.name == "quotes"
    assert df.select(failing).to_series().to_list() == [False, True, True, True]


def test_book_snapshot_rules():
    _, failing = table_rule("book_snapshots")
    df = pl.DataFrame(
        {
            "depth": [5, 5, 5, 5, 7],
            "bid_price_levels": [[10, 9], [9, 10], [10, 9], [10, 9], [10]],
            "bid_qty_levels": [[1, 1], [1, 1], [1, 0], [1, 1], [1]],
            "ask_price_levels": [[11, 12], [11, 12], [11, 12], [11, 11], [11]],
            "ask_qty_levels": [[1, 1], [1, 1], [1, 1], [1, 1], [1]],
        },
        schema_overrides={"depth": pl.Int32},
    )
    assert df.select(failing).to_series().to_list() == [False, True, True, True, True]


def test_sse_sequence_rule_only_applies_to_sse():
    spec = get_table_spec("cn_tick_events")
    df = pl.DataFrame(
        {
            "exchange": ["sse", "szse", "sse"],
            "channel_seq": [1, 2, 3],
            "channel_biz_seq": [None, None, 5],
            "symbol_trade_seq": [1, None, 3],
            "_reject_reason": [None, None, None],
            "_reject_field": [None, None, None],
            "_reject_value": [None, None, None],
        },
        schema_overrides={"channel_biz_seq": pl.Int64, "symbol_trade_seq": pl.Int64},
    ).with_columns(pl.col("^_reject_.*$").cast(pl.Utf8))
    only_rule = steps._flag(df, *_sequence(spec), pl.lit(None), pl.lit(None))
    assert only_rule["_reject_reason"].to_list() == ["missing_sse_sequence_fields", None, None]


def _sequence(spec):
    from pointline.v2.ingestion.rules import sse_sequence_rule

    reason, failing = sse_sequence_rule(spec.name)
    return failing, reason


def test_pit_window_edges():
    dim = make_dim(
        (
            ("binance", "BTCUSDT", 1, T0, T0 + DAY_US),
            ("binance", "BTCUSDT", 2, T0 + DAY_US, FAR),
        )
    )
    ts = [T0 - 1, T0, T0 + DAY_US - 1, T0 + DAY_US]
    df = prepared(make_trades(n=4)).with_columns(ts_event_us=pl.Series(ts, dtype=pl.Int64))
    out = steps.resolve_symbols(steps.derive_trading_date(df), dim)
    assert out["symbol_id"].to_list() == [None, 1, 1, 2]
    assert out["_reject_reason"].to_list() == ["missing_pit_symbol_coverage", None, None, None]
    assert out["file_seq"].to_list() == [1, 2, 3, 4]


def test_intake_then_prepare_rows_splits_and_normalises(dim):
    df = make_trades(n=3).with_columns(side=pl.Series(["buy", "oops", "sell"]))
    taken = steps.intake(df, TRADES, file_id=3, seq_start=1, source="x.csv")
    valid, rejected = steps.prepare_rows(taken, TRADES, steps.pit_view(dim))
    assert valid.schema == TRADES.to_polars()
    assert valid["file_seq"].to_list() == [1, 3]
    assert valid["symbol_id"].to_list() == [11, 11]
    assert rejected["file_seq"].to_list() == [2]
    assert rejected["_reject_reason"].to_list() == ["invalid_trade_values"]
    assert rejected.columns[: len(TRADES.columns())] == TRADES.columns()


def test_prepare_rows_of_stacked_files_equals_each_file_alone(dim):
    view = steps.pit_view(dim)
    first = make_trades(n=3).with_columns(side=pl.Series(["buy", "oops", "sell"]))
    second = make_trades(n=2).with_columns(symbol=pl.Series(["BTCUSDT", "DOGEUSDT"]))
    taken = [
        steps.intake(frame, TRADES, file_id=i, seq_start=1, source=f"{i}.csv")
        for i, frame in ((1, first), (2, second))
    ]
    alone = [steps.prepare_rows(frame, TRADES, view) for frame in taken]
    valid, rejected = steps.prepare_rows(pl.concat(taken), TRADES, view)
    assert valid.equals(pl.concat([v for v, _ in alone]))
    assert rejected.equals(pl.concat([r for _, r in alone]))
    assert rejected["_reject_reason"].to_list() == [
        "invalid_trade_values",
        "missing_pit_symbol_coverage",
    ]


def test_pit_view_requires_columns():
    with pytest.raises(SchemaMismatchError, match="valid_until_ts_us"):
        steps.pit_view(make_dim().drop("valid_until_ts_us"))
