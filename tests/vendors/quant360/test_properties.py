"""Property tests: timestamps and level arrays against plain-Python references."""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pointline.schemas.types import PRICE_SCALE
from pointline.v2.vendors.levels import levels_status, levels_to_fixed
from pointline.v2.vendors.quant360.timestamps import cst_to_utc_us

CST = datetime.timezone(datetime.timedelta(hours=8))

local_times = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2099, 12, 31)
).map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))


@settings(max_examples=100, deadline=None)
@given(st.lists(local_times, min_size=1, max_size=20))
def test_cst_stamps_match_python_datetime(times):
    text = [t.strftime("%Y%m%d%H%M%S") + f"{t.microsecond // 1000:03d}" for t in times]
    got = pl.select(cst_to_utc_us(pl.lit(pl.Series(text)))).to_series().to_list()
    expected = [int(t.replace(tzinfo=CST).timestamp()) * 1_000_000 + t.microsecond for t in times]
    assert got == expected


def _reference(text: str) -> int | None:
    """What Python's datetime makes of a Quant360 stamp (None when it is not one)."""
    if len(text) != 17 or not text.isdigit() or not text.isascii() or text[0] == "0":
        return None  # years before 1000 are not market data stamps
    try:
        local = datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return int(local.replace(tzinfo=CST).timestamp()) * 1_000_000 + int(text[14:]) * 1000


digit_stamps = st.text(alphabet="0123456789", min_size=17, max_size=17)
near_stamps = st.one_of(
    digit_stamps,
    st.text(alphabet="0123456789 +-x", min_size=15, max_size=19),
    st.builds(
        lambda y, mo, d, h, mi, s, ms: f"{y:04d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}{ms:03d}",
        st.integers(1000, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.integers(0, 999),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(near_stamps, min_size=1, max_size=30))
def test_any_text_converts_like_python_datetime_or_is_null(texts):
    """Arbitrary digits, out-of-range fields (month 13, Feb 30, hour 24, second 60), signs,
    blanks and wrong lengths: the arithmetic conversion agrees with ``strptime`` (years from
    1000 on)."""
    got = pl.select(cst_to_utc_us(pl.lit(pl.Series(texts, dtype=pl.Utf8)))).to_series()
    assert got.to_list() == [_reference(t) for t in texts]


prices = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("99999999"), places=3, allow_nan=False
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(prices, max_size=10), min_size=1, max_size=10))
def test_level_arrays_match_exact_decimal_scaling(rows):
    text = ["[" + ",".join(str(p) for p in row) + "]" for row in rows]
    frame = pl.DataFrame({"t": text})
    out = frame.select(
        levels_to_fixed(pl.col("t"), scale=PRICE_SCALE).alias("v"),
        levels_status(pl.col("t"), scale=PRICE_SCALE).alias("s"),
    )
    assert out["v"].to_list() == [[int(p * PRICE_SCALE) for p in row] for row in rows]
    assert out["s"].to_list() == [None] * len(rows)


def test_a_column_in_many_chunks_converts_like_one_chunk():
    """A parsed file arrives in several chunks (one per CSV block): the conversion sees the
    whole column, including several dates and bad stamps spread over the chunks."""
    parts = [
        pl.Series("t", ["20240102093000000", "20240102093000001", None]),
        pl.Series("t", ["20240103150000999", "2024010309300000x"]),
        pl.Series("t", ["20240230093000000", "20240102235959999"]),
    ]
    chunked = pl.DataFrame({"t": parts[0]}).vstack(pl.DataFrame({"t": parts[1]}))
    chunked = chunked.vstack(pl.DataFrame({"t": parts[2]}))
    assert chunked.n_chunks() == 3
    whole = pl.DataFrame({"t": pl.concat(parts).to_list()})
    assert whole.n_chunks() == 1
    convert = cst_to_utc_us(pl.col("t"))
    got = chunked.select(convert).to_series().to_list()
    assert got == whole.select(convert).to_series().to_list()
    assert got == [_reference(t) if t is not None else None for t in whole["t"].to_list()]
