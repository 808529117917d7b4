"""Bronze files on disk: find them and describe them as :class:`BronzeFileMetadata`."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from pointline.errors import LayoutError, NotARegularFileError
from pointline.v2 import reasons
from pointline.v2.ingestion.routing import canonical_stream
from pointline.v2.models import BronzeFileMetadata, sha256_of
from pointline.v2.vendors.base import BronzeLocation
from pointline.v2.vendors.registry import recognise
from pointline.v2.vendors.tardis.layout import FILE_NAME_PATTERN_TEXT

__all__ = [
    "EXPECTED_LAYOUT",
    "bronze_relative_path",
    "describe_file",
    "file_extra",
    "find_files",
    "identify",
    "looks_like_bronze",
    "path_failure_reason",
    "sha256_of",
]

EXPECTED_LAYOUT = (
    "<vendor>/exchange=<e>/type=<data_type>/date=<YYYY-MM-DD>/symbol=<s>/<file> or a Tardis file "
    f"name {FILE_NAME_PATTERN_TEXT}"
)
"""The paths a vendor recognises, as error messages describe them."""


def bronze_relative_path(path: Path, bronze_root: Path | None) -> str:
    """The path relative to the Bronze root (posix) when it lies inside it, else absolute
    (always absolute when the lake's Bronze root is not a local directory: ``None``)."""
    return _relative_to(path.resolve(), bronze_root)


def _relative_to(resolved: Path, bronze_root: Path | None) -> str:
    if bronze_root is None:
        return resolved.as_posix()
    try:
        return resolved.relative_to(bronze_root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def identify(
    path: Path,
    *,
    vendor: str | None = None,
    data_type: str | None = None,
    name: str | None = None,
) -> tuple[str, str, BronzeLocation | None]:
    """The vendor, data type (as the vendor's stream) and location ``path`` says, filled in
    with what the caller passed; ``name`` is how errors name the file (default: ``path``).

    Only the path is looked at (never the file), so it serves local paths and the keys of
    objects on a store alike.

    Raises:
        LayoutError: vendor or data type can be neither inferred nor were given, or the
            data type given contradicts the one the path states.
        ValueError: the vendor has no such data type.
    """
    shown = path if name is None else name
    location = recognise(path, vendor=vendor)
    vendor = vendor or (location.vendor if location else None)
    stated = location.data_type if location else None
    contradicts = (
        data_type is not None
        and stated is not None
        and vendor is not None
        and canonical_stream(vendor, data_type) != canonical_stream(vendor, stated)
    )
    if contradicts:
        raise LayoutError(
            f"{shown}: its path says data type {stated!r}; data_type={data_type!r} "
            "contradicts it (leave the data type out, or name a file whose path says it)"
        )
    data_type = data_type or stated
    if vendor is None or data_type is None:
        raise LayoutError(
            f"cannot tell the vendor and data type of {shown}: its path is neither "
            f"{EXPECTED_LAYOUT}; pass vendor= and data_type= explicitly"
        )
    return vendor, canonical_stream(vendor, data_type), location


def file_extra(path: str, location: BronzeLocation | None) -> dict[str, str]:
    """A described file's ``extra``: where to read it (``path``) and what its path says."""
    extra: dict[str, str] = {"path": path}
    if location is not None:
        extra.update(location.extra)
        if location.exchange:
            extra["exchange"] = location.exchange
        if location.symbol:
            extra["symbol"] = location.symbol
    return extra


def describe_file(
    path: str | Path,
    *,
    bronze_root: Path | None,
    vendor: str | None = None,
    data_type: str | None = None,
) -> BronzeFileMetadata:
    """Metadata of one Bronze file, inferring what the caller did not pass from its path.

    Raises:
        FileNotFoundError: nothing is at the path.
        NotARegularFileError: the path is not a regular file (a FIFO, a directory).
        LayoutError: vendor or data type can be neither inferred nor were given, or the
            data type given contradicts the one the path states.
        ValueError: the vendor has no such data type.

    The data type is spelled as the vendor's stream (:func:`canonical_stream`): an alias
    such as ``orderbook_updates`` names the same identity as ``incremental_book_L2``.
    """
    path = Path(path)
    try:
        found = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"Bronze file not found: {path}") from None
    if not stat.S_ISREG(found.st_mode):  # never opened: reading a FIFO would block
        raise NotARegularFileError(
            f"{path} is not a regular file (a FIFO, device or directory); a Bronze file is "
            "a regular file"
        )
    vendor, data_type, location = identify(path, vendor=vendor, data_type=data_type)
    resolved = path.resolve()  # once: resolving walks every component of the path
    return BronzeFileMetadata(
        vendor=vendor,
        data_type=data_type,
        bronze_file_path=_relative_to(resolved, bronze_root),
        file_size_bytes=found.st_size,
        last_modified_ts=found.st_mtime_ns // 1_000,
        sha256=sha256_of(path),
        date=location.date if location else None,
        extra=file_extra(str(resolved), location),
    )


def path_failure_reason(exc: BaseException) -> str:
    """The reason code of a path that :func:`describe_file` refused."""
    if isinstance(exc, NotARegularFileError):
        return reasons.NOT_A_REGULAR_FILE
    if isinstance(exc, LayoutError):
        return reasons.LAYOUT_ERROR
    if isinstance(exc, FileNotFoundError):
        return reasons.FILE_NOT_FOUND
    if isinstance(exc, OSError):
        return reasons.OS_ERROR
    return reasons.INVALID_INPUT


def looks_like_bronze(path: Path) -> bool:
    """Whether a vendor claims ``path`` (a path in a vendor's form but invalid, e.g. a bad
    date, is claimed too: describing it then fails with the reason)."""
    try:
        return recognise(path) is not None
    except LayoutError:
        return True


def find_files(
    paths_or_dirs: Iterable[str | Path],
    *,
    follow_symlinks: bool = False,
    missing_ok: bool = False,
) -> list[Path]:
    """Files named directly, plus every recognised Bronze file below the directories named.

    Directories are walked in sorted order (deterministic); files below them that no vendor
    recognises (ledgers, notes) are left out, while a file named directly is always kept.
    Symlinks below a directory (to files or directories) are not followed unless
    ``follow_symlinks``: they may point outside the root the caller named.

    Raises:
        FileNotFoundError: a path named does not exist (unless ``missing_ok``: it is returned,
            and describing it fails).
    """
    found: list[Path] = []
    for item in paths_or_dirs:
        path = Path(item)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path, followlinks=follow_symlinks):
                dirnames.sort()
                for name in sorted(filenames):
                    candidate = Path(dirpath) / name
                    if candidate.is_symlink() and not follow_symlinks:
                        continue  # may point outside the given root
                    if not name.startswith(".") and looks_like_bronze(candidate):
                        found.append(candidate)
        elif path.exists() or missing_ok:
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return found
