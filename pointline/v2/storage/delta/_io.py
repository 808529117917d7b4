"""Private Delta helpers shared by the adapters: the one place deltalake errors are translated.

* A table *exists* when its ``_delta_log`` holds a commit or checkpoint file. A table that
  exists but cannot be opened or read (damaged log, missing or broken data file, columns off
  the spec) raises :class:`~pointline.errors.TableCorruptError` naming its path; only a table
  that does not exist reads as an empty frame.
* Writes go through :func:`commit`, which retries Delta commit conflicts
  (``CommitFailedError``) a few times with a small backoff and turns every other deltalake,
  pyarrow or OS error into :class:`~pointline.errors.StorageError`.
* Writers of one table on one machine are serialised by :func:`locked` on the table's lock
  file (see :mod:`pointline.v2.storage.delta.layout`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import filelock
import polars as pl
import pyarrow as pa

# imported here, not by the first Table.cast of an ingestion (~0.08 s)
import pyarrow.compute
from deltalake import DeltaTable, WriterProperties
from deltalake.exceptions import CommitFailedError, DeltaError

from pointline.errors import StorageError, TableCorruptError
from pointline.schemas.registry import get_table_spec
from pointline.schemas.types import TableSpec
from pointline.v2.storage.delta.layout import lock_path_for

T = TypeVar("T")

# What deltalake, pyarrow and polars raise when a table cannot be read or written.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    DeltaError,
    OSError,
    pa.ArrowException,
    pl.exceptions.PolarsError,
)

COMMIT_ATTEMPTS = 5
COMMIT_BACKOFF_S = 0.05
LOCK_TIMEOUT_S = 600.0


def now_us() -> int:
    """The current UTC time in microseconds."""
    return time.time_ns() // 1000


def describe(exc: BaseException) -> str:
    """The first line of a library error (deltalake appends a Rust backtrace after it)."""
    for line in str(exc).splitlines():
        if line.strip():
            return f"{type(exc).__name__}: {line.strip()}"
    return type(exc).__name__


def table_exists(path: Path) -> bool:
    """Whether ``path`` holds a Delta table (its log has a commit or a checkpoint).

    Raises:
        TableCorruptError: the log holds no commit but data files are there.
    """
    log = path / "_delta_log"
    if not log.is_dir():
        return False
    with os.scandir(log) as entries:
        if any(
            e.name.endswith((".json", ".checkpoint.parquet")) or e.name == "_last_checkpoint"
            for e in entries
        ):
            return True
    # delta-rs creates _delta_log with the first commit, so a log without commits beside data
    # files is a table whose log was lost, not a missing table: never read it as empty.
    if next(path.rglob("*.parquet"), None) is not None:
        raise TableCorruptError(
            f"table at {path}: data files but no readable commit in _delta_log (the log was "
            "lost); restore the log or remove the table"
        )
    return False


def open_table(path: Path) -> DeltaTable | None:
    """The Delta table at ``path``, ``None`` when there is none.

    Raises:
        TableCorruptError: a log exists but cannot be replayed.
    """
    if not table_exists(path):
        return None
    try:
        return DeltaTable(str(path))
    except LIBRARY_ERRORS as exc:
        raise TableCorruptError(f"table at {path} cannot be opened: {describe(exc)}") from exc


class TableCache:
    """One ``DeltaTable`` per path, kept current with ``update_incremental``.

    Opening a table replays its log from the last checkpoint; refreshing an open one replays
    only the commits since, which keeps a writer's cost per commit flat as tables grow. Use it
    under the table's writer lock.
    """

    def __init__(self) -> None:
        self._tables: dict[Path, DeltaTable] = {}

    def get(self, path: Path) -> DeltaTable | None:
        """The table at ``path`` at its latest version, ``None`` when there is none."""
        dt = self._tables.get(path)
        if dt is not None and table_exists(path):
            try:
                if has_moved(dt, path):
                    dt.update_incremental()
                return dt
            except LIBRARY_ERRORS:
                pass  # reopen below: that raises TableCorruptError if the log is damaged
        self._tables.pop(path, None)
        dt = open_table(path)
        if dt is not None:
            verify_files(dt, path)  # once per open: a writer must not build on a damaged table
            self._tables[path] = dt
        return dt


def has_moved(dt: DeltaTable, path: Path) -> bool:
    """Whether the table at ``path`` may have a version newer than ``dt``'s.

    A cheap check (one ``stat``, one small read) that saves a log listing and replay when
    nothing was committed: every new version N+1 writes ``N+1.json``, and that file is gone
    only when the log was trimmed behind a newer checkpoint, which ``_last_checkpoint`` names.
    Anything unexpected answers True (the caller then asks delta-rs).
    """
    try:
        version = dt.version()
        log = path / "_delta_log"
        if (log / f"{version + 1:020d}.json").exists():
            return True
        last = json.loads((log / "_last_checkpoint").read_text())
        return int(last["version"]) > version
    except FileNotFoundError:
        return False  # no checkpoint at all: no newer commit either (checked above)
    except (OSError, ValueError, KeyError, TypeError, *LIBRARY_ERRORS):
        return True


def refresh(dt: DeltaTable, path: Path) -> None:
    """Bring ``dt`` to the latest version by replaying only the newer commits."""
    try:
        if not has_moved(dt, path):
            return
        dt.update_incremental()
    except LIBRARY_ERRORS as exc:
        raise TableCorruptError(f"table at {path} cannot be refreshed: {describe(exc)}") from exc


def version_of(dt: DeltaTable, path: Path) -> int:
    try:
        return dt.version()
    except LIBRARY_ERRORS as exc:  # pragma: no cover - version() reads no file
        raise TableCorruptError(f"table at {path} has no version: {describe(exc)}") from exc


@cache
def _arrow_schema(table_name: str) -> pa.Schema:
    return pl.DataFrame(schema=get_table_spec(table_name).to_polars()).to_arrow().schema


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The Arrow schema every write of ``spec``'s table uses (one per table, never per chunk)."""
    return _arrow_schema(spec.name)


def to_arrow(df: pl.DataFrame, spec: TableSpec) -> pa.Table:
    """``df`` (in spec column order and dtypes) as an Arrow table of :func:`arrow_schema`."""
    return df.to_arrow().cast(arrow_schema(spec))


def empty_frame(spec: TableSpec) -> pl.DataFrame:
    """An empty frame of the exact spec schema."""
    return pl.DataFrame(schema=spec.to_polars())


def conform(
    df: pl.DataFrame, spec: TableSpec, path: Path, columns: list[str] | None = None
) -> pl.DataFrame:
    """``df`` read from the table at ``path``, checked against and cast to the spec schema.

    Args:
        columns: the projection that was read (default: every spec column).

    Raises:
        TableCorruptError: the table's columns or dtypes are not those of the spec.
    """
    full = spec.to_polars()
    expected = pl.Schema([(c, full[c]) for c in columns]) if columns else full
    if set(df.columns) != set(expected.names()):
        missing = [c for c in expected.names() if c not in df.columns]
        extra = [c for c in df.columns if c not in expected]
        raise TableCorruptError(
            f"table at {path} does not have the {spec.name} schema: "
            f"missing columns {missing}, unexpected columns {extra}"
        )
    df = df.select(expected.names())
    wrong = []
    for name, dtype in expected.items():
        got = df.schema[name]
        # Partition columns may come back dictionary-encoded (Categorical): same values.
        if got != dtype and not (dtype == pl.String and isinstance(got, pl.Categorical)):
            wrong.append(f"{name} expected {dtype} got {got}")
    if wrong:
        raise TableCorruptError(
            f"table at {path} does not have the {spec.name} schema: dtype mismatch: "
            + "; ".join(wrong)
        )
    return df.cast(dict(expected))


def read_frame(
    dt: DeltaTable,
    spec: TableSpec,
    path: Path,
    *,
    filters: list[tuple[str, str, Any]] | None = None,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """Rows of the table, optionally only ``columns`` and rows matching ``filters``.

    ``filters`` (DNF tuples) also prune data files by their partition values and min/max
    statistics, so a filter on ``file_id`` reads only the files that can hold that id.

    Raises:
        TableCorruptError: a data file is missing or unreadable, or the schema is off.
    """
    if columns is not None:
        known = set(table_columns(dt, path))
        missing = [c for c in columns if c not in known]
        if missing:
            raise TableCorruptError(
                f"table at {path} does not have the {spec.name} schema: missing columns {missing}"
            )
    df = None if filters else _read_plain(dt, columns)
    try:
        if df is None:
            df = pl.from_arrow(dt.to_pyarrow_table(filters=filters, columns=columns))
    except LIBRARY_ERRORS as exc:
        raise TableCorruptError(
            f"table {spec.name} at {path} cannot be read: {describe(exc)}"
        ) from exc
    if not isinstance(df, pl.DataFrame):  # pragma: no cover - a Table always gives a frame
        raise TableCorruptError(f"table {spec.name} at {path} did not read as a frame")
    return conform(df, spec, path, columns)


def _read_plain(dt: DeltaTable, columns: list[str] | None) -> pl.DataFrame | None:
    """The rows of an unpartitioned table read by Polars straight from its data files.

    A fast path for the control and dimension tables, read before every ingestion (pyarrow's
    dataset reader costs ~50 ms more per read and ~0.25 s of imports on first use). None
    when it does not apply (partitions, reader features such as deletion vectors, no data file,
    or files Polars cannot read as one frame): the caller then reads through deltalake, which also
    reports a damaged table.
    """
    try:
        if dt.metadata().partition_columns or dt.protocol().min_reader_version > 1:
            return None
        uris = dt.file_uris()
        if not uris:  # no file to take the schema from
            return None
        return pl.read_parquet(uris, columns=columns, missing_columns="insert")
    except LIBRARY_ERRORS:
        return None


def table_columns(dt: DeltaTable, path: Path) -> list[str]:
    """The column names of the table's current schema."""
    try:
        return [field.name for field in dt.schema().fields]
    except LIBRARY_ERRORS as exc:  # pragma: no cover - the schema is part of the snapshot
        raise TableCorruptError(f"table at {path} has no readable schema: {describe(exc)}") from exc


def read_path(path: Path, spec: TableSpec) -> pl.DataFrame:
    """The whole table at ``path``; an empty frame of the spec schema when there is none."""
    dt = open_table(path)
    if dt is None:
        return empty_frame(spec)
    return read_frame(dt, spec, path)


def commit(
    action: Callable[[], T],
    *,
    path: Path,
    what: str,
    before_retry: Callable[[], None] | None = None,
    attempts: int = COMMIT_ATTEMPTS,
) -> T:
    """Run one Delta write ``action``, retrying commit conflicts with a small backoff.

    Args:
        action: the write; it must be safe to call again after a ``CommitFailedError``.
        path: the table, for messages.
        what: what the write does, for messages (e.g. ``"append to trades"``).
        before_retry: called before each retry (e.g. to refresh a ``DeltaTable``).
        attempts: 1 disables retrying (for writes of a stream that cannot be replayed).

    Raises:
        StorageError: the commit still conflicted after ``attempts`` tries, or deltalake,
            pyarrow or the OS failed.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except CommitFailedError as exc:
            if attempt >= attempts:
                raise StorageError(
                    f"{what} at {path}: commit failed after {attempt} attempt(s): {describe(exc)}"
                ) from exc
            time.sleep(COMMIT_BACKOFF_S * 2 ** (attempt - 1))
            if before_retry is not None:
                before_retry()
        except LIBRARY_ERRORS as exc:
            raise StorageError(f"{what} at {path} failed: {describe(exc)}") from exc
    raise StorageError(f"{what} at {path}: no attempt made")  # attempts < 1


def new_lock(table_path: Path) -> filelock.FileLock:
    """The (not yet acquired) lock of the table at ``table_path``; nothing is created yet."""
    return filelock.FileLock(lock_path_for(table_path))


@contextmanager
def locked(lock: filelock.FileLock, table_path: Path) -> Iterator[None]:
    """Hold ``lock`` (creating its directory on first use); a timeout is a StorageError."""
    Path(lock.lock_file).parent.mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except filelock.Timeout as exc:
        raise StorageError(
            f"waited {LOCK_TIMEOUT_S:.0f} s for the write lock {lock.lock_file} "
            f"of the table at {table_path}"
        ) from exc
    try:
        yield
    finally:
        lock.release()


# delta-rs lists the whole _delta_log on every commit, so a table written once per ingested
# file slows down with every commit (measured: an append took 0.16 s after 1,500 commits).
# Writers therefore checkpoint every LOG_TRIM_EVERY commits and delete the log before the
# checkpoint. Time travel reaches back to the latest checkpoint; data files of older versions
# stay until a vacuum (7 days by default), so readers holding an older snapshot keep working.
LOG_TRIM_EVERY = 16
TRIMMED_LOG_CONFIG = {"delta.logRetentionDuration": "interval 0 seconds"}


def trim_log(dt: DeltaTable, path: Path, what: str) -> None:
    """Checkpoint ``dt`` and delete its log before that checkpoint (see LOG_TRIM_EVERY)."""
    config = dt.metadata().configuration
    if any(config.get(key) != value for key, value in TRIMMED_LOG_CONFIG.items()):
        commit(
            lambda: dt.alter.set_table_properties(TRIMMED_LOG_CONFIG),
            path=path,
            what=f"configure {what}",
            before_retry=lambda: refresh(dt, path),
        )
    commit(dt.create_checkpoint, path=path, what=f"checkpoint {what}", attempts=1)
    commit(dt.cleanup_metadata, path=path, what=f"trim the log of {what}", attempts=1)


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)


def verify_files(dt: DeltaTable, path: Path) -> None:
    """Raise ``TableCorruptError`` when a data file the log references is missing."""
    missing = [uri for uri in dt.file_uris() if not _local_path(uri).exists()]
    if missing:
        raise TableCorruptError(
            f"table at {path}: {len(missing)} data file(s) referenced by the log are missing, "
            f"e.g. {_local_path(missing[0]).name}; restore them or repair the table"
        )


# Snappy (Parquet's usual codec): measured 0.41 s for 1M trades rows written partitioned,
# against 1.6 s with delta-rs' default codec on the same rows.
WRITER_PROPERTIES = WriterProperties(compression="SNAPPY")
