"""How close ``Lake.ingest_file`` of a Quant360 file comes to a bare read + Delta write.

Run from the repository root::

    uv run python benchmarks/quant360_ingest.py [--rows 200000] [--repeat 3]
    uv run python benchmarks/quant360_ingest.py --archive [--members 2300] [--member-rows 1000]
    uv run python benchmarks/quant360_ingest.py --profile      # cProfile of one ingest_file

1. Generates (deterministically) a ``rows``-row SZSE ``order_new`` Bronze file in the Bronze
   layout of a temporary lake, then measures, each run in a fresh process (best of ``repeat``,
   floor and ingest runs alternating):

   - the floor: ``pl.read_csv`` of the file plus one ``write_deltalake`` of that frame;
   - ``lake.ingest_file`` of the same file, dim_symbol seeded so that every row resolves
     (seeded in another process and copied: the measured process only imports and opens
     ``Lake(root)`` before the call);
   - for reference, one partitioned ``write_deltalake`` of the Silver rows ingest writes
     (18 columns against the file's 11): what writing the output alone costs.

   Target: ingest within 1.3x the floor's time.
2. With ``--archive``: one ``members``-member SZSE order archive (``member-rows`` rows each) is
   imported with ``lake.import_quant360_archives`` and the published files are ingested with
   ``lake.ingest``, in one fresh process. Target: <= 60 s for both together.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from _measure import (
    best_of,
    check_ingest,
    copy_of_lake,
    floor_and_ingest,
    ingest_summary,
    measure,
    mib,
    print_ratio,
)

from pointline.v2 import Lake
from pointline.v2.vendors.quant360 import samples
from pointline.v2.vendors.quant360.layout import ORDER_NEW, SZSE, bronze_relpath

RATIO_TARGET = 1.3
ARCHIVE_TARGET_S = 60.0
SYMBOL = "000001"
TABLE = "cn_order_events"
DATE = samples.DEFAULT_DATE
SYMBOLS_FROM_US = 1_704_067_200_000_000
"""dim_symbol rows open at 2024-01-01T00:00:00Z, before the first generated row."""


def _snapshot(symbols: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "exchange": SZSE,
            "exchange_symbol": list(symbols),
            "canonical_symbol": [f"{s}.SZ" for s in symbols],
            "market_type": "stock",
            "base_asset": list(symbols),
            "quote_asset": "CNY",
            "tick_size": "0.01",
            "lot_size": "100",
        }
    )


def _seeded_lake(root: Path, symbols: Sequence[str]) -> Lake:
    lake = Lake(root)
    lake.upsert_symbols(_snapshot(symbols), SYMBOLS_FROM_US)
    return lake


def write_order_file(lake_root: Path, rows: int) -> Path:
    """The SZSE order Bronze file of :data:`SYMBOL` (the same bytes for the same ``rows``)."""
    return samples.write_bronze_file(
        Lake(lake_root).bronze_root,
        data_type=ORDER_NEW,
        exchange=SZSE,
        symbol=SYMBOL,
        content=samples.szse_order_csv(rows),
        date=DATE,
    )


# -- prepares: each runs untimed in a fresh process and returns the call that is timed ---------
# Every run gets its own scratch directory under ``workdir`` (runs must not share a table).


def prepare_template(workdir: str) -> Callable[[], str]:
    """Seeding the template lake is the call (run in a process of its own)."""
    return lambda: str(_seeded_lake(Path(workdir) / "template-lake", [SYMBOL]).root)


def prepare_ingest(path: str, workdir: str, template: str) -> Callable[[], dict[str, Any]]:
    """A fresh copy of the seeded template lake with the file at its Bronze place, opened (not
    timed). The lake is seeded in another process, as a user's lake was made before the
    process that ingests into it: this process starts from imports and ``Lake(root)``."""
    lake = Lake(copy_of_lake(template, workdir))
    target = lake.bronze_root / bronze_relpath(
        exchange=SZSE, data_type=ORDER_NEW, date=DATE, symbol=SYMBOL
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)

    def run() -> dict[str, Any]:
        return ingest_summary(lake.ingest_file(target))

    return run


def prepare_silver_write(path: str, workdir: str) -> Callable[[], int]:
    """Reference: the rows ``ingest_file`` writes (obtained untimed by ingesting the file once),
    written again with one partitioned ``write_deltalake``: the cost of the output alone."""
    from deltalake import write_deltalake

    lake = _seeded_lake(Path(tempfile.mkdtemp(prefix="silver-", dir=workdir)), [SYMBOL])
    lake.ingest_file(path)
    rows = lake.scan(TABLE).collect()
    table = Path(tempfile.mkdtemp(prefix="silver-copy-", dir=workdir)) / "table"

    def run() -> int:
        write_deltalake(str(table), rows, partition_by=["exchange", "trading_date"])
        return rows.height

    return run


def prepare_archive(source_dir: str, workdir: str, members: int) -> Callable[[], dict[str, Any]]:
    """A fresh lake with every archive symbol in dim_symbol; the run imports, then ingests."""
    symbols = samples.sample_symbols(SZSE, members)
    lake = _seeded_lake(Path(tempfile.mkdtemp(prefix="archive-lake-", dir=workdir)), symbols)

    def run() -> dict[str, Any]:
        start = time.perf_counter()
        published = lake.import_quant360_archives(source_dir)
        imported = time.perf_counter()
        results = lake.ingest([lake.bronze_root / meta.bronze_file_path for meta in published])
        return {
            "import_s": imported - start,
            "ingest_s": time.perf_counter() - imported,
            "files": len(published),
            "statuses": dict(collections.Counter(r.status for r in results)),
            "rows_written": sum(r.rows_written for r in results),
            "rows_quarantined": sum(r.rows_quarantined for r in results),
        }

    return run


# -- reporting ----------------------------------------------------------------------------------


def bench_file(workdir: Path, rows: int, repeat: int) -> None:
    path = write_order_file(workdir / "lake", rows)
    print(
        f"SZSE order_new file: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB gzip; "
        f"best of {repeat}, each run in a fresh process",
        flush=True,
    )
    template = measure(prepare_template, str(workdir)).result
    floor, ingest = floor_and_ingest(repeat, prepare_ingest, path, workdir, template, rows)
    silver = best_of(repeat, prepare_silver_write, str(path), str(workdir))
    if silver.result != rows:
        raise SystemExit(f"the reference wrote {silver.result} rows, expected {rows}")
    print_ratio("floor: read_csv + write_deltalake", floor, rows=rows)
    print_ratio("lake.ingest_file", ingest, rows=rows, floor=floor, target=RATIO_TARGET)
    print_ratio("ref: write the Silver rows", silver, rows=rows)
    print(
        f"  (ref: one partitioned write_deltalake of the {TABLE} rows ingest_file writes, "
        f"{silver.seconds / ingest.seconds:.0%} of its time; Silver has 18 columns to the "
        "file's 11. Its peak RSS includes the untimed ingest that produced the rows.)"
    )


def bench_archive(workdir: Path, members: int, member_rows: int) -> None:
    start = time.perf_counter()
    archive = samples.write_archive(
        workdir / "incoming",
        data_type=ORDER_NEW,
        exchange=SZSE,
        symbols=samples.sample_symbols(SZSE, members),
        rows_per_member=member_rows,
        date=DATE,
    )
    print(
        f"archive {archive.name}: {members:,} members x {member_rows:,} rows, "
        f"{archive.stat().st_size / 1e6:.1f} MB (built in {time.perf_counter() - start:.1f} s, "
        "not counted)",
        flush=True,
    )
    m = measure(prepare_archive, str(archive.parent), str(workdir), members)
    figures = m.result
    rows = members * member_rows
    verdict = "OK" if m.seconds <= ARCHIVE_TARGET_S else "MISSED"
    print(f"  import_quant360_archives   {figures['import_s']:8.2f} s  ({figures['files']} files)")
    print(
        f"  lake.ingest of the files   {figures['ingest_s']:8.2f} s  "
        f"({rows / figures['ingest_s']:,.0f} rows/s; statuses {figures['statuses']}; "
        f"{figures['rows_written']:,} rows written, {figures['rows_quarantined']} quarantined)"
    )
    print(
        f"  total                      {m.seconds:8.2f} s  peak RSS {mib(m.peak_rss_bytes)}"
        f"  (target <= {ARCHIVE_TARGET_S:.0f} s: {verdict})",
        flush=True,
    )
    if figures["statuses"] != {"success": members} or figures["rows_written"] != rows:
        raise SystemExit("not every archive row was ingested, so the total means nothing")


def profile_ingest(workdir: Path, rows: int, top: int = 40) -> None:
    """cProfile one ``ingest_file`` in this process (after the untimed prepare)."""
    path = write_order_file(workdir / "lake", rows)
    template = str(_seeded_lake(workdir / "template-lake", [SYMBOL]).root)
    run = prepare_ingest(str(path), str(workdir), template)
    profiler = cProfile.Profile()
    check_ingest(profiler.runcall(run), rows)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the order file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--archive", action="store_true", help="also time an archive import")
    parser.add_argument("--members", type=int, default=2_300, help="archive members")
    parser.add_argument("--member-rows", type=int, default=1_000, help="rows per member")
    parser.add_argument("--profile", action="store_true", help="only cProfile one ingest_file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="q360_ingest_bench_") as tmp:
        if args.profile:
            profile_ingest(Path(tmp), args.rows)
            return
        bench_file(Path(tmp), args.rows, args.repeat)
        if args.archive:
            bench_archive(Path(tmp), args.members, args.member_rows)


if __name__ == "__main__":
    main()
