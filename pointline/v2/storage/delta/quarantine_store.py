"""``validation_log`` as an unpartitioned Delta table: rejected rows, kept whole.

Rows are built by
:func:`pointline.v2.storage.validation_log_rows.build_validation_log_rows` (one log row per
rejected row; ``row_json`` holds the whole row without the ``_reject_*`` columns), the same
function the in-memory store uses, so both log the same rows.

* :meth:`DeltaQuarantineStore.append` drops rows whose key (file_id, table_name, file_seq,
  rule_name) repeats within the frame or is already stored (a null file_seq equals a null
  one), reading the stored keys of that file_id only. An empty frame writes nothing and
  creates no table.
* :meth:`DeltaQuarantineStore.replace_file` replaces every log row of one file_id in one
  commit (:meth:`~pointline.v2.storage.delta.table.Table.replace`); an empty frame deletes
  them.

Writers on one machine are serialised by ``<parent>/_locks/validation_log.lock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.storage.delta import common
from pointline.v2.storage.delta.layout import VALIDATION_LOG_TABLE, store_table_path
from pointline.v2.storage.delta.table import Table
from pointline.v2.storage.store_path import Location, StorePath
from pointline.v2.storage.validation_log_rows import DEDUPE_KEY, build_validation_log_rows

_KEY = list(DEDUPE_KEY)
_SORT = list(VALIDATION_LOG.tie_break_keys)


class DeltaQuarantineStore:
    """The ``validation_log`` Delta table.

    Args:
        silver_root: the table is ``<silver_root>/validation_log`` ...
        validation_log_path: ... unless its path is given here. One of the two is required.
    """

    def __init__(
        self,
        *,
        silver_root: str | Path | StorePath | None = None,
        validation_log_path: str | Path | StorePath | None = None,
    ) -> None:
        path = store_table_path(
            "DeltaQuarantineStore", VALIDATION_LOG_TABLE, silver_root, validation_log_path
        )
        self._table = Table(path, VALIDATION_LOG)

    @property
    def table_path(self) -> Location:
        return self._table.path

    @property
    def table_exists(self) -> bool:
        """Whether the table was created (a row was written at least once)."""
        return self._table.exists()

    def append(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Log every row of ``df`` not logged yet for this file (see the module docstring).

        Raises:
            ValueError: ``reason`` or ``table_name`` is empty.
            StorageError: the write failed (nothing was committed).
        """
        rows = self._rows(table_name, df, reason=reason, file_id=file_id)
        self._table.append(rows, _KEY, nulls_equal=True)

    def replace_file(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Atomically replace every log row of ``file_id`` with the rows of ``df``.

        An empty ``df`` deletes them (and creates no table when none exists).
        """
        self.replace_files([file_id], [(file_id, table_name, df, reason)])

    def replace_files(
        self,
        file_ids: Sequence[int],
        rejected: Sequence[tuple[int, str, pl.DataFrame, str]],
    ) -> None:
        """Atomically replace every log row of the given files, in one commit.

        Args:
            file_ids: the files whose log rows are replaced (a file with no entry in
                ``rejected`` ends with no log rows).
            rejected: ``(file_id, table_name, rejected_rows, reason)`` per file, mapped as by
                :meth:`append`.
        """
        ids = sorted({int(i) for i in file_ids})
        if not ids:
            raise ValueError("replace_files: no file ids given")
        unknown = sorted({int(fid) for fid, *_ in rejected} - set(ids))
        if unknown:
            raise ValueError(f"replace_files: rejected rows of file ids {unknown} not replaced")
        rows = [
            frame
            for fid, table_name, df, reason in rejected
            if (frame := self._rows(table_name, df, reason=reason, file_id=fid)).height
        ]
        frames = [pl.concat(rows)] if rows else []
        self._table.replace(ids, frames, replay=lambda: iter(frames))

    def read(self, file_id: int | None = None) -> pl.DataFrame:
        """Log rows (of ``file_id`` when given) sorted by (file_id, file_seq, rule_name).

        A table never written reads as an empty frame of the exact schema.
        """
        filters = None if file_id is None else [("file_id", "=", int(file_id))]
        rows = self._table.read(filters=filters)
        return rows.sort(_SORT, nulls_last=True, maintain_order=True)

    @staticmethod
    def _rows(table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> pl.DataFrame:
        rows = build_validation_log_rows(
            table_name, df, reason=reason, file_id=file_id, logged_at_ts_us=common.now_us()
        )
        return rows.unique(_KEY, keep="first", maintain_order=True)
