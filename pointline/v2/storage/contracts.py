"""The storage contracts the pipeline depends on.

Four small Protocols. The ingestion code imports only these; Delta (or any other backend)
implements them in its own package and is injected by the caller.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import polars as pl

from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult


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

        An empty frame writes nothing; a retry of the same file does not duplicate rows.
        """
        ...
