"""quotes and incremental_book_L2."""

from __future__ import annotations

P = "binance-futures,BTCUSDT,1704067200000000,1704067200001234"


def test_quotes_map_exactly_with_null_seq_num(parse) -> None:
    df = parse(
        "quotes",
        [
            f"{P},42000.1,0.5,42000.2,12345678.123456789",
            f"{P},42000.1,0.5,,",
        ],
    )
    assert df.select("file_seq", "bid_price", "bid_qty", "ask_price", "ask_qty").rows() == [
        (1, 42_000_100_000_000, 500_000_000, 42_000_200_000_000, 12_345_678_123_456_789),
        (2, 42_000_100_000_000, 500_000_000, None, None),
    ]
    assert df["seq_num"].to_list() == [None, None]
    assert df["_reject_reason"].to_list() == [None, None]


def test_incremental_book_keeps_file_order_snapshot_flag_and_zero_qty(parse) -> None:
    df = parse(
        "incremental_book_L2",
        [
            f"{P},true,ask,42000.2,1.5",
            f"{P},true,bid,42000.1,2",
            f"{P},false,bid,42000.1,0",
            f"{P},false,ask,42000.3,0.001",
        ],
    )
    assert df.select("file_seq", "is_snapshot", "side", "price", "qty").rows() == [
        (1, True, "ask", 42_000_200_000_000, 1_500_000_000),
        (2, True, "bid", 42_000_100_000_000, 2_000_000_000),
        (3, False, "bid", 42_000_100_000_000, 0),
        (4, False, "ask", 42_000_300_000_000, 1_000_000),
    ]
    assert df["book_seq"].to_list() == [None] * 4
    assert df["_reject_reason"].to_list() == [None] * 4


def test_is_snapshot_other_than_true_false_is_flagged(parse) -> None:
    df = parse(
        "incremental_book_L2",
        [f"{P},TRUE,ask,1,1", f"{P},1,ask,1,1", f"{P},,ask,1,1"],
    )
    assert df.select("is_snapshot", "_reject_reason", "_reject_field", "_reject_value").rows() == [
        (None, "invalid_boolean", "is_snapshot", "TRUE"),
        (None, "invalid_boolean", "is_snapshot", "1"),
        (None, None, None, None),  # empty: null, left to the pipeline's required-column rule
    ]
