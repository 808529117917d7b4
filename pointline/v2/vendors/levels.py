"""Bracketed level arrays (``"[11.630,11.620,…]"``) -> ``List(Int64)``, exactly and vectorised.

Each element goes through the shared exact decimal conversion of
:mod:`pointline.v2.fixed_point` inside ``list.eval`` (one call over all elements of the
column, giving value and reason together). ``"[]"`` is an empty list and a missing cell stays
null; an empty element (``"[1.0,,2.0]"``) is ``invalid_decimal`` rather than a silent hole in
the book.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pointline.v2.fixed_point import (
    REJECT_FIELD,
    REJECT_REASON,
    REJECT_VALUE,
    convert_series,
    fast_decimal,
)
from pointline.v2.reasons import INVALID_DECIMAL


def _elements(text: pl.Expr) -> pl.Expr:
    inner = text.str.strip_chars().str.strip_prefix("[").str.strip_suffix("]").str.strip_chars()
    return (
        pl.when(inner == "")
        .then(pl.lit([], dtype=pl.List(pl.Utf8)))
        .otherwise(inner.str.split(","))
    )


def _not_bracketed(text: pl.Expr) -> pl.Expr:
    stripped = text.str.strip_chars()
    return text.is_not_null() & ~(stripped.str.starts_with("[") & stripped.str.ends_with("]"))


_CONVERTED = pl.Struct({"value": pl.Int64, "reason": pl.Utf8})


def _convert_elements(text: pl.Series, scale: int) -> pl.Series:
    """All elements of a column at once -> struct (value, reason); an empty element is
    ``invalid_decimal`` (the shared conversion would call it missing)."""
    values, reasons = convert_series(text, scale=scale)
    empty = text.is_null() | (text.str.strip_chars() == "")
    if empty.any():
        reasons = reasons.zip_with(~empty, pl.Series([INVALID_DECIMAL] * len(text)))
    return pl.struct(values.alias("value"), reasons.alias("reason"), eager=True)


def _converted(text: pl.Expr, scale: int) -> pl.Expr:
    # is_elementwise lets list.eval hand every element of the column to one call.
    return _elements(text).list.eval(
        pl.element().map_batches(
            lambda s: _convert_elements(s, scale), return_dtype=_CONVERTED, is_elementwise=True
        )
    )


def _values(converted: pl.Expr) -> pl.Expr:
    return converted.list.eval(pl.element().struct.field("value"))


def _status(converted: pl.Expr, text: pl.Expr) -> pl.Expr:
    first = converted.list.eval(pl.element().struct.field("reason")).list.drop_nulls().list.first()
    return pl.when(_not_bracketed(text)).then(pl.lit(INVALID_DECIMAL)).otherwise(first)


def fast_levels(text: pl.Expr, scale: int) -> tuple[pl.Expr, pl.Expr]:
    """``(values, suspect)`` expressions: the fast conversion of bracket text (every element
    through :func:`~pointline.v2.fixed_point.fast_decimal` in one ``list.eval``) and, per cell,
    whether it may be wrong or rejected (not bracketed, an empty element, an element the fast
    decimal path may get wrong). Where ``suspect`` is true nowhere, ``values`` equals
    :func:`levels_to_fixed`; otherwise convert with :func:`convert_level_columns`."""
    elements = _elements(text)
    values, slow = fast_decimal(pl.element(), scale)
    empty = pl.element().is_null() | (pl.element().str.strip_chars() == "")
    suspect = _not_bracketed(text) | elements.list.eval(slow | empty).list.any()
    return elements.list.eval(values), suspect


def levels_to_fixed(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Bracket text -> ``List(Int64)`` scaled by ``scale``; elements that do not convert are
    null (see :func:`levels_status`)."""
    return _values(_converted(text, scale))


def levels_status(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Per cell: null when every element converts (or the cell is missing), else the reason of
    the first element that does not (``invalid_decimal``/``unrepresentable_decimal``; also
    ``invalid_decimal`` for text that is not in brackets)."""
    return _status(_converted(text, scale), text)


def convert_level_columns(frame: pl.LazyFrame, columns: Mapping[str, int]) -> pl.LazyFrame:
    """Convert bracket-text columns in place and flag rows whose text does not convert.

    Args:
        frame: rows with the given columns as text and the three reject columns.
        columns: column name -> scale.

    Returns:
        The frame with each column as ``List(Int64)``; a row's existing reject (an earlier
        failure) is kept, otherwise the first failing column here is recorded.
    """
    if not columns:
        return frame
    temp = {name: f"__levels_{i}" for i, name in enumerate(columns)}
    frame = frame.with_columns(
        _converted(pl.col(name), scale).alias(temp[name]) for name, scale in columns.items()
    )
    statuses = {name: _status(pl.col(temp[name]), pl.col(name)) for name in columns}
    reason = pl.coalesce([pl.col(REJECT_REASON), *statuses.values()])
    failed = {name: status.is_not_null() for name, status in statuses.items()}
    fields = [pl.when(f).then(pl.lit(n)) for n, f in failed.items()]
    values = [pl.when(f).then(pl.col(n)) for n, f in failed.items()]
    field = pl.coalesce([pl.col(REJECT_FIELD), *fields])
    value = pl.coalesce([pl.col(REJECT_VALUE), *values])
    return frame.with_columns(
        reason.alias(REJECT_REASON),
        field.alias(REJECT_FIELD),
        value.alias(REJECT_VALUE),
        *[_values(pl.col(temp[n])).alias(n) for n in columns],
    ).drop(list(temp.values()))
