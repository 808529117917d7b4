"""order_new -> cn_order_events, SSE and SZSE: every mapping rule with exact values."""

from __future__ import annotations

import pytest

from pointline.errors import VendorParseError

from .conftest import T0930_US, csv, parse, rejects

SSE_HEADER = (
    "SecurityID,TransactTime,OrderNo,Price,Balance,OrderBSFlag,OrdType,OrderIndex,ChannelNo,"
    "BizIndex"
)
SZSE_HEADER = (
    "ApplSeqNum,Side,OrdType,Price,OrderQty,TransactTime,ChannelNo,"
    "ExpirationDays,ExpirationType,Contactor,ConfirmID"
)


def test_sse_orders_map_every_column(write_file):
    meta = write_file(
        "order_new",
        "sse",
        "600000",
        csv(
            SSE_HEADER,
            "600000,20240102093000000,1001,11.630,100,B,A,1,6,11",
            "600000,20240102093000123,1001,11.630,100,S,D,2,6,12",
            "600000,20240102093001000,1002,12345678.123456789,1.5,X,Z,3,6,13",
            "600000,20240102093001000,1003,0.1,200,,,4,6,14",
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
        "channel_seq": 1001,
        "channel_biz_seq": 11,
        "symbol_order_seq": 1,
        "order_ref": 1001,
        "event_kind": "ADD",
        "side": "BUY",
        "order_type": None,
        "price": 11_630_000_000,
        "qty": 100_000_000_000,
        "_reject_reason": None,
        "_reject_field": None,
        "_reject_value": None,
    }
    assert df["ts_event_us"].to_list() == [
        T0930_US,
        T0930_US + 123_000,
        T0930_US + 1_000_000,
        T0930_US + 1_000_000,
    ]
    assert df["event_kind"].to_list() == ["ADD", "CANCEL", "UNKNOWN", "UNKNOWN"]
    assert df["side"].to_list() == ["BUY", "SELL", "UNKNOWN", "UNKNOWN"]
    assert df["price"].to_list() == [
        11_630_000_000,
        11_630_000_000,
        12_345_678_123_456_789,
        100_000_000,
    ]
    assert df["qty"].to_list() == [100 * 10**9, 100 * 10**9, 1_500_000_000, 200 * 10**9]
    assert df["file_seq"].to_list() == [1, 2, 3, 4]
    assert df["channel_biz_seq"].to_list() == [11, 12, 13, 14]
    assert df["symbol_order_seq"].to_list() == [1, 2, 3, 4]
    assert rejects(df) == [(None, None, None)] * 4


def test_sse_security_id_is_compared_as_zero_padded_six_digits(write_file):
    meta = write_file(
        "order_new",
        "sse",
        "010504",
        csv(SSE_HEADER, "10504,20240102093000000,1,100.000,10,B,A,1,1,1"),
    )
    df = parse(meta)
    assert df["symbol"].to_list() == ["010504"]


def test_sse_symbol_mismatch_fails_the_file(write_file):
    meta = write_file(
        "order_new",
        "sse",
        "600000",
        csv(
            SSE_HEADER,
            "600000,20240102093000000,1,10.000,100,B,A,1,1,1",
            "600001,20240102093000000,2,10.000,100,B,A,2,1,2",
            ",20240102093000000,3,10.000,100,B,A,3,1,3",
        ),
    )
    with pytest.raises(VendorParseError) as info:
        parse(meta)
    assert info.value.reason == "symbol_mismatch"
    assert info.value.path == meta.extra["path"]
    assert str(info.value) == (
        f"{meta.extra['path']}: SecurityID does not match the file's symbol: expected "
        "'600000', found ['600001', '<empty>'] on 2 row(s), first at file_seq 2"
    )


def test_sse_missing_sequence_fields_stay_rows_with_nulls(write_file):
    meta = write_file(
        "order_new",
        "sse",
        "600000",
        csv(SSE_HEADER, "600000,20240102093000000,,10.000,100,B,A,,1,"),
    )
    row = parse(meta).row(0, named=True)
    assert (row["channel_seq"], row["order_ref"], row["symbol_order_seq"]) == (None, None, None)
    assert row["channel_biz_seq"] is None
    assert row["_reject_reason"] is None


def test_szse_orders_map_every_column(write_file):
    meta = write_file(
        "order_new",
        "szse",
        "000001",
        csv(
            SZSE_HEADER,
            "7,1,2,9.990,100,20240102093000000,2011,0,0,,",
            "9,2,1,0.000,300,20240102093000010,2011,0,0,,",
            "11,1,U,10.010,1000.00,20240102093000020,2011,0,0,,",
            "13,2,X,10.020,5,20240102093000030,2011,0,0,,",
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
        "channel_seq": 7,
        "channel_biz_seq": None,
        "symbol_order_seq": None,
        "order_ref": 7,
        "event_kind": "ADD",
        "side": "BUY",
        "order_type": "LIMIT",
        "price": 9_990_000_000,
        "qty": 100_000_000_000,
        "_reject_reason": None,
        "_reject_field": None,
        "_reject_value": None,
    }
    assert df["side"].to_list() == ["BUY", "SELL", "BUY", "SELL"]
    assert df["order_type"].to_list() == ["LIMIT", "MARKET", "BEST_OWN", "UNKNOWN"]
    assert df["event_kind"].to_list() == ["ADD"] * 4
    assert df["channel_seq"].to_list() == df["order_ref"].to_list() == [7, 9, 11, 13]
    assert df["price"].to_list() == [9_990_000_000, 0, 10_010_000_000, 10_020_000_000]
    assert df["qty"].to_list() == [100 * 10**9, 300 * 10**9, 1000 * 10**9, 5 * 10**9]
    assert df["ts_event_us"].to_list() == [T0930_US + k * 10_000 for k in range(4)]


def test_bad_values_are_flagged_with_reason_field_and_text(write_file):
    meta = write_file(
        "order_new",
        "szse",
        "000001",
        csv(
            SZSE_HEADER,
            "1,1,2,9.990,100,20240102093000000,2011,0,0,,",
            "2x,1,2,9.990,100,20240102093000000,2011,0,0,,",
            "3,7,2,9.990,100,20240102093000000,2011,0,0,,",
            "4,1,2,abc,100,20240102093000000,2011,0,0,,",
            "5,1,2,1.0000000001,100,20240102093000000,2011,0,0,,",
            "6,1,2,9.990,100,20241302093000000,2011,0,0,,",
            "7,1,2,9.990,100,2024010209300000,2011,0,0,,",
            "8,1,2,9.990,100,20240102093000000,99999999999,0,0,,",
            "9,,2,9.990,100,20240102093000000,2011,0,0,,",
            "10,1,2,9.990,10000000000,20240102093000000,2011,0,0,,",
            "1x,1,2,abc,100,20240102093000000,2011,0,0,,",
        ),
    )
    df = parse(meta)
    assert rejects(df) == [
        (None, None, None),
        ("invalid_integer", "channel_seq", "2x"),
        ("invalid_code", "side", "7"),
        ("invalid_decimal", "price", "abc"),
        ("unrepresentable_decimal", "price", "1.0000000001"),
        ("invalid_timestamp", "ts_event_us", "20241302093000000"),
        ("invalid_timestamp", "ts_event_us", "2024010209300000"),
        ("invalid_integer", "channel_id", "99999999999"),
        (None, None, None),  # a missing side is left null for the pipeline's required check
        ("unrepresentable_decimal", "qty", "10000000000"),
        ("invalid_integer", "channel_seq", "1x"),  # the first failing column is reported
    ]
    assert df["file_seq"].to_list() == list(range(1, 12))
    assert df["side"][8] is None


def test_unexpected_and_missing_columns_fail_with_schema_mismatch(write_file):
    meta = write_file("order_new", "szse", "000001", csv(SZSE_HEADER + ",Foo", "1," * 11 + "x"))
    with pytest.raises(VendorParseError) as info:
        parse(meta)
    assert info.value.reason == "schema_mismatch"
    assert "unexpected columns ['Foo']" in str(info.value)
    assert str(info.value).startswith(f"{meta.extra['path']}: header does not match the Quant360 ")

    short = SZSE_HEADER.replace(",ChannelNo", "")
    meta = write_file(
        "order_new", "szse", "000002", csv(short, "1,1,2,9.990,100,20240102093000000,0,0,,")
    )
    with pytest.raises(
        VendorParseError,
        match=r"order_new \(szse\) format: missing columns \['ChannelNo'\]; expected columns",
    ):
        parse(meta)


def test_sse_header_is_not_accepted_for_a_szse_file(write_file):
    meta = write_file(
        "order_new", "szse", "000001", csv(SSE_HEADER, "1,20240102093000000,1,1,1,B,A,1,1,1")
    )
    with pytest.raises(VendorParseError) as info:
        parse(meta)
    assert info.value.reason == "schema_mismatch"
    message = str(info.value)
    assert "missing columns ['ApplSeqNum', 'Side', 'OrderQty', 'ExpirationDays'," in message
    assert (
        "unexpected columns ['SecurityID', 'OrderNo', 'Balance', 'OrderBSFlag', 'OrderIndex', "
        "'BizIndex']" in message
    )
