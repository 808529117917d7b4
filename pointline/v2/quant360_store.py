"""Quant360 archives imported into the Bronze of a lake on an object store.

The archives (``.7z``) stay local; their per-symbol ``.csv.gz`` files go to
``<root>/bronze/quant360/...`` on the store. Per archive, in name order:

1. its name is parsed and the archive hashed; the store's ledger
   (``<root>/bronze/quant360/_ledger/<archive>.<sha256>.json``, the record format of the local
   ledger) is read: a ``success`` record whose objects are all still on the store with their
   recorded size and modification time means "skip" (its files are reported again);
2. otherwise the archive is imported by the local importer
   (:func:`~pointline.v2.vendors.quant360.upstream.importer.import_archive`) into a local
   staging Bronze root of its own (a temporary directory, ``$POINTLINE_STAGING_DIR`` or the
   system's), every published file is uploaded to the same relative path on the store (an
   object appears whole or not at all), and the ``success`` record is put on the store last;
   the staging directory is removed whatever happens.

So a run killed at any point leaves whole objects and no record: the next run imports that
archive again and uploads byte-identical files (the gzip is deterministic), which ingest as
skips when already ingested. A rejected archive gets a ``failed`` record and uploads nothing.
Two imports of one archive at once upload the same bytes (no lock is needed on a store).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING

from pointline.v2.bronze import sha256_of
from pointline.v2.bronze_store import staging_dir
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.storage.store_path import StorePath
from pointline.v2.vendors.quant360.layout import (
    NOT_INGESTED,
    VENDOR,
    ArchiveName,
    parse_archive_name,
)
from pointline.v2.vendors.quant360.upstream import discover_archives
from pointline.v2.vendors.quant360.upstream.importer import (
    import_archive,
    published_metadata,
    reused_outcome,
)
from pointline.v2.vendors.quant360.upstream.ledger import LEDGER_DIR, LedgerMember, LedgerRecord
from pointline.v2.vendors.quant360.upstream.models import (
    ArchiveOutcome,
    ImportReport,
)

if TYPE_CHECKING:
    from pointline.v2.lake import Lake
    from pointline.v2.scaleout.tasks import LakeSpec

__all__ = ["import_archive_to_store", "import_to_store"]

STAGING_PREFIX = "pointline-quant360-"
"""The name prefix of an archive's local staging Bronze root."""

OnPublished = Callable[[BronzeFileMetadata], None]
Outcome = tuple[ArchiveOutcome, list[BronzeFileMetadata]]


def _ledger_key(archive: str, sha256: str) -> str:
    return f"{VENDOR}/{LEDGER_DIR}/{archive}.{sha256}.json"


def _read_record(bronze: StorePath, archive: str, sha256: str) -> LedgerRecord | None:
    """The store's ledger record (None when absent or undecodable: imported again)."""
    try:
        text = bronze.read(_ledger_key(archive, sha256)).decode("utf-8")
    except FileNotFoundError:
        return None
    try:
        return LedgerRecord.from_json(text)
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        return None


def _object_stamp(bronze: StorePath, relative: str) -> tuple[int, int] | None:
    """(size, last modified µs) of the object at ``relative`` below ``bronze``."""
    import obstore

    try:
        head = obstore.head(bronze.store(), f"{bronze.key}/{relative}")
    except FileNotFoundError:
        return None
    return int(head["size"]), int(head["last_modified"].timestamp() * 1_000_000)


def _still_published(bronze: StorePath, record: LedgerRecord) -> bool:
    return all(
        _object_stamp(bronze, m.bronze_file_path) == (m.file_size_bytes, m.last_modified_ts)
        for m in record.members
    )


def _metadata(bronze: StorePath, name: ArchiveName, member: LedgerMember) -> BronzeFileMetadata:
    """The published object as the local importer describes a published file (its URL as
    ``extra["path"]``)."""
    return published_metadata(name, member, f"{bronze.url}/{member.bronze_file_path}")


def _upload(
    bronze: StorePath, staged_root: Path, member: str, meta: BronzeFileMetadata
) -> LedgerMember:
    """Upload one staged file (streamed; multipart when large) and record it as stored."""
    import obstore

    relative = meta.bronze_file_path
    obstore.put(bronze.store(), f"{bronze.key}/{relative}", staged_root / relative)
    stamp = _object_stamp(bronze, relative)
    if stamp is None:  # pragma: no cover - a store that loses a completed put
        raise OSError(f"{bronze.url}/{relative}: uploaded but not found on the store")
    return LedgerMember(
        member=member,
        symbol=str((meta.extra or {})["symbol"]),
        bronze_file_path=relative,
        sha256=meta.sha256,
        file_size_bytes=stamp[0],
        last_modified_ts=stamp[1],
    )


def import_archive_to_store(
    archive: str | Path, bronze: StorePath, *, on_published: OnPublished | None = None
) -> Outcome:
    """Import one archive into the Bronze root ``bronze`` on a store (see the module
    docstring): its outcome and the metadata of its files on the store."""
    archive = Path(archive)
    name = parse_archive_name(archive.name)
    sha256 = None
    if name is not None and name.data_type not in NOT_INGESTED:
        sha256 = sha256_of(archive)
        record = _read_record(bronze, archive.name, sha256)
        if record is not None and record.status == "success" and _still_published(bronze, record):
            outcome = reused_outcome(archive.name, sha256, record)
            return outcome, [_metadata(bronze, name, m) for m in record.members]
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=staging_dir()) as staging:
        outcome, files = import_archive(archive, staging)
        if name is None or outcome.sha256 is None:
            return outcome, []  # skipped for its name or type: nothing recorded
        if outcome.status != "success":
            record = LedgerRecord(
                archive=archive.name,
                archive_sha256=outcome.sha256,
                status="failed",
                reason=outcome.reason,
                message=outcome.message,
                unexpected_members=outcome.unexpected_members,
            )
            bronze.put(_ledger_key(archive.name, outcome.sha256), record.to_json().encode())
            return outcome, []
        members: list[LedgerMember] = []
        published: list[BronzeFileMetadata] = []
        for member_name, meta in zip(outcome.members, files, strict=True):
            member = _upload(bronze, Path(staging), member_name, meta)
            members.append(member)
            stored = _metadata(bronze, name, member)
            published.append(stored)
            if on_published is not None:
                on_published(stored)
    record = LedgerRecord(
        archive=archive.name,
        archive_sha256=outcome.sha256,
        status="success",
        members=tuple(members),
        unexpected_members=outcome.unexpected_members,
    )
    bronze.put(_ledger_key(archive.name, outcome.sha256), record.to_json().encode())
    return outcome, published


def run_archive_to_store_task(spec: LakeSpec, archive: str) -> Outcome:
    """One archive imported in a worker (the lake opened from ``spec``)."""
    bronze = spec.open().bronze_root
    assert isinstance(bronze, StorePath)
    return import_archive_to_store(archive, bronze)


def import_to_store(
    lake: Lake,
    source_dir: str | Path,
    *,
    on_published: OnPublished | None = None,
    executor: Executor | None = None,
) -> ImportReport:
    """Every Quant360 archive of ``source_dir`` into the Bronze of ``lake`` (on a store).

    With ``executor``, one archive per task (the worker needs ``source_dir`` at the same
    path); ``on_published`` is then called here as each archive's task completes. The
    report equals the serial one.

    Raises:
        NotADirectoryError: ``source_dir`` is not a directory.
        Exception: what an archive's import raised (e.g. a store error), after the others.
    """
    bronze = lake.bronze_root
    if not isinstance(bronze, StorePath):
        raise ValueError(f"{lake.root}: not a lake on an object store")
    archives = discover_archives(Path(source_dir))
    report = ImportReport()
    if executor is None:
        for path in archives:
            outcome, files = import_archive_to_store(path, bronze, on_published=on_published)
            report.archives.append(outcome)
            report.files.extend(files)
        return report
    from pointline.v2.scaleout.tasks import LakeSpec

    spec = LakeSpec.of(lake)
    futures: list[Future[Outcome]] = [
        executor.submit(run_archive_to_store_task, spec, str(p.resolve())) for p in archives
    ]
    done: list[Outcome | None] = [None] * len(futures)
    errors: list[BaseException] = []
    for n, future in enumerate(futures):
        try:
            done[n] = future.result()
        except Exception as exc:
            errors.append(exc)
            continue
        if on_published is not None:
            for meta in done[n][1]:  # type: ignore[index]
                on_published(meta)
    if errors:
        raise errors[0]
    for outcome_files in done:
        assert outcome_files is not None
        report.archives.append(outcome_files[0])
        report.files.extend(outcome_files[1])
    return report
