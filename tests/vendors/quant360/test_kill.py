"""A real child process importing an archive is SIGKILLed mid-archive; the rerun finishes it.

The child pauses (sleeps) in the ``on_published`` hook after N members are in place and
touches a marker file; the test then kills it with SIGKILL, so nothing in the child gets to
clean up. The rerun must publish every member exactly once, byte-identical to an import that
was never interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pointline.v2.vendors.quant360 import samples
from pointline.v2.vendors.quant360.upstream import import_archives

REPO_ROOT = Path(__file__).resolve().parents[3]
SYMBOLS = samples.sample_symbols("szse", 12)

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pointline.v2.vendors.quant360.upstream import import_archives

    source, bronze, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    pause_after = int(sys.argv[4])
    count = 0

    def pause(meta):
        global count
        count += 1
        if count == pause_after:
            marker.write_text(meta.bronze_file_path)
            time.sleep(600)

    import_archives(source, bronze, workers=1, on_published=pause)
    """
)


def _files(bronze: Path) -> dict[str, bytes]:
    root = bronze / "quant360"
    return {
        p.relative_to(bronze).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_ledger" not in p.parts
    }


def _run_child_until_paused(source: Path, bronze: Path, marker: Path, pause_after: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    errors = marker.with_suffix(".stderr")
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(source), str(bronze), str(marker), str(pause_after)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None:
                tail = errors.read_text()[-2000:]
                pytest.fail(f"child exited early ({child.returncode}): {tail}")
            if time.monotonic() > deadline:
                pytest.fail("child did not reach the pause within 60 s")
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("pause_after", [1, 5])
def test_sigkill_mid_archive_then_rerun_publishes_every_member_once(tmp_path, pause_after):
    source = tmp_path / "source"
    archive = samples.write_archive(
        source, data_type="order_new", exchange="szse", symbols=SYMBOLS, rows_per_member=30
    )
    reference = import_archives(source, tmp_path / "reference")
    expected = _files(tmp_path / "reference")

    bronze = tmp_path / "bronze"
    _run_child_until_paused(source, bronze, tmp_path / "paused", pause_after)

    # Killed mid-archive: whole files only, exactly those published so far, and no
    # success record in the ledger.
    killed = {p: b for p, b in _files(bronze).items() if "/_staging/" not in p}
    assert (bronze / "quant360" / "_staging" / archive.name).is_dir()
    assert len(killed) == pause_after
    assert all(expected[path] == data for path, data in killed.items())
    assert list((bronze / "quant360" / "_ledger").glob(f"{archive.name}.*.json")) == []

    report = import_archives(source, bronze)
    assert [(a.name, a.status) for a in report.archives] == [(archive.name, "success")]
    assert _files(bronze) == expected
    assert [f.bronze_file_path for f in report.files] == [
        f.bronze_file_path for f in reference.files
    ]
    assert [f.sha256 for f in report.files] == [f.sha256 for f in reference.files]
    assert not (bronze / "quant360" / "_staging" / archive.name).exists()
    assert import_archives(source, bronze).archives[0].reason == "already_imported"
