"""The one write contract the pipeline speaks, and the wrappers that give every store it.

Inside the pipeline every write is the same verb: *replace every row of these file ids with
these frames, atomically* (:class:`RowSink`). The stores a caller injects come in several
shapes — the spec's append-only :class:`~pointline.v2.storage.contracts.EventStore` and
:class:`~pointline.v2.storage.contracts.QuarantineStore`, their file-replacing and batch
extensions, or a plain ``(table_name, df)`` callable — and are wrapped into the verb once, at
the entry (:func:`event_sink`, :func:`log_sink`, :func:`manifest_port`), the way an HTTP
client wraps a plain function into a transport. The pipeline itself never asks what a store
is.

A store that replaces the rows of many files at once (``replace_files``, the
:class:`~pointline.v2.storage.contracts.BatchEventStore` and ``BatchQuarantineStore`` shape: the
Delta stores and the in-memory fakes) is used as it is. Any other store is append-only: it
cannot take rows back (``RowSink.replaces`` is False), exactly once then rests on the store's
own dedupe by lineage, and a failed attempt's rows stay until a rerun completes the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from pointline.v2.fixed_point import REJECT_REASON
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.contracts import (
    BatchEventStore,
    BatchManifestStore,
    BatchQuarantineStore,
    EventStore,
    ManifestStore,
    QuarantineStore,
)
from pointline.v2.storage.manifest_rows import Related

Writer = EventStore | Callable[[str, pl.DataFrame], None]
StatusUpdate = tuple[int, str, BronzeFileMetadata, IngestionResult | None]


class RowSink(Protocol):
    """Where one kind of row goes (event rows, or rejected rows for ``validation_log``)."""

    @property
    def replaces(self) -> bool:
        """Whether :meth:`replace` really replaces (False: it can only add rows)."""
        ...

    def replace(self, table: str, file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> None:
        """Replace every row of ``file_ids`` (rows meant for ``table``) with ``frames``.

        Every row carries one of ``file_ids``; no frames delete the files' rows. Nothing
        changes when it raises (per file where the store cannot replace many at once).
        """
        ...


def combined_reason(rejected: pl.DataFrame) -> str | None:
    """Distinct row reasons joined with ``+`` in sorted order (None when nothing was rejected)."""
    if rejected.height == 0:
        return None
    found = sorted(rejected.get_column(REJECT_REASON).drop_nulls().unique().to_list())
    return "+".join(found) if found else None


def _by_file(file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> dict[int, pl.DataFrame]:
    """The rows of each of ``file_ids`` that has rows, in the order of ``file_ids``."""
    rows = [f for f in frames if f.height]
    if not rows:
        return {}
    parts = pl.concat(rows, how="diagonal_relaxed").partition_by("file_id", as_dict=True)
    return {int(i): parts[(int(i),)] for i in file_ids if (int(i),) in parts}


@dataclass
class _BatchEvents:
    store: BatchEventStore
    replaces = True

    def replace(self, table: str, file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> None:
        self.store.replace_files(table, list(file_ids), frames)


@dataclass
class _AppendEvents:
    append: Callable[[str, pl.DataFrame], None]
    replaces = False

    def replace(self, table: str, file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> None:
        rows = [f for f in frames if f.height]
        if rows:
            self.append(table, pl.concat(rows))


@dataclass
class _BatchLog:
    store: BatchQuarantineStore
    replaces = True

    def replace(self, table: str, file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> None:
        entries = [
            (file_id, table, rows, combined_reason(rows) or "rejected")
            for file_id, rows in _by_file(file_ids, frames).items()
        ]
        self.store.replace_files(list(file_ids), entries)


@dataclass
class _AppendLog:
    store: QuarantineStore
    replaces = False

    def replace(self, table: str, file_ids: Sequence[int], frames: Iterable[pl.DataFrame]) -> None:
        for file_id, rows in _by_file(file_ids, frames).items():
            groups = rows.group_by(REJECT_REASON, maintain_order=True)
            for (reason,), group in groups:
                self.store.append(table, group, reason=str(reason), file_id=file_id)


def event_sink(writer: Writer) -> RowSink:
    """The write verb over an event store or a plain ``(table_name, df)`` callable."""
    if isinstance(writer, BatchEventStore):
        return _BatchEvents(writer)
    if isinstance(writer, EventStore):
        return _AppendEvents(writer.append)
    if callable(writer):
        return _AppendEvents(writer)
    raise TypeError(
        f"writer must be an EventStore or a (table_name, df) callable, not {type(writer).__name__}"
    )


def log_sink(store: QuarantineStore | None) -> RowSink | None:
    """The write verb over a quarantine store (None: there is nowhere to put rejected rows)."""
    if store is None:
        return None
    if isinstance(store, BatchQuarantineStore):
        return _BatchLog(store)
    if isinstance(store, QuarantineStore):
        return _AppendLog(store)
    raise TypeError(f"quarantine_store must be a QuarantineStore, not {type(store).__name__}")


class ManifestPort:
    """The manifest verbs of the pipeline, each for many files at once."""

    def __init__(self, store: ManifestStore) -> None:
        self._store = store
        self._batch: BatchManifestStore | None = (
            store if isinstance(store, BatchManifestStore) else None
        )

    def filter_pending(self, metas: list[BronzeFileMetadata]) -> list[BronzeFileMetadata]:
        return self._store.filter_pending(metas)

    def resolve(self, metas: list[BronzeFileMetadata]) -> list[int]:
        """The file id of every meta (new identities get a ``pending`` row)."""
        if not metas:
            return []
        if self._batch is not None:
            return self._batch.resolve_file_ids(metas)
        return [self._store.resolve_file_id(meta) for meta in metas]

    def related(self, metas: list[BronzeFileMetadata]) -> list[Related]:
        """What each meta supersedes and its twins (nothing when the store cannot tell)."""
        find = getattr(self._store, "related", None)
        if find is None or not metas:
            return [Related() for _ in metas]
        return find(metas)

    def record(self, updates: list[StatusUpdate]) -> None:
        """Record every status (in one write where the store can)."""
        if not updates:
            return
        if self._batch is not None:
            self._batch.update_statuses(updates)
            return
        for file_id, status, meta, result in updates:
            self._store.update_status(file_id, status, meta, result)


def manifest_port(store: ManifestStore) -> ManifestPort:
    """The batch manifest verbs over any manifest store."""
    return ManifestPort(store)
