"""A multi-GB ``incremental_book_L2`` day through ``Lake.ingest_file`` in bounded memory.

Generates (deterministically, in 1M-row pieces, never whole in memory) a Tardis
``incremental_book_L2`` ``.csv.gz`` of ``--gb`` GB uncompressed, and a 1,000,000-row ``trades``
``.csv.gz``; then, each in a fresh process, ingests the trades file (the rate to compare with)
and the big file (parsed and written in chunks: one atomic commit, memory set by the chunk
size). Prints seconds, rows/s and peak RSS.

    uv run python benchmarks/big_book.py [--gb 2.0] [--chunk-rows 500000]

Targets: peak RSS <= 1 GB for the big file; its rows/s >= 0.7 x the 1M-row trades rate.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from benchmarks._measure import measure, mib, print_ratio
from pointline.v2 import Lake
from pointline.v2.vendors.tardis.samples import sample_frame, write_trades

START_US = 1_704_067_200_000_000  # 2024-01-01 UTC
PIECE_ROWS = 1_000_000
STEP_US = 3_000  # ~28.8M rows fit in one UTC day


def write_big_book(path: Path, target_bytes: int) -> int:
    """Append 1M-row pieces until ``target_bytes`` of CSV text; returns the row count."""
    written = rows = piece = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        while written < target_bytes:
            frame = sample_frame(
                "incremental_book_L2",
                PIECE_ROWS,
                seed=piece,
                start_us=START_US + rows * STEP_US,
                step_us=STEP_US,
            )
            text = frame.write_csv(include_header=piece == 0, quote_style="never").encode()
            out.write(text)
            written += len(text)
            rows += frame.height
            piece += 1
    return rows


def seed(lake: Lake) -> None:
    lake.upsert_symbols(
        pl.DataFrame(
            {
                "exchange": ["binance-futures"],
                "exchange_symbol": ["BTCUSDT"],
                "canonical_symbol": ["BTC-USDT-PERP"],
                "market_type": ["perpetual"],
                "base_asset": ["BTC"],
                "quote_asset": ["USDT"],
            }
        ),
        START_US - 86_400_000_000,
    )


def prepare_ingest(
    lake_dir: str, path: str, chunk_rows: int, threshold: int | None = None
) -> Callable[[], int]:
    lake = Lake(lake_dir, chunk_rows=chunk_rows)
    if threshold is not None:
        lake.stream_threshold_bytes = threshold
    seed(lake)

    def run() -> int:
        result = lake.ingest_file(path)
        if result.status != "success":
            raise RuntimeError(f"{path}: {result.status} {result.error_message}")
        return result.row_count

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.0, help="uncompressed size of the big file")
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        trades = root / "binance-futures_trades_2024-01-01_BTCUSDT.csv.gz"
        write_trades(trades, 1_000_000, seed=1, start_us=START_US, step_us=80_000)
        big = root / "binance-futures_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz"
        big_rows = write_big_book(big, int(args.gb * 1e9))
        print(
            f"big file: {big_rows:,} rows, {args.gb:.1f} GB uncompressed, "
            f"{big.stat().st_size / 1e6:.0f} MB gzip; chunk_rows {args.chunk_rows:,}"
        )
        small = measure(prepare_ingest, str(root / "lake_trades"), str(trades), args.chunk_rows)
        print_ratio("ingest_file 1M trades", small, rows=small.result)
        # The Lake streams files above its threshold (64 MB on disk); a small --gb run lowers
        # it so that the chunked path is what is measured.
        book = measure(
            prepare_ingest, str(root / "lake_book"), str(big), args.chunk_rows, 1_000_000
        )
        print_ratio("ingest_file big L2 (chunked)", book, rows=book.result)
    rate_ratio = (book.result / book.seconds) / (small.result / small.seconds)
    ok_rss = book.peak_rss_bytes <= 1e9
    print(f"  peak RSS {mib(book.peak_rss_bytes)} (target <= 1 GB: {'OK' if ok_rss else 'MISSED'})")
    verdict = "OK" if rate_ratio >= 0.7 else "MISSED"
    print(f"  rows/s vs trades: {rate_ratio:.2f}x (target >= 0.7x: {verdict})")


if __name__ == "__main__":
    main()
