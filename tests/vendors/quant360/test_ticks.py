"""tick_new -> cn_tick_events, SSE and SZSE: every mapping rule with exact values."""

from __future__ import annotations

import pytest

from pointline.errors import VendorParseError

from .conftest import T0930_US, csv, parse, rejects

SSE_HEADER = (
    "SecurityID,TradeTime,TradePrice,TradeQty,TradeAmount,BuyNo,SellNo,TradeIndex,ChannelNo,"
    "TradeBSFlag,BizIndex"
)
SZSE_HEADER = "ApplSeqNum,BidApplSeqNum,OfferApplSeqNum,Price,Qty,ExecType,TransactTime,ChannelNo"


def test_sse_ticks_map_every_column(write_file):
    meta = write_file(
        "tick_new",
        "sse",
        "600000",
        csv(
            SSE_HEADER,
            "600000,20240102093000000,11.630,200,2326.000,5001,5002,1,6,B,21",
            "600000,20240102093000500,11.620,300,3486.000,5003,5004,2,6,S,22",
            "600000,20240102093001000,11.610,100,1161.000,5005,5006,3,6,N,23",
            "600000,20240102093001000,11.610,100,1161.000,5005,5006,4,6,,24",
        ),
    )
    df = parse(meta)
    assert df.to_dicts()[0] == {
        "exchange": "sse",
        "symbol": "600000",
        "ts_event_us": T0930_US,
        "ts_local_us": None,
        "file_seq": 1,
        "channel_id": 6,
        "channel_seq": 1,
        "channel_biz_seq": 21,
        "symbol_trade_seq": 1,
        "bid_order_ref": 5001,
        "ask_order_ref": 5002,
        "event_kind": "TRADE",
        "aggressor_side": "BUY",
        "price": 11_630_000_000,
        "qty": 200_000_000_000,
        "_reject_reason": None,
        "_reject_field": None,
        "_reject_value": None,
    }
    assert df["aggressor_side"].to_list() == ["BUY", "SELL", "UNKNOWN", None]
    assert df["event_kind"].to_list() == ["TRADE"] * 4
    assert df["channel_seq"].to_list() == df["symbol_trade_seq"].to_list() == [1, 2, 3, 4]
    assert df["ts_event_us"].to_list()[1] == T0930_US + 500_000
    assert rejects(df) == [(None, None, None)] * 4


def test_sse_tick_flag_other_than_b_s_n_is_invalid_code(write_file):
    meta = write_file(
        "tick_new",
        "sse",
        "600000",
        csv(SSE_HEADER, "600000,20240102093000000,11.630,200,2326.000,1,2,1,6,Q,21"),
    )
    assert rejects(parse(meta)) == [("invalid_code", "aggressor_side", "Q")]


def test_sse_tick_missing_sequence_fields_stay_null(write_file):
    meta = write_file(
        "tick_new",
        "sse",
        "600000",
        csv(SSE_HEADER, "600000,20240102093000000,11.630,200,2326.000,1,2,,6,B,"),
    )
    row = parse(meta).row(0, named=True)
    assert (row["channel_seq"], row["symbol_trade_seq"], row["channel_biz_seq"]) == (None,) * 3
    assert row["_reject_reason"] is None


def test_sse_tick_symbol_mismatch(write_file):
    meta = write_file(
        "tick_new",
        "sse",
        "600000",
        csv(SSE_HEADER, "600519,20240102093000000,11.630,200,2326.000,1,2,1,6,B,21"),
    )
    with pytest.raises(VendorParseError, match=r"expected '600000', found \['600519'\]") as info:
        parse(meta)
    assert info.value.reason == "symbol_mismatch"


def test_szse_ticks_trades_cancels_and_aggressor(write_file):
    meta = write_file(
        "tick_new",
        "szse",
        "000001",
        csv(
            SZSE_HEADER,
            "10,9,5,10.010,200,F,20240102093000000,2011",
            "11,5,9,10.020,300,F,20240102093000000,2011",
            "12,7,7,10.030,100,F,20240102093000000,2011",
            "13,,7,10.030,100,F,20240102093000000,2011",
            "14,0,8,0.000,500,4,20240102093000000,2011",
            "15,8,0,0.000,500,4,20240102093000000,2011",
            "16,8,9,1.000,1,X,20240102093000000,2011",
        ),
    )
    df = parse(meta)
    assert df.to_dicts()[0] == {
        "exchange": "szse",
        "symbol": "000001",
        "ts_event_us": T0930_US,
        "ts_local_us": None,
        "file_seq": 1,
        "channel_id": 2011,
        "channel_seq": 10,
        "channel_biz_seq": None,
        "symbol_trade_seq": None,
        "bid_order_ref": 9,
        "ask_order_ref": 5,
        "event_kind": "TRADE",
        "aggressor_side": "BUY",
        "price": 10_010_000_000,
        "qty": 200_000_000_000,
        "_reject_reason": None,
        "_reject_field": None,
        "_reject_value": None,
    }
    assert df["event_kind"].to_list() == ["TRADE"] * 4 + ["CANCEL", "CANCEL", None]
    assert df["aggressor_side"].to_list() == ["BUY", "SELL", "UNKNOWN", "UNKNOWN", None, None, None]
    assert df["price"].to_list()[4:6] == [0, 0]
    assert df["bid_order_ref"].to_list() == [9, 5, 7, None, 0, 8, 8]
    assert df["ask_order_ref"].to_list() == [5, 9, 7, 7, 8, 0, 9]
    assert df["channel_seq"].to_list() == list(range(10, 17))
    assert rejects(df) == [(None, None, None)] * 6 + [("invalid_code", "event_kind", "X")]
