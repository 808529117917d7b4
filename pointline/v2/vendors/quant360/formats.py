"""The Quant360 parse driver: a stream's declaration applied to a whole file or to chunks.

Each stream of each exchange is declared as a
:class:`~pointline.v2.vendors.stream_format.StreamFormat` (:mod:`.orders`, :mod:`.ticks`,
:mod:`.l2`). :func:`parse_file` and :func:`iter_file` read the member file as text
(:mod:`.reader`), run the declared whole-file check and map the rows with the shared
converter; both give the same rows (``file_seq`` continues across chunks). Exchange and
symbol come from the file's path, not its rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from pointline.v2.vendors import text_files
from pointline.v2.vendors.quant360 import reader
from pointline.v2.vendors.stream_format import (
    FileContext,
    PendingText,
    StreamFormat,
    check_header_of,
)

__all__ = [
    "FileContext",
    "StreamFormat",
    "constants",
    "iter_file",
    "map_text",
    "parse_file",
    "read_file",
]


def constants(ctx: FileContext, first_seq: int) -> tuple[pl.Expr, ...]:
    """The columns a Quant360 file gives every row: its exchange and symbol (from the path)
    and ``file_seq`` numbered from ``first_seq``."""
    return (
        pl.lit(ctx.exchange, pl.Utf8).alias("exchange"),
        pl.lit(ctx.symbol, pl.Utf8).alias("symbol"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_seq).alias("file_seq"),
    )


def map_text(
    fmt: StreamFormat,
    text: pl.DataFrame,
    ctx: FileContext,
    *,
    first_seq: int,
    original_text: bool = False,
) -> pl.DataFrame:
    """Vendor text rows -> rows of ``fmt.table``, ``file_seq`` numbered from ``first_seq``
    (``original_text``: see :meth:`StreamFormat.map_text`)."""
    if fmt.check is not None:
        fmt.check(text, ctx, first_seq)
    return fmt.map_text(text, constants(ctx, first_seq), original_text=original_text)


def _checked_header(fmt: StreamFormat, ctx: FileContext) -> None:
    check_header_of(fmt, text_files.read_header(ctx.path, clean_names=True), ctx.path)


def parse_file(fmt: StreamFormat, ctx: FileContext, *, original_text: bool = False) -> pl.DataFrame:
    """The whole file as rows of ``fmt.table`` (see :mod:`pointline.v2.vendors.base`)."""
    return read_file(fmt, ctx, original_text=original_text).convert()


def read_file(fmt: StreamFormat, ctx: FileContext, *, original_text: bool = False) -> PendingText:
    """The whole file read as text and checked, not yet converted (:func:`parse_file` is
    this and its conversion; the pipeline converts many small files at once)."""
    _checked_header(fmt, ctx)
    text = reader.read_text(ctx.path, fmt.used_columns())
    if fmt.check is not None:
        fmt.check(text, ctx, 1)
    values = (("exchange", ctx.exchange), ("symbol", ctx.symbol))
    return PendingText(fmt, text, original_text=original_text, values=values, first_seq=1)


def iter_file(
    fmt: StreamFormat, ctx: FileContext, chunk_rows: int, *, original_text: bool = False
) -> Iterator[pl.DataFrame]:
    """The file as frames of at most ``chunk_rows`` rows; ``file_seq`` continues across them.
    A file without data rows yields one empty frame (the whole-file parse gives the same)."""
    _checked_header(fmt, ctx)
    next_seq = 1
    for text in reader.iter_text(ctx.path, fmt.used_columns(), chunk_rows):
        yield map_text(fmt, text, ctx, first_seq=next_seq, original_text=original_text)
        next_seq += text.height
    if next_seq == 1:  # no data rows: one empty frame of the table's columns, as Tardis
        empty = pl.DataFrame(schema=dict.fromkeys(fmt.used_columns(), pl.Utf8))
        yield map_text(fmt, empty, ctx, first_seq=1, original_text=original_text)
