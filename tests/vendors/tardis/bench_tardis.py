"""Time the Tardis parsers against a bare ``pl.read_csv`` of the same generated file.

Run from the repository root (not collected by pytest)::

    uv run python -m tests.vendors.tardis.bench_tardis --rows 1000000 --data-type trades

Prints the best of ``--repeat`` runs for: ``pl.read_csv(file)``, the whole-file parser and
the chunked parser, and the ratios to ``pl.read_csv``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.tardis import TARDIS
from pointline.v2.vendors.tardis.samples import write_sample


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--rows", type=int, default=1_000_000)
    args.add_argument("--data-type", default="trades", choices=TARDIS.data_types())
    args.add_argument("--chunk-rows", type=int, default=250_000)
    args.add_argument("--repeat", type=int, default=5)
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bench_{opts.data_type}.csv.gz"
        start = time.perf_counter()
        write_sample(path, opts.data_type, opts.rows, seed=1)
        print(f"generated {opts.rows} {opts.data_type} rows in {time.perf_counter() - start:.2f}s")
        print(f"file: {path.stat().st_size / 1e6:.1f} MB gzip")
        meta = BronzeFileMetadata("tardis", opts.data_type, str(path), 0, 0, "bench")
        parser = TARDIS.parser(meta)
        chunked = TARDIS.chunked_parser(meta)
        floor = _best(lambda: pl.read_csv(path), opts.repeat)
        whole = _best(lambda: parser(meta), opts.repeat)
        chunks = _best(lambda: sum(c.height for c in chunked(meta, opts.chunk_rows)), opts.repeat)
    print(f"pl.read_csv           {floor:.3f}s")
    print(f"parser (whole file)   {whole:.3f}s  ratio {whole / floor:.2f}")
    print(f"parser (chunks of {opts.chunk_rows}) {chunks:.3f}s  ratio {chunks / floor:.2f}")


if __name__ == "__main__":
    main()
