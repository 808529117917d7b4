"""A writer SIGKILLed at each commit point against S3, then a rerun: one copy of every row."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pointline.v2 import Lake
from pointline.v2.vendors.registry import register_vendor
from tests.conftest import LakeRoot
from tests.crash_child import STORAGE_OPTIONS_ENV
from tests.lake_vendor import MiniVendor, write_mini_trades
from tests.test_lake import DAY, T0, snapshot
from tests.test_lake_crash import kill_child_at


@pytest.mark.parametrize(
    "pause_at",
    ["replace_events", "events_files_written", "replace_quarantine", "update_status"],
)
def test_killed_at_each_commit_point_on_s3_then_rerun_leaves_one_copy(
    s3_root: LakeRoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pause_at: str
) -> None:
    register_vendor(MiniVendor())
    lake = Lake(s3_root.root, storage_options=s3_root.storage_options)
    lake.upsert_symbols(snapshot("BTCUSDT"), T0 - DAY)
    rows = [(T0 + i, "buy" if i != 1 else "bogus", 10 + i, 1) for i in range(4)]
    bronze = write_mini_trades(tmp_path / "home", rows=rows)
    monkeypatch.setenv(STORAGE_OPTIONS_ENV, json.dumps(s3_root.storage_options))

    kill_child_at(s3_root.root, bronze, pause_at, tmp_path)  # type: ignore[arg-type]

    after_kill = Lake(s3_root.root, storage_options=s3_root.storage_options)
    assert after_kill.manifest()["status"].to_list() == ["pending"]
    assert after_kill.scan("trades").collect().height == 0  # nothing of it is visible

    result = after_kill.ingest_file(bronze)
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 3, 1)
    assert after_kill.manifest()["status"].to_list() == ["success"]
    assert after_kill.scan("trades").collect()["file_seq"].to_list() == [1, 3, 4]
    raw = pl.read_delta(f"{s3_root.root}/silver/trades", storage_options=s3_root.storage_options)
    assert raw.height == 3  # no orphan copy below the reader either
    assert after_kill.quarantine()["file_seq"].to_list() == [2]
    assert after_kill.ingest_file(bronze).skipped
