"""An in-memory :class:`~pointline.v2.storage.contracts.FileReplacingEventStore`."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import polars as pl

from pointline.schemas.registry import event_table_names, get_table_spec
from pointline.schemas.types import TableSpec
from pointline.v2.storage.validation import validate_file_chunk, validate_frame
from pointline.v2.testing.failures import FailureSwitch

__all__ = ["InMemoryEventStore", "event_spec"]

_LINEAGE = ["file_id", "file_seq"]


def event_spec(table_name: str) -> TableSpec:
    """The spec of event table ``table_name``.

    Raises:
        ValueError: the name is not an event table (the message lists them).
    """
    if table_name not in event_table_names():
        raise ValueError(
            f"{table_name!r} is not an event table; event tables: {event_table_names()}"
        )
    return get_table_spec(table_name)


class InMemoryEventStore:
    """Event tables as frames in a dict, with the Delta event store's checks.

    Frames are checked with :func:`~pointline.v2.storage.validation.validate_frame`
    (``SchemaMismatchError``, a ``ValueError``). Rows whose (file_id, file_seq) is already
    stored, or repeated within the written frame, are dropped (the first one is kept). A
    write of no rows creates no table.

    Attributes:
        failures: the :class:`FailureSwitch` of append and replace_file.
    """

    def __init__(self) -> None:
        self._tables: dict[str, pl.DataFrame] = {}
        self._mutex = threading.RLock()
        self.failures = FailureSwitch(("append", "replace_file", "replace_files"))

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        """Add the rows of ``df`` not already stored by (file_id, file_seq)."""
        with self._mutex, self.failures.call("append"):
            spec = event_spec(table_name)
            rows = validate_frame(spec, df).unique(_LINEAGE, keep="first", maintain_order=True)
            if rows.height == 0:
                return
            existing = self._tables.get(table_name)
            if existing is not None:
                rows = rows.join(existing.select(_LINEAGE), on=_LINEAGE, how="anti")
                rows = pl.concat([existing, rows])
            self._tables[table_name] = rows

    def replace_file(
        self,
        table_name: str,
        file_id: int,
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """Replace every row of ``file_id`` in ``table_name`` with ``data``, all or nothing.

        Every chunk is read and checked before anything changes; no chunks (or only empty
        ones) delete the file's rows.

        Raises:
            SchemaMismatchError: a chunk is off the table spec.
            ValueError: a row carries another file_id.
            TypeError: a chunk is not a polars DataFrame.
        """
        with self._mutex, self.failures.call("replace_file"):
            self._replace(table_name, [file_id], data)

    def replace_files(
        self,
        table_name: str,
        file_ids: Sequence[int],
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        """The batch form of :meth:`replace_file`: every row of ``file_ids``, at once."""
        with self._mutex, self.failures.call("replace_files"):
            self._replace(table_name, file_ids, data)

    def _replace(
        self,
        table_name: str,
        file_ids: Sequence[int],
        data: pl.DataFrame | Iterable[pl.DataFrame],
    ) -> None:
        spec = event_spec(table_name)
        ids = sorted({int(i) for i in file_ids})
        if not ids:
            raise ValueError(f"replace_files({table_name!r}): no file ids given")
        chunks = [data] if isinstance(data, pl.DataFrame) else list(data)
        checked = [validate_file_chunk(spec, chunk, ids, index=i) for i, chunk in enumerate(chunks)]
        rows = pl.concat(checked) if checked else pl.DataFrame(schema=spec.to_polars())
        rows = rows.unique(_LINEAGE, keep="first", maintain_order=True)
        existing = self._tables.get(table_name)
        if existing is None:
            if rows.height:
                self._tables[table_name] = rows
            return
        self._tables[table_name] = pl.concat([existing.filter(~pl.col("file_id").is_in(ids)), rows])

    def read(self, table_name: str) -> pl.DataFrame:
        """The table's rows sorted by (file_id, file_seq): lineage order, unique per row.

        A table never written reads as an empty frame of the exact schema.
        """
        spec = event_spec(table_name)
        with self._mutex:
            frame = self._tables.get(table_name)
        if frame is None:
            return pl.DataFrame(schema=spec.to_polars())
        return frame.sort(_LINEAGE)

    def table_names(self) -> list[str]:
        """The tables that exist (had rows written at least once), sorted."""
        with self._mutex:
            return sorted(self._tables)
