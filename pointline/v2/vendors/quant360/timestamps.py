"""Quant360 timestamps: ``YYYYMMDDHHMMSSmmm`` China Standard Time -> UTC microseconds.

China Standard Time is UTC+8 all year (no daylight saving), so the conversion is a fixed
subtraction: ``20240102093000000`` (09:30:00.000 CST) is ``1704159000000000`` µs UTC.
"""

from __future__ import annotations

import polars as pl

CST_UTC_OFFSET_US = 8 * 3600 * 1_000_000
_US_PER_DAY = 86_400_000_000
_DIGITS = 17


def _days_from_civil(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; years
    here are >= 1000, so every quotient is of a non-negative number)."""
    march_year = year - (month <= 2).cast(pl.Int64)
    era = march_year // 400
    year_of_era = march_year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return (
        pl.when(month == 2)
        .then(28 + leap.cast(pl.Int64))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )


def cst_to_utc_us(text: pl.Expr) -> pl.Expr:
    """Timestamp text -> Int64 UTC µs; null where the text is missing or not a valid time.

    Only exactly 17 digits that form a real calendar time from the year 1000 on convert
    (``20241302...``, a 16-digit value, surrounding spaces or trailing characters give null).
    The digits are read as one integer and split arithmetically (no date parsing per row).
    """
    return text.map_batches(_cst_to_utc_us, return_dtype=pl.Int64, is_elementwise=True)


def _cst_to_utc_us(text: pl.Series) -> pl.Series:
    # Series steps, each computed once (an expression would repeat them per use).
    # 17 bytes that read as an integer >= 10**16 are 17 digits (a sign or blank would leave
    # at most 16 digits, and a blank does not read as an integer at all).
    if text.dtype != pl.Utf8:
        text = text.cast(pl.Utf8)
    number = text.cast(pl.Int64, strict=False)
    shaped = (text.str.len_bytes() == _DIGITS) & (number >= 10 ** (_DIGITS - 1))
    parts = (
        pl.DataFrame({"n": number.set(~shaped.fill_null(False), None)})
        .lazy()
        .select(
            (pl.col("n") // 10**13).alias("year"),
            (pl.col("n") // 10**11 % 100).alias("month"),
            (pl.col("n") // 10**9 % 100).alias("day"),
            (pl.col("n") // 10**7 % 100).alias("hour"),
            (pl.col("n") // 10**5 % 100).alias("minute"),
            (pl.col("n") // 10**3 % 100).alias("second"),
            (pl.col("n") % 1000).alias("millis"),
        )
    )
    year, month, day = pl.col("year"), pl.col("month"), pl.col("day")
    hour, minute, second = pl.col("hour"), pl.col("minute"), pl.col("second")
    valid = (
        month.is_between(1, 12)
        & (day >= 1)
        & (day <= _days_in_month(year, month))
        & (hour < 24)
        & (minute < 60)
        & (second < 60)
    )
    local_us = (
        _days_from_civil(year, month, day) * _US_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1_000_000
        + pl.col("millis") * 1000
    )
    converted = pl.when(valid).then(local_us - CST_UTC_OFFSET_US).otherwise(None)
    return parts.select(converted.cast(pl.Int64).alias(text.name)).collect().to_series()
