"""The default clock of the fakes (tests may inject their own for exact timestamps)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], int]


def wall_clock_us() -> int:
    """The current UTC time in microseconds."""
    return time.time_ns() // 1000
