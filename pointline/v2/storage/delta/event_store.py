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
    that, not by the file. The commit adds them and removes the data files holding only this
    file's old rows (:mod:`~pointline.v2.storage.delta.data_files`); when old rows share a
    data file with other files' rows, delta-rs' ``overwrite`` with ``predicate="file_id = N"``
    rewrites it instead. Rows repeating a (file_id, file_seq) within one frame are dropped;
    frames of one file are expected to carry disjoint file_seq (a parser numbers rows by
    position). No data (or only empty frames) deletes the file's rows, and creates no table.
    If anything fails, a later frame's validation included, nothing is committed and the
    files written are deleted.

Cost
    ``replace_file(s)`` keeps one ``DeltaTable`` per table and refreshes it with
    ``update_incremental`` (only new commits are replayed; skipped when ``_io.has_moved``
    finds no newer commit), so a writer's cost per commit stays flat; every
    ``_io.LOG_TRIM_EVERY`` commits the table is checkpointed and its log before the
    checkpoint deleted (time travel reaches back to the latest checkpoint). (A log damaged in
    a version this store already read is noticed by the next reader, not by this writer.)

Concurrency
    Writers of one table on one machine are serialised by a file lock
    (``<parent>/_locks/<table>.lock``); Delta commit conflicts (``CommitFailedError``) are
    retried with a small backoff (the files are written once; only the commit is redone),
    except on the rewrite path for a stream that cannot be replayed (an iterator of frames),
    where the conflict is reported as a StorageError.

Errors
    deltalake/pyarrow failures become :class:`~pointline.errors.StorageError`; a table that
    exists but cannot be read raises :class:`~pointline.errors.TableCorruptError`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import filelock
import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from pointline.schemas.registry import event_table_names, get_table_spec
from pointline.schemas.types import TableSpec
from pointline.v2.storage.delta import _io, data_files
from pointline.v2.storage.validation import validate_file_chunk, validate_frame

_LINEAGE = ["file_id", "file_seq"]
# Rows per Arrow batch handed to the Delta writer (its buffers grow with the batch size).
_WRITE_BATCH_ROWS = 100_000


def _in_lineage_order(rows: pl.DataFrame) -> bool:
    """Whether (file_id, file_seq) strictly increases down the frame (so no key repeats)."""
    if rows.height < 2:
        return True
    step_id = pl.col("file_id").diff().slice(1)
    step_seq = pl.col("file_seq").diff().slice(1)
    ordered = (step_id > 0) | ((step_id == 0) & (step_seq > 0))
    return bool(rows.select(ordered.all()).item())


def _file_predicate(file_ids: Sequence[int]) -> str:
    if len(file_ids) == 1:
        return f"file_id = {file_ids[0]}"
    return f"file_id IN ({', '.join(str(i) for i in file_ids)})"


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
        silver_root: str | Path,
        table_paths: Mapping[str, str | Path] | None = None,
    ) -> None:
        self._silver_root = Path(silver_root)
        self._table_paths = {
            _event_spec(name).name: Path(path) for name, path in (table_paths or {}).items()
        }
        self._locks: dict[str, filelock.FileLock] = {}
        self._mutex = threading.Lock()
        self._commits: dict[str, int] = {}
        self._tables = _io.TableCache()

    def table_path(self, table_name: str) -> Path:
        """Where event table ``table_name`` lives (``ValueError`` for a non-event table)."""
        spec = _event_spec(table_name)
        return self._table_paths.get(spec.name, self._silver_root / spec.name)

    def table_names(self) -> list[str]:
        """The event tables that exist, sorted."""
        return [n for n in event_table_names() if _io.table_exists(self.table_path(n))]

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Add the rows of ``df`` whose (file_id, file_seq) is not stored yet.

        Raises:
            ValueError: not an event table.
            SchemaMismatchError: ``df`` is off the table spec.
            StorageError: the write failed (nothing was committed).
        """
        spec = _event_spec(table_name)
        rows = validate_frame(spec, df).unique(_LINEAGE, keep="first", maintain_order=True)
        if rows.height == 0:
            return
        path = self.table_path(table_name)
        with _io.locked(self._lock(table_name), path):
            dt = _io.open_table(path)
            if dt is not None:
                file_ids = rows["file_id"].unique().sort().to_list()
                stored = _io.read_frame(
                    dt, spec, path, filters=[("file_id", "in", file_ids)], columns=_LINEAGE
                )
                rows = rows.join(stored, on=_LINEAGE, how="anti", maintain_order="left")
                if rows.height == 0:
                    return
            data = _io.to_arrow(rows, spec)
            partition_by = list(spec.partition_by)
            target = str(path) if dt is None else dt
            _io.commit(
                lambda: write_deltalake(
                    target,
                    data,
                    mode="append",
                    partition_by=partition_by,
                    writer_properties=_io.WRITER_PROPERTIES,
                ),
                path=path,
                what=f"append to {table_name}",
                before_retry=None if dt is None else (lambda: _io.refresh(dt, path)),
            )

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
        spec = _event_spec(table_name)
        ids = sorted({int(i) for i in file_ids})
        if not ids:
            raise ValueError(f"replace_files({table_name!r}): no file ids given")
        path = self.table_path(table_name)
        replayable = isinstance(data, pl.DataFrame | Sequence)
        frames: Sequence[pl.DataFrame] | Iterable[pl.DataFrame] = (
            [data] if isinstance(data, pl.DataFrame) else data
        )
        what = f"file_id {ids[0]}" if len(ids) == 1 else f"{len(ids)} files"
        with _io.locked(self._lock(table_name), path):
            chunks = self._checked(spec, ids, iter(frames))
            first = next(chunks, None)  # the first non-empty frame, validated
            dt = self._tables.get(path)
            predicate = _file_predicate(ids)
            if first is None:
                removes = None if dt is None else data_files.files_to_remove(dt, ids)
                if removes:  # files holding only these ids: one commit removes them
                    data_files.write_replacement(
                        dt, path, spec, [], ids, removes=removes, what=what
                    )
                elif removes is None and dt is not None:  # mixed files: delta-rs rewrites them
                    _io.commit(
                        lambda: dt.delete(predicate),
                        path=path,
                        what=f"delete {what} from {table_name}",
                        before_retry=lambda: _io.refresh(dt, path),
                    )
                return
            stream = itertools.chain([first], chunks)
            removes = [] if dt is None else data_files.files_to_remove(dt, ids)
            if removes is not None:
                data_files.write_replacement(
                    dt, path, spec, stream, ids, removes=removes, what=what
                )
            else:  # some file mixes these ids with others: delta-rs rewrites such files
                self._overwrite(spec, path, dt, ids, stream, frames, replayable, what)
            self._maintain(table_name, path)

    def _overwrite(
        self,
        spec: TableSpec,
        path: Path,
        dt: DeltaTable,
        ids: list[int],
        stream: Iterator[pl.DataFrame],
        frames: Sequence[pl.DataFrame] | Iterable[pl.DataFrame],
        replayable: bool,
        what: str,
    ) -> None:
        """delta-rs' overwrite with ``predicate="file_id IN (...)"`` (rewrites mixed files)."""
        failures: list[BaseException] = []
        pending: list[Iterator[pl.DataFrame]] = [stream]
        predicate = _file_predicate(ids)

        def write() -> None:
            # A retry replays the (replayable) input from its start.
            rows = pending.pop() if pending else self._checked(spec, ids, iter(frames))
            reader = pa.RecordBatchReader.from_batches(
                _io.arrow_schema(spec), self._batches(spec, rows, failures)
            )
            write_deltalake(
                dt,
                reader,
                mode="overwrite",
                predicate=predicate,
                partition_by=list(spec.partition_by),
                writer_properties=_io.WRITER_PROPERTIES,
            )

        try:
            _io.commit(
                write,
                path=path,
                what=f"replace {what} in {spec.name}",
                before_retry=lambda: _io.refresh(dt, path),
                attempts=_io.COMMIT_ATTEMPTS if replayable else 1,
            )
        except Exception:
            # An error raised while streaming (e.g. a later frame off its spec) reaches us
            # wrapped by the writer: raise the original one.
            if failures:
                raise failures[-1] from None
            raise

    def read(self, table_name: str) -> pl.DataFrame:
        """The whole table sorted by (file_id, file_seq), exact spec schema.

        A table never written reads as an empty frame.
        """
        spec = _event_spec(table_name)
        return _io.read_path(self.table_path(table_name), spec).sort(_LINEAGE)

    # -- internals -----------------------------------------------------------------------

    def _maintain(self, table_name: str, path: Path) -> None:
        """Every ``LOG_TRIM_EVERY`` commits of this store to a table: checkpoint it and trim its
        log (``_io.trim_log``), so a commit costs the same after 10 or 10,000 ingested files."""
        count = self._commits.get(table_name, 0) + 1
        self._commits[table_name] = count
        if count % _io.LOG_TRIM_EVERY:
            return
        dt = self._tables.get(path)
        if dt is not None:
            _io.trim_log(dt, path, table_name)

    def _lock(self, table_name: str) -> filelock.FileLock:
        with self._mutex:
            lock = self._locks.get(table_name)
            if lock is None:
                lock = self._locks[table_name] = _io.new_lock(self.table_path(table_name))
            return lock

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

    @staticmethod
    def _batches(
        spec: TableSpec, frames: Iterator[pl.DataFrame], failures: list[BaseException]
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of ``frames``; an error while producing them is kept in ``failures``."""
        try:
            for frame in frames:
                yield from _io.to_arrow(frame, spec).to_batches(max_chunksize=_WRITE_BATCH_ROWS)
        except BaseException as exc:
            failures.append(exc)
            raise
