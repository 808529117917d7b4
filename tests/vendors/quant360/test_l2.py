"""L2_new (SZSE) -> cn_l2_snapshots: levels from bracket text, scales, extra columns."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.errors import VendorParseError
from pointline.v2.vendors.quant360.samples import SZSE_L2_ALL_COLUMNS

from .conftest import T0930_US, parse, rejects

BASE = {
    "SendingTime": "20240102093003040",
    "MsgSeqNum": "1000",
    "ImageStatus": "1",
    "QuotTime": "20240102093003000",
    "PreClosePx": "11.500",
    "OpenPx": "11.550",
    "HighPx": "11.700",
    "LowPx": "11.480",
    "LastPx": "11.630",
    "ClosePx": "0.000",
    "Volume": "1200.00",
    "Amount": "13956.1234",
    "AveragePx": "11.630",
    "BidPrice": "[11.630,11.620]",
    "BidOrderQty": "[100,200.00]",
    "BidNumOrders": "[3,1]",
    "BidOrders": "[]",
    "OfferPrice": "[]",
    "OfferOrderQty": "[]",
    "OfferNumOrders": "[]",
    "OfferOrders": "[]",
    "NumTrades": "17",
    "TotalBidQty": "50000",
    "WeightedAvgBidPx": "11.600",
    "TotalOfferQty": "60000",
    "WeightedAvgOfferPx": "11.700",
    "TradingPhaseCode": "T0",
    "NoOrdersB1": "0",
    "NoOrdersS1": "0",
}


def l2_csv(*changes: dict[str, str | None], columns=SZSE_L2_ALL_COLUMNS) -> str:
    rows = [{**BASE, **change} for change in changes]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8)).write_csv()


def test_l2_snapshot_maps_every_column(write_file):
    meta = write_file("L2_new", "szse", "000001", l2_csv({}))
    df = parse(meta)
    assert df.to_dicts() == [
        {
            "exchange": "szse",
            "symbol": "000001",
            "ts_event_us": T0930_US + 3_000_000,
            "ts_local_us": T0930_US + 3_040_000,
            "file_seq": 1,
            "snapshot_seq": 1000,
            "image_status": "1",
            "trading_phase_code": "T0",
            "bid_price_levels": [11_630_000_000, 11_620_000_000],
            "bid_qty_levels": [100_000_000_000, 200_000_000_000],
            "ask_price_levels": [],
            "ask_qty_levels": [],
            "bid_order_count_levels": [3, 1],
            "ask_order_count_levels": [],
            "pre_close_price": 11_500_000_000,
            "open_price": 11_550_000_000,
            "high_price": 11_700_000_000,
            "low_price": 11_480_000_000,
            "last_price": 11_630_000_000,
            "volume": 1200,
            "amount": 139_561_234,
            "num_trades": 17,
            "total_bid_qty": 50_000,
            "total_ask_qty": 60_000,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        }
    ]


def test_ten_levels_with_spaces_convert_exactly(write_file):
    prices = "[" + ", ".join(f"11.{630 - 10 * k:03d}" for k in range(10)) + "]"
    meta = write_file("L2_new", "szse", "000001", l2_csv({"OfferPrice": prices}))
    levels = parse(meta)["ask_price_levels"].to_list()[0]
    assert levels == [11_630_000_000 - 10_000_000 * k for k in range(10)]


def test_missing_level_text_is_null_and_bad_levels_are_rejected(write_file):
    meta = write_file(
        "L2_new",
        "szse",
        "000001",
        l2_csv(
            {"BidPrice": None},
            {"BidPrice": "[11.630,abc]"},
            {"BidPrice": "11.630"},
            {"BidPrice": "[11.630,,11.610]"},
            {"OfferOrderQty": "[1.0000000001]"},
            {"BidNumOrders": "[2.5]"},
            {"Volume": "1200.5"},
            {"Amount": "1.00001"},
            {"QuotTime": "20240102253000000"},
            {"NumTrades": "x"},
        ),
    )
    df = parse(meta)
    assert df["bid_price_levels"].to_list()[0] is None
    assert rejects(df) == [
        (None, None, None),
        ("invalid_decimal", "bid_price_levels", "[11.630,abc]"),
        ("invalid_decimal", "bid_price_levels", "11.630"),
        ("invalid_decimal", "bid_price_levels", "[11.630,,11.610]"),
        ("unrepresentable_decimal", "ask_qty_levels", "[1.0000000001]"),
        ("unrepresentable_decimal", "bid_order_count_levels", "[2.5]"),
        ("unrepresentable_decimal", "volume", "1200.5"),
        ("unrepresentable_decimal", "amount", "1.00001"),
        ("invalid_timestamp", "ts_event_us", "20240102253000000"),
        ("invalid_integer", "num_trades", "x"),
    ]


def test_l2_requires_the_mapped_columns_and_allows_others(write_file):
    only_mapped = [c for c in SZSE_L2_ALL_COLUMNS if c not in ("ClosePx", "BidOrders")]
    meta = write_file(
        "L2_new", "szse", "000001", l2_csv({}, columns=[*only_mapped, "UpperLimitPx"])
    )
    assert parse(meta)["snapshot_seq"].to_list() == [1000]

    without = [c for c in SZSE_L2_ALL_COLUMNS if c not in ("OfferNumOrders", "QuotTime")]
    meta = write_file("L2_new", "szse", "000002", l2_csv({}, columns=without))
    with pytest.raises(VendorParseError) as info:
        parse(meta)
    assert info.value.reason == "schema_mismatch"
    assert "L2_new (szse) format: missing columns ['QuotTime', 'OfferNumOrders']" in str(info.value)
    assert "(others allowed)" in str(info.value)


def test_sse_l2_is_not_supported(write_file):
    meta = write_file("L2_new", "sse", "600000", l2_csv({}))
    with pytest.raises(VendorParseError) as info:
        parse(meta)
    assert info.value.reason == "unsupported_stream"
    assert "quant360 L2_new files of sse are not supported" in str(info.value)
