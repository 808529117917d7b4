"""The one-pass conversion of ``convert_columns`` gives exactly the rows of the conversion that
flags every failing row (``_convert_exactly``), on arbitrary text in one cell of valid rows."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointline.v2.fixed_point import REJECT_COLUMNS, REJECT_REASON
from pointline.v2.vendors.tardis import convert

KINDS = {
    "integers": ("ts",),
    "booleans": ("flag",),
    "floats": ("rate",),
    "decimals": {"price": 10**9},
}
BASE = pl.DataFrame(
    {
        "ts": ["1704067200000000", "1704067200000001", "-5"],
        "flag": ["true", "false", None],
        "rate": ["0.0001", "-1.5e-3", "3"],
        "price": ["1.5", "0.000000001", "42"],
        **{c: [None, None, None] for c in REJECT_COLUMNS},
    },
    schema_overrides={c: pl.Utf8 for c in ("ts", "flag", "rate", "price", *REJECT_COLUMNS)},
)
cell_text = st.one_of(
    st.none(),
    st.sampled_from(["", " 7", "7 ", "1e3", "1.0000000001", "true", "TRUE", "nan", "1.5", "x"]),
    st.text(alphabet="0123456789.-+eE tru", max_size=10),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["ts", "flag", "rate", "price"]), st.integers(0, 2), cell_text)
def test_one_pass_conversion_equals_the_exact_one(column, row, value):
    cells = BASE.get_column(column).to_list()
    cells[row] = value
    text = BASE.with_columns(pl.Series(column, cells, dtype=pl.Utf8))
    exact = convert._convert_exactly(
        text.lazy(), KINDS["integers"], KINDS["booleans"], KINDS["floats"], KINDS["decimals"]
    ).collect()
    got = convert.convert_columns(text.lazy(), **KINDS).collect()
    assert got.select(exact.columns).equals(exact)
    if exact.get_column(REJECT_REASON).null_count() < exact.height:
        assert exact.row(row, named=True)[REJECT_REASON] is not None
