"""The one-pass conversion of a Tardis declaration (``StreamFormat.map_fast``) gives exactly
the rows of the conversion that flags every failing row (``map_exactly``) whenever it
answers, on arbitrary text in one cell of valid rows; ``map_text`` always equals the exact
one."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointline.v2.fixed_point import REJECT_COLUMNS, REJECT_REASON
from pointline.v2.vendors.tardis import FORMATS
from pointline.v2.vendors.tardis.samples import sample_frame


def _base(data_type: str) -> pl.DataFrame:
    return sample_frame(data_type, 3, seed=1).with_columns(
        pl.int_range(1, 4, dtype=pl.Int64).alias("file_seq"),
        *(pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS),
    )


CELLS = {
    "incremental_book_L2": ("timestamp", "is_snapshot", "price", "amount"),
    "derivative_ticker": ("funding_timestamp", "funding_rate", "mark_price"),
    "book_snapshot_5": ("local_timestamp", "asks[0].price", "bids[2].amount"),
}
BASES = {data_type: _base(data_type) for data_type in CELLS}
cell_text = st.one_of(
    st.none(),
    st.sampled_from(["", " 7", "7 ", "1e3", "1.0000000001", "true", "TRUE", "nan", "1.5", "x"]),
    st.text(alphabet="0123456789.-+eE tru", max_size=10),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([(t, c) for t, cols in CELLS.items() for c in cols]),
    st.integers(0, 2),
    cell_text,
)
def test_one_pass_conversion_equals_the_exact_one(cell, row, value):
    data_type, column = cell
    fmt = FORMATS[data_type]
    cells = BASES[data_type].get_column(column).to_list()
    cells[row] = value
    text = BASES[data_type].with_columns(pl.Series(column, cells, dtype=pl.Utf8))
    exact = fmt.map_exactly(text)
    fast = fmt.map_fast(text)
    if fast is not None:
        assert fast.equals(exact)
    assert fmt.map_text(text).equals(exact)
    others = [r for r in range(3) if r != row]
    assert exact[others].get_column(REJECT_REASON).null_count() == 2
