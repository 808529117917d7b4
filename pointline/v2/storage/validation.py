"""Checking a frame against its table spec before it is written (shared by every store)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from pointline.errors import SchemaMismatchError
from pointline.schemas.types import TableSpec

__all__ = ["validate_frame"]


def validate_frame(spec: TableSpec, df: pl.DataFrame) -> pl.DataFrame:
    """Check ``df`` against ``spec`` and return it with the columns in spec order.

    The frame must have exactly the spec's columns with exactly its dtypes; the only
    conversion made is of an all-null column of dtype ``Null`` (e.g. ``pl.lit(None)``) to
    the spec dtype. Required (non-nullable) columns must hold no null.

    Raises:
        SchemaMismatchError: naming the table and what is off: "missing columns",
            "unexpected columns", "dtype mismatch" (all found at once), or "null values in
            required column(s)".
    """
    expected = spec.to_polars()
    problems = []
    missing = [c for c in expected if c not in df.columns]
    if missing:
        problems.append(f"missing columns {missing}")
    unexpected = [c for c in df.columns if c not in expected]
    if unexpected:
        problems.append(f"unexpected columns {unexpected}")
    wrong = [
        f"{name} expected {dtype}, got {df.schema[name]}"
        for name, dtype in expected.items()
        if name in df.schema and df.schema[name] not in (dtype, pl.Null)
    ]
    if wrong:
        problems.append("dtype mismatch: " + "; ".join(wrong))
    if problems:
        raise SchemaMismatchError(
            f"frame for table {spec.name!r} does not match its spec: " + "; ".join(problems)
        )
    out = df.select(expected.names()).cast(
        {name: dtype for name, dtype in expected.items() if df.schema[name] == pl.Null}
    )
    nulls = [c for c in spec.required_columns() if out[c].null_count()]
    if nulls:
        raise SchemaMismatchError(
            f"frame for table {spec.name!r} has null values in required column(s) {nulls}"
        )
    return out


def validate_file_chunk(
    spec: TableSpec, chunk: object, file_ids: Sequence[int], *, index: int
) -> pl.DataFrame:
    """One chunk of a ``replace_file(s)`` call: a frame on the spec whose rows all carry one of
    ``file_ids`` (the files being replaced).

    Raises:
        TypeError: the chunk is not a polars DataFrame.
        SchemaMismatchError: the frame is off the spec.
        ValueError: a row carries a file id that is not being replaced.
    """
    label = f"replace_file({spec.name!r}, file_ids {list(file_ids)[:10]})"
    if not isinstance(chunk, pl.DataFrame):
        raise TypeError(
            f"{label}: chunk {index} is a {type(chunk).__name__}, not a polars DataFrame"
        )
    rows = validate_frame(spec, chunk)
    ids = rows.get_column("file_id")  # one column: filtering the frame would copy every row
    allowed = pl.Series(list(file_ids), dtype=pl.Int64)
    others = ids.filter(~ids.is_in(allowed.implode())).unique().sort()
    if others.len():
        raise ValueError(
            f"{label}: chunk {index} has rows of file_id {others.to_list()[:10]}; every row "
            "must carry one of the file ids replaced"
        )
    return rows
