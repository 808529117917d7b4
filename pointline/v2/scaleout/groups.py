"""How the files of one ``Lake.ingest`` call are cut into the groups sent to an executor.

The rule (every number below is a module constant):

1. A file above ``stream_threshold_bytes`` is a group of its own (it is streamed in chunks, as
   in the serial path); these groups go first, biggest first, so that the longest tasks start
   while the small groups fill the gaps.
2. The other files are packed in walk order (files of one table, exchange and day stay
   together, so their rows share Delta partitions) into groups of about ``target`` weight,
   where a file weighs its size on disk plus :data:`FILE_WEIGHT_BYTES` (the fixed cost of a
   file: open, parse setup, its share of the manifest) and

       target = clamp(total weight / (GROUPS_PER_WORKER * parallelism),
                      MIN_GROUP_BYTES, batch_bytes)

   A group also holds at most ``batch_files`` files and ``batch_bytes`` bytes (its rows are in
   memory until its commits), the caps of the serial path.
3. Small groups are submitted heaviest first (the last, lighter remainder goes last).

Why: each group costs a fixed number of Delta commits (one per table it writes, one for
``validation_log``, one status write), so ``MIN_GROUP_BYTES`` keeps the commits batched
(never one commit per file); ``GROUPS_PER_WORKER`` groups per worker bound the tail: with
groups handed out as workers free up, the last group to finish ends at most one group's
duration (about ``1 / GROUPS_PER_WORKER`` of a worker's share) after the ideal.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import Executor

GROUPS_PER_WORKER = 4
MIN_GROUP_BYTES = 16 * 1024 * 1024
FILE_WEIGHT_BYTES = 64 * 1024


def parallelism_of(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once: a process or thread pool's ``max_workers``, a
    Dask client executor's total worker threads, else this machine's CPU count."""
    workers = getattr(executor, "_max_workers", None)
    if isinstance(workers, int) and workers > 0:
        return workers
    client = getattr(executor, "_client", None)
    nthreads = getattr(client, "nthreads", None)
    if callable(nthreads):
        try:
            total = sum(int(n) for n in nthreads().values())
        except Exception:  # a client that cannot answer: fall back below
            total = 0
        if total > 0:
            return total
    return os.cpu_count() or 1


def plan_groups(
    sizes: Sequence[int],
    *,
    stream_threshold_bytes: int,
    batch_files: int,
    batch_bytes: int,
    parallelism: int,
) -> list[list[int]]:
    """Indexes into ``sizes`` (file sizes on disk, in walk order) grouped as the module says,
    in submission order. Every index appears in exactly one group."""
    big = sorted(
        (i for i, size in enumerate(sizes) if size > stream_threshold_bytes),
        key=lambda i: (-sizes[i], i),
    )
    small = [i for i, size in enumerate(sizes) if size <= stream_threshold_bytes]
    total = sum(sizes[i] + FILE_WEIGHT_BYTES for i in small)
    share = math.ceil(total / (GROUPS_PER_WORKER * max(1, parallelism))) if small else 0
    target = min(max(share, MIN_GROUP_BYTES), max(1, batch_bytes))
    groups: list[list[int]] = []
    group: list[int] = []
    weight = size = 0
    for i in small:
        full = (
            len(group) >= batch_files
            or weight + sizes[i] + FILE_WEIGHT_BYTES > target
            or size + sizes[i] > batch_bytes
        )
        if group and full:
            groups.append(group)
            group, weight, size = [], 0, 0
        group.append(i)
        weight += sizes[i] + FILE_WEIGHT_BYTES
        size += sizes[i]
    if group:
        groups.append(group)
    order = sorted(
        range(len(groups)),
        key=lambda g: (-sum(sizes[i] + FILE_WEIGHT_BYTES for i in groups[g]), g),
    )
    return [[i] for i in big] + [groups[g] for g in order]
