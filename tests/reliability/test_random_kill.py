"""Seeded random SIGKILL of a child process ingesting a mixed batch, then a rerun.

Each round copies a prepared lake (Bronze files and dim_symbol; on odd rounds also an earlier
complete ingestion, which the child redoes with ``force=True``), starts
``tests.reliability.crash_child`` on it, waits a seeded random delay once the child is about to
ingest, and kills it with SIGKILL. The invariants of :func:`check_invariants` must hold right
after the kill and after a plain rerun, and after the rerun every file must be in exactly the
state an uninterrupted run gives (same status, counts, stored rows and quarantined rows).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pointline.v2 import Lake

from .lakes import (
    LakeState,
    check_invariants,
    new_lake,
    quant360_relpath,
    quant360_text,
    tardis_name,
    tardis_text,
    with_bad_rows,
    write_bronze,
)

REPO = Path(__file__).resolve().parents[2]
SEED = 20240102
DEFAULT_ROUNDS = 10
SOAK_ROUNDS = 30


def _mixed_batch(bronze: Path) -> None:
    """Good files, files with bad rows, a file whose rows are all bad, files that fail."""
    tardis = bronze / "tardis"
    write_bronze(tardis / "good-trades" / tardis_name("trades"), tardis_text("trades", 20, seed=1))
    write_bronze(tardis / "good-quotes" / tardis_name("quotes"), tardis_text("quotes", 20, seed=2))
    book = tardis_text("incremental_book_L2", 20, seed=3)
    write_bronze(tardis / "book" / tardis_name("incremental_book_L2"), book)
    options = tardis_text("options_chain", 10, seed=4)
    write_bronze(tardis / "options" / tardis_name("options_chain"), options)
    some_bad = with_bad_rows(tardis_text("trades", 20, seed=5), every=4)
    write_bronze(tardis / "some-bad" / tardis_name("trades"), some_bad)
    all_bad = with_bad_rows(tardis_text("trades", 6, seed=6), every=1)
    write_bronze(tardis / "all-bad" / tardis_name("trades"), all_bad)
    wrong_header = tardis_text("trades", 5, seed=7).replace(b"amount", b"size", 1)
    write_bronze(tardis / "wrong-header" / tardis_name("trades"), wrong_header)
    truncated = write_bronze(
        tardis / "truncated" / tardis_name("quotes"), tardis_text("quotes", 50, seed=8)
    )
    truncated.write_bytes(truncated.read_bytes()[:-40])
    write_bronze(
        bronze / quant360_relpath("order_new", "szse"), quant360_text("order_new", "szse", 20)
    )


@dataclass
class Prepared:
    template: Path  # Bronze files and dim_symbol, nothing ingested
    ingested: Path  # the template after one uninterrupted ingestion
    reference: LakeState
    batch_seconds: float


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Prepared:
    base = tmp_path_factory.mktemp("kill")
    template = new_lake(base / "template")
    _mixed_batch(template.bronze_root)
    ingested = base / "ingested"
    shutil.copytree(template.root, ingested)
    lake = Lake(ingested)
    began = time.monotonic()
    results = lake.ingest(lake.bronze_root)
    batch_seconds = time.monotonic() - began
    outcomes = sorted((r.status, r.failure_reason or "") for r in results)
    assert outcomes == [
        ("failed", "schema_mismatch"),
        ("failed", "truncated_file"),
        ("quarantined", "invalid_trade_values"),
        *[("success", "")] * 6,
    ]
    return Prepared(template.root, ingested, check_invariants(lake), batch_seconds)


class Child:
    """A started ``crash_child`` process, waiting for its lake (started ahead of time so that
    its imports overlap the parent's checks of the previous round)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker
        self.errors = marker.with_suffix(".stderr")
        with self.errors.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.crash_child", str(marker)],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def kill_at(self, root: Path, mode: str, delay: float) -> str:
        """Ingest ``root``; SIGKILL the child ``delay`` seconds after it started ingesting.

        Returns ``"killed"`` or ``"finished"`` (the batch ended before the kill).
        """
        Path(f"{self.marker}.go").write_text(f"{root} {mode}")
        ready = Path(f"{self.marker}.ready")
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if self.process.poll() is not None:
                    tail = self.errors.read_text()[-2000:]
                    pytest.fail(f"child exited early ({self.process.returncode}): {tail}")
                if time.monotonic() > deadline:
                    pytest.fail("child never got ready")
                time.sleep(0.002)
            time.sleep(delay)
        finally:
            self.stop()
        return "finished" if Path(f"{self.marker}.done").exists() else "killed"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)


def run_rounds(prepared: Prepared, tmp_path: Path, rounds: int) -> dict[str, int]:
    rng = random.Random(SEED)
    figures = {"rounds": 0, "killed": 0, "left_pending": 0, "files_checked": 0}
    child = Child(tmp_path / "m0")
    try:
        for n in range(rounds):
            force = n % 2 == 1
            root = tmp_path / f"round-{n}"
            shutil.copytree(prepared.ingested if force else prepared.template, root)
            # Uniform over the batch's length (plus a margin: some kills land after it ended).
            delay = rng.uniform(0, prepared.batch_seconds * 1.2)
            how = child.kill_at(root, "force" if force else "plain", delay)
            child = Child(tmp_path / f"m{n + 1}")  # imports while this round is checked

            after_kill = check_invariants(Lake(root))  # readers see no unfinished file
            pending = [p for p, f in after_kill.files.items() if f[0] == "pending"]

            Lake(root).ingest(Lake(root).bronze_root)  # the plain rerun
            healed = check_invariants(Lake(root))
            assert healed.files == prepared.reference.files, f"round {n} ({how}, {delay:.3f} s)"

            figures["rounds"] += 1
            figures["killed"] += how == "killed"
            figures["left_pending"] += bool(pending)
            figures["files_checked"] += len(healed.files)
            shutil.rmtree(root)
    finally:
        child.stop()
    return figures


def test_random_sigkill_then_rerun_keeps_every_invariant(prepared, tmp_path):
    figures = run_rounds(prepared, tmp_path, DEFAULT_ROUNDS)
    print(f"random kill: {figures}, batch {prepared.batch_seconds:.2f} s")
    assert figures["rounds"] == DEFAULT_ROUNDS
    assert figures["killed"] >= DEFAULT_ROUNDS // 2  # most kills land inside the batch


@pytest.mark.slow
def test_random_sigkill_soak(prepared, tmp_path):
    figures = run_rounds(prepared, tmp_path, SOAK_ROUNDS)
    print(f"random kill soak: {figures}, batch {prepared.batch_seconds:.2f} s")
    assert figures["rounds"] == SOAK_ROUNDS
