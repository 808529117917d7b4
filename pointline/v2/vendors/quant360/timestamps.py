"""Quant360 timestamps: ``YYYYMMDDHHMMSSmmm`` China Standard Time -> UTC microseconds.

China Standard Time is UTC+8 all year (no daylight saving), so the conversion is a fixed
subtraction: ``20240102093000000`` (09:30:00.000 CST) is ``1704159000000000`` µs UTC.
"""

from __future__ import annotations

import polars as pl

CST_UTC_OFFSET_US = 8 * 3600 * 1_000_000
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S%3f"
_TIMESTAMP_SHAPE = r"^\d{17}$"


def cst_to_utc_us(text: pl.Expr) -> pl.Expr:
    """Timestamp text -> Int64 UTC µs; null where the text is missing or not a valid time.

    Only exactly 17 digits that form a real calendar time convert (``20241302...``, a
    16-digit value, surrounding spaces or trailing characters give null).
    """
    local = text.str.to_datetime(TIMESTAMP_FORMAT, time_unit="us", strict=False)
    return (
        pl.when(text.str.contains(_TIMESTAMP_SHAPE))
        .then(local.dt.epoch("us") - CST_UTC_OFFSET_US)
        .otherwise(pl.lit(None, pl.Int64))
    )
