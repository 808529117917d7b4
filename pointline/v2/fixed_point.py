"""Exact decimal text -> fixed-point Int64, vectorised in Polars, with no float round trip.

``"12345678.123456789"`` at scale 10**9 becomes ``12_345_678_123_456_789`` (a float64 round
trip would give ``...790``). The conversion works on the digits as text: it strips the sign,
the decimal point and an optional exponent, checks that the value needs no more than the
scale's decimals and fits Int64, and only then casts the digit string to an integer.

Parsers use :func:`convert_decimal_columns`, which converts many columns at once and flags
rows that could not be converted in three reject columns (see :data:`REJECT_COLUMNS`) that
the pipeline turns into quarantined rows, keeping the original text.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

REJECT_REASON = "_reject_reason"
REJECT_FIELD = "_reject_field"
REJECT_VALUE = "_reject_value"
REJECT_COLUMNS: tuple[str, ...] = (REJECT_REASON, REJECT_FIELD, REJECT_VALUE)

REASON_INVALID_DECIMAL = "invalid_decimal"
REASON_UNREPRESENTABLE = "unrepresentable_decimal"

_DECIMAL_RE = r"^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$"
_INT64_DIGITS = 19


def _scale_exponent(scale: int) -> int:
    exponent = len(str(scale)) - 1
    if scale < 1 or 10**exponent != scale:
        raise ValueError(f"scale must be a power of ten >= 1, got {scale}")
    return exponent


def _parts(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars().str.extract_groups(_DECIMAL_RE)


def decimal_status(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Per value: null when it converts (or is null/empty), else the reason it cannot."""
    value = decimal_to_fixed(text, scale=scale)
    stripped = text.str.strip_chars()
    present = stripped.is_not_null() & (stripped != "")
    parts = _parts(text)
    well_formed = parts.struct.field("1").is_not_null() & (
        (parts.struct.field("2").str.len_chars() > 0)
        | (parts.struct.field("3").fill_null("").str.len_chars() > 0)
    )
    return (
        pl.when(~present)
        .then(pl.lit(None, pl.Utf8))
        .when(~well_formed)
        .then(pl.lit(REASON_INVALID_DECIMAL))
        .when(value.is_null())
        .then(pl.lit(REASON_UNREPRESENTABLE))
        .otherwise(pl.lit(None, pl.Utf8))
    )


def decimal_to_fixed(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Decimal text -> Int64 scaled by ``scale`` exactly; null when empty or not convertible.

    Use :func:`decimal_status` (or :func:`convert_decimal_columns`) to tell a missing value
    from one that could not be converted.
    """
    scale_exp = _scale_exponent(scale)
    parts = _parts(text)
    sign = parts.struct.field("1")
    int_part = parts.struct.field("2").fill_null("")
    frac_part = parts.struct.field("3").fill_null("")
    exponent = parts.struct.field("4").cast(pl.Int32, strict=False).fill_null(0)
    digits = (int_part + frac_part).str.strip_chars_start("0")
    core = digits.str.strip_chars_end("0")
    trailing_zeros = digits.str.len_chars().cast(pl.Int32) - core.str.len_chars().cast(pl.Int32)
    # value = core * 10**(trailing_zeros - len(frac) + exponent); scaled: + scale_exp.
    shift = trailing_zeros - frac_part.str.len_chars().cast(pl.Int32) + exponent + scale_exp
    core_len = core.str.len_chars().cast(pl.Int32)
    fits = (shift >= 0) & (core_len + shift <= _INT64_DIGITS)
    padded = core.str.pad_end((core_len + shift.clip(0, _INT64_DIGITS)).cast(pl.UInt32), "0")
    magnitude = padded.cast(pl.Int64, strict=False)
    well_formed = sign.is_not_null() & ((int_part.str.len_chars() + frac_part.str.len_chars()) > 0)
    signed = pl.when(sign == "-").then(-magnitude).otherwise(magnitude)
    return (
        pl.when(~well_formed)
        .then(pl.lit(None, pl.Int64))
        .when(core_len == 0)
        .then(pl.lit(0, pl.Int64))
        .when(fits)
        .then(signed)
        .otherwise(pl.lit(None, pl.Int64))
    )


def convert_decimal_columns(
    frame: pl.LazyFrame | pl.DataFrame,
    columns: Mapping[str, int],
) -> pl.LazyFrame:
    """Convert text columns to fixed point in place and flag the rows that failed.

    Args:
        frame: rows with the given columns as text (Utf8).
        columns: column name -> scale (e.g. ``{"price": PRICE_SCALE}``).

    Returns:
        The frame with each column as Int64 and the reject columns
        ``_reject_reason``/``_reject_field``/``_reject_value`` describing the first column
        that failed on each row (kept from the input when it already had them).
    """
    lf = frame.lazy()
    names = list(columns)
    if not names:
        return lf
    existing = set(lf.collect_schema().names())
    status_exprs = [
        decimal_status(pl.col(name), scale=scale).alias(f"__status_{i}")
        for i, (name, scale) in enumerate(columns.items())
    ]
    lf = lf.with_columns(status_exprs)
    reason = pl.coalesce([pl.col(f"__status_{i}") for i in range(len(names))])
    field = pl.coalesce(
        [
            pl.when(pl.col(f"__status_{i}").is_not_null()).then(pl.lit(name))
            for i, name in enumerate(names)
        ]
    )
    value = pl.coalesce(
        [
            pl.when(pl.col(f"__status_{i}").is_not_null()).then(pl.col(name).cast(pl.Utf8))
            for i, name in enumerate(names)
        ]
    )
    if REJECT_REASON in existing:
        reason = pl.coalesce([pl.col(REJECT_REASON), reason])
        field = pl.coalesce([pl.col(REJECT_FIELD), field])
        value = pl.coalesce([pl.col(REJECT_VALUE), value])
    return lf.with_columns(
        reason.alias(REJECT_REASON),
        field.alias(REJECT_FIELD),
        value.alias(REJECT_VALUE),
        *[decimal_to_fixed(pl.col(n), scale=s).alias(n) for n, s in columns.items()],
    ).drop([f"__status_{i}" for i in range(len(names))])
