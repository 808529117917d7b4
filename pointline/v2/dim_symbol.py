"""The SCD2 symbol dimension ``dim_symbol`` as pure functions on Polars frames (no I/O).

A row says: from ``valid_from_ts_us`` (inclusive) until ``valid_until_ts_us`` (exclusive),
``exchange_symbol`` on ``exchange`` had these attributes. Open rows end at
:data:`VALID_UNTIL_MAX`. Every function returns frames with exactly the ``DIM_SYMBOL`` schema,
sorted by its tie-break keys (exchange, exchange_symbol, valid_from_ts_us), and is
deterministic: the same inputs give the same output, with no wall-clock time involved
(``updated_at_ts_us`` is the effective time of the change that last touched the row).

Choices made here (the table contract leaves them open):
    * ``is_current`` means "the window is open": it is True exactly when
      ``valid_until_ts_us == VALID_UNTIL_MAX``. :func:`validate` enforces it.
    * :func:`validate` checks that ``symbol_id`` is unique, not that it equals the hash, so a
      table whose ids were made elsewhere still loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TypeVar

import polars as pl

from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.fixed_point import decimal_to_fixed

__all__ = [
    "SNAPSHOT_REQUIRED_COLUMNS",
    "SNAPSHOT_SCALED_COLUMNS",
    "TRACKED_COLUMNS",
    "VALID_UNTIL_MAX",
    "assign_symbol_ids",
    "bootstrap",
    "resolve_symbol_ids",
    "symbol_id_of",
    "upsert",
    "validate",
]

VALID_UNTIL_MAX: int = 2**63 - 1

SNAPSHOT_REQUIRED_COLUMNS: tuple[str, ...] = (
    "exchange",
    "exchange_symbol",
    "canonical_symbol",
    "market_type",
    "base_asset",
    "quote_asset",
)
SNAPSHOT_SCALED_COLUMNS: dict[str, int] = {
    "tick_size": PRICE_SCALE,
    "lot_size": QTY_SCALE,
    "contract_size": QTY_SCALE,
}
TRACKED_COLUMNS: tuple[str, ...] = (
    "canonical_symbol",
    "market_type",
    "base_asset",
    "quote_asset",
    "tick_size",
    "lot_size",
    "contract_size",
)

_KEY = ["exchange", "exchange_symbol"]
_SORT = list(DIM_SYMBOL.tie_break_keys)
_SCHEMA = DIM_SYMBOL.to_polars()
_MAX_KEYS_SHOWN = 10

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


# --------------------------------------------------------------------------- symbol ids


def symbol_id_of(exchange: str, exchange_symbol: str, valid_from_ts_us: int) -> int:
    """blake2b-64 of ``"exchange|exchange_symbol|valid_from_ts_us"``, signed little-endian."""
    digest = hashlib.blake2b(
        f"{exchange}|{exchange_symbol}|{valid_from_ts_us}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "little", signed=True)


def _hash_ids(df: pl.DataFrame) -> pl.Series:
    ids = [
        symbol_id_of(e, s, f)
        for e, s, f in zip(
            df["exchange"].to_list(),
            df["exchange_symbol"].to_list(),
            df["valid_from_ts_us"].to_list(),
            strict=True,
        )
    ]
    return pl.Series("symbol_id", ids, dtype=pl.Int64)


def assign_symbol_ids(df: pl.DataFrame) -> pl.DataFrame:
    """Set (or overwrite) ``symbol_id`` from exchange, exchange_symbol and valid_from_ts_us.

    Raises:
        ValueError: one of the three columns is missing or holds a null.
    """
    needed = ["exchange", "exchange_symbol", "valid_from_ts_us"]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"assign_symbol_ids: missing columns {missing}")
    nulls = [c for c in needed if df[c].null_count()]
    if nulls:
        raise ValueError(f"assign_symbol_ids: null values in column(s) {nulls}")
    ids = _hash_ids(df)
    if "symbol_id" in df.columns:
        return df.with_columns(ids)
    return df.insert_column(0, ids)


# --------------------------------------------------------------------------- validation


def _keys_text(df: pl.DataFrame, columns: Sequence[str]) -> str:
    rows = df.select(columns).unique(maintain_order=True).rows()
    shown = ", ".join(repr(r if len(r) > 1 else r[0]) for r in rows[:_MAX_KEYS_SHOWN])
    more = f" and {len(rows) - _MAX_KEYS_SHOWN} more" if len(rows) > _MAX_KEYS_SHOWN else ""
    return f"[{shown}{more}]"


def _check_schema(dim: pl.DataFrame) -> None:
    names = set(dim.columns)
    missing = [c for c in _SCHEMA if c not in names]
    if missing:
        raise ValueError(f"dim_symbol schema: missing columns {missing}")
    unexpected = [c for c in dim.columns if c not in _SCHEMA]
    if unexpected:
        raise ValueError(f"dim_symbol schema: unexpected columns {unexpected}")
    wrong = [
        f"{name}: expected {dtype}, got {dim.schema[name]}"
        for name, dtype in _SCHEMA.items()
        if dim.schema[name] != dtype
    ]
    if wrong:
        raise ValueError(f"dim_symbol schema: dtype mismatch ({'; '.join(wrong)})")
    nulls = [c for c in DIM_SYMBOL.required_columns() if dim[c].null_count()]
    if nulls:
        raise ValueError(f"dim_symbol schema: null values in required column(s) {nulls}")


def _check_positive_windows(dim: pl.DataFrame) -> None:
    bad = dim.filter(pl.col("valid_until_ts_us") <= pl.col("valid_from_ts_us"))
    if bad.height:
        raise ValueError(
            "dim_symbol invariant broken: valid_until_ts_us must be > valid_from_ts_us; "
            f"offending (exchange, exchange_symbol, valid_from_ts_us): {_keys_text(bad, _SORT)}"
        )


def _check_no_overlap(dim: pl.DataFrame) -> None:
    ordered = dim.select(*_KEY, "valid_from_ts_us", "valid_until_ts_us").sort(_SORT)
    previous_until = pl.col("valid_until_ts_us").shift(1).over(_KEY)
    overlapping = ordered.filter(pl.col("valid_from_ts_us") < previous_until)
    if overlapping.height:
        raise ValueError(
            "dim_symbol invariant broken: windows must not overlap per "
            f"(exchange, exchange_symbol); offending: {_keys_text(overlapping, _KEY)}"
        )


def validate(dim: pl.DataFrame) -> None:
    """Check the ``dim_symbol`` invariants; return None when they all hold.

    Checked in this order: the exact schema (missing/unexpected columns, dtypes, nulls in
    required columns); ``valid_until_ts_us > valid_from_ts_us``; ``is_current`` is True
    exactly for open rows (``valid_until_ts_us == VALID_UNTIL_MAX``); at most one current
    row per (exchange, exchange_symbol); no overlapping windows per (exchange,
    exchange_symbol); ``symbol_id`` unique.

    Raises:
        ValueError: naming the broken invariant and (up to ten of) the offending keys.
    """
    _check_schema(dim)
    _check_positive_windows(dim)
    is_open = pl.col("valid_until_ts_us") == VALID_UNTIL_MAX
    inconsistent = dim.filter(pl.col("is_current") != is_open)
    if inconsistent.height:
        raise ValueError(
            "dim_symbol invariant broken: is_current must be True exactly when "
            f"valid_until_ts_us == VALID_UNTIL_MAX ({VALID_UNTIL_MAX}); offending "
            f"(exchange, exchange_symbol, valid_from_ts_us): {_keys_text(inconsistent, _SORT)}"
        )
    several = dim.filter(pl.col("is_current")).filter(pl.len().over(_KEY) > 1)
    if several.height:
        raise ValueError(
            "dim_symbol invariant broken: at most one is_current row per "
            f"(exchange, exchange_symbol); offending: {_keys_text(several, _KEY)}"
        )
    _check_no_overlap(dim)
    repeated = dim.filter(pl.col("symbol_id").is_duplicated())
    if repeated.height:
        raise ValueError(
            "dim_symbol invariant broken: symbol_id must be unique; repeated symbol_id: "
            f"{_keys_text(repeated, ['symbol_id'])}"
        )


# --------------------------------------------------------------------------- snapshots


def _check_ts(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int (UTC microseconds), got {value!r}")
    if not 0 <= value < VALID_UNTIL_MAX:
        raise ValueError(f"{name} must be in [0, {VALID_UNTIL_MAX}), got {value}")
    return value


def _scaled_column(snapshot: pl.DataFrame, name: str, scale: int) -> pl.Series:
    if name not in snapshot.columns:
        return pl.Series(name, [None] * snapshot.height, dtype=pl.Int64)
    column = snapshot[name]
    if column.dtype == pl.Null:
        return column.cast(pl.Int64)
    if column.dtype.is_integer():
        return column.cast(pl.Int64)
    if column.dtype != pl.Utf8:
        raise ValueError(
            f"snapshot column {name!r}: expected decimal text (Utf8) or scaled integers, "
            f"got {column.dtype}"
        )
    values = snapshot.select(decimal_to_fixed(pl.col(name), scale=scale)).to_series()
    text_present = column.is_not_null() & (column.str.strip_chars() != "")
    failed = snapshot.filter(text_present & values.is_null())
    if failed.height:
        examples = ", ".join(
            f"{e}|{s}: {t!r}" for e, s, t in failed.select(*_KEY, name).rows()[:_MAX_KEYS_SHOWN]
        )
        raise ValueError(
            f"snapshot column {name!r}: decimal text that does not convert exactly at scale "
            f"{scale} (exchange|exchange_symbol: text): {examples}"
        )
    return values.alias(name)


def _normalise_snapshot(snapshot: pl.DataFrame) -> pl.DataFrame:
    """Exchange, exchange_symbol, the tracked columns (scaled Int64), checked; other columns
    are ignored."""
    if not isinstance(snapshot, pl.DataFrame):
        raise ValueError(f"snapshot must be a polars DataFrame, got {type(snapshot).__name__}")
    missing = [c for c in SNAPSHOT_REQUIRED_COLUMNS if c not in snapshot.columns]
    if missing:
        raise ValueError(f"snapshot: missing required columns {missing}")
    not_text = [
        f"{c}: {snapshot.schema[c]}"
        for c in SNAPSHOT_REQUIRED_COLUMNS
        if snapshot.schema[c] not in (pl.Utf8, pl.Null)
    ]
    if not_text:
        raise ValueError(f"snapshot: columns must be text (Utf8), got {not_text}")
    nulls = [c for c in SNAPSHOT_REQUIRED_COLUMNS if snapshot[c].null_count()]
    if nulls:
        raise ValueError(f"snapshot: null values in required column(s) {nulls}")
    repeated = snapshot.filter(pl.struct(_KEY).is_duplicated())
    if repeated.height:
        raise ValueError(
            "snapshot: duplicate (exchange, exchange_symbol) rows: " + _keys_text(repeated, _KEY)
        )
    return snapshot.select(
        *[pl.col(c).cast(pl.Utf8) for c in SNAPSHOT_REQUIRED_COLUMNS],
        *[_scaled_column(snapshot, c, s) for c, s in SNAPSHOT_SCALED_COLUMNS.items()],
    )


def _open_rows(snap: pl.DataFrame, effective_ts_us: int) -> pl.DataFrame:
    rows = snap.with_columns(
        pl.lit(effective_ts_us, pl.Int64).alias("valid_from_ts_us"),
        pl.lit(VALID_UNTIL_MAX, pl.Int64).alias("valid_until_ts_us"),
        pl.lit(True).alias("is_current"),
        pl.lit(effective_ts_us, pl.Int64).alias("updated_at_ts_us"),
    )
    return assign_symbol_ids(rows).select(list(_SCHEMA))


def _finish(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [p.select(list(_SCHEMA)).cast(dict(_SCHEMA)) for p in parts]
    return pl.concat(frames, how="vertical").sort(_SORT)


def bootstrap(snapshot: pl.DataFrame, effective_ts_us: int) -> pl.DataFrame:
    """A new dimension from a snapshot: every row opens at ``effective_ts_us``.

    Args:
        snapshot: one row per (exchange, exchange_symbol) with the columns of
            :data:`SNAPSHOT_REQUIRED_COLUMNS` (text) and optionally tick_size (price scale),
            lot_size and contract_size (qty scale) as decimal text, converted exactly, or as
            already scaled integers. Other columns are ignored.
        effective_ts_us: when the snapshot became true (UTC microseconds).

    Returns:
        Rows with valid_until = :data:`VALID_UNTIL_MAX`, is_current True and
        updated_at_ts_us = effective_ts_us (deterministic: no wall clock).

    Raises:
        ValueError: a missing or null required column, a duplicate (exchange,
            exchange_symbol), or a size text that does not convert exactly (naming the
            column, the symbol and the text).
    """
    effective_ts_us = _check_ts("effective_ts_us", effective_ts_us)
    return _finish([_open_rows(_normalise_snapshot(snapshot), effective_ts_us)])


# --------------------------------------------------------------------------- upsert


def _normalise_delistings(delistings: pl.DataFrame) -> pl.DataFrame:
    needed = [*_KEY, "delisted_at_ts_us"]
    missing = [c for c in needed if c not in delistings.columns]
    if missing:
        raise ValueError(f"delistings: missing required columns {missing}")
    if not delistings.schema["delisted_at_ts_us"].is_integer():
        raise ValueError(
            "delistings: delisted_at_ts_us must be integer microseconds, got "
            f"{delistings.schema['delisted_at_ts_us']}"
        )
    nulls = [c for c in needed if delistings[c].null_count()]
    if nulls:
        raise ValueError(f"delistings: null values in column(s) {nulls}")
    out_of_range = delistings.filter(
        (pl.col("delisted_at_ts_us") < 0) | (pl.col("delisted_at_ts_us") >= VALID_UNTIL_MAX)
    )
    if out_of_range.height:
        raise ValueError(
            f"delistings: delisted_at_ts_us must be in [0, {VALID_UNTIL_MAX}); offending: "
            + _keys_text(out_of_range, [*_KEY, "delisted_at_ts_us"])
        )
    out = delistings.select(
        pl.col("exchange").cast(pl.Utf8),
        pl.col("exchange_symbol").cast(pl.Utf8),
        pl.col("delisted_at_ts_us").cast(pl.Int64),
    )
    repeated = out.filter(pl.struct(_KEY).is_duplicated())
    if repeated.height:
        raise ValueError(
            "delistings: duplicate (exchange, exchange_symbol) rows: " + _keys_text(repeated, _KEY)
        )
    return out


def _tracked_changed() -> pl.Expr:
    same = [pl.col(c).eq_missing(pl.col(f"{c}__new")) for c in TRACKED_COLUMNS]
    return ~pl.all_horizontal(same)


def upsert(
    dim: pl.DataFrame,
    snapshot: pl.DataFrame,
    effective_ts_us: int,
    *,
    delistings: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Apply a full snapshot, taken at ``effective_ts_us``, as an SCD2 change.

    Scope is per exchange present in the snapshot; rows of other exchanges are kept as they
    are. Within scope: a new symbol opens a row; a symbol whose tracked columns
    (:data:`TRACKED_COLUMNS`, null equal to null) changed has its current row closed at
    ``effective_ts_us`` and a new row opened there; an unchanged symbol is untouched; a
    current symbol missing from the snapshot is closed at ``effective_ts_us`` (implicit
    delisting). A symbol without a current row that appears again opens a new row.

    With ``delistings`` (columns exchange, exchange_symbol, delisted_at_ts_us) nothing is
    closed implicitly: exactly the listed symbols are closed, each at its own
    ``delisted_at_ts_us``, whatever exchange they belong to. A listed symbol whose rows are
    all closed already is left as it is (so re-running the same upsert changes nothing).

    Every row opened or closed gets ``updated_at_ts_us = effective_ts_us``.

    Args:
        dim: the current dimension (exact ``DIM_SYMBOL`` schema, valid; may be empty).
        snapshot: as for :func:`bootstrap`.
        effective_ts_us: when the snapshot became true (UTC microseconds).
        delistings: optional explicit delistings.

    Returns:
        The new dimension, sorted by (exchange, exchange_symbol, valid_from_ts_us).

    Raises:
        ValueError: an invalid ``dim``/``snapshot``/``delistings``; ``effective_ts_us`` (or a
            ``delisted_at_ts_us``) not later than the ``valid_from_ts_us`` of the current row
            it would close; a symbol both in the snapshot and in ``delistings``; a listed
            symbol unknown to ``dim``; a new row that would overlap an earlier window.
    """
    effective_ts_us = _check_ts("effective_ts_us", effective_ts_us)
    validate(dim)
    dim = dim.select(list(_SCHEMA))
    snap = _normalise_snapshot(snapshot)
    eff = pl.lit(effective_ts_us, pl.Int64)

    current = dim.filter(pl.col("is_current"))
    history = dim.filter(~pl.col("is_current"))
    both = current.join(snap.rename({c: f"{c}__new" for c in TRACKED_COLUMNS}), on=_KEY)
    changed = both.filter(_tracked_changed()).select(list(_SCHEMA))
    unchanged = both.filter(~_tracked_changed()).select(list(_SCHEMA))
    not_in_snapshot = current.join(snap, on=_KEY, how="anti")

    if delistings is None:
        in_scope = not_in_snapshot.join(snap.select("exchange").unique(), on="exchange", how="semi")
        closing = in_scope.with_columns(eff.alias("__until"))
        kept = not_in_snapshot.join(in_scope, on=_KEY, how="anti")
    else:
        listed = _normalise_delistings(delistings)
        in_both = listed.join(snap, on=_KEY, how="semi")
        if in_both.height:
            raise ValueError(
                "delistings name symbols that are also in the snapshot: "
                + _keys_text(in_both, _KEY)
            )
        unknown = listed.join(dim, on=_KEY, how="anti")
        if unknown.height:
            raise ValueError(
                "delistings name symbols unknown to dim_symbol: " + _keys_text(unknown, _KEY)
            )
        closing = not_in_snapshot.join(
            listed.rename({"delisted_at_ts_us": "__until"}), on=_KEY, how="inner"
        )
        kept = not_in_snapshot.join(listed, on=_KEY, how="anti")

    closing = pl.concat([changed.with_columns(eff.alias("__until")), closing])
    too_early = closing.filter(pl.col("__until") <= pl.col("valid_from_ts_us"))
    if too_early.height:
        raise ValueError(
            "the closing time (effective_ts_us or delisted_at_ts_us) must be later than "
            "valid_from_ts_us of the current row it closes (valid_until_ts_us > "
            "valid_from_ts_us); offending (exchange, exchange_symbol, valid_from_ts_us): "
            f"{_keys_text(too_early, _SORT)}"
        )
    closed = closing.with_columns(
        pl.col("__until").alias("valid_until_ts_us"),
        pl.lit(False).alias("is_current"),
        eff.alias("updated_at_ts_us"),
    )

    opening = snap.join(unchanged, on=_KEY, how="anti")
    last_until = history.group_by(_KEY).agg(pl.col("valid_until_ts_us").max().alias("__last"))
    overlapping = opening.join(last_until, on=_KEY).filter(pl.col("__last") > effective_ts_us)
    if overlapping.height:
        raise ValueError(
            f"effective_ts_us ({effective_ts_us}) is earlier than the end of an existing "
            "window of the same symbol, so the new row would overlap it; offending "
            f"(exchange, exchange_symbol): {_keys_text(overlapping, _KEY)}"
        )
    result = _finish([history, kept, unchanged, closed, _open_rows(opening, effective_ts_us)])
    validate(result)
    return result


# --------------------------------------------------------------------------- PIT lookup

_DIM_LOOKUP_COLUMNS = (
    "exchange",
    "exchange_symbol",
    "symbol_id",
    "valid_from_ts_us",
    "valid_until_ts_us",
)


def check_lookup_windows(dim: pl.DataFrame) -> None:
    """Raise ``ValueError`` when dim windows are empty or overlap (a row would match two)."""
    _check_positive_windows(dim)
    _check_no_overlap(dim)


def resolve_symbol_ids(
    events: FrameT,
    dim: pl.DataFrame,
    *,
    ts_col: str = "ts_event_us",
    check_windows: bool = True,
) -> FrameT:
    """Point-in-time symbol ids: for each event, the dim row whose window holds its time.

    A row of ``events`` (columns exchange, symbol and ``ts_col``) gets the ``symbol_id`` of
    the ``dim`` row with the same (exchange, exchange_symbol) and
    ``valid_from_ts_us <= ts < valid_until_ts_us``; null where no window holds it (unknown
    symbol, time outside every window, null time). An existing ``symbol_id`` column is
    replaced. Row order and row count are kept exactly.

    ``dim`` needs only exchange, exchange_symbol, symbol_id, valid_from_ts_us and
    valid_until_ts_us. A LazyFrame stays lazy (the lookup runs per batch when collected).

    Raises:
        ValueError: a missing column, or ``dim`` windows that are empty or overlap (one
            event would match two rows).
    """
    needed = list(_DIM_LOOKUP_COLUMNS)
    missing = [c for c in needed if c not in dim.columns]
    if missing:
        raise ValueError(f"resolve_symbol_ids: dim is missing columns {missing}")
    event_columns = events.collect_schema().names()
    missing = [c for c in ("exchange", "symbol", ts_col) if c not in event_columns]
    if missing:
        raise ValueError(f"resolve_symbol_ids: events are missing columns {missing}")
    windows = dim.select(needed)
    if check_windows:  # callers resolving many frames against one dim check it once instead
        check_lookup_windows(windows)
    windows = windows.select(
        pl.col("exchange").cast(pl.Utf8),
        pl.col("exchange_symbol").cast(pl.Utf8).alias("symbol"),
        pl.col("symbol_id").cast(pl.Int64).alias("__sid"),
        pl.col("valid_from_ts_us").alias("__from"),
        pl.col("valid_until_ts_us").alias("__until"),
    )
    if isinstance(events, pl.LazyFrame):
        schema = events.collect_schema()
        schema["symbol_id"] = pl.Int64
        # Each row's id depends on that row only, so batches (streaming) give the same result;
        # no predicate may be pushed below: it could read the symbol_id made here.
        return events.map_batches(
            lambda batch: _resolve_frame(batch, windows, ts_col),
            schema=schema,
            streamable=True,
        )
    return _resolve_frame(events, windows, ts_col)


def _resolve_frame(events: pl.DataFrame, windows: pl.DataFrame, ts_col: str) -> pl.DataFrame:
    """Join the keys to their windows, keep the window holding the time, scatter the ids back
    to the rows' positions (faster than a second join back on a row index)."""
    found = (
        events.lazy()
        .select(pl.col("exchange").cast(pl.Utf8), pl.col("symbol").cast(pl.Utf8), pl.col(ts_col))
        .with_row_index("__row")
        .join(windows.lazy(), on=["exchange", "symbol"], how="inner")
        .filter((pl.col("__from") <= pl.col(ts_col)) & (pl.col(ts_col) < pl.col("__until")))
        .select("__row", "__sid")
        .collect()
    )
    ids = pl.repeat(None, events.height, dtype=pl.Int64, eager=True).scatter(
        found["__row"], found["__sid"]
    )
    return events.with_columns(ids.alias("symbol_id"))
