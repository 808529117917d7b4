"""``book``: the order book rebuilt from ``orderbook_updates``, sampled on a clock.

Rules (``shared/spec/api.md``, ``lake.book``):

* Replay order: the replay time ``ts_local_us`` (``ts_event_us`` where the arrival time is
  null), then ``file_id``, then ``file_seq``.
* A run of ``is_snapshot`` rows that starts the stream or follows a non-snapshot row replaces
  the whole book (Tardis' rule); a ``qty`` of 0 removes the level; any other ``qty``
  (negative included) is the level's new size.
* One row per ``every`` boundary in ``(start, end]``: the boundaries are the multiples of
  ``every`` since the epoch (``"1m"`` gives ``10:01:00``, ``10:02:00``, ... whatever second
  ``start`` falls on). The row at boundary ``b`` holds the book after every update whose replay
  time is ``< b``, best level first, at most ``depth`` per side; ``updates`` counts the
  updates whose replay time is in ``[b - every, b)``; ``crossed`` is ``best bid >= best ask``
  (False while a side is empty). Crossed books and negative sizes are reported as they are.
  A row depends only on its boundary, never on ``start``.
* ``symbol_id`` is the ``dim_symbol`` id of (exchange, symbol) valid at ``b - 1``, the last
  instant the row describes (null outside every validity window).

Where the replay starts: at the last snapshot run that starts before the first boundary. The
spec says "from the last snapshot before ``start``"; both give the same rows, because a reset
forgets everything before it. The run is looked for among the rows of the day (00:00 UTC) of
the first boundary's interval ``b₁ - every`` (Tardis starts every daily file with a snapshot)
and, when that day has none before ``b₁``, among those of the day before too. When neither
has one, the replay starts from an empty book at the first update read (the book then holds
only the levels those updates set, until the next snapshot). Exchange and arrival clocks are
taken to differ by less than :data:`MAX_CLOCK_SKEW_US`: rows are selected on ``ts_event_us``
(which prunes partitions) with that margin, then on the replay time exactly.

Exact: prices and quantities stay the scaled ``Int64`` of the table. Fast: the replay is one
compiled pass (numba, the ``pointline[research]`` extra) over arrays sorted once by Polars on
the replay time, the rare ties out of file order then found by a compiled pass and put in
order by numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pyarrow as pa

from pointline.research._book_kernel import misordered_runs, replay
from pointline.research.times import Duration, Instant, duration_us, to_us

if TYPE_CHECKING:
    from pointline.v2.lake import Lake

__all__ = ["BOOK_SCHEMA", "MAX_CLOCK_SKEW_US", "book"]

MAX_CLOCK_SKEW_US = 60_000_000
"""Rows whose ``ts_event_us`` is further than this from the read window are not read."""
MAX_BOUNDARIES = 50_000_000
"""More output rows than this is refused (a typo such as ``every="1us"`` over a year)."""

BOOK_SCHEMA = pl.Schema(
    {
        "symbol_id": pl.Int64,
        "symbol": pl.Utf8,
        "ts_us": pl.Int64,
        "bid_price_levels": pl.List(pl.Int64),
        "bid_qty_levels": pl.List(pl.Int64),
        "ask_price_levels": pl.List(pl.Int64),
        "ask_qty_levels": pl.List(pl.Int64),
        "updates": pl.Int64,
        "crossed": pl.Boolean,
    }
)

_US_PER_DAY = 86_400_000_000
_TABLE = "orderbook_updates"


def _boundaries(start: int, end: int, every: int) -> np.ndarray:
    """The multiples of ``every`` in ``(start, end]``."""
    first = (start // every + 1) * every
    last = (end // every) * every
    if last < first:
        return np.empty(0, dtype=np.int64)
    count = (last - first) // every + 1
    if count > MAX_BOUNDARIES:
        raise ValueError(
            f"(start, end] holds {count:,} boundaries of {every} µs, more than "
            f"{MAX_BOUNDARIES:,}: give a shorter range or a longer `every`"
        )
    return first + every * np.arange(count, dtype=np.int64)


def _symbol_windows(lake: Lake, exchange: str, symbol: str) -> pl.DataFrame:
    """The dim_symbol windows of (exchange, symbol), by valid_from.

    Raises:
        ValueError: the lake has no such symbol; the message lists what it has.
    """
    dim = lake.symbols()
    on_exchange = dim.filter(pl.col("exchange") == exchange)
    windows = on_exchange.filter(pl.col("exchange_symbol") == symbol)
    if windows.height:
        return windows.select("symbol_id", "valid_from_ts_us", "valid_until_ts_us").sort(
            "valid_from_ts_us"
        )
    if on_exchange.is_empty():
        exchanges = sorted(dim.get_column("exchange").unique().to_list())
        raise ValueError(
            f"unknown exchange {exchange!r}: dim_symbol has no symbol on it; "
            f"exchanges in dim_symbol: {exchanges}"
        )
    known = sorted(on_exchange.get_column("exchange_symbol").unique().to_list())
    shown = ", ".join(known[:20]) + (f", ... ({len(known)} in all)" if len(known) > 20 else "")
    raise ValueError(
        f"unknown symbol {symbol!r} on {exchange!r}: give an exchange symbol as the vendor "
        f"writes it; dim_symbol has: {shown}"
    )


Columns = dict[str, np.ndarray]
"""The updates as numpy arrays by name: t, file_id, file_seq, is_bid, price, qty, is_snapshot."""


def _read_updates(
    lake: Lake, exchange: str, symbol: str, read_from: int, read_to: int, until: int
) -> pl.DataFrame:
    """Updates with ``read_from <= ts_event_us < read_to`` and replay time ``< until``, sorted
    by the replay time ``t`` alone (see :func:`_order_ties`), as columns t, file_id, file_seq,
    is_bid, price, qty, is_snapshot."""
    replay_time = pl.coalesce("ts_local_us", "ts_event_us")
    # ingestion keeps only rows whose side is "bid" or "ask", so not "bid" means "ask"
    return (
        lake.scan(_TABLE, exchange=exchange, symbols=[symbol], start=read_from, end=read_to)
        .filter(replay_time < until)
        .select(
            replay_time.alias("t"),
            "file_id",
            "file_seq",
            (pl.col("side") == "bid").alias("is_bid"),
            "price",
            "qty",
            "is_snapshot",
        )
        .sort("t")  # Polars drops the scan's own (tie-break) sort before this one
        .collect()
    )


def _order_ties(frame: pl.DataFrame) -> Columns:
    """``frame`` sorted by ``t`` alone -> its columns in replay order: rows sharing a ``t`` by
    (file_id, file_seq). Polars sorts on the one key; one compiled pass finds the few runs of
    ties out of file order, and only their rows are reordered (a sort or a gather of every row
    on three keys costs more than the rest of the replay). Exact: (file_id, file_seq) is
    unique, so the order is total."""
    columns = {name: frame.get_column(name).to_numpy() for name in frame.columns}
    runs = misordered_runs(columns["t"], columns["file_id"], columns["file_seq"])
    if runs.shape[0] == 0:
        return columns
    rows = np.concatenate([np.arange(start, stop) for start, stop in runs.tolist()])
    run_of = np.repeat(np.arange(runs.shape[0]), runs[:, 1] - runs[:, 0])
    moved = rows[np.lexsort((columns["file_seq"][rows], columns["file_id"][rows], run_of))]
    for name, values in columns.items():
        if not values.flags.writeable:  # a view of Polars' memory (a frame of one chunk)
            values = columns[name] = values.copy()
        values[rows] = values[moved]
    return columns


def _last_run_start(columns: Columns, before: int) -> int | None:
    """Index of the last update that starts a snapshot run with replay time ``< before``."""
    t, is_snapshot = columns["t"], columns["is_snapshot"]
    starts = is_snapshot.copy()
    starts[1:] &= ~is_snapshot[:-1]
    candidates = np.flatnonzero(starts[: np.searchsorted(t, before, side="left")])
    return int(candidates[-1]) if candidates.size else None


def _list_column(name: str, offsets: np.ndarray, values: np.ndarray) -> pl.Series:
    """Row k is ``values[offsets[k]:offsets[k+1]]``, as a List(Int64) column (no copy)."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.int64()))
    return pl.Series(name, lists, dtype=pl.List(pl.Int64))


def _symbol_ids(windows: pl.DataFrame, bounds: np.ndarray) -> pl.Series:
    """The id of the window holding ``b - 1`` for every boundary ``b`` (null when none)."""
    valid_from = windows.get_column("valid_from_ts_us").to_numpy()
    valid_until = windows.get_column("valid_until_ts_us").to_numpy()
    ids = windows.get_column("symbol_id").to_numpy()
    instant = bounds - 1
    at = np.searchsorted(valid_from, instant, side="right") - 1
    inside = (at >= 0) & (instant < valid_until[np.maximum(at, 0)])
    frame = pl.DataFrame({"id": ids[np.maximum(at, 0)], "inside": inside})
    return frame.select(pl.when("inside").then("id").alias("symbol_id")).to_series()


def book(
    lake: Lake,
    exchange: str,
    symbol: str,
    *,
    start: Instant,
    end: Instant,
    every: Duration,
    depth: int = 10,
) -> pl.DataFrame:
    """The order book of ``symbol`` at every ``every`` boundary in ``(start, end]``.

    Args:
        lake: the lake to read ``orderbook_updates`` from.
        exchange: the exchange (``binance-futures``).
        symbol: the exchange symbol as the vendor writes it (``BTCUSDT``).
        start: exclusive start of the boundaries (any form of :mod:`pointline.research.times`:
            µs, a date, a datetime or ISO text).
        end: inclusive end of the boundaries (same forms).
        every: the clock step: ``"100ms"``, ``"1s"``, ``"1m"`` or µs (see ``times``).
        depth: most levels per side (best first).

    Returns:
        One row per boundary, columns :data:`BOOK_SCHEMA`: ``symbol_id``, ``symbol``, ``ts_us``
        (the boundary), ``bid_price_levels``, ``bid_qty_levels``, ``ask_price_levels``,
        ``ask_qty_levels`` (scaled Int64, best first), ``updates`` and ``crossed``. An empty
        frame of that schema when ``(start, end]`` holds no boundary.

    Raises:
        ValueError: ``every`` is not a positive duration, ``end`` is before ``start``,
            ``depth < 1``, or the exchange or symbol is not in ``dim_symbol``.
        ImportError: numba (``pointline[research]``) is not installed.

    Example::

        frame = book(lake, "binance-futures", "BTCUSDT", start="2024-01-01",
                     end="2024-01-01T00:10:00", every="1s", depth=5)
    """
    step = duration_us(every, name="every")
    start_us, end_us = to_us(start, name="start"), to_us(end, name="end")
    if end_us < start_us:
        raise ValueError(
            f"end ({end!r} = {end_us} µs) is before start ({start!r} = {start_us} µs); "
            "give end >= start (the boundaries are those in (start, end])"
        )
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth={depth!r} is not a level count; give an integer >= 1")
    windows = _symbol_windows(lake, exchange, symbol)
    bounds = _boundaries(start_us, end_us, step)
    if bounds.size == 0:
        return pl.DataFrame(schema=BOOK_SCHEMA)

    first_bound, until = int(bounds[0]), int(bounds[-1])
    day = (first_bound - step) // _US_PER_DAY * _US_PER_DAY
    read = _read_updates(
        lake, exchange, symbol, day - MAX_CLOCK_SKEW_US, until + MAX_CLOCK_SKEW_US, until
    )
    updates = _order_ties(read)
    anchor = _last_run_start(updates, first_bound)
    if anchor is None:  # no snapshot on that day before the first boundary: the day before
        earlier = _read_updates(
            lake,
            exchange,
            symbol,
            day - _US_PER_DAY - MAX_CLOCK_SKEW_US,
            day - MAX_CLOCK_SKEW_US,
            until,
        )
        if earlier.height:
            updates = _order_ties(pl.concat([earlier, read]).sort("t"))
            anchor = _last_run_start(updates, first_bound)
    anchor = anchor or 0
    t = updates["t"]

    bid_offsets, bp, bq, ask_offsets, ap, aq, crossed = replay(
        t[anchor:],
        updates["is_bid"][anchor:],
        updates["price"][anchor:],
        updates["qty"][anchor:],
        updates["is_snapshot"][anchor:],
        bounds,
        depth,
    )
    counts = np.searchsorted(t, bounds, side="left") - np.searchsorted(t, bounds - step, "left")
    return pl.DataFrame(
        [
            _symbol_ids(windows, bounds),
            pl.Series("symbol", [symbol], pl.Utf8).extend_constant(symbol, bounds.size - 1),
            pl.Series("ts_us", bounds, pl.Int64),
            _list_column("bid_price_levels", bid_offsets, bp),
            _list_column("bid_qty_levels", bid_offsets, bq),
            _list_column("ask_price_levels", ask_offsets, ap),
            _list_column("ask_qty_levels", ask_offsets, aq),
            pl.Series("updates", counts.astype(np.int64)),
            pl.Series("crossed", crossed),
        ]
    )
