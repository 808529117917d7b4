"""Child process of the random-kill test: ingest a lake's whole Bronze folder until killed.

Usage: python -m tests.reliability.crash_child MARKER

The child imports pointline, then waits for ``MARKER.go`` (text: ``<lake root> plain|force``),
so the parent can start it ahead of time. ``MARKER.ready`` is created when the ingestion is
about to start (the parent's random delay counts from then), ``MARKER.done`` (holding the
seconds the batch took) when the batch finished.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pointline.v2 import Lake

WAIT_S = 300.0


def main() -> None:
    marker = sys.argv[1]
    go = Path(f"{marker}.go")
    deadline = time.monotonic() + WAIT_S
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit(f"no {go} within {WAIT_S:.0f} s")
        time.sleep(0.002)
    root, mode = go.read_text().split()
    lake = Lake(root)
    Path(f"{marker}.ready").touch()
    began = time.monotonic()
    lake.ingest(lake.bronze_root, force=mode == "force")
    Path(f"{marker}.done").write_text(f"{time.monotonic() - began:.6f}")


if __name__ == "__main__":
    main()
