"""trades and liquidations: exact fixed point, ids, sides, nulls, grouped symbols."""

from __future__ import annotations

from pointline.v2.vendors.tardis import TARDIS

from .conftest import make_meta

P = "binance-futures,BTCUSDT,1704067200000000,1704067200001234"


def test_trades_rows_map_exactly(parse) -> None:
    df = parse(
        "trades",
        [
            f"{P},101,buy,12345678.123456789,0.1",
            f"{P},,sell,0.1,0",
            f"{P},103,unknown,42000,2.5",
        ],
    )
    common = {
        "exchange": "binance-futures",
        "symbol": "BTCUSDT",
        "ts_event_us": 1704067200000000,
        "ts_local_us": 1704067200001234,
        "_reject_reason": None,
        "_reject_field": None,
        "_reject_value": None,
    }
    assert df.to_dicts() == [
        {
            **common,
            "file_seq": 1,
            "trade_id": "101",
            "side": "buy",
            "is_buyer_maker": False,
            "price": 12_345_678_123_456_789,
            "qty": 100_000_000,
        },
        {
            **common,
            "file_seq": 2,
            "trade_id": None,
            "side": "sell",
            "is_buyer_maker": True,
            "price": 100_000_000,
            "qty": 0,
        },
        {
            **common,
            "file_seq": 3,
            "trade_id": "103",
            "side": "unknown",
            "is_buyer_maker": None,
            "price": 42_000_000_000_000,
            "qty": 2_500_000_000,
        },
    ]


def test_trades_keep_side_text_as_given(parse) -> None:
    df = parse("trades", [f"{P},1,BUY,1,1", f"{P},2,,1,1"])
    assert df["side"].to_list() == ["BUY", None]
    assert df["is_buyer_maker"].to_list() == [None, None]
    assert df["_reject_reason"].to_list() == [None, None]


def test_grouped_symbol_file_keeps_each_rows_symbol(write_rows) -> None:
    path = write_rows(
        "trades",
        [
            "binance-futures,BTCUSDT,1704067200000000,1704067200000001,1,buy,42000.5,1",
            "binance-futures,ETHUSDT,1704067200000002,1704067200000003,2,sell,2200.25,3",
        ],
        name="binance-futures_trades_2024-01-01_PERPETUALS.csv.gz",
    )
    location = TARDIS.recognise(path)
    assert location is not None and location.symbol == "PERPETUALS"
    meta = make_meta(path, location.data_type)
    df = TARDIS.parser(meta)(meta)
    assert df.select("symbol", "price").rows() == [
        ("BTCUSDT", 42_000_500_000_000),
        ("ETHUSDT", 2_200_250_000_000),
    ]


def test_liquidations_map_exactly(parse) -> None:
    df = parse(
        "liquidations",
        [
            f"{P},liq-1,buy,42000.1,0.003",
            f"{P},,sell,41999.9,12",
        ],
    )
    assert df.drop("exchange", "symbol", "ts_event_us", "ts_local_us").to_dicts() == [
        {
            "file_seq": 1,
            "liquidation_id": "liq-1",
            "side": "buy",
            "price": 42_000_100_000_000,
            "qty": 3_000_000,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        },
        {
            "file_seq": 2,
            "liquidation_id": None,
            "side": "sell",
            "price": 41_999_900_000_000,
            "qty": 12_000_000_000,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        },
    ]
