"""Silver tables as DuckDB views, through deltalake's Arrow dataset (no DuckDB extension).

DuckDB reads a registered ``pyarrow.dataset.Dataset`` directly and pushes projections and
filters into it, so a view over ``DeltaTable(...).to_pyarrow_dataset()`` reads only the
partitions and files a query needs, at the table version current when it was registered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta.table import Table

if TYPE_CHECKING:
    import duckdb

RAW_PREFIX = "__pointline_raw_"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def register_tables(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, Path],
    *,
    hidden_file_ids: Iterable[int] = (),
) -> list[str]:
    """Register each existing table of ``tables`` (name -> path) as a view named after it.

    Event tables leave out the rows of ``hidden_file_ids`` (the files still ``pending``).

    Returns:
        The names registered, in the order given.

    Raises:
        TableCorruptError: a table's log cannot be replayed or a data file it references is
            missing (as for ``Lake.scan``).
    """
    hidden = sorted({int(i) for i in hidden_file_ids})
    registered: list[str] = []
    for name, path in tables.items():
        dt = Table(path, get_table_spec(name)).latest()  # opened, files and schema checked
        if dt is None:
            continue
        raw = RAW_PREFIX + name
        con.register(raw, dt.to_pyarrow_dataset())
        select = f"SELECT * FROM {_quoted(raw)}"
        if hidden and get_table_spec(name).kind == "event":
            select += f" WHERE file_id NOT IN ({', '.join(map(str, hidden))})"
        con.execute(f"CREATE OR REPLACE VIEW {_quoted(name)} AS {select}")
        registered.append(name)
    return registered
