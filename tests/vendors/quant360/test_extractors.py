"""Choosing the extractor: py7zr or the 7-Zip program give the same Bronze files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pointline.v2.vendors.quant360.upstream import importer as importer_module
from pointline.v2.vendors.quant360.upstream.extract import child_limits, find_7z

from .test_archives import EXTRACTORS, SYMBOLS, published, sz_orders

HAVE_7Z = find_7z() is not None


@pytest.mark.skipif(not HAVE_7Z, reason="no 7-Zip program (7z/7zz/7za) on PATH")
def test_py7zr_and_the_7z_program_publish_identical_files(tmp_path):
    archive = sz_orders(tmp_path / "source", symbols=[*SYMBOLS, "000004"])
    found = {}
    for name in EXTRACTORS:
        bronze = tmp_path / name / "bronze"
        report = importer_module.import_archives(archive.parent, bronze, extractor=name)
        assert [a.status for a in report.archives] == ["success"]
        found[name] = published(bronze)
    assert found["py7zr"] == found["7z"]
    assert len(found["7z"]) == 4


def test_extractor_is_checked_before_anything_is_read(tmp_path, monkeypatch):
    archive = sz_orders(tmp_path / "source")
    bronze = tmp_path / "bronze"
    with pytest.raises(ValueError, match="extractor must be one of"):
        importer_module.import_archives(archive.parent, bronze, extractor="unzip")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no 7-Zip program anywhere
    with pytest.raises(ValueError, match=r"extractor='7z' but no 7-Zip program"):
        importer_module.import_archives(archive.parent, bronze, extractor="7z")
    report = importer_module.import_archives(archive.parent, bronze)  # auto: py7zr
    assert [a.status for a in report.archives] == ["success"]
    assert len(report.files) == len(SYMBOLS)


LINUX = sys.platform.startswith("linux")
PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    from pointline.v2.vendors.quant360.upstream.extract import child_limits

    child = subprocess.Popen(["sleep", "60"], preexec_fn=child_limits(10**6))
    print(child.pid, flush=True)
    time.sleep(60)
    """
)


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return True  # reaped
    return state == "Z"  # killed, waiting for the reaper


@pytest.mark.skipif(not LINUX, reason="the parent-death signal is Linux's")
def test_the_7z_child_dies_with_a_killed_importer(tmp_path):
    """The limits the 7z program runs under: killed with its parent (no orphan keeps writing
    into a staging directory after a SIGKILLed import)."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    child_pid = int(parent.stdout.readline())
    assert not _dead(child_pid)
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while not _dead(child_pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _dead(child_pid)


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_the_7z_child_cannot_write_past_the_largest_member(tmp_path):
    target = tmp_path / "big"
    done = subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=4096", "count=4"],
        preexec_fn=child_limits(4096),
        capture_output=True,
        check=False,
    )
    assert done.returncode == -signal.SIGXFSZ
    assert target.stat().st_size <= 4096
