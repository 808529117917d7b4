"""Publish bytes as a Bronze file: deterministic gzip, written atomically.

The gzip stream has mtime 0, no file name in its header and a fixed compression level, so the
same member always gives the same bytes (for a given zlib build). A file is written to a
hidden temporary name in its destination directory, fsynced, then ``os.replace``-d into place:
a reader (or a killed run) sees either the whole old file, the whole new one, or none.
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
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
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


def publish_gzip(source: Path, destination: Path) -> PublishedFile:
    """Gzip the file ``source`` into ``destination`` (see :func:`write_atomically`)."""
    return write_atomically(destination, gzip_bytes(source.read_bytes()))


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
