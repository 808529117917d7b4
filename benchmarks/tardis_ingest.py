"""How close ``Lake.ingest_file`` of a Tardis ``trades`` file comes to a bare read + Delta write.

Run from the repository root::

    uv run python benchmarks/tardis_ingest.py [--rows 1000000] [--repeat 3]
    uv run python benchmarks/tardis_ingest.py --profile [--top 40]   # cProfile one ingest_file

Generates (deterministically, seed 1) a ``rows``-row ``trades`` ``.csv.gz`` in the documented
Tardis format (:mod:`pointline.v2.vendors.tardis.samples`), then measures, each run in a fresh
process (best time of ``repeat``, floor and ingest runs alternating; see
``benchmarks/_measure.py``):

- the floor: ``pl.read_csv`` of the file (types inferred) plus one ``write_deltalake`` of that
  frame to a new, unpartitioned table;
- ``lake.ingest_file`` of the same file into a fresh lake whose dim_symbol is seeded so that
  every row resolves (manifest, hashing, parsing, exact decimals, PIT lookup, partitioned
  write, manifest update: the whole call). The lake is seeded in another process and copied:
  the measured process only imports and opens ``Lake(root)`` before the call.

Targets: ingest time <= 1.3x the floor's, ingest peak RSS <= 1.2x the floor's. Peak RSS is the
process's high-water mark, interpreter and imports included (as a user's process pays it).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
from _measure import (
    Measurement,
    copy_of_lake,
    floor_and_ingest,
    ingest_summary,
    measure,
    mib,
)

from pointline.v2 import Lake
from pointline.v2.vendors.tardis import vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_EXCHANGE, DEFAULT_START_US, write_trades

TIME_TARGET = 1.3
RSS_TARGET = 1.2
SYMBOL = "BTCUSDT"
DATE = "2024-01-01"
SEED = 1
SYMBOLS_FROM_US = DEFAULT_START_US - 86_400_000_000
"""dim_symbol rows open a day before the first generated row."""


def write_file(workdir: Path, rows: int) -> Path:
    """The benchmark file, named as Tardis names it (same bytes for the same ``rows``)."""
    name = vendor_file_name(DEFAULT_EXCHANGE, "trades", DATE, SYMBOL)
    return write_trades(workdir / "download" / name, rows, seed=SEED)


def seeded_lake(root: Path) -> Lake:
    """A new lake whose dim_symbol holds the benchmark symbol."""
    lake = Lake(root)
    snapshot = pl.DataFrame(
        {
            "exchange": [DEFAULT_EXCHANGE],
            "exchange_symbol": [SYMBOL],
            "canonical_symbol": ["BTC-USDT-PERP"],
            "market_type": ["perpetual"],
            "base_asset": ["BTC"],
            "quote_asset": ["USDT"],
            "tick_size": ["0.01"],
            "lot_size": ["0.001"],
        }
    )
    lake.upsert_symbols(snapshot, SYMBOLS_FROM_US)
    return lake


# -- the measured work (module level: each runs in a fresh process) ---------------------------
def prepare_template(workdir: str) -> Callable[[], str]:
    """Seeding the template lake is the call (run in a process of its own)."""
    return lambda: str(seeded_lake(Path(workdir) / "template-lake").root)


def prepare_ingest(path: str, workdir: str, template: str) -> Callable[[], dict[str, object]]:
    """A fresh copy of the seeded template lake, opened (not timed); the run is one
    ``ingest_file``. The lake is seeded in another process, as a user's lake was made before
    the process that ingests into it: this process starts from imports and ``Lake(root)``."""
    lake = Lake(copy_of_lake(template, workdir))

    def run() -> dict[str, object]:
        return ingest_summary(lake.ingest_file(path))

    return run


# -- reporting --------------------------------------------------------------------------------
def _line(label: str, m: Measurement, rows: int, floor: Measurement | None) -> str:
    own = m.peak_rss_bytes - (m.baseline_rss_bytes or 0)  # the call's share of the peak
    text = (
        f"{label:<34}{m.seconds:8.3f} s {rows / m.seconds:>12,.0f} rows/s "
        f"{mib(m.peak_rss_bytes):>9} (call +{mib(own)})"
    )
    if floor is None:
        return text
    time_ratio = m.seconds / floor.seconds
    rss_ratio = m.peak_rss_bytes / floor.peak_rss_bytes
    time_ok = "OK" if time_ratio <= TIME_TARGET else "MISSED"
    rss_ok = "OK" if rss_ratio <= RSS_TARGET else "MISSED"
    return (
        f"{text}   time {time_ratio:5.2f}x floor (target <= {TIME_TARGET}x: {time_ok})"
        f"   RSS {rss_ratio:5.2f}x floor (target <= {RSS_TARGET}x: {rss_ok})"
    )


def prepare_file(workdir: str, rows: str) -> Callable[[], str]:
    """Generating the file is the call (run in its own process: see :func:`bench`)."""
    return lambda: str(write_file(Path(workdir), int(rows)))


def bench(workdir: Path, rows: int, repeat: int) -> None:
    # On Linux a spawned child's ru_maxrss starts at the RSS its parent had when it forked (the
    # kernel keeps the pre-exec high-water mark), so this process must stay small: the file is
    # generated in a child too, and the parent only imports.
    made = measure(prepare_file, str(workdir), str(rows))
    path = Path(made.result)
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"Tardis trades file: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB gzip "
        f"(generated in {made.seconds:.1f} s, not counted); best of {repeat}, each run in a "
        f"fresh process; {os.cpu_count()} CPUs; parent peak RSS {mib(parent_rss)}",
        flush=True,
    )
    template = measure(prepare_template, str(workdir)).result
    floor, ingest = floor_and_ingest(repeat, prepare_ingest, path, workdir, template, rows)
    print(f"{'':<34}{'time':>10} {'throughput':>19} {'peak RSS':>10}")
    print(_line("floor: read_csv + write_deltalake", floor, rows, None))
    print(_line("pointline: lake.ingest_file", ingest, rows, floor))


def profile(workdir: Path, rows: int, top: int) -> None:
    """cProfile one ``ingest_file`` of the benchmark file in this process, by cumulative time."""
    path = write_file(workdir, rows)
    lake = seeded_lake(workdir / "profiled-lake")
    profiler = cProfile.Profile()
    result = profiler.runcall(lake.ingest_file, path)
    print(f"profiled lake.ingest_file: {result.status}, {result.rows_written:,} rows written")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the trades file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--profile", action="store_true", help="cProfile one ingest_file only")
    parser.add_argument("--top", type=int, default=40, help="profile lines to print")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tardis_ingest_bench_") as tmp:
        if args.profile:
            profile(Path(tmp), args.rows, args.top)
        else:
            bench(Path(tmp), args.rows, args.repeat)


if __name__ == "__main__":
    main()
