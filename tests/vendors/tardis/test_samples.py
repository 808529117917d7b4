"""The sample generator: deterministic, documented format, exact decimal text."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from pointline.v2.vendors.tardis import FORMATS, TARDIS, vendor_file_name
from pointline.v2.vendors.tardis.samples import (
    decimal_text,
    sample_frame,
    write_sample,
    write_trades,
)

from .conftest import make_meta


@pytest.mark.parametrize("data_type", list(FORMATS))
def test_same_seed_same_bytes(tmp_path, data_type) -> None:
    a = write_sample(tmp_path / "a.csv.gz", data_type, 50, seed=11)
    b = write_sample(tmp_path / "b.csv.gz", data_type, 50, seed=11)
    c = write_sample(tmp_path / "c.csv.gz", data_type, 50, seed=12)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    head = gzip.decompress(a.read_bytes()).split(b"\n", 1)[0].decode()
    assert head == ",".join(FORMATS[data_type].columns)


def test_decimal_text_has_no_trailing_zeros() -> None:
    ticks = pl.Series([3712350, 1, 100, 0, 1234567])
    assert pl.select(decimal_text(pl.lit(ticks), 2)).to_series().to_list() == [
        "37123.5",
        "0.01",
        "1",
        "0",
        "12345.67",
    ]
    assert pl.select(decimal_text(pl.lit(pl.Series([1])), 3)).item() == "0.001"


def test_generated_trades_parse_back_exactly(tmp_path) -> None:
    name = vendor_file_name("binance-futures", "trades", "2024-01-01", "PERPETUALS")
    path = write_trades(
        tmp_path / name, 200, seed=4, symbols=["BTCUSDT", "ETHUSDT"], start_us=10, step_us=5
    )
    location = TARDIS.recognise(path)
    assert location is not None and location.data_type == "trades"
    text = sample_frame(
        "trades", 200, seed=4, symbols=["BTCUSDT", "ETHUSDT"], start_us=10, step_us=5
    )
    df = TARDIS.parser(make_meta(path, "trades"))(make_meta(path, "trades"))
    assert set(df["symbol"]) == {"BTCUSDT", "ETHUSDT"}
    assert df["ts_event_us"].to_list() == [10 + 5 * i for i in range(200)]
    parts = text["price"].str.split(".")  # "37123.5" -> 37123 * 10**9 + 500000000
    whole = parts.list.get(0).cast(pl.Int64) * 10**9
    frac = parts.list.get(1, null_on_oob=True).fill_null("").str.pad_end(9, "0").cast(pl.Int64)
    assert df["price"].to_list() == (whole + frac).to_list()
    assert (df["is_buyer_maker"] == (df["side"] == "sell")).all()


def test_plain_csv_when_the_name_has_no_gz(tmp_path) -> None:
    path = write_sample(tmp_path / "q.csv", "quotes", 3)
    assert path.read_bytes().startswith(b"exchange,symbol,")
