"""Child process for the SIGKILL tests: ingest with a pause at a chosen point, then get killed.

Usage: python -m tests.crash_child LAKE_ROOT BRONZE_PATH PAUSE_AT MARKER

A BRONZE_PATH that is a directory (or a ``batch_*`` pause) goes through ``Lake.ingest``; a
``chunked_*`` pause uses a Lake that streams every file in 2-row chunks.

PAUSE_AT names the adapter call before which the child writes MARKER and sleeps (so the parent
kills it there): ``replace_events`` (before the event commit), ``replace_quarantine`` (events
committed, log not), ``update_status`` (both committed, status still pending), or ``none``;
``events_files_written``: inside the event store, the new data files are on disk but their
commit has not been made.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from pointline.v2 import Lake
from pointline.v2.storage.delta import (
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
    data_files,
)
from pointline.v2.vendors.registry import register_vendor

from .lake_vendor import MiniVendor

STORAGE_OPTIONS_ENV = "POINTLINE_TEST_STORAGE_OPTIONS"
"""JSON of the ``storage_options`` of a lake root that is an object-store URL."""

# One pipeline: a single file and a batch reach the stores through the same batch verbs.
PAUSES = {
    "replace_events": (DeltaEventStore, "replace_files"),
    "replace_quarantine": (DeltaQuarantineStore, "replace_files"),
    "update_status": (DeltaManifestStore, "update_statuses"),
    # the same points, reached by Lake.ingest of a directory
    "batch_replace_events": (DeltaEventStore, "replace_files"),
    "batch_replace_quarantine": (DeltaQuarantineStore, "replace_files"),
    "batch_update_statuses": (DeltaManifestStore, "update_statuses"),
}


def _pause_before(cls: type, method: str, marker: Path) -> None:
    original = getattr(cls, method)

    def paused(self, *args, **kwargs):
        marker.write_text("paused")
        time.sleep(600)
        return original(self, *args, **kwargs)

    setattr(cls, method, paused)


def _pause_before_event_commit(marker: Path) -> None:
    original = data_files.commit

    def paused(dt, table_path, *args, **kwargs):
        if Path(table_path).name == "trades":
            marker.write_text("paused")
            time.sleep(600)
        return original(dt, table_path, *args, **kwargs)

    data_files.commit = paused


def main() -> None:
    root, bronze, pause_at, marker = sys.argv[1:5]
    register_vendor(MiniVendor())
    if pause_at.removeprefix("chunked_") == "events_files_written":
        _pause_before_event_commit(Path(marker))
    elif pause_at != "none":
        cls, method = PAUSES[pause_at.removeprefix("chunked_")]
        _pause_before(cls, method, Path(marker))
    chunked = pause_at.startswith("chunked_")
    if chunked:  # the chunked path: every file streamed in 2-row chunks into one commit
        pause_at = pause_at.removeprefix("chunked_")
    # a lake on an object store gets its options from the environment (tests/s3)
    options = json.loads(os.environ.get(STORAGE_OPTIONS_ENV, "null"))
    lake = (
        Lake(root, storage_options=options, stream_threshold_bytes=0, chunk_rows=2)
        if chunked
        else Lake(root, storage_options=options)
    )
    if pause_at.startswith("batch_") or Path(bronze).is_dir():
        lake.ingest(bronze)
    else:
        lake.ingest_file(bronze)


if __name__ == "__main__":
    main()
