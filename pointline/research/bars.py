"""Spines: the bar boundaries (clock, trades, volume, dollar) of some symbols.

A spine row says "a bar of this symbol closes here": ``ts_us`` is the bar's exclusive close.
:func:`pointline.research.align` then attaches to each row the latest event strictly before
``ts_us``, so nothing at or after a bar's close leaks into it.

* ``"clock"``: a row at every multiple of ``every`` (counted from the epoch) in
  ``(start, end]``, for each dim_symbol window of the symbols that covers it: a boundary ``b``
  belongs to the window ``[valid_from, valid_until)`` when ``valid_from < b <= valid_until``
  (the events before ``b`` are then the window's own). A delisted symbol's spine stops at its
  delisting; across a rename the boundaries move to the new exchange symbol.
* ``"trades"``: a row after every ``size``-th trade.
* ``"volume"`` / ``"dollar"``: a row at the trade where the cumulative quantity / notional
  (``price * qty`` in quote units) first reaches each multiple of ``size``; a trade that
  crosses several multiples gives one row per multiple (same ``ts_us``, consecutive
  ``bar``). Sums are exact: Int128 over the scaled integers, never Float64 or Int64.

Trades are counted per ``symbol_id`` in the table's tie-break order, in ``[start, end)`` of
``ts_event_us``; ``ts_us`` of a trade-driven row is the completing trade's ``ts_event_us + 1``.
``bar`` numbers the rows of each ``symbol_id`` from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

import polars as pl

from pointline.research.resolve import resolve
from pointline.research.times import Duration, Instant, duration_us, to_range_us
from pointline.schemas.types import PRICE_SCALE, QTY_SCALE

if TYPE_CHECKING:
    from pointline.research.lake_reads import ResearchReads

SpineKind = Literal["clock", "trades", "volume", "dollar"]
SPINE_KINDS: tuple[str, ...] = ("clock", "trades", "volume", "dollar")
SPINE_SCHEMA = pl.Schema(
    {"symbol_id": pl.Int64, "symbol": pl.Utf8, "ts_us": pl.Int64, "bar": pl.Int64}
)
MAX_SPINE_ROWS = 200_000_000
"""A spine larger than this is refused (a typo such as every=1 over a year)."""
_ORDER = ["ts_us", "symbol", "bar"]


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SPINE_SCHEMA)


def _scaled_size(size: int | str | Decimal | float, scale: int, kind: str) -> int:
    """``size`` in natural units as an exact integer at ``scale``."""
    accepted = (
        f"size for kind={kind!r} is a positive number in natural units (10 means 10 BTC or "
        "10 USDT), as int, Decimal, float or decimal text"
    )
    if isinstance(size, bool):
        raise ValueError(f"size={size!r}: {accepted}")
    try:
        value = Decimal(str(size)) * scale
    except InvalidOperation:
        raise ValueError(f"size={size!r}: {accepted}") from None
    if not value.is_finite() or value <= 0 or value != value.to_integral_value():
        raise ValueError(f"size={size!r}: {accepted}, at most 1e-9 (or 1e-18 notional) precise")
    return int(value)


def _clock(dim_rows: pl.DataFrame, start_us: int, end_us: int, every_us: int) -> pl.DataFrame:
    first = (start_us // every_us + 1) * every_us  # the first multiple > start
    last = (end_us // every_us) * every_us  # the last multiple <= end
    if last < first:
        return _empty()
    windows = dim_rows.select(
        "symbol_id",
        pl.col("exchange_symbol").alias("symbol"),
        # the first multiple > valid_from and the last <= valid_until, within the range
        pl.max_horizontal(
            (pl.col("valid_from_ts_us") // every_us + 1) * every_us, pl.lit(first)
        ).alias("lo"),
        pl.min_horizontal((pl.col("valid_until_ts_us") // every_us) * every_us, pl.lit(last)).alias(
            "hi"
        ),
    ).filter(pl.col("lo") <= pl.col("hi"))
    total = windows.select(((pl.col("hi") - pl.col("lo")) // every_us + 1).sum()).item()
    if total and total > MAX_SPINE_ROWS:
        raise ValueError(
            f"a clock spine with every={every_us} µs over this range has {total} rows, more than "
            f"{MAX_SPINE_ROWS}; give a coarser every or a shorter range"
        )
    if windows.is_empty():
        return _empty()
    return (
        windows.select(
            "symbol_id",
            "symbol",
            pl.int_ranges("lo", pl.col("hi") + every_us, every_us, dtype=pl.Int64).alias("ts_us"),
        )
        .explode("ts_us")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("symbol_id").alias("bar"))
    )


def _multiples(trades: pl.DataFrame, amount: pl.Expr, threshold: int) -> pl.DataFrame:
    """A row per multiple of ``threshold`` that the cumulative ``amount`` (Int128) reaches."""
    reached = trades.select(
        "symbol_id",
        "symbol",
        (pl.col("ts_event_us") + 1).alias("ts_us"),
        (amount.cum_sum().over("symbol_id") // pl.lit(threshold, dtype=pl.Int128))
        .cast(pl.Int64)
        .alias("__to"),
    )
    counted = reached.with_columns(
        pl.col("__to").shift(1, fill_value=0).over("symbol_id").alias("__from")
    ).filter(pl.col("__to") > pl.col("__from"))
    total = counted.select((pl.col("__to") - pl.col("__from")).sum()).item()
    if total and total > MAX_SPINE_ROWS:
        raise ValueError(
            f"this size gives {total} bars, more than {MAX_SPINE_ROWS}; give a larger size"
        )
    return counted.select(
        "symbol_id",
        "symbol",
        "ts_us",
        pl.int_ranges("__from", "__to", dtype=pl.Int64).alias("bar"),
    ).explode("bar")


def spine(
    lake: ResearchReads,
    kind: SpineKind,
    *,
    exchange: str,
    symbols: str | Sequence[str],
    start: Instant,
    end: Instant,
    every: Duration | None = None,
    size: int | str | Decimal | float | None = None,
) -> pl.DataFrame:
    """The bar boundaries of ``symbols`` on ``exchange``: columns symbol_id, symbol, ts_us, bar.

    Args:
        lake: the lake (a :class:`pointline.v2.Lake`).
        kind: ``"clock"`` (needs ``every``), ``"trades"``, ``"volume"`` or ``"dollar"`` (need
            ``size``).
        exchange: the exchange.
        symbols: exchange or canonical symbols, resolved point in time as in ``lake.load``.
        start: range start (µs, date or ISO text).
        end: range end; clock boundaries lie in ``(start, end]``, trades in ``[start, end)``.
        every: the clock period (``"1s"``, ``"100ms"``, ``"1m"``, or µs).
        size: trades per bar (a positive int) for ``"trades"``; quantity (base units) or
            notional (quote units) per bar for ``"volume"`` / ``"dollar"``, not scaled.

    Returns:
        The spine ordered by (ts_us, symbol, bar); an empty range gives an empty frame with
        these columns.

    Raises:
        ValueError: an unknown kind, a missing or invalid ``every``/``size``, ``end`` before
            ``start``, or an unknown exchange or symbol (the message says what is accepted).
    """
    if kind not in SPINE_KINDS:
        raise ValueError(f"kind={kind!r} is not a spine kind; give one of {list(SPINE_KINDS)}")
    start_us, end_us = to_range_us(start, end)
    if kind == "clock":
        if every is None or size is not None:
            raise ValueError("kind='clock' takes every= (e.g. '1s', '1m') and no size=")
        every_us = duration_us(every, name="every")
        dim_rows = resolve(lake.symbols(), exchange=exchange, symbols=symbols)
        return _clock(dim_rows, start_us, end_us, every_us).select(list(SPINE_SCHEMA)).sort(_ORDER)
    if size is None or every is not None:
        raise ValueError(f"kind={kind!r} takes size= and no every=")
    if kind == "trades":
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"size={size!r}: kind='trades' takes a positive int (trades per bar)")
    else:
        threshold = _scaled_size(
            size, QTY_SCALE if kind == "volume" else QTY_SCALE * PRICE_SCALE, kind
        )
    trades = lake.load(
        "trades",
        exchange=exchange,
        symbols=symbols,
        start=start_us,
        end=end_us,
        columns=["symbol_id", "symbol", "ts_event_us", "price", "qty"],
    ).collect()
    if trades.is_empty():
        return _empty()
    if kind == "trades":
        count = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("symbol_id")
        out = trades.with_columns(count.alias("__n")).filter(pl.col("__n") % size == 0)
        out = out.select(
            "symbol_id",
            "symbol",
            (pl.col("ts_event_us") + 1).alias("ts_us"),
            (pl.col("__n") // size - 1).alias("bar"),
        )
    elif kind == "volume":
        out = _multiples(trades, pl.col("qty").cast(pl.Int128), threshold)
    else:
        notional = pl.col("price").cast(pl.Int128) * pl.col("qty").cast(pl.Int128)
        out = _multiples(trades, notional, threshold)
    return out.select(list(SPINE_SCHEMA)).sort(_ORDER)
