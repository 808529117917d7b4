"""Object-store requests per file, and local per-file cost with the commit guard (issue 15).

Part 1, against moto's S3 server (started here, as the tests do; requests counted at the server):
S3 requests of ``ingest_file`` of one tiny file into a warm lake (the mean over ``--single``
files, after a few to warm the lake), and per file of one ``Lake.ingest`` batch of ``--batch``
files, each with its wall time; then the same two figures' timings on a local root in the same
run (the floor the store is compared with).

Part 2, local: per-file ``ingest_file`` wall time over ``--local`` tiny files, the median of the
first and of the last tenth, their ratio and the overall median.

    uv run python benchmarks/object_store.py [--single 20] [--batch 500] [--local 5000]

Targets: <= 15 requests per tiny file alone, <= 3 per file in a batch of 500; locally last
tenth <= 1.2 x the first, median <= 40 ms. Timings on a loaded machine are noisy: compare the
ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/s3/moto_server.py: the same server the tests start

from benchmarks.small_files import make_files, seed_symbols  # noqa: E402
from pointline.v2 import Lake  # noqa: E402
from tests.s3.moto_server import S3Server, start_s3_server  # noqa: E402

WARM_FILES = 3


def requests_of(server: S3Server | None, action) -> tuple[int | None, float]:
    before = None if server is None else server.requests()
    began = time.perf_counter()
    action()
    seconds = time.perf_counter() - began
    return (None if server is None else server.requests() - before), seconds


def store_figures(
    make_lake, server: S3Server | None, bronze: Path, n_single: int, n_batch: int
) -> dict[str, float | None]:
    single = make_files(bronze / "single", WARM_FILES + n_single)
    assert len(make_files(bronze / "batch", n_batch)) == n_batch
    lake = make_lake()
    seed_symbols(lake)
    for path in single[:WARM_FILES]:
        assert lake.ingest_file(path).status == "success"
    counts, times = [], []
    for path in single[WARM_FILES:]:
        n, seconds = requests_of(server, lambda p=path: lake.ingest_file(p))
        counts.append(n)
        times.append(seconds)
    results: list = []
    n, seconds = requests_of(server, lambda: results.extend(lake.ingest(bronze / "batch")))
    assert len(results) == n_batch and all(r.status == "success" for r in results)
    return {
        "single_requests": None if server is None else statistics.mean(counts),
        "single_ms": statistics.median(times) * 1000,
        "batch_requests_per_file": None if server is None else n / n_batch,  # type: ignore[operator]
        "batch_ms_per_file": seconds / n_batch * 1000,
    }


def delta_rs_floor(n: int, workdir: Path) -> list[float]:
    """The same number of commits by a bare deltalake writer (no pointline): one tiny Parquet
    file per commit, committed with ``create_write_transaction``, the handle advanced with
    ``update_incremental``, a checkpoint and log trim every 16 versions (what the table
    upkeep does). Its growth is delta-rs' own: each snapshot advance and commit costs more as
    the table holds more files (and, until they expire, more removed ones)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq
    from deltalake import DeltaTable, PostCommitHookProperties, write_deltalake
    from deltalake.transaction import AddAction

    root = workdir / "floor"
    write_deltalake(
        str(root),
        pa.table({"a": [0]}),
        configuration={"delta.logRetentionDuration": "interval 0 seconds"},
    )
    dt = DeltaTable(str(root))
    schema = pa.schema([("a", pa.int64())])
    hooks = PostCommitHookProperties(create_checkpoint=False, cleanup_expired_logs=False)
    times = []
    for i in range(1, n + 1):
        began = time.perf_counter()
        name = f"part-{uuid.uuid4().hex}.parquet"
        pq.write_table(pa.table({"a": [i]}), root / name)
        add = AddAction(name, os.path.getsize(root / name), {}, int(time.time() * 1000), True, None)
        dt.create_write_transaction(
            [add], mode="append", schema=schema, post_commithook_properties=hooks
        )
        dt.update_incremental()
        if dt.version() % 16 == 0:
            dt.create_checkpoint()
            dt.cleanup_metadata()
        times.append(time.perf_counter() - began)
    return times


def _tenths(times: list[float]) -> tuple[float, float]:
    tenth = max(1, len(times) // 10)
    return statistics.median(times[:tenth]) * 1000, statistics.median(times[-tenth:]) * 1000


def local_flatness(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_files(Path(tmp) / "bronze", n)
        lake = Lake(Path(tmp) / "lake")
        seed_symbols(lake)
        times = []
        for path in paths:
            began = time.perf_counter()
            assert lake.ingest_file(path).status == "success"
            times.append(time.perf_counter() - began)
        floor = delta_rs_floor(n, Path(tmp))
    first, last = _tenths(times)
    floor_first, floor_last = _tenths(floor)
    median = statistics.median(times) * 1000
    print(f"local ingest_file over {n} tiny files (3 commits each):")
    print(f"  first tenth median  {first:8.1f} ms")
    print(f"  last tenth median   {last:8.1f} ms")
    print(f"  last / first        {last / first:8.2f}   (target <= 1.2)")
    print(f"  median              {median:8.1f} ms  (target <= 40 ms)")
    print(f"floor, a bare deltalake writer, {n} one-file commits:")
    print(f"  first / last tenth  {floor_first:8.1f} ms / {floor_last:.1f} ms")
    print(f"  last / first        {floor_last / floor_first:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--local", type=int, default=5000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, start_s3_server() as server:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        server.create_bucket(bucket)
        options = server.storage_options()
        s3 = store_figures(
            lambda: Lake(f"s3://{bucket}/lake", storage_options=options),
            server,
            Path(tmp) / "s3",
            args.single,
            args.batch,
        )
        local = store_figures(
            lambda: Lake(Path(tmp) / "local-lake"),
            None,
            Path(tmp) / "local",
            args.single,
            args.batch,
        )
    print(f"S3 (moto) vs local, tiny files ({args.single} alone, a batch of {args.batch}):")
    print(f"  requests per file alone      {s3['single_requests']:8.1f}   (target <= 15)")
    print(f"  requests per file in batch   {s3['batch_requests_per_file']:8.2f}   (target <= 3)")
    print(
        f"  ingest_file median           {s3['single_ms']:8.1f} ms S3, "
        f"{local['single_ms']:.1f} ms local (x{s3['single_ms'] / local['single_ms']:.1f})"
    )
    print(
        f"  batch per file               {s3['batch_ms_per_file']:8.1f} ms S3, "
        f"{local['batch_ms_per_file']:.1f} ms local "
        f"(x{s3['batch_ms_per_file'] / local['batch_ms_per_file']:.1f})"
    )
    if args.local:
        local_flatness(args.local)


if __name__ == "__main__":
    main()
