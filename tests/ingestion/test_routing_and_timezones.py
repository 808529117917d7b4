import datetime

import polars as pl
import pytest

from pointline.v2.ingestion.routing import SUPPORTED_DATA_TYPES, route_table
from pointline.v2.ingestion.timezones import (
    exchange_timezone,
    register_exchange_timezone,
    trading_date_expr,
)


@pytest.mark.parametrize(
    ("data_type", "table"),
    [
        ("trades", "trades"),
        ("incremental_book_L2", "orderbook_updates"),
        ("incremental_book_l2", "orderbook_updates"),
        ("book_snapshot_5", "book_snapshots"),
        ("book_snapshot_25", "book_snapshots"),
        ("order_new", "cn_order_events"),
        ("l3_orders", "cn_order_events"),
        ("tick_new", "cn_tick_events"),
        ("l3_ticks", "cn_tick_events"),
        ("L2_new", "cn_l2_snapshots"),
        ("l2_new", "cn_l2_snapshots"),
        ("options_chain", "options_chain"),
    ],
)
def test_routing_aliases(data_type, table):
    assert route_table(data_type) == table


def test_unknown_data_type_lists_supported_values():
    with pytest.raises(
        ValueError, match=r"unsupported data_type 'L1_new'; supported values: .*trades"
    ):
        route_table("L1_new")
    assert "incremental_book_L2" in SUPPORTED_DATA_TYPES


def test_timezones():
    assert exchange_timezone("binance-futures") == "UTC"
    assert exchange_timezone("sse") == "Asia/Shanghai"
    assert exchange_timezone("nyse") is None
    with pytest.raises(ValueError, match="unsupported time zone"):
        register_exchange_timezone("nyse", "America/New_York")


def test_trading_date_shanghai_and_utc():
    # 2024-01-02 23:30 UTC is 2024-01-03 07:30 in Shanghai.
    ts = 1_704_238_200_000_000
    df = pl.DataFrame({"exchange": ["szse", "binance", "nyse"], "ts_event_us": [ts, ts, ts]})
    out = df.select(trading_date_expr(["szse", "binance", "nyse"])).to_series().to_list()
    assert out == [datetime.date(2024, 1, 3), datetime.date(2024, 1, 2), None]


def test_trading_date_single_exchange_fast_path():
    ts = 1_704_238_200_000_000
    df = pl.DataFrame({"exchange": ["szse", "szse"], "ts_event_us": [ts, ts + 1]})
    out = df.select(trading_date_expr(["szse"])).to_series().to_list()
    assert out == [datetime.date(2024, 1, 3)] * 2
    unknown = pl.DataFrame({"exchange": ["nyse"], "ts_event_us": [ts]})
    assert unknown.select(trading_date_expr(["nyse"])).item() is None
