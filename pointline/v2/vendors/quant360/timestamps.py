"""Quant360 timestamps: ``YYYYMMDDHHMMSSmmm`` China Standard Time -> UTC microseconds.

China Standard Time is UTC+8 all year (no daylight saving), so the conversion is a fixed
subtraction: ``20240102093000000`` (09:30:00.000 CST) is ``1704159000000000`` µs UTC.
"""

from __future__ import annotations

import datetime

import polars as pl

from pointline.v2.reasons import INVALID_TIMESTAMP
from pointline.v2.vendors.stream_format import Field

CST_UTC_OFFSET_US = 8 * 3600 * 1_000_000
_US_PER_DAY = 86_400_000_000
_DIGITS = 17
_EPOCH = datetime.date(1970, 1, 1)


def timestamp(column: str) -> Field:
    """``YYYYMMDDHHMMSSmmm`` CST text -> UTC µs; a present but invalid stamp is
    ``invalid_timestamp``."""
    return Field(value=cst_to_utc_us(pl.col(column)), source=column, reason=INVALID_TIMESTAMP)


def cst_to_utc_us(text: pl.Expr) -> pl.Expr:
    """Timestamp text -> Int64 UTC µs; null where the text is missing or not a valid time.

    Only exactly 17 digits that form a real calendar time from the year 1000 on convert
    (``20241302...``, a 16-digit value, surrounding spaces or trailing characters give null).
    The digits are read as one integer: the few distinct dates of a file (usually one) are
    checked and converted by Python's calendar, the time of day arithmetically per row.
    """
    # Not marked elementwise: Polars would then call the function once per chunk of the
    # column (dozens per file, each paying the Python round trip), not once per column.
    return text.map_batches(_cst_to_utc_us, return_dtype=pl.Int64)


def _day_us(yyyymmdd: int) -> int | None:
    """Microseconds from 1970-01-01 to the start of ``YYYYMMDD``; None if it is no date."""
    try:
        day = datetime.date(yyyymmdd // 10_000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        return None
    return (day - _EPOCH).days * _US_PER_DAY


def _day_expr(dates: pl.Series) -> pl.Expr:
    """The start of each row's date in µs (column ``date``): a literal when the file holds
    one date (the usual case), else a lookup of its few distinct dates."""
    low, high = dates.min(), dates.max()
    if low is not None and low == high:
        return pl.lit(_day_us(int(low)), pl.Int64)  # type: ignore[arg-type]
    days = {int(d): _day_us(int(d)) for d in dates.unique().drop_nulls()}
    return pl.col("date").replace_strict(days, default=None, return_dtype=pl.Int64)


def _cst_to_utc_us(text: pl.Series) -> pl.Series:
    if text.dtype != pl.Utf8:
        text = text.cast(pl.Utf8)
    number = text.cast(pl.Int64, strict=False)
    # 17 bytes that read as an integer >= 10**16 are 17 digits (a sign or blank would leave
    # at most 16 digits, and a blank does not read as an integer at all).
    shaped = (text.str.len_bytes() == _DIGITS) & (number >= 10 ** (_DIGITS - 1))
    number = number.set(~shaped.fill_null(False), None)
    dates = number // 10**9
    clock = (number - dates * 10**9).cast(pl.Int32)  # HHMMSSmmm (Int32: cheaper division)
    c = pl.col("clock")
    hour, minute, second, millis = c // 10**7, c // 10**5 % 100, c // 10**3 % 100, c % 1000
    clock_us = ((hour * 60 + minute) * 60 + second).cast(pl.Int64) * 1_000_000 + millis * 1000
    valid = (hour < 24) & (minute < 60) & (second < 60)
    converted = pl.when(valid).then(_day_expr(dates) + clock_us - CST_UTC_OFFSET_US)
    return (
        pl.DataFrame({"date": dates, "clock": clock})
        .lazy()
        .select(converted.cast(pl.Int64).alias(text.name))
        .collect()
        .to_series()
    )
