"""Measure the Quant360 parser and archive import (not a test; prints figures).

Run from the repository root::

    uv run python benchmarks/quant360_parse.py [--rows 200000] [--members 2300]

1. Parse a ``rows``-row SZSE order Bronze file (gzip) with the vendor parser, whole and
   chunked, against a bare ``pl.read_csv`` of the same file (all columns as text, and with
   type inference); the same for a day of SZSE L2 snapshots (4,800 rows).
2. Import one ``members``-member archive of 1,000-row SZSE order CSVs into an empty Bronze
   root (extract + deterministic gzip + atomic publish + ledger), then rerun (ledger skip).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.quant360 import QUANT360, samples
from pointline.v2.vendors.quant360.upstream import import_archives


def _best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _szse_file(workdir: Path, data_type: str, content: bytes) -> tuple[Path, BronzeFileMetadata]:
    """A generated SZSE Bronze file of symbol 000001 and its metadata."""
    path = samples.write_bronze_file(
        workdir / "bronze", data_type=data_type, exchange="szse", symbol="000001", content=content
    )
    meta = BronzeFileMetadata(
        vendor="quant360",
        data_type=data_type,
        bronze_file_path=str(path),
        file_size_bytes=path.stat().st_size,
        last_modified_ts=0,
        sha256="",
    )
    return path, meta


def bench_parse(workdir: Path, rows: int, repeat: int) -> None:
    path, meta = _szse_file(workdir, "order_new", samples.szse_order_csv(rows))
    parser = QUANT360.parser(meta)
    chunked = QUANT360.chunked_parser(meta)
    if chunked is None:
        raise SystemExit("the Quant360 vendor offers no chunked parser for SZSE order files")
    parsed = parser(meta)
    rejected = parsed["_reject_reason"].is_not_null().sum()
    t_parse = _best_of(lambda: parser(meta), repeat)
    t_chunks = _best_of(lambda: list(chunked(meta, 50_000)), repeat)
    t_text = _best_of(lambda: pl.read_csv(path, infer_schema=False), repeat)
    t_infer = _best_of(lambda: pl.read_csv(path), repeat)
    size_mb = path.stat().st_size / 1e6
    print(f"SZSE order file: {rows:,} rows, {size_mb:.1f} MB gzip, {rejected} rejects")
    print(f"  pl.read_csv (all text)       {t_text * 1e3:8.1f} ms")
    print(f"  pl.read_csv (inferred types) {t_infer * 1e3:8.1f} ms")
    for label, seconds in (("(whole)", t_parse), ("(50k chunks)", t_chunks)):
        print(
            f"  QUANT360 parser {label:12s} {seconds * 1e3:8.1f} ms"
            f" = {seconds / t_text:.1f}x read_csv text"
        )


def bench_l2(workdir: Path, rows: int, repeat: int) -> None:
    path, meta = _szse_file(workdir, "L2_new", samples.szse_l2_csv(rows))
    parser = QUANT360.parser(meta)
    parser(meta)
    t_parse = _best_of(lambda: parser(meta), repeat)
    t_text = _best_of(lambda: pl.read_csv(path, infer_schema=False), repeat)
    print(f"SZSE L2 file: {rows:,} snapshots x 6 level arrays of 10")
    print(f"  pl.read_csv (all text)       {t_text * 1e3:8.1f} ms")
    print(f"  QUANT360 parser (whole)      {t_parse * 1e3:8.1f} ms = {t_parse / t_text:.1f}x")


def bench_import(workdir: Path, members: int, rows: int) -> None:
    symbols = samples.sample_symbols("szse", members)
    start = time.perf_counter()
    archive = samples.write_archive(
        workdir / "source",
        data_type="order_new",
        exchange="szse",
        symbols=symbols,
        rows_per_member=rows,
    )
    t_build = time.perf_counter() - start
    listing_mb = sum(len(samples.member_csv("order_new", "szse", s, rows)) for s in symbols[:1])
    print(
        f"archive: {members} members x {rows} rows ({listing_mb * members / 1e6:.0f} MB of CSV), "
        f"{archive.stat().st_size / 1e6:.1f} MB .7z (built in {t_build:.1f} s)"
    )
    bronze = workdir / "bronze_import"
    start = time.perf_counter()
    report = import_archives(workdir / "source", bronze)
    t_import = time.perf_counter() - start
    start = time.perf_counter()
    rerun = import_archives(workdir / "source", bronze)
    t_rerun = time.perf_counter() - start
    gz_mb = statistics.fsum(f.file_size_bytes for f in report.files) / 1e6
    print(
        f"  import: {t_import:.2f} s ({report.archives[0].status}, {len(report.files)} files, "
        f"{gz_mb:.1f} MB gzip)"
    )
    again = rerun.archives[0]
    print(f"  rerun (ledger skip): {t_rerun:.2f} s ({again.status}/{again.reason})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=2_300)
    parser.add_argument("--member-rows", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="q360_bench_") as tmp:
        bench_parse(Path(tmp), args.rows, args.repeat)
        bench_l2(Path(tmp), 4_800, args.repeat)
        bench_import(Path(tmp), args.members, args.member_rows)


if __name__ == "__main__":
    main()
