"""``Lake.import_quant360(..., executor=...)``: one archive per task, the report of the serial
import.

The driver finds the archives (name order), takes the Bronze root's import lock (the one
:func:`~pointline.v2.vendors.quant360.upstream.import_archives` takes, so a serial import and a
parallel one never overlap), and submits one
:class:`~pointline.v2.scaleout.tasks.ArchiveTask` per archive. Each worker runs
:func:`~pointline.v2.vendors.quant360.upstream.importer.import_archive`: the ledger check (an
archive already imported is skipped), extraction into a staging directory of its own, the
atomic publication of every member, the ledger record last. The outcomes and files are put
back in name order, so the report equals the serial one.

A task that comes back without an outcome because its worker was lost gives that archive a
``failed`` outcome with reason ``worker_lost`` (no ledger record was written, so the next run
imports it again); any other exception of a task is raised once every task has finished (the
serial import raises it too), the first in name order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from pointline.v2 import reasons
from pointline.v2.ingestion.core import describe
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.scaleout.driver import is_worker_lost
from pointline.v2.scaleout.tasks import ArchiveTask, LakeSpec, new_call_token, run_archive_task
from pointline.v2.vendors.quant360.layout import VENDOR
from pointline.v2.vendors.quant360.upstream import discover_archives
from pointline.v2.vendors.quant360.upstream.ledger import LEDGER_DIR
from pointline.v2.vendors.quant360.upstream.models import ArchiveOutcome, ImportReport

if TYPE_CHECKING:
    from pointline.v2.lake import Lake

IMPORT_LOCK = ".import.lock"
"""The lock file (in the ledger directory) ``import_archives`` holds for a whole import."""

Outcome = tuple[ArchiveOutcome, list[BronzeFileMetadata]]


def import_on_executor(
    lake: Lake,
    source_dir: str | Path,
    *,
    executor: Executor,
    on_published: Callable[[BronzeFileMetadata], None] | None = None,
) -> ImportReport:
    """Import every archive of ``source_dir`` into ``lake``'s Bronze root on ``executor``.

    ``on_published`` is called in this process for each file of an archive as its task
    completes.

    Raises:
        NotADirectoryError: ``source_dir`` is not a directory.
        Exception: what a task raised (e.g. ``OSError`` writing the Bronze root), after the
            other tasks finished.
    """
    archives = discover_archives(Path(source_dir))
    ledger_dir = lake.bronze_root / VENDOR / LEDGER_DIR
    ledger_dir.mkdir(parents=True, exist_ok=True)
    spec = LakeSpec.of(lake)
    call = new_call_token()
    done: dict[int, Outcome] = {}
    errors: dict[int, BaseException] = {}
    with FileLock(ledger_dir / IMPORT_LOCK):
        futures: dict[Future[Outcome], int] = {}
        try:
            for n, path in enumerate(archives):
                task = ArchiveTask(lake=spec, archive=str(path.resolve()), call=call)
                futures[executor.submit(run_archive_task, task)] = n
            for future in as_completed(futures):
                n = futures[future]
                try:
                    done[n] = future.result()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:
                    if not is_worker_lost(exc):
                        errors[n] = exc
                        continue
                    done[n] = (_lost(archives[n].name, exc), [])
                if on_published is not None:
                    for meta in done[n][1]:
                        on_published(meta)
        finally:
            for future in futures:
                future.cancel()
    if errors:
        raise errors[min(errors)]
    report = ImportReport()
    for n in range(len(archives)):
        outcome, files = done[n]
        report.archives.append(outcome)
        report.files.extend(files)
    return report


def _lost(name: str, exc: BaseException) -> ArchiveOutcome:
    return ArchiveOutcome(
        name=name,
        status="failed",
        reason=reasons.WORKER_LOST,
        message=(
            f"{name}: the worker importing it was lost ({describe(exc)}); nothing was "
            "recorded for it: a rerun imports it again"
        ),
    )
