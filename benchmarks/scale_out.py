"""Scale out: ``Lake.ingest(..., executor=...)`` against its floor and against fewer workers.

Run from the repository root (on an idle machine: every figure is a ratio of two wall times)::

    uv run python benchmarks/scale_out.py                       # the issue's sizes
    uv run python benchmarks/scale_out.py --members 300 --files 40 --rows 10000   # quick

Prints, each configuration run in a fresh (non-daemon, spawned) process so that it can start
its own pool, in one run:

1. the SZSE archive (``members`` order files x ``member-rows`` rows, ``.7z`` -> Silver):
   ``import_quant360_archives`` + ``ingest`` with ``executor=ProcessPoolExecutor(2)`` (pool
   start included) against the floor measured in the same run (py7zr extraction of the
   archive, Polars ``read_csv`` of every member, one ``write_deltalake`` of all rows); the
   serial path for reference. Target: <= 1.5x the floor.
2. ``files`` Tardis trades files of ``rows`` rows: ``lake.ingest`` on a warm 2-process pool
   against a warm 1-process pool (and the serial path). Target: >= 1.7x faster. Also the
   bound on this machine (the cores / the cores one worker keeps busy) and, for reference,
   the 2-process pool against one worker held to one Polars thread.
3. the same files on a warm 2-worker Dask ``LocalCluster``, against the 2-process pool.
   Target: <= 1.15x.
4. the per-file and per-row costs the sizing in ``docs/scale-out.md`` uses, in CPU seconds
   (this process plus its exited workers, less what an idle pool costs: robust to other load on
   the machine): ``tiny`` 20-row files through the 2-process pool (the per-file cost) and the
   big files' CPU less their per-file share (the per-row cost).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from pointline.v2 import Lake
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.quant360.layout import ORDER_NEW, SZSE
from pointline.v2.vendors.tardis import vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_EXCHANGE, DEFAULT_START_US, write_trades

ARCHIVE_TARGET = 1.5
SPEEDUP_TARGET = 1.7
DASK_TARGET = 1.15
DAY = datetime.date(2024, 1, 1)
DAY_US = 86_400_000_000
DEFAULT_START_DAY = datetime.date(1970, 1, 1) + datetime.timedelta(microseconds=DEFAULT_START_US)
TARDIS_SYMBOL = "BTCUSDT"
SYMBOLS_FROM_US = min(DEFAULT_START_US, 1_704_067_200_000_000) - 86_400_000_000


# -- lakes and inputs ---------------------------------------------------------------------------


def _tardis_lake(root: Path) -> Lake:
    lake = Lake(root)
    snapshot = pl.DataFrame(
        {
            "exchange": [DEFAULT_EXCHANGE],
            "exchange_symbol": [TARDIS_SYMBOL],
            "canonical_symbol": ["BTC-USDT-PERP"],
            "market_type": ["perpetual"],
            "base_asset": ["BTC"],
            "quote_asset": ["USDT"],
        }
    )
    lake.upsert_symbols(snapshot, SYMBOLS_FROM_US)
    return lake


def _szse_lake(root: Path, members: int) -> Lake:
    symbols = q360.sample_symbols(SZSE, members)
    lake = Lake(root)
    snapshot = pl.DataFrame(
        {
            "exchange": SZSE,
            "exchange_symbol": symbols,
            "canonical_symbol": [f"{s}.SZ" for s in symbols],
            "market_type": "stock",
            "base_asset": symbols,
            "quote_asset": "CNY",
        }
    )
    lake.upsert_symbols(snapshot, SYMBOLS_FROM_US)
    return lake


def write_tardis_files(folder: Path, files: int, rows: int) -> Path:
    """``files`` trades files of ``rows`` rows (one per day, distinct seeds; each file's rows
    on its own day: rows more than a day off the file's date are quarantined)."""
    for k in range(files):
        day = DAY + datetime.timedelta(days=k)
        name = vendor_file_name(DEFAULT_EXCHANGE, "trades", day.isoformat(), TARDIS_SYMBOL)
        start_us = DEFAULT_START_US + (day - DEFAULT_START_DAY).days * DAY_US
        write_trades(folder / name, rows, seed=k, start_us=start_us)
    return folder


# -- what runs in a fresh process ---------------------------------------------------------------


@contextmanager
def _executor(kind: str, workers: int):
    """None, a warm process pool or a warm Dask LocalCluster; its start time is reported."""
    from pointline.v2.scaleout.executors import process_pool

    if kind == "serial":
        yield None, 0.0
        return
    start = time.perf_counter()
    if kind == "pool":
        with process_pool(workers) as pool:
            list(pool.map(_warm_up, range(workers)))
            yield pool, time.perf_counter() - start
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up)
        yield client.get_executor(), time.perf_counter() - start


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its children that have exited."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _warm_up(_: int = 0) -> int:
    import pointline.v2.lake
    import pointline.v2.vendors.tardis  # noqa: F401

    return 0


def run_tardis(
    folder: str, template: str, workdir: str, kind: str, workers: int, threads: int = 0
) -> dict:
    """Ingest every file of ``folder`` into a copy of ``template`` on a warm executor
    (``threads``: Polars threads per pool worker; 0: what ``process_pool`` gives them)."""
    if threads:
        os.environ["POLARS_MAX_THREADS"] = str(threads)  # inherited by the pool's workers
    root = Path(tempfile.mkdtemp(prefix="lake-", dir=workdir)) / "lake"
    shutil.copytree(template, root)
    lake = Lake(root)
    idle = 0.0
    if kind == "pool":  # the CPU a pool costs without work: start, imports, warm-up, shutdown
        before = _cpu_seconds()
        with _executor(kind, workers):
            pass
        idle = _cpu_seconds() - before
    before = _cpu_seconds()
    with _executor(kind, workers) as (executor, started):
        begin = time.perf_counter()
        results = lake.ingest(Path(folder), executor=executor)
        seconds = time.perf_counter() - begin
    return {
        "seconds": seconds,
        # this process and its exited workers (a pool's); not known for Dask (grandchildren)
        "cpu_s": None if kind == "dask" else _cpu_seconds() - before - idle,
        "start_s": started,
        "statuses": dict(Counter(r.status for r in results)),
        "rows": sum(r.rows_written for r in results),
    }


def run_archive(source: str, template: str, workdir: str, kind: str, workers: int) -> dict:
    """Import the archive and ingest its files into a copy of ``template`` (executor start
    included: a user pays it)."""
    root = Path(tempfile.mkdtemp(prefix="lake-", dir=workdir)) / "lake"
    shutil.copytree(template, root)
    lake = Lake(root)
    begin = time.perf_counter()
    with _executor(kind, workers) as (executor, started):
        files = lake.import_quant360_archives(source, executor=executor)
        imported = time.perf_counter()
        paths = [lake.bronze_root / meta.bronze_file_path for meta in files]
        results = lake.ingest(paths, executor=executor)
    end = time.perf_counter()
    return {
        "seconds": end - begin,
        "start_s": started,
        "import_s": imported - begin - started,
        "ingest_s": end - imported,
        "statuses": dict(Counter(r.status for r in results)),
        "rows": sum(r.rows_written for r in results),
    }


def run_archive_floor(source: str, workdir: str) -> dict:
    """py7zr extraction, ``read_csv`` of every member, one ``write_deltalake`` of all rows."""
    import py7zr
    from deltalake import write_deltalake

    scratch = Path(tempfile.mkdtemp(prefix="floor-", dir=workdir))
    (archive,) = Path(source).glob("*.7z")
    begin = time.perf_counter()
    with py7zr.SevenZipFile(archive) as seven:
        seven.extractall(scratch / "members")
    frames = [pl.read_csv(p) for p in sorted((scratch / "members").rglob("*.csv"))]
    rows = pl.concat(frames, how="vertical_relaxed")
    write_deltalake(str(scratch / "table"), rows)
    return {"seconds": time.perf_counter() - begin, "rows": rows.height, "files": len(frames)}


def _child(connection, function: str, args: tuple) -> None:
    try:
        connection.send(("ok", globals()[function](*args)))
    except BaseException as exc:  # reported in the parent
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def fresh(function: Callable[..., dict], *args: Any) -> dict:
    """``function(*args)`` in a fresh spawned process (not a daemon: it may start a pool)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, function.__name__, args))
    process.start()
    child.close()
    status, value = parent.recv()
    process.join()
    if status != "ok":
        raise SystemExit(f"{function.__name__} failed: {value}")
    return value


# -- reporting ----------------------------------------------------------------------------------


def _line(label: str, figures: dict, rows: int, *, extra: str = "") -> None:
    seconds = figures["seconds"]
    cpu = figures.get("cpu_s")
    used = f" CPU {cpu:7.2f} s" if cpu is not None else " " * 14
    print(
        f"  {label:<40s} {seconds:8.2f} s {rows / seconds:>12,.0f} rows/s{used}  {extra}",
        flush=True,
    )


def _check(figures: dict, files: int, rows: int, what: str) -> None:
    if figures["statuses"] != {"success": files} or figures["rows"] != rows:
        raise SystemExit(f"{what}: not every row was ingested ({figures}), so its time is void")


def bench_archive(workdir: Path, members: int, member_rows: int) -> dict:
    source = workdir / "incoming"
    begin = time.perf_counter()
    archive = q360.write_archive(
        source,
        data_type=ORDER_NEW,
        exchange=SZSE,
        symbols=q360.sample_symbols(SZSE, members),
        rows_per_member=member_rows,
    )
    template = _szse_lake(workdir / "szse-template", members).root
    rows = members * member_rows
    print(
        f"1. archive {archive.name}: {members:,} members x {member_rows:,} rows, "
        f"{archive.stat().st_size / 1e6:.1f} MB (built in {time.perf_counter() - begin:.1f} s, "
        "not counted)",
        flush=True,
    )
    floor = fresh(run_archive_floor, str(source), str(workdir))
    if floor["rows"] != rows:
        raise SystemExit(f"the floor read {floor['rows']} rows, expected {rows}")
    pool = fresh(run_archive, str(source), str(template), str(workdir), "pool", 2)
    serial = fresh(run_archive, str(source), str(template), str(workdir), "serial", 1)
    for figures, what in ((pool, "pool"), (serial, "serial")):
        _check(figures, members, rows, what)
    _line("floor: py7zr + read_csv + write_deltalake", floor, rows)
    ratio = pool["seconds"] / floor["seconds"]
    verdict = "OK" if ratio <= ARCHIVE_TARGET else "MISSED"
    _line(
        "executor=ProcessPoolExecutor(2)",
        pool,
        rows,
        extra=f"{ratio:.2f}x floor (target <= {ARCHIVE_TARGET}x: {verdict}); pool start "
        f"{pool['start_s']:.2f} s, import {pool['import_s']:.2f} s, "
        f"ingest {pool['ingest_s']:.2f} s",
    )
    _line(
        "ref: executor=None",
        serial,
        rows,
        extra=f"{serial['seconds'] / floor['seconds']:.2f}x floor; import "
        f"{serial['import_s']:.2f} s, ingest {serial['ingest_s']:.2f} s",
    )
    return {"pool": pool, "files": members, "rows": rows}


def bench_tardis(workdir: Path, files: int, rows: int, tiny: int) -> None:
    begin = time.perf_counter()
    big = write_tardis_files(workdir / "tardis", files, rows)
    small = write_tardis_files(workdir / "tiny", tiny, 20)
    template = _tardis_lake(workdir / "tardis-template").root
    size = sum(p.stat().st_size for p in big.iterdir())
    print(
        f"2. {files} Tardis trades files x {rows:,} rows ({size / 1e6:.1f} MB gzip; built in "
        f"{time.perf_counter() - begin:.1f} s, not counted); executors warm (start not timed)",
        flush=True,
    )
    total = files * rows
    configurations = (("pool", 1, 0), ("pool", 2, 0), ("dask", 2, 0), ("serial", 1, 0))
    configurations += (("pool", 1, 1),)  # the reference: one worker held to one core
    runs = {
        (kind, workers, threads): fresh(
            run_tardis, str(big), str(template), str(workdir), kind, workers, threads
        )
        for kind, workers, threads in configurations
    }
    for (kind, _, _), figures in runs.items():
        _check(figures, files, total, kind)
    one, two, dask, serial, single = (runs[k] for k in runs)
    speedup = one["seconds"] / two["seconds"]
    _line("ProcessPoolExecutor(1)", one, total, extra=f"(start {one['start_s']:.2f} s)")
    _line(
        "ProcessPoolExecutor(2)",
        two,
        total,
        extra=f"{speedup:.2f}x faster than 1 worker (target >= {SPEEDUP_TARGET}x: "
        f"{'OK' if speedup >= SPEEDUP_TARGET else 'MISSED'}); start {two['start_s']:.2f} s",
    )
    cores = os.cpu_count() or 1
    used = one["cpu_s"] / one["seconds"]
    print(
        f"  the bound: 1 worker used {used:.2f} of the {cores} cores (CPU / wall), so {cores} "
        f"workers on {cores} cores can be at most {cores / used:.2f}x faster than it (at equal "
        f"CPU; {cores * one['seconds'] / two['cpu_s']:.2f}x with the 2-worker run's CPU)",
        flush=True,
    )
    _line(
        "ref: ProcessPoolExecutor(1), 1 thread",
        single,
        total,
        extra=f"2 workers are {single['seconds'] / two['seconds']:.2f}x faster than this "
        "worker held to one core",
    )
    overhead = dask["seconds"] / two["seconds"]
    print("3. the same files on Dask", flush=True)
    _line(
        "Dask LocalCluster(n_workers=2)",
        dask,
        total,
        extra=f"{overhead:.2f}x the 2-process pool (target <= {DASK_TARGET}x: "
        f"{'OK' if overhead <= DASK_TARGET else 'MISSED'}); start {dask['start_s']:.2f} s",
    )
    _line(
        "ref: executor=None",
        serial,
        total,
        extra=f"{serial['seconds'] / two['seconds']:.2f}x the 2-process pool",
    )

    tiny_run = fresh(run_tardis, str(small), str(template), str(workdir), "pool", 2)
    _check(tiny_run, tiny, tiny * 20, "tiny files")
    print("4. costs (for docs/scale-out.md), from CPU time: independent of other load", flush=True)
    per_file = tiny_run["cpu_s"] / tiny
    per_row = max(0.0, (two["cpu_s"] - per_file * files) / total)
    print(
        f"  per file: {per_file * 1e3:.1f} ms CPU ({tiny} files of 20 rows through the 2-process "
        f"pool: {tiny_run['cpu_s']:.2f} s CPU, {tiny_run['seconds']:.2f} s wall)\n"
        f"  per row:  {per_row * 1e6:.2f} us CPU (the {files} big files on the 2-process pool, "
        "less their per-file share)\n"
        f"  2 workers vs 1 by CPU: {one['cpu_s']:.2f} s vs {two['cpu_s']:.2f} s "
        f"({two['cpu_s'] / one['cpu_s']:.2f}x the work); on 2 idle cores the 2-worker wall time "
        f"would be about {two['cpu_s'] / 2:.2f} s against {one['seconds']:.2f} s "
        "(1 worker's wall, if it was not CPU-starved)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2_300, help="archive members")
    parser.add_argument("--member-rows", type=int, default=1_000, help="rows per member")
    parser.add_argument("--files", type=int, default=200, help="Tardis files")
    parser.add_argument("--rows", type=int, default=50_000, help="rows per Tardis file")
    parser.add_argument("--tiny", type=int, default=400, help="20-row files for the per-file cost")
    parser.add_argument("--skip-archive", action="store_true")
    parser.add_argument("--skip-tardis", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, polars {pl.__version__}", flush=True)
    with tempfile.TemporaryDirectory(prefix="scale_out_bench_") as tmp:
        if not args.skip_archive:
            bench_archive(Path(tmp), args.members, args.member_rows)
        if not args.skip_tardis:
            bench_tardis(Path(tmp), args.files, args.rows, args.tiny)


if __name__ == "__main__":
    main()
