"""An in-memory :class:`~pointline.v2.storage.contracts.DimensionStore`."""

from __future__ import annotations

import threading

import polars as pl

from pointline.errors import VersionMismatchError
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2 import dim_symbol
from pointline.v2.storage.validation import validate_frame
from pointline.v2.testing.failures import FailureSwitch

__all__ = ["InMemoryDimensionStore"]

_SCHEMA = DIM_SYMBOL.to_polars()


class InMemoryDimensionStore:
    """``dim_symbol`` as a list of versions (0, 1, 2, ...), like a Delta table's history.

    Attributes:
        failures: the :class:`FailureSwitch` of load_dim_symbol, save_dim_symbol and
            current_version.
    """

    def __init__(self) -> None:
        self._versions: list[pl.DataFrame] = []
        self._mutex = threading.RLock()
        self.failures = FailureSwitch(("load_dim_symbol", "save_dim_symbol", "current_version"))

    def load_dim_symbol(self) -> pl.DataFrame:
        """The latest version, or an empty frame of the exact schema when none was saved."""
        with self._mutex, self.failures.call("load_dim_symbol"):
            return self._latest()

    def save_dim_symbol(self, df: pl.DataFrame, *, expected_version: int | None = None) -> int:
        """Validate ``df`` (:func:`pointline.v2.dim_symbol.validate`), store it as the next
        version (sorted by the tie-break keys) and return that version (0 first).

        Raises:
            SchemaMismatchError: ``df`` is off the dim_symbol spec (checked first).
            ValueError: ``df`` breaks a dim_symbol invariant, or ``expected_version`` is
                below -1.
            VersionMismatchError: ``expected_version`` is given and is not the current
                version (``None`` while nothing was saved); the message contains
                "version mismatch".
        """
        with self._mutex, self.failures.call("save_dim_symbol"):
            frame = validate_frame(DIM_SYMBOL, df)
            dim_symbol.validate(frame)
            current = self._current()
            if expected_version is not None and expected_version < -1:
                raise ValueError(
                    "expected_version must be None, -1 (create only) or a version >= 0, "
                    f"got {expected_version}"
                )
            # -1 means "create only": it matches a store that has no version yet.
            expected = None if expected_version == -1 else expected_version
            if expected_version is not None and expected != current:
                raise VersionMismatchError(
                    f"dim_symbol version mismatch: expected version {expected_version}, "
                    f"current version {current}"
                )
            self._versions.append(frame.sort(list(DIM_SYMBOL.tie_break_keys)))
            return len(self._versions) - 1

    def current_version(self) -> int | None:
        """The latest version, ``None`` when nothing was saved."""
        with self._mutex, self.failures.call("current_version"):
            return self._current()

    def load_version(self, version: int) -> pl.DataFrame:
        """The table as saved at ``version`` (time travel).

        Raises:
            ValueError: no such version.
        """
        with self._mutex:
            if not 0 <= version < len(self._versions):
                raise ValueError(
                    f"dim_symbol has no version {version}; versions: 0..{len(self._versions) - 1}"
                    if self._versions
                    else f"dim_symbol has no version {version}; nothing was saved"
                )
            return self._versions[version]

    def _current(self) -> int | None:
        return len(self._versions) - 1 if self._versions else None

    def _latest(self) -> pl.DataFrame:
        return self._versions[-1] if self._versions else pl.DataFrame(schema=_SCHEMA)
