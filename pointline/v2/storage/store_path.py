"""Where a lake's files live: a local directory or a prefix of an object store.

:class:`StorePath` is the one location object of a lake on an object store: an URL
(``s3://bucket/prefix``, ``gs://``, ``az://``, ``abfss://``) plus the ``storage_options`` that
reach it. It joins paths (``root / "silver" / "trades"``) and carries the options to each
library: ``str(path)`` (the URL) and :attr:`StorePath.options` go to deltalake
(``DeltaTable``, ``write_deltalake``, transactions) and Polars (``scan_delta``,
``read_parquet``); :meth:`StorePath.store` is the obstore client (Rust's ``object_store``, the
one deltalake uses) for plain file operations: list, put, delete.

A local root stays a :class:`~pathlib.Path`: :func:`as_location` turns a local path (or a
``file://`` URL) into a ``Path`` and everything else into a ``StorePath``, so code that touches
files branches once, on ``isinstance(where, StorePath)``, and local lakes behave exactly as
before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

REMOTE_SCHEMES = frozenset({"s3", "s3a", "gs", "gcs", "az", "azure", "abfs", "abfss"})
# obstore takes these as client options, not store configuration (deltalake takes both alike).
_CLIENT_OPTIONS = frozenset({"allow_http", "allow_invalid_certificates", "timeout"})
_PROVIDER_PREFIXES = ("aws_", "google_", "azure_")
# deltalake's own options, unknown to object_store: not given to obstore.
_DELTA_ONLY_OPTIONS = frozenset(
    {"aws_s3_allow_unsafe_rename", "aws_s3_locking_provider", "delta_dynamo_table_name"}
)


def is_remote(root: str | Path) -> bool:
    """Whether ``root`` is the URL of an object store (not a local path or ``file://``)."""
    if isinstance(root, Path):
        return False
    return urlparse(str(root)).scheme.lower() in REMOTE_SCHEMES


def local_path(root: str | Path) -> Path:
    """``root`` (a path or a ``file://`` URL) as a local path."""
    if isinstance(root, Path):
        return root
    parsed = urlparse(root)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(root)


@dataclass(frozen=True)
class StorePath:
    """A prefix of an object store and the options that reach it.

    Attributes:
        url: ``<scheme>://<bucket or container>/<key prefix>`` (no trailing ``/``).
        storage_options: deltalake/Polars object-store options (e.g. ``AWS_ENDPOINT_URL``).
    """

    url: str
    storage_options: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not is_remote(self.url):
            raise ValueError(
                f"{self.url!r} is not an object-store URL (schemes: {sorted(REMOTE_SCHEMES)})"
            )
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "storage_options", dict(self.storage_options))

    def __truediv__(self, part: str) -> StorePath:
        part = str(part).strip("/")
        if not part or any(p in ("", ".", "..") for p in part.split("/")):
            raise ValueError(f"cannot join {part!r} to {self.url}")
        return StorePath(f"{self.url}/{part}", self.storage_options)

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"StorePath({self.url!r})"  # options hold credentials: never shown

    @property
    def options(self) -> dict[str, str] | None:
        """``storage_options`` for deltalake and Polars (``None`` when there are none)."""
        return dict(self.storage_options) or None

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def parent(self) -> StorePath:
        return StorePath(self.url.rsplit("/", 1)[0], self.storage_options)

    @property
    def bucket_url(self) -> str:
        parsed = urlparse(self.url)
        return f"{parsed.scheme}://{parsed.netloc}"

    @property
    def key(self) -> str:
        """The key prefix inside the bucket (no leading or trailing ``/``)."""
        return urlparse(self.url).path.strip("/")

    def relative(self, uri: str) -> str | None:
        """The part of ``uri`` below this prefix (``None`` when it is not below it)."""
        if uri.startswith(self.url + "/"):
            return unquote(uri[len(self.url) + 1 :])
        return None

    # -- the object-store client (plain file operations) ------------------------------------

    def store(self) -> Any:
        """The obstore store of this prefix's bucket (one per bucket and options)."""
        return _store(self.bucket_url, tuple(sorted(self.storage_options.items())))

    def _key(self, relative: str) -> str:
        return f"{self.key}/{relative}" if self.key else relative

    def list(self, relative: str = "") -> list[str]:
        """The paths (relative to this prefix) of every object below ``relative``."""
        import obstore

        prefix = self._key(relative) if relative else self.key
        start = len(self.key) + 1 if self.key else 0
        found: list[str] = []
        for chunk in obstore.list(self.store(), prefix=prefix or None):
            found.extend(str(meta["path"])[start:] for meta in chunk)
        return found

    def exists(self, relative: str) -> bool:
        """Whether the object at ``relative`` exists (one HEAD request)."""
        import obstore

        try:
            obstore.head(self.store(), self._key(relative))
        except FileNotFoundError:
            return False
        return True

    def put(self, relative: str, data: bytes) -> None:
        import obstore

        obstore.put(self.store(), self._key(relative), data)

    def read(self, relative: str) -> bytes:
        import obstore

        return bytes(obstore.get(self.store(), self._key(relative)).bytes())

    def delete(self, relatives: Iterable[str]) -> None:
        """Delete these objects (missing ones are not an error)."""
        import obstore

        keys = [self._key(r) for r in relatives]
        if keys:
            obstore.delete(self.store(), keys)


Location = Path | StorePath


def as_location(
    root: str | Path | StorePath, storage_options: Mapping[str, str] | None = None
) -> Location:
    """``root`` as a local :class:`Path` (a path or ``file://`` URL) or a :class:`StorePath`.

    ``storage_options`` apply to a URL given as text (a ``StorePath`` keeps its own).
    """
    if isinstance(root, StorePath):
        return root
    if is_remote(root):
        return StorePath(str(root), storage_options or {})
    return local_path(root)


@cache
def _store(bucket_url: str, options: tuple[tuple[str, str], ...]) -> Any:
    from obstore.store import from_url

    config: dict[str, str] = {}
    client: dict[str, Any] = {}
    for raw_key, value in options:
        key = raw_key.lower()
        if key in _DELTA_ONLY_OPTIONS:
            continue
        bare = key
        for prefix in _PROVIDER_PREFIXES:
            bare = bare.removeprefix(prefix)
        if bare in _CLIENT_OPTIONS:
            client[bare] = (
                str(value).lower() in ("1", "true", "yes") if bare != "timeout" else value
            )
        else:
            config[key] = value
    return from_url(bucket_url, config=config or None, client_options=client or None)
