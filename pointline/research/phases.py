"""The trading phase of China A-share rows (SSE and SZSE), from their time.

In Asia/Shanghai time, each phase including its start and excluding its end:

====================  ==========================
PRE_OPEN_CALL         09:15 - 09:25
PRE_OPEN_BREAK        09:25 - 09:30
CONTINUOUS            09:30 - 11:30, 13:00 - 14:57
LUNCH_BREAK           11:30 - 13:00
CLOSING_CALL          14:57 - 15:00
CLOSED                otherwise
====================  ==========================

The phase follows from the time of day alone: weekends and exchange holidays are not known
here (the lake holds no rows for them).
"""

from __future__ import annotations

import datetime
from typing import TypeVar

import polars as pl

EXCHANGES: tuple[str, ...] = ("sse", "szse")
PHASES: tuple[str, ...] = (
    "PRE_OPEN_CALL",
    "PRE_OPEN_BREAK",
    "CONTINUOUS",
    "LUNCH_BREAK",
    "CLOSING_CALL",
    "CLOSED",
)
TIME_ZONE = "Asia/Shanghai"
_BOUNDS: tuple[tuple[datetime.time, datetime.time, str], ...] = (
    (datetime.time(9, 15), datetime.time(9, 25), "PRE_OPEN_CALL"),
    (datetime.time(9, 25), datetime.time(9, 30), "PRE_OPEN_BREAK"),
    (datetime.time(9, 30), datetime.time(11, 30), "CONTINUOUS"),
    (datetime.time(11, 30), datetime.time(13, 0), "LUNCH_BREAK"),
    (datetime.time(13, 0), datetime.time(14, 57), "CONTINUOUS"),
    (datetime.time(14, 57), datetime.time(15, 0), "CLOSING_CALL"),
)

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def phase_expr(time: str = "ts_event_us") -> pl.Expr:
    """The ``trading_phase`` of the UTC microseconds in column ``time`` (null for null)."""
    local = (
        pl.from_epoch(pl.col(time), time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(TIME_ZONE)
        .dt.time()
    )
    phase = pl.when(pl.col(time).is_null()).then(pl.lit(None, dtype=pl.Utf8))
    for start, end, name in _BOUNDS:
        phase = phase.when((local >= start) & (local < end)).then(pl.lit(name))
    return phase.otherwise(pl.lit("CLOSED")).alias("trading_phase")


def trading_phase(df: FrameT, *, exchange: str, time: str = "ts_event_us") -> FrameT:
    """``df`` with a ``trading_phase`` column (text, one of :data:`PHASES`).

    Args:
        df: rows of an SSE or SZSE table (a DataFrame or a LazyFrame, returned as such).
        exchange: ``"sse"`` or ``"szse"`` (both keep the same timetable).
        time: the column of UTC microseconds to classify (default ``ts_event_us``).

    Raises:
        ValueError: another exchange, or ``time`` is not a column of ``df``.
    """
    if exchange not in EXCHANGES:
        raise ValueError(
            f"exchange={exchange!r}: trading phases are known for {list(EXCHANGES)} only"
        )
    columns = df.collect_schema().names()
    if time not in columns:
        raise ValueError(f"no column {time!r} to classify; the columns are {columns}")
    return df.with_columns(phase_expr(time))
