"""How the Delta manifest's cost per file grows with the manifest.

In a temporary directory, resolves and completes (``update_status`` success) N tiny identities
one at a time, then times ``filter_pending`` for 10,000 candidates (half of them known)::

    uv run python benchmarks/manifest_scale.py [--n 2000] [--big 100000]

``--big M`` also builds an M-file manifest in bulk (``resolve_file_ids`` and
``update_statuses``, 5,000 per commit) and times ``filter_pending`` of 14,000 candidates (a
Quant360 day; half known) against it with a new store: target <= 1 s; then the same call
once another store committed a group of 300 files (what each task of a scaled-out ingestion
pays: it reads only the other store's commits, not the whole manifest).

Targets: per-file cost of the last tenth within 1.3x of the first tenth, <= 60 ms median per
file, and ``filter_pending`` <= 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.delta import DeltaManifestStore

RATIO_TARGET = 1.3
PER_FILE_TARGET_MS = 60.0
FILTER_TARGET_S = 0.5
CANDIDATES = 10_000
GROUP_FILES = 300


def _meta(i: int) -> BronzeFileMetadata:
    return BronzeFileMetadata(
        vendor="tardis",
        data_type="trades",
        bronze_file_path=f"tardis/exchange=binance/type=trades/date=2024-01-01/symbol=S{i}/f.csv.gz",
        file_size_bytes=100,
        last_modified_ts=1_700_000_000_000_000,
        sha256=f"{i:064x}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="identities to resolve (default 2000)")
    parser.add_argument("--big", type=int, default=0, help="also a manifest of this many files")
    args = parser.parse_args()
    n = args.n
    tenth = max(1, n // 10)
    with tempfile.TemporaryDirectory() as tmp:
        store = DeltaManifestStore(Path(tmp) / "silver" / "ingest_manifest")
        costs_ms: list[float] = []
        started = time.perf_counter()
        for i in range(n):
            meta = _meta(i)
            t0 = time.perf_counter()
            file_id = store.resolve_file_id(meta)
            result = IngestionResult(
                status="success", row_count=10, rows_written=10, rows_quarantined=0
            )
            store.update_status(file_id, "success", meta, result)
            costs_ms.append((time.perf_counter() - t0) * 1000)
        total_s = time.perf_counter() - started

        first = statistics.median(costs_ms[:tenth])
        last = statistics.median(costs_ms[-tenth:])
        ratio = last / first
        worst = max(first, last)

        # Half the candidates are known (cycling over the manifest), half are new files.
        candidates = [_meta(i % n if i % 2 == 0 else n + i) for i in range(CANDIDATES)]
        known = sum(1 for i in range(CANDIDATES) if i % 2 == 0)
        fresh = DeltaManifestStore(Path(tmp) / "silver" / "ingest_manifest")
        t0 = time.perf_counter()
        pending = fresh.filter_pending(candidates)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pending = store.filter_pending(candidates)
        warm_s = time.perf_counter() - t0
        table = Path(tmp) / "silver" / "ingest_manifest"
        files_on_disk = len(list(table.glob("*.parquet")))
        log_files = len(list((table / "_delta_log").iterdir()))

    def verdict(ok: bool) -> str:
        return "OK" if ok else "MISSED"

    print(f"manifest scale: N = {n} identities, resolve + update_status(success) each")
    print(f"  total                               {total_s:8.1f} s")
    print(f"  mean per file (incl. compaction)    {statistics.fmean(costs_ms):8.1f} ms")
    print(f"  median per file, first tenth        {first:8.1f} ms")
    print(f"  median per file, last tenth         {last:8.1f} ms")
    print(
        f"  ratio last/first                    {ratio:8.2f}    "
        f"target <= {RATIO_TARGET}   {verdict(ratio <= RATIO_TARGET)}"
    )
    print(
        f"  median per file (worse tenth)       {worst:8.1f} ms "
        f"target <= {PER_FILE_TARGET_MS:.0f} ms {verdict(worst <= PER_FILE_TARGET_MS)}"
    )
    print(f"  _delta_log entries at the end       {log_files:8d}")
    print(f"  data files on disk (replaced ones are vacuumed after 1 h) {files_on_disk}")
    print(f"filter_pending: {len(candidates)} candidates, {known} known, {len(pending)} pending")
    print(
        f"  new store (loads the manifest)      {cold_s:8.3f} s  "
        f"target <= {FILTER_TARGET_S} s {verdict(cold_s <= FILTER_TARGET_S)}"
    )
    print(
        f"  warm store                          {warm_s:8.3f} s  "
        f"target <= {FILTER_TARGET_S} s {verdict(warm_s <= FILTER_TARGET_S)}"
    )
    if args.big:
        big_manifest(args.big)


def big_manifest(size: int, candidates: int = 14_000, per_commit: int = 5_000) -> None:
    result = IngestionResult(status="success", row_count=10, rows_written=10, rows_quarantined=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "silver" / "ingest_manifest"
        store = DeltaManifestStore(path)
        t0 = time.perf_counter()
        for start in range(0, size, per_commit):
            metas = [_meta(i) for i in range(start, min(size, start + per_commit))]
            ids = store.resolve_file_ids(metas)
            store.update_statuses(
                [(i, "success", m, result) for i, m in zip(ids, metas, strict=True)]
            )
        build_s = time.perf_counter() - t0
        wanted = [_meta(i * 7 % size if i % 2 == 0 else size + i) for i in range(candidates)]
        reader = DeltaManifestStore(path)
        t0 = time.perf_counter()
        pending = reader.filter_pending(wanted)
        cold_s = time.perf_counter() - t0
        # another writer (a pool worker) ingests a group of files; the first store's next
        # call sees its commits: what every task of a scaled-out ingestion pays
        other = DeltaManifestStore(path)
        group = [_meta(size + candidates + i) for i in range(GROUP_FILES)]
        ids = other.resolve_file_ids(group)
        other.update_statuses([(i, "success", m, result) for i, m in zip(ids, group, strict=True)])
        t0 = time.perf_counter()
        reader.filter_pending(wanted)
        moved_s = time.perf_counter() - t0
    ok = "OK" if cold_s <= 1.0 else "MISSED"
    print(f"big manifest: {size:,} files built in {build_s:.1f} s ({per_commit:,} per commit)")
    print(
        f"  filter_pending of {candidates:,} candidates, new store: {cold_s:.3f} s "
        f"({len(pending):,} pending)  target <= 1 s {ok}"
    )
    print(
        f"  the same call once another store committed {GROUP_FILES} files: {moved_s:.3f} s "
        f"({moved_s / cold_s:.2f}x the load; flat: reads only what the other store wrote)"
    )


if __name__ == "__main__":
    main()
