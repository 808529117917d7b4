"""What an archive import reports: one outcome per archive, and the Bronze files published."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pointline.errors import PointlineError
from pointline.v2 import reasons
from pointline.v2.models import BronzeFileMetadata

ArchiveStatus = Literal["success", "failed", "skipped"]

# Reasons an archive is skipped (nothing extracted, nothing recorded in the ledger).
SKIP_ALREADY_IMPORTED = reasons.ALREADY_IMPORTED
SKIP_NOT_INGESTED = reasons.NOT_INGESTED
SKIP_UNRECOGNISED_NAME = reasons.UNRECOGNISED_NAME

# Reasons an archive fails (recorded in the ledger; nothing of it is published).
FAIL_CORRUPT = reasons.CORRUPT_ARCHIVE
FAIL_UNSAFE_MEMBER = reasons.UNSAFE_MEMBER
FAIL_TOO_LARGE = reasons.TOO_LARGE
FAIL_NO_MEMBERS = reasons.NO_MEMBERS
FAIL_DUPLICATE_MEMBER = reasons.DUPLICATE_MEMBER


@dataclass(frozen=True)
class ArchiveOutcome:
    """What became of one ``.7z`` file found in the source directory.

    Attributes:
        name: the archive's file name.
        status: ``success`` (extracted and published now), ``failed`` (nothing of it
            published; see ``reason``) or ``skipped`` (not extracted: ``already_imported``,
            ``not_ingested`` for ``L1_new``, ``unrecognised_name``).
        reason: a stable code for ``failed``/``skipped``; None on success.
        message: human-readable detail for ``failed``/``skipped``.
        members: the archive members published (or, when already imported, published
            before), e.g. ``order_new_STK_SZ_20240102/000001.csv``.
        unexpected_members: members that are not ``<folder>/<6-digit symbol>.csv``; they are
            reported, never published.
        sha256: the archive's content hash (None when skipped for its name).
    """

    name: str
    status: ArchiveStatus
    reason: str | None = None
    message: str | None = None
    members: tuple[str, ...] = ()
    unexpected_members: tuple[str, ...] = ()
    sha256: str | None = None


@dataclass
class ImportReport:
    """The result of :func:`~pointline.v2.vendors.quant360.upstream.import_archives`.

    Attributes:
        files: one :class:`BronzeFileMetadata` per published member, of archives imported now
            and of archives already imported before (their files as they are on disk).
        archives: one outcome per ``.7z`` file, in name order.
    """

    files: list[BronzeFileMetadata] = field(default_factory=list)
    archives: list[ArchiveOutcome] = field(default_factory=list)

    def outcome(self, name: str) -> ArchiveOutcome:
        """The outcome of the archive called ``name`` (``KeyError`` lists the names)."""
        for archive in self.archives:
            if archive.name == name:
                return archive
        raise KeyError(f"no archive {name!r} in this report; archives: {self.names()}")

    def names(self) -> list[str]:
        """The archive names, in report order."""
        return [a.name for a in self.archives]


class ArchiveRejectedError(PointlineError):
    """An archive cannot be imported (corrupt, unsafe, too large, ...).

    Raised inside the import and turned into a ``failed`` outcome and ledger record; it does
    not escape :func:`import_archives`.
    """

    def __init__(self, message: str, *, reason: str, unexpected_members: tuple[str, ...] = ()):
        super().__init__(message)
        self.reason = reason
        self.unexpected_members = unexpected_members
