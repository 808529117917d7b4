"""What the pipeline takes (Bronze file metadata) and what it returns (an ingestion result)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any


@dataclass
class BronzeFileMetadata:
    """One Bronze file as the pipeline sees it.

    The manifest identity is (vendor, data_type, bronze_file_path, sha256): a changed
    file at the same path is a new identity.
    """

    vendor: str
    data_type: str
    bronze_file_path: str
    file_size_bytes: int
    last_modified_ts: int
    sha256: str
    date: datetime.date | None = None
    interval: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class IngestionResult:
    """The outcome of one file's ingestion.

    ``status`` is ``success``, ``failed`` or ``quarantined``; ``skipped`` tells a skip of an
    already-successful identity apart from a write. ``failure_reason`` is a stable code.
    """

    status: str
    row_count: int
    rows_written: int
    rows_quarantined: int
    file_id: int | None = None
    skipped: bool = False
    failure_reason: str | None = None
    error_message: str | None = None
    trading_date_min: datetime.date | None = None
    trading_date_max: datetime.date | None = None
