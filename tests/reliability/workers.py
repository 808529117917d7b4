"""Functions run in spawned worker processes by the concurrency tests.

Workers meet at a file barrier (:func:`wait_for_all`) so that the interesting part of their
work starts at the same moment in every process; a file barrier works between the workers of
a process pool, where multiprocessing's own Barrier cannot be passed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import polars as pl

from pointline.v2 import Lake
from pointline.v2.storage.delta import DeltaDimensionStore

BARRIER_TIMEOUT_S = 120.0


def warm_up(_: int = 0) -> int:
    """Nothing but the imports above: lets the pool start its processes before a test."""
    return os.getpid()


def wait_for_all(barrier: str, parties: int) -> None:
    """Block until ``parties`` processes have called this with the same ``barrier`` dir."""
    folder = Path(barrier)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while sum(1 for _ in folder.iterdir()) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier {barrier}: fewer than {parties} parties arrived")
        time.sleep(0.005)


def ingest_worker(root: str, paths: list[str], barrier: str, parties: int) -> list[dict]:
    """Ingest ``paths`` into the lake at ``root`` once every worker is ready."""
    lake = Lake(root)
    wait_for_all(barrier, parties)
    results = lake.ingest([Path(p) for p in paths])
    return [
        {
            "path": path,
            "status": r.status,
            "skipped": r.skipped,
            "file_id": r.file_id,
            "rows_written": r.rows_written,
            "rows_quarantined": r.rows_quarantined,
            "failure_reason": r.failure_reason,
            "error_message": r.error_message,
        }
        for path, r in zip(paths, results, strict=True)
    ]


def upsert_worker(
    root: str, snapshot: dict[str, list], effective_ts_us: int, barrier: str
) -> dict[str, Any]:
    """``Lake.upsert_symbols`` whose save first waits for the other worker, so that both
    have read the same dim_symbol version before either commits."""
    original = DeltaDimensionStore.save_dim_symbol

    def save_after_both_read(self, df, *, expected_version=None):
        wait_for_all(barrier, 2)
        return original(self, df, expected_version=expected_version)

    DeltaDimensionStore.save_dim_symbol = save_after_both_read  # type: ignore[method-assign]
    try:
        version = Lake(root).upsert_symbols(pl.DataFrame(snapshot), effective_ts_us)
        return {"version": version}
    except ValueError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    finally:
        DeltaDimensionStore.save_dim_symbol = original  # type: ignore[method-assign]
