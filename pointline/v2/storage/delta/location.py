"""Where one Delta table lives: the only code that touches a table's files directly.

Every file touch of a table goes through a :class:`TableLocation`: whether the table exists,
opening a snapshot (optionally at a version), the cheap freshness probe, checking the data
files a snapshot references, writing and deleting data files, and the writer lock.

The table is either a local directory (a :class:`~pathlib.Path`) or a prefix of an object
store (a :class:`~pointline.v2.storage.store_path.StorePath`: URL plus ``storage_options``).
On a store, files are listed, written and deleted through obstore, every deltalake and Polars
call gets the ``storage_options``, and there is no lock (a local lock would not reach another
machine; correctness never rests on it, see :mod:`~pointline.v2.storage.delta.table`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
import polars as pl
from deltalake import DeltaTable

from pointline.errors import StorageError, TableCorruptError
from pointline.v2.storage.delta import common
from pointline.v2.storage.delta.layout import lock_path_for
from pointline.v2.storage.store_path import Location, StorePath, as_location, local_path

LOCK_TIMEOUT_S = 600.0
_LOG_ENTRY = (".json", ".checkpoint.parquet", "_last_checkpoint")
_STAGED = ".json#"
"""object_store writes a local file as ``<name>#<n>`` and links it into place: a log entry
being written."""
_FIRST_COMMIT_PAUSES = (0.0, 0.05, 0.25)
"""Seconds waited before each look at a log folder that holds no commit beside data files."""


class TableLocation:
    """The directory (or object-store prefix) of one Delta table; nothing is created until a
    write.

    Args:
        path: the table's directory, URL or :class:`StorePath`.
    """

    def __init__(self, path: str | Path | StorePath) -> None:
        self.path: Location = as_location(path)
        self.remote = isinstance(self.path, StorePath)
        self._lock = None if self.remote else filelock.FileLock(lock_path_for(self.path))

    @property
    def uri(self) -> str:
        """What deltalake and Polars are given to reach the table."""
        return str(self.path)

    @property
    def storage_options(self) -> dict[str, str] | None:
        """What deltalake and Polars are given with :attr:`uri` (``None`` locally)."""
        return self.path.options if isinstance(self.path, StorePath) else None

    def exists(self) -> bool:
        """Whether a Delta table is here (its log has a commit or a checkpoint).

        Raises:
            TableCorruptError: the log holds no commit but data files are there.
        """
        if isinstance(self.path, StorePath):
            try:
                entries = self.path.list("_delta_log/")
                if any(e.endswith(_LOG_ENTRY) for e in entries):
                    return True
                # A store has no directories: no log object at all is a table not created yet
                # (its first writer's data files may be there before its first commit).
                data = bool(entries) and any(e.endswith(".parquet") for e in self.path.list())
            except Exception as exc:  # obstore raises its own error classes
                raise StorageError(
                    f"table at {self.path}: listing failed: {common.describe(exc)}"
                ) from exc
            if data:
                raise self._log_lost()
            return False
        log = self.path / "_delta_log"
        for pause in _FIRST_COMMIT_PAUSES:
            time.sleep(pause)
            if not log.is_dir():
                return False
            with os.scandir(log) as entries:
                names = [e.name for e in entries]
            if any(n.endswith(_LOG_ENTRY) for n in names):
                return True
            if any(_STAGED in n for n in names):
                return False  # the first commit is being written (a staged file, then a link)
            if next(self.path.rglob("*.parquet"), None) is None:
                return False
            # data files and a log folder without commits: the first writer made the folder and
            # is about to stage its first commit, or the log was lost; look again, then decide
        raise self._log_lost()

    def _log_lost(self) -> TableCorruptError:
        return TableCorruptError(
            f"table at {self.path}: data files but no readable commit in _delta_log (the "
            "log was lost); restore the log or remove the table"
        )

    def open(self, version: int | None = None) -> DeltaTable | None:
        """A snapshot of the table (the latest, or ``version``); ``None`` when there is none.

        Raises:
            TableCorruptError: a log exists but cannot be replayed (or has no ``version``).
        """
        if not self.exists():
            return None
        try:
            return DeltaTable(self.uri, version=version, storage_options=self.storage_options)
        except common.LIBRARY_ERRORS as exc:
            at = "" if version is None else f" at version {version}"
            raise TableCorruptError(
                f"table at {self.path} cannot be opened{at}: {common.describe(exc)}"
            ) from exc

    def has_moved(self, dt: DeltaTable) -> bool:
        """Whether the table may have a version newer than ``dt``'s.

        A cheap check (one ``stat``, one small read) that saves a log listing and replay when
        nothing was committed: every new version N+1 writes ``N+1.json``, and that file is gone
        only when the log was trimmed behind a newer checkpoint, which ``_last_checkpoint``
        names. Anything unexpected answers True (the caller then asks delta-rs). On an object
        store the answer is always True: delta-rs' ``update_incremental`` is one listing of the
        log after the version (measured: a HEAD of the next entry plus a read of
        ``_last_checkpoint`` made an ingestion cost more requests, not fewer).
        """
        if self.remote:
            return True
        try:
            version = dt.version()
            log = self.path / "_delta_log"
            if (log / f"{version + 1:020d}.json").exists():
                return True
            last = json.loads((log / "_last_checkpoint").read_text())
            return int(last["version"]) > version
        except FileNotFoundError:
            return False  # no checkpoint at all: no newer commit either (checked above)
        except (OSError, ValueError, KeyError, TypeError, *common.LIBRARY_ERRORS):
            return True

    def refresh(self, dt: DeltaTable) -> None:
        """Bring ``dt`` to the newest version, in place.

        ``update_incremental`` replays the log after ``dt``'s version; when another writer
        trimmed those entries behind a newer checkpoint, the snapshot is reloaded at the newest
        version instead (the same ``DeltaTable`` object: callers holding it keep working).

        Raises:
            TableCorruptError: the table cannot be opened at all.
        """
        try:
            dt.update_incremental()
            return
        except common.LIBRARY_ERRORS:
            pass
        fresh = self.open()
        if fresh is None:
            raise TableCorruptError(f"table at {self.path} cannot be refreshed: it is gone")
        dt._table = fresh._table  # deltalake's DeltaTable wraps one RawDeltaTable

    def verify_files(self, dt: DeltaTable) -> None:
        """Raise ``TableCorruptError`` when a data file ``dt`` references is missing (on an
        object store: one listing of the table)."""
        if isinstance(self.path, StorePath):
            where = self.path
            stored = set(where.list())
            missing = [u for u in dt.file_uris() if where.relative(u) not in stored]
            name = missing[0].rsplit("/", 1)[-1] if missing else ""
        else:
            missing = [uri for uri in dt.file_uris() if not local_path(uri).exists()]
            name = local_path(missing[0]).name if missing else ""
        if missing:
            raise TableCorruptError(
                f"table at {self.path}: {len(missing)} data file(s) referenced by the log are "
                f"missing, e.g. {name}; restore them or repair the table"
            )

    def read_plain(
        self, dt: DeltaTable, columns: list[str] | None, *, uris: list[str] | None = None
    ) -> pl.DataFrame | None:
        """The rows of an unpartitioned table read by Polars straight from its data files
        (``uris``: only these of ``dt.file_uris()``).

        A fast path for the control and dimension tables, read before every ingestion
        (pyarrow's dataset reader costs ~50 ms more per read and ~0.25 s of imports on first
        use). None when it does not apply (partitions, reader features such as deletion
        vectors, no data file, or files Polars cannot read as one frame): the caller then
        reads through deltalake, which also reports a damaged table.
        """
        try:
            if dt.metadata().partition_columns or dt.protocol().min_reader_version > 1:
                return None
            uris = dt.file_uris() if uris is None else uris
            if not uris:  # no file to take the schema from
                return None
            return pl.read_parquet(
                uris,
                columns=columns,
                missing_columns="insert",
                storage_options=self.storage_options,
            )
        except common.LIBRARY_ERRORS:
            return None

    def write_parquet(self, relative: str, rows: pl.DataFrame, compression: str) -> int:
        """Write ``rows`` as the data file at ``relative`` (``/``-separated); its size."""
        if isinstance(self.path, StorePath):
            buffer = io.BytesIO()
            rows.write_parquet(buffer, compression=compression, statistics=True)  # type: ignore[arg-type]
            data = buffer.getvalue()
            self.path.put(relative, data)
            return len(data)
        target = self.path.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        rows.write_parquet(target, compression=compression, statistics=True)
        return target.stat().st_size

    def delete_files(self, relative: list[str]) -> None:
        """Delete data files nothing references (best effort)."""
        if isinstance(self.path, StorePath):
            with contextlib.suppress(Exception):
                self.path.delete(relative)
            return
        for name in relative:
            with contextlib.suppress(OSError):
                os.unlink(self.path.joinpath(*name.split("/")))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the table's writer lock (reentrant; a timeout is a StorageError).

        Only on a local disk, and only as an optimisation (writers of one machine wait for
        each other instead of conflicting); on an object store there is none.
        """
        if self._lock is None:
            yield
            return
        Path(self._lock.lock_file).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=LOCK_TIMEOUT_S)
        except filelock.Timeout as exc:
            raise StorageError(
                f"waited {LOCK_TIMEOUT_S:.0f} s for the write lock {self._lock.lock_file} "
                f"of the table at {self.path}"
            ) from exc
        try:
            yield
        finally:
            self._lock.release()
