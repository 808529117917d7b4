"""File ids for an executor run: one ``resolve_file_ids`` for the whole call, or one per group.

Run from the repository root::

    uv run python benchmarks/scale_out_resolve.py 100000 20

Resolves ``N`` new identities in a fresh manifest (one call, or ``G`` calls of ``N/G``), then
times ``G`` status writes of ``N/G`` ids each, as the groups of one ``Lake.ingest(...,
executor=...)`` call make them. Decision in ``docs/execplans/16-scale-out.md``: one call.
"""

import sys
import tempfile
import time
from pathlib import Path

from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.delta import DeltaManifestStore


def metas(n: int) -> list[BronzeFileMetadata]:
    return [
        BronzeFileMetadata("tardis", "trades", f"tardis/f{i:07d}.csv.gz", 10, 1, f"{i:064x}")
        for i in range(n)
    ]


def run(n: int, groups: int, chunked: bool) -> tuple[float, float]:
    store = DeltaManifestStore(Path(tempfile.mkdtemp()) / "ingest_manifest")
    ms = metas(n)
    size = n // groups
    t = time.perf_counter()
    if chunked:
        ids = [
            i for g in range(groups) for i in store.resolve_file_ids(ms[g * size : (g + 1) * size])
        ]
    else:
        ids = store.resolve_file_ids(ms)
    resolved = time.perf_counter() - t
    result = IngestionResult("success", 1, 1, 0)
    t = time.perf_counter()
    for g in range(groups):
        part = range(g * size, (g + 1) * size)
        store.update_statuses([(ids[i], "success", ms[i], result) for i in part])
    return resolved, time.perf_counter() - t


def main() -> None:
    n, groups = int(sys.argv[1]), int(sys.argv[2])
    for chunked in (False, True):
        resolve_s, status_s = run(n, groups, chunked)
        label = "per group" if chunked else "one call "
        print(f"{label}: resolve {resolve_s:.2f} s, {groups} status writes {status_s:.2f} s")


if __name__ == "__main__":
    main()
