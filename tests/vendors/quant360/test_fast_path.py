"""The one-pass conversion (``StreamFormat.map_fast``) gives exactly the rows of the path that
flags every failing row (``map_exactly``) whenever it answers, on arbitrary cell text; and it
declines (so the exact path runs) whenever a row would be rejected."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointline.v2.fixed_point import REJECT_REASON
from pointline.v2.vendors.quant360 import samples
from pointline.v2.vendors.quant360.formats import FileContext, constants
from pointline.v2.vendors.quant360.l2 import SZSE_L2
from pointline.v2.vendors.quant360.orders import SZSE_ORDERS

CTX = FileContext(Path("quant360/x.csv.gz"), "szse", "000001")

decimal_text = st.one_of(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["0", "1.", ".5", "1e3", "1e-10", "1.0000000001", "10000000000", "", " 2.5"]),
    st.text(alphabet="0123456789.-e ", max_size=8),
)
level_text = st.one_of(
    st.lists(decimal_text, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
    st.sampled_from(["[]", "[ ]", "1.5,2.5", "[1.5", "[1.5,,2.5]", "[ 1.5 , 2.5 ]"]),
    st.none(),
)


def _agree(fmt, text: pl.DataFrame) -> None:
    text = text.select(fmt.used_columns())
    exact = fmt.map_exactly(text, constants(CTX, 1))
    fast = fmt.map_fast(text, constants(CTX, 1))
    if fast is not None:
        assert fast.equals(exact)
        assert exact.get_column(REJECT_REASON).null_count() == exact.height
    assert fmt.map_text(text, constants(CTX, 1)).equals(exact)


def _with_cell(base: pl.DataFrame, column: str, row: int, value: str | None) -> pl.DataFrame:
    """``base`` (valid sample rows) with one cell replaced: every other value converts, so
    the fast path's decision rests on that one cell."""
    cells = base.get_column(column).to_list()
    cells[row] = value
    return base.with_columns(pl.Series(column, cells, dtype=pl.Utf8))


L2_BASE = pl.read_csv(samples.szse_l2_csv(4), infer_schema=False)
ORDER_BASE = pl.read_csv(samples.szse_order_csv(4), infer_schema=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([source for source, _ in SZSE_L2.levels.values()]),
    st.integers(0, 3),
    level_text,
)
def test_l2_level_arrays_fast_equals_exact(column, row, value):
    _agree(SZSE_L2, _with_cell(L2_BASE, column, row, value))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["Price", "OrderQty"]), st.integers(0, 3), decimal_text)
def test_order_decimals_fast_equals_exact(column, row, value):
    _agree(SZSE_ORDERS, _with_cell(ORDER_BASE, column, row, value))


def test_an_empty_element_is_left_to_the_exact_path():
    text = _with_cell(L2_BASE, "BidPrice", 1, "[1.5,,2.5]").select(SZSE_L2.used_columns())
    assert SZSE_L2.map_fast(text, constants(CTX, 1)) is None
    rejected = SZSE_L2.map_text(text, constants(CTX, 1)).row(1, named=True)
    assert (rejected[REJECT_REASON], rejected["_reject_field"]) == (
        "invalid_decimal",
        "bid_price_levels",
    )
