"""The exception tree of pointline.

::

    PointlineError                      root of everything pointline raises on purpose
    ├── SchemaMismatchError (ValueError)    a frame or a file header is off its spec
    ├── VendorParseError                    a Bronze file could not be read or converted
    ├── ManifestConflictError (ValueError)  an identity/status transition is not allowed
    ├── VersionMismatchError (ValueError)   a compare-and-swap lost ("version mismatch")
    ├── StorageError                        the storage layer failed (I/O, Delta commit)
    │   └── TableCorruptError               a table exists but cannot be read
    │       └── TableSchemaMismatchError    its columns are not those of its spec
    └── LayoutError (ValueError)            a Bronze path says nothing we can infer
        └── NotARegularFileError            it names a FIFO, a device or a directory

Bad arguments stay plain ``ValueError``. Errors of the libraries underneath (deltalake,
polars, pyarrow) are translated at the adapter edge, once, with ``raise ... from exc``.
Every error carries what it is about (file, table, row, column) in its message.
"""

from __future__ import annotations


class PointlineError(Exception):
    """Root of pointline's own errors."""


class SchemaMismatchError(PointlineError, ValueError):
    """A frame or file header does not match the spec it must follow."""


class VendorParseError(PointlineError):
    """A Bronze file could not be parsed.

    Attributes:
        reason: a stable machine-readable code (``schema_mismatch``, ``unreadable_file``, ...).
        path: the Bronze file it is about, when known.
    """

    def __init__(self, message: str, *, reason: str = "parse_error", path: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.path = path


class ManifestConflictError(PointlineError, ValueError):
    """A manifest transition that is not allowed (e.g. a processed file back to pending)."""


class VersionMismatchError(PointlineError, ValueError):
    """A compare-and-swap write found another version than the one expected."""


class StorageError(PointlineError):
    """The storage layer failed to read or write a table."""


class TableCorruptError(StorageError):
    """A table exists but cannot be read (damaged log, missing data file, wrong schema)."""


class TableSchemaMismatchError(TableCorruptError):
    """A table exists with columns or dtypes other than its spec's (e.g. created by plain
    ``write_deltalake``): pointline neither reads it as its table nor writes into it."""


class LayoutError(PointlineError, ValueError):
    """A Bronze path does not say what the caller did not pass (vendor, data type, ...)."""


class NotARegularFileError(LayoutError):
    """A Bronze path names something other than a regular file (a FIFO, a device, a directory)."""
