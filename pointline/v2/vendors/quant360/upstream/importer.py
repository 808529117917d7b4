"""Import Quant360 ``.7z`` archives into the Bronze layout, exactly once and restart-safe.

Per archive, in name order: parse its name (``<type>_<market>_<SH|SZ>_<YYYYMMDD>.7z``), hash
it, and look it up in the ledger by (name, sha256). A ``success`` record whose files are still
on disk unchanged means "skip": its files are reported again without extracting. Otherwise
the archive is imported from scratch: listing vetted, every symbol CSV extracted into
``<bronze_root>/quant360/_staging/<archive>/attempt-<id>/`` and gzipped beside it while the
extraction goes on, checked, and only then published one gzip file at a time (atomic rename);
the ``success`` record is written last.
A rejected archive gets a ``failed`` record and publishes nothing; the next archive goes
on. A run killed at any point leaves whole files only and no ``success`` record, so the
next run redoes that archive and republishes byte-identical files.

One import runs at a time per Bronze root (a file lock under ``_ledger``).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from filelock import FileLock

from pointline.v2.bronze import sha256_of
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.vendors.quant360.layout import (
    ARCHIVE_PATTERN_TEXT,
    NOT_INGESTED,
    VENDOR,
    ArchiveName,
    bronze_relpath,
    parse_archive_name,
)
from pointline.v2.vendors.quant360.upstream.extract import (
    ArchivePlan,
    extract_members,
    plan_archive,
    resolve_extractor,
)
from pointline.v2.vendors.quant360.upstream.ledger import (
    LEDGER_DIR,
    Ledger,
    LedgerMember,
    LedgerRecord,
)
from pointline.v2.vendors.quant360.upstream.models import (
    SKIP_ALREADY_IMPORTED,
    SKIP_NOT_INGESTED,
    SKIP_UNRECOGNISED_NAME,
    ArchiveOutcome,
    ArchiveRejectedError,
    ImportReport,
)
from pointline.v2.vendors.quant360.upstream.publish import PackedFile, pack_gzip, place

DEFAULT_MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
"""Default decompression-bomb guard: 8 GiB uncompressed per archive."""

DEFAULT_WORKERS = 2
"""Members gzipped and written in parallel, while the extraction goes on (zlib and fsync
release the GIL; the extractor is a subprocess or py7zr's C decompression)."""

STAGING_DIR = "_staging"

_POLL_SECONDS = 0.002
"""How often the staging area is looked at while the extractor writes the next member."""

OnPublished = Callable[[BronzeFileMetadata], None]


def discover_archives(source_dir: Path) -> list[Path]:
    """The ``.7z`` files directly in ``source_dir``, in name order (sub-directories are not
    searched).

    Raises:
        NotADirectoryError: ``source_dir`` is not a directory.
    """
    if not source_dir.is_dir():
        raise NotADirectoryError(f"archive source directory not found: {source_dir}")
    return sorted(
        (p for p in source_dir.iterdir() if p.suffix.lower() == ".7z" and p.is_file()),
        key=lambda p: p.name,
    )


def _metadata(bronze_root: Path, name: ArchiveName, member: LedgerMember) -> BronzeFileMetadata:
    return published_metadata(name, member, str((bronze_root / member.bronze_file_path).resolve()))


def reused_outcome(archive: str, sha256: str, record: LedgerRecord) -> ArchiveOutcome:
    """The outcome of an archive imported before whose files are still published."""
    return ArchiveOutcome(
        name=archive,
        status="skipped",
        reason=SKIP_ALREADY_IMPORTED,
        message=f"{archive}: imported before (sha256 {sha256}); files reused",
        members=tuple(m.member for m in record.members),
        unexpected_members=record.unexpected_members,
        sha256=sha256,
    )


def published_metadata(name: ArchiveName, member: LedgerMember, path: str) -> BronzeFileMetadata:
    """The metadata of a file published from archive ``name``, found at ``path`` (a local
    path, or the URL of the object on a lake's store)."""
    return BronzeFileMetadata(
        vendor=VENDOR,
        data_type=name.data_type,
        bronze_file_path=member.bronze_file_path,
        file_size_bytes=member.file_size_bytes,
        last_modified_ts=member.last_modified_ts,
        sha256=member.sha256,
        date=name.date,
        extra={
            "exchange": name.exchange,
            "symbol": member.symbol,
            "market": name.market,
            "archive": name.name,
            "path": path,
        },
    )


def _still_published(bronze_root: Path, record: LedgerRecord) -> bool:
    """Whether every file of a success record is on disk with its recorded size and mtime."""
    for member in record.members:
        path = bronze_root / member.bronze_file_path
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        if stat.st_size != member.file_size_bytes or (
            stat.st_mtime_ns // 1_000 != member.last_modified_ts
        ):
            return False
    return True


class _ArchiveImport:
    """Import one archive whose name parsed (see the module docstring)."""

    def __init__(
        self,
        *,
        path: Path,
        name: ArchiveName,
        sha256: str,
        bronze_root: Path,
        ledger: Ledger,
        max_uncompressed_bytes: int,
        workers: int,
        on_published: OnPublished | None,
        program: str | None = None,
    ):
        self.program = program
        self.path = path
        self.name = name
        self.sha256 = sha256
        self.bronze_root = bronze_root
        self.ledger = ledger
        self.max_uncompressed_bytes = max_uncompressed_bytes
        self.workers = workers
        self.on_published = on_published
        self.staging_root = bronze_root / VENDOR / STAGING_DIR / name.name
        # one directory per attempt: a 7z process left running by a killed earlier attempt
        # can never write into the files this attempt checks and publishes
        self.staging = self.staging_root / f"attempt-{os.getpid()}-{uuid.uuid4().hex[:12]}"

    def run(self) -> tuple[ArchiveOutcome, list[BronzeFileMetadata]]:
        shutil.rmtree(self.staging_root, ignore_errors=True)
        try:
            plan = plan_archive(
                self.path, self.name, max_uncompressed_bytes=self.max_uncompressed_bytes
            )
            members = self._publish(plan, self._extract_and_pack(plan))
        except ArchiveRejectedError as exc:
            self.ledger.put(
                LedgerRecord(
                    archive=self.name.name,
                    archive_sha256=self.sha256,
                    status="failed",
                    reason=exc.reason,
                    message=str(exc),
                    unexpected_members=exc.unexpected_members,
                )
            )
            outcome = ArchiveOutcome(
                name=self.name.name,
                status="failed",
                reason=exc.reason,
                message=str(exc),
                unexpected_members=exc.unexpected_members,
                sha256=self.sha256,
            )
            return outcome, []
        finally:
            shutil.rmtree(self.staging_root, ignore_errors=True)
        self.ledger.put(
            LedgerRecord(
                archive=self.name.name,
                archive_sha256=self.sha256,
                status="success",
                members=tuple(members),
                unexpected_members=plan.unexpected_members,
            )
        )
        outcome = ArchiveOutcome(
            name=self.name.name,
            status="success",
            members=tuple(m.member for m in members),
            unexpected_members=plan.unexpected_members,
            sha256=self.sha256,
        )
        return outcome, [_metadata(self.bronze_root, self.name, m) for m in members]

    def _extract_and_pack(self, plan: ArchivePlan) -> dict[str, PackedFile]:
        """Extract the archive and gzip its members into the staging area, each member as
        soon as the extractor has moved on to the next one (extractors write members one at
        a time, in archive order), while the extraction goes on. Nothing is published here.

        Raises:
            ArchiveRejectedError: what the extraction found (the packed files are dropped
                with the staging area).
        """
        packed_dir = self.staging.with_name(f"{self.staging.name}-gz")
        order = plan.archive_order
        targets = {name: packed_dir / f"{n:07d}.csv.gz" for n, name in enumerate(order)}
        packing: dict[str, Future[PackedFile]] = {}
        with ThreadPoolExecutor(max_workers=self.workers + 1) as pool:
            extraction = pool.submit(
                extract_members,
                self.path,
                plan,
                self.staging,
                max_uncompressed_bytes=self.max_uncompressed_bytes,
                program=self.program,
            )
            try:
                for n, name in enumerate(order):
                    following = self.staging / order[n + 1] if n + 1 < len(order) else None
                    while not extraction.done() and (following is None or not following.exists()):
                        time.sleep(_POLL_SECONDS)
                    if extraction.done() and extraction.exception() is not None:
                        break
                    packing[name] = pool.submit(pack_gzip, self.staging / name, targets[name])
                extraction.result()
            except BaseException:
                for future in packing.values():
                    future.cancel()
                raise
            # the extraction is complete and checked: a member read before its extractor had
            # finished it (or never submitted) is packed again now
            packed: dict[str, PackedFile] = {}
            for name in order:
                future = packing.get(name)
                done = future.result() if future is not None else None
                if done is None or not done.is_current():
                    done = pack_gzip(self.staging / name, targets[name])
                packed[name] = done
        return packed

    def _publish(self, plan: ArchivePlan, packed: dict[str, PackedFile]) -> list[LedgerMember]:
        """Publish every planned member (an atomic rename each), in symbol order."""
        published: list[LedgerMember] = []
        for member in plan.members:
            relpath = bronze_relpath(
                exchange=self.name.exchange,
                data_type=self.name.data_type,
                date=self.name.date,
                symbol=member.symbol,
            )
            done = place(packed[member.name], self.bronze_root / relpath)
            entry = LedgerMember(
                member=member.name,
                symbol=member.symbol,
                bronze_file_path=relpath,
                sha256=done.sha256,
                file_size_bytes=done.size_bytes,
                last_modified_ts=done.last_modified_us,
            )
            published.append(entry)
            if self.on_published is not None:
                self.on_published(_metadata(self.bronze_root, self.name, entry))
        return published


def import_archives(
    source_dir: str | Path,
    bronze_root: str | Path,
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    workers: int = DEFAULT_WORKERS,
    on_published: OnPublished | None = None,
    extractor: str = "auto",
) -> ImportReport:
    """Publish every Quant360 archive in ``source_dir`` as per-symbol Bronze files.

    Each member ``<archive stem>/<symbol>.csv`` becomes
    ``<bronze_root>/quant360/exchange=<e>/type=<t>/date=<YYYY-MM-DD>/symbol=<s>/<s>.csv.gz``
    (deterministic gzip: the same archive always gives byte-identical files). Safe to rerun
    and to kill: finished archives are skipped, failed or interrupted ones are redone.

    Args:
        source_dir: directory holding the ``.7z`` files (not searched recursively).
        bronze_root: the Bronze root (``<lake>/bronze``).
        max_uncompressed_bytes: an archive whose members add up to more is ``failed`` with
            reason ``too_large`` before anything is extracted.
        workers: members compressed and written in parallel.
        on_published: called after each member's file is in place (progress, tests).
        extractor: ``"auto"`` (the ``7z`` program when installed, else py7zr), ``"py7zr"`` or
            ``"7z"``; both give byte-identical Bronze files.

    Returns:
        The report: ``files`` (one metadata per published member, including those of archives
        imported by an earlier run) and ``archives`` (one outcome per ``.7z`` file).

    Raises:
        NotADirectoryError: ``source_dir`` is not a directory.
        ValueError: ``max_uncompressed_bytes`` or ``workers`` is below 1, an unknown
            ``extractor``, or ``"7z"`` without the program installed.
        OSError: writing to the Bronze root failed (nothing half-written is left behind;
            rerun to finish).
    """
    if max_uncompressed_bytes < 1:
        raise ValueError(f"max_uncompressed_bytes must be >= 1, got {max_uncompressed_bytes}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    program = resolve_extractor(extractor)
    source_dir, bronze_root = Path(source_dir), Path(bronze_root)
    archives = discover_archives(source_dir)
    ledger_dir = bronze_root / VENDOR / LEDGER_DIR
    ledger_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(ledger_dir)
    report = ImportReport()
    with FileLock(ledger_dir / ".import.lock"):
        for path in archives:
            outcome, files = _import_or_skip(
                path,
                bronze_root=bronze_root,
                ledger=ledger,
                max_uncompressed_bytes=max_uncompressed_bytes,
                workers=workers,
                on_published=on_published,
                program=program,
            )
            report.archives.append(outcome)
            report.files.extend(files)
    return report


def _import_or_skip(
    path: Path,
    *,
    bronze_root: Path,
    ledger: Ledger,
    max_uncompressed_bytes: int,
    workers: int,
    on_published: OnPublished | None,
    program: str | None,
) -> tuple[ArchiveOutcome, list[BronzeFileMetadata]]:
    name = parse_archive_name(path.name)
    if name is None:
        return (
            ArchiveOutcome(
                name=path.name,
                status="skipped",
                reason=SKIP_UNRECOGNISED_NAME,
                message=f"{path.name}: not a Quant360 archive name {ARCHIVE_PATTERN_TEXT}",
            ),
            [],
        )
    if name.data_type in NOT_INGESTED:
        return (
            ArchiveOutcome(
                name=path.name,
                status="skipped",
                reason=SKIP_NOT_INGESTED,
                message=f"{path.name}: {name.data_type} archives are not ingested",
            ),
            [],
        )
    sha256 = sha256_of(path)
    record = ledger.get(path.name, sha256)
    if record is not None and record.status == "success" and _still_published(bronze_root, record):
        outcome = reused_outcome(path.name, sha256, record)
        return outcome, [_metadata(bronze_root, name, m) for m in record.members]
    return _ArchiveImport(
        path=path,
        name=name,
        sha256=sha256,
        bronze_root=bronze_root,
        ledger=ledger,
        max_uncompressed_bytes=max_uncompressed_bytes,
        workers=workers,
        on_published=on_published,
        program=program,
    ).run()


def import_archive(
    path: str | Path,
    bronze_root: str | Path,
    *,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    workers: int = DEFAULT_WORKERS,
    on_published: OnPublished | None = None,
    extractor: str = "auto",
) -> tuple[ArchiveOutcome, list[BronzeFileMetadata]]:
    """One archive exactly as :func:`import_archives` does it (skipped when the ledger says it
    is done), under a lock of that archive alone, so that archives can be imported by many
    processes at once (``Lake.import_quant360_archives(..., executor=...)``); the caller holds
    the Bronze root's import lock while they run.

    Returns:
        The archive's outcome and the metadata of its published files.
    """
    program = resolve_extractor(extractor)
    path, bronze_root = Path(path), Path(bronze_root)
    ledger_dir = bronze_root / VENDOR / LEDGER_DIR
    ledger_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(ledger_dir / f".{path.name}.lock"):
        return _import_or_skip(
            path,
            bronze_root=bronze_root,
            ledger=Ledger(ledger_dir),
            max_uncompressed_bytes=max_uncompressed_bytes,
            workers=workers,
            on_published=on_published,
            program=program,
        )
