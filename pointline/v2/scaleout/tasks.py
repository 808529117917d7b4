"""What goes over the wire to an executor, and what runs in the worker.

A task is plain, picklable data: where the lake is (:class:`LakeSpec`: the root as a string,
the object-store options, the ``Lake`` settings that change what a worker does) and the work
(a group of :class:`~pointline.v2.models.BronzeFileMetadata`, or one archive path). Never a
live store, lock or table handle: the worker opens the lake itself, once per process and
thread (the ``Lake`` is cached per :class:`LakeSpec`, so its stores keep their Delta snapshots
warm from one task to the next), and does all of the group's work there: parse, prepare,
write the Parquet files and commit (``Lake._ingest_batch``, the one pipeline).

The functions here are module-level so that every executor can send them by reference
(``pickle`` by qualified name): the worker needs ``pointline`` installed, nothing else.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pointline.v2.models import BronzeFileMetadata, IngestionResult

if TYPE_CHECKING:
    from pointline.v2.lake import Lake
    from pointline.v2.vendors.quant360.upstream.models import ArchiveOutcome


@dataclass(frozen=True)
class LakeSpec:
    """How a worker opens the driver's lake.

    Attributes:
        root: the lake root: an absolute local path, or a URL (``s3://bucket/prefix``).
        storage_options: the object-store options as sorted ``(key, value)`` pairs (hashable);
            None for a local lake.
        settings: the ``Lake`` keyword arguments that matter in a worker, as sorted pairs.
    """

    root: str
    storage_options: tuple[tuple[str, str], ...] | None
    settings: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, lake: Lake) -> LakeSpec:
        """The spec of ``lake`` (a local root is made absolute: workers may run elsewhere)."""
        options: Mapping[str, str] | None = getattr(lake, "storage_options", None)
        root = str(lake.root)
        if "://" not in root:
            root = str(Path(root).resolve())
        settings = {
            "chunk_rows": lake.chunk_rows,
            "stream_threshold_bytes": lake.stream_threshold_bytes,
            "batch_files": lake.batch_files,
            "batch_bytes": lake.batch_bytes,
            "workers": lake.workers,
            "max_uncompressed_bytes": lake.max_uncompressed_bytes,
        }
        return cls(
            root=root,
            storage_options=None if options is None else tuple(sorted(options.items())),
            settings=tuple(sorted(settings.items())),
        )

    def open(self) -> Lake:
        """A new ``Lake`` with these settings."""
        from pointline.v2.lake import Lake

        kwargs: dict[str, Any] = dict(self.settings)
        if self.storage_options is not None:
            kwargs["storage_options"] = dict(self.storage_options)
        return Lake(self.root, **kwargs)


def new_call_token() -> str:
    """A token unique to one driver call, carried by each of its tasks: an executor that
    caches results by their arguments (Dask's default ``pure=True`` gives equal arguments the
    same key) must run every call anew, not hand back an earlier call's results."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class IngestTask:
    """One group of files to ingest, with the call's flags."""

    lake: LakeSpec
    metas: tuple[BronzeFileMetadata, ...]
    force: bool
    dry_run: bool
    call: str = field(default_factory=new_call_token)


@dataclass(frozen=True)
class ArchiveTask:
    """One Quant360 archive to extract and publish into the lake's Bronze root."""

    lake: LakeSpec
    archive: str
    call: str = field(default_factory=new_call_token)


# One Lake per spec and thread: tasks of a thread pool (or of a Dask worker with several
# threads) never share a store between threads; each has its own locks and snapshots.
_LOCAL = threading.local()


def _lakes() -> dict[LakeSpec, Lake]:
    lakes: dict[LakeSpec, Lake] | None = getattr(_LOCAL, "lakes", None)
    if lakes is None:
        lakes = _LOCAL.lakes = {}
    return lakes


def _lake_for(spec: LakeSpec) -> Lake:
    """This thread's ``Lake`` for ``spec`` (opened on first use)."""
    lakes = _lakes()
    lake = lakes.get(spec)
    if lake is None:
        lake = lakes[spec] = spec.open()
    return lake


def _forget(spec: LakeSpec) -> None:
    """Drop the cached ``Lake`` (after a task failed in a way that may have left it unusable)."""
    _lakes().pop(spec, None)


def run_ingest_task(task: IngestTask) -> list[IngestionResult]:
    """Ingest the task's group in this process: one result per meta, in order.

    dim_symbol is read here (once per group), not sent: it is as current as the serial path's.
    """
    lake = _lake_for(task.lake)
    try:
        return lake._ingest_batch(
            list(task.metas), dim=None, force=task.force, dry_run=task.dry_run
        )
    except BaseException:
        _forget(task.lake)
        raise


def run_archive_task(task: ArchiveTask) -> tuple[ArchiveOutcome, list[BronzeFileMetadata]]:
    """Import one archive in this process (skipped when the ledger says it is done)."""
    from pointline.v2.vendors.quant360.upstream.importer import import_archive

    return import_archive(Path(task.archive), _lake_for(task.lake).bronze_root)
