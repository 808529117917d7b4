"""Read a Quant360 member CSV (gzip or plain) as text: the whole file or chunks.

Every column is read as text (Utf8; an empty field is null) so that nothing is inferred or
rounded before the exact conversions; only the columns the stream uses are kept. Unlike
Tardis files, Quant360 files may quote fields, so Polars' CSV reader splits them with its
quoting rules. Opening, the header and read errors are shared with every vendor
(:mod:`pointline.v2.vendors.text_files`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from pointline.v2.vendors.text_files import (
    READ_ERRORS,
    diagnose,
    line_blocks,
    open_binary,
    read_all,
)

_MIN_BLOCK_BYTES = 1 << 16
_MAX_BLOCK_BYTES = 1 << 26
_BLOCK_BYTES_PER_ROW = 128


def _parse_csv(source: Path | bytes, columns: Sequence[str], path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            source if isinstance(source, Path) else io.BytesIO(source),
            columns=list(columns),
            infer_schema=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, *READ_ERRORS, UnicodeDecodeError) as exc:
        if not isinstance(source, Path):
            raise diagnose(path, exc) from exc
        # Polars refuses gzip that gzip -dc reads (zero padding): read it as the chunked
        # path does, or raise what is wrong with it.
        return _parse_csv(read_all(path, exc), columns, path)
    # in ``columns`` order (a select costs a query: skipped when the file has that order)
    return frame if frame.columns == list(columns) else frame.select(columns)


def read_text(path: Path, columns: Sequence[str]) -> pl.DataFrame:
    """The whole file, ``columns`` only, as text."""
    return _parse_csv(path, columns, path)


def iter_text(path: Path, columns: Sequence[str], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file as text frames of at most ``chunk_rows`` rows, in file order.

    Memory stays bounded by the chunk: the file is decompressed in blocks of about
    ``chunk_rows`` * 128 bytes (64 KiB to 64 MiB), each cut at its last newline and parsed
    with the header row in front. Quant360 fields never contain newlines, so a block boundary
    never splits a row.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    block_bytes = min(max(chunk_rows * _BLOCK_BYTES_PER_ROW, _MIN_BLOCK_BYTES), _MAX_BLOCK_BYTES)
    with open_binary(path) as handle:
        header = handle.readline()
    pending = pl.DataFrame(schema=dict.fromkeys(columns, pl.Utf8))
    for block in line_blocks(path, block_bytes):
        if block.strip():
            pending = pl.concat([pending, _parse_csv(header + block, columns, path)])
        while pending.height >= chunk_rows:
            yield pending.head(chunk_rows)
            pending = pending.slice(chunk_rows)
    if pending.height:
        yield pending
