"""Seeded random SIGKILL of a child process ingesting a mixed batch, then a rerun.

Each round copies a prepared lake (Bronze files and dim_symbol; on odd rounds also an earlier
complete ingestion, which the child redoes with ``force=True``), lets a started
``tests.reliability.crash_child`` ingest it, and kills it with SIGKILL at a seeded random
moment: after a random number of the batch's commits (counted by an uninterrupted child per
mode first) plus a random delay that may land inside the next commit, or at a random time
before the first commit. The invariants of
:func:`check_invariants` must hold right after the kill and after a plain rerun, and after the
rerun every file must be in exactly the state an uninterrupted run gives (same status, counts,
stored rows and quarantined rows).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
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


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Prepared:
    base = tmp_path_factory.mktemp("kill")
    template = new_lake(base / "template")
    _mixed_batch(template.bronze_root)
    ingested = base / "ingested"
    shutil.copytree(template.root, ingested)
    lake = Lake(ingested)
    results = lake.ingest(lake.bronze_root)
    outcomes = sorted((r.status, r.failure_reason or "") for r in results)
    assert outcomes == [
        ("failed", "schema_mismatch"),
        ("failed", "truncated_file"),
        ("quarantined", "invalid_trade_values"),
        *[("success", "")] * 6,
    ]
    return Prepared(template.root, ingested, check_invariants(lake))


def commits(root: Path) -> int:
    """The sum of the table versions of the lake (how many commits it has seen)."""
    total = 0
    for log in (root / "silver").glob("*/_delta_log"):
        versions = [int(p.name.split(".")[0]) for p in log.glob("*.json")]
        total += max(versions, default=-1) + 1
    return total


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

    def _wait_for(self, marker: Path, what: str) -> None:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if self.process.poll() is not None:
                tail = self.errors.read_text()[-2000:]
                pytest.fail(f"child exited ({self.process.returncode}) before {what}: {tail}")
            if time.monotonic() > deadline:
                pytest.fail(f"child never got to {what}")
            time.sleep(0.002)

    def kill_at(self, root: Path, mode: str, after_commits: int, delay: float) -> str:
        """Ingest ``root``; SIGKILL the child ``delay`` seconds after the lake saw
        ``after_commits`` more commits (0: ``delay`` after the batch started).

        Returns ``"killed"`` or ``"finished"`` (the batch ended before the kill).
        """
        Path(f"{self.marker}.go").write_text(f"{root} {mode}")
        done = Path(f"{self.marker}.done")
        try:
            self._wait_for(Path(f"{self.marker}.ready"), "ingesting")
            before = commits(root)
            while commits(root) - before < after_commits and not done.exists():
                time.sleep(0.001)
            time.sleep(delay)
        finally:
            self.stop()
        return "finished" if done.exists() else "killed"

    def run_to_end(self, root: Path, mode: str) -> tuple[float, int]:
        """Ingest ``root`` uninterrupted, watching its commits.

        Returns:
            Seconds from the start of the batch to its first commit, and its commit count.
        """
        Path(f"{self.marker}.go").write_text(f"{root} {mode}")
        done = Path(f"{self.marker}.done")
        try:
            self._wait_for(Path(f"{self.marker}.ready"), "ingesting")
            began, before = time.monotonic(), commits(root)
            first_commit = None
            while not done.exists():
                if first_commit is None and commits(root) != before:
                    first_commit = time.monotonic() - began
                if self.process.poll() is not None and not done.exists():
                    pytest.fail(f"child exited: {self.errors.read_text()[-2000:]}")
                time.sleep(0.001)
        finally:
            self.process.wait(timeout=60)
        made = commits(root) - before
        return (time.monotonic() - began if first_commit is None else first_commit), made

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)


def run_rounds(prepared: Prepared, tmp_path: Path, rounds: int) -> dict[str, object]:
    """Kill ``rounds`` children at random moments; check every round; return the figures."""
    rng = random.Random(SEED)
    figures: Counter = Counter(rounds=0, files_checked=0)
    child = Child(tmp_path / "calibrate-0")
    try:
        # An uninterrupted child per mode: how long until its first commit, how many commits.
        calibration: dict[str, tuple[float, int]] = {}
        for k, mode in enumerate(["plain", "force"]):
            lake = tmp_path / f"calibrate-{mode}"
            shutil.copytree(prepared.ingested if mode == "force" else prepared.template, lake)
            calibration[mode] = child.run_to_end(lake, mode)
            child = Child(tmp_path / ("calibrate-1" if k == 0 else "m0"))
            shutil.rmtree(lake)
        for n in range(rounds):
            mode = "force" if n % 2 else "plain"
            root = tmp_path / f"round-{n}"
            shutil.copytree(prepared.ingested if n % 2 else prepared.template, root)
            before = commits(root)
            # The moment: after a random number of the batch's commits (0: before the first
            # one, at a random time), plus a random delay that may land inside the next one.
            first_commit, total = calibration[mode]
            after = rng.randint(0, total)
            delay = rng.uniform(0, first_commit) if after == 0 else rng.uniform(0, 0.02)
            how = child.kill_at(root, mode, after, delay)
            child = Child(tmp_path / f"m{n + 1}")  # imports while this round is checked

            made = commits(root) - before
            after_kill = check_invariants(Lake(root))  # readers see no unfinished file
            pending = [p for p, f in after_kill.files.items() if f[0] == "pending"]

            Lake(root).ingest(Lake(root).bronze_root)  # the plain rerun
            healed = check_invariants(Lake(root))
            where = f"round {n}: {how} after {made} of {total} commits (+{delay:.3f} s)"
            assert healed.files == prepared.reference.files, where

            figures["rounds"] += 1
            figures["files_checked"] += len(healed.files)
            if how == "finished":
                figures["finished_before_the_kill"] += 1
            elif made == 0:
                figures["killed_before_any_commit"] += 1
            elif made < total:
                figures["killed_between_or_during_commits"] += 1
            else:
                figures["killed_after_the_last_commit"] += 1
            figures["left_pending_files"] += bool(pending)
            shutil.rmtree(root)
    finally:
        child.stop()
    figures["commits_per_batch"] = (
        f"plain {calibration['plain'][1]}, force {calibration['force'][1]}"
    )
    return dict(figures)


def test_random_sigkill_then_rerun_keeps_every_invariant(prepared, tmp_path):
    figures = run_rounds(prepared, tmp_path, DEFAULT_ROUNDS)
    print(f"random kill: {figures}")
    assert figures["rounds"] == DEFAULT_ROUNDS
    assert figures.get("killed_between_or_during_commits", 0) >= 3  # kills land mid-batch


@pytest.mark.slow
def test_random_sigkill_soak(prepared, tmp_path):
    figures = run_rounds(prepared, tmp_path, SOAK_ROUNDS)
    print(f"random kill soak: {figures}")
    assert figures["rounds"] == SOAK_ROUNDS
