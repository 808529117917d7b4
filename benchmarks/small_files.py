"""Per-file overhead of ``Lake.ingest_file`` on tiny files, first vs last tenth (issue 7).

Generates N tiny Tardis trades files (10 rows each, distinct days and symbols so that each file
is its own identity) and ingests them one at a time with ``lake.ingest_file``; prints the median
wall time per file of the first and the last tenth, their ratio, and — for comparison in the
same run — the same files through one ``lake.ingest(dir)`` (the batch path).

    uv run python benchmarks/small_files.py [--n 2000]

Targets: last/first tenth <= 1.3 (flat) and median <= 60 ms per file.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from pointline.v2 import Lake
from pointline.v2.vendors.tardis.samples import write_trades

DAY_US = 86_400_000_000
START_US = 1_704_067_200_000_000  # 2024-01-01 UTC


def make_files(bronze: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        day = START_US + (i // 50) * DAY_US
        date = time.strftime("%Y-%m-%d", time.gmtime(day / 1e6))
        symbol = f"SYM{i % 50:02d}USDT"
        name = f"binance-futures_trades_{date}_{symbol}.csv.gz"
        paths.append(
            write_trades(bronze / name, 10, seed=i, symbols=[symbol], start_us=day, step_us=1000)
        )
    return paths


def seed_symbols(lake: Lake) -> None:
    symbols = [f"SYM{i:02d}USDT" for i in range(50)]
    lake.upsert_symbols(
        pl.DataFrame(
            {
                "exchange": ["binance-futures"] * 50,
                "exchange_symbol": symbols,
                "canonical_symbol": symbols,
                "market_type": ["perpetual"] * 50,
                "base_asset": [s[:5] for s in symbols],
                "quote_asset": ["USDT"] * 50,
            }
        ),
        START_US - DAY_US,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_files(root / "incoming", args.n)

        lake = Lake(root / "one_by_one")
        seed_symbols(lake)
        costs = []
        for path in files:
            start = time.perf_counter()
            result = lake.ingest_file(path)
            costs.append(time.perf_counter() - start)
            if result.status != "success":
                raise SystemExit(f"{path}: {result.status} {result.error_message}")
        tenth = max(1, args.n // 10)
        first = statistics.median(costs[:tenth]) * 1e3
        last = statistics.median(costs[-tenth:]) * 1e3
        overall = statistics.median(costs) * 1e3

        batch_lake = Lake(root / "batched")
        seed_symbols(batch_lake)
        start = time.perf_counter()
        results = batch_lake.ingest(root / "incoming")
        batch_seconds = time.perf_counter() - start
        if any(r.status != "success" for r in results):
            raise SystemExit("batch ingest had failures")

    print(f"pointline small files: {args.n} tiny Tardis trades files (10 rows each)")
    print(f"  ingest_file, median per file, first tenth: {first:7.1f} ms")
    print(f"  ingest_file, median per file, last tenth:  {last:7.1f} ms")
    print(f"  ratio last/first: {last / first:.2f}   (target <= 1.30)")
    print(f"  median overall: {overall:.1f} ms   (target <= 60 ms)")
    per_file = batch_seconds / args.n * 1e3
    print(f"  Lake.ingest(dir), batched: {batch_seconds:.2f} s = {per_file:.1f} ms per file")


if __name__ == "__main__":
    main()
