"""The row-level steps of the pipeline, each a small function on a Polars frame.

Every step keeps the rows in file order and never drops a row: a row that fails a step gets the
reject columns (``_reject_reason``, ``_reject_field``, ``_reject_value``) set by the first step
that rejects it, and the last step splits the frame into rows to write and rows to quarantine.
"""

from __future__ import annotations

import datetime

import polars as pl

from pointline.errors import SchemaMismatchError
from pointline.schemas.types import TableSpec
from pointline.v2 import dim_symbol, reasons
from pointline.v2.fixed_point import (
    REJECT_COLUMNS,
    REJECT_FIELD,
    REJECT_REASON,
    REJECT_TEXT,
    REJECT_VALUE,
)
from pointline.v2.frames import RowNumbers, Value, with_constants
from pointline.v2.ingestion.rules import sse_sequence_rule, table_rule
from pointline.v2.ingestion.timezones import EXCHANGE_TIMEZONES, trading_date_expr

DERIVED_COLUMNS = ("trading_date", "symbol_id", "file_id", "file_seq")
PIT_COLUMNS = ("exchange", "exchange_symbol", "symbol_id", "valid_from_ts_us", "valid_until_ts_us")


def ensure_reject_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Add the (null) reject columns a parser did not provide."""
    missing = [pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS if c not in df.columns]
    return df.with_columns(missing) if missing else df


def check_parsed_columns(df: pl.DataFrame, spec: TableSpec, *, source: str) -> None:
    """The parser must return the table's required columns (except the derived ones), no
    column the table does not know, and each column in its spec dtype or one that widens to
    it without loss (a smaller integer; a null column). A float, decimal or boolean for an
    integer column is refused, never truncated."""
    known = set(spec.columns()) | set(REJECT_COLUMNS) | {REJECT_TEXT}
    required = [c for c in spec.required_columns() if c not in DERIVED_COLUMNS]
    columns = df.columns  # a new list per call: taken once
    present = set(columns)
    missing = [c for c in required if c not in present]
    unexpected = [c for c in columns if c not in known]
    if missing or unexpected:
        raise SchemaMismatchError(
            f"{source}: parsed rows do not fit table {spec.name!r}: "
            f"missing columns {missing}, unexpected columns {unexpected}"
        )
    schema = df.schema  # built once: each ``df.schema`` builds a new Schema
    for column in spec.column_specs:
        got = schema.get(column.name)
        if got is None or _widens_to(got, column.dtype):
            continue
        scale = f" scaled by {column.scale:,}" if column.scale else ""
        raise SchemaMismatchError(
            f"{source}: column {column.name!r} of table {spec.name!r} must be "
            f"{column.dtype}{scale}, the parser gave {got} (only lossless integer widening is "
            "accepted)"
        )


_INT_BITS = {
    pl.Int8: (8, True),
    pl.Int16: (16, True),
    pl.Int32: (32, True),
    pl.Int64: (64, True),
    pl.UInt8: (8, False),
    pl.UInt16: (16, False),
    pl.UInt32: (32, False),
    pl.UInt64: (64, False),
}


def _widens_to(got: pl.DataType, want: pl.DataType) -> bool:
    """Whether every value of dtype ``got`` is a value of ``want``."""
    if got == want or got == pl.Null:
        return True
    if isinstance(want, pl.List) and isinstance(got, pl.List | pl.Array):
        return _widens_to(got.inner, want.inner)  # type: ignore[arg-type]
    if want == pl.String:
        return isinstance(got, pl.Categorical | pl.Enum)
    wanted, have = _INT_BITS.get(want.base_type()), _INT_BITS.get(got.base_type())
    if wanted is None or have is None:
        return False
    (want_bits, want_signed), (got_bits, got_signed) = wanted, have
    if want_signed == got_signed:
        return got_bits <= want_bits
    return want_signed and got_bits < want_bits  # unsigned into a wider signed integer


# Timestamps a date can be derived from: 0001-01-01 to 9999-12-31 (UTC microseconds).
TS_MIN_US = -62_135_596_800_000_000
TS_MAX_US = 253_402_300_799_999_999
_US_PER_DAY = 86_400_000_000
TIMESTAMP_REASONS = (reasons.INVALID_TIMESTAMP, reasons.IMPLAUSIBLE_TIMESTAMP)


def check_timestamps(df: pl.DataFrame, file_date: datetime.date | None) -> pl.DataFrame:
    """Reject rows whose ``ts_event_us`` no date can come of (``invalid_timestamp``) or that
    lies more than a day outside the file's date (``implausible_timestamp``: seconds or
    milliseconds read as microseconds land in 1970)."""
    column = df.get_column("ts_event_us")
    low, high = column.min(), column.max()  # the usual file: both in range, no query at all
    if low is None:
        return df
    ts = pl.col("ts_event_us")
    text = ts.cast(pl.Utf8)
    if low < TS_MIN_US or high > TS_MAX_US:  # type: ignore[operator]
        df = _flag(df, ~ts.is_between(TS_MIN_US, TS_MAX_US), reasons.INVALID_TIMESTAMP, _TS, text)
    if file_date is None:
        return df
    day = (file_date - datetime.date(1970, 1, 1)).days * _US_PER_DAY
    first, last = day - _US_PER_DAY, day + 2 * _US_PER_DAY
    if first <= low and high < last:  # type: ignore[operator]
        return df
    outside = ~ts.is_between(first, last, closed="left")
    return _flag(df, outside, reasons.IMPLAUSIBLE_TIMESTAMP, _TS, text)


_TS = pl.lit("ts_event_us")


def assign_lineage(df: pl.DataFrame, *, file_id: int, seq_start: int) -> pl.DataFrame:
    """Set ``file_id``; number rows from ``seq_start`` unless the parser gave ``file_seq``."""
    lineage: dict[str, Value] = {"file_id": (file_id, pl.Int64)}
    if "file_seq" not in df.columns:
        lineage["file_seq"] = RowNumbers(seq_start)
    return with_constants(df, lineage)


def add_missing_nullable(df: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Add the nullable columns the parser omitted, as nulls of their dtype."""
    missing = [
        pl.lit(None, col.dtype).alias(col.name)
        for col in spec.column_specs
        if col.nullable and col.name not in df.columns
    ]
    return df.with_columns(missing) if missing else df


def _flag(
    df: pl.DataFrame, condition: pl.Expr, reason: str, field: pl.Expr, value: pl.Expr
) -> pl.DataFrame:
    """Set the reject columns on rows not yet rejected where ``condition`` holds.

    The condition is evaluated first and the reject columns are rewritten only when it holds
    somewhere: on a clean file (the usual case) a rule costs one boolean pass.
    """
    hit = df.select(
        (pl.col(REJECT_REASON).is_null() & condition.fill_null(False)).alias("hit")
    ).to_series()
    if not hit.any():
        return df
    new = pl.lit(hit)
    return df.with_columns(
        pl.when(new).then(pl.lit(reason)).otherwise(pl.col(REJECT_REASON)).alias(REJECT_REASON),
        pl.when(new).then(field).otherwise(pl.col(REJECT_FIELD)).alias(REJECT_FIELD),
        pl.when(new).then(value).otherwise(pl.col(REJECT_VALUE)).alias(REJECT_VALUE),
    )


def _distinct(df: pl.DataFrame, column: str) -> list:
    """The distinct non-null values of ``column`` (cheap when it holds one value, as usual)."""
    values = df.get_column(column)
    first = values.first() if values.len() else None
    if first is not None and values.null_count() == 0 and bool((values == first).all()):
        return [first]
    return values.drop_nulls().unique().sort().to_list()


def derive_trading_date(df: pl.DataFrame) -> pl.DataFrame:
    """Set ``trading_date`` in the exchange's time zone; rows of an exchange with no known time
    zone are rejected as ``unknown_exchange``."""
    exchanges = _distinct(df, "exchange")
    known = [name for name in exchanges if name in EXCHANGE_TIMEZONES]
    date = trading_date_expr(exchanges)
    ts = df.get_column("ts_event_us")
    low, high = ts.min(), ts.max()
    out_of_range = low is not None and (low < TS_MIN_US or high > TS_MAX_US)  # type: ignore[operator]
    if out_of_range or df.get_column(REJECT_REASON).is_in(TIMESTAMP_REASONS).any():
        # no date of a timestamp no date can come of (whatever else rejected its row), nor
        # of an implausible one
        bad = pl.col(REJECT_REASON).is_in(TIMESTAMP_REASONS).fill_null(False) | ~pl.col(
            "ts_event_us"
        ).is_between(TS_MIN_US, TS_MAX_US).fill_null(True)
        date = pl.when(bad).then(pl.lit(None, pl.Date)).otherwise(date)
    df = df.with_columns(date.alias("trading_date"))
    if len(known) == len(exchanges):
        return df  # every exchange is known (nulls are caught by the required-column rule)
    unknown = pl.col("exchange").is_not_null() & ~pl.col("exchange").is_in(known)
    return _flag(df, unknown, reasons.UNKNOWN_EXCHANGE, pl.lit("exchange"), pl.col("exchange"))


def apply_row_rules(df: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """SSE sequence fields, then required columns, then the table's value rule."""
    sequence = sse_sequence_rule(spec.name)
    if sequence is not None:
        reason, failing = sequence
        df = _flag(df, failing, reason, pl.lit(None, pl.Utf8), pl.lit(None, pl.Utf8))
    required = [c for c in spec.required_columns() if c not in ("symbol_id", "trading_date")]
    if any(df.get_column(c).null_count() for c in required):  # null counts are cached: free
        first_null = pl.coalesce([pl.when(pl.col(c).is_null()).then(pl.lit(c)) for c in required])
        df = _flag(
            df, first_null.is_not_null(), reasons.NULL_REQUIRED_COLUMN, first_null, pl.lit(None)
        )
    rule = table_rule(spec.name)
    if rule is not None:
        reason, failing = rule
        df = _flag(df, failing, reason, pl.lit(None, pl.Utf8), pl.lit(None, pl.Utf8))
    return df


def _single_window(df: pl.DataFrame, dim: pl.DataFrame) -> pl.DataFrame | None:
    """Fast path for the usual file: one (exchange, symbol) whose rows all fall in one window
    of dim_symbol get that window's id as a literal (no join). None when it does not apply."""
    if df.height == 0 or df.get_column("ts_event_us").null_count():
        return None
    exchanges, symbols = _distinct(df, "exchange"), _distinct(df, "symbol")
    if len(exchanges) != 1 or len(symbols) != 1:
        return None
    if df.get_column("exchange").null_count() or df.get_column("symbol").null_count():
        return None
    (exchange,), (symbol,) = exchanges, symbols
    low, high = df.select(
        pl.col("ts_event_us").min().alias("low"), pl.col("ts_event_us").max().alias("high")
    ).row(0)
    windows = dim.filter(
        (pl.col("exchange") == exchange)
        & (pl.col("exchange_symbol") == symbol)
        & (pl.col("valid_from_ts_us") <= low)
        & (pl.col("valid_until_ts_us") > high)
    )
    if windows.height != 1:
        return None
    return df.with_columns(symbol_id=pl.lit(windows.item(0, "symbol_id"), pl.Int64))


def resolve_symbols(df: pl.DataFrame, dim: pl.DataFrame) -> pl.DataFrame:
    """Point-in-time ``symbol_id``: the dim_symbol row of (exchange, symbol) whose window holds
    ``ts_event_us``; rows without coverage are rejected as ``missing_pit_symbol_coverage``."""
    resolved = _single_window(df, dim)
    if resolved is None:
        # dim was checked once by pit_view; not again for every file of a batch
        events = df.drop("symbol_id", strict=False)
        resolved = dim_symbol.resolve_symbol_ids(events, dim, check_windows=False)
    return _flag(
        resolved,
        pl.col("symbol_id").is_null(),
        reasons.MISSING_PIT_SYMBOL_COVERAGE,
        pl.lit("symbol"),
        pl.col("symbol"),
    )


def split_rows(df: pl.DataFrame, spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to write, normalised to the spec; rows to quarantine, with every column kept)."""
    normalised = [pl.col(c.name).cast(c.dtype) for c in spec.column_specs]
    ordered = [c for c in spec.columns() if c in df.columns]
    extra = [c for c in df.columns if c not in ordered]
    if df.get_column(REJECT_REASON).null_count() == df.height:
        # nothing rejected (the usual file): no filtered copy of every column
        return df.select(normalised), df.clear().select(ordered + extra)
    rejected_mask = pl.col(REJECT_REASON).is_not_null()
    valid = df.filter(~rejected_mask).select(normalised)
    rejected = df.filter(rejected_mask).select(ordered + extra)
    return valid, rejected


def intake(
    df: pl.DataFrame,
    spec: TableSpec,
    *,
    file_id: int,
    seq_start: int,
    source: str,
    file_date: datetime.date | None = None,
) -> pl.DataFrame:
    """A parsed chunk of one file checked (columns, dtypes), given its lineage and reject
    columns, and its timestamps checked against the file's date."""
    check_parsed_columns(df, spec, source=source)
    df = assign_lineage(ensure_reject_columns(df), file_id=file_id, seq_start=seq_start)
    return check_timestamps(df, file_date)


def prepare_rows(
    df: pl.DataFrame, spec: TableSpec, dim: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The row steps on taken-in rows of one or many files: (valid rows, rejected rows).

    Every step is row-wise, so stacking the rows of many files and preparing them once gives
    the rows that preparing each file alone gives (minus a per-file query's fixed cost).
    """
    df = add_missing_nullable(df, spec)
    df = derive_trading_date(df)
    df = apply_row_rules(df, spec)
    df = resolve_symbols(df, dim)
    return split_rows(df, spec)


def pit_view(dim: pl.DataFrame) -> pl.DataFrame:
    """The dim_symbol columns the point-in-time lookup needs, checked once (windows valid and
    not overlapping)."""
    missing = [c for c in PIT_COLUMNS if c not in dim.columns]
    if missing:
        raise SchemaMismatchError(f"dim_symbol frame lacks the PIT columns {missing}")
    view = dim.select(PIT_COLUMNS)
    dim_symbol.check_lookup_windows(view)
    return view
