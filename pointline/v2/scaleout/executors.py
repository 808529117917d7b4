"""The executors the command line makes: this machine's processes, or a Dask cluster.

``Lake.ingest`` takes any ``concurrent.futures.Executor``; these are conveniences, not adapters.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

from pointline.errors import PointlineError

DASK_EXTRA = "dask"


class MissingExtraError(PointlineError):
    """An optional dependency was asked for but is not installed."""


POLARS_THREADS_VAR = "POLARS_MAX_THREADS"

# os.environ is changed only around the start of a worker (see _WorkerProcess): one at a time
_ENVIRONMENT = threading.Lock()


def worker_polars_threads(workers: int, cpus: int | None = None) -> int | None:
    """Polars threads per worker of a pool of ``workers`` processes on ``cpus`` cores (None:
    this machine's): one when the workers fill the cores, else None (Polars' default, a
    thread per core). Polars sizes its thread pool once, as it is imported; with every core
    busy with a worker, the idle threads of a pool of a thread per core only cost (a small
    file's read costs about twice the CPU on 2 threads as on 1)."""
    cpus = cpus if cpus is not None else os.cpu_count() or 1
    return None if workers < cpus else 1


class _WorkerProcess(SpawnProcess):
    """A spawned process started with ``environment`` added to this process's environment
    (a spawned process inherits the environment as it is when it starts)."""

    environment: Mapping[str, str] = {}

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        added = {
            key: value
            for key, value in process_obj.environment.items()
            if key not in os.environ  # the caller's own setting wins
        }
        with _ENVIRONMENT:
            os.environ.update(added)
            try:
                return SpawnProcess._Popen(process_obj)
            finally:
                for key in added:
                    os.environ.pop(key, None)


class _WorkerContext(SpawnContext):
    """The ``spawn`` context, its processes started with ``environment``."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        super().__init__()
        self._environment = dict(environment)

    def Process(self, *args: Any, **kwargs: Any) -> SpawnProcess:  # type: ignore[override]
        process = _WorkerProcess(*args, **kwargs)
        process.environment = self._environment
        return process


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes of this machine, started with ``spawn``: the calling process has
    Polars' and delta-rs' threads running, and forking a process with threads can deadlock.

    A pool with a worker per core (or more) starts its workers with ``POLARS_MAX_THREADS``
    set to 1 (:func:`worker_polars_threads`), unless this process's
    environment sets it.

    Raises:
        ValueError: ``workers`` is below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    threads = worker_polars_threads(workers)
    if threads is None:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    context = _WorkerContext({POLARS_THREADS_VAR: str(threads)})
    return ProcessPoolExecutor(workers, mp_context=context)


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
