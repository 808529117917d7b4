"""Where one Delta table lives: the only code that touches a table's files directly.

Every filesystem touch of a table goes through a :class:`TableLocation`: whether the table
exists, opening a snapshot (optionally at a version), the cheap freshness probe, checking the
data files a snapshot references, writing and deleting data files, and the writer lock. A lake
on an object store (issue 15) replaces this one class: a URL plus ``storage_options`` instead of
a ``Path``, a listing instead of ``stat``, and a commit guard instead of the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import filelock
import polars as pl
from deltalake import DeltaTable

from pointline.errors import StorageError, TableCorruptError
from pointline.v2.storage.delta import _io
from pointline.v2.storage.delta.layout import lock_path_for

LOCK_TIMEOUT_S = 600.0


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)


class TableLocation:
    """The directory of one Delta table (nothing is created until a write).

    Args:
        path: the table's directory.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = filelock.FileLock(lock_path_for(self.path))

    @property
    def uri(self) -> str:
        """What deltalake and Polars are given to reach the table."""
        return str(self.path)

    def exists(self) -> bool:
        """Whether a Delta table is here (its log has a commit or a checkpoint).

        Raises:
            TableCorruptError: the log holds no commit but data files are there.
        """
        log = self.path / "_delta_log"
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
        if next(self.path.rglob("*.parquet"), None) is not None:
            raise TableCorruptError(
                f"table at {self.path}: data files but no readable commit in _delta_log (the "
                "log was lost); restore the log or remove the table"
            )
        return False

    def open(self, version: int | None = None) -> DeltaTable | None:
        """A snapshot of the table (the latest, or ``version``); ``None`` when there is none.

        Raises:
            TableCorruptError: a log exists but cannot be replayed (or has no ``version``).
        """
        if not self.exists():
            return None
        try:
            return DeltaTable(self.uri, version=version)
        except _io.LIBRARY_ERRORS as exc:
            at = "" if version is None else f" at version {version}"
            raise TableCorruptError(
                f"table at {self.path} cannot be opened{at}: {_io.describe(exc)}"
            ) from exc

    def has_moved(self, dt: DeltaTable) -> bool:
        """Whether the table may have a version newer than ``dt``'s.

        A cheap check (one ``stat``, one small read) that saves a log listing and replay when
        nothing was committed: every new version N+1 writes ``N+1.json``, and that file is gone
        only when the log was trimmed behind a newer checkpoint, which ``_last_checkpoint``
        names. Anything unexpected answers True (the caller then asks delta-rs).
        """
        try:
            version = dt.version()
            log = self.path / "_delta_log"
            if (log / f"{version + 1:020d}.json").exists():
                return True
            last = json.loads((log / "_last_checkpoint").read_text())
            return int(last["version"]) > version
        except FileNotFoundError:
            return False  # no checkpoint at all: no newer commit either (checked above)
        except (OSError, ValueError, KeyError, TypeError, *_io.LIBRARY_ERRORS):
            return True

    def verify_files(self, dt: DeltaTable) -> None:
        """Raise ``TableCorruptError`` when a data file ``dt`` references is missing."""
        missing = [uri for uri in dt.file_uris() if not _local_path(uri).exists()]
        if missing:
            raise TableCorruptError(
                f"table at {self.path}: {len(missing)} data file(s) referenced by the log are "
                f"missing, e.g. {_local_path(missing[0]).name}; restore them or repair the table"
            )

    def read_plain(self, dt: DeltaTable, columns: list[str] | None) -> pl.DataFrame | None:
        """The rows of an unpartitioned table read by Polars straight from its data files.

        A fast path for the control and dimension tables, read before every ingestion
        (pyarrow's dataset reader costs ~50 ms more per read and ~0.25 s of imports on first
        use). None when it does not apply (partitions, reader features such as deletion
        vectors, no data file, or files Polars cannot read as one frame): the caller then
        reads through deltalake, which also reports a damaged table.
        """
        try:
            if dt.metadata().partition_columns or dt.protocol().min_reader_version > 1:
                return None
            uris = dt.file_uris()
            if not uris:  # no file to take the schema from
                return None
            return pl.read_parquet(uris, columns=columns, missing_columns="insert")
        except _io.LIBRARY_ERRORS:
            return None

    def write_parquet(self, relative: str, rows: pl.DataFrame, compression: str) -> int:
        """Write ``rows`` as the data file at ``relative`` (``/``-separated); its size."""
        target = self.path.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        rows.write_parquet(target, compression=compression, statistics=True)
        return target.stat().st_size

    def delete_files(self, relative: list[str]) -> None:
        """Delete data files nothing references (best effort)."""
        for name in relative:
            with contextlib.suppress(OSError):
                os.unlink(self.path.joinpath(*name.split("/")))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the table's writer lock (reentrant; a timeout is a StorageError)."""
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
