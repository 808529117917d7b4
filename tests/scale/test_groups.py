"""How ``Lake.ingest(..., executor=...)`` cuts files into groups (pure logic, no lake)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from pointline.v2.scaleout.groups import (
    FILE_WEIGHT_BYTES,
    GROUPS_PER_WORKER,
    MIN_GROUP_BYTES,
    parallelism_of,
    plan_groups,
)

MIB = 1024 * 1024


def _plan(sizes, *, threshold=64 * MIB, files=1_000, batch=128 * MIB, parallelism=2):
    return plan_groups(
        sizes,
        stream_threshold_bytes=threshold,
        batch_files=files,
        batch_bytes=batch,
        parallelism=parallelism,
    )


def _every_index_once(groups, n):
    flat = [i for group in groups for i in group]
    assert sorted(flat) == list(range(n))


def test_big_files_go_first_alone_biggest_first():
    sizes = [1 * MIB, 100 * MIB, 2 * MIB, 300 * MIB, 70 * MIB]
    groups = _plan(sizes)
    assert groups[:3] == [[3], [1], [4]]
    assert groups[3:] == [[0, 2]]  # the small ones stay together: one commit per table
    _every_index_once(groups, len(sizes))


def test_tiny_files_stay_in_one_group_so_commits_stay_batched():
    sizes = [10_000] * 200  # 200 files weigh 15 MB with their per-file weight: one group
    assert _plan(sizes, parallelism=8) == [list(range(200))]


def test_many_small_files_make_about_groups_per_worker_groups_per_worker():
    sizes = [1 * MIB] * 400  # ~400 MiB: a target of ~400/(4*2) MiB
    groups = _plan(sizes, parallelism=2, batch=1024 * MIB)
    _every_index_once(groups, len(sizes))
    assert len(groups) in (GROUPS_PER_WORKER * 2, GROUPS_PER_WORKER * 2 + 1)
    for group in groups:  # contiguous runs of the walk order
        assert group == list(range(group[0], group[0] + len(group)))
    weights = [sum(sizes[i] + FILE_WEIGHT_BYTES for i in g) for g in groups]
    assert weights == sorted(weights, reverse=True)  # heaviest first


def test_the_serial_caps_bound_every_group():
    sizes = [3 * MIB] * 100
    groups = _plan(sizes, files=7, batch=16 * MIB, parallelism=1)
    _every_index_once(groups, len(sizes))
    assert all(len(g) <= 7 and sum(sizes[i] for i in g) <= 16 * MIB for g in groups)
    assert max(len(g) for g in groups) == 5  # 16 MiB / 3 MiB


def test_more_workers_make_smaller_groups_down_to_the_minimum():
    sizes = [512 * 1024] * 2_000  # ~1 GiB
    few, many = _plan(sizes, parallelism=2), _plan(sizes, parallelism=64)
    assert len(many) > len(few)
    per_group = min(sum(sizes[i] + FILE_WEIGHT_BYTES for i in g) for g in many[:-1])
    assert per_group >= MIN_GROUP_BYTES - 512 * 1024 - FILE_WEIGHT_BYTES


@pytest.mark.parametrize("workers", [1, 3])
def test_parallelism_of_a_pool_is_its_workers(workers):
    with ThreadPoolExecutor(workers) as pool:
        assert parallelism_of(pool) == workers


def test_parallelism_of_an_unknown_executor_is_the_cpu_count():
    import os

    class Plain(ThreadPoolExecutor):
        def __init__(self):
            super().__init__(1)
            del self._max_workers

    assert parallelism_of(Plain()) == (os.cpu_count() or 1)
