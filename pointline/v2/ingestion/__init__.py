"""The function-first ingestion pipeline. It depends on the storage contracts only."""

from __future__ import annotations

from pointline.v2.ingestion.pipeline import ingest_file, ingest_files

__all__ = ["ingest_file", "ingest_files"]
