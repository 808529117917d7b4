"""Reading Tardis CSV(.gz) files as text: header check, ragged rows, chunks, read errors.

Every field is read as text (Utf8) so that decimal text stays exact; an empty field is null.
Integer columns (the timestamps) may be read as Int64 instead: when a block has a value that
is not an integer there, the block is read again all as text, so the converter flags the row.
Fields are split on commas only (``quote_char=None``): Tardis files are not quoted, and this
way the whole-file and the chunked reads split every line the same way.

Reading is vectorised in Polars. The fast path is one ``pl.read_csv`` with the header's
columns. Polars cannot tell a short row from a row whose last fields are empty, and it
refuses rows with too many fields, so when that read fails or the last column has a null,
the block is re-read as whole lines and split here, which counts each line's fields exactly.
A line with another field count than the header is kept and flagged in the reject columns
(reason ``malformed_row``, value = the whole raw line), never shifted or dropped. Blank
lines are not data rows: they are skipped and not counted in ``file_seq``.

File-level failures (``empty_file``, ``schema_mismatch``, ``truncated_file``,
``unreadable_file``) are raised by :mod:`pointline.v2.vendors.text_files`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import polars as pl

from pointline.v2.fixed_point import REJECT_COLUMNS, REJECT_FIELD, REJECT_REASON, REJECT_VALUE
from pointline.v2.frames import RowNumbers, with_constants
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.reasons import MALFORMED_ROW
from pointline.v2.vendors.text_files import diagnose, line_blocks, read_all

FILE_SEQ = "file_seq"
DEFAULT_BLOCK_BYTES = 16 << 20
"""Decompressed bytes read per block by the chunked reader (its memory does not grow with
the file: about one block plus ``chunk_rows`` rows)."""

_LINE = "__line"
_FIELDS = "__fields"


def source_path(meta: BronzeFileMetadata) -> str:
    """The file to read: ``meta.extra["path"]`` when present, else ``meta.bronze_file_path``."""
    if meta.extra and meta.extra.get("path"):
        return str(meta.extra["path"])
    return meta.bronze_file_path


def _read_fields(
    source: str | bytes, columns: Sequence[str], *, skip: int, integers: Sequence[str] = ()
) -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=False,
        skip_rows=skip,
        schema={c: pl.Int64 if c in integers else pl.String for c in columns},
        quote_char=None,
        raise_if_empty=False,
    )


def _read_lines(source: str | bytes, *, skip: int) -> pl.DataFrame:
    return pl.read_lines(source, name=_LINE).slice(skip)


def _with_lineage(frame: pl.LazyFrame, first_seq: int) -> pl.LazyFrame:
    return frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_seq).alias(FILE_SEQ))


def _split_lines(lines: pl.DataFrame, columns: Sequence[str], first_seq: int) -> pl.DataFrame:
    """Split raw lines on commas; flag lines whose field count is not the header's."""
    line = pl.col(_LINE).str.strip_suffix("\r")
    fields = pl.col(_FIELDS)
    malformed = fields.list.len() != len(columns)

    def field(i: int) -> pl.Expr:
        value = fields.list.get(i, null_on_oob=True)
        return pl.when(value != "").then(value)

    return (
        lines.lazy()
        .select(line)
        .filter(pl.col(_LINE) != "")
        .pipe(_with_lineage, first_seq)
        .with_columns(pl.col(_LINE).str.split(",").alias(_FIELDS))
        .select(
            *(field(i).alias(name) for i, name in enumerate(columns)),
            FILE_SEQ,
            pl.when(malformed).then(pl.lit(MALFORMED_ROW)).alias(REJECT_REASON),
            pl.lit(None, pl.String).alias(REJECT_FIELD),
            pl.when(malformed).then(pl.col(_LINE)).alias(REJECT_VALUE),
        )
        .collect()
    )


def _read_block(
    source: str | bytes,
    columns: Sequence[str],
    *,
    path: str,
    skip: int,
    first_seq: int,
    integers: Sequence[str] = (),
) -> pl.DataFrame:
    """Frame of one block (a whole file, or complete lines without the header): ``integers``
    as Int64 when every value of them reads as one, else every column as text."""
    frame = None
    for typed in [integers, ()] if integers else [()]:
        try:
            frame = _read_fields(source, columns, skip=skip, integers=typed)
            break
        except pl.exceptions.PolarsError:
            continue  # not integers, another field count, or bad text: the next read tells
        except OSError as exc:
            if not isinstance(source, str):
                raise diagnose(path, exc) from exc
            # Polars refuses gzip that gzip -dc reads (zero padding): read it as the chunked
            # path does, or raise what is wrong with it.
            data = read_all(path, exc)
            return _read_block(
                data, columns, path=path, skip=skip, first_seq=first_seq, integers=integers
            )
    if frame is not None and frame.get_column(columns[-1]).null_count() == 0:
        nulls = {c: (None, pl.String) for c in REJECT_COLUMNS}
        return with_constants(frame, {FILE_SEQ: RowNumbers(first_seq), **nulls})
    try:
        lines = _read_lines(source, skip=skip)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise diagnose(path, exc) from exc
    return _split_lines(lines, columns, first_seq)


def read_text(path: str, columns: Sequence[str], *, integers: Sequence[str] = ()) -> pl.DataFrame:
    """The whole file as text: ``columns`` (the header, in file order), ``file_seq`` and the
    reject columns (``malformed_row`` lines).

    Args:
        integers: columns read as Int64 when every value of them is an integer (saves the
            text and its conversion); when one is not, they are read as text like the rest.

    Raises:
        VendorParseError: ``truncated_file`` or ``unreadable_file``.
    """
    return _read_block(path, columns, path=path, skip=1, first_seq=1, integers=integers)


def iter_text(
    path: str,
    columns: Sequence[str],
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    integers: Sequence[str] = (),
) -> Iterator[pl.DataFrame]:
    """The file as text frames, one per block, ``file_seq`` continuing across them.

    Memory is bounded by ``block_bytes``, not by the file size. A file without data rows
    yields one empty frame. A read error is raised when it is met, after the frames before
    it were yielded.
    """
    next_seq = 1
    for block in line_blocks(path, block_bytes):
        frame = _read_block(
            block, columns, path=path, skip=0, first_seq=next_seq, integers=integers
        )
        next_seq += frame.height
        yield frame
    if next_seq == 1:
        yield _read_block(b"", columns, path=path, skip=0, first_seq=1)


def rechunk(frames: Iterable[pl.DataFrame], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Regroup ``frames`` into frames of exactly ``chunk_rows`` rows (the last may be shorter).

    Yields at least one frame: an empty one (with the first frame's columns) when there are
    no rows at all.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    pending: list[pl.DataFrame] = []
    pending_rows = 0
    first: pl.DataFrame | None = None
    emitted = False
    for frame in frames:
        first = frame if first is None else first
        pending.append(frame)
        pending_rows += frame.height
        if pending_rows < chunk_rows:
            continue
        merged = pl.concat(pending, rechunk=False)
        full = (merged.height // chunk_rows) * chunk_rows
        for offset in range(0, full, chunk_rows):
            yield merged.slice(offset, chunk_rows)
            emitted = True
        rest = merged.slice(full)
        pending, pending_rows = ([rest], rest.height) if rest.height else ([], 0)
    if pending_rows:
        yield pl.concat(pending, rechunk=False)
    elif not emitted and first is not None:
        yield first.clear()
