"""What the pipeline takes (Bronze file metadata) and what it returns (an ingestion result).

The bottom of the import graph: this module imports nothing of pointline, so the contracts,
the stores, the vendors and the pipeline can all depend on it. The public import path is
:mod:`pointline.v2.ingestion.models`, which re-exports these names.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HASH_BLOCK = 1 << 20


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


def sha256_of(path: Path) -> str:
    """Hex sha256 of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
