"""One parser per Tardis data type: whole-file (``parser(meta)``) and chunked twins.

A parser reads the file named by the metadata (``meta.extra["path"]`` when present, else
``meta.bronze_file_path``; ``.csv.gz`` or ``.csv``), checks its header against the declared
one (:mod:`pointline.v2.vendors.tardis.formats`), reads every field as text
(:mod:`pointline.v2.vendors.tardis.csv_reader`) and maps the rows to the target table with
the shared converter (:meth:`pointline.v2.vendors.stream_format.StreamFormat.map_text`).
``read_text`` stops before the conversion, so that the pipeline can convert many small files
in one pass (:func:`pointline.v2.vendors.stream_format.convert_texts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from pointline.errors import VendorParseError
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.reasons import SCHEMA_MISMATCH
from pointline.v2.vendors import text_files
from pointline.v2.vendors.base import wants_original_text
from pointline.v2.vendors.stream_format import PendingText, StreamFormat, check_header_of
from pointline.v2.vendors.tardis import csv_reader
from pointline.v2.vendors.tardis.formats import (
    ALIASES,
    ANY_DEPTH_SNAPSHOTS,
    DATA_TYPES,
    FORMATS,
    SNAPSHOT_DEPTHS,
)

TIMESTAMP_COLUMNS = ("timestamp", "local_timestamp")
"""Integer columns of every Tardis format, read as Int64 when a whole block allows it."""


def _integers(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in TIMESTAMP_COLUMNS if c in columns)


@dataclass(frozen=True)
class TardisParser:
    """The parser of one Tardis data type.

    Calling it parses a whole file; :meth:`chunks` streams it in bounded memory. Both give
    the same rows (``file_seq`` continues across chunks).
    """

    format: StreamFormat

    def _columns(self, path: str) -> tuple[str, ...]:
        header = text_files.read_header(path)
        check_header_of(self.format, header, path)
        return header

    def __call__(self, meta: BronzeFileMetadata) -> pl.DataFrame:
        """Parse the whole file.

        Raises:
            VendorParseError: ``empty_file``, ``schema_mismatch``, ``truncated_file`` or
                ``unreadable_file``.
        """
        return self.read_text(meta).convert()

    def read_text(self, meta: BronzeFileMetadata) -> PendingText:
        """The whole file read as text, header checked, not yet converted (the pipeline
        converts the texts of many small files at once: :func:`convert_texts`).

        Raises:
            VendorParseError: as :meth:`__call__`.
        """
        path = csv_reader.source_path(meta)
        columns = self._columns(path)
        text = csv_reader.read_text(path, columns, integers=_integers(columns))
        return PendingText(self.format, text, original_text=wants_original_text(meta))

    def chunks(
        self,
        meta: BronzeFileMetadata,
        chunk_rows: int,
        *,
        block_bytes: int = csv_reader.DEFAULT_BLOCK_BYTES,
    ) -> Iterator[pl.DataFrame]:
        """Parse the file as frames of at most ``chunk_rows`` rows (at least one frame).

        The header is checked before this returns; read errors further in the file are
        raised during iteration, after the chunks before them.
        """
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
        path = csv_reader.source_path(meta)
        columns = self._columns(path)
        keep = wants_original_text(meta)
        frames = (
            self.format.map_text(text, original_text=keep)
            for text in csv_reader.iter_text(
                path, columns, block_bytes=block_bytes, integers=_integers(columns)
            )
        )
        return csv_reader.rechunk(frames, chunk_rows)


PARSERS: dict[str, TardisParser] = {name: TardisParser(fmt) for name, fmt in FORMATS.items()}


class BookSnapshotsParser:
    """Parser for data type ``book_snapshots``: depth 5 or 25 as the header says."""

    def _parser(self, meta: BronzeFileMetadata) -> TardisParser:
        path = csv_reader.source_path(meta)
        header = sorted(text_files.read_header(path))
        for data_type in SNAPSHOT_DEPTHS:
            if header == sorted(FORMATS[data_type].columns):
                return PARSERS[data_type]
        raise VendorParseError(
            f"{path}: header matches neither the book_snapshot_5 nor the book_snapshot_25 "
            f"columns (asks[i].price, asks[i].amount, bids[i].price, bids[i].amount)",
            reason=SCHEMA_MISMATCH,
            path=path,
        )

    def __call__(self, meta: BronzeFileMetadata) -> pl.DataFrame:
        return self._parser(meta)(meta)

    def read_text(self, meta: BronzeFileMetadata) -> PendingText:
        return self._parser(meta).read_text(meta)

    def chunks(
        self,
        meta: BronzeFileMetadata,
        chunk_rows: int,
        *,
        block_bytes: int = csv_reader.DEFAULT_BLOCK_BYTES,
    ) -> Iterator[pl.DataFrame]:
        return self._parser(meta).chunks(meta, chunk_rows, block_bytes=block_bytes)


def parser_for(data_type: str) -> TardisParser | BookSnapshotsParser:
    """The parser of ``data_type``: a Tardis type, or an alias from ``tables.md`` routing.

    Raises:
        ValueError: unknown data type (the message lists the supported ones).
    """
    if data_type == ANY_DEPTH_SNAPSHOTS:
        return BookSnapshotsParser()
    parser = PARSERS.get(ALIASES.get(data_type, data_type))
    if parser is None:
        supported = [*DATA_TYPES, *ALIASES, ANY_DEPTH_SNAPSHOTS]
        raise ValueError(f"unknown Tardis data type {data_type!r}; supported: {supported}")
    return parser
