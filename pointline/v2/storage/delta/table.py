"""One Delta table and everything a store does to it: the table helper of the Delta stores.

A :class:`Table` owns, for one table:

* its **location** (:class:`~pointline.v2.storage.delta.location.TableLocation`): every file
  touch, the writer lock;
* its **cache**: one ``DeltaTable`` kept current with ``update_incremental`` (skipped when the
  location says nothing moved), verified once per open, so a writer's cost per commit stays
  flat as the table grows;
* **replacement** (:meth:`Table.replace`): "replace every row of these file ids with these
  frames, atomically". Written by Polars as Parquet and committed with the removal of the
  files holding only those ids (:mod:`~pointline.v2.storage.delta.data_files`); when a file
  mixes those ids with others (after a compaction or a batch), delta-rs' overwrite with
  ``predicate="file_id IN (...)"`` rewrites it; no rows deletes the ids' rows and creates no
  table;
* **appends** deduplicated by a key against the stored rows of the same file ids;
* **upkeep** after each of its commits, at table versions that are multiples of
  :data:`LOG_TRIM_EVERY` (checkpoint and delete the log before it) and of ``compact_every``
  (compact small files, vacuum replaced ones).

**The commit guard.** Every commit is built on a snapshot at version ``v`` and carries the
application transaction ``(GUARD_APP_ID, v + 1)`` (:func:`guard`), so delta-rs rejects it with
``CommitFailedError`` when any other commit landed after ``v`` (every pointline commit carries
the same app id): two commits built on one version can never both land, on a local disk or on
an object store with conditional put, with no lock. A rejected writer refreshes its snapshot,
waits a jittered backoff and rebuilds its commit (the removes, or for the manifest the whole
read-modify-write) without rewriting its Parquet files. A commit that fails ambiguously (an
error after the log entry may have been written) is resolved by reading back whether a commit
carrying its token (``pointline.commit_id`` in the commit info) landed. The local lock
(``<parent>/_locks/<table>.lock``) only saves conflicts between writers of one machine; it is
never what makes a commit correct, and on an object store there is none.

deltalake, pyarrow and OS failures of a write become
:class:`~pointline.errors.StorageError`; a table that exists but cannot be opened or read
raises :class:`~pointline.errors.TableCorruptError`.

The stores are mappers over it: which rows, which key, which errors.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError
from deltalake.schema import Field
from deltalake.transaction import AddAction, CommitProperties, RemoveAction, Transaction

from pointline.errors import StorageError, TableCorruptError, TableSchemaMismatchError
from pointline.schemas.types import TableSpec
from pointline.v2.storage import attempts
from pointline.v2.storage.attempts import current_attempt, is_taking_back
from pointline.v2.storage.delta import common, data_files
from pointline.v2.storage.delta.location import TableLocation
from pointline.v2.storage.store_path import Location, StorePath

T = TypeVar("T")

# delta-rs lists the whole _delta_log on every commit, so a table written once per ingested
# file slows down with every commit (measured: an append took 0.16 s after 1,500 commits).
# Writers therefore checkpoint every LOG_TRIM_EVERY versions and delete the log before the
# checkpoint. Time travel reaches back to the latest checkpoint; data files of older versions
# stay until a vacuum (7 days by default), so readers holding an older snapshot keep working.
LOG_TRIM_EVERY = 16
COMMIT_ATTEMPTS = 12
COMMIT_BACKOFF_S = 0.05
COMMIT_BACKOFF_MAX_S = 2.0
GUARD_APP_ID = "pointline"
"""The application transaction id every pointline commit carries (see :func:`guard`)."""
COMMIT_ID_KEY = "pointline.commit_id"
"""commitInfo key of every pointline commit: a token read back to resolve an ambiguous commit."""
FENCE_KEY = "pointline.fence"
"""commitInfo key of a fenced commit: ``"<attempt>:<file ids>"`` (ids as ``"1-4,9"``)."""
FENCE_MARGIN_MS = 1_000
"""Commits up to this long before an attempt began are still read for newer fences. A newer
attempt's commits are stamped by the clock that numbered it, after its start, so they are
never older than the attempt it supersedes whatever the skew between machines; the margin
covers rounding only."""


class CommitConflictError(StorageError):
    """Another writer committed after the snapshot a commit was built on (nothing landed)."""


class SupersededError(StorageError):
    """A newer ingestion attempt already wrote rows of these file ids (nothing landed)."""


def fenced(
    properties: CommitProperties, dt: DeltaTable | None, file_ids: Sequence[int], where: str
) -> CommitProperties:
    """``properties`` with the fence of the current attempt on ``file_ids``
    (:mod:`~pointline.v2.storage.attempts`), checked against ``dt``, the snapshot the commit
    is built on.

    Raises:
        SupersededError: ``dt`` holds a newer attempt's rows of one of the ids.
    """
    number = attempts.current_attempt()
    if number is None:
        return properties
    if dt is not None:
        newer = _superseding(dt, file_ids, number)
        if newer:
            attempts.mark_superseded()
            raise SupersededError(
                f"{where}: a newer attempt already wrote file_id {newer[:5]} "
                f"({len(newer)} file(s)); this attempt's rows are not committed, the newer "
                "attempt's rows and status stand"
            )
    return data_files.with_metadata(
        properties,
        {FENCE_KEY: f"{number}:{data_files.id_text(file_ids)}"},
        [Transaction(attempts.file_app_id(i), number) for i in file_ids],
    )


def guard(dt: DeltaTable | None, metadata: Mapping[str, str] | None = None) -> CommitProperties:
    """The properties of a commit built on ``dt``: the app transaction ``(GUARD_APP_ID,
    version + 1)`` (any other commit after ``dt``'s version makes delta-rs reject this one),
    no automatic rebase by delta-rs, and ``metadata`` in the commit info."""
    version = -1 if dt is None else dt.version()
    return CommitProperties(
        custom_metadata=dict(metadata or {}),
        max_commit_retries=0,
        app_transactions=[Transaction(GUARD_APP_ID, version + 1)],
    )


def _ids_of(text: str) -> list[tuple[int, int]]:
    runs = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        runs.append((int(low), int(high or low)))
    return runs


_COMMIT_INFOS: dict[str, dict[int, tuple[int, str | None]]] = {}
"""table URI -> version -> (commit timestamp ms, fence): commit infos read so far (a version's
commit never changes), so each fence check reads only the commits it has not seen."""
_COMMIT_INFOS_KEPT = 4096


def _remember(dt: DeltaTable, began_ms: int, properties: CommitProperties) -> None:
    """Cache the commit info of the guarded commit just made on ``dt``: it landed at
    ``dt.version() + 1`` (the guard refuses any other version), stamped no earlier than
    ``began_ms`` (a lower bound is exact enough: a commit of the attempt being checked is
    stamped after the attempt began, so it stays inside that attempt's window)."""
    fence = (properties.custom_metadata or {}).get(FENCE_KEY)
    cache = _COMMIT_INFOS.setdefault(dt.table_uri, {})
    cache[dt.version() + 1] = (began_ms, fence if isinstance(fence, str) else None)


def _window(dt: DeltaTable, since_ms: int) -> list[tuple[int, str | None]] | None:
    """``(timestamp, fence)`` of every commit of ``dt`` stamped at or after ``since_ms``;
    ``None`` when the log no longer reaches back that far."""
    cache = _COMMIT_INFOS.setdefault(dt.table_uri, {})
    top = dt.version()
    version = top
    fetch = 1
    while True:
        while version >= 0 and version in cache and cache[version][0] >= since_ms:
            version -= 1
        if version < 0 or version in cache:  # the whole log, or a commit before the window
            return [cache[v] for v in range(version + 1, top + 1)]
        fetch = max(fetch * 2, top - version + 1)
        for info in dt.history(fetch):
            fence = info.get(FENCE_KEY)
            cache[int(info["version"])] = (
                int(info.get("timestamp", 0)),
                fence if isinstance(fence, str) else None,
            )
        if version not in cache:
            return None  # trimmed below the window
        if len(cache) > _COMMIT_INFOS_KEPT:
            for old in sorted(cache)[: len(cache) - _COMMIT_INFOS_KEPT]:
                del cache[old]


def _fences(dt: DeltaTable, wanted: set[int], number: int) -> list[tuple[int, set[int]]] | None:
    """``(attempt, the ids of wanted it fenced)`` of every fenced commit of ``dt`` stamped since
    attempt ``number`` began, in version order; ``None`` when the log no longer reaches back
    that far. Each commit is read once per process, however many ids and checks."""
    window = _window(dt, number // 1000 - FENCE_MARGIN_MS)
    if window is None:
        return None
    found = []
    for _, fence in window:
        if fence is None or ":" not in fence:
            continue
        other, _, text = fence.partition(":")
        runs = _ids_of(text)
        found.append((int(other), {i for i in wanted if any(a <= i <= b for a, b in runs)}))
    return found


def owned(dt: DeltaTable, file_ids: Sequence[int], number: int) -> list[int]:
    """The ids of ``file_ids`` whose rows in ``dt`` attempt ``number`` wrote last."""
    wanted = {int(i) for i in file_ids}
    fences = _fences(dt, wanted, number)
    if fences is None:
        return sorted(
            i for i in wanted if dt.transaction_version(attempts.file_app_id(i)) == number
        )
    last: dict[int, int] = {}
    for other, ids in fences:  # in version order: the last writer of an id wins
        last.update(dict.fromkeys(ids, other))
    return sorted(i for i, n in last.items() if n == number)


def _superseding(dt: DeltaTable, file_ids: Sequence[int], number: int) -> list[int]:
    """The ids of ``file_ids`` a newer attempt than ``number`` wrote in ``dt``.

    Read from the commit infos since the attempt began; when the log no longer reaches back
    that far, from the per-id application transactions (a log replay per id, kept in every
    checkpoint).
    """
    wanted = {int(i) for i in file_ids}
    fences = _fences(dt, wanted, number)
    if fences is None:  # trimmed before the attempt began: ask the transactions
        return sorted(
            i for i in wanted if (dt.transaction_version(attempts.file_app_id(i)) or -1) > number
        )
    return sorted({i for other, ids in fences if other > number for i in ids})


def backoff(attempt: int) -> None:
    """Sleep before retry ``attempt`` (1, 2, ...): exponential, capped, jittered."""
    delay = min(COMMIT_BACKOFF_MAX_S, COMMIT_BACKOFF_S * 2 ** (attempt - 1))
    time.sleep(delay * random.uniform(0.5, 1.5))


def _landed(dt: DeltaTable, after: int, token: str) -> bool:
    """Whether a commit carrying ``token`` landed after version ``after`` (``dt`` refreshed);
    False when that cannot be read back."""
    try:
        dt.update_incremental()  # raises when the log after ``after`` was trimmed: unresolved
        newer = dt.version() - after
        return newer > 0 and any(info.get(COMMIT_ID_KEY) == token for info in dt.history(newer))
    except common.LIBRARY_ERRORS:
        return False


RETENTION_KEY = "delta.logRetentionDuration"
TRIMMED_LOG_CONFIG = {RETENTION_KEY: "interval 0 seconds"}
LOG_RETENTION_ENV = "POINTLINE_LOG_RETENTION"
REMOTE_LOG_RETENTION = "interval 1 hours"
# How long a snapshot refreshed in an ingestion attempt is used unrefreshed on an object store
# (far below the store's log retention, so a commit built on it can still be checked).
TRUSTED_FOR_S = 300.0


def log_retention(*, remote: bool) -> str:
    """How long log entries behind a checkpoint are kept (``delta.logRetentionDuration``).

    ``$POINTLINE_LOG_RETENTION`` (e.g. ``"interval 2 hours"``) when set; else an hour on an
    object store, so a reader or a stale writer finds the commits it needs (listing the log
    from a version costs the same however long it is), and nothing on a local disk, where
    delta-rs lists the whole log directory on every commit. Either way a reader or writer whose
    version was trimmed reloads at the newest version instead of failing
    (:meth:`TableLocation.refresh`)."""
    return os.environ.get(LOG_RETENTION_ENV) or (
        REMOTE_LOG_RETENTION if remote else TRIMMED_LOG_CONFIG[RETENTION_KEY]
    )


# Rows per Arrow batch handed to delta-rs' writer on the rewrite path.
_WRITE_BATCH_ROWS = 100_000


def file_predicate(file_ids: Sequence[int]) -> str:
    """The SQL predicate selecting the rows of ``file_ids``."""
    if len(file_ids) == 1:
        return f"file_id = {int(file_ids[0])}"
    return f"file_id IN ({', '.join(str(int(i)) for i in file_ids)})"


@dataclass(frozen=True)
class Commit:
    """What a write of :class:`Table` did.

    Attributes:
        version: the table version after the write and its upkeep, when every commit since
            the snapshot it was built on was this writer's; ``None`` when another writer's
            commit may lie between (a cache built on the table must then be reloaded).
        adds: the data files added (empty on the rewrite path).
        rewritten: files other than those added and removed were rewritten (the
            overwrite-with-predicate path, or a compaction by the upkeep).
    """

    version: int | None
    adds: list[AddAction]
    rewritten: bool


class Table:
    """One Delta table of ``spec`` at ``path`` (created by its first write).

    Args:
        path: the table's directory.
        spec: the table's spec (schema, partition columns, name for messages).
        configuration: table properties set at creation and by the upkeep.
        compact_every: compact small files at versions that are multiples of this (``None``:
            never); with ``vacuum_retention_hours``, also vacuum files replaced that long ago.
        vacuum_retention_hours: see ``compact_every`` (``None``: never vacuum).
    """

    def __init__(
        self,
        path: str | Path | StorePath,
        spec: TableSpec,
        *,
        configuration: Mapping[str, str] = TRIMMED_LOG_CONFIG,
        compact_every: int | None = None,
        vacuum_retention_hours: int | None = None,
    ) -> None:
        self.location = TableLocation(path)
        self.spec = spec
        self.configuration = dict(configuration)
        if RETENTION_KEY in self.configuration:
            self.configuration[RETENTION_KEY] = log_retention(remote=self.location.remote)
        self.compact_every = compact_every
        self.vacuum_retention_hours = vacuum_retention_hours
        self._dt: DeltaTable | None = None
        # the attempt in which ``_dt`` was last brought up to date, and when (monotonic), while
        # no commit of this helper has moved the table since (see :meth:`latest`)
        self._fresh_for: tuple[int | None, float] | None = None

    @property
    def path(self) -> Location:
        return self.location.path

    @property
    def name(self) -> str:
        return self.spec.name

    # -- snapshots --------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the table was created (see :meth:`TableLocation.exists`)."""
        return self.location.exists()

    def snapshot(self, version: int | None = None) -> DeltaTable | None:
        """A fresh snapshot for a reader (not cached, not verified); ``None``: no table."""
        return self.location.open(version)

    def latest(self) -> DeltaTable | None:
        """The cached table at its latest version, ``None`` when there is none.

        Opened (and its data files verified: a writer must not build on a damaged table)
        once; refreshed with ``update_incremental`` when the location says it moved. On an
        object store, inside an ingestion attempt (:mod:`~pointline.v2.storage.attempts`), a
        table refreshed earlier in the same attempt, less than :data:`TRUSTED_FOR_S` ago, and
        not committed to since by this helper is not refreshed again (a refresh there is a
        listing and more): every commit built on it is guarded, so a snapshot another writer
        moved past is refused and refreshed (:meth:`commit`), and the store keeps the log an
        hour, so the commits such a snapshot is checked against are still there. A local
        table is always looked at (one ``stat``): its log is trimmed behind every checkpoint,
        and delta-rs cannot check a commit built on a version whose successors are gone (it
        fails with "Invalid table version", not as a conflict).

        Raises:
            TableCorruptError: the log cannot be replayed, or a data file is missing.
        """
        dt = self._dt
        number = current_attempt()
        if dt is not None and self._trusted(number):
            return dt
        if dt is not None:
            try:
                if self.location.has_moved(dt):
                    self.location.refresh(dt)
                self._fresh_for = (number, time.monotonic())
                return dt
            except common.LIBRARY_ERRORS:
                self._dt = None  # reopen below: that raises TableCorruptError if damaged
        dt = self.location.open()
        if dt is not None:
            self.location.verify_files(dt)
            dt = self.check_schema(dt)
            self._dt = dt
            self._fresh_for = (number, time.monotonic())
        return dt

    def _trusted(self, number: int | None) -> bool:
        """Whether the cached snapshot may be used without looking (see :meth:`latest`)."""
        if number is None or self._fresh_for is None or not self.location.remote:
            return False
        attempt, when = self._fresh_for
        return attempt == number and time.monotonic() - when < TRUSTED_FOR_S

    def check_schema(self, dt: DeltaTable) -> DeltaTable:
        """``dt`` once its columns are checked against the spec.

        A nullable column the spec has and the table lacks (added to the spec later, such as
        the manifest's ``status_message``) is added to the table by one commit. Anything else
        off the spec is refused before a row is read or written.

        Raises:
            TableSchemaMismatchError: names the table and each column that differs.
        """
        have = pl.from_arrow(pa.schema(dt.schema().to_arrow()).empty_table()).schema
        want = self.spec.to_polars()
        addable = [c.name for c in self.spec.column_specs if c.name not in have and c.nullable]
        problems = [f"column {c!r} is missing" for c in want if c not in have and c not in addable]
        problems += [f"column {c!r} is not in the spec" for c in have if c not in want]
        problems += [
            f"column {c!r} is {have[c]} in the table, the spec says {want[c]}"
            for c in want
            if c in have and have[c] != want[c] and not common.same_values(have[c], want[c])
        ]
        if problems:
            raise TableSchemaMismatchError(
                f"table {self.name} at {self.path} does not have its spec's schema: "
                + "; ".join(problems)
                + " (was it created by another program? pointline neither reads nor writes it)"
            )
        if addable:
            fields = [
                Field.from_arrow(common.arrow_schema(self.spec).field(name).with_nullable(True))
                for name in addable
            ]
            with self.writing():
                self.commit(
                    lambda p: dt.alter.add_columns(fields, commit_properties=p),
                    f"add {addable} to {self.name}",
                    dt=dt,
                )
                dt.update_incremental()
        return dt

    def read_files(self, dt: DeltaTable, uris: list[str]) -> pl.DataFrame | None:
        """The rows of these data files of ``dt`` (from ``dt.file_uris()``), cast to the spec;
        ``None`` when they cannot be read straight from their files (see
        :meth:`TableLocation.read_plain`): the caller reads the whole table instead.

        Raises:
            TableCorruptError: the files' columns are not the spec's.
        """
        if not uris:
            return common.empty_frame(self.spec)
        df = self.location.read_plain(dt, None, uris=uris)
        return None if df is None else common.conform(df, self.spec, self.path)

    def read(
        self,
        *,
        dt: DeltaTable | None = None,
        filters: list[tuple[str, str, Any]] | None = None,
        columns: list[str] | None = None,
    ) -> pl.DataFrame:
        """Rows of ``dt`` (default: a fresh snapshot), cast to the spec; empty: no table.

        ``filters`` (DNF tuples) also prune data files by their partition values and min/max
        statistics, so a filter on ``file_id`` reads only the files that can hold that id.

        Raises:
            TableCorruptError: a data file is missing or unreadable, or the schema is off.
        """
        dt = self.snapshot() if dt is None else dt
        if dt is None:
            return common.empty_frame(self.spec)
        if columns is not None:
            known = {f.name for f in dt.schema().fields}
            missing = [c for c in columns if c not in known]
            if missing:
                raise TableCorruptError(
                    f"table at {self.path} does not have the {self.name} schema: "
                    f"missing columns {missing}"
                )
        df = None if filters else self.location.read_plain(dt, columns)
        try:
            if df is None:
                df = pl.from_arrow(dt.to_pyarrow_table(filters=filters, columns=columns))
        except common.LIBRARY_ERRORS as exc:
            raise TableCorruptError(
                f"table {self.name} at {self.path} cannot be read: {common.describe(exc)}"
            ) from exc
        assert isinstance(df, pl.DataFrame)  # a Table always gives a frame
        return common.conform(df, self.spec, self.path, columns)

    # -- writes -----------------------------------------------------------------------------

    def writing(self) -> Any:
        """The writer lock (reentrant), held by every write of this helper."""
        return self.location.locked()

    def commit(
        self,
        action: Callable[[CommitProperties], T],
        what: str,
        *,
        dt: DeltaTable | None = None,
        attempts: int = COMMIT_ATTEMPTS,
    ) -> T | None:
        """Run one guarded Delta commit, the one place deltalake write errors are translated.

        ``action`` is given the commit's properties (:func:`guard` of ``dt`` as it is now,
        with a fresh token): every attempt is built on the snapshot it was given. A conflict
        (``CommitFailedError``) is retried after a jittered backoff with ``dt`` refreshed
        first; ``action`` must be safe to call again (``attempts=1``: raise
        :class:`CommitConflictError` instead). Any other library error after which the commit
        may have landed is resolved by reading ``dt``'s log back: landed, it returns None.

        Raises:
            CommitConflictError: still conflicting after ``attempts`` tries.
            StorageError: deltalake, pyarrow or the OS failed (nothing landed).
        """
        token = uuid.uuid4().hex
        self._fresh_for = None  # whatever happens, the snapshot is refreshed before its next use
        for attempt in range(1, attempts + 1):
            before = -1 if dt is None else dt.version()
            properties = guard(dt, {COMMIT_ID_KEY: token})
            try:
                return action(properties)
            except common.LIBRARY_ERRORS as exc:
                # creating a table another writer created first is a conflict too
                created = dt is None and "already exists" in str(exc)
                if not (isinstance(exc, CommitFailedError) or created):
                    if dt is not None and _landed(dt, before, token):
                        return None
                    raise StorageError(
                        f"{what} at {self.path} failed: {common.describe(exc)}"
                    ) from exc
                if attempt >= attempts:
                    raise CommitConflictError(
                        f"{what} at {self.path}: another writer committed first, "
                        f"{attempt} attempt(s): {common.describe(exc)}"
                    ) from exc
            backoff(attempt)
            if dt is not None:
                self.location.refresh(dt)
        raise StorageError(f"{what} at {self.path}: no attempt made")  # attempts < 1

    def append(self, rows: pl.DataFrame, key: list[str], *, nulls_equal: bool = False) -> None:
        """Add the rows (validated, on the spec) whose ``key`` is not stored yet.

        Only the stored keys of ``rows``' file ids are read (data files pruned by their
        ``file_id`` statistics), so the cost follows the rows, not the table. No rows left:
        no commit (and no table).
        """
        if rows.height == 0:
            return
        with self.writing():
            dt = self.snapshot()
            if dt is not None:
                dt = self.check_schema(dt)
                ids = rows.get_column("file_id").unique().sort().to_list()
                stored = self.read(dt=dt, filters=[("file_id", "in", ids)], columns=key)
                rows = rows.join(
                    stored, on=key, how="anti", nulls_equal=nulls_equal, maintain_order="left"
                )
                if rows.height == 0:
                    return
            data = common.to_arrow(rows, self.spec)
            target = self.location.uri if dt is None else dt
            before = -1 if dt is None else dt.version()
            self.commit(
                lambda p: write_deltalake(
                    target,
                    data,
                    mode="append",
                    partition_by=list(self.spec.partition_by) or None,
                    configuration=self.configuration if dt is None else None,
                    writer_properties=common.WRITER_PROPERTIES,
                    storage_options=self.location.storage_options if dt is None else None,
                    commit_properties=p,
                ),
                f"append to {self.name}",
                dt=dt,
            )
            self._upkeep(before + 1 if dt is None or dt.version() == before + 1 else None)

    def replace(
        self,
        file_ids: Sequence[int],
        frames: Iterable[pl.DataFrame],
        *,
        replay: Callable[[], Iterator[pl.DataFrame]] | None = None,
        removes: list[RemoveAction] | None = None,
        based_on: tuple[int | None] | None = None,
        attempts: int = COMMIT_ATTEMPTS,
    ) -> Commit | None:
        """Atomically replace every row of ``file_ids`` with the rows of ``frames``.

        Args:
            file_ids: the ids replaced; every row of ``frames`` carries one of them.
            frames: validated frames on the spec, consumed once (memory: one frame plus what
                is gathered per partition, see ``data_files.FLUSH_BYTES``).
            replay: a fresh iterator over the same frames, for a retry on the rewrite path
                (``None``: that path does not retry a commit conflict).
            removes: the removal of the files holding the ids' rows when the caller knows it
                (``[]``: no file holds them); default: found from the file statistics.
            based_on: ``(version,)`` the caller's rows were computed from (``None``: no
                table); the commit is refused with :class:`CommitConflictError` when the
                table is at another version (the manifest's read-modify-write).
            attempts: tries of the commit (1: a conflict raises at once).

        Returns:
            What was committed; ``None`` when nothing was (no rows, none stored).

        Raises:
            StorageError: writing or committing failed. An error of ``frames`` itself
                propagates as it is. Either way nothing is committed and the data files
                written are deleted.
        """
        ids = sorted({int(i) for i in file_ids})
        if not ids:
            raise ValueError(f"replace in {self.name}: no file ids given")
        what = f"file_id {ids[0]}" if len(ids) == 1 else f"{len(ids)} files"
        with self.writing():
            stream = iter(frames)
            first = next(stream, None)
            if first is not None:
                stream = itertools.chain([first], stream)
            dt = self.latest()
            number = current_attempt()
            if first is None and number is not None and is_taking_back():
                # a take-back removes only this attempt's own rows
                ids = [] if dt is None else owned(dt, ids, number)
                if not ids:
                    return None
            if based_on is not None and based_on[0] != (None if dt is None else dt.version()):
                raise CommitConflictError(
                    f"replace {what} in {self.name} at {self.path}: built on version "
                    f"{based_on[0]}, the table is at "
                    f"{None if dt is None else dt.version()}"
                )
            if dt is None:
                removes = []
            elif removes is None:
                removes = data_files.files_to_remove(dt, ids)
            if first is None and removes == []:
                return None  # nothing to write, nothing stored
            before = -1 if dt is None else dt.version()
            if removes is not None:
                try:
                    adds, retried = self._add_and_remove(dt, ids, stream, removes, what, attempts)
                except _Mixed:
                    if replay is None:
                        raise
                    # files now mix these ids with others: delta-rs rewrites them instead
                    current = self.latest()
                    assert current is not None
                    self._rewrite(current, ids, replay(), replay, what, attempts)
                    return Commit(None, [], True)
                version: int | None = None if retried else before + 1
            else:  # some file mixes these ids with others: delta-rs rewrites such files
                assert dt is not None
                stream_or_none = stream if first is not None else None
                self._rewrite(dt, ids, stream_or_none, replay, what, attempts)
                adds, version = [], (before + 1 if dt.version() == before + 1 else None)
            version, compacted = self._upkeep(version)
            return Commit(version, adds, removes is None or compacted)

    def _add_and_remove(
        self,
        dt: DeltaTable | None,
        ids: list[int],
        frames: Iterator[pl.DataFrame],
        removes: list[RemoveAction],
        what: str,
        attempts: int,
    ) -> tuple[list[AddAction], bool]:
        """Write ``frames`` as data files and commit them with ``removes`` in one commit
        (creating the table when ``dt`` is None); a retry finds the removes again on the
        refreshed table (a table another writer created meanwhile is opened). Returns the
        adds and whether the commit was retried."""
        label = f"replace {what} in {self.name} at {self.path}"
        written = data_files.DataFiles(self.location, self.spec)
        try:
            try:
                for frame in frames:
                    written.write(frame)
                adds = written.finish()
            except common.LIBRARY_ERRORS as exc:
                raise StorageError(
                    f"{label}: writing a data file failed: {common.describe(exc)}"
                ) from exc
            base, tries = dt, 0

            def attempt(properties: CommitProperties) -> None:
                nonlocal base, tries
                tries += 1
                found: list[RemoveAction] | None = removes
                if tries > 1:
                    if base is None:  # another writer created the table meanwhile
                        base = self.location.open()
                    found = [] if base is None else data_files.files_to_remove(base, ids)
                if found is None:
                    raise _Mixed(
                        f"{label}: another writer rewrote the files of these ids meanwhile "
                        "(a compaction or a batch mixed them with other ids); nothing was "
                        "committed"
                    )
                if base is not dt:  # built on the table just opened: guard that version
                    properties = guard(base, properties.custom_metadata)
                properties = fenced(properties, base, ids, label)
                began_ms = time.time_ns() // 1_000_000
                data_files.commit(
                    base,
                    self.location.uri,
                    common.arrow_schema(self.spec),
                    self.spec.partition_by,
                    adds,
                    ids,
                    removes=found,
                    configuration=self.configuration,
                    storage_options=self.location.storage_options,
                    properties=properties,
                )
                if base is not None:
                    _remember(base, began_ms, properties)

            self.commit(attempt, f"replace {what} in {self.name}", dt=dt, attempts=attempts)
        except BaseException:
            written.discard()
            raise
        return adds, tries > 1

    def _rewrite(
        self,
        dt: DeltaTable,
        ids: list[int],
        frames: Iterator[pl.DataFrame] | None,
        replay: Callable[[], Iterator[pl.DataFrame]] | None,
        what: str,
        attempts: int = COMMIT_ATTEMPTS,
    ) -> None:
        """delta-rs' overwrite with the ids' predicate (a delete when ``frames`` is None)."""
        predicate = file_predicate(ids)
        if frames is None:
            self.commit(
                lambda p: dt.delete(
                    predicate, commit_properties=fenced(p, dt, ids, f"delete {what}")
                ),
                f"delete {what} from {self.name}",
                dt=dt,
                attempts=attempts,
            )
            return
        failures: list[BaseException] = []
        pending = [frames]

        def batches(rows: Iterator[pl.DataFrame]) -> Iterator[pa.RecordBatch]:
            try:
                for frame in rows:
                    table = common.to_arrow(frame, self.spec)
                    yield from table.to_batches(max_chunksize=_WRITE_BATCH_ROWS)
            except BaseException as exc:  # kept: the writer wraps what it raises
                failures.append(exc)
                raise

        def write(properties: CommitProperties) -> None:
            rows = pending.pop() if pending else replay()  # type: ignore[misc]
            reader = pa.RecordBatchReader.from_batches(
                common.arrow_schema(self.spec), batches(rows)
            )
            write_deltalake(
                dt,
                reader,
                mode="overwrite",
                predicate=predicate,
                partition_by=list(self.spec.partition_by) or None,
                writer_properties=common.WRITER_PROPERTIES,
                commit_properties=fenced(properties, dt, ids, f"replace {what}"),
            )

        try:
            self.commit(
                write,
                f"replace {what} in {self.name}",
                dt=dt,
                attempts=attempts if replay is not None else 1,
            )
        except Exception:
            if failures:  # an error of the frames themselves: raise it as it is
                raise failures[-1] from None
            raise

    # -- upkeep -----------------------------------------------------------------------------

    def _upkeep(self, version: int | None) -> tuple[int | None, bool]:
        """After a commit that made ``version``: :meth:`maintain` when the version is a
        multiple of :data:`LOG_TRIM_EVERY` (compacting when it is one of ``compact_every``).

        Returns the version after the upkeep (``None`` when another writer's commit came
        between) and whether files were compacted.
        """
        if not version:
            return version, False
        compact = self.compact_every is not None and version % self.compact_every == 0
        if not compact and version % LOG_TRIM_EVERY:
            return version, False
        try:
            return self.maintain(compact=compact, expected=version), compact
        except CommitConflictError:
            # upkeep is an optimisation: another writer's commit came first, it is done later
            return None, compact

    def maintain(self, *, compact: bool = False, expected: int | None = None) -> int | None:
        """Compact small files (when ``compact``), set the table properties, checkpoint,
        delete the log before the checkpoint, vacuum replaced files (when ``compact`` and a
        vacuum retention is set). None of these change rows.

        Returns:
            The version after these steps when the table was at ``expected`` and each step
            moved it by no more than its own commits; otherwise ``None``.
        """
        with self.writing():
            dt = self.latest()
            if dt is None:
                return None
            valid = expected is None or dt.version() == expected

            def step(
                action: Callable[[CommitProperties], object], what: str, commits: int = 1
            ) -> None:
                nonlocal valid
                before = dt.version()
                self.commit(action, f"{what} {self.name}", dt=dt, attempts=1)
                valid = valid and dt.version() - before <= commits

            if compact:
                before = dt.version()
                self.compact(dt=dt)
                valid = valid and dt.version() - before <= 1
            config = dt.metadata().configuration
            if any(config.get(key) != value for key, value in self.configuration.items()):
                step(
                    lambda p: dt.alter.set_table_properties(
                        self.configuration, commit_properties=p
                    ),
                    "configure",
                )
            step(lambda _: dt.create_checkpoint(), "checkpoint")
            step(lambda _: dt.cleanup_metadata(), "trim the log of")
            if compact and self.vacuum_retention_hours is not None:
                hours = self.vacuum_retention_hours
                step(
                    lambda _: dt.vacuum(
                        retention_hours=hours, dry_run=False, enforce_retention_duration=False
                    ),
                    "vacuum",
                    commits=2,  # VACUUM START and VACUUM END
                )
            return dt.version() if valid else None

    def compact(
        self,
        *,
        dt: DeltaTable | None = None,
        partition_filters: list[tuple[str, str, str]] | None = None,
        target_size: int | None = None,
    ) -> dict[str, int]:
        """Fold the small data files of each partition into one, committed by pointline:
        the adds and removes carry ``dataChange=false`` and the commit is guarded like every
        other (a stale compaction never lands: delta-rs' own ``optimize.compact`` accepted a
        remove of a file another compaction had already removed).

        A conflict is retried with the same new files while every file it removes is still
        in the refreshed table; otherwise the compaction is abandoned (its files deleted).

        Returns:
            ``numFilesRemoved``, ``numFilesAdded``, ``partitionsOptimized``.
        """
        target = target_size or COMPACT_TARGET_BYTES
        nothing = {"numFilesRemoved": 0, "numFilesAdded": 0, "partitionsOptimized": 0}
        with self.writing():
            dt = dt or self.latest()
            groups = [] if dt is None else _small_file_groups(dt, partition_filters, target)
            if not groups:
                return nothing
            written = data_files.DataFiles(self.location, self.spec, flush_bytes=target)
            removes: list[RemoveAction] = []
            try:
                for values, paths, sizes in groups:
                    written.write(self._rows_of(paths, values))
                    now = data_files._now_ms()
                    removes += [
                        RemoveAction(p, False, now, size, dict(values))
                        for p, size in zip(paths, sizes, strict=True)
                    ]
                adds = [dataclasses.replace(a, data_change=False) for a in written.finish()]
                removed = {r.path for r in removes}

                def attempt(properties: CommitProperties) -> None:
                    present = {
                        unquote(p) for p in pl.DataFrame(dt.get_add_actions(flatten=True))["path"]
                    }
                    if not removed <= present:
                        raise _Abandoned
                    dt.create_write_transaction(
                        [*adds, *removes],
                        mode="append",
                        schema=common.arrow_schema(self.spec),
                        partition_by=list(self.spec.partition_by),
                        commit_properties=properties,
                        post_commithook_properties=data_files.NO_HOOKS,  # as every commit
                    )

                self.commit(attempt, f"compact {self.name}", dt=dt)
            except _Abandoned:
                written.discard()
                return nothing
            except BaseException:
                written.discard()
                raise
            return {
                "numFilesRemoved": len(removes),
                "numFilesAdded": len(adds),
                "partitionsOptimized": len(groups),
            }

    def _rows_of(self, paths: list[str], values: Mapping[str, str]) -> pl.DataFrame:
        """The rows of these data files (relative paths) with their partition columns."""
        uris = [f"{self.location.uri}/{p}" for p in paths]
        rows = pl.read_parquet(uris, storage_options=self.location.storage_options)
        schema = self.spec.to_polars()
        rows = rows.with_columns(
            (
                pl.lit(value).str.to_date("%Y-%m-%d")
                if schema[name] == pl.Date
                else pl.lit(value).cast(schema[name])
            ).alias(name)
            for name, value in values.items()
        )
        rows = common.conform(rows, self.spec, self.path)
        order = [c for c in ("file_id", "file_seq") if c in rows.columns]
        return rows.sort(order, maintain_order=True) if order else rows


class _Mixed(StorageError):
    """The files of the ids being replaced were mixed with other ids by another writer."""


class _Abandoned(Exception):
    """A compaction whose files another writer removed meanwhile."""


COMPACT_TARGET_BYTES = 128 * 1024 * 1024
"""Data files smaller than this are compacted (and new ones hold about this much)."""


def _small_file_groups(
    dt: DeltaTable, partition_filters: list[tuple[str, str, str]] | None, target: int
) -> list[tuple[dict[str, str], list[str], list[int]]]:
    """``(partition values, paths, sizes)`` of each partition holding 2+ files below ``target``."""
    actions = pl.DataFrame(dt.get_add_actions(flatten=True))
    if actions.height < 2:
        return []
    actions = actions.filter(pl.col("size_bytes") < target)
    partition_columns = [c for c in actions.columns if c.startswith("partition.")]
    groups: dict[tuple[tuple[str, str], ...], tuple[list[str], list[int]]] = {}
    for row in actions.iter_rows(named=True):
        values = {
            c.removeprefix("partition."): data_files.partition_text(row[c])
            for c in partition_columns
            if row[c] is not None
        }
        if not _matches(values, partition_filters):
            continue
        paths, sizes = groups.setdefault(tuple(values.items()), ([], []))
        paths.append(unquote(row["path"]))
        sizes.append(int(row["size_bytes"]))
    return [(dict(k), p, s) for k, (p, s) in groups.items() if len(p) > 1]


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _matches(values: Mapping[str, str], filters: list[tuple[str, str, str]] | None) -> bool:
    for column, op, wanted in filters or []:
        have = values.get(column)
        if have is None:
            return False
        if op not in _OPERATORS:
            raise ValueError(f"unsupported partition filter operator {op!r}")
        if not _OPERATORS[op](have, wanted):
            return False
    return True
