"""Quant360 timestamps: ``YYYYMMDDHHMMSSmmm`` China Standard Time -> UTC microseconds.

China Standard Time is UTC+8 all year (no daylight saving), so the conversion is a fixed
subtraction: ``20240102093000000`` (09:30:00.000 CST) is ``1704159000000000`` µs UTC.
"""

from __future__ import annotations

import datetime

import polars as pl

CST_UTC_OFFSET_US = 8 * 3600 * 1_000_000
_US_PER_DAY = 86_400_000_000
_DIGITS = 17
_EPOCH = datetime.date(1970, 1, 1)


def cst_to_utc_us(text: pl.Expr) -> pl.Expr:
    """Timestamp text -> Int64 UTC µs; null where the text is missing or not a valid time.

    Only exactly 17 digits that form a real calendar time from the year 1000 on convert
    (``20241302...``, a 16-digit value, surrounding spaces or trailing characters give null).
    The digits are read as one integer: the few distinct dates of a file (usually one) are
    checked and converted by Python's calendar, the time of day arithmetically per row.
    """
    return text.map_batches(_cst_to_utc_us, return_dtype=pl.Int64, is_elementwise=True)


def _day_us(yyyymmdd: int) -> int | None:
    """Microseconds from 1970-01-01 to the start of ``YYYYMMDD``; None if it is no date."""
    try:
        day = datetime.date(yyyymmdd // 10_000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        return None
    return (day - _EPOCH).days * _US_PER_DAY


def _cst_to_utc_us(text: pl.Series) -> pl.Series:
    # 17 bytes that read as an integer >= 10**16 are 17 digits (a sign or blank would leave
    # at most 16 digits, and a blank does not read as an integer at all).
    if text.dtype != pl.Utf8:
        text = text.cast(pl.Utf8)
    number = text.cast(pl.Int64, strict=False)
    shaped = (text.str.len_bytes() == _DIGITS) & (number >= 10 ** (_DIGITS - 1))
    number = number.set(~shaped.fill_null(False), None)
    dates = number // 10**9
    days = {int(d): _day_us(int(d)) for d in dates.unique().drop_nulls()}
    frame = pl.DataFrame({"n": number, "date": dates})
    clock = pl.col("n") % 10**9  # HHMMSSmmm
    hour, minute = clock // 10**7, clock // 10**5 % 100
    second, millis = clock // 10**3 % 100, clock % 1000
    valid = (hour < 24) & (minute < 60) & (second < 60)
    day_us = pl.col("date").replace_strict(days, default=None, return_dtype=pl.Int64)
    local_us = day_us + ((hour * 60 + minute) * 60 + second) * 1_000_000 + millis * 1000
    converted = pl.when(valid).then(local_us - CST_UTC_OFFSET_US).otherwise(None)
    return frame.select(converted.cast(pl.Int64).alias(text.name)).to_series()
