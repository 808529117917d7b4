"""An in-memory :class:`~pointline.v2.storage.contracts.FileReplacingQuarantineStore`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import polars as pl

from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.storage.validation_log_rows import DEDUPE_KEY, build_validation_log_rows
from pointline.v2.testing.clock import Clock, wall_clock_us
from pointline.v2.testing.failures import FailureSwitch

__all__ = ["InMemoryQuarantineStore"]

_SCHEMA = VALIDATION_LOG.to_polars()
_KEY = list(DEDUPE_KEY)


class InMemoryQuarantineStore:
    """``validation_log`` as one frame (``None`` until a row is written: no table).

    Rows are built by :func:`~pointline.v2.storage.validation_log_rows.build_validation_log_rows`.
    A log row whose key (file_id, table_name, file_seq, rule_name) is already stored, or
    repeats within one write, is dropped; a null file_seq counts as equal to a null one.

    Args:
        clock: UTC microseconds for ``logged_at_ts_us``.

    Attributes:
        failures: the :class:`FailureSwitch` of append and replace_file.
    """

    def __init__(self, *, clock: Clock = wall_clock_us) -> None:
        self._clock = clock
        self._log: pl.DataFrame | None = None
        self._mutex = threading.RLock()
        self.failures = FailureSwitch(("append", "replace_file", "replace_files"))

    def append(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Log every row of ``df`` (see the module of ``build_validation_log_rows``)."""
        with self._mutex, self.failures.call("append"):
            rows = self._rows(table_name, df, reason=reason, file_id=file_id)
            if rows.height == 0:
                return
            if self._log is not None:
                rows = rows.join(self._log.select(_KEY), on=_KEY, how="anti", nulls_equal=True)
                rows = pl.concat([self._log, rows])
            self._log = rows

    def replace_file(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Replace every log row of ``file_id`` (any table) with those of ``df``.

        An empty ``df`` deletes the file's rows and creates no table when none exists.
        """
        with self._mutex, self.failures.call("replace_file"):
            self._replace([file_id], [(file_id, table_name, df, reason)])

    def replace_files(
        self,
        file_ids: Sequence[int],
        rejected: Sequence[tuple[int, str, pl.DataFrame, str]],
    ) -> None:
        """The batch form: every log row of ``file_ids`` replaced by ``rejected`` at once
        (``(file_id, table_name, rows, reason)`` per file)."""
        with self._mutex, self.failures.call("replace_files"):
            self._replace(file_ids, rejected)

    def _replace(
        self,
        file_ids: Sequence[int],
        rejected: Sequence[tuple[int, str, pl.DataFrame, str]],
    ) -> None:
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
        rows = pl.concat(frames) if frames else None
        if self._log is None:
            if rows is not None and rows.height:
                self._log = rows
            return
        kept = self._log.filter(~pl.col("file_id").is_in(ids))
        self._log = kept if rows is None else pl.concat([kept, rows])

    def read(self, file_id: int | None = None) -> pl.DataFrame:
        """Log rows (of ``file_id`` when given) sorted by (file_id, file_seq, rule_name)."""
        with self._mutex:
            log = self._log
        if log is None:
            return pl.DataFrame(schema=_SCHEMA)
        if file_id is not None:
            log = log.filter(pl.col("file_id") == file_id)
        return log.sort(list(VALIDATION_LOG.tie_break_keys), nulls_last=True, maintain_order=True)

    @property
    def table_exists(self) -> bool:
        """Whether a row was ever written (a Delta store would have created its table)."""
        with self._mutex:
            return self._log is not None

    def _rows(
        self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int
    ) -> pl.DataFrame:
        rows = build_validation_log_rows(
            table_name, df, reason=reason, file_id=file_id, logged_at_ts_us=self._clock()
        )
        return rows.unique(_KEY, keep="first", maintain_order=True)
