"""Columns of one value (or numbered rows) appended to a frame, at the cost that suits its size.

A small frame gets eager Series (``hstack``): a query's fixed cost (~0.1-0.3 ms) is more than
the columns themselves. A big frame gets literal columns through one query: a literal column
holds no memory, where an eager one holds every row (16 bytes a row for text) and is copied
whenever Polars later aligns the frame's chunks (any query on a frame whose columns are
chunked differently copies every column).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

LITERAL_ROWS = 50_000
"""From this many rows the columns are literal columns added by a query."""


@dataclass(frozen=True)
class RowNumbers:
    """An Int64 column numbering the rows from ``first``."""

    first: int


Value = tuple[object, pl.DataType | type[pl.DataType]] | RowNumbers
"""A column to add: (value, dtype) for one value on every row, or :class:`RowNumbers`."""


def with_constants(frame: pl.DataFrame, columns: Mapping[str, Value]) -> pl.DataFrame:
    """``frame`` with ``columns`` (name -> value) added in order; a column of the same name
    is replaced in place."""
    height = frame.height
    if height >= LITERAL_ROWS or any(name in frame.columns for name in columns):
        return frame.with_columns(_expr(name, value) for name, value in columns.items())
    return frame.hstack([_series(name, value, height) for name, value in columns.items()])


def _expr(name: str, value: Value) -> pl.Expr:
    if isinstance(value, RowNumbers):
        return (pl.int_range(pl.len(), dtype=pl.Int64) + value.first).alias(name)
    return pl.lit(value[0], value[1]).alias(name)


def _series(name: str, value: Value, height: int) -> pl.Series:
    if isinstance(value, RowNumbers):
        first = value.first
        return pl.int_range(first, first + height, dtype=pl.Int64, eager=True).alias(name)
    return pl.Series(name, [value[0]], dtype=value[1]).new_from_index(0, height)
