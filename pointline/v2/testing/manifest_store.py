"""An in-memory :class:`~pointline.v2.storage.contracts.ManifestStore`.

Same observable behaviour as :class:`pointline.v2.storage.delta.DeltaManifestStore`: ids
from 1, one row per identity (vendor, data_type, bronze_file_path, sha256), a ``pending``
row on first resolve, the latest attempt's counts/times/reason on every status update.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import polars as pl

from pointline.schemas.control import INGEST_MANIFEST
from pointline.schemas.types import (
    INGEST_STATUS_SUCCESS,
)
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.manifest_rows import (
    Related,
    check_status,
    identity_of,
    pending_row,
    related,
    updated_row,
)
from pointline.v2.testing.clock import Clock, wall_clock_us
from pointline.v2.testing.failures import FailureSwitch

__all__ = ["InMemoryManifestStore", "StatusUpdate"]

Identity = tuple[str, str, str, str]
StatusUpdate = tuple[int, str, BronzeFileMetadata, IngestionResult | None]
_Row = dict[str, Any]
_SCHEMA = INGEST_MANIFEST.to_polars()


class InMemoryManifestStore:
    """The ingest manifest in a dict.

    Args:
        clock: UTC microseconds for ``created_at_ts_us``/``processed_at_ts_us``.

    Attributes:
        failures: the :class:`FailureSwitch` of resolve_file_id, resolve_file_ids,
            filter_pending, update_status and update_statuses.
    """

    def __init__(self, *, clock: Clock = wall_clock_us) -> None:
        self._clock = clock
        self._mutex = threading.RLock()
        self._by_id: dict[int, _Row] = {}
        self._by_identity: dict[Identity, int] = {}
        self.failures = FailureSwitch(
            (
                "resolve_file_id",
                "resolve_file_ids",
                "filter_pending",
                "update_status",
                "update_statuses",
            )
        )

    # -- the ManifestStore protocol ------------------------------------------------------

    def resolve_file_id(self, meta: BronzeFileMetadata) -> int:
        """The stable id of ``meta``'s identity; a new identity gets a ``pending`` row."""
        with self._mutex, self.failures.call("resolve_file_id"):
            return self._resolve([meta])[0]

    def filter_pending(self, candidates: list[BronzeFileMetadata]) -> list[BronzeFileMetadata]:
        """The candidates whose identity is not ``success``, in their given order."""
        with self._mutex, self.failures.call("filter_pending"):
            return [m for m in candidates if self._status_ofidentity_of(m) != INGEST_STATUS_SUCCESS]

    def update_status(
        self,
        file_id: int,
        status: str,
        meta: BronzeFileMetadata,
        result: IngestionResult | None = None,
    ) -> None:
        """Record the latest attempt of ``file_id``.

        Counts are those of ``result`` (0 without one), ``status_reason`` is its
        ``failure_reason`` and ``status_message`` its ``error_message``,
        ``processed_at_ts_us`` is now; ``created_at_ts_us`` never changes. ``pending`` on a
        pending row changes nothing.

        Raises:
            ValueError: unknown status (the message lists the allowed ones) or file_id.
            ManifestConflictError: ``pending`` after a processed status, or ``meta`` is not
                the identity of ``file_id``.
        """
        with self._mutex, self.failures.call("update_status"):
            self._update([(file_id, status, meta, result)])

    # -- extras (same as the Delta store) -------------------------------------------------

    def resolve_file_ids(self, metas: Iterable[BronzeFileMetadata]) -> list[int]:
        """Ids of ``metas`` in order, new identities getting consecutive ids."""
        metas = list(metas)
        with self._mutex, self.failures.call("resolve_file_ids"):
            return self._resolve(metas)

    def update_statuses(self, updates: Iterable[StatusUpdate]) -> None:
        """Several :meth:`update_status` calls at once (later ones win); all or nothing."""
        updates = list(updates)
        with self._mutex, self.failures.call("update_statuses"):
            self._update(updates)

    def read(self) -> pl.DataFrame:
        """Every row, sorted by file_id, with the exact ``ingest_manifest`` schema."""
        with self._mutex:
            rows = [dict(self._by_id[i]) for i in sorted(self._by_id)]
        return pl.DataFrame(rows, schema=_SCHEMA, orient="row")

    def status_of(self, file_id: int) -> str | None:
        """The status of ``file_id``, ``None`` when no row has it."""
        with self._mutex:
            row = self._by_id.get(file_id)
            return None if row is None else row["status"]

    def related(self, metas: list[BronzeFileMetadata]) -> list[Related]:
        """For each meta, the identities its content supersedes and its twins elsewhere."""
        with self._mutex:
            return related(self._by_id.values(), metas)

    def lookup(self, meta: BronzeFileMetadata) -> tuple[int, str] | None:
        """``(file_id, status)`` of ``meta``'s identity without writing; ``None`` if unknown."""
        with self._mutex:
            file_id = self._by_identity.get(identity_of(meta))
            return None if file_id is None else (file_id, self._by_id[file_id]["status"])

    # -- internals -----------------------------------------------------------------------

    def _status_ofidentity_of(self, meta: BronzeFileMetadata) -> str | None:
        file_id = self._by_identity.get(identity_of(meta))
        return None if file_id is None else self._by_id[file_id]["status"]

    def _resolve(self, metas: list[BronzeFileMetadata]) -> list[int]:
        created_at = self._clock()
        ids = []
        for meta in metas:
            ident = identity_of(meta)
            if ident not in self._by_identity:
                file_id = max(self._by_id, default=0) + 1
                self._by_id[file_id] = pending_row(file_id, ident, created_at)
                self._by_identity[ident] = file_id
            ids.append(self._by_identity[ident])
        return ids

    def _update(self, updates: list[StatusUpdate]) -> None:
        for _, status, _, _ in updates:
            check_status(status)
        processed_at = self._clock()
        new_rows: dict[int, _Row] = {}
        for file_id, status, meta, result in updates:
            current = new_rows.get(file_id) or self._by_id.get(file_id)
            row = updated_row(current, file_id, status, meta, result, processed_at)
            if row is not None:
                new_rows[file_id] = row
        self._by_id.update(new_rows)
