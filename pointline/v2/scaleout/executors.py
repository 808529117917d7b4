"""The executors the command line makes: this machine's processes, or a Dask cluster.

``Lake.ingest`` takes any ``concurrent.futures.Executor``; these are conveniences, not adapters.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from pointline.errors import PointlineError

DASK_EXTRA = "dask"


class MissingExtraError(PointlineError):
    """An optional dependency was asked for but is not installed."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes of this machine, started with ``spawn``: the calling process has
    Polars' and delta-rs' threads running, and forking a process with threads can deadlock.

    Raises:
        ValueError: ``workers`` is below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def dask_executor(address: str) -> Iterator[Executor]:
    """The executor of a running Dask scheduler at ``address`` (``tcp://host:8786``); the
    client is closed on exit (the cluster keeps running).

    Raises:
        MissingExtraError: dask.distributed is not installed (the ``pointline[dask]`` extra).
        OSError: no scheduler answers at ``address``.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise MissingExtraError(
            f"a Dask scheduler ({address}) needs dask.distributed, which is not installed: "
            f"install the extra with pip install 'pointline[{DASK_EXTRA}]' "
            f"(or uv sync --extra {DASK_EXTRA})"
        ) from exc
    client = Client(address, timeout="10s")
    try:
        yield client.get_executor()
    finally:
        client.close()
