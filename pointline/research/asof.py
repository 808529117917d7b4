"""Strict as-of alignment of events onto a spine: no look-ahead.

For each spine row, the latest event (per ``by`` group) whose ``time`` is strictly before the
row's ``ts_us``: an event exactly at ``ts_us`` belongs to the next bar, never to this one.
This is Polars' ``join_asof`` (backward, ``allow_exact_matches=False``), vectorised, run on
the keys alone (``by``, time, row number); the matched event rows are then gathered. The only
work added is what makes the answer right: ``join_asof`` needs each group's times sorted,
which is checked in one pass (frames sorted by time need nothing more) and established by a
stable sort of the keys when not, so that of several events at one time the last in the
input's order wins.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from pointline.research.times import Duration, duration_us

SUFFIX = "_event"
_KEY = "__pointline_asof_key"
_ROW = "__pointline_spine_row"
_IDX = "__pointline_event_row"


def _frame(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return df.collect() if isinstance(df, pl.LazyFrame) else df


def _sorted_within(df: pl.DataFrame, time: str, by: list[str]) -> bool:
    """Whether ``time`` never decreases inside a ``by`` group (cheapest checks first)."""
    if df.height < 2 or df.get_column(time).is_sorted():
        return True
    if len(by) != 1 or not df.get_column(by[0]).is_sorted():
        return False  # not sorted by (by, time) either; sorting is cheaper than checking
    group = pl.col(by[0])
    same_group = group == group.shift(1)
    ok = (~same_group | (pl.col(time) >= pl.col(time).shift(1))).fill_null(True).all()
    return bool(df.select(ok).item())


def _check_columns(df: pl.DataFrame, what: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {missing}; its columns: {df.columns}")


def align(
    spine: pl.DataFrame | pl.LazyFrame,
    events: pl.DataFrame | pl.LazyFrame,
    *,
    time: str = "ts_local_us",
    by: str | Sequence[str] | None = "symbol_id",
    tolerance: Duration | None = None,
) -> pl.DataFrame:
    """Attach to each spine row the latest event strictly before its ``ts_us``.

    Args:
        spine: rows with ``ts_us`` (integer µs) and the ``by`` columns, e.g. from
            :func:`pointline.research.spine`.
        events: rows with ``time`` (integer µs) and the ``by`` columns, e.g. from
            ``lake.load``. Rows whose ``time`` is null are never matched.
        time: the events' time column: ``"ts_local_us"`` (when the data arrived, the default:
            what a live strategy could have seen) or ``"ts_event_us"`` (exchange time).
        by: match within these columns (default ``"symbol_id"``); None for one series.
        tolerance: leave out events older than this (µs or text such as ``"5s"``): an event
            at ``t`` matches a row at ``ts_us`` only when ``ts_us - tolerance <= t < ts_us``.

    Returns:
        The spine's rows in its order, its columns first, then the event columns (``by``
        once; an event column whose name the spine has gets the suffix ``"_event"``), null
        where no event qualifies.

    Raises:
        ValueError: a missing column, a non-integer ``ts_us``/``time`` or a bad ``tolerance``.
    """
    spine, events = _frame(spine), _frame(events)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _check_columns(spine, "spine", ["ts_us", *by_cols])
    _check_columns(events, "events", [time, *by_cols])
    for frame, what, column in ((spine, "spine", "ts_us"), (events, "events", time)):
        if not frame.schema[column].is_integer():
            raise ValueError(
                f"{what} column {column!r} must hold integer microseconds, "
                f"got {frame.schema[column]}"
            )
    wrong = [c for c in by_cols if spine.schema[c] != events.schema[c]]
    if wrong:
        raise ValueError(f"by column(s) {wrong} have different dtypes in spine and events")
    if spine.get_column("ts_us").null_count():
        raise ValueError("spine column 'ts_us' holds nulls; every spine row needs a time")
    tol = None if tolerance is None else duration_us(tolerance, name="tolerance")

    # Join on the keys only (by, time, row number), then gather the matched rows: sorting,
    # when needed, moves three columns instead of every column of the events.
    keys = events.select(*by_cols, pl.col(time).cast(pl.Int64).alias(_KEY)).with_row_index(_IDX)
    if events.get_column(time).null_count():
        keys = keys.filter(pl.col(_KEY).is_not_null())
    if not _sorted_within(keys, _KEY, by_cols):
        keys = keys.sort(_KEY, maintain_order=True)
    restore = not _sorted_within(spine, "ts_us", by_cols)
    left = spine.select(*by_cols, pl.col("ts_us").cast(pl.Int64).alias(_KEY))
    if restore:
        left = left.with_row_index(_ROW).sort(_KEY, maintain_order=True)
    matched = left.join_asof(
        keys,
        on=_KEY,
        by=by_cols or None,
        strategy="backward",
        allow_exact_matches=False,
        tolerance=tol,
        check_sortedness=False,
    )
    if restore:
        matched = matched.sort(_ROW)
    clashes = {c: c + SUFFIX for c in events.columns if c in spine.columns and c not in by_cols}
    gathered = events.drop(by_cols).rename(clashes).select(pl.all().gather(matched[_IDX]))
    return pl.concat([spine, gathered], how="horizontal")
