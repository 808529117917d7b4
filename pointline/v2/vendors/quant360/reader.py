"""Read a Quant360 member CSV (gzip or plain) as text: header check, whole file or chunks.

Every column is read as text (Utf8; an empty field is null) so that nothing is inferred or
rounded before the exact conversions. Errors of gzip, the OS and Polars are translated here,
once, into :class:`~pointline.errors.VendorParseError` with reason ``unreadable_file``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl

from pointline.errors import VendorParseError

_GZIP_MAGIC = b"\x1f\x8b"
_MIN_BLOCK_BYTES = 1 << 16
_MAX_BLOCK_BYTES = 1 << 26
_BLOCK_BYTES_PER_ROW = 128
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError)


def _open(path: Path) -> BinaryIO:
    raw = path.open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _unreadable(path: Path, exc: BaseException) -> VendorParseError:
    return VendorParseError(
        f"{path}: cannot read the file ({type(exc).__name__}: {exc})",
        reason="unreadable_file",
        path=str(path),
    )


def _split_header(line: bytes, path: Path) -> list[str]:
    try:
        text = line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise _unreadable(path, exc) from exc
    if not text.strip():
        raise VendorParseError(
            f"{path}: the file is empty (no header row)", reason="schema_mismatch", path=str(path)
        )
    return [name.strip().strip('"') for name in text.split(",")]


def read_header(path: Path) -> list[str]:
    """The column names of the file's header row.

    Raises:
        VendorParseError: ``unreadable_file`` (missing, not readable, bad gzip) or
            ``schema_mismatch`` (empty file).
    """
    try:
        with _open(path) as handle:
            line = handle.readline()
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    return _split_header(line, path)


def check_header(
    header: Sequence[str],
    *,
    required: Sequence[str],
    allow_extra: bool,
    path: Path,
    stream: str,
) -> None:
    """Refuse a header that lacks a required column, repeats one or (unless ``allow_extra``)
    has unexpected ones.

    Raises:
        VendorParseError: reason ``schema_mismatch``, naming the file, the stream and the
            missing/unexpected/duplicated columns.
    """
    seen = set(header)
    problems = []
    missing = [c for c in required if c not in seen]
    if missing:
        problems.append(f"missing columns {missing}")
    if not allow_extra:
        unexpected = [c for c in header if c not in set(required)]
        if unexpected:
            problems.append(f"unexpected columns {unexpected}")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        problems.append(f"duplicated columns {duplicated}")
    if problems:
        raise VendorParseError(
            f"{path}: header does not match the Quant360 {stream} format: "
            f"{'; '.join(problems)}; expected columns {list(required)}"
            + (" (others allowed)" if allow_extra else "")
            + f", found {list(header)}",
            reason="schema_mismatch",
            path=str(path),
        )


def _parse_csv(source: Path | bytes, columns: Sequence[str], path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            source if isinstance(source, Path) else io.BytesIO(source),
            columns=list(columns),
            infer_schema=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, *_READ_ERRORS) as exc:
        raise _unreadable(path, exc) from exc
    return frame.select(columns)


def read_text(path: Path, columns: Sequence[str]) -> pl.DataFrame:
    """The whole file, ``columns`` only, as text."""
    return _parse_csv(path, columns, path)


def iter_text(path: Path, columns: Sequence[str], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file as text frames of at most ``chunk_rows`` rows, in file order.

    Memory stays bounded by the chunk: the file is decompressed in blocks of about
    ``chunk_rows`` * 128 bytes (64 KiB to 64 MiB), each cut at its last newline and parsed
    with the header row in front. Quant360 fields never contain newlines, so a block boundary
    never splits a row.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    block_bytes = min(max(chunk_rows * _BLOCK_BYTES_PER_ROW, _MIN_BLOCK_BYTES), _MAX_BLOCK_BYTES)
    pending = pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8))
    try:
        with _open(path) as handle:
            header = handle.readline()
            tail = b""
            while True:
                block = handle.read(block_bytes)
                data = tail + block
                if block:
                    cut = data.rfind(b"\n") + 1
                    data, tail = data[:cut], data[cut:]
                if data.strip():
                    pending = pl.concat([pending, _parse_csv(header + data, columns, path)])
                while pending.height >= chunk_rows:
                    yield pending.head(chunk_rows)
                    pending = pending.slice(chunk_rows)
                if not block:
                    break
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    if pending.height:
        yield pending
