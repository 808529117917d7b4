"""Which ingestion attempt is writing: the fence that keeps a stale attempt from overwriting a
newer one's rows, log or status.

An *attempt* is one run of the pipeline over a batch of files (``run_batch``); it gets a number
when it starts (:func:`attempt`: the wall clock in microseconds, so a later attempt, on any
machine, gets a larger number). Every commit of the Delta stores that replaces the rows of some
file ids carries, per id, the application transaction ``(pointline.file.<id>, <attempt>)``
and is refused (:class:`~pointline.errors.StorageError` ``SupersededError``) when the table it
is built on already holds a larger attempt number for one of them. The commit guard makes that
check and the commit one atomic step. So in every table (events, validation_log, the
manifest) the rows of a file are those of the newest attempt that wrote them, and an older
attempt can neither overwrite them, take them back, nor record a status over the newer one's.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

FILE_APP_PREFIX = "pointline.file."


@dataclass
class Attempt:
    """One attempt: its number, and whether a newer attempt refused one of its commits."""

    number: int
    superseded: bool = False
    taking_back: bool = False


_CURRENT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "pointline_attempt", default=None
)


def file_app_id(file_id: int) -> str:
    """The application transaction id fencing the rows of ``file_id``."""
    return f"{FILE_APP_PREFIX}{int(file_id)}"


def current_attempt() -> int | None:
    """The number of the attempt writing in this context (``None``: no fence)."""
    current = _CURRENT.get()
    return None if current is None else current.number


def mark_superseded() -> None:
    """Note that a newer attempt refused a commit of the current one."""
    current = _CURRENT.get()
    if current is not None:
        current.superseded = True


def is_taking_back() -> bool:
    """Whether the current attempt is taking back its own rows (see :func:`taking_back`)."""
    current = _CURRENT.get()
    return current is not None and current.taking_back


@contextmanager
def taking_back() -> Iterator[None]:
    """Replacements made inside remove only rows this attempt committed: the ids whose rows
    another attempt wrote (or nobody) are left alone."""
    current = _CURRENT.get()
    if current is None:
        yield
        return
    before, current.taking_back = current.taking_back, True
    try:
        yield
    finally:
        current.taking_back = before


@contextmanager
def attempt(number: int | None = None) -> Iterator[Attempt]:
    """Write as one attempt (numbered by the clock unless ``number`` is given)."""
    value = Attempt(time.time_ns() // 1000 if number is None else int(number))
    token = _CURRENT.set(value)
    try:
        yield value
    finally:
        _CURRENT.reset(token)
