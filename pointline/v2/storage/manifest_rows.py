"""Manifest rows and their transitions, shared by every ManifestStore implementation.

The Delta store and the in-memory store keep rows as dicts of the ``ingest_manifest`` columns;
this module is the one place that says what a new row holds and which status changes are
allowed, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pointline.errors import ManifestConflictError
from pointline.schemas.types import INGEST_STATUS_PENDING, INGEST_STATUS_VALUES
from pointline.v2.models import BronzeFileMetadata, IngestionResult

Identity = tuple[str, str, str, str]
Row = dict[str, Any]


def identity_of(meta: BronzeFileMetadata) -> Identity:
    """(vendor, data_type, bronze_file_path, sha256) of ``meta``: the fields of
    :class:`ManifestIdentity`, as a tuple (built directly: it is asked of every candidate)."""
    return (meta.vendor, meta.data_type, meta.bronze_file_path, meta.sha256)


def row_identity(row: Row) -> Identity:
    """The identity a manifest row records."""
    return (row["vendor"], row["data_type"], row["bronze_path"], row["file_hash"])


def check_status(status: str) -> None:
    """``ValueError`` naming the allowed statuses when ``status`` is not one of them."""
    if status not in INGEST_STATUS_VALUES:
        raise ValueError(
            f"unknown manifest status {status!r}; allowed: {list(INGEST_STATUS_VALUES)}"
        )


def pending_row(file_id: int, ident: Identity, created_at: int) -> Row:
    """The row a new identity gets: ``pending``, no counts yet."""
    vendor, data_type, bronze_path, file_hash = ident
    return {
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
        "status_message": None,
    }


def updated_row(
    current: Row | None,
    file_id: int,
    status: str,
    meta: BronzeFileMetadata,
    result: IngestionResult | None,
    processed_at: int,
    *,
    where: str = "the manifest",
) -> Row | None:
    """The row after recording ``status`` for ``file_id``; None when nothing changes
    (``pending`` on a row that is still pending).

    Raises:
        ValueError: unknown status or unknown ``file_id``.
        ManifestConflictError: ``meta`` is not the row's identity, or a processed file would
            go back to ``pending``.
    """
    check_status(status)
    if current is None:
        raise ValueError(f"unknown file_id {file_id} in {where}; resolve_file_id creates ids")
    if identity_of(meta) != row_identity(current):
        raise ManifestConflictError(
            f"file_id {file_id} belongs to {row_identity(current)}, not to {identity_of(meta)}"
        )
    if status == INGEST_STATUS_PENDING:
        if current["status"] != INGEST_STATUS_PENDING:
            raise ManifestConflictError(
                f"file_id {file_id} is {current['status']!r}: a processed file "
                "cannot return to 'pending'"
            )
        return None
    return {
        **current,
        "status": status,
        "rows_total": result.row_count if result else 0,
        "rows_written": result.rows_written if result else 0,
        "rows_quarantined": result.rows_quarantined if result else 0,
        "trading_date_min": result.trading_date_min if result else None,
        "trading_date_max": result.trading_date_max if result else None,
        "processed_at_ts_us": processed_at,
        "status_reason": result.failure_reason if result else None,
        "status_message": result.error_message if result else None,
    }


SUPERSEDED = "superseded"
"""``status_reason`` of an identity whose path now holds other content (rows removed)."""


@dataclass(frozen=True)
class Related:
    """The other identities a Bronze file meets in the manifest.

    Attributes:
        earlier: identities at the same (vendor, data_type, path) with other content that are
            not superseded yet: ``(file_id, meta)``; the new content supersedes them.
        twins: identities with the same content at another path: ``(file_id, path)``.
    """

    earlier: list[tuple[int, BronzeFileMetadata]] = field(default_factory=list)
    twins: list[tuple[int, str]] = field(default_factory=list)


def meta_of(row: Row) -> BronzeFileMetadata:
    """The metadata naming a manifest row's identity (sizes and times are not kept)."""
    return BronzeFileMetadata(
        vendor=row["vendor"],
        data_type=row["data_type"],
        bronze_file_path=row["bronze_path"],
        file_size_bytes=0,
        last_modified_ts=0,
        sha256=row["file_hash"],
    )


def related(rows: Iterable[Row], metas: list[BronzeFileMetadata]) -> list[Related]:
    """What :class:`Related` says of each meta, from the manifest's ``rows``."""
    wanted_paths = {(m.vendor, m.data_type, m.bronze_file_path) for m in metas}
    wanted_hashes = {m.sha256 for m in metas}
    by_path: dict[tuple[str, str, str], list[Row]] = {}
    by_hash: dict[str, list[Row]] = {}
    for row in rows:
        where = (row["vendor"], row["data_type"], row["bronze_path"])
        if where in wanted_paths:
            by_path.setdefault(where, []).append(row)
        if row["file_hash"] in wanted_hashes:
            by_hash.setdefault(row["file_hash"], []).append(row)
    found = []
    for meta in metas:
        where = (meta.vendor, meta.data_type, meta.bronze_file_path)
        earlier = [
            (row["file_id"], meta_of(row))
            for row in by_path.get(where, [])
            if row["file_hash"] != meta.sha256 and row["status_reason"] != SUPERSEDED
        ]
        twins = [
            (row["file_id"], row["bronze_path"])
            for row in by_hash.get(meta.sha256, [])
            if row["bronze_path"] != meta.bronze_file_path
        ]
        found.append(Related(earlier=sorted(earlier, key=lambda e: e[0]), twins=sorted(twins)))
    return found
