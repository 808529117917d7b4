"""``book(depth=25, every="1s")`` over 10M incremental updates: updates per second, and the
ratio to a plain sort of the same updates (the floor of touching every update once).

Two measurements, each against its own floor, each in a fresh process (``_measure``):

* **kernel**: the compiled replay (:func:`pointline.research._book_kernel.replay`) of 10M
  updates already in memory and in replay order, sampled at the 86,400 one-second boundaries
  of the day, against Polars sorting the same 10M rows (shuffled; the columns the replay reads
  and the order keys) by (replay time, file_id, file_seq). One core: the kernel is
  single-threaded (the sort uses every core).
* **lake** (unless ``--no-lake``): ``book(lake, ...)`` end to end on a lake holding the same
  10M updates ingested from a generated Tardis ``incremental_book_L2`` file — scan, sort,
  replay, the output frame — against the floor of reading the same columns of the same rows
  from the lake and sorting them (``scan(...).sort(...).collect()``).

The stream: one UTC day, a 2,000-level snapshot run at its start, then updates whose prices
lie a geometric number of ticks (mean 20) from a slowly wandering mid, ~15% of them removing
a level, 1-4 updates per message sharing a timestamp, arrival 0-2 ms after the exchange time.

    uv run python benchmarks/_research_book.py [--updates 10000000] [--repeat 3] [--no-lake]

Target: >= 2M updates/s. ``measure_book()`` returns the figures as a dict (used by
``benchmarks/research.py``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from _measure import Measurement, interleaved, print_ratio

START_US = 1_704_067_200_000_000  # 2024-01-01 UTC
DAY_US = 86_400_000_000
EXCHANGE = "binance-futures"
SYMBOL = "BTCUSDT"
SNAPSHOT_LEVELS = 2_000
TARGET_UPDATES_PER_S = 2_000_000


def generate_updates(n_updates: int, *, seed: int = 17) -> pl.DataFrame:
    """``n_updates`` book updates of one day in replay order (Silver column names, scaled)."""
    rng = np.random.default_rng(seed)
    n_messages = max(1, n_updates * 2 // 5)
    message_times = np.sort(rng.integers(0, DAY_US, n_messages))
    message_of = np.sort(rng.integers(0, n_messages, n_updates))
    local = START_US + message_times[message_of]
    event = np.maximum(local - rng.integers(0, 2_000, n_messages)[message_of], START_US)
    mid = 3_700_000 + (np.cumsum(rng.integers(-1, 2, n_updates)) // 50)
    is_bid = rng.random(n_updates) < 0.5
    offset = rng.geometric(0.05, n_updates)
    price_ticks = np.where(is_bid, mid - offset, mid + offset)
    qty = rng.integers(1, 50_000, n_updates) * np.int64(1_000_000)
    qty[rng.random(n_updates) < 0.15] = 0
    is_snapshot = np.zeros(n_updates, dtype=bool)
    levels = min(SNAPSHOT_LEVELS, n_updates)
    half = levels // 2
    local[:levels] = event[:levels] = START_US + 500
    is_snapshot[:levels] = True
    is_bid[:levels] = np.arange(levels) < half
    price_ticks[:levels] = np.where(
        is_bid[:levels], 3_700_000 - 1 - np.arange(levels), 3_700_000 + np.arange(levels) - half
    )
    qty[:levels] = rng.integers(1, 50_000, levels) * np.int64(1_000_000)
    return pl.DataFrame(
        {
            "ts_local_us": local,
            "ts_event_us": event,
            "file_id": np.ones(n_updates, dtype=np.int64),
            "file_seq": np.arange(1, n_updates + 1, dtype=np.int64),
            "side": np.where(is_bid, "bid", "ask"),
            "price": price_ticks * np.int64(100_000_000),  # ticks of 0.1
            "qty": qty,
            "is_snapshot": is_snapshot,
        }
    )


def _bounds() -> np.ndarray:
    return START_US + 1_000_000 * np.arange(1, DAY_US // 1_000_000 + 1, dtype=np.int64)


# -- in memory: the kernel and the sort -------------------------------------------------------


def prepare_kernel(n_updates: int) -> Callable[[], int]:
    from pointline.research._book_kernel import replay

    frame = generate_updates(n_updates)
    arrays = (
        frame.get_column("ts_local_us").to_numpy(),
        (frame.get_column("side") == "bid").to_numpy(),
        frame.get_column("price").to_numpy(),
        frame.get_column("qty").to_numpy(),
        frame.get_column("is_snapshot").to_numpy(),
    )
    bounds = _bounds()
    replay(*(a[:10] for a in arrays), bounds[:2], 25)  # compile (or load the cache) untimed

    def run() -> tuple[int, float]:
        cpu = time.process_time()
        replay(*arrays, bounds, 25)
        return n_updates, time.process_time() - cpu

    return run


def prepare_sort(n_updates: int) -> Callable[[], int]:
    """The floor: the same updates (the columns the replay reads, and the order keys), shuffled,
    sorted into replay order by Polars."""
    frame = (
        generate_updates(n_updates)
        .select(
            pl.col("ts_local_us").alias("t"),
            "file_id",
            "file_seq",
            (pl.col("side") == "bid").alias("is_bid"),
            "price",
            "qty",
            "is_snapshot",
        )
        .sample(fraction=1.0, shuffle=True, seed=3)
    )

    def run() -> tuple[int, float]:
        cpu = time.process_time()
        height = frame.sort("t", "file_id", "file_seq").height
        return height, time.process_time() - cpu

    return run


# -- through the lake -------------------------------------------------------------------------


def write_lake(n_updates: int, workdir: Path) -> Path:
    """A lake holding the generated day, ingested from a Tardis incremental_book_L2 file."""
    from pointline.v2 import Lake
    from pointline.v2.vendors.tardis import vendor_file_name
    from pointline.v2.vendors.tardis.samples import decimal_text, write_csv

    frame = generate_updates(n_updates)
    text = frame.select(
        pl.lit(EXCHANGE).alias("exchange"),
        pl.lit(SYMBOL).alias("symbol"),
        pl.col("ts_event_us").cast(pl.String).alias("timestamp"),
        pl.col("ts_local_us").cast(pl.String).alias("local_timestamp"),
        pl.when("is_snapshot").then(pl.lit("true")).otherwise(pl.lit("false")).alias("is_snapshot"),
        "side",
        decimal_text(pl.col("price") // 100_000_000, 1).alias("price"),
        decimal_text(pl.col("qty") // 1_000_000, 3).alias("amount"),
    )
    path = workdir / vendor_file_name(EXCHANGE, "incremental_book_L2", "2024-01-01", SYMBOL)
    write_csv(path, text, compresslevel=1)
    del frame, text
    root = workdir / "lake"
    lake = Lake(root)
    lake.upsert_symbols(
        pl.DataFrame(
            {
                "exchange": [EXCHANGE],
                "exchange_symbol": [SYMBOL],
                "canonical_symbol": ["BTC-USDT-PERP"],
                "market_type": ["perpetual"],
                "base_asset": ["BTC"],
                "quote_asset": ["USDT"],
            }
        ),
        START_US - DAY_US,
    )
    result = lake.ingest_file(path)
    if result.status != "success" or result.rows_written != n_updates:
        raise RuntimeError(f"{path}: {result.status} {result.error_message}")
    path.unlink()
    return root


def prepare_lake_book(root: str) -> Callable[[], int]:
    from pointline.research._book_kernel import replay
    from pointline.research.book import book
    from pointline.v2 import Lake

    replay(
        *(np.zeros(1, dtype) for dtype in (np.int64, bool, np.int64, np.int64, bool)),
        np.ones(1, np.int64),
        25,
    )  # compile (or load the cache) untimed
    lake = Lake(root)

    def run() -> tuple[int, float]:
        cpu = time.process_time()
        frame = book(
            lake, EXCHANGE, SYMBOL, start=START_US, end=START_US + DAY_US, every="1s", depth=25
        )
        return int(frame.get_column("updates").sum()), time.process_time() - cpu

    return run


def prepare_lake_sort(root: str) -> Callable[[], int]:
    from pointline.v2 import Lake

    lake = Lake(root)

    def run() -> tuple[int, float]:
        cpu = time.process_time()
        lf = lake.scan(
            "orderbook_updates",
            exchange=EXCHANGE,
            symbols=[SYMBOL],
            start=START_US,
            end=START_US + DAY_US,
        )
        replay_time = pl.coalesce("ts_local_us", "ts_event_us").alias("t")
        columns = [replay_time, "file_id", "file_seq", "side", "price", "qty", "is_snapshot"]
        height = lf.select(columns).sort("t", "file_id", "file_seq").collect().height
        return height, time.process_time() - cpu

    return run


# -- the figures ------------------------------------------------------------------------------


def _figures(name: str, run: Measurement, floor: Measurement, n: int) -> dict[str, Any]:
    rows, cpu = run.result
    if rows != n:
        raise RuntimeError(f"{name}: {rows:,} updates, not {n:,}")
    rate = n / run.seconds
    print_ratio(f"{name}: book", run, rows=n, floor=floor)
    print_ratio(f"{name}: floor (sort)", floor, rows=n)
    verdict = "OK" if rate >= TARGET_UPDATES_PER_S else "MISSED"
    print(
        f"  {name}: {rate:,.0f} updates/s (target >= {TARGET_UPDATES_PER_S:,}: {verdict}); "
        f"{run.seconds / floor.seconds:.2f}x the sort; CPU time {cpu:.3f} s "
        f"({n / cpu:,.0f} updates per CPU-second; the sort's {floor.result[1]:.3f} s)",
        flush=True,
    )
    return {
        f"{name}_seconds": run.seconds,
        f"{name}_updates_per_s": rate,
        f"{name}_cpu_seconds": cpu,
        f"{name}_updates_per_cpu_s": n / cpu,
        f"{name}_floor_seconds": floor.seconds,
        f"{name}_floor_cpu_seconds": floor.result[1],
        f"{name}_ratio_to_sort": run.seconds / floor.seconds,
        f"{name}_peak_rss_bytes": run.peak_rss_bytes,
    }


def measure_book(
    n_updates: int = 10_000_000, *, repeat: int = 3, lake: bool = True
) -> dict[str, Any]:
    """Measure the kernel (and, with ``lake``, ``book`` through a lake) against their floors.

    Returns:
        ``updates`` and, per measurement (``kernel``, ``lake``): ``*_seconds`` (wall),
        ``*_updates_per_s``, ``*_cpu_seconds`` and ``*_updates_per_cpu_s`` (the process's CPU
        time, every thread summed: the one-core figure, and the one that other processes on a
        shared machine disturb least), ``*_floor_seconds``, ``*_floor_cpu_seconds``,
        ``*_ratio_to_sort`` (wall), ``*_peak_rss_bytes``.
    """
    # The functions the spawned children run, from the module as imported by name (it may have
    # been loaded as __main__ or from a file path, under which a child cannot find them).
    import _research_book as here

    print(f"book(depth=25, every='1s') over {n_updates:,} updates, one day, best of {repeat}")
    figures: dict[str, Any] = {"updates": n_updates}
    kernel, sort = interleaved(repeat, [here.prepare_kernel, here.prepare_sort], n_updates)
    figures |= _figures("kernel", kernel, sort, n_updates)
    if lake:
        with tempfile.TemporaryDirectory() as tmp:
            root = str(write_lake(n_updates, Path(tmp)))
            run, floor = interleaved(repeat, [here.prepare_lake_book, here.prepare_lake_sort], root)
            figures |= _figures("lake", run, floor, n_updates)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-lake", action="store_true", help="measure the kernel only")
    args = parser.parse_args()
    measure_book(args.updates, repeat=args.repeat, lake=not args.no_lake)


if __name__ == "__main__":
    main()
