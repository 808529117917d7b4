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
  commit (``overwrite`` with ``predicate="file_id = N"``); an empty frame deletes them.

Writers on one machine are serialised by ``<parent>/_locks/validation_log.lock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
from deltalake import write_deltalake

from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.storage.delta import _io, data_files
from pointline.v2.storage.delta.layout import VALIDATION_LOG_TABLE
from pointline.v2.storage.validation_log_rows import DEDUPE_KEY, build_validation_log_rows

_SPEC = VALIDATION_LOG
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
        silver_root: str | Path | None = None,
        validation_log_path: str | Path | None = None,
    ) -> None:
        if validation_log_path is not None:
            self._path = Path(validation_log_path)
        elif silver_root is not None:
            self._path = Path(silver_root) / VALIDATION_LOG_TABLE
        else:
            raise ValueError("DeltaQuarantineStore needs silver_root or validation_log_path")
        self._lock = _io.new_lock(self._path)
        self._tables = _io.TableCache()
        self._commits = 0

    @property
    def table_path(self) -> Path:
        return self._path

    @property
    def table_exists(self) -> bool:
        """Whether the table was created (a row was written at least once)."""
        return _io.table_exists(self._path)

    def append(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Log every row of ``df`` not logged yet for this file (see the module docstring).

        Raises:
            ValueError: ``reason`` or ``table_name`` is empty.
            StorageError: the write failed (nothing was committed).
        """
        rows = self._rows(table_name, df, reason=reason, file_id=file_id)
        if rows.height == 0:
            return
        with _io.locked(self._lock, self._path):
            dt = _io.open_table(self._path)
            if dt is not None:
                stored = _io.read_frame(
                    dt, _SPEC, self._path, filters=[("file_id", "=", file_id)], columns=_KEY
                )
                rows = rows.join(
                    stored, on=_KEY, how="anti", nulls_equal=True, maintain_order="left"
                )
                if rows.height == 0:
                    return
            data = _io.to_arrow(rows, _SPEC)
            target = str(self._path) if dt is None else dt
            _io.commit(
                lambda: write_deltalake(
                    target, data, mode="append", writer_properties=_io.WRITER_PROPERTIES
                ),
                path=self._path,
                what="append to validation_log",
                before_retry=None if dt is None else (lambda: _io.refresh(dt, self._path)),
            )

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
        frames = [
            self._rows(table_name, df, reason=reason, file_id=fid)
            for fid, table_name, df, reason in rejected
        ]
        rows = pl.concat(frames) if frames else _io.empty_frame(_SPEC)
        predicate = (
            f"file_id = {ids[0]}"
            if len(ids) == 1
            else (f"file_id IN ({', '.join(str(i) for i in ids)})")
        )
        what = f"file_id {ids[0]}" if len(ids) == 1 else f"{len(ids)} files"
        frames = [rows] if rows.height else []
        with _io.locked(self._lock, self._path):
            dt = self._tables.get(self._path)
            if dt is None:
                if rows.height:
                    data_files.write_replacement(
                        None, self._path, _SPEC, frames, ids, removes=[], what="create"
                    )
                return
            removes = data_files.files_to_remove(dt, ids)
            if removes is not None:
                if not frames and not removes:
                    return  # nothing of these files is logged: nothing to replace
                data_files.write_replacement(
                    dt, self._path, _SPEC, frames, ids, removes=removes, what=what
                )
            else:  # some log file mixes these ids with others: delta-rs rewrites it
                data = _io.to_arrow(rows, _SPEC)

                def replace() -> None:
                    if data.num_rows == 0:
                        dt.delete(predicate)
                    else:
                        write_deltalake(
                            dt,
                            data,
                            mode="overwrite",
                            predicate=predicate,
                            writer_properties=_io.WRITER_PROPERTIES,
                        )

                _io.commit(
                    replace,
                    path=self._path,
                    what=f"replace {what} in validation_log",
                    before_retry=lambda: _io.refresh(dt, self._path),
                )
            self._commits += 1
            if self._commits % _io.LOG_TRIM_EVERY == 0:  # see _io.trim_log
                _io.refresh(dt, self._path)
                _io.trim_log(dt, self._path, "validation_log")

    def read(self, file_id: int | None = None) -> pl.DataFrame:
        """Log rows (of ``file_id`` when given) sorted by (file_id, file_seq, rule_name).

        A table never written reads as an empty frame of the exact schema.
        """
        dt = _io.open_table(self._path)
        if dt is None:
            return _io.empty_frame(_SPEC)
        filters = None if file_id is None else [("file_id", "=", int(file_id))]
        rows = _io.read_frame(dt, _SPEC, self._path, filters=filters)
        return rows.sort(_SORT, nulls_last=True, maintain_order=True)

    @staticmethod
    def _rows(table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> pl.DataFrame:
        rows = build_validation_log_rows(
            table_name, df, reason=reason, file_id=file_id, logged_at_ts_us=_io.now_us()
        )
        return rows.unique(_KEY, keep="first", maintain_order=True)
