"""Concurrent writers: several processes ingest overlapping files into one lake at once, and two
processes upsert dim_symbol at once. Real processes (spawn), real Delta tables in tmp_path."""

from __future__ import annotations

import datetime
import multiprocessing
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline.schemas.registry import get_table_spec
from pointline.v2 import Lake
from pointline.v2.storage.delta import DeltaEventStore
from pointline.v2.storage.delta.data_files import REPLACED_KEY

from .lakes import (
    LINEAGE,
    LOG_KEY,
    SYMBOLS_FROM_US,
    TARDIS_EXCHANGE,
    check_invariants,
    new_lake,
    raw_rows,
    tardis_name,
    tardis_text,
    with_bad_rows,
    write_bronze,
)
from .workers import ingest_worker, upsert_worker, warm_up

SPAWN = multiprocessing.get_context("spawn")
TYPES = ("trades", "quotes", "derivative_ticker")
ROWS = 5
WORKERS = 4


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Four spawned processes, started once for the module (process start-up is the slow
    part); every test leaves them idle."""
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=SPAWN) as executor:
        list(executor.map(warm_up, range(WORKERS)))
        yield executor


def _bronze_files(lake: Lake, n_files: int) -> dict[str, tuple[int, int]]:
    """``n_files`` small Tardis files; path -> (rows written, rows quarantined) expected."""
    expected = {}
    for i in range(n_files):
        data_type = TYPES[i % len(TYPES)]
        text = tardis_text(data_type, ROWS, seed=i)
        bad = data_type == "trades" and i % 5 == 0
        if bad:
            text = with_bad_rows(text, every=2)  # rows 2 and 4 of 5
        path = lake.bronze_root / "tardis" / f"f{i:03d}" / tardis_name(data_type)
        write_bronze(path, text)
        expected[str(path)] = (3, 2) if bad else (ROWS, 0)
    return expected


def _run_workers(
    pool: ProcessPoolExecutor, root: Path, assignments: list[list[str]], barrier: Path
) -> list[list[dict]]:
    futures = [
        pool.submit(ingest_worker, str(root), paths, str(barrier), len(assignments))
        for paths in assignments
    ]
    return [f.result(timeout=600) for f in futures]


def concurrent_ingest(pool: ProcessPoolExecutor, tmp_path: Path, n_files: int) -> dict[str, float]:
    """Four processes ingest overlapping 3/4 shares of ``n_files`` files, each in its own
    shuffled order; then every guarantee is checked. Returns the figures reached."""
    lake = new_lake(tmp_path / "lake")
    expected = _bronze_files(lake, n_files)
    paths = sorted(expected)
    assignments = []
    for k in range(WORKERS):
        share = [p for i, p in enumerate(paths) if i % WORKERS != k]
        random.Random(k).shuffle(share)
        assignments.append(share)

    began = time.monotonic()
    results = _run_workers(pool, lake.root, assignments, tmp_path / "barrier")
    elapsed = time.monotonic() - began

    by_path: dict[str, list[dict]] = defaultdict(list)
    for worker in results:
        for row in worker:
            by_path[row["path"]].append(row)
    # Every attempt succeeded: no commit conflict surfaced as a failure.
    failures = [r for rows in by_path.values() for r in rows if r["status"] != "success"]
    assert failures == []
    assert set(by_path) == set(paths)
    # The same file got the same id in every process, and different files different ids.
    ids = {p: {r["file_id"] for r in rows} for p, rows in by_path.items()}
    assert all(len(v) == 1 for v in ids.values())
    assert sorted(v.pop() for v in ids.values()) == list(range(1, n_files + 1))

    manifest = Lake(lake.root).manifest()
    assert manifest.height == n_files
    assert manifest["status"].unique().to_list() == ["success"]
    state = check_invariants(Lake(lake.root))
    for path, (written, quarantined) in expected.items():
        bronze_path = Path(path).relative_to(lake.bronze_root).as_posix()
        status, total, rows_written, rows_quarantined, seqs, logged = state.files[bronze_path]
        assert (status, total, rows_written, rows_quarantined) == (
            "success",
            ROWS,
            written,
            quarantined,
        )
        assert len(seqs) == written and len(logged) == quarantined
    duplicates = (
        sum(raw_rows(lake, t).select(LINEAGE).is_duplicated().sum() for t in ("trades", "quotes"))
        + lake.quarantine().select(LOG_KEY).is_duplicated().sum()
    )
    assert duplicates == 0
    lost = sum(w for w, _ in expected.values()) - state.event_rows
    assert lost == 0
    attempts = sum(len(rows) for rows in by_path.values())
    written = sum(1 for rows in by_path.values() for r in rows if not r["skipped"])
    return {
        "seconds": elapsed,
        "attempts": attempts,
        "ingested": written,
        "skipped": attempts - written,
    }


def test_four_processes_ingest_200_overlapping_files_exactly_once(pool, tmp_path):
    figures = concurrent_ingest(pool, tmp_path, n_files=200)
    print(f"concurrent ingest, 4 processes x 150 of 200 files: {figures}")
    assert figures["attempts"] == 600  # every file offered to three of the four processes


@pytest.mark.slow
def test_four_processes_ingest_600_overlapping_files_exactly_once(pool, tmp_path):
    figures = concurrent_ingest(pool, tmp_path, n_files=600)
    print(f"concurrent ingest, 4 processes x 450 of 600 files: {figures}")
    assert figures["attempts"] == 1800


# -- dim_symbol: compare-and-swap under two writers -------------------------------------------


def _snapshot(exchange: str, symbol: str) -> dict[str, list]:
    return {
        "exchange": [exchange],
        "exchange_symbol": [symbol],
        "canonical_symbol": [symbol],
        "market_type": ["perpetual"],
        "base_asset": [symbol[:3]],
        "quote_asset": ["USDT"],
    }


def _race_upserts(pool: ProcessPoolExecutor, root: Path, barrier: Path, ts_us: int) -> list[dict]:
    snapshots = [_snapshot("binance", "SOLUSDT"), _snapshot("bybit", "XRPUSDT")]
    futures = [pool.submit(upsert_worker, str(root), s, ts_us, str(barrier)) for s in snapshots]
    return [f.result(timeout=300) for f in futures]


@pytest.mark.parametrize("existing", [False, True], ids=["first-upsert", "later-upsert"])
def test_two_processes_upserting_dim_symbol_one_wins_none_lost(pool, tmp_path, existing):
    lake = new_lake(tmp_path / "lake") if existing else Lake(tmp_path / "lake")
    before = lake.dimension_store.current_version()
    outcomes = _race_upserts(pool, lake.root, tmp_path / "barrier", SYMBOLS_FROM_US + 1)

    winners = [o for o in outcomes if "version" in o]
    losers = [o for o in outcomes if "error" in o]
    assert len(winners) == 1 and len(losers) == 1
    assert winners[0]["version"] == (0 if before is None else before + 1)
    assert losers[0]["error"] == "VersionMismatchError"
    assert "version mismatch" in losers[0]["message"]
    assert "dim_symbol" in losers[0]["message"]

    # The loser's update was refused, not half-applied; retrying on the new version applies
    # it on top of the winner's: neither update is lost.
    loser = "bybit" if outcomes[0] is winners[0] else "binance"
    winner = "binance" if loser == "bybit" else "bybit"
    after_race = Lake(lake.root).symbols()
    assert winner in after_race["exchange"].to_list()
    assert loser not in after_race["exchange"].to_list()
    retry = _snapshot(loser, "SOLUSDT" if loser == "binance" else "XRPUSDT")
    version = Lake(lake.root).upsert_symbols(pl.DataFrame(retry), SYMBOLS_FROM_US + 2)
    assert version == winners[0]["version"] + 1
    final = Lake(lake.root).symbols()
    current = final.filter(pl.col("is_current"))
    assert {"binance", "bybit"} <= set(current["exchange"].to_list())
    if existing:  # the exchange nobody touched is intact
        assert TARDIS_EXCHANGE in current["exchange"].to_list()


# -- a writer that does not take our lock (another machine) -----------------------------------


class _CommitsWhileStreaming(list):
    """Frames of one file (a replayable sequence) that let another writer commit to the table
    while the store is streaming them, once."""

    def __init__(self, frames: list[pl.DataFrame], other_writer) -> None:
        super().__init__(frames)
        self.other_writer = other_writer

    def __iter__(self):
        for i, frame in enumerate(super().__iter__()):
            if i == 1 and self.other_writer is not None:
                # In a thread of its own: this runs inside deltalake's runtime.
                other = threading.Thread(target=self.other_writer)
                self.other_writer = None
                other.start()
                other.join(timeout=60)
            yield frame


def _trades(file_id: int, n: int) -> pl.DataFrame:
    spec = get_table_spec("trades")
    rows = [
        {
            "exchange": TARDIS_EXCHANGE,
            "trading_date": datetime.date(2024, 1, 1),
            "symbol": "BTCUSDT",
            "symbol_id": 7,
            "ts_event_us": 1_704_067_200_000_000 + i,
            "ts_local_us": None,
            "file_id": file_id,
            "file_seq": i + 1,
            "trade_id": None,
            "side": "buy",
            "is_buyer_maker": None,
            "price": 1_000_000_000 + i,
            "qty": 1_000_000_000,
        }
        for i in range(n)
    ]
    return pl.DataFrame(rows, schema=spec.to_polars())


def test_commit_by_a_writer_outside_our_lock_is_retried_not_lost(tmp_path):
    silver = tmp_path / "lake" / "silver"
    store = DeltaEventStore(silver_root=silver)
    store.replace_file("trades", 1, _trades(1, 3))  # the table exists

    def other_machine_appends() -> None:
        write_deltalake(
            str(silver / "trades"),
            _trades(2, 4).to_arrow(),
            mode="append",
            partition_by=["exchange", "trading_date"],
        )

    frames = _trades(3, 6)
    store.replace_file(
        "trades", 3, _CommitsWhileStreaming([frames[:3], frames[3:]], other_machine_appends)
    )

    # The other writer's commit landed while ours was being written, and ours came after it.
    history = sorted(DeltaTable(str(silver / "trades")).history(), key=lambda h: h["version"])
    replaced = [h.get(REPLACED_KEY) for h in history]
    assert replaced == ["1", None, "3"]
    stored = store.read("trades")
    assert stored.group_by("file_id").len().sort("file_id").rows() == [(1, 3), (2, 4), (3, 6)]
    assert not stored.select(LINEAGE).is_duplicated().any()
