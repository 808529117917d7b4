"""The ingest manifest as a Delta table: one row per Bronze file identity, at every version.

Identity and ids
    A file's identity is (vendor, data_type, bronze_file_path, sha256). The first
    :meth:`DeltaManifestStore.resolve_file_id` of an identity appends a ``pending`` row with
    the next ``file_id`` (1 on a new lake) and ``created_at_ts_us``; later calls return the
    same id forever. A changed file (new sha256 at the same path) is a new identity.

Concurrency
    Every write (id allocation and status update) happens under a file lock next to the table
    (``<parent>/_locks/<name>.lock``), so processes of one machine allocate ids one at a time
    and never repeat one. Reads need no lock: a Delta snapshot is consistent.

Cost that stays flat as the manifest grows
    The store keeps the manifest in memory (identity -> row and file_id -> row) together
    with the Delta version it reflects, and one ``DeltaTable`` whose snapshot it advances with
    ``update_incremental()`` (only the new commits are replayed). The cache is reloaded only
    when the table moved past the version this instance wrote, i.e. another process wrote.
    A resolve is one small append commit; a status update is one commit that adds a
    Parquet file holding the new row and removes the file holding the old one
    (:mod:`~pointline.v2.storage.delta.data_files`; a row inside a compacted file is replaced
    by delta-rs' ``overwrite`` with ``predicate="file_id = N"``), which keeps exactly one row
    per identity in every version. Every ``_io.LOG_TRIM_EVERY`` versions a checkpoint is
    written and the log before it deleted; every ``compact_every`` versions the small files
    are also compacted and data files replaced over an hour ago vacuumed, so the file count,
    the log replay and the disk use stay bounded (``benchmarks/manifest_scale.py`` measures it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import polars as pl
from deltalake import DeltaTable, write_deltalake
from deltalake.transaction import AddAction, RemoveAction

from pointline.errors import StorageError, TableCorruptError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.schemas.types import (
    INGEST_STATUS_SUCCESS,
)
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.delta import _io, data_files
from pointline.v2.storage.manifest_rows import (
    Identity,
    Row,
    check_status,
    identity_of,
    pending_row,
    row_identity,
    updated_row,
)

StatusUpdate = tuple[int, str, BronzeFileMetadata, IngestionResult | None]

_SPEC = INGEST_MANIFEST
_SCHEMA = _SPEC.to_polars()

# Commit files older than the latest checkpoint are deleted when a checkpoint is written:
# delta-rs lists the whole ``_delta_log`` on every commit, so a long log makes every write
# slower (measured: 20 ms -> 115 ms per commit over 2,000 commits). The manifest keeps no
# history worth that; readers start from the newest checkpoint and are unaffected.
# Every status update replaces one small data file; the replaced files are deleted by a
# vacuum once older than ``vacuum_retention_hours``. Their tombstones stay in the snapshot
# (and every checkpoint) for deletedFileRetentionDuration, so that is kept short too, but
# longer than the vacuum retention so that every tombstone is seen by a vacuum.
_TABLE_CONFIG = {
    "delta.logRetentionDuration": "interval 0 seconds",
    "delta.deletedFileRetentionDuration": "interval 2 hours",
}
DEFAULT_VACUUM_RETENTION_HOURS = 1


def _id_predicate(file_ids: Sequence[int]) -> str:
    if len(file_ids) == 1:
        return f"file_id = {int(file_ids[0])}"
    return "file_id IN (" + ", ".join(str(int(i)) for i in file_ids) + ")"


class DeltaManifestStore:
    """The ``ingest_manifest`` Delta table at ``table_path`` (created on the first write).

    Args:
        table_path: the table directory, e.g. ``<lake>/silver/ingest_manifest``.
        compact_every: compact small files (and vacuum) when the table version is a multiple
            of this; the log is checkpointed and trimmed every ``_io.LOG_TRIM_EVERY`` versions
            as well, because every commit and refresh replays the log since the checkpoint.
        vacuum_retention_hours: with each compaction, delete data files replaced more than
            this many hours ago (``None``: never). Readers of an older snapshot still being
            read after that long would miss files, so keep it well above 0.
    """

    def __init__(
        self,
        table_path: str | Path,
        *,
        compact_every: int = 100,
        vacuum_retention_hours: int | None = DEFAULT_VACUUM_RETENTION_HOURS,
    ) -> None:
        if compact_every < 1:
            raise ValueError(f"compact_every must be >= 1, got {compact_every}")
        if vacuum_retention_hours is not None and vacuum_retention_hours < 0:
            raise ValueError(
                f"vacuum_retention_hours must be >= 0 or None, got {vacuum_retention_hours}"
            )
        self._vacuum_hours = vacuum_retention_hours
        self._path = Path(table_path)
        self._compact_every = compact_every
        self._lock = _io.new_lock(self._path)
        self._mutex = threading.RLock()
        self._dt: DeltaTable | None = None
        self._version: int | None = None  # the version the cache reflects; None: no table
        self._by_identity: dict[Identity, Row] = {}
        self._by_id: dict[int, Row] = {}
        self._max_id = 0
        # file_id -> the file this store committed holding that id's row alone, while the
        # cache is current: a status update then removes it without reading the table's
        # file list. Cleared whenever the cache is reloaded or the files are compacted.
        self._sole_files: dict[int, AddAction] = {}

    @property
    def table_path(self) -> Path:
        return self._path

    # -- the ManifestStore protocol ------------------------------------------------------

    def resolve_file_id(self, meta: BronzeFileMetadata) -> int:
        """The stable id of ``meta``'s identity; a new identity gets a ``pending`` row."""
        return self.resolve_file_ids([meta])[0]

    def filter_pending(self, candidates: list[BronzeFileMetadata]) -> list[BronzeFileMetadata]:
        """The candidates whose identity is not ``success``, in their given order."""
        with self._mutex:
            self._refresh()
            done = {
                ident
                for ident, row in self._by_identity.items()
                if row["status"] == INGEST_STATUS_SUCCESS
            }
        return [meta for meta in candidates if identity_of(meta) not in done]

    def update_status(
        self,
        file_id: int,
        status: str,
        meta: BronzeFileMetadata,
        result: IngestionResult | None = None,
    ) -> None:
        """Record the latest attempt of ``file_id``.

        ``processed_at_ts_us``, the row counts (``result.row_count``, ``rows_written``,
        ``rows_quarantined``; 0 without a result), the trading-date range and
        ``status_reason`` (``failure_reason: error_message``) describe this attempt;
        ``created_at_ts_us`` never changes. ``pending`` on a pending row changes nothing.

        Raises:
            ValueError: unknown status, or no row has ``file_id``.
            ManifestConflictError: ``pending`` after a processed status, or ``meta`` is not
                the identity of ``file_id``.
        """
        self.update_statuses([(file_id, status, meta, result)])

    # -- bulk variants and reads ---------------------------------------------------------

    def resolve_file_ids(self, metas: Iterable[BronzeFileMetadata]) -> list[int]:
        """Ids of ``metas`` in order; all new identities are appended in one commit."""
        idents = [identity_of(m) for m in metas]
        with self._mutex:
            known = [self._by_identity.get(i) for i in idents]
            if all(row is not None for row in known):
                return [row["file_id"] for row in known]  # type: ignore[index]
            with _io.locked(self._lock, self._path):
                self._refresh()
                new_rows: dict[Identity, Row] = {}
                created = _io.now_us()
                next_id = self._max_id + 1
                for ident in idents:
                    if ident in self._by_identity or ident in new_rows:
                        continue
                    new_rows[ident] = pending_row(next_id, ident, created)
                    next_id += 1
                if new_rows:
                    self._write(list(new_rows.values()), predicate=None)
                return [self._by_identity[i]["file_id"] for i in idents]

    def update_statuses(self, updates: Iterable[StatusUpdate]) -> None:
        """Apply several :meth:`update_status` calls in one commit (later ones win).

        Nothing is written when any of them is invalid.
        """
        updates = list(updates)
        for _, status, _, _ in updates:
            check_status(status)
        with self._mutex, _io.locked(self._lock, self._path):
            self._refresh()
            processed_at = _io.now_us()
            new_rows: dict[int, Row] = {}
            for file_id, status, meta, result in updates:
                current = new_rows.get(file_id) or self._by_id.get(file_id)
                row = updated_row(
                    current,
                    file_id,
                    status,
                    meta,
                    result,
                    processed_at,
                    where=f"the manifest at {self._path}",
                )
                if row is not None:
                    new_rows[file_id] = row
            if new_rows:
                rows = [new_rows[i] for i in sorted(new_rows)]
                self._write(rows, predicate=_id_predicate(sorted(new_rows)))

    def read(self) -> pl.DataFrame:
        """All rows sorted by file_id (exact schema; empty when the table does not exist)."""
        with self._mutex:
            self._refresh()
            rows = [self._by_id[i] for i in sorted(self._by_id)]
        return pl.DataFrame(rows, schema=_SCHEMA, orient="row") if rows else _io.empty_frame(_SPEC)

    def status_of(self, file_id: int) -> str | None:
        """The status of ``file_id``, ``None`` when no row has it."""
        with self._mutex:
            self._refresh()
            row = self._by_id.get(file_id)
            return None if row is None else row["status"]

    def lookup(self, meta: BronzeFileMetadata) -> tuple[int, str] | None:
        """``(file_id, status)`` of ``meta``'s identity without writing; ``None`` if unknown."""
        with self._mutex:
            self._refresh()
            row = self._by_identity.get(identity_of(meta))
            return None if row is None else (row["file_id"], row["status"])

    # -- internals -----------------------------------------------------------------------

    def _refresh(self) -> None:
        """Advance the snapshot; reload the cache when someone else wrote."""
        if self._dt is None:
            self._dt = _io.open_table(self._path)
            if self._dt is None:
                return
            self._reload()
            return
        _io.refresh(self._dt, self._path)
        if _io.version_of(self._dt, self._path) != self._version:
            self._reload()

    def _reload(self) -> None:
        if self._dt is None:  # pragma: no cover - callers open the table first
            return
        frame = _io.read_frame(self._dt, _SPEC, self._path)
        by_identity: dict[Identity, Row] = {}
        by_id: dict[int, Row] = {}
        for row in frame.iter_rows(named=True):
            ident = row_identity(row)
            if ident in by_identity or row["file_id"] in by_id:
                raise TableCorruptError(
                    f"manifest at {self._path} has more than one row for file_id "
                    f"{row['file_id']} or identity {ident}"
                )
            by_identity[ident] = row
            by_id[row["file_id"]] = row
        self._by_identity = by_identity
        self._by_id = by_id
        self._sole_files.clear()
        self._max_id = max(by_id, default=0)
        self._version = _io.version_of(self._dt, self._path)

    def _write(self, rows: list[Row], *, predicate: str | None) -> None:
        """Commit ``rows`` (append, or replace the rows matching ``predicate``), then cache.

        The rows go to a Parquet file of their own, committed with the removal of the files
        holding only the replaced rows (:mod:`~pointline.v2.storage.delta.data_files`); rows
        inside a compacted file are replaced by delta-rs' overwrite, which rewrites it.
        """
        frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
        ids = [row["file_id"] for row in rows]
        before = self._version
        dt = self._dt
        # appended rows carry new ids: no file holds them yet
        removes = [] if dt is None or predicate is None else self._removals(ids)
        if dt is None:
            adds = data_files.write_replacement(
                None,
                self._path,
                _SPEC,
                [frame],
                ids,
                removes=[],
                what="create",
                configuration=_TABLE_CONFIG,
            )
            self._dt = _io.open_table(self._path)
            if self._dt is None:
                raise StorageError(f"the manifest at {self._path} was not created")
            if len(ids) == 1 and len(adds) == 1:
                self._sole_files[ids[0]] = adds[0]
        elif removes is not None:
            adds = data_files.write_replacement(
                dt, self._path, _SPEC, [frame], ids, removes=removes, what="rows"
            )
            for file_id in ids:
                self._sole_files.pop(file_id, None)
            if len(ids) == 1 and len(adds) == 1:
                self._sole_files[ids[0]] = adds[0]
            # A transaction does not move the DeltaTable it came from. When the cache was
            # current, the commit is assumed to be the next version: the next _refresh()
            # (which every read and write starts with) reloads if the table says otherwise.
            if before is None:
                _io.refresh(dt, self._path)
        else:
            self._sole_files.clear()  # the overwrite rewrites files
            data = _io.to_arrow(frame, _SPEC)
            _io.commit(
                lambda: write_deltalake(dt, data, mode="overwrite", predicate=predicate),
                path=self._path,
                what="manifest overwrite",
                before_retry=lambda: _io.refresh(dt, self._path),
            )
        if self._dt is None:  # pragma: no cover - set above
            raise StorageError(f"the manifest at {self._path} is not open")
        expected = 0 if before is None else before + 1
        version = max(_io.version_of(self._dt, self._path), expected)
        for row in rows:
            self._by_identity[row_identity(row)] = row
            self._by_id[row["file_id"]] = row
            self._max_id = max(self._max_id, row["file_id"])
        # Another writer slipped in (outside our lock): the next refresh reloads everything.
        self._version = version if version == expected else None
        if version > 0 and (
            version % self._compact_every == 0 or version % _io.LOG_TRIM_EVERY == 0
        ):
            self._refresh()  # maintenance needs the table object at its latest version
            self._maintain(compact=version % self._compact_every == 0)

    def _removals(self, ids: list[int]) -> list[RemoveAction] | None:
        """The removal of the files holding the rows of ``ids`` (see ``files_to_remove``):
        known without reading the table when each id's row sits alone in a file this store
        committed and the cache is current (nobody else wrote since)."""
        known = [self._sole_files.get(i) for i in ids]
        if self._version is not None and all(add is not None for add in known):
            return [data_files.removal_of(add) for add in known if add is not None]
        if self._dt is None:  # pragma: no cover - callers check
            return []
        return data_files.files_to_remove(self._dt, ids)

    def _maintain(self, *, compact: bool = True) -> None:
        """Compact small files (when ``compact``), checkpoint, drop the log before it, vacuum
        replaced files (when ``compact``).

        None of these change rows: the cache stays valid when each step moved the version by
        no more than the commits it makes (otherwise another writer slipped in: reload).
        """
        dt = self._dt
        if dt is None:  # pragma: no cover
            return
        self._sole_files.clear()  # compaction rewrites the files
        valid = self._version is not None

        def step(action: Callable[[], object], what: str, commits: int = 1) -> None:
            nonlocal valid
            before = _io.version_of(dt, self._path)
            _io.commit(action, path=self._path, what=what, attempts=1)
            valid = valid and _io.version_of(dt, self._path) - before <= commits

        if compact:
            step(lambda: dt.optimize.compact(), "compact the manifest")
        config = dt.metadata().configuration
        if any(config.get(key) != value for key, value in _TABLE_CONFIG.items()):
            step(lambda: dt.alter.set_table_properties(_TABLE_CONFIG), "configure the manifest")
        step(dt.create_checkpoint, "checkpoint the manifest")
        step(dt.cleanup_metadata, "clean the manifest log")
        if compact and self._vacuum_hours is not None:
            hours = self._vacuum_hours
            step(
                lambda: dt.vacuum(
                    retention_hours=hours, dry_run=False, enforce_retention_duration=False
                ),
                "vacuum the manifest",
                commits=2,  # VACUUM START and VACUUM END
            )
        self._version = _io.version_of(dt, self._path) if valid else None
