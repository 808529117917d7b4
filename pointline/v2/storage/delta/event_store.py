"""Event tables as Delta tables, partitioned by (exchange, trading_date).

Each event table lives at ``<silver_root>/<table_name>`` (or the path given in
``table_paths``) and is created by its first write. Only event tables are accepted
(``get_table_spec(name).kind == "event"``).

Validation
    Every frame is checked with :func:`pointline.v2.storage.validation.validate_frame`:
    :class:`~pointline.errors.SchemaMismatchError` (a ``ValueError``) says "missing columns",
    "unexpected columns", "dtype mismatch: ..." or "null values in required column(s)".
    Columns are written in spec order.

``append`` (idempotent by lineage)
    Rows whose (file_id, file_seq) repeat within the frame or already exist in the table are
    dropped. The existing keys are read only for the frame's file_ids, with the data files
    pruned by their file_id statistics, so the cost follows the file's rows, not the table.

``replace_file`` (atomic per Bronze file)
    All rows of one file_id are replaced in ONE Delta commit. The data may be one frame or an
    iterable of frames; frames are validated one at a time and written by Polars as Parquet
    files (gathered per partition up to ``data_files.FLUSH_BYTES``), so memory is bounded by
    that, not by the file (:meth:`~pointline.v2.storage.delta.table.Table.replace`). Rows
    repeating a (file_id, file_seq) within one frame are dropped;
    frames of one file are expected to carry disjoint file_seq (a parser numbers rows by
    position). No data (or only empty frames) deletes the file's rows, and creates no table.
    If anything fails, a later frame's validation included, nothing is committed and the
    files written are deleted.

Cost, concurrency, errors
    Each table is a :class:`~pointline.v2.storage.delta.table.Table` (see there). A log
    damaged in a version this store already read is noticed by the next reader, not by this
    writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import polars as pl

from pointline.schemas.registry import event_table_names, get_table_spec
from pointline.schemas.types import TableSpec
from pointline.v2.storage.delta.table import Table
from pointline.v2.storage.store_path import Location, StorePath, as_location
from pointline.v2.storage.validation import validate_file_chunk, validate_frame

_LINEAGE = ["file_id", "file_seq"]


def _in_lineage_order(rows: pl.DataFrame) -> bool:
    """Whether (file_id, file_seq) strictly increases down the frame (so no key repeats)."""
    if rows.height < 2:
        return True
    step_id = pl.col("file_id").diff().slice(1)
    step_seq = pl.col("file_seq").diff().slice(1)
    ordered = (step_id > 0) | ((step_id == 0) & (step_seq > 0))
    return bool(rows.select(ordered.all()).item())


def _event_spec(table_name: str) -> TableSpec:
    names = event_table_names()
    if table_name not in names:
        raise ValueError(f"{table_name!r} is not an event table; event tables: {names}")
    return get_table_spec(table_name)


class DeltaEventStore:
    """Delta event tables under ``silver_root``.

    Args:
        silver_root: the directory holding one table per event table name.
        table_paths: optional explicit paths for some tables (event table name -> path).
    """

    def __init__(
        self,
        *,
        silver_root: str | Path | StorePath,
        table_paths: Mapping[str, str | Path | StorePath] | None = None,
    ) -> None:
        self._silver_root = as_location(silver_root)
        self._table_paths = {
            _event_spec(name).name: as_location(path) for name, path in (table_paths or {}).items()
        }
        self._mutex = threading.Lock()
        self._tables: dict[str, Table] = {}

    def table_path(self, table_name: str) -> Location:
        """Where event table ``table_name`` lives (``ValueError`` for a non-event table)."""
        spec = _event_spec(table_name)
        return self._table_paths.get(spec.name, self._silver_root / spec.name)

    def table_names(self) -> list[str]:
        """The event tables that exist, sorted."""
        return [n for n in event_table_names() if self._table(n).exists()]

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Add the rows of ``df`` whose (file_id, file_seq) is not stored yet.

        Raises:
            ValueError: not an event table.
            SchemaMismatchError: ``df`` is off the table spec.
            StorageError: the write failed (nothing was committed).
        """
        table = self._table(table_name)
        rows = validate_frame(table.spec, df).unique(_LINEAGE, keep="first", maintain_order=True)
        table.append(rows, _LINEAGE)

    def replace_file(
        self,
        table_name: str,
        file_id: int,
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """Atomically replace every row of ``file_id`` in ``table_name`` with ``data``.

        Raises:
            ValueError: not an event table, or a row carries another file_id.
            SchemaMismatchError: a frame is off the table spec.
            TypeError: an item of ``data`` is not a polars DataFrame.
            StorageError: the write failed.
            In every case nothing was committed: the file's previous rows are intact.
        """
        self.replace_files(table_name, [file_id], data)

    def replace_files(
        self,
        table_name: str,
        file_ids: Sequence[int],
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """Atomically replace every row of the given files in ``table_name`` with ``data``.

        The batch form of :meth:`replace_file`: one commit for many Bronze files
        (``predicate="file_id IN (...)"``). Every row of ``data`` must carry one of
        ``file_ids``; a file with no rows in ``data`` ends with none in the table.

        Raises:
            The same as :meth:`replace_file`; nothing is committed when anything fails.
        """
        table = self._table(table_name)
        ids = sorted({int(i) for i in file_ids})
        if not ids:
            raise ValueError(f"replace_files({table_name!r}): no file ids given")
        frames = [data] if isinstance(data, pl.DataFrame) else data
        replayable = isinstance(frames, Sequence)
        table.replace(
            ids,
            self._checked(table.spec, ids, iter(frames)),
            replay=(lambda: self._checked(table.spec, ids, iter(frames))) if replayable else None,
        )

    def read(self, table_name: str) -> pl.DataFrame:
        """The whole table sorted by (file_id, file_seq), exact spec schema.

        A table never written reads as an empty frame.
        """
        return self._table(table_name).read().sort(_LINEAGE)

    # -- internals -----------------------------------------------------------------------

    def _table(self, table_name: str) -> Table:
        path = self.table_path(table_name)  # ValueError for a non-event table
        with self._mutex:
            table = self._tables.get(table_name)
            if table is None:
                table = self._tables[table_name] = Table(path, get_table_spec(table_name))
            return table

    @staticmethod
    def _checked(
        spec: TableSpec, file_ids: Sequence[int], frames: Iterator[pl.DataFrame]
    ) -> Iterator[pl.DataFrame]:
        """Validated non-empty frames of ``frames``, each checked to carry only ``file_ids``."""
        for i, frame in enumerate(frames):
            rows = validate_file_chunk(spec, frame, file_ids, index=i)
            if not _in_lineage_order(rows):
                # rows a parser numbered arrive in (file_id, file_seq) order, which proves them
                # unique at O(n); anything else is deduplicated the expensive way
                rows = rows.unique(_LINEAGE, keep="first", maintain_order=True)
            if rows.height:
                yield rows
