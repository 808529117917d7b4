"""Instants and durations as research reads take them: integer UTC microseconds.

An instant is integer microseconds since the epoch, a ``datetime.date`` (its midnight UTC), a
``datetime.datetime`` (naive means UTC) or ISO text of either (``"2024-01-01"``,
``"2024-01-01T09:30:00"``, ``"2024-01-01T09:30:00+08:00"``). A duration is a positive number
of microseconds or text such as ``"250us"``, ``"100ms"``, ``"1s"``, ``"5m"``, ``"1h"``,
``"1d"`` (whole numbers of one unit, or several concatenated: ``"1m30s"``). Conversions are
exact: no float is involved.
"""

from __future__ import annotations

import datetime
import re

Instant = int | datetime.date | str
"""What ``start``/``end``/``as_of`` accept (``datetime.datetime`` is a ``date``)."""
Duration = int | str
"""What ``every``/``tolerance`` accept."""

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_UNITS_US = {"us": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}
_UNITS_US["d"] = 24 * _UNITS_US["h"]
_DURATION_PART = re.compile(r"(\d+)(us|ms|s|m|h|d)")
INSTANT_FORMS = (
    "integer microseconds since the epoch (1704067200000000), a datetime.date or "
    "datetime.datetime (naive = UTC), or ISO text ('2024-01-01', '2024-01-01T09:30:00', "
    "'2024-01-01T09:30:00+08:00')"
)
DURATION_FORMS = (
    "a positive integer of microseconds or text of whole units us, ms, s, m, h, d "
    "('250us', '100ms', '1s', '5m', '1h', '1d', '1m30s')"
)


def _datetime_us(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_us(value: Instant, *, name: str = "time") -> int:
    """``value`` as integer UTC microseconds.

    Raises:
        ValueError: ``value`` is none of the accepted forms (the message lists them).
    """
    if isinstance(value, bool):
        raise ValueError(f"{name}={value!r} is not an instant; give {INSTANT_FORMS}")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.datetime):
        return _datetime_us(value)
    if isinstance(value, datetime.date):
        return _datetime_us(datetime.datetime(value.year, value.month, value.day))
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        try:
            if len(text) == 10:
                return to_us(datetime.date.fromisoformat(text), name=name)
            return _datetime_us(datetime.datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(f"{name}={value!r} is not an instant; give {INSTANT_FORMS}")


def to_range_us(start: Instant, end: Instant) -> tuple[int, int]:
    """``(start, end)`` as microseconds, checked to be in order (``end == start`` is empty).

    Raises:
        ValueError: a bound is not an instant, or ``end`` is before ``start``.
    """
    start_us, end_us = to_us(start, name="start"), to_us(end, name="end")
    if end_us < start_us:
        raise ValueError(
            f"end ({end!r} = {end_us} µs) is before start ({start!r} = {start_us} µs); "
            "give end >= start (the range is half-open, [start, end))"
        )
    return start_us, end_us


def duration_us(value: Duration, *, name: str = "every") -> int:
    """``value`` as a positive number of microseconds.

    Raises:
        ValueError: zero, negative, or not one of the accepted forms (the message lists them).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 0:
            return value
    elif isinstance(value, str):
        text = value.strip().lower()
        parts = _DURATION_PART.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            total = sum(int(n) * _UNITS_US[u] for n, u in parts)
            if total > 0:
                return total
    raise ValueError(f"{name}={value!r} is not a duration; give {DURATION_FORMS}")
