"""Property tests: timestamps and level arrays against plain-Python references."""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pointline.schemas.types import PRICE_SCALE
from pointline.v2.vendors.quant360.levels import levels_status, levels_to_fixed
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
