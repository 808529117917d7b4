"""A real child process killed (SIGKILL) mid-ingestion against real Delta tables, then a rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pointline.v2 import Lake
from pointline.v2.vendors.registry import register_vendor

from .lake_vendor import MiniVendor, write_mini_trades
from .test_lake import DAY, T0, snapshot

REPO = Path(__file__).resolve().parents[1]


def kill_child_at(lake_root: Path, bronze: Path, pause_at: str, tmp_path: Path) -> None:
    marker = tmp_path / f"marker-{pause_at}"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.crash_child",
            str(lake_root),
            str(bronze),
            pause_at,
            str(marker),
        ],
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"child exited with {child.returncode} before reaching {pause_at}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"child never reached {pause_at}")
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()


@pytest.mark.parametrize(
    "pause_at",
    [
        "replace_events",
        "events_files_written",
        "replace_quarantine",
        "update_status",
        "chunked_replace_events",
        "chunked_events_files_written",
        "chunked_update_status",
    ],
)
def test_killed_mid_ingestion_then_rerun_leaves_one_copy(tmp_path, pause_at):
    register_vendor(MiniVendor())
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(snapshot("BTCUSDT"), T0 - DAY)
    rows = [(T0 + i, "buy" if i != 1 else "bogus", 10 + i, 1) for i in range(4)]
    bronze = write_mini_trades(lake.root, rows=rows)

    kill_child_at(lake.root, bronze, pause_at, tmp_path)

    after_kill = Lake(lake.root)
    assert after_kill.manifest()["status"].to_list() == ["pending"]
    # readers never see rows of the unfinished file
    assert after_kill.scan("trades").collect().height == 0

    result = after_kill.ingest_file(bronze)
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 3, 1)
    assert after_kill.manifest().select("status").to_series().to_list() == ["success"]
    rows_after = after_kill.scan("trades").collect()
    assert rows_after["file_seq"].to_list() == [1, 3, 4]
    raw = pl.read_delta(str(lake.root / "silver" / "trades"))
    assert raw.height == 3  # no orphan copy below the reader either
    assert after_kill.quarantine()["file_seq"].to_list() == [2]


@pytest.mark.parametrize(
    "pause_at", ["batch_replace_events", "batch_replace_quarantine", "batch_update_statuses"]
)
def test_batch_killed_mid_commit_then_rerun_leaves_one_copy(tmp_path, pause_at):
    register_vendor(MiniVendor())
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(snapshot("BTCUSDT", "ETHUSDT"), T0 - DAY)
    for i, symbol in enumerate(["BTCUSDT", "ETHUSDT", "XRPUSDT"]):
        rows = [(T0 + j, "buy" if j != 1 else "bogus", 10 + j, 1) for j in range(3)]
        write_mini_trades(lake.root, symbol=symbol, rows=rows, name=f"f{i}")
    bronze = lake.root / "bronze"

    kill_child_at(lake.root, bronze, pause_at, tmp_path)

    after_kill = Lake(lake.root)
    assert set(after_kill.manifest()["status"].to_list()) == {"pending"}
    assert after_kill.scan("trades").collect().height == 0

    results = after_kill.ingest(bronze)
    assert sorted(r.status for r in results) == ["quarantined", "success", "success"]
    assert after_kill.manifest().height == 3
    raw = pl.read_delta(str(lake.root / "silver" / "trades"))
    assert raw.height == 4 and raw.select("file_id", "file_seq").is_unique().all()
    log = after_kill.quarantine()
    assert log.height == 2 + 3  # two bad sides, three uncovered XRPUSDT rows
    assert log.select("file_id", "file_seq", "rule_name").is_unique().all()
