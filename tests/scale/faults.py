"""Faults installed inside worker processes (a pool's ``initializer``, a Dask worker plugin).

Plain module-level functions and a plugin class, importable by spawned workers. Each fault
fires at most once across every process: the first process to create its ``marker`` file
(``O_EXCL``) is the one that fails.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from pointline.v2.lake import Lake
from pointline.v2.storage.delta import DeltaManifestStore

_ORIGINALS: dict[str, object] = {}


def _first(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def kill_before_status_write(marker: str) -> None:
    """SIGKILL this process the first time a status write starts, i.e. after a group's event
    and validation_log rows are committed and before the manifest says so."""
    original = _ORIGINALS.setdefault("update_statuses", DeltaManifestStore.update_statuses)

    def update_statuses(self, updates):
        if _first(marker):
            Path(marker + ".pid").write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, updates)  # type: ignore[operator]

    DeltaManifestStore.update_statuses = update_statuses  # type: ignore[method-assign]


def raise_for_file(name: str) -> None:
    """Make the group holding a file whose path ends with ``name`` raise outside the
    pipeline (in ``Lake._ingest_batch``), every time."""
    original = _ORIGINALS.setdefault("_ingest_batch", Lake._ingest_batch)

    def ingest_batch(self, metas, **kwargs):
        if any(m.bronze_file_path.endswith(name) for m in metas):
            raise RuntimeError(f"injected worker fault for {name}")
        return original(self, metas, **kwargs)  # type: ignore[operator]

    Lake._ingest_batch = ingest_batch  # type: ignore[method-assign]


def restore() -> None:
    if "update_statuses" in _ORIGINALS:
        DeltaManifestStore.update_statuses = _ORIGINALS.pop("update_statuses")  # type: ignore[method-assign]
    if "_ingest_batch" in _ORIGINALS:
        Lake._ingest_batch = _ORIGINALS.pop("_ingest_batch")  # type: ignore[method-assign]


INSTALLERS = {
    "kill_before_status_write": kill_before_status_write,
    "raise_for_file": raise_for_file,
}


def install(fault: str, argument: str) -> None:
    """A pool initializer: install ``fault`` with its argument."""
    INSTALLERS[fault](argument)
