"""Research reads: ``align``, ``coverage`` and ``book``, each against its floor, in one run.

* **align**: a 1-second clock spine over one day (86,400 rows) onto 10M quotes of one symbol
  (the quotes table's 13 columns, generated in memory), against Polars ``join_asof`` of the
  same frames (backward, ``allow_exact_matches=False``, by ``symbol_id``): target <= 1.3x.
  The quotes are sorted by ``ts_local_us``, as the floor needs them to be right. A second
  line (information) gives the quotes in ``lake.load`` order (by ``ts_event_us``; arrival
  times 0-2 ms later, so not sorted by ``ts_local_us``): ``align`` must sort them, and the
  floor is then ``sort`` + ``join_asof``.
* **coverage**: ``lake.coverage()`` on a lake of 10,000 files (100 symbols x 100 days of
  2-row Tardis trades files, written as ``.csv.gz`` and ingested with ``Lake.ingest``: a real
  manifest and real tables), in a fresh process (imports and ``Lake(root)`` untimed): target
  <= 1 s. Beside it, the same answer computed by reading every row (``scan`` + ``group_by``).
* **book**: ``benchmarks/_research_book.py``'s ``measure_book()`` (written with the book);
  "book: not measured" when that module is absent.

Each figure is the fastest of ``--repeat`` runs, each run in a fresh process (``_measure``),
the measurement and its floor alternating. An align process warms up with one untimed call
(the first join of a process pays ~0.1 s of one-time setup), then times 3 calls and keeps the
fastest wall time and the smallest CPU time (all threads; the figure least disturbed by other
processes on a shared machine)::

    uv run python benchmarks/research.py [--quotes 10000000] [--files 10000] [--repeat 3]
        [--no-book] [--no-lake-book]
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from _measure import interleaved, print_ratio

START_US = 1_704_067_200_000_000  # 2024-01-01 UTC
DAY_US = 86_400_000_000
SYMBOL_ID = 4_242
ALIGN_TARGET = 1.3
COVERAGE_TARGET_S = 1.0


# -- align -----------------------------------------------------------------------------------


def _frames(n_quotes: int, *, load_order: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(17)
    ts_event = np.sort(rng.integers(START_US, START_US + DAY_US, n_quotes, dtype=np.int64))
    ts_local = ts_event + rng.integers(0, 2_000, n_quotes, dtype=np.int64)
    if not load_order:
        order = np.argsort(ts_local, kind="stable")
        ts_event, ts_local = ts_event[order], ts_local[order]
    bid = rng.integers(36_000, 38_000, n_quotes, dtype=np.int64) * 10**9
    quotes = pl.DataFrame(
        {
            "exchange": pl.repeat("binance-futures", n_quotes, eager=True),
            "trading_date": pl.repeat(datetime.date(2024, 1, 1), n_quotes, eager=True),
            "symbol": pl.repeat("BTCUSDT", n_quotes, eager=True),
            "symbol_id": np.full(n_quotes, SYMBOL_ID, dtype=np.int64),
            "ts_event_us": ts_event,
            "ts_local_us": ts_local,
            "file_id": np.ones(n_quotes, dtype=np.int64),
            "file_seq": np.arange(1, n_quotes + 1, dtype=np.int64),
            "bid_price": bid,
            "bid_qty": rng.integers(1, 50_000, n_quotes, dtype=np.int64) * 10**6,
            "ask_price": bid + rng.integers(1, 50, n_quotes, dtype=np.int64) * 10**7,
            "ask_qty": rng.integers(1, 50_000, n_quotes, dtype=np.int64) * 10**6,
            "seq_num": pl.repeat(None, n_quotes, dtype=pl.Int64, eager=True),
        }
    )
    seconds = DAY_US // 1_000_000
    spine = pl.DataFrame(
        {
            "symbol_id": np.full(seconds, SYMBOL_ID, dtype=np.int64),
            "symbol": pl.repeat("BTCUSDT", seconds, eager=True),
            "ts_us": START_US + 1_000_000 * np.arange(1, seconds + 1, dtype=np.int64),
            "bar": np.arange(seconds, dtype=np.int64),
        }
    )
    return spine, quotes


CALLS = 3
"""Calls per measuring process; the fastest counts (wall and CPU time apart)."""


def _timed(call: Callable[[], int]) -> Callable[[], tuple[int, float, float]]:
    """``call`` warmed once, then a callable that runs it ``CALLS`` times and returns (its
    result, the fastest wall time, the smallest CPU time of all threads)."""
    call()  # the first join of a process pays one-time setup, for either side alike

    def run() -> tuple[int, float, float]:
        walls, cpus = [], []
        for _ in range(CALLS):
            wall, cpu = time.perf_counter(), time.process_time()
            result = call()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        return result, min(walls), min(cpus)

    return run


def prepare_align(n_quotes: int, load_order: bool) -> Callable[[], tuple[int, float, float]]:
    from pointline.research import align

    spine, quotes = _frames(n_quotes, load_order=load_order)
    return _timed(lambda: align(spine, quotes).get_column("bid_price").null_count())


def prepare_join_asof(n_quotes: int, load_order: bool) -> Callable[[], tuple[int, float, float]]:
    spine, quotes = _frames(n_quotes, load_order=load_order)

    def call() -> int:
        events = quotes.sort("ts_local_us", maintain_order=True) if load_order else quotes
        joined = spine.join_asof(
            events.rename({"symbol": "symbol_event"}),
            left_on="ts_us",
            right_on="ts_local_us",
            by="symbol_id",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        return joined.get_column("bid_price").null_count()

    return _timed(call)


def measure_align(n_quotes: int, repeat: int) -> None:
    print(
        f"align: 1-second spine over one day (86,400 rows) onto {n_quotes:,} quotes "
        f"(fastest of {repeat} processes x {CALLS} calls)"
    )
    for load_order, label in ((False, "sorted by ts_local_us"), (True, "in lake.load order")):
        runs = interleaved(repeat, [prepare_align, prepare_join_asof], n_quotes, load_order)
        # each result: that process's fastest call (interleaved keeps the fastest process)
        (nulls, wall, cpu), (floor_nulls, floor_wall, floor_cpu) = (r.result for r in runs)
        if nulls != floor_nulls:
            raise RuntimeError(f"align and join_asof disagree: {nulls} vs {floor_nulls}")
        ratio = wall / floor_wall
        verdict = "" if load_order else f" (target <= {ALIGN_TARGET}x: "
        verdict += "" if load_order else ("OK)" if ratio <= ALIGN_TARGET else "MISSED)")
        what = "sort + join_asof" if load_order else "join_asof"
        print(f" quotes {label}:")
        print(f"  {what + ' (floor)':<24s} {floor_wall:7.3f} s wall {floor_cpu:7.3f} s CPU")
        print(
            f"  {'align':<24s} {wall:7.3f} s wall {cpu:7.3f} s CPU   "
            f"{ratio:.2f}x floor wall{verdict}, {cpu / floor_cpu:.2f}x floor CPU"
        )


# -- coverage --------------------------------------------------------------------------------


def write_coverage_lake(root: Path, n_files: int) -> float:
    """A lake of ``n_files`` 2-row trades files (100 symbols per day); returns the seconds."""
    from pointline.v2 import Lake
    from pointline.v2.vendors.tardis import samples

    started = time.perf_counter()
    n_symbols = 100
    symbols = [f"S{i:03d}USDT" for i in range(n_symbols)]
    lake = Lake(root)
    lake.upsert_symbols(
        pl.DataFrame(
            {
                "exchange": ["binance-futures"] * n_symbols,
                "exchange_symbol": symbols,
                "canonical_symbol": [f"{s}-PERP" for s in symbols],
                "market_type": ["perpetual"] * n_symbols,
                "base_asset": [s[:4] for s in symbols],
                "quote_asset": ["USDT"] * n_symbols,
            }
        ),
        START_US,
    )
    for i in range(n_files):
        day, symbol = divmod(i, n_symbols)
        date = datetime.date(2024, 1, 1) + datetime.timedelta(days=day)
        path = (
            root
            / "bronze/tardis/exchange=binance-futures/type=trades"
            / f"date={date}/symbol={symbols[symbol]}/trades.csv.gz"
        )
        samples.write_trades(
            path, 2, seed=i, symbols=[symbols[symbol]], start_us=START_US + day * DAY_US
        )
    results = lake.ingest(root / "bronze")
    failed = [r for r in results if r.status != "success"]
    if len(results) != n_files or failed:
        raise RuntimeError(f"coverage lake: {len(results)} results, {len(failed)} not success")
    return time.perf_counter() - started


def prepare_coverage(root: str) -> Callable[[], int]:
    from pointline.v2 import Lake

    lake = Lake(root)

    def run() -> int:
        return int(lake.coverage().get_column("files").sum())

    return run


def prepare_scan_coverage(root: str) -> Callable[[], int]:
    from pointline.v2 import Lake

    lake = Lake(root)

    def run() -> int:
        per_symbol = (
            lake.scan("trades")
            .group_by("exchange", "symbol")
            .agg(
                pl.col("trading_date").min(),
                pl.col("trading_date").max().alias("last"),
                pl.len(),
                pl.col("file_id").n_unique(),
            )
            .collect()
        )
        return int(per_symbol.get_column("file_id").sum())

    return run


def measure_coverage(n_files: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lake"
        built = write_coverage_lake(root, n_files)
        print(
            f"coverage: a lake of {n_files:,} files (100 symbols x {n_files // 100} days, 2-row "
            f"trades files written and ingested with Lake.ingest in {built:.1f} s)"
        )
        run, by_rows = interleaved(repeat, [prepare_coverage, prepare_scan_coverage], str(root))
        if run.result != n_files or by_rows.result != n_files:
            raise RuntimeError(f"coverage counted {run.result} / {by_rows.result} files")
        print_ratio("scan + group_by (every row)", by_rows, rows=n_files)
        print_ratio("lake.coverage() (manifest)", run, rows=n_files)
        verdict = "OK" if run.seconds <= COVERAGE_TARGET_S else "MISSED"
        print(f"  coverage {run.seconds:.3f} s (target <= {COVERAGE_TARGET_S} s: {verdict})")


# -- book ------------------------------------------------------------------------------------


def measure_book(repeat: int, lake: bool) -> None:
    try:
        # Imported by name (this script's directory is on sys.path) so that the measuring
        # processes can unpickle its prepare functions.
        import _research_book
    except ModuleNotFoundError:
        print("book: not measured (benchmarks/_research_book.py is absent)")
        return
    if not hasattr(_research_book, "measure_book"):
        print("book: not measured (no measure_book() in benchmarks/_research_book.py)")
        return
    _research_book.measure_book(repeat=repeat, lake=lake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-book", action="store_true", help="skip the book figures")
    parser.add_argument("--no-lake-book", action="store_true", help="book kernel only")
    args = parser.parse_args()
    measure_align(args.quotes, args.repeat)
    measure_coverage(args.files, args.repeat)
    if args.no_book:
        print("book: not measured (--no-book)")
    else:
        measure_book(args.repeat, lake=not args.no_lake_book)


if __name__ == "__main__":
    main()
