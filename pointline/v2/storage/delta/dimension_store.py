"""``dim_symbol`` as an unpartitioned Delta table, replaced whole by each save.

Reads
    :meth:`DeltaDimensionStore.load_dim_symbol` returns the table sorted by its tie-break
    keys, or an empty frame of the exact schema when the table does not exist. A table that
    exists but cannot be read (damaged log, missing data file, columns off the spec) raises
    :class:`~pointline.errors.TableCorruptError`: never an empty frame, which would silently
    make every symbol unknown.

Saves (compare-and-swap)
    :meth:`DeltaDimensionStore.save_dim_symbol` first checks the frame against the spec and
    the SCD2 invariants (:func:`pointline.v2.dim_symbol.validate`), then, under the table's
    file lock, compares ``expected_version`` with the current version and overwrites the
    table in one commit. ``expected_version``:

    * ``None``: no check (creates the table, or replaces whatever is there);
    * ``-1``: the table must not exist yet (create only);
    * ``N >= 0``: the table must be at version N (a missing table does not match).

    A mismatch raises :class:`~pointline.errors.VersionMismatchError` (a ``ValueError``
    whose message contains "version mismatch"). With an ``expected_version`` the commit is
    made without Delta's automatic conflict retries, so a writer on another machine that
    committed meanwhile also makes this save fail with a version mismatch.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import write_deltalake

from pointline.errors import VersionMismatchError
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2.storage.delta import common
from pointline.v2.storage.delta.layout import DIM_SYMBOL_TABLE, store_table_path
from pointline.v2.storage.delta.table import COMMIT_ATTEMPTS, CommitConflictError, Table
from pointline.v2.storage.store_path import Location, StorePath
from pointline.v2.storage.validation import validate_frame

_SORT = list(DIM_SYMBOL.tie_break_keys)
CREATE_ONLY = -1


class DeltaDimensionStore:
    """The ``dim_symbol`` Delta table.

    Args:
        silver_root: the table is ``<silver_root>/dim_symbol`` ...
        dim_symbol_path: ... unless its path is given here. One of the two is required.
    """

    def __init__(
        self,
        *,
        silver_root: str | Path | StorePath | None = None,
        dim_symbol_path: str | Path | StorePath | None = None,
    ) -> None:
        path = store_table_path(
            "DeltaDimensionStore", DIM_SYMBOL_TABLE, silver_root, dim_symbol_path
        )
        self._table = Table(path, DIM_SYMBOL, configuration={})
        self._cached: tuple[int, pl.DataFrame] | None = None

    @property
    def table_path(self) -> Location:
        return self._table.path

    def load_dim_symbol(self) -> pl.DataFrame:
        """The table sorted by (exchange, exchange_symbol, valid_from_ts_us).

        Raises:
            TableCorruptError: the table exists but cannot be read.
        """
        dt = self._table.latest()
        if dt is None:
            return common.empty_frame(DIM_SYMBOL)
        # dim_symbol is read before every ingestion; a version already read is served from
        # memory (a Delta version never changes).
        if self._cached is None or self._cached[0] != dt.version():
            self._cached = (dt.version(), self._table.read(dt=dt).sort(_SORT))
        return self._cached[1].clone()

    def load_version(self, version: int) -> pl.DataFrame:
        """The table as saved at ``version`` (Delta time travel).

        Raises:
            ValueError: the table does not exist or has no such version.
            TableCorruptError: that version cannot be read.
        """
        current = self.current_version()
        if current is None or not 0 <= version <= current:
            raise ValueError(
                f"dim_symbol at {self.table_path} has no version {version}; "
                + ("the table does not exist" if current is None else f"versions: 0..{current}")
            )
        return self._table.read(dt=self._table.snapshot(version)).sort(_SORT)

    def current_version(self) -> int | None:
        """The table version, ``None`` when the table does not exist."""
        dt = self._table.snapshot()
        return None if dt is None else dt.version()

    def save_dim_symbol(self, df: pl.DataFrame, *, expected_version: int | None = None) -> int:
        """Validate ``df`` and atomically replace the table with it; return the new version.

        Raises:
            SchemaMismatchError: ``df`` is off the dim_symbol spec.
            ValueError: an SCD2 invariant is broken (the message names it).
            VersionMismatchError: ``expected_version`` is not the current version.
            StorageError: the write failed (the table is unchanged).
        """
        from pointline.v2 import dim_symbol  # the invariants live with the SCD2 functions

        frame = validate_frame(DIM_SYMBOL, df)
        dim_symbol.validate(frame)
        data = common.to_arrow(frame.sort(_SORT), DIM_SYMBOL)
        table = self._table
        with table.writing():
            dt = table.snapshot()
            current = None if dt is None else dt.version()
            self._check_expected(expected_version, current)
            if dt is None:
                uri, options = table.location.uri, table.location.storage_options
                table.commit(
                    lambda p: write_deltalake(
                        uri, data, mode="error", storage_options=options, commit_properties=p
                    ),
                    "create dim_symbol",
                    attempts=1,
                )
                return 0
            try:  # with an expected version no retry: any commit after `current` is a mismatch
                table.commit(
                    lambda p: write_deltalake(dt, data, mode="overwrite", commit_properties=p),
                    "save dim_symbol",
                    dt=dt,
                    attempts=COMMIT_ATTEMPTS if expected_version is None else 1,
                )
            except CommitConflictError as exc:
                if expected_version is None:
                    raise
                raise VersionMismatchError(
                    f"dim_symbol at {self.table_path}: version mismatch: expected version "
                    f"{expected_version}, another writer committed after version {current}"
                ) from exc
            return dt.version()

    def _check_expected(self, expected: int | None, current: int | None) -> None:
        if expected is None:
            return
        if expected < CREATE_ONLY:
            raise ValueError(
                f"expected_version must be None, -1 (create only) or a version >= 0, got {expected}"
            )
        if (CREATE_ONLY if current is None else current) != expected:
            found = "does not exist" if current is None else f"is at version {current}"
            wanted = "to not exist" if expected == CREATE_ONLY else f"version {expected}"
            raise VersionMismatchError(
                f"dim_symbol at {self.table_path}: version mismatch: expected {wanted}, "
                f"the table {found}"
            )
