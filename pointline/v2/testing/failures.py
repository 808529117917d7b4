"""Failure switches: make chosen calls of a fake store fail, to test crash recovery.

::

    store = InMemoryEventStore()
    store.failures.fail_on_call("replace_file", 1, after_write=True)
    # the first replace_file writes its rows, then raises StorageError: a crash after the
    # commit but before the caller learned of it.

Calls are counted per method, 1-based, from the store's creation (or the last
:meth:`FailureSwitch.reset`). A planned failure fires once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pointline.errors import StorageError

__all__ = ["FailureSwitch"]


@dataclass(frozen=True)
class _Planned:
    after_write: bool
    exc: BaseException


class FailureSwitch:
    """Planned failures of the methods of one fake store.

    Args:
        methods: the method names that can fail (and are counted).
    """

    def __init__(self, methods: Iterable[str]) -> None:
        self._methods = tuple(methods)
        self._calls = dict.fromkeys(self._methods, 0)
        self._planned: dict[tuple[str, int], _Planned] = {}
        self._mutex = threading.Lock()

    @property
    def methods(self) -> tuple[str, ...]:
        return self._methods

    def fail_on_call(
        self,
        method: str,
        n: int,
        *,
        after_write: bool = False,
        exc: BaseException | type[BaseException] | None = None,
    ) -> None:
        """Make the ``n``-th call (1-based) of ``method`` raise.

        Args:
            method: one of :attr:`methods`.
            n: which call, counted per method; it must not have happened yet.
            after_write: the call does its write first, then raises (a crash after the
                commit). Otherwise it raises before changing anything.
            exc: the exception (instance or class) to raise; default
                :class:`~pointline.errors.StorageError` saying which call it is.

        Raises:
            ValueError: an unknown method, or ``n`` below 1 or already past.
        """
        if method not in self._calls:
            raise ValueError(f"unknown method {method!r}; methods that can fail: {self._methods}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be an int >= 1 (calls are counted from 1), got {n!r}")
        when = "after its write" if after_write else "before any write"
        message = f"injected failure: call {n} of {method} ({when})"
        if exc is None:
            exc = StorageError(message)
        elif isinstance(exc, type):
            exc = exc(message)
        with self._mutex:
            if n <= self._calls[method]:
                raise ValueError(
                    f"call {n} of {method} already happened ({self._calls[method]} so far)"
                )
            self._planned[(method, n)] = _Planned(after_write=after_write, exc=exc)

    def calls(self, method: str) -> int:
        """How many times ``method`` was called (failed calls included)."""
        if method not in self._calls:
            raise ValueError(f"unknown method {method!r}; methods that can fail: {self._methods}")
        with self._mutex:
            return self._calls[method]

    def armed(self) -> list[tuple[str, int]]:
        """The planned failures that have not fired yet, as (method, n)."""
        with self._mutex:
            return sorted(self._planned)

    def reset(self) -> None:
        """Forget the counts and every planned failure."""
        with self._mutex:
            self._calls = dict.fromkeys(self._methods, 0)
            self._planned.clear()

    @contextmanager
    def call(self, method: str) -> Iterator[None]:
        """Wrap one call of ``method`` in a fake: count it, and fail it if planned.

        A failure planned before the write raises on entry; one planned after the write
        raises when the body finished without an exception of its own.
        """
        with self._mutex:
            self._calls[method] += 1
            planned = self._planned.pop((method, self._calls[method]), None)
        if planned is not None and not planned.after_write:
            raise planned.exc
        yield
        if planned is not None and planned.after_write:
            raise planned.exc
