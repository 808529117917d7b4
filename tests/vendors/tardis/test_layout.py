"""recognise(): the Bronze layout and the Tardis file name, hyphens and underscores."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from pointline.errors import LayoutError
from pointline.v2.vendors.base import BronzeLocation
from pointline.v2.vendors.tardis import TARDIS, vendor_file_name

D = datetime.date(2024, 1, 2)


def _loc(data_type: str, exchange: str, symbol: str) -> BronzeLocation:
    return BronzeLocation("tardis", data_type, exchange=exchange, symbol=symbol, date=D)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "binance-futures_incremental_book_L2_2024-01-02_BTCUSDT.csv.gz",
            _loc("incremental_book_L2", "binance-futures", "BTCUSDT"),
        ),
        (
            "deribit_book_snapshot_25_2024-01-02_BTC-PERPETUAL.csv.gz",
            _loc("book_snapshot_25", "deribit", "BTC-PERPETUAL"),
        ),
        (
            "okex-swap_book_snapshot_5_2024-01-02_BTC-USD-SWAP.csv",
            _loc("book_snapshot_5", "okex-swap", "BTC-USD-SWAP"),
        ),
        ("gate-io_trades_2024-01-02_ETH_USDT.csv.gz", _loc("trades", "gate-io", "ETH_USDT")),
        (
            "binance-futures_derivative_ticker_2024-01-02_PERPETUALS.csv.gz",
            _loc("derivative_ticker", "binance-futures", "PERPETUALS"),
        ),
        (
            "deribit_options_chain_2024-01-02_OPTIONS.csv.gz",
            _loc("options_chain", "deribit", "OPTIONS"),
        ),
        (
            "bitmex_liquidations_2024-01-02_XBT_USD_2024.csv.gz",
            _loc("liquidations", "bitmex", "XBT_USD_2024"),
        ),
        ("bybit_quotes_2024-01-02_BTCUSDT.csv.gz", _loc("quotes", "bybit", "BTCUSDT")),
    ],
)
def test_vendor_file_name_anywhere(tmp_path: Path, name: str, expected: BronzeLocation) -> None:
    assert TARDIS.recognise(tmp_path / "downloads" / name) == expected
    assert TARDIS.recognise(Path(name)) == expected


def test_bronze_layout() -> None:
    path = Path(
        "/lake/bronze/tardis/exchange=binance-futures/type=incremental_book_L2/"
        "date=2024-01-02/symbol=BTC_USDT-PERP/data.csv.gz"
    )
    assert TARDIS.recognise(path) == _loc("incremental_book_L2", "binance-futures", "BTC_USDT-PERP")


def test_bronze_layout_wins_over_the_file_name() -> None:
    path = Path(
        "tardis/exchange=deribit/type=trades/date=2024-01-02/symbol=OPTIONS/"
        "binance_quotes_2023-05-05_BTCUSDT.csv.gz"
    )
    assert TARDIS.recognise(path) == _loc("trades", "deribit", "OPTIONS")


def test_vendor_file_name_round_trip() -> None:
    name = vendor_file_name("binance-futures", "book_snapshot_25", D, "BTC_USDT")
    assert name == "binance-futures_book_snapshot_25_2024-01-02_BTC_USDT.csv.gz"
    assert TARDIS.recognise(Path(name)) == _loc("book_snapshot_25", "binance-futures", "BTC_USDT")


@pytest.mark.parametrize(
    "path",
    [
        "binance-futures_funding_2024-01-02_BTCUSDT.csv.gz",  # unknown data type
        "binance-futures_trades_20240102_BTCUSDT.csv.gz",  # date not YYYY-MM-DD
        "binance-futures_trades_2024-01-02_BTCUSDT.parquet",
        "binance-futures_trades_2024-01-02_.csv.gz",  # no symbol
        "quant360/exchange=sse/type=trades/date=2024-01-02/symbol=600000/x.csv.gz",
        "tardis/exchange=binance/type=trades/date=2024-01-02/x.csv.gz",  # no symbol= level
        "tardis/exchange=binance/type=trades/day=2024-01-02/symbol=BTCUSDT/x.csv.gz",
        "tardis/exchange=binance/type=trades/date=2024-01-02/symbol=BTCUSDT/notes.txt",
        "600000.csv",
    ],
)
def test_other_paths_are_not_tardis(path: str) -> None:
    assert TARDIS.recognise(Path(path)) is None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "binance-futures_trades_2024-02-30_BTCUSDT.csv.gz",
            "date '2024-02-30' is not a valid calendar date",
        ),
        (
            "tardis/exchange=binance/type=trades/date=2024-13-01/symbol=BTCUSDT/x.csv.gz",
            "date '2024-13-01' is not a valid calendar date",
        ),
        (
            "tardis/exchange=binance/type=funding/date=2024-01-02/symbol=BTCUSDT/x.csv.gz",
            "type='funding' is not a Tardis data type",
        ),
    ],
)
def test_tardis_shaped_path_with_impossible_values_raises(path: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        TARDIS.recognise(Path(path))


def test_vendor_file_name_functions_read_the_tardis_name() -> None:
    from pointline.v2.vendors.tardis import (
        FILE_NAME_PATTERN_TEXT,
        looks_like_vendor_file,
        parse_vendor_file_name,
    )

    name = vendor_file_name("binance-futures", "incremental_book_L2", D, "ETH_USDT")
    assert looks_like_vendor_file(name)
    assert parse_vendor_file_name(name) == _loc(
        "incremental_book_L2", "binance-futures", "ETH_USDT"
    )
    assert parse_vendor_file_name("deribit_trades_2024-01-02_X.csv") == _loc(
        "trades", "deribit", "X"
    )
    for other in (
        "000001.csv.gz",
        "binance_funding_2024-01-02_X.csv.gz",
        "a_trades_2024-1-2_X.csv",
    ):
        assert not looks_like_vendor_file(other)
        assert parse_vendor_file_name(other) is None
    # the shape is there, the date is impossible: a Tardis file misnamed, reported
    assert looks_like_vendor_file("binance_trades_2024-02-30_X.csv.gz")
    with pytest.raises(LayoutError, match="2024-02-30"):
        parse_vendor_file_name("binance_trades_2024-02-30_X.csv.gz")
    assert (
        vendor_file_name("<exchange>", "<data_type>", "<YYYY-MM-DD>", "<symbol>")
        == FILE_NAME_PATTERN_TEXT
    )
