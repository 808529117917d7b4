"""The driver side of ``Lake.ingest(..., executor=...)``: one manifest call, groups, results.

In the calling process, in this order:

1. every data type is routed (an unsupported one is a bad call: ``ValueError`` before anything
   is written or sent, as in the serial path);
2. the manifest is asked once which files already succeeded (``filter_pending``; skipped
   unless ``force``: their results are made here, no worker sees them);
3. the remaining files are cut into groups (:mod:`~pointline.v2.scaleout.groups`);
4. every file gets its id up front with ONE ``resolve_file_ids`` call in walk order (one
   commit for all new identities), so ids are those of the serial path and already known to
   every worker's manifest; a dry run resolves nothing new (it writes nothing);
5. each group is submitted as one :class:`~pointline.v2.scaleout.tasks.IngestTask`;
6. results are reported to ``on_result`` as each task completes
   (:func:`concurrent.futures.as_completed`); the list returned is in walk order.

Failures: a task that comes back with an exception instead of results (the worker process was
killed, the pool broke, a Dask worker was lost too often, or the task raised outside the
pipeline) gives each file of its group a ``failed`` result, ``worker_lost`` or
``worker_error``, whose message names the file. Nothing is recorded for them: their manifest
rows stay ``pending`` (hidden from readers), whatever rows the worker committed are replaced by
the rerun that completes them, so a rerun leaves exactly one copy of every file's rows. A
broken process pool fails every unfinished future at once, so the call returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Executor, Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from pointline.schemas.types import INGEST_STATUS_FAILED, INGEST_STATUS_SUCCESS
from pointline.v2 import reasons
from pointline.v2.ingestion.core import describe
from pointline.v2.ingestion.manifest import build_manifest_identity
from pointline.v2.ingestion.routing import route_table
from pointline.v2.models import BronzeFileMetadata, IngestionResult
from pointline.v2.scaleout.groups import parallelism_of, plan_groups
from pointline.v2.scaleout.tasks import IngestTask, LakeSpec, new_call_token, run_ingest_task

if TYPE_CHECKING:
    from pointline.v2.lake import Lake

OnResult = Callable[[BronzeFileMetadata, IngestionResult], None]
Described = tuple[BronzeFileMetadata, IngestionResult | None]

# Exceptions that mean "the worker went away" rather than "the task raised": the pool's own,
# and dask.distributed's (matched by name: distributed is an optional dependency).
_LOST_NAMES = frozenset(
    {"KilledWorker", "CommClosedError", "FutureCancelledError", "FutureLostError"}
)


def is_worker_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the worker running a task was lost (not that the task raised)."""
    if isinstance(exc, BrokenProcessPool | CancelledError):
        return True
    return any(cls.__name__ in _LOST_NAMES for cls in type(exc).__mro__)


def lost_result(
    meta: BronzeFileMetadata, file_id: int | None, exc: BaseException, *, group_size: int
) -> IngestionResult:
    """The ``failed`` result of a file whose group came back without results."""
    lost = is_worker_lost(exc)
    what = "the worker ingesting it was lost" if lost else "the worker ingesting it failed"
    return IngestionResult(
        status=INGEST_STATUS_FAILED,
        row_count=0,
        rows_written=0,
        rows_quarantined=0,
        file_id=file_id,
        failure_reason=reasons.WORKER_LOST if lost else reasons.WORKER_ERROR,
        error_message=(
            f"{meta.bronze_file_path}: {what} (a group of {group_size} file(s); "
            f"{describe(exc)}); nothing was recorded for it: a rerun completes it"
        ),
    )


def _manifest_failure(meta: BronzeFileMetadata, exc: Exception) -> IngestionResult:
    # the serial path's result when its manifest cannot be read (core._manifest_unavailable)
    return IngestionResult(
        status=INGEST_STATUS_FAILED,
        row_count=0,
        rows_written=0,
        rows_quarantined=0,
        failure_reason=reasons.MANIFEST_ERROR,
        error_message=f"{meta.bronze_file_path}: manifest unavailable ({describe(exc)})",
    )


def _skipped(file_id: int) -> IngestionResult:
    return IngestionResult(
        status=INGEST_STATUS_SUCCESS,
        row_count=0,
        rows_written=0,
        rows_quarantined=0,
        file_id=file_id,
        skipped=True,
    )


def ingest_on_executor(
    lake: Lake,
    described: Sequence[Described],
    *,
    executor: Executor,
    force: bool,
    dry_run: bool,
    on_result: OnResult | None,
) -> list[IngestionResult]:
    """Ingest the described files on ``executor`` (see the module docstring).

    Args:
        lake: the driver's lake (its manifest is read and written once here).
        described: per file in walk order, its metadata and, for a path that could not be
            described, its ``failed`` result.

    Raises:
        ValueError: a data type is not supported (nothing was written or sent).
    """
    results: list[IngestionResult | None] = [None] * len(described)

    def report(i: int, result: IngestionResult) -> None:
        results[i] = result
        if on_result is not None:
            on_result(described[i][0], result)

    good = [i for i, (_, failure) in enumerate(described) if failure is None]
    for i, (meta, _) in enumerate(described):
        if described[i][1] is None:
            route_table(meta.data_type)  # ValueError for an unsupported data type
    for i, (_, failure) in enumerate(described):
        if failure is not None:
            report(i, failure)
    if good:
        _run(lake, described, good, executor, force=force, dry_run=dry_run, report=report)
    return [r for r in results if r is not None]


def _run(
    lake: Lake,
    described: Sequence[Described],
    good: list[int],
    executor: Executor,
    *,
    force: bool,
    dry_run: bool,
    report: Callable[[int, IngestionResult], None],
) -> None:
    metas = [described[i][0] for i in good]
    store = lake.manifest_store
    try:
        pending = (
            None if force else {build_manifest_identity(m) for m in store.filter_pending(metas)}
        )
        done = [
            i
            for i, meta in zip(good, metas, strict=True)
            if pending is not None and build_manifest_identity(meta) not in pending
        ]
        skipped = set(done)
        work = [i for i in good if i not in skipped]
        groups = plan_groups(
            [described[i][0].file_size_bytes for i in work],
            stream_threshold_bytes=lake.stream_threshold_bytes,
            batch_files=lake.batch_files,
            batch_bytes=lake.batch_bytes,
            parallelism=parallelism_of(executor),
        )
        # ONE call in walk order: new identities get the ids of the serial path, and every
        # worker's manifest already knows them (a dry run writes nothing: skipped files only)
        known = done if dry_run else good
        ids = dict(
            zip(known, store.resolve_file_ids([described[i][0] for i in known]), strict=True)
        )
    except Exception as exc:
        for i in good:
            report(i, _manifest_failure(described[i][0], exc))
        return
    for i in done:
        report(i, _skipped(ids[i]))
    if not work:
        return
    spec = LakeSpec.of(lake)
    call = new_call_token()
    futures: dict[Future[list[IngestionResult]], list[int]] = {}

    def fail_group(indexes: list[int], exc: BaseException) -> None:
        for i in indexes:
            meta = described[i][0]
            report(i, lost_result(meta, ids.get(i), exc, group_size=len(indexes)))

    try:
        for group in groups:
            indexes = [work[g] for g in group]
            task = IngestTask(
                lake=spec,
                metas=tuple(described[i][0] for i in indexes),
                force=force,
                dry_run=dry_run,
                call=call,
            )
            try:
                futures[executor.submit(run_ingest_task, task)] = indexes
            except Exception as exc:  # a broken pool refuses new work; a task that won't pickle
                fail_group(indexes, exc)
        for future in as_completed(futures):
            indexes = futures[future]
            try:
                outcomes = future.result()
                if len(outcomes) != len(indexes):
                    raise RuntimeError(
                        f"the task returned {len(outcomes)} result(s) for {len(indexes)} file(s)"
                    )
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                fail_group(indexes, exc)
                continue
            for i, outcome in zip(indexes, outcomes, strict=True):
                report(i, outcome)
    finally:
        for future in futures:
            future.cancel()  # a no-op for finished ones; an interrupt stops the queued rest
