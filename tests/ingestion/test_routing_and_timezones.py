import datetime

import polars as pl
import pytest

from pointline.v2.ingestion.routing import SUPPORTED_DATA_TYPES, canonical_stream, route_table
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


@pytest.mark.parametrize(
    ("vendor", "data_type", "stream"),
    [
        ("tardis", "incremental_book_L2", "incremental_book_L2"),
        ("tardis", "incremental_book_l2", "incremental_book_L2"),
        ("tardis", "orderbook_updates", "incremental_book_L2"),
        ("tardis", "trades", "trades"),
        ("tardis", "book_snapshot_25", "book_snapshot_25"),
        ("tardis", "book_snapshots", "book_snapshots"),  # either depth: the header tells
        ("quant360", "order_new", "order_new"),
        ("quant360", "l3_orders", "order_new"),
        ("quant360", "cn_order_events", "order_new"),
        ("quant360", "l3_ticks", "tick_new"),
        ("quant360", "cn_tick_events", "tick_new"),
        ("quant360", "l2_new", "L2_new"),
        ("quant360", "cn_l2_snapshots", "L2_new"),
    ],
)
def test_canonical_stream_names_the_vendor_stream(vendor, data_type, stream):
    assert canonical_stream(vendor, data_type) == stream
    assert route_table(data_type) == route_table(stream)


def test_canonical_stream_refuses_a_type_of_another_vendor():
    with pytest.raises(ValueError, match=r"tardis has no data type 'order_new'; supported: "):
        canonical_stream("tardis", "order_new")
    with pytest.raises(ValueError, match="quant360 has no data type 'trades'"):
        canonical_stream("quant360", "trades")
    assert canonical_stream("my_vendor", "ticks") == "ticks"  # a plugged-in vendor: as given


def test_every_alias_map_derives_from_the_routing_table():
    """The vendors' alias maps, their data types and SUPPORTED_DATA_TYPES are one table."""
    from pointline.v2.vendors.quant360.layout import DATA_TYPES as Q360_TYPES
    from pointline.v2.vendors.quant360.layout import STREAM_ALIASES
    from pointline.v2.vendors.tardis.formats import ALIASES, ANY_DEPTH_SNAPSHOTS, DATA_TYPES

    tardis_names = {*DATA_TYPES, *ALIASES, ANY_DEPTH_SNAPSHOTS}
    assert tardis_names | set(STREAM_ALIASES) == set(SUPPORTED_DATA_TYPES)
    assert not tardis_names & set(STREAM_ALIASES)
    assert set(Q360_TYPES) == set(STREAM_ALIASES.values()) == {"order_new", "tick_new", "L2_new"}
    assert {ALIASES.get(t, t) for t in tardis_names} == {*DATA_TYPES, ANY_DEPTH_SNAPSHOTS}
    # the spec's routing sentence of tables.md, value by value
    spec = {
        "trades": "trades",
        "quotes": "quotes",
        "incremental_book_L2": "orderbook_updates",
        "incremental_book_l2": "orderbook_updates",
        "orderbook_updates": "orderbook_updates",
        "book_snapshot_5": "book_snapshots",
        "book_snapshot_25": "book_snapshots",
        "book_snapshots": "book_snapshots",
        "derivative_ticker": "derivative_ticker",
        "liquidations": "liquidations",
        "options_chain": "options_chain",
        "order_new": "cn_order_events",
        "l3_orders": "cn_order_events",
        "cn_order_events": "cn_order_events",
        "tick_new": "cn_tick_events",
        "l3_ticks": "cn_tick_events",
        "cn_tick_events": "cn_tick_events",
        "L2_new": "cn_l2_snapshots",
        "l2_new": "cn_l2_snapshots",
        "cn_l2_snapshots": "cn_l2_snapshots",
    }
    assert {t: route_table(t) for t in SUPPORTED_DATA_TYPES} == spec
