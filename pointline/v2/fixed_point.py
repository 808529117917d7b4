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

from pointline.v2.reasons import INVALID_DECIMAL, UNREPRESENTABLE_DECIMAL

REJECT_REASON = "_reject_reason"
REJECT_FIELD = "_reject_field"
REJECT_VALUE = "_reject_value"
REJECT_COLUMNS: tuple[str, ...] = (REJECT_REASON, REJECT_FIELD, REJECT_VALUE)
REJECT_TEXT = "_reject_text"
"""Optional parser column: on a rejected row, the row's original vendor text as one JSON
object (vendor column -> text, null for an empty field); null on every other row."""


# ASCII digits only: ``\d`` would also match Unicode digits (``١٢``), which are not decimal text
_DECIMAL_RE = r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,4}))?$"
_INT64_DIGITS = 19


def _scale_exponent(scale: int) -> int:
    exponent = len(str(scale)) - 1
    if scale < 1 or 10**exponent != scale:
        raise ValueError(f"scale must be a power of ten >= 1, got {scale}")
    return exponent


def _parts(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars().str.extract_groups(_DECIMAL_RE)


def _slow_exact(text: pl.Expr, *, scale_exp: int) -> pl.Expr:
    """Digit-by-digit conversion that also understands exponents (``1.5e-3``); slower."""
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


def _fast(
    text: pl.Expr, scale_exp: int, computed: pl.Expr | None = None
) -> tuple[pl.Expr, pl.Expr]:
    """``(values, slow)``: the fast conversion of decimal text and the mask of values it may
    have got wrong (rounded, exponent, out of range or unparsed), which the exact path redoes.
    ``computed`` is the column holding ``values`` when the caller computes them first (the
    mask then reads it instead of converting the text again).

    A ``Decimal(38, s)`` is stored as the Int128 value * 10**s: exactly the fixed-point
    integer, so its physical value cast to Int64 (null when out of range) is the result.
    """
    values = text.cast(pl.Decimal(38, scale_exp), strict=False).to_physical()
    values = values.cast(pl.Int64, strict=False)
    needs_rounding_or_exponent = text.str.contains(rf"[eE]|\.\d{{{scale_exp}}}\d*[1-9]")
    present = text.is_not_null() & (text.str.len_bytes() > 0)
    converted = values if computed is None else computed
    slow = present & (converted.is_null() | needs_rounding_or_exponent.fill_null(False))
    return values, slow


def fast_decimal(
    text: pl.Expr, scale: int, *, computed: pl.Expr | None = None
) -> tuple[pl.Expr, pl.Expr]:
    """``(values, suspect)`` expressions: the fast fixed-point conversion of decimal text and
    the mask of values it may have got wrong. Where ``suspect`` is true nowhere, ``values`` is
    exact; otherwise convert with :func:`convert_decimal_columns`. When ``values`` is computed
    into a column first, pass that column as ``computed``: ``suspect`` then reads it."""
    return _fast(text, _scale_exponent(scale), computed)


def _redo_slow(
    text: pl.Series, values: pl.Series, slow: pl.Series, scale_exp: int
) -> tuple[pl.Series, pl.Series]:
    """Redo the ``slow`` values exactly; ``(values, reasons)`` as :func:`convert_series`."""
    name = text.name
    reasons = pl.repeat(None, len(text), dtype=pl.Utf8, eager=True).alias(name)
    if not slow.any():
        return values.alias(name), reasons
    positions = slow.arg_true()
    hard = text.gather(positions)
    exact = pl.select(_slow_exact(pl.lit(hard).str.strip_chars(), scale_exp=scale_exp))
    exact_values = exact.to_series()
    values = values.scatter(positions, exact_values)
    well_formed = hard.str.strip_chars().str.contains(
        r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
    )
    hard_reasons = pl.select(
        pl.when(pl.lit(exact_values).is_not_null())
        .then(pl.lit(None, pl.Utf8))
        .when(pl.lit(well_formed))
        .then(pl.lit(UNREPRESENTABLE_DECIMAL))
        .otherwise(pl.lit(INVALID_DECIMAL))
    ).to_series()
    if hard_reasons.is_not_null().any():
        reasons = reasons.scatter(positions, hard_reasons)
    return values.alias(name), reasons.alias(name)


def _convert_frame(
    df: pl.DataFrame, columns: Mapping[str, int]
) -> dict[str, tuple[pl.Series, pl.Series]]:
    """``column -> (values, reasons)`` for text columns of ``df``, the fast path of every
    column evaluated in one parallel pass."""
    exps = {name: _scale_exponent(scale) for name, scale in columns.items()}
    exprs = []
    for i, name in enumerate(columns):
        text = pl.col(name) if df.schema[name] == pl.Utf8 else pl.col(name).cast(pl.Utf8)
        values, slow = _fast(text, exps[name])
        exprs += [values.alias(f"v{i}"), slow.alias(f"s{i}")]
    fast = df.select(exprs)
    return {
        name: _redo_slow(
            df.get_column(name).cast(pl.Utf8), fast[f"v{i}"], fast[f"s{i}"], exps[name]
        )
        for i, name in enumerate(columns)
    }


def convert_series(text: pl.Series, *, scale: int) -> tuple[pl.Series, pl.Series]:
    """Convert decimal text to fixed point exactly.

    Fast path: Polars parses decimal text into ``Decimal`` exactly, but it rounds digits past
    the scale (and accepts exponents, rounding ``1.5e-10`` to 0). So only values that cast
    cleanly, stay in Int64 range and need no rounding and no exponent keep the fast result;
    the rest (usually none) go through the digit-by-digit path, which never rounds.

    Returns:
        ``(values, reasons)``: Int64 values scaled by ``scale`` (null where the text is
        null/empty or does not convert) and, per value, null or the reason it did not convert
        (``invalid_decimal`` or ``unrepresentable_decimal``).
    """
    name = text.name or "value"
    return _convert_frame(text.alias(name).to_frame(), {name: scale})[name]


def decimal_to_fixed(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Expression form: decimal text -> Int64 scaled by ``scale``; null when not convertible.

    Use :func:`decimal_status` (or :func:`convert_decimal_columns`) to tell a missing value
    from one that could not be converted.
    """
    return text.map_batches(
        lambda s: convert_series(s, scale=scale)[0], return_dtype=pl.Int64, is_elementwise=True
    )


def decimal_status(text: pl.Expr, *, scale: int) -> pl.Expr:
    """Expression form: per value null when it converts (or is missing), else the reason."""
    return text.map_batches(
        lambda s: convert_series(s, scale=scale)[1], return_dtype=pl.Utf8, is_elementwise=True
    )


def convert_decimal_columns(
    frame: pl.LazyFrame | pl.DataFrame,
    columns: Mapping[str, int],
    *,
    labels: Mapping[str, str] | None = None,
) -> pl.LazyFrame:
    """Convert text columns to fixed point in place and flag the rows that failed.

    The columns are converted eagerly (the frame is collected; parsers hand over text that is
    already in memory); when no value failed, which is the usual case, the reject columns are
    left as they are without a pass over the rows.

    Args:
        frame: rows with the given columns as text (Utf8).
        columns: column name -> scale (e.g. ``{"price": PRICE_SCALE}``).
        labels: column name -> the name to report in ``_reject_field`` (default: the
            column's own name).

    Returns:
        The frame with each column as Int64 and the reject columns
        ``_reject_reason``/``_reject_field``/``_reject_value`` describing the first column
        that failed on each row (kept from the input when it already had them).
    """
    if not columns:
        return frame.lazy()
    df = frame.lazy().collect() if isinstance(frame, pl.LazyFrame) else frame
    converted = _convert_frame(df, columns)
    values = [v for v, _ in converted.values()]
    if all(r.null_count() == r.len() for _, r in converted.values()):
        out = df.with_columns(values)
        if REJECT_REASON not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS)
        return out.lazy()
    names = list(columns)
    tmp = {name: f"__reason_{i}" for i, name in enumerate(names)}
    lf = df.with_columns(r.alias(tmp[n]) for n, (_, r) in converted.items()).lazy()
    failed = {name: pl.col(tmp[name]).is_not_null() for name in names}
    reason = pl.coalesce([pl.col(tmp[n]) for n in names])
    label = labels or {}
    field = pl.coalesce([pl.when(failed[n]).then(pl.lit(label.get(n, n))) for n in names])
    value = pl.coalesce([pl.when(failed[n]).then(pl.col(n).cast(pl.Utf8)) for n in names])
    if REJECT_REASON in df.columns:
        # A row rejected before keeps all three of its reject columns as they were.
        earlier = pl.col(REJECT_REASON).is_not_null()
        reason = pl.when(earlier).then(pl.col(REJECT_REASON)).otherwise(reason)
        field = pl.when(earlier).then(pl.col(REJECT_FIELD)).otherwise(field)
        value = pl.when(earlier).then(pl.col(REJECT_VALUE)).otherwise(value)
    return (
        lf.with_columns(
            reason.alias(REJECT_REASON), field.alias(REJECT_FIELD), value.alias(REJECT_VALUE)
        )
        .with_columns(values)
        .drop(list(tmp.values()))
    )
