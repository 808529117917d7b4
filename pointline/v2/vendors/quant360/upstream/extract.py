"""Open a Quant360 archive, vet its listing, extract its symbol CSVs into a staging directory.

All py7zr/lzma errors are translated here, once, into
:class:`~pointline.v2.vendors.quant360.upstream.models.ArchiveRejectedError`: a corrupt or
truncated archive is ``corrupt_archive``. The listing is vetted before anything is written:
members that would land outside the destination (``../``, absolute or drive paths) and links
are ``unsafe_member``; a total uncompressed size above the limit is ``too_large`` (py7zr also
enforces the limit while extracting, in case the listing lies).
"""

from __future__ import annotations

import lzma
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import py7zr
import py7zr.exceptions

from pointline.v2.vendors.quant360.layout import ArchiveName
from pointline.v2.vendors.quant360.upstream.models import (
    FAIL_CORRUPT,
    FAIL_DUPLICATE_MEMBER,
    FAIL_NO_MEMBERS,
    FAIL_TOO_LARGE,
    FAIL_UNSAFE_MEMBER,
    ArchiveRejectedError,
)

_ARCHIVE_ERRORS = (
    py7zr.exceptions.ArchiveError,
    py7zr.exceptions.PasswordRequired,
    lzma.LZMAError,
    zlib.error,
    struct.error,
    EOFError,
)
_SHOWN = 5
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Member:
    """One symbol CSV inside the archive."""

    name: str
    symbol: str
    size_bytes: int


@dataclass(frozen=True)
class ArchivePlan:
    """What will be extracted from an archive, and what is reported instead."""

    members: tuple[Member, ...]
    unexpected_members: tuple[str, ...]
    total_bytes: int


def _is_unsafe(name: str, *, is_symlink: bool, is_regular: bool, is_directory: bool) -> bool:
    posix = name.replace("\\", "/")
    return (
        is_symlink
        or not (is_regular or is_directory)
        or not posix
        or "\x00" in posix
        or posix.startswith("/")
        or bool(_DRIVE.match(posix))
        or ".." in PurePosixPath(posix).parts
    )


def _listing(path: Path) -> list[py7zr.FileInfo]:
    try:
        with py7zr.SevenZipFile(path, mode="r") as archive:
            return list(archive.list())
    except _ARCHIVE_ERRORS as exc:
        raise ArchiveRejectedError(
            f"{path.name}: cannot read the archive ({type(exc).__name__}: {exc})",
            reason=FAIL_CORRUPT,
        ) from exc


def plan_archive(path: Path, name: ArchiveName, *, max_uncompressed_bytes: int) -> ArchivePlan:
    """Vet the archive's listing and decide which members to extract.

    Members named ``<archive stem>/<6-digit symbol>.csv`` are extracted; the folder entry
    itself is expected; everything else is reported as unexpected (not guessed at).

    Raises:
        ArchiveRejectedError: ``corrupt_archive``, ``unsafe_member``, ``too_large``,
            ``duplicate_member`` or ``no_members``.
    """
    infos = _listing(path)
    unsafe = [
        info.filename
        for info in infos
        if _is_unsafe(
            info.filename,
            is_symlink=bool(info.is_symlink),
            is_regular=bool(info.is_file),
            is_directory=bool(info.is_directory),
        )
    ]
    if unsafe:
        raise ArchiveRejectedError(
            f"{path.name}: {len(unsafe)} member(s) would be written outside the destination or "
            f"are links/special files: {unsafe[:_SHOWN]}; nothing was extracted",
            reason=FAIL_UNSAFE_MEMBER,
        )
    total = sum(int(info.uncompressed or 0) for info in infos if not info.is_directory)
    if total > max_uncompressed_bytes:
        raise ArchiveRejectedError(
            f"{path.name}: {total} bytes uncompressed exceed the limit of "
            f"{max_uncompressed_bytes} bytes (max_uncompressed_bytes); nothing was extracted",
            reason=FAIL_TOO_LARGE,
        )
    member_pattern = re.compile(rf"^{re.escape(name.stem)}/(\d{{6}})\.csv$")
    members: dict[str, Member] = {}
    unexpected: list[str] = []
    duplicated: list[str] = []
    for info in infos:
        if info.is_directory:
            if info.filename.rstrip("/") != name.stem:
                unexpected.append(info.filename)
            continue
        match = member_pattern.match(info.filename)
        if match is None:
            unexpected.append(info.filename)
        elif info.filename in members:
            duplicated.append(info.filename)
        else:
            members[info.filename] = Member(
                name=info.filename, symbol=match[1], size_bytes=int(info.uncompressed or 0)
            )
    if duplicated:
        raise ArchiveRejectedError(
            f"{path.name}: member(s) {duplicated[:_SHOWN]} appear more than once",
            reason=FAIL_DUPLICATE_MEMBER,
            unexpected_members=tuple(unexpected),
        )
    if not members:
        raise ArchiveRejectedError(
            f"{path.name}: no member named {name.stem}/<6-digit symbol>.csv"
            + (f"; found {unexpected[:_SHOWN]}" if unexpected else " (the archive is empty)"),
            reason=FAIL_NO_MEMBERS,
            unexpected_members=tuple(unexpected),
        )
    return ArchivePlan(
        members=tuple(sorted(members.values(), key=lambda m: m.symbol)),
        unexpected_members=tuple(unexpected),
        total_bytes=total,
    )


def extract_members(
    path: Path, plan: ArchivePlan, staging: Path, *, max_uncompressed_bytes: int
) -> None:
    """Extract the planned members into ``staging`` in one pass, then check each one's size
    against the listing.

    Raises:
        ArchiveRejectedError: ``corrupt_archive`` (bad data, CRC mismatch, short member) or
            ``too_large`` (more data than the limit while extracting).
    """
    try:
        with py7zr.SevenZipFile(path, mode="r", max_extract_size=max_uncompressed_bytes) as archive:
            if plan.unexpected_members:
                archive.extract(path=staging, targets=[m.name for m in plan.members])
            else:
                archive.extractall(path=staging)
    except py7zr.exceptions.DecompressionBombError as exc:
        raise ArchiveRejectedError(f"{path.name}: {exc}", reason=FAIL_TOO_LARGE) from exc
    except _ARCHIVE_ERRORS as exc:
        raise ArchiveRejectedError(
            f"{path.name}: extraction failed ({type(exc).__name__}: {exc}); nothing was published",
            reason=FAIL_CORRUPT,
        ) from exc
    for member in plan.members:
        staged = staging / member.name
        size = staged.stat().st_size if staged.is_file() and not staged.is_symlink() else None
        if size != member.size_bytes:
            raise ArchiveRejectedError(
                f"{path.name}: member {member.name} extracted to {size} bytes, the listing says "
                f"{member.size_bytes}; nothing was published",
                reason=FAIL_CORRUPT,
            )
