"""The storage contracts the pipeline depends on.

Four small Protocols. The ingestion code imports only these; Delta (or any other backend)
implements them in its own package and is injected by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import polars as pl

from pointline.v2.models import BronzeFileMetadata, IngestionResult


@runtime_checkable
class ManifestStore(Protocol):
    """Tracks every Bronze file identity and the status of its latest attempt."""

    def resolve_file_id(self, meta: BronzeFileMetadata) -> int:
        """Stable id of the identity (vendor, data_type, bronze_file_path, sha256).

        Creates a ``pending`` row the first time; the same identity gets the same id forever;
        ids start at 1 and never repeat, also across processes.
        """
        ...

    def filter_pending(self, candidates: list[BronzeFileMetadata]) -> list[BronzeFileMetadata]:
        """The candidates whose identity is not already ``success``, in their given order."""
        ...

    def update_status(
        self,
        file_id: int,
        status: str,
        meta: BronzeFileMetadata,
        result: IngestionResult | None = None,
    ) -> None:
        """Record the latest attempt. Unknown status -> ``ValueError``; a processed file never
        returns to ``pending``; ``created_at_ts_us`` never changes."""
        ...


@runtime_checkable
class EventStore(Protocol):
    """Appends rows to event tables. Rows already present by (file_id, file_seq) are not
    duplicated."""

    def append(self, table_name: str, df: pl.DataFrame) -> None: ...


@runtime_checkable
class DimensionStore(Protocol):
    """Holds the SCD2 ``dim_symbol`` table."""

    def load_dim_symbol(self) -> pl.DataFrame:
        """The table, or an empty frame of its exact schema when it does not exist yet."""
        ...

    def save_dim_symbol(self, df: pl.DataFrame, *, expected_version: int | None = None) -> int:
        """Validate and atomically replace the table; return the new version (0 first).

        Raises ``ValueError`` containing "version mismatch" when ``expected_version`` is given
        and is not the current version.
        """
        ...

    def current_version(self) -> int | None:
        """The table version, ``None`` when the table does not exist."""
        ...


@runtime_checkable
class QuarantineStore(Protocol):
    """Keeps rejected rows whole in ``validation_log``."""

    def append(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """One log row per row of ``df`` (rejected for ``reason``, meant for ``table_name``).

        Per-row detail columns, when ``df`` has them, refine the log row: ``_reject_reason``
        (overrides ``reason`` where not null), ``_reject_field`` -> ``field_name`` and
        ``_reject_value`` -> ``field_value``. ``row_json`` holds the whole row without them.
        An empty frame writes nothing; a retry of the same file does not duplicate rows
        (key: file_id, table_name, file_seq, rule_name).
        """
        ...


@runtime_checkable
class FileReplacingEventStore(EventStore, Protocol):
    """An event store that can replace every row of one Bronze file in one atomic step, which
    makes every retry and every ``force`` run idempotent: the new attempt's rows replace the
    old attempt's rows in a single commit, and readers see either the old or the new rows."""

    def replace_file(
        self,
        table_name: str,
        file_id: int,
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """Atomically replace all rows of ``file_id`` in ``table_name`` with ``data``.

        ``data`` is one frame or an iterable of frames (streamed: memory is bounded by one
        frame); an empty frame (or no frames) deletes the file's rows. Every row must carry
        ``file_id``. Nothing changes when an exception is raised.
        """
        ...


@runtime_checkable
class FileReplacingQuarantineStore(QuarantineStore, Protocol):
    """A quarantine store that can replace every log row of one Bronze file atomically."""

    def replace_file(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        """Atomically replace all ``validation_log`` rows of ``file_id`` with those of ``df``.

        Same row mapping as :meth:`QuarantineStore.append`; an empty ``df`` deletes the file's
        log rows (and creates no table when none exists).
        """
        ...


@runtime_checkable
class BatchManifestStore(ManifestStore, Protocol):
    """A manifest store that resolves ids and records statuses of many files per commit."""

    def resolve_file_ids(self, metas: Iterable[BronzeFileMetadata]) -> list[int]:
        """``resolve_file_id`` for each meta, in order, with one write for the new ones."""
        ...

    def update_statuses(
        self,
        updates: Iterable[tuple[int, str, BronzeFileMetadata, IngestionResult | None]],
    ) -> None:
        """``update_status`` for each item, all in one write (all or nothing)."""
        ...


@runtime_checkable
class BatchEventStore(FileReplacingEventStore, Protocol):
    """An event store that replaces the rows of many files in one atomic step."""

    def replace_files(
        self,
        table_name: str,
        file_ids: Sequence[int],
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """Atomically replace every row of ``file_ids`` in ``table_name`` with ``data``."""
        ...


@runtime_checkable
class BatchQuarantineStore(FileReplacingQuarantineStore, Protocol):
    """A quarantine store that replaces the log rows of many files in one atomic step."""

    def replace_files(
        self,
        file_ids: Sequence[int],
        rejected: Sequence[tuple[int, str, pl.DataFrame, str]],
    ) -> None:
        """Atomically replace every log row of ``file_ids`` with ``rejected``
        (``(file_id, table_name, rows, reason)`` per file)."""
        ...
