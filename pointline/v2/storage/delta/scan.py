"""Open a Delta table for reading, failing loudly on damage instead of reading less.

A reader that silently skips a missing data file, or reads a table whose log was lost as
empty, returns wrong answers; both are raised here as ``TableCorruptError`` naming the table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pointline.v2.storage.delta import _io


def scan_table(name: str, path: Path) -> pl.LazyFrame | None:
    """A lazy scan of the table at ``path``; None when there is no table.

    Raises:
        TableCorruptError: the log cannot be replayed, a data file it references is missing,
            or data files lie beside a log that holds no commit.
    """
    dt = _io.open_table(path)  # raises for an unreadable or lost log
    if dt is None:
        return None
    _io.verify_files(dt, path)
    return pl.scan_delta(dt)
