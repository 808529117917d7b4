"""Typed conversion of text columns, with per-row failures flagged instead of raised.

A value that does not convert (``"12a"`` as an integer, ``"yes"`` as a boolean, ``"1e400"``
as a decimal) leaves the converted value null and, when it is the row's first failure, sets
the reject columns of :mod:`pointline.v2.fixed_point`: ``_reject_reason`` (``malformed_row``,
``invalid_integer``, ``invalid_boolean``, ``invalid_float``, ``invalid_decimal``,
``unrepresentable_decimal``, ...), ``_reject_field`` (the Tardis column name) and
``_reject_value`` (its original text). Failures are ranked: the reader's ``malformed_row``,
then other checks, then integers, booleans, floats, and decimals last. The pipeline
quarantines flagged rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from pointline.schemas.registry import get_table_spec
from pointline.v2.fixed_point import (
    REJECT_COLUMNS,
    REJECT_REASON,
    convert_decimal_columns,
    fast_decimal,
)

REASON_INVALID_INTEGER = "invalid_integer"
REASON_INVALID_BOOLEAN = "invalid_boolean"
REASON_INVALID_FLOAT = "invalid_float"

DERIVED_COLUMNS = ("trading_date", "symbol_id", "file_id")
"""Target columns the pipeline derives; parsers leave them out."""


Check = tuple[pl.Expr, "str | pl.Expr", "str | pl.Expr", pl.Expr]
"""``(failed, reason, field, value)``: a boolean row condition, its reason code, the field
it is about (the reason and field as text or as an expression) and the text to keep."""


def _first_match(checks: Sequence[Check], part: int) -> pl.Expr:
    """Part ``part`` (reason, field or value) of the first check that fails, else null."""
    chain = None
    for check in checks:
        failed, value = check[0], check[part]
        value = value if isinstance(value, pl.Expr) else pl.lit(value, pl.String)
        chain = (pl.when(failed) if chain is None else chain.when(failed)).then(value)
    return chain.otherwise(pl.lit(None, pl.String))  # type: ignore[union-attr]


def _keep_earlier(earlier: Mapping[str, str]) -> list[pl.Expr]:
    """The reject columns, taken whole from ``earlier`` (column names) where it has a reason."""
    flagged = pl.col(earlier[REJECT_REASON]).is_not_null()
    return [
        pl.when(flagged).then(pl.col(earlier[c])).otherwise(pl.col(c)).alias(c)
        for c in REJECT_COLUMNS
    ]


def flag_rows(frame: pl.LazyFrame, checks: Sequence[Check]) -> pl.LazyFrame:
    """Flag the rows failing ``checks``: the first failing check sets all three reject columns.

    A row already flagged keeps its reject columns as they are.
    """
    if not checks:
        return frame
    new = {c: f"__new{c}" for c in REJECT_COLUMNS}
    return (
        frame.with_columns(
            _first_match(checks, part).alias(new[c]) for part, c in enumerate(REJECT_COLUMNS, 1)
        )
        .with_columns(
            pl.when(pl.col(REJECT_REASON).is_null())
            .then(pl.col(new[c]))
            .otherwise(pl.col(c))
            .alias(c)
            for c in REJECT_COLUMNS
        )
        .drop(new.values())
    )


def _boolean(text: pl.Expr) -> pl.Expr:
    return text.replace_strict(
        {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
    )


def convert_columns(
    frame: pl.LazyFrame,
    *,
    integers: Sequence[str] = (),
    booleans: Sequence[str] = (),
    floats: Sequence[str] = (),
    decimals: Mapping[str, int] | None = None,
) -> pl.LazyFrame:
    """Convert text columns in place and flag the rows where a non-empty value did not convert.

    Every column is converted in one parallel pass that also tells whether any value failed
    or is a decimal the fast conversion may not get exactly right; only then (rarely) is the
    frame converted again by the exact path, which flags the rows (:func:`_convert_exactly`).

    Args:
        frame: text columns plus the reject columns.
        integers: columns to Int64 (decimal digits, optional sign; ``invalid_integer``).
        booleans: columns holding ``true``/``false`` to Boolean (``invalid_boolean``).
        floats: columns to Float64 (rates, implied volatilities, greeks; ``invalid_float``).
        decimals: column -> scale, exact fixed point via
            :func:`pointline.v2.fixed_point.convert_decimal_columns`.
    """
    schema = frame.collect_schema()
    converted = _typed(integers, booleans, floats, schema)
    suspect = [pl.col(c).is_not_null() & expr.is_null() for c, expr in converted.items()]
    for name, scale in (decimals or {}).items():
        values, slow = fast_decimal(pl.col(name), scale)
        converted[name] = values
        suspect.append(slow)
    if not suspect:
        return frame
    fast = frame.with_columns(
        *(expr.alias(c) for c, expr in converted.items()),
        pl.any_horizontal(suspect).alias(_SUSPECT),
    ).collect()
    if not fast.get_column(_SUSPECT).any():
        return fast.drop(_SUSPECT).lazy()
    del fast
    return _convert_exactly(frame, integers, booleans, floats, decimals)


_SUSPECT = "__suspect"


def _integer(column: str, schema: pl.Schema) -> pl.Expr:
    if schema.get(column) == pl.Int64:
        return pl.col(column)  # read as integers already
    # leading/trailing blanks are allowed, as the CSV reader allows them when it reads Int64
    return pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)


def _typed(
    integers: Sequence[str], booleans: Sequence[str], floats: Sequence[str], schema: pl.Schema
) -> dict[str, pl.Expr]:
    return {
        **{c: _integer(c, schema) for c in integers},
        **{c: _boolean(pl.col(c)) for c in booleans},
        **{c: pl.col(c).cast(pl.Float64, strict=False) for c in floats},
    }


def _convert_exactly(
    frame: pl.LazyFrame,
    integers: Sequence[str],
    booleans: Sequence[str],
    floats: Sequence[str],
    decimals: Mapping[str, int] | None,
) -> pl.LazyFrame:
    """The conversion with every failure flagged on its row (see :func:`convert_columns`)."""
    converted = _typed(integers, booleans, floats, frame.collect_schema())
    reasons = {
        **dict.fromkeys(integers, REASON_INVALID_INTEGER),
        **dict.fromkeys(booleans, REASON_INVALID_BOOLEAN),
        **dict.fromkeys(floats, REASON_INVALID_FLOAT),
    }
    checks = [
        (pl.col(c).is_not_null() & expr.is_null(), reasons[c], c, pl.col(c))
        for c, expr in converted.items()
    ]
    frame = flag_rows(frame, checks).with_columns(expr.alias(c) for c, expr in converted.items())
    if not decimals:
        return frame
    # convert_decimal_columns fills each reject column on its own; run it on fresh columns so
    # that a row keeps the reason, field and value of one and the same (earlier) failure.
    earlier = {c: f"__earlier{c}" for c in REJECT_COLUMNS}
    frame = convert_decimal_columns(frame.rename(earlier), decimals)
    return frame.with_columns(_keep_earlier(earlier)).drop(earlier.values())


def select_table(frame: pl.LazyFrame, table: str, columns: Mapping[str, pl.Expr]) -> pl.LazyFrame:
    """Select ``table``'s columns (less :data:`DERIVED_COLUMNS`) then the reject columns.

    Args:
        frame: converted rows.
        table: canonical table name; gives the column order and dtypes.
        columns: target column -> expression; the common columns default to the Tardis ones
            (``timestamp`` -> ``ts_event_us``, ``local_timestamp`` -> ``ts_local_us``).
    """
    spec = get_table_spec(table)
    exprs = {
        "exchange": pl.col("exchange"),
        "symbol": pl.col("symbol"),
        "ts_event_us": pl.col("timestamp"),
        "ts_local_us": pl.col("local_timestamp"),
        "file_seq": pl.col("file_seq"),
        **columns,
    }
    targets = [c for c in spec.columns() if c not in DERIVED_COLUMNS]
    unknown = sorted(set(exprs) - set(targets))
    if unknown:
        raise ValueError(f"table {table!r} has no column(s) {unknown}")
    return frame.select(
        *(
            exprs.get(name, pl.lit(None)).cast(spec.get_column(name).dtype).alias(name)
            for name in targets
        ),
        *REJECT_COLUMNS,
    )


def output_schema(table: str) -> pl.Schema:
    """Columns and dtypes a Tardis parser returns for ``table``."""
    spec = get_table_spec(table)
    return pl.Schema(
        [(c.name, c.dtype) for c in spec.column_specs if c.name not in DERIVED_COLUMNS]
        + [(c, pl.String) for c in REJECT_COLUMNS]
    )
