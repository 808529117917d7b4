"""``process_pool``: spawned workers, Polars' threads capped when the workers fill the cores."""

from __future__ import annotations

import os

import pytest

from pointline.v2.scaleout import executors
from pointline.v2.scaleout.executors import POLARS_THREADS_VAR, process_pool, worker_polars_threads


def _polars_threads(_: int = 0) -> tuple[int, str | None]:
    import polars as pl

    return pl.thread_pool_size(), os.environ.get(POLARS_THREADS_VAR)


@pytest.mark.parametrize(
    ("workers", "cpus", "threads"),
    [(1, 2, None), (2, 2, 1), (3, 2, 1), (2, 8, None), (4, 8, None), (8, 8, 1), (2, 1, 1)],
)
def test_polars_threads_are_capped_only_when_the_workers_fill_the_cores(
    workers: int, cpus: int, threads: int | None
):
    assert worker_polars_threads(workers, cpus) == threads


def test_a_pool_filling_the_cores_starts_its_workers_with_one_polars_thread_each(monkeypatch):
    monkeypatch.delenv(POLARS_THREADS_VAR, raising=False)
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 2)
    with process_pool(2) as pool:
        assert list(pool.map(_polars_threads, range(2))) == [(1, "1"), (1, "1")]
    assert POLARS_THREADS_VAR not in os.environ  # only the workers' environment had it


def test_a_pool_with_spare_cores_leaves_polars_its_default(monkeypatch):
    monkeypatch.delenv(POLARS_THREADS_VAR, raising=False)
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 4)
    with process_pool(1) as pool:
        assert pool.submit(_polars_threads).result()[1] is None


def test_the_callers_setting_wins(monkeypatch):
    monkeypatch.setenv(POLARS_THREADS_VAR, "2")
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 2)
    with process_pool(2) as pool:
        assert pool.submit(_polars_threads).result() == (2, "2")
    assert os.environ[POLARS_THREADS_VAR] == "2"


def test_workers_below_one_are_refused():
    with pytest.raises(ValueError, match="workers must be >= 1"):
        process_pool(0)
