"""What every vendor's CSV reader shares: opening (gzip or plain), the header line and its
check, reading in blocks of whole lines, and turning read errors into stable reasons.

File-level failures raise :class:`~pointline.errors.VendorParseError` with a reason of
:mod:`pointline.v2.reasons`:

* ``empty_file``: no header line at all (0 bytes; a blank first line is a header that
  does not match: ``schema_mismatch``);
* ``schema_mismatch``: the header is not the declared one (missing/unexpected/repeated);
* ``truncated_file``: the gzip stream ends before its end marker;
* ``unreadable_file``: missing file, not a regular file (a FIFO, a directory), corrupt gzip
  (bad header or checksum, non-zero bytes after the last member), bytes that are not UTF-8.

A gzip file is read as ``gzip -dc`` reads it, on every path: all its members, and zero bytes
padding its end are ignored.
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from pointline.errors import VendorParseError
from pointline.v2.reasons import EMPTY_FILE, SCHEMA_MISMATCH, TRUNCATED_FILE, UNREADABLE_FILE

GZIP_MAGIC = b"\x1f\x8b"
HEADER_LIMIT = 1 << 20
"""Longest header line read (bytes)."""
READ_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error)
"""What decompressing and reading a file may raise (``UnicodeDecodeError`` is separate)."""


def require_regular_file(path: str | Path) -> None:
    """Refuse what is not a regular file before anything opens it: opening a FIFO blocks
    until a writer comes, a directory or device is no Bronze file.

    Raises:
        VendorParseError: ``unreadable_file``: missing, or not a regular file (naming what
            it is).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise VendorParseError(
            f"{path}: file not found", reason=UNREADABLE_FILE, path=str(path)
        ) from None
    except OSError as exc:
        raise read_error(path, exc) from exc
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "special file")
        raise VendorParseError(
            f"{path}: not a regular file (a {kind}); a Bronze file must be a regular file",
            reason=UNREADABLE_FILE,
            path=str(path),
        )


_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISDIR, "directory"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def open_binary(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading, decompressing it when it starts with the gzip magic bytes.

    A gzip file is read as ``gzip -dc`` reads it: every member, and zero bytes padding the
    end are ignored.

    Raises:
        VendorParseError: ``unreadable_file`` when ``path`` is not a regular file.
    """
    require_regular_file(path)
    with open(path, "rb") as probe:
        magic = probe.read(len(GZIP_MAGIC))
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_error(path: str | Path, exc: BaseException, *, line: int = 0) -> VendorParseError:
    """Translate a decompression/decoding error met after ``line`` complete lines."""
    if isinstance(exc, EOFError):
        return VendorParseError(
            f"{path}: truncated file: the gzip stream ends before its end marker",
            reason=TRUNCATED_FILE,
            path=str(path),
        )
    if isinstance(exc, UnicodeDecodeError):
        return VendorParseError(
            f"{path}: line {line + 1}: byte {exc.start} is not UTF-8 text ({exc.reason})",
            reason=UNREADABLE_FILE,
            path=str(path),
        )
    if isinstance(exc, FileNotFoundError):
        return VendorParseError(f"{path}: file not found", reason=UNREADABLE_FILE, path=str(path))
    return VendorParseError(
        f"{path}: unreadable file: cannot read the file ({type(exc).__name__}: {exc})",
        reason=UNREADABLE_FILE,
        path=str(path),
    )


def diagnose(path: str | Path, exc: BaseException) -> VendorParseError:
    """Find out why a reader could not read ``path``: stream it again and name the line.

    Only runs for a file that already failed, so the line-by-line Python loop is acceptable.
    """
    line = 0
    try:
        with open_binary(path) as stream:
            for raw in stream:
                raw.decode("utf-8")
                line += 1
    except (*READ_ERRORS, UnicodeDecodeError) as found:
        return read_error(path, found, line=line)
    return read_error(path, exc)


def read_all(path: str | Path, exc: BaseException) -> bytes:
    """The whole decompressed file, read by Python after a faster reader failed with ``exc``.

    Python's gzip reads what ``gzip -dc`` reads (several members, zero padding after the
    last one), which Polars refuses; so a file is readable on the whole-file path exactly when
    it is on the chunked path. Only runs for a file another reader refused.

    Raises:
        VendorParseError: the file cannot be read by Python either (with the line of the
            first bad byte when it is not UTF-8).
    """
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except READ_ERRORS as found:
        raise read_error(path, found) from found
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as found:
        raise diagnose(path, found) from found
    return data


def read_header(path: str | Path, *, clean_names: bool = False) -> tuple[str, ...]:
    """The column names on the first line of ``path``.

    Args:
        clean_names: drop a UTF-8 byte-order mark and strip blanks and double quotes around
            each name (Quant360 headers); Tardis headers are taken exactly.

    Raises:
        VendorParseError: ``empty_file`` when there is no first line, or a read error.
    """
    try:
        with open_binary(path) as stream:
            first = stream.readline(HEADER_LIMIT)
    except READ_ERRORS as exc:
        raise read_error(path, exc) from exc
    if not first:
        raise VendorParseError(
            f"{path}: empty file: no header line", reason=EMPTY_FILE, path=str(path)
        )
    try:
        text = first.decode("utf-8-sig" if clean_names else "utf-8").rstrip("\n").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise read_error(path, exc) from exc
    names = text.split(",")
    return tuple(n.strip().strip('"') for n in names) if clean_names else tuple(names)


def check_header(
    header: Sequence[str],
    expected: Sequence[str],
    *,
    path: str | Path,
    label: str,
    allow_extra: bool = False,
) -> None:
    """Require ``header`` to hold the ``expected`` columns (any order, no repeats) and, unless
    ``allow_extra``, no others.

    Args:
        label: what the header should be, e.g. ``Tardis trades`` or ``Quant360 order_new
            (szse)``; named in the message.

    Raises:
        VendorParseError: ``schema_mismatch``, naming the missing, unexpected and repeated
            columns.
    """
    expected_set = set(expected)
    missing = [c for c in expected if c not in header]
    unexpected = [] if allow_extra else [c for c in header if c not in expected_set]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or unexpected or repeated):
        return
    problems = [
        f"{what} {cols}"
        for what, cols in (
            ("missing columns", missing),
            ("unexpected columns", unexpected),
            ("repeated columns", repeated),
        )
        if cols
    ]
    raise VendorParseError(
        f"{path}: header does not match the {label} format: {'; '.join(problems)}; "
        f"expected columns {list(expected)}"
        + (" (others allowed)" if allow_extra else "")
        + f", found {list(header)}",
        reason=SCHEMA_MISMATCH,
        path=str(path),
    )


def line_blocks(path: str | Path, block_bytes: int) -> Iterator[bytes]:
    """Complete lines after the header, about ``block_bytes`` decompressed bytes at a time.

    Raises:
        VendorParseError: a read error, when it is met (after the blocks before it).
    """
    try:
        with open_binary(path) as stream:
            stream.readline(HEADER_LIMIT)
            carry = b""
            while data := stream.read(block_bytes):
                data = carry + data
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                if cut:
                    yield data[:cut]
            if carry:
                yield carry
    except READ_ERRORS as exc:
        raise read_error(path, exc) from exc
