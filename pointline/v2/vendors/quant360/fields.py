"""Output columns computed from vendor text, each knowing when its text is a bad value.

A :class:`Field` pairs the expression of one output column with the condition under which
the row must be rejected (and the reason). Decimal columns are not fields: they go through
:func:`pointline.v2.fixed_point.convert_decimal_columns`; bracketed level arrays go through
:mod:`pointline.v2.vendors.quant360.levels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pointline.v2.fixed_point import REJECT_FIELD, REJECT_REASON, REJECT_VALUE
from pointline.v2.vendors.quant360.timestamps import cst_to_utc_us

REASON_INVALID_INTEGER = "invalid_integer"
REASON_INVALID_TIMESTAMP = "invalid_timestamp"
REASON_INVALID_CODE = "invalid_code"


@dataclass(frozen=True)
class Field:
    """One output column.

    Attributes:
        value: the column's expression over the vendor's text columns.
        source: the vendor column it converts, when a bad value must be rejected: a row whose
            ``source`` text is present but whose value is null is rejected with ``reason``
            (the text is kept as the reject value).
        reason: the reject reason.
    """

    value: pl.Expr
    source: str | None = None
    reason: str | None = None


def integer(column: str, dtype: type[pl.DataType] = pl.Int64) -> Field:
    """Integer text (``ChannelNo``, ``OrderNo``, ...); missing stays null, anything that does
    not fit ``dtype`` (``12a``, ``1.5``, `` 7``, too large) is ``invalid_integer``."""
    return Field(
        value=pl.col(column).cast(dtype, strict=False),
        source=column,
        reason=REASON_INVALID_INTEGER,
    )


def timestamp(column: str) -> Field:
    """``YYYYMMDDHHMMSSmmm`` CST text -> UTC µs; a present but invalid stamp is
    ``invalid_timestamp``."""
    return Field(
        value=cst_to_utc_us(pl.col(column)), source=column, reason=REASON_INVALID_TIMESTAMP
    )


def code(column: str, mapping: Mapping[str, str], *, other: str | None) -> Field:
    """A vendor code mapped to its canonical text.

    Args:
        column: the vendor column.
        mapping: vendor code -> canonical value (``{"B": "BUY", "S": "SELL"}``).
        other: the value of any other code, missing ones included (e.g. ``"UNKNOWN"``); when
            None, a missing code stays null and an unknown one is ``invalid_code``.
    """
    mapped = _mapped(pl.col(column), mapping)
    if other is not None:
        return Field(value=mapped.fill_null(other))
    return Field(value=mapped, source=column, reason=REASON_INVALID_CODE)


def _mapped(column: pl.Expr, mapping: Mapping[str, str]) -> pl.Expr:
    """``mapping[value]`` per row, null for any other value. A chain of comparisons: for the
    few codes of a vendor field it is about twice as fast as a hash lookup per row."""
    if not mapping:
        return pl.lit(None, pl.Utf8)
    (first, value), *rest = mapping.items()
    chain = pl.when(column == first).then(pl.lit(value, pl.Utf8))
    for code_value, canonical in rest:
        chain = chain.when(column == code_value).then(pl.lit(canonical, pl.Utf8))
    return chain.otherwise(pl.lit(None, pl.Utf8))


def text(column: str) -> Field:
    """Text kept as is (surrounding whitespace removed); missing stays null."""
    return Field(value=pl.col(column).str.strip_chars())


def constant(value: str | None, dtype: type[pl.DataType] = pl.Utf8) -> Field:
    """The same value on every row (``TRADE``; null for a column the stream lacks)."""
    return Field(value=pl.lit(value, dtype))


def select_with_rejects(
    frame: pl.LazyFrame,
    fields: Mapping[str, Field],
    *,
    keep: Mapping[str, str] | None = None,
) -> pl.LazyFrame:
    """Select ``fields`` (output name -> field) and flag, per row, the first field that failed.

    Args:
        frame: the vendor's text columns (an empty field read as null).
        fields: the output columns, in order; a field's failure is reported under its
            output name in ``_reject_field`` with the vendor text in ``_reject_value``.
        keep: further columns to carry over unconverted (output name -> vendor column), e.g.
            decimal text converted later.
    """
    checked = {name: f for name, f in fields.items() if f.source is not None}
    sources = {f.source: f"__text_{i}" for i, f in enumerate(checked.values())}
    # Each value is computed once; failures are read off the result (text present, value null).
    lf = frame.select(
        *[f.value.alias(name) for name, f in fields.items()],
        *[pl.col(source).alias(name) for name, source in (keep or {}).items()],
        *[pl.col(source).alias(alias) for source, alias in sources.items()],
    )
    failed = {
        name: pl.col(sources[f.source]).is_not_null() & pl.col(name).is_null()
        for name, f in checked.items()
    }
    if failed:
        reason = pl.coalesce(
            [pl.when(failed[n]).then(pl.lit(f.reason)) for n, f in checked.items()]
        )
        field = pl.coalesce([pl.when(failed[n]).then(pl.lit(n)) for n in checked])
        value = pl.coalesce(
            [pl.when(failed[n]).then(pl.col(sources[f.source])) for n, f in checked.items()]
        )
    else:
        reason = field = value = pl.lit(None, pl.Utf8)
    return lf.with_columns(
        reason.cast(pl.Utf8).alias(REJECT_REASON),
        field.cast(pl.Utf8).alias(REJECT_FIELD),
        value.cast(pl.Utf8).alias(REJECT_VALUE),
    ).drop(list(sources.values()))
