"""Open a Delta table for reading, failing loudly on damage instead of reading less.

A reader that silently skips a missing data file, or reads a table whose log was lost as
empty, returns wrong answers; both are raised here as ``TableCorruptError`` naming the table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta.table import Table
from pointline.v2.storage.store_path import StorePath


def scan_table(name: str, path: Path | StorePath) -> pl.LazyFrame | None:
    """A lazy scan of the table at ``path``; None when there is no table.

    Raises:
        TableCorruptError: the log cannot be replayed, a data file it references is missing,
            or data files lie beside a log that holds no commit.
    """
    table = Table(path, get_table_spec(name))
    dt = table.latest()  # opened and its data files verified
    if dt is None:
        return None
    return pl.scan_delta(dt, storage_options=table.location.storage_options)
