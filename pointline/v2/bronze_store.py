"""Bronze files on the lake's object store: named by URL, listed, described and staged.

A lake on a store (``Lake("s3://bucket/lake", ...)``) ingests Bronze files given as URLs of
that store (same scheme and bucket as the root) besides local paths. Here:

* :func:`object_url` checks that a URL is of the lake's store (``ValueError`` naming the URL
  and what is accepted otherwise);
* :func:`find_objects` lists a prefix ("directory") recursively through obstore, in the
  order :func:`pointline.v2.bronze.find_files` walks a local directory (a directory's own
  files first, then its sub-directories, names sorted), keeping the objects a vendor
  recognises;
* :func:`describe_object` describes one object as :func:`~pointline.v2.bronze.describe_file`
  describes a local file: vendor, data type, exchange, symbol and date from the URL's path;
  size and sha256 from the object's bytes (streamed, never held whole); ``extra["path"]`` is
  the URL;
* :func:`parse_staged` stages the object into a local temporary file (streamed in chunks)
  and runs the vendor's parser on it unchanged; the file is removed when the parse is done
  (for a streamed parse: when its frames are exhausted, closed or dropped), also on failure.

A file's identity path (``bronze_file_path``, :func:`bronze_name`) is its path relative to the
lake's Bronze root (``<root>/bronze``) when it lies below it, exactly as for local files below
a local lake's ``<root>/bronze``; otherwise the full URL.

Staging files go to ``$POINTLINE_STAGING_DIR`` when set, else the system temporary directory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import polars as pl

from pointline.errors import NotARegularFileError, VendorParseError
from pointline.v2 import reasons
from pointline.v2.bronze import file_extra, identify, looks_like_bronze
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.storage.store_path import Location, StorePath

__all__ = [
    "STAGING_CHUNK_BYTES",
    "STAGING_DIR_ENV",
    "bronze_name",
    "describe_object",
    "find_objects",
    "is_url",
    "object_url",
    "parse_staged",
    "stage",
    "staging_dir",
]

STAGING_CHUNK_BYTES = 8 * 1024 * 1024
"""Bytes per chunk when an object is downloaded (hashing or staging): the memory bound."""

STAGING_DIR_ENV = "POINTLINE_STAGING_DIR"
"""Where staged Bronze objects go (default: the system temporary directory)."""

STAGING_PREFIX = "pointline-bronze-"
"""The name prefix of each staged object's temporary directory."""

Parsed = pl.DataFrame | Iterable[pl.DataFrame]


def is_url(item: str | Path) -> bool:
    """Whether ``item`` is given as a URL other than ``file://`` (a local path)."""
    if isinstance(item, Path):
        return False
    scheme = urlparse(str(item)).scheme.lower()
    return "://" in str(item) and len(scheme) > 1 and scheme != "file"


def object_url(url: str, root: Location) -> StorePath:
    """``url`` as a :class:`StorePath` of the lake's store (``root``: the lake root).

    Raises:
        ValueError: the lake is local, or ``url`` is not of the lake's store (scheme and
            bucket); the message names the URL and what is accepted.
    """
    if not isinstance(root, StorePath):
        raise ValueError(
            f"{url}: a Bronze URL, but the lake ({root}) is on a local disk; a local lake "
            "ingests local paths (or file:// URLs)"
        )
    parsed = urlparse(url)
    store = urlparse(root.url)
    if (parsed.scheme.lower(), parsed.netloc) != (store.scheme.lower(), store.netloc):
        raise ValueError(
            f"{url}: not on the lake's store; Bronze files of this lake are local paths or "
            f"URLs below {root.bucket_url}/ (the lake is at {root.url})"
        )
    if not parsed.path.strip("/"):
        return StorePath(root.bucket_url, root.storage_options)
    return StorePath(f"{root.bucket_url}/{parsed.path.strip('/')}", root.storage_options)


def bronze_name(url: str, bronze_root: Location) -> str:
    """A Bronze object's identity path: relative to the lake's Bronze root when below it
    (as a local file below ``<root>/bronze`` is named), else the full URL."""
    if isinstance(bronze_root, StorePath):
        relative = bronze_root.relative(url.rstrip("/"))
        if relative:
            return relative
    return url


def _key_path(where: StorePath) -> Path:
    """The object's key as a path (what vendors recognise a Bronze layout in)."""
    return Path("/", unquote(where.key))


def _walk_order(relative: str) -> tuple[tuple[int, str], ...]:
    """Sort key giving :func:`os.walk`'s sorted top-down order: at each level the files of a
    directory come before its sub-directories, each group by name."""
    *dirs, name = relative.split("/")
    return (*((1, d) for d in dirs), (0, name))


def find_objects(url: str, root: Location) -> list[str]:
    """The object at ``url``, or every recognised Bronze object below the prefix ``url``.

    As :func:`pointline.v2.bronze.find_files` with ``missing_ok=True``: objects below a
    prefix that no vendor recognises, and hidden names (``.x``), are left out, while an
    object named directly is always kept; a URL with nothing at or below it is returned
    as it is (describing it then fails with ``FileNotFoundError``).

    Raises:
        ValueError: ``url`` is not of the lake's store (see :func:`object_url`).
    """
    where = object_url(url, root)
    if not url.endswith("/") and where.key and where.parent.exists(where.name):
        return [where.url]
    below = [r for r in where.list() if r and not r.endswith("/")]
    if not below:
        return [url]
    found: list[str] = []
    for relative in sorted(below, key=_walk_order):
        if relative.rsplit("/", 1)[-1].startswith("."):
            continue
        candidate = f"{where.url}/{relative}"
        if looks_like_bronze(_key_path(StorePath(candidate, where.storage_options))):
            found.append(candidate)
    return found


def _store_error(url: str, exc: Exception) -> OSError:
    """A store failure (denied, unreachable, ...) as the ``OSError`` a local read raises: a
    file that cannot be described gets its own ``failed`` (``os_error``) result."""
    return OSError(f"{url}: cannot be read from the store ({type(exc).__name__}: {exc})")


def _head(where: StorePath, url: str) -> dict:
    """The object's metadata.

    Raises:
        FileNotFoundError: nothing is at ``url`` (as for a missing local file).
        NotARegularFileError: ``url`` is a prefix with objects below it (a directory).
        OSError: the store refused or failed the request.
    """
    import obstore
    from obstore.exceptions import BaseError

    try:
        return dict(obstore.head(where.store(), where.key))
    except FileNotFoundError:
        pass
    except BaseError as exc:
        raise _store_error(url, exc) from exc
    if where.key and where.list():
        raise NotARegularFileError(
            f"{url} is a prefix (a directory), not an object; a Bronze file is one object"
        ) from None
    raise FileNotFoundError(f"Bronze file not found: {url}")


def _chunks(where: StorePath) -> Iterator[bytes]:
    import obstore

    for chunk in obstore.get(where.store(), where.key).stream(min_chunk_size=STAGING_CHUNK_BYTES):
        yield bytes(chunk)


def describe_object(
    url: str,
    root: Location,
    bronze_root: Location,
    *,
    vendor: str | None = None,
    data_type: str | None = None,
) -> BronzeFileMetadata:
    """Metadata of the Bronze object at ``url``, as ``describe_file`` gives for a local file.

    Raises:
        ValueError: ``url`` is not of the lake's store.
        FileNotFoundError: nothing is at ``url``.
        NotARegularFileError: ``url`` is a prefix.
        LayoutError: vendor or data type can be neither inferred nor were given (or the data
            type given contradicts the one the path states).
    """
    where = object_url(url, root)
    url = where.url
    head = _head(where, url)
    vendor, data_type, location = identify(
        _key_path(where), vendor=vendor, data_type=data_type, name=url
    )
    from obstore.exceptions import BaseError

    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in _chunks(where):
            digest.update(chunk)
            size += len(chunk)
    except FileNotFoundError:  # deleted since the HEAD
        raise FileNotFoundError(f"Bronze file not found: {url}") from None
    except BaseError as exc:
        raise _store_error(url, exc) from exc
    modified = head.get("last_modified")
    return BronzeFileMetadata(
        vendor=vendor,
        data_type=data_type,
        bronze_file_path=bronze_name(url, bronze_root),
        file_size_bytes=size,
        last_modified_ts=int(modified.timestamp() * 1_000_000) if modified is not None else 0,
        sha256=digest.hexdigest(),
        date=location.date if location else None,
        extra=file_extra(url, location),
    )


def staging_dir() -> str:
    """The directory staged objects go to (``$POINTLINE_STAGING_DIR`` or the system's)."""
    return os.environ.get(STAGING_DIR_ENV) or tempfile.gettempdir()


class Staged:
    """One object downloaded to a local temporary file; :meth:`remove` deletes it (once)."""

    def __init__(self, url: str, where: StorePath):
        self.url = url
        self.directory = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=staging_dir())
        self.path = Path(self.directory) / (where.name or "object")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.directory, True)

    def download(self, where: StorePath) -> str:
        """Stream the object into :attr:`path`; the hex sha256 of its bytes."""
        digest = hashlib.sha256()
        with self.path.open("wb") as handle:
            for chunk in _chunks(where):
                digest.update(chunk)
                handle.write(chunk)
        return digest.hexdigest()

    def remove(self) -> None:
        self._finalizer()

    def rename(self, exc: BaseException) -> BaseException:
        """``exc`` naming the URL where it named the staged file (messages stay the same as
        for the file ingested from a local path, the URL in place of the path)."""
        staged = str(self.path)
        if isinstance(exc, VendorParseError) and exc.path == staged:
            exc.path = self.url
        if isinstance(exc, OSError) and exc.filename == staged:
            exc.filename = self.url
        exc.args = tuple(a.replace(staged, self.url) if isinstance(a, str) else a for a in exc.args)
        return exc


def stage(url: str, root: Location, sha256: str | None = None) -> Staged:
    """Download the object at ``url`` into a new local temporary file.

    Raises:
        FileNotFoundError: nothing is at ``url`` (any more).
        VendorParseError: ``sha256`` is given and the object's bytes no longer have it (the
            object was replaced after it was described; ingest it again).
    """
    where = object_url(url, root)
    staged = Staged(url, where)
    try:
        found = staged.download(where)
        if sha256 and found != sha256:
            raise VendorParseError(
                f"{url}: changed since it was described (sha256 {sha256}, now {found}); "
                "ingest it again",
                reason=reasons.PARSE_ERROR,
                path=url,
            )
    except BaseException:
        staged.remove()
        raise
    return staged


def _frames(parsed: Iterable[pl.DataFrame], staged: Staged) -> Iterator[pl.DataFrame]:
    try:
        yield from parsed
    except BaseException as exc:
        staged.rename(exc)
        raise
    finally:
        staged.remove()


def parse_staged(
    meta: BronzeFileMetadata,
    root: Location,
    parse: Callable[[BronzeFileMetadata], Parsed],
    *,
    check: Callable[[Path], None] | None = None,
) -> Parsed:
    """``parse`` run on a local copy of the object ``meta.extra["path"]`` names.

    ``check`` is called on the staged file first (the decompression guard). The copy is
    removed before this returns a frame, and after the last frame of a streamed parse (or
    when its iterator is closed or dropped); on any failure at once.
    """
    url = str((meta.extra or {})["path"])
    staged = stage(url, root, meta.sha256 or None)
    try:
        if check is not None:
            check(staged.path)
        extra = {**(meta.extra or {}), "path": str(staged.path)}
        parsed = parse(dataclasses.replace(meta, extra=extra))
    except BaseException as exc:
        staged.remove()
        staged.rename(exc)
        raise
    if parsed is None or isinstance(parsed, pl.DataFrame):
        staged.remove()
        return parsed  # type: ignore[return-value]
    frames = _frames(parsed, staged)
    # a generator never started runs no ``finally``: the copy goes when it is dropped
    weakref.finalize(frames, staged.remove)
    return frames
