"""Open a Quant360 archive, vet its listing, extract its symbol CSVs into a staging directory.

All py7zr/lzma errors are translated here, once, into
:class:`~pointline.v2.vendors.quant360.upstream.models.ArchiveRejectedError`: a corrupt or
truncated archive is ``corrupt_archive``. The listing is vetted before anything is written:
members that would land outside the destination (``../``, absolute or drive paths) and links
are ``unsafe_member``; a total uncompressed size above the limit is ``too_large`` (py7zr also
enforces the limit while extracting, in case the listing lies).

Extraction is done by py7zr or, when asked (``extractor="7z"``) or by default when it is
installed (``"auto"``), by the ``7z`` program, which decompresses several times faster. The
listing is always read and vetted by py7zr, so both extract the same vetted members; the
program runs with a file-size limit of the largest member (POSIX), so an archive whose data
is longer than its listing says stops there (``too_large``) instead of filling the disk, and
(Linux) dies with the importing process.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
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

EXTRACTORS = ("auto", "py7zr", "7z")
"""``auto``: the ``7z`` program when installed, else py7zr."""
SEVEN_ZIP_PROGRAMS = ("7z", "7zz", "7za")
"""Names the 7-Zip program goes by (p7zip, 7-Zip for Linux, standalone)."""


def find_7z() -> str | None:
    """The path of an installed 7-Zip program, or None."""
    for name in SEVEN_ZIP_PROGRAMS:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


def resolve_extractor(extractor: str) -> str | None:
    """The 7-Zip program to extract with, or None for py7zr.

    Raises:
        ValueError: ``extractor`` is not one of :data:`EXTRACTORS`, or is ``"7z"`` and no
            7-Zip program is installed.
    """
    if extractor not in EXTRACTORS:
        raise ValueError(f"extractor must be one of {EXTRACTORS}, got {extractor!r}")
    if extractor == "py7zr":
        return None
    program = find_7z()
    if program is None and extractor == "7z":
        raise ValueError(
            f"extractor='7z' but no 7-Zip program ({', '.join(SEVEN_ZIP_PROGRAMS)}) is on PATH; "
            "install p7zip or 7-Zip, or use extractor='py7zr'"
        )
    return program


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
    archive_order: tuple[str, ...]
    """The members' names in the order they are stored (and extracted) in the archive."""


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
        archive_order=tuple(members),
    )


def extract_members(
    path: Path,
    plan: ArchivePlan,
    staging: Path,
    *,
    max_uncompressed_bytes: int,
    program: str | None = None,
) -> None:
    """Extract the planned members into ``staging`` in one pass, then check each one's size
    against the listing.

    Args:
        program: the 7-Zip program to run (see :func:`resolve_extractor`); None: py7zr.

    Raises:
        ArchiveRejectedError: ``corrupt_archive`` (bad data, CRC mismatch, short member) or
            ``too_large`` (more data than the limit while extracting).
    """
    if program is None:
        _extract_with_py7zr(path, plan, staging, max_uncompressed_bytes=max_uncompressed_bytes)
    else:
        _extract_with_program(program, path, plan, staging)
    for member in plan.members:
        staged = staging / member.name
        size = staged.stat().st_size if staged.is_file() and not staged.is_symlink() else None
        if size != member.size_bytes:
            raise ArchiveRejectedError(
                f"{path.name}: member {member.name} extracted to {size} bytes, the listing says "
                f"{member.size_bytes}; nothing was published",
                reason=FAIL_CORRUPT,
            )


def _extract_with_py7zr(
    path: Path, plan: ArchivePlan, staging: Path, *, max_uncompressed_bytes: int
) -> None:
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


def child_limits(limit: int) -> Callable[[], None]:
    """A ``preexec_fn``: no file the child writes may grow past ``limit`` bytes, and (Linux)
    the child is killed when this process dies, so a killed import leaves no 7z running."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        if sys.platform.startswith("linux"):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)

    return apply


def _extract_with_program(program: str, path: Path, plan: ArchivePlan, staging: Path) -> None:
    """``7z x`` of the planned members (named in a list file, matched literally)."""
    staging.mkdir(parents=True, exist_ok=True)
    largest = max((m.size_bytes for m in plan.members), default=0)
    with tempfile.TemporaryDirectory(prefix="q360-7z-") as scratch:
        listfile = Path(scratch) / "members.txt"
        listfile.write_text("".join(f"{m.name}\n" for m in plan.members), encoding="utf-8")
        command = [
            program,
            "x",  # with paths
            "-y",  # no questions
            "-bd",  # no progress indicator
            "-spd",  # names are literal, not wildcards
            "-p-",  # an encrypted member fails instead of prompting for a password
            f"-o{staging}",
            str(path),
            f"@{listfile}",
        ]
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                preexec_fn=child_limits(largest) if os.name == "posix" else None,
            )
        except OSError as exc:
            raise ArchiveRejectedError(
                f"{path.name}: cannot run {program} ({exc}); nothing was published",
                reason=FAIL_CORRUPT,
            ) from exc
    too_big = getattr(signal, "SIGXFSZ", None)  # the file-size limit was hit (POSIX)
    if too_big is not None and done.returncode == -too_big:
        raise ArchiveRejectedError(
            f"{path.name}: a member holds more data than the listing's largest member "
            f"({largest} bytes); nothing was published",
            reason=FAIL_TOO_LARGE,
        )
    if done.returncode != 0:
        said = [
            line.strip()
            for line in (done.stderr + done.stdout).decode(errors="replace").splitlines()
            if line.strip().startswith(("ERROR", "Error", "Can not", "Cannot", "Data Error", "CRC"))
        ]
        raise ArchiveRejectedError(
            f"{path.name}: extraction failed ({Path(program).name} exit {done.returncode}"
            + (f": {'; '.join(said[:3])}" if said else "")
            + "); nothing was published",
            reason=FAIL_CORRUPT,
        )
