"""derivative_ticker and options_chain."""

from __future__ import annotations

import pytest

from pointline.errors import VendorParseError
from pointline.v2.vendors.tardis import TARDIS

from .conftest import make_meta

P = "binance-futures,BTCUSDT,1704067200000000,1704067200001234"
OPT = "deribit,BTC-29MAR24-50000-C,1704067200000000,1704067200001234"


def test_derivative_ticker_maps_exactly(parse) -> None:
    df = parse(
        "derivative_ticker",
        [
            f"{P},1704096000000000,0.0001,-0.00005,12345.678,42000.5,42001.25,42000.75",
            f"{P},,,,,,,42000.75",
        ],
    )
    assert df.drop("exchange", "symbol", "ts_event_us", "ts_local_us").to_dicts() == [
        {
            "file_seq": 1,
            "mark_price": 42_000_750_000_000,
            "index_price": 42_001_250_000_000,
            "last_price": 42_000_500_000_000,
            "open_interest": 12_345_678_000_000,
            "funding_rate": 0.0001,
            "predicted_funding_rate": -0.00005,
            "funding_ts_us": 1704096000000000,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        },
        {
            "file_seq": 2,
            "mark_price": 42_000_750_000_000,
            "index_price": None,
            "last_price": None,
            "open_interest": None,
            "funding_rate": None,
            "predicted_funding_rate": None,
            "funding_ts_us": None,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        },
    ]


def test_derivative_ticker_bad_rate_and_funding_time_are_flagged(parse) -> None:
    df = parse(
        "derivative_ticker",
        [f"{P},soon,0.1,0.1,1,1,1,1", f"{P},1,zero,0.1,1,1,1,1"],
    )
    assert df.select("_reject_reason", "_reject_field", "_reject_value").rows() == [
        ("invalid_integer", "funding_timestamp", "soon"),
        ("invalid_float", "funding_rate", "zero"),
    ]


def test_options_chain_maps_every_column(parse) -> None:
    row = (
        f"{OPT},call,50000,1711699200000000,12.5,0.0425,0.042,3,55.1,0.0435,4.5,56.2,"
        "0.043,55.6,BTC-29MAR24,42123.45,0.31,0.00002,45.6,-30.1,12.3"
    )
    df = parse("options_chain", [row])
    assert df.drop("exchange", "ts_event_us", "ts_local_us").to_dicts() == [
        {
            "symbol": "BTC-29MAR24-50000-C",
            "file_seq": 1,
            "option_type": "call",
            "strike": 50_000_000_000_000,
            "expiration_ts_us": 1711699200000000,
            "open_interest": 12_500_000_000,
            "last_price": 42_500_000,
            "bid_price": 42_000_000,
            "bid_qty": 3_000_000_000,
            "bid_iv": 55.1,
            "ask_price": 43_500_000,
            "ask_qty": 4_500_000_000,
            "ask_iv": 56.2,
            "mark_price": 43_000_000,
            "mark_iv": 55.6,
            "underlying_index": "BTC-29MAR24",
            "underlying_price": 42_123_450_000_000,
            "delta": 0.31,
            "gamma": 0.00002,
            "vega": 45.6,
            "theta": -30.1,
            "rho": 12.3,
            "_reject_reason": None,
            "_reject_field": None,
            "_reject_value": None,
        }
    ]


def test_options_chain_empty_quotes_are_null_and_bad_expiration_flagged(parse) -> None:
    empty_quote = f"{OPT},put,50000,1711699200000000" + "," * 16 + ",0.5"
    bad_expiry = f"{OPT},put,50000,2024-03-29" + "," * 16 + ",0.5"
    df = parse("options_chain", [empty_quote, bad_expiry])
    first = df.row(0, named=True)
    assert (first["bid_price"], first["bid_iv"], first["underlying_index"], first["rho"]) == (
        None,
        None,
        None,
        0.5,
    )
    assert first["_reject_reason"] is None
    assert df.select("_reject_reason", "_reject_field", "_reject_value").row(1) == (
        "invalid_integer",
        "expiration",
        "2024-03-29",
    )


# The header of a real Tardis options_chain file (Deribit and OKX samples), as delivered.
REAL_OPTIONS_HEADER = (
    "exchange,symbol,timestamp,local_timestamp,type,strike_price,expiration,open_interest,"
    "last_price,bid_price,bid_amount,bid_iv,ask_price,ask_amount,ask_iv,mark_price,mark_iv,"
    "underlying_index,underlying_price,delta,gamma,vega,theta,rho"
)


def test_a_real_options_chain_header_is_accepted(write_file) -> None:
    """Issue 14 item 4: real files name the strike ``strike_price`` (was refused as a
    schema mismatch: the parser expected ``strike``)."""
    row = (
        "deribit,BTC-29MAR24-50000-C,1711000000000000,1711000000001000,call,50000,"
        "1711699200000000,12.5,0.0425,0.042,3,55.1,0.0435,4.5,56.2,0.043,55.6,"
        "BTC-29MAR24,42123.45,0.31,0.00002,45.6,-30.1,12.3"
    )
    path = write_file("o.csv.gz", f"{REAL_OPTIONS_HEADER}\n{row}\n")
    meta = make_meta(path, "options_chain")
    df = TARDIS.parser(meta)(meta)
    assert df.row(0, named=True)["strike"] == 50_000_000_000_000
    assert df.row(0, named=True)["_reject_reason"] is None
    old = REAL_OPTIONS_HEADER.replace("strike_price", "strike")
    path = write_file("old.csv.gz", f"{old}\n{row}\n")
    with pytest.raises(VendorParseError, match=r"missing columns \['strike_price'\]"):
        TARDIS.parser(meta)(make_meta(path, "options_chain"))
