"""Functions run in spawned processes by the object-store concurrency tests."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from pointline.v2 import Lake
from tests.reliability.workers import wait_for_all


def ingest(
    root: str,
    options: dict[str, str] | None,
    paths: list[str],
    forced: list[str],
    barrier: str,
    parties: int,
) -> list[dict]:
    """Ingest ``paths`` (then ``forced`` with ``force=True``) once every party is ready."""
    lake = Lake(root, storage_options=options)
    wait_for_all(barrier, parties)
    done = []
    for batch, force in ((paths, False), (forced, True)):
        results = lake.ingest([Path(p) for p in batch], force=force)
        done += [
            {
                "path": path,
                "force": force,
                "status": r.status,
                "file_id": r.file_id,
                "skipped": r.skipped,
                "error_message": r.error_message,
            }
            for path, r in zip(batch, results, strict=True)
        ]
    return done


def read_and_compact(
    root: str, options: dict[str, str] | None, barrier: str, parties: int, stop: str
) -> tuple[int, list[str]]:
    """Loop ``scan``, ``manifest`` and ``compact`` until ``stop`` exists: (loops, errors)."""
    lake = Lake(root, storage_options=options)
    wait_for_all(barrier, parties)
    errors: list[str] = []
    loops = 0
    while not Path(stop).exists():
        loops += 1
        try:
            for table in ("trades", "quotes"):
                lake.scan(table).collect()
            lake.manifest()
            lake.compact("trades")
        except Exception:
            errors.append(traceback.format_exc(limit=3))
        time.sleep(0.05)
    return loops, errors
