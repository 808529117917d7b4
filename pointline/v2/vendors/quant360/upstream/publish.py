"""Publish bytes as a Bronze file: deterministic gzip, written atomically.

The gzip stream has mtime 0, no file name in its header and a fixed compression level, so the
same member always gives the same bytes (for a given zlib build). A file is written to a
temporary name (hidden, in its destination directory: :func:`write_atomically`; or in the
import's staging area, on the same file system: :func:`pack_gzip`), fsynced, then
``os.replace``-d into place: a reader (or a killed run) sees either the whole old file, the
whole new one, or none.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

GZIP_LEVEL = 6
"""Fixed gzip level of published Bronze files (part of what makes them byte-identical)."""

TEMP_SUFFIX = ".part"


def gzip_bytes(data: bytes) -> bytes:
    """``data`` as a deterministic gzip stream (mtime 0, no name, level :data:`GZIP_LEVEL`)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class PublishedFile:
    """A file now in place: its content hash, size and modification time (µs)."""

    path: Path
    sha256: str
    size_bytes: int
    last_modified_us: int


def temp_path_for(destination: Path) -> Path:
    """The temporary name used while writing ``destination`` (hidden, same directory)."""
    return destination.with_name(f".{destination.name}{TEMP_SUFFIX}")


def write_atomically(destination: Path, data: bytes) -> PublishedFile:
    """Write ``data`` to ``destination`` atomically (temp file, fsync, ``os.replace``).

    The temporary name is fixed per destination, so a file left by a killed run is simply
    overwritten by the next one. Callers must not publish the same destination concurrently
    (the importer holds a lock).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(destination)
    try:
        _write_synced(temp, data)
        os.replace(temp, destination)
    finally:
        temp.unlink(missing_ok=True)
    stat = destination.stat()
    return PublishedFile(
        path=destination,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=stat.st_size,
        last_modified_us=stat.st_mtime_ns // 1_000,
    )


@dataclass(frozen=True)
class PackedFile:
    """A member gzipped into a staging file (fsynced), not yet published.

    Attributes:
        path: the gzip file in the staging area (same file system as the Bronze root).
        source: the extracted member it was read from.
        source_size: the member's size when read (-1: it changed while being read).
        source_mtime_ns: the member's modification time when read.
        sha256: the hash of the gzip bytes.
    """

    path: Path
    source: Path
    source_size: int
    source_mtime_ns: int
    sha256: str

    def is_current(self) -> bool:
        """Whether the member is still what was read (an extractor may still have been
        writing it: then it is packed again)."""
        now = self.source.stat()
        return now.st_size == self.source_size and now.st_mtime_ns == self.source_mtime_ns


def pack_gzip(source: Path, target: Path) -> PackedFile:
    """Gzip the file ``source`` into ``target`` (written and fsynced; see :func:`place`)."""
    before = source.stat()
    data = source.read_bytes()
    packed = gzip_bytes(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_synced(target, packed)
    return PackedFile(
        path=target,
        source=source,
        source_size=before.st_size if len(data) == before.st_size else -1,
        source_mtime_ns=before.st_mtime_ns,
        sha256=hashlib.sha256(packed).hexdigest(),
    )


def place(packed: PackedFile, destination: Path) -> PublishedFile:
    """Publish a packed file at ``destination``: one atomic rename (a reader sees the whole
    old file, the whole new one, or none)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(packed.path, destination)
    temp_path_for(destination).unlink(missing_ok=True)  # left by a run killed in write_atomically
    stat = destination.stat()
    return PublishedFile(
        path=destination,
        sha256=packed.sha256,
        size_bytes=stat.st_size,
        last_modified_us=stat.st_mtime_ns // 1_000,
    )


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
