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

from pointline.errors import ManifestConflictError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.schemas.types import (
    INGEST_STATUS_PENDING,
    INGEST_STATUS_SUCCESS,
    INGEST_STATUS_VALUES,
)
from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.models import ManifestIdentity
from pointline.v2.testing.clock import Clock, wall_clock_us
from pointline.v2.testing.failures import FailureSwitch

__all__ = ["InMemoryManifestStore", "StatusUpdate"]

Identity = tuple[str, str, str, str]
StatusUpdate = tuple[int, str, BronzeFileMetadata, IngestionResult | None]
_Row = dict[str, Any]
_SCHEMA = INGEST_MANIFEST.to_polars()


def _identity(meta: BronzeFileMetadata) -> Identity:
    return ManifestIdentity.from_meta(meta).as_tuple()


def _row_identity(row: _Row) -> Identity:
    return (row["vendor"], row["data_type"], row["bronze_path"], row["file_hash"])


def _status_reason(result: IngestionResult | None) -> str | None:
    if result is None:
        return None
    parts = [p for p in (result.failure_reason, result.error_message) if p]
    return ": ".join(parts) if parts else None


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
            return [m for m in candidates if self._status_of_identity(m) != INGEST_STATUS_SUCCESS]

    def update_status(
        self,
        file_id: int,
        status: str,
        meta: BronzeFileMetadata,
        result: IngestionResult | None = None,
    ) -> None:
        """Record the latest attempt of ``file_id``.

        Counts are those of ``result`` (0 without one), ``status_reason`` is
        ``failure_reason: error_message`` (either part alone when the other is missing),
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

    def lookup(self, meta: BronzeFileMetadata) -> tuple[int, str] | None:
        """``(file_id, status)`` of ``meta``'s identity without writing; ``None`` if unknown."""
        with self._mutex:
            file_id = self._by_identity.get(_identity(meta))
            return None if file_id is None else (file_id, self._by_id[file_id]["status"])

    # -- internals -----------------------------------------------------------------------

    def _status_of_identity(self, meta: BronzeFileMetadata) -> str | None:
        file_id = self._by_identity.get(_identity(meta))
        return None if file_id is None else self._by_id[file_id]["status"]

    def _resolve(self, metas: list[BronzeFileMetadata]) -> list[int]:
        created_at = self._clock()
        ids = []
        for meta in metas:
            ident = _identity(meta)
            if ident not in self._by_identity:
                file_id = max(self._by_id, default=0) + 1
                vendor, data_type, bronze_path, file_hash = ident
                self._by_id[file_id] = {
                    "file_id": file_id,
                    "vendor": vendor,
                    "data_type": data_type,
                    "bronze_path": bronze_path,
                    "file_hash": file_hash,
                    "status": INGEST_STATUS_PENDING,
                    "rows_total": None,
                    "rows_written": None,
                    "rows_quarantined": None,
                    "trading_date_min": None,
                    "trading_date_max": None,
                    "created_at_ts_us": created_at,
                    "processed_at_ts_us": None,
                    "status_reason": None,
                }
                self._by_identity[ident] = file_id
            ids.append(self._by_identity[ident])
        return ids

    def _update(self, updates: list[StatusUpdate]) -> None:
        for _, status, _, _ in updates:
            if status not in INGEST_STATUS_VALUES:
                raise ValueError(
                    f"unknown manifest status {status!r}; allowed: {list(INGEST_STATUS_VALUES)}"
                )
        processed_at = self._clock()
        new_rows: dict[int, _Row] = {}
        for file_id, status, meta, result in updates:
            current = new_rows.get(file_id) or self._by_id.get(file_id)
            if current is None:
                raise ValueError(
                    f"unknown file_id {file_id} in the manifest; resolve_file_id creates ids"
                )
            if _identity(meta) != _row_identity(current):
                raise ManifestConflictError(
                    f"file_id {file_id} belongs to {_row_identity(current)}, "
                    f"not to {_identity(meta)}"
                )
            if status == INGEST_STATUS_PENDING:
                if current["status"] != INGEST_STATUS_PENDING:
                    raise ManifestConflictError(
                        f"file_id {file_id} is {current['status']!r}: a processed file "
                        "cannot return to 'pending'"
                    )
                continue
            new_rows[file_id] = {
                **current,
                "status": status,
                "rows_total": result.row_count if result else 0,
                "rows_written": result.rows_written if result else 0,
                "rows_quarantined": result.rows_quarantined if result else 0,
                "trading_date_min": result.trading_date_min if result else None,
                "trading_date_max": result.trading_date_max if result else None,
                "processed_at_ts_us": processed_at,
                "status_reason": _status_reason(result),
            }
        self._by_id.update(new_rows)
