"""Where a lake keeps its files: the one mapping from a lake root to paths.

::

    <root>/bronze/...                      vendor files (read only)
    <root>/silver/<table>/                 one Delta table per canonical table spec
    <root>/silver/ingest_manifest/         the manifest (a control table like the others)
    <root>/silver/_locks/<table>.lock      the file lock that serialises writers of <table>

Table names are checked against the spec registry, so a name can never point outside the
lake (``"../x"`` is not a table). Locks are plain files next to the tables: they serialise
writers of one machine only (Delta's own commit protocol covers the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pointline.schemas.registry import list_table_specs
from pointline.v2.storage.store_path import Location, StorePath, as_location

LOCK_DIR_NAME = "_locks"
MANIFEST_TABLE = "ingest_manifest"
VALIDATION_LOG_TABLE = "validation_log"
DIM_SYMBOL_TABLE = "dim_symbol"


def lock_path_for(table_path: str | Path) -> Path:
    """The lock file of the table at ``table_path``: ``<parent>/_locks/<name>.lock``."""
    path = Path(table_path)
    return path.parent / LOCK_DIR_NAME / f"{path.name}.lock"


def store_table_path(
    store: str,
    name: str,
    silver_root: str | Path | StorePath | None,
    explicit: str | Path | StorePath | None,
) -> Location:
    """The table of a one-table store: ``explicit`` when given, else ``<silver_root>/<name>``.

    Raises:
        ValueError: neither is given (naming the store and both arguments).
    """
    if explicit is not None:
        return as_location(explicit)
    if silver_root is not None:
        return as_location(silver_root) / name
    raise ValueError(f"{store} needs silver_root or {name}_path")


@dataclass(frozen=True)
class LakeLayout:
    """The paths of a lake rooted at ``root`` (a local directory, or an object-store prefix
    with its options: :class:`~pointline.v2.storage.store_path.StorePath`). Nothing is
    created."""

    root: Location

    def __init__(self, root: str | Path | StorePath) -> None:
        object.__setattr__(self, "root", as_location(root))

    @property
    def bronze_root(self) -> Location:
        return self.root / "bronze"

    @property
    def silver_root(self) -> Location:
        return self.root / "silver"

    @property
    def manifest_path(self) -> Location:
        return self.silver_root / MANIFEST_TABLE

    @property
    def validation_log_path(self) -> Location:
        return self.silver_root / VALIDATION_LOG_TABLE

    @property
    def dim_symbol_path(self) -> Location:
        return self.silver_root / DIM_SYMBOL_TABLE

    def table_path(self, name: str) -> Location:
        """``<silver_root>/<name>``.

        Raises:
            ValueError: the name is not a known table spec (the message lists the known names).
        """
        known = list_table_specs()
        if name not in known:
            raise ValueError(f"unknown table {name!r}; known tables: {known}")
        return self.silver_root / name

    def lock_path(self, name: str) -> Path:
        """``<silver_root>/_locks/<name>.lock``, the same file :func:`lock_path_for` gives."""
        return lock_path_for(self.table_path(name))
