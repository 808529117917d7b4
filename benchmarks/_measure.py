"""Timing and peak-RSS helpers for the benchmark scripts.

Each measurement runs in a fresh interpreter (multiprocessing ``spawn``), so its peak RSS is its
own, not the high-water mark of whatever ran before it in the benchmark's process. The work is
split in two: ``prepare(*args)`` runs untimed (imports, seeding a lake, copying inputs) and
returns the zero-argument callable that is timed::

    def prepare_read(path: str) -> Callable[[], int]:
        return lambda: pl.read_csv(path).height

    floor = measure(prepare_read, "file.csv.gz")
    print_ratio("read_csv", floor, rows=floor.result)

``prepare`` must be a module-level function (it is pickled by name) and what the callable
returns must be picklable; the calling script needs an ``if __name__ == "__main__":`` guard.
Peak RSS is the process's high-water mark (``ru_maxrss``), interpreter, imports and
``prepare`` included, as a user's process pays it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Prepare = Callable[..., Callable[[], Any]]


@dataclass(frozen=True)
class Measurement:
    """One timed call in its own process.

    Attributes:
        seconds: wall time of the call alone (``prepare`` excluded).
        peak_rss_bytes: the process's peak resident set size over its whole life.
        result: what the call returned.
        baseline_rss_bytes: the peak RSS just before the call (interpreter, imports,
            ``prepare``), so ``peak_rss_bytes - baseline_rss_bytes`` is the call's own share;
            None when not known.
    """

    seconds: float
    peak_rss_bytes: int
    result: Any = None
    baseline_rss_bytes: int | None = None


def _peak_rss_bytes() -> int:
    # Linux: VmHWM is the high-water mark of this process image. ru_maxrss is not: a spawned
    # child (fork + exec) inherits its parent's high-water mark, so it would report the
    # parent's peak (e.g. the memory used to generate the benchmark's input).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _child(prepare: Prepare, args: tuple[Any, ...]) -> Measurement:
    call = prepare(*args)
    baseline = _peak_rss_bytes()
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    return Measurement(seconds, _peak_rss_bytes(), result, baseline)


def measure(prepare: Prepare, *args: Any) -> Measurement:
    """Run ``prepare(*args)`` untimed, then time the callable it returns, in a fresh process.

    Raises:
        Whatever ``prepare`` or the call raised in the child (multiprocessing re-raises it).
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=1) as pool:
        return pool.apply(_child, (prepare, args))


def best_of(repeat: int, prepare: Prepare, *args: Any) -> Measurement:
    """The fastest of ``repeat`` :func:`measure` runs, with the highest peak RSS among them
    (noise from other processes can only make either figure pessimistic).

    Every run gets the same ``args``: a ``prepare`` that writes should make its own scratch
    directory (e.g. ``tempfile.mkdtemp(dir=workdir)``).

    Raises:
        ValueError: ``repeat`` < 1.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    runs = [measure(prepare, *args) for _ in range(repeat)]
    fastest = min(runs, key=lambda m: m.seconds)
    baselines = [m.baseline_rss_bytes for m in runs if m.baseline_rss_bytes is not None]
    return Measurement(
        seconds=fastest.seconds,
        peak_rss_bytes=max(m.peak_rss_bytes for m in runs),
        result=fastest.result,
        baseline_rss_bytes=max(baselines) if baselines else None,
    )


def interleaved(repeat: int, prepares: list[Prepare], *args: Any) -> list[Measurement]:
    """Like ``best_of`` for each of ``prepares``, but the runs alternate (A, B, A, B, ...) so
    that load from other processes on a shared machine weighs on every figure alike."""
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    runs: list[list[Measurement]] = [[] for _ in prepares]
    for _ in range(repeat):
        for prepare, found in zip(prepares, runs, strict=True):
            found.append(measure(prepare, *args))
    combined = []
    for found in runs:
        fastest = min(found, key=lambda m: m.seconds)
        baselines = [m.baseline_rss_bytes for m in found if m.baseline_rss_bytes is not None]
        combined.append(
            dataclasses.replace(
                fastest,
                peak_rss_bytes=max(m.peak_rss_bytes for m in found),
                baseline_rss_bytes=max(baselines) if baselines else None,
            )
        )
    return combined


def mib(n_bytes: int) -> str:
    """``n_bytes`` as ``"123 MiB"``."""
    return f"{n_bytes / 2**20:.0f} MiB"


def print_ratio(
    label: str,
    measurement: Measurement,
    *,
    rows: int,
    floor: Measurement | None = None,
    target: float | None = None,
) -> float | None:
    """Print one figure: seconds, rows/s, peak RSS (and the call's own share), and, given a
    ``floor``, the time ratio to it (and whether that is within ``target``) and the RSS ratio.

    Returns:
        The time ratio to ``floor`` (None without one).
    """
    m = measurement
    line = f"  {label:<32s} {m.seconds:8.3f} s {rows / m.seconds:>12,.0f} rows/s"
    line += f"  peak RSS {mib(m.peak_rss_bytes):>8s}"
    if m.baseline_rss_bytes is not None:
        line += f" (call +{mib(m.peak_rss_bytes - m.baseline_rss_bytes)})"
    if floor is None:
        print(line, flush=True)
        return None
    ratio = m.seconds / floor.seconds
    line += f"  time {ratio:5.2f}x floor"
    if target is not None:
        line += f" (target <= {target}x: {'OK' if ratio <= target else 'MISSED'})"
    line += f", RSS {m.peak_rss_bytes / floor.peak_rss_bytes:4.2f}x"
    print(line, flush=True)
    return ratio


def prepare_floor(path: str, workdir: str, _template: str = "") -> Callable[[], int]:
    """The floor of the ingest benchmarks: ``pl.read_csv`` of the file (types inferred) plus
    one ``write_deltalake`` of that frame to a new table (``_template`` is ignored, so that
    it takes the same arguments as the ingest it is interleaved with)."""
    import polars as pl
    from deltalake import write_deltalake

    table = Path(tempfile.mkdtemp(prefix="floor-", dir=workdir)) / "table"

    def run() -> int:
        frame = pl.read_csv(path)
        write_deltalake(str(table), frame)
        return frame.height

    return run


def copy_of_lake(template: str, workdir: str) -> Path:
    """A fresh copy of the lake at ``template`` under ``workdir``: the benchmarks seed their
    lake once in another process, as a user's lake was made before the process that ingests
    into it, so the measured process starts from imports and ``Lake(root)``."""
    root = Path(tempfile.mkdtemp(prefix="lake-", dir=workdir)) / "lake"
    shutil.copytree(template, root)
    return root


def ingest_summary(result: Any) -> dict[str, Any]:
    """The picklable part of an ``IngestionResult`` a benchmark checks after a timed ingest."""
    return {
        "status": result.status,
        "rows_written": result.rows_written,
        "rows_quarantined": result.rows_quarantined,
        "error": result.error_message,
    }


def check_ingest(value: dict[str, Any], rows: int) -> None:
    """Stop the benchmark unless the timed ingest (:func:`ingest_summary`) wrote all ``rows``."""
    expected = {"status": "success", "rows_written": rows, "rows_quarantined": 0, "error": None}
    if value != expected:
        raise SystemExit(f"ingest_file did not write every row, so its time means nothing: {value}")


def floor_and_ingest(
    repeat: int, prepare_ingest: Prepare, path: Path, workdir: Path, template: str, rows: int
) -> tuple[Measurement, Measurement]:
    """The floor and ``prepare_ingest``'s ingest of ``path`` (``rows`` rows), interleaved,
    each checked to have handled every row."""
    floor, ingest = interleaved(
        repeat, [prepare_floor, prepare_ingest], str(path), str(workdir), template
    )
    if floor.result != rows:
        raise SystemExit(f"the floor read {floor.result} rows, expected {rows}")
    check_ingest(ingest.result, rows)
    return floor, ingest
