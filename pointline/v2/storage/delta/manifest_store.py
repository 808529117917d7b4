"""The ingest manifest as a Delta table: one row per Bronze file identity, at every version.

Identity and ids
    A file's identity is (vendor, data_type, bronze_file_path, sha256). The first
    :meth:`DeltaManifestStore.resolve_file_id` of an identity appends a ``pending`` row with
    the next ``file_id`` (1 on a new lake) and ``created_at_ts_us``; later calls return the
    same id forever. A changed file (new sha256 at the same path) is a new identity.

Concurrency
    Every write (id allocation and status update) is a read-modify-write committed only on
    the version it was computed from (``based_on``): one another writer moved past is refused
    and rebuilt (:meth:`DeltaManifestStore._rebuilt_on_conflict`), so ids never repeat, on one
    machine or many. Reads need no lock: a Delta snapshot is consistent.

Cost that stays flat as the manifest grows
    The store keeps the manifest in memory (identity -> row and file_id -> row) together
    with the Delta version it reflects; the table helper keeps the ``DeltaTable`` current.
    When the table moved past the version this instance wrote (another process wrote), the
    cache catches up by reading only the data files it has not seen (the other writers' new
    rows; a compaction's merged files), and is checked against the row count of the new
    snapshot; only when that cannot be done is the whole table reloaded. A resolve is one
    small commit; a status update is one
    :meth:`~pointline.v2.storage.delta.table.Table.replace` of the row's file id (the file
    holding the old row is removed; a row inside a compacted file is rewritten by delta-rs),
    which keeps exactly one row per identity in every version. The helper checkpoints and
    trims the log every ``table.LOG_TRIM_EVERY`` versions and, every ``compact_every``
    versions, compacts the small files and vacuums data files replaced over an hour ago, so
    the file count, the log replay and the disk use stay bounded
    (``benchmarks/manifest_scale.py`` measures it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import polars as pl
from deltalake import DeltaTable
from deltalake.transaction import AddAction, RemoveAction

from pointline.errors import TableCorruptError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.schemas.types import INGEST_STATUS_SUCCESS
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.delta import common, data_files
from pointline.v2.storage.delta.table import (
    COMMIT_ATTEMPTS,
    CommitConflictError,
    Table,
    backoff,
)
from pointline.v2.storage.manifest_rows import (
    Identity,
    Related,
    Row,
    check_status,
    identity_of,
    pending_row,
    related,
    row_identity,
    updated_row,
)
from pointline.v2.storage.store_path import Location, StorePath

StatusUpdate = tuple[int, str, BronzeFileMetadata, IngestionResult | None]

_SCHEMA = INGEST_MANIFEST.to_polars()
T = TypeVar("T")

# Every status update replaces one small data file; the replaced files are deleted by a
# vacuum once older than ``vacuum_retention_hours``. Their tombstones stay in the snapshot
# (and every checkpoint) for deletedFileRetentionDuration, so that is kept short too, but
# longer than the vacuum retention so that every tombstone is seen by a vacuum. The log
# before the newest checkpoint is deleted (see ``table.LOG_TRIM_EVERY``).
_TABLE_CONFIG = {
    "delta.logRetentionDuration": "interval 0 seconds",
    "delta.deletedFileRetentionDuration": "interval 2 hours",
}
DEFAULT_VACUUM_RETENTION_HOURS = 1


class DeltaManifestStore:
    """The ``ingest_manifest`` Delta table at ``table_path`` (created on the first write).

    Args:
        table_path: the table directory, e.g. ``<lake>/silver/ingest_manifest``.
        compact_every: compact small files (and vacuum) when the table version is a multiple
            of this (the log is trimmed every ``table.LOG_TRIM_EVERY`` versions as well).
        vacuum_retention_hours: with each compaction, delete data files replaced more than
            this many hours ago (``None``: never). Readers of an older snapshot still being
            read after that long would miss files, so keep it well above 0.
    """

    def __init__(
        self,
        table_path: str | Path | StorePath,
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
        self._table = Table(
            table_path,
            INGEST_MANIFEST,
            configuration=_TABLE_CONFIG,
            compact_every=compact_every,
            vacuum_retention_hours=vacuum_retention_hours,
        )
        self._mutex = threading.RLock()
        self._version: int | None = None  # the version the cache reflects; None: reload
        self._by_identity: dict[Identity, Row] = {}
        self._by_id: dict[int, Row] = {}
        # the file ids of each (vendor, data_type, bronze_path) and of each file_hash: what
        # :meth:`related` looks at, without a pass over every row
        self._by_place: dict[tuple[str, str, str], set[int]] = {}
        self._by_hash: dict[str, set[int]] = {}
        self._max_id = 0
        # file_id -> the file this store committed holding that id's row alone, while the
        # cache is current: a status update then removes it without reading the table's
        # file list. Cleared whenever the cache is reloaded or the files are rewritten.
        self._sole_files: dict[int, AddAction] = {}
        # the data files (``DeltaTable.file_uris``) of a version whose rows the cache holds
        # (or holds newer rows of: this store's own commits); None: not known
        self._seen_files: set[str] | None = None

    @property
    def table_path(self) -> Location:
        return self._table.path

    # -- the ManifestStore protocol ------------------------------------------------------

    def resolve_file_id(self, meta: BronzeFileMetadata) -> int:
        """The stable id of ``meta``'s identity; a new identity gets a ``pending`` row."""
        return self.resolve_file_ids([meta])[0]

    def filter_pending(self, candidates: list[BronzeFileMetadata]) -> list[BronzeFileMetadata]:
        """The candidates whose identity is not ``success``, in their given order."""
        with self._mutex:
            self._refresh()
            rows = [self._by_identity.get(identity_of(meta)) for meta in candidates]
        return [
            meta
            for meta, row in zip(candidates, rows, strict=True)
            if row is None or row["status"] != INGEST_STATUS_SUCCESS
        ]

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
        ``status_reason`` (the stable ``failure_reason``) and ``status_message`` (the
        ``error_message``) describe this attempt;
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
            return self._rebuilt_on_conflict(lambda: self._resolve(idents))

    def _rebuilt_on_conflict(self, build: Callable[[], T]) -> T:
        """Run a read-modify-write of the manifest until its commit lands: a commit built on
        a version another writer moved past is refused, the cache refreshed and the rows
        (new ids, updated rows, removes) built again."""
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            try:
                return build()
            except CommitConflictError:
                if attempt >= COMMIT_ATTEMPTS:
                    raise
                backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _resolve(self, idents: list[Identity]) -> list[int]:
        with self._table.writing():
            self._refresh()
            new_rows: dict[Identity, Row] = {}
            created = common.now_us()
            next_id = self._max_id + 1
            for ident in idents:
                if ident in self._by_identity or ident in new_rows:
                    continue
                new_rows[ident] = pending_row(next_id, ident, created)
                next_id += 1
            if new_rows:
                self._write(list(new_rows.values()), removes=[])  # new ids: no file yet
            return [self._by_identity[i]["file_id"] for i in idents]

    def update_statuses(self, updates: Iterable[StatusUpdate]) -> None:
        """Apply several :meth:`update_status` calls in one commit (later ones win).

        Nothing is written when any of them is invalid.
        """
        updates = list(updates)
        for _, status, _, _ in updates:
            check_status(status)
        with self._mutex:
            self._rebuilt_on_conflict(lambda: self._update(updates))

    def _update(self, updates: list[StatusUpdate]) -> None:
        with self._table.writing():
            self._refresh()
            processed_at = common.now_us()
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
                    where=f"the manifest at {self.table_path}",
                )
                if row is not None:
                    new_rows[file_id] = row
            if new_rows:
                rows = [new_rows[i] for i in sorted(new_rows)]
                self._write(rows, removes=self._removals(sorted(new_rows)))

    def read(self) -> pl.DataFrame:
        """All rows sorted by file_id (exact schema; empty when the table does not exist)."""
        with self._mutex:
            self._refresh()
            rows = [self._by_id[i] for i in sorted(self._by_id)]
        return pl.DataFrame(rows, schema=_SCHEMA, orient="row")

    def status_of(self, file_id: int) -> str | None:
        """The status of ``file_id``, ``None`` when no row has it."""
        with self._mutex:
            self._refresh()
            row = self._by_id.get(file_id)
            return None if row is None else row["status"]

    def related(self, metas: list[BronzeFileMetadata]) -> list[Related]:
        """For each meta, the identities its content supersedes (same path, other content,
        not superseded yet) and its twins (same content, other path)."""
        with self._mutex:
            self._refresh()
            ids: set[int] = set()
            for m in metas:
                ids |= self._by_place.get((m.vendor, m.data_type, m.bronze_file_path), set())
                ids |= self._by_hash.get(m.sha256, set())
            return related([self._by_id[i] for i in sorted(ids)], metas)

    def lookup(self, meta: BronzeFileMetadata) -> tuple[int, str] | None:
        """``(file_id, status)`` of ``meta``'s identity without writing; ``None`` if unknown."""
        with self._mutex:
            self._refresh()
            row = self._by_identity.get(identity_of(meta))
            return None if row is None else (row["file_id"], row["status"])

    # -- internals -----------------------------------------------------------------------

    def _refresh(self) -> None:
        """Advance the snapshot; reload the cache when someone else wrote.

        On an object store, inside an ingestion attempt, the table helper refreshes only once
        until this store commits (:meth:`Table.latest`), so the attempt's later reads use the
        cache as it was then plus this store's own commits; every commit stays guarded, and
        one built on a cache another writer moved past is refused and rebuilt
        (:meth:`_rebuilt_on_conflict`).
        """
        dt = self._table.latest()
        if dt is None and not self._by_id:
            self._seen_files = set()  # no table yet: the empty cache has seen every file
        elif dt is not None and dt.version() != self._version and not self._catch_up(dt):
            self._reload(dt)

    def _catch_up(self, dt: DeltaTable) -> bool:
        """Bring the cache to ``dt`` by reading only the data files it has not seen; False
        when that cannot be done (nothing seen yet, no row counts, files not readable
        straight) or the result does not add up, and the caller reloads everything.

        Why it is exact: data files never change, and a manifest row is never deleted, only
        replaced by a row of the same id in a new file (a status update, a compaction). So
        the rows of ``dt`` are the cache's rows, but for the ids whose row is in a file not
        seen before; those files are read and their rows win. The row count of ``dt``
        (from its files' statistics) must then equal the ids and the identities cached:
        anything else (a row deleted by another program, an id twice) reloads, which also
        reports a damaged table.
        """
        if self._seen_files is None or self._version is None:
            return False
        try:
            uris = dt.file_uris()
            counts = pl.DataFrame(dt.get_add_actions(flatten=True))
        except common.LIBRARY_ERRORS:
            return False
        total = counts.get_column("num_records") if "num_records" in counts.columns else None
        if total is None or total.null_count():
            return False
        unseen = [uri for uri in uris if uri not in self._seen_files]
        new = self._table.read_files(dt, unseen)
        if new is None:
            return False
        for row in new.iter_rows(named=True):
            self._by_identity[row_identity(row)] = row
            self._by_id[row["file_id"]] = row
            self._index(row)
            self._max_id = max(self._max_id, row["file_id"])
        if not len(self._by_id) == len(self._by_identity) == int(total.sum()):
            return False
        self._sole_files.clear()  # another writer may have merged or rewritten them
        self._seen_files = set(uris)
        self._version = dt.version()
        return True

    def _reload(self, dt: DeltaTable) -> None:
        by_identity: dict[Identity, Row] = {}
        by_id: dict[int, Row] = {}
        for row in self._table.read(dt=dt).iter_rows(named=True):
            ident = row_identity(row)
            if ident in by_identity or row["file_id"] in by_id:
                raise TableCorruptError(
                    f"manifest at {self.table_path} has more than one row for file_id "
                    f"{row['file_id']} or identity {ident}"
                )
            by_identity[ident] = row
            by_id[row["file_id"]] = row
        self._by_identity = by_identity
        self._by_id = by_id
        self._by_place, self._by_hash = {}, {}
        for row in by_id.values():
            self._index(row)
        self._sole_files.clear()
        self._max_id = max(by_id, default=0)
        self._version = dt.version()
        try:
            self._seen_files = set(dt.file_uris())
        except common.LIBRARY_ERRORS:
            self._seen_files = None

    def _write(self, rows: list[Row], *, removes: list[RemoveAction] | None) -> None:
        """Replace the rows of these file ids (new ones: an append), then cache them.

        When another writer's commit may lie between (the helper cannot tell the version),
        the next :meth:`_refresh` reloads everything.
        """
        ids = [row["file_id"] for row in rows]
        frame = pl.DataFrame(rows, schema=_SCHEMA, orient="row")
        commit = self._table.replace(
            ids,
            [frame],
            replay=lambda: iter([frame]),
            removes=removes,
            based_on=(self._version,),
            attempts=1,
        )
        if commit is None:  # pragma: no cover - rows are never empty
            return
        for file_id in ids:
            self._sole_files.pop(file_id, None)
        if commit.rewritten:
            self._sole_files.clear()
        elif len(ids) == 1 and len(commit.adds) == 1:
            self._sole_files[ids[0]] = commit.adds[0]
        for row in rows:
            self._by_identity[row_identity(row)] = row
            self._by_id[row["file_id"]] = row
            self._index(row)
            self._max_id = max(self._max_id, row["file_id"])
        self._version = commit.version

    def _index(self, row: Row) -> None:
        """Note ``row``'s file id under its place and its hash (neither changes for an id)."""
        place = (row["vendor"], row["data_type"], row["bronze_path"])
        self._by_place.setdefault(place, set()).add(row["file_id"])
        self._by_hash.setdefault(row["file_hash"], set()).add(row["file_id"])

    def _removals(self, ids: list[int]) -> list[RemoveAction] | None:
        """The removal of the files holding the rows of ``ids`` when each id's row sits alone
        in a file this store committed and the cache is current (nobody else wrote since);
        otherwise ``None`` (the helper finds them in the table's file list)."""
        known = [self._sole_files.get(i) for i in ids]
        if self._version is not None and all(add is not None for add in known):
            return [data_files.removal_of(add) for add in known if add is not None]
        return None
