"""Four processes ingest overlapping sets of 50 files into one lake at once (some forced),
while a fifth loops scan, manifest and compact; on a local root and on S3. No lock makes
this correct on S3: the commit guard and the per-file fences do."""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from pointline.v2 import Lake
from tests.conftest import LakeRoot
from tests.reliability.lakes import (
    SYMBOLS_FROM_US,
    check_invariants,
    symbol_snapshot,
    tardis_name,
    tardis_text,
    write_bronze,
)

from .workers import ingest, read_and_compact

SPAWN = multiprocessing.get_context("spawn")
WRITERS = 4
FILES = 100
PER_WRITER = 50
FORCED_PER_WRITER = 5
TYPES = ("trades", "quotes")


def test_four_writers_and_a_reader_keep_every_guarantee(
    lake_root: LakeRoot, tmp_path: Path
) -> None:
    lake = Lake(lake_root.root, storage_options=lake_root.storage_options)
    lake.upsert_symbols(symbol_snapshot(), SYMBOLS_FROM_US)
    paths = []
    for i in range(FILES):
        data_type = TYPES[i % len(TYPES)]
        path = tmp_path / "bronze" / "tardis" / f"f{i:03d}" / tardis_name(data_type)
        write_bronze(path, tardis_text(data_type, 4, seed=i))
        paths.append(str(path))
    shares, forced = [], []
    for k in range(WRITERS):
        share = random.Random(k).sample(paths, PER_WRITER)
        shares.append(share[FORCED_PER_WRITER:])
        forced.append(share[:FORCED_PER_WRITER])
    barrier, stop = tmp_path / "barrier", tmp_path / "stop"
    root = str(lake_root.root)
    options = lake_root.storage_options
    with ProcessPoolExecutor(max_workers=WRITERS + 1, mp_context=SPAWN) as pool:
        reader = pool.submit(read_and_compact, root, options, str(barrier), WRITERS + 1, str(stop))
        writers = [
            pool.submit(ingest, root, options, shares[k], forced[k], str(barrier), WRITERS + 1)
            for k in range(WRITERS)
        ]
        results = [row for w in writers for row in w.result(timeout=900)]
        stop.touch()
        loops, errors = reader.result(timeout=300)

    assert errors == [], errors[0]
    assert loops > 0
    failed = [r for r in results if r["status"] != "success"]
    assert failed == [], [r["error_message"] for r in failed[:3]]
    ingested = {r["path"] for r in results}
    by_path: dict[str, set[int]] = {}
    for r in results:
        by_path.setdefault(r["path"], set()).add(r["file_id"])
    assert all(len(ids) == 1 for ids in by_path.values())  # one id per file everywhere

    lake = Lake(lake_root.root, storage_options=lake_root.storage_options)
    state = check_invariants(lake)  # unique ids and identities, rows once, counts as stated
    manifest = lake.manifest()
    assert sorted(manifest["file_id"].to_list()) == list(range(1, len(ingested) + 1))
    assert set(manifest["status"].to_list()) == {"success"}
    assert all(s[2] == 4 and len(s[4]) == 4 for s in state.files.values())
    assert state.event_rows == 4 * len(ingested)
    # a rerun skips every file
    again = lake.ingest([Path(p) for p in sorted(ingested)])
    assert all(r.skipped for r in again)


@pytest.fixture(autouse=True)
def _no_inherited_attempt() -> None:
    """(the pool's processes are spawned: nothing of this process is inherited)"""
