"""The Quant360 plug: recognise its Bronze paths, hand out its parsers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from pointline.errors import LayoutError, VendorParseError
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.reasons import UNSUPPORTED_STREAM
from pointline.v2.vendors.base import (
    BronzeLocation,
    ChunkedParser,
    Parser,
    wants_original_text,
)
from pointline.v2.vendors.quant360.formats import (
    FileContext,
    StreamFormat,
    iter_file,
    parse_file,
    read_file,
)
from pointline.v2.vendors.quant360.l2 import SZSE_L2
from pointline.v2.vendors.quant360.layout import (
    BRONZE_LAYOUT_TEXT,
    DATA_TYPES,
    EXCHANGES,
    STREAM_ALIASES,
    VENDOR,
    parse_bronze_path,
)
from pointline.v2.vendors.quant360.orders import SSE_ORDERS, SZSE_ORDERS
from pointline.v2.vendors.quant360.ticks import SSE_TICKS, SZSE_TICKS
from pointline.v2.vendors.stream_format import PendingText

FORMATS: dict[tuple[str, str], StreamFormat] = {
    (f.data_type, f.exchange): f for f in (SSE_ORDERS, SZSE_ORDERS, SSE_TICKS, SZSE_TICKS, SZSE_L2)
}


def _stream_of(meta: BronzeFileMetadata) -> str:
    try:
        return STREAM_ALIASES[meta.data_type]
    except KeyError:
        raise ValueError(
            f"quant360 has no data type {meta.data_type!r}; supported: {sorted(STREAM_ALIASES)}"
        ) from None


def file_context(meta: BronzeFileMetadata) -> FileContext:
    """The file to read (``extra["path"]`` or ``bronze_file_path``) with its exchange and
    symbol (``extra`` first, else what the path says).

    Raises:
        LayoutError: neither ``extra`` nor the path gives a valid exchange and symbol.
    """
    extra = meta.extra or {}
    path = Path(extra.get("path") or meta.bronze_file_path)
    exchange, symbol = extra.get("exchange"), extra.get("symbol")
    if exchange is None or symbol is None:
        location = parse_bronze_path(path) or parse_bronze_path(meta.bronze_file_path)
        if location is not None:
            exchange = exchange or location.exchange
            symbol = symbol or location.symbol
    if exchange not in EXCHANGES or not symbol:
        raise LayoutError(
            f"{path}: cannot tell the exchange and symbol of this quant360 file (got "
            f"exchange={exchange!r}, symbol={symbol!r}); put it in the Bronze layout "
            f"{BRONZE_LAYOUT_TEXT} or set meta.extra['exchange'] ({list(EXCHANGES)}) and "
            "meta.extra['symbol']"
        )
    return FileContext(path=path, exchange=exchange, symbol=symbol)


def _format_for(meta: BronzeFileMetadata) -> tuple[StreamFormat | None, FileContext]:
    stream = _stream_of(meta)
    ctx = file_context(meta)
    return FORMATS.get((stream, ctx.exchange)), ctx


def _unsupported(meta: BronzeFileMetadata, ctx: FileContext) -> VendorParseError:
    return VendorParseError(
        f"{ctx.path}: quant360 {STREAM_ALIASES[meta.data_type]} files of {ctx.exchange} are not "
        f"supported (supported: {sorted(f'{t} ({e})' for t, e in FORMATS)})",
        reason=UNSUPPORTED_STREAM,
        path=str(ctx.path),
    )


def parse(meta: BronzeFileMetadata) -> pl.DataFrame:
    """The whole file as rows of its table (parser contract of
    :mod:`pointline.v2.vendors.base`)."""
    fmt, ctx = _format_for(meta)
    if fmt is None:
        raise _unsupported(meta, ctx)
    return parse_file(fmt, ctx, original_text=wants_original_text(meta))


def read_text(meta: BronzeFileMetadata) -> PendingText:
    """The whole file read as text and checked, not yet converted (see
    :func:`~pointline.v2.vendors.stream_format.convert_texts`)."""
    fmt, ctx = _format_for(meta)
    if fmt is None:
        raise _unsupported(meta, ctx)
    return read_file(fmt, ctx, original_text=wants_original_text(meta))


class WholeFileParser:
    """:func:`parse` with :func:`read_text` (its text stage) as a method."""

    def __call__(self, meta: BronzeFileMetadata) -> pl.DataFrame:
        return parse(meta)

    def read_text(self, meta: BronzeFileMetadata) -> PendingText:
        return read_text(meta)


WHOLE_FILE = WholeFileParser()


def parse_chunks(meta: BronzeFileMetadata, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file as frames of at most ``chunk_rows`` rows, ``file_seq`` continuing."""
    fmt, ctx = _format_for(meta)
    if fmt is None:
        raise _unsupported(meta, ctx)
    yield from iter_file(fmt, ctx, chunk_rows, original_text=wants_original_text(meta))


class Quant360Vendor:
    """Quant360 China A-share Level 2/3: ``order_new``, ``tick_new`` and ``L2_new`` files."""

    name = VENDOR

    def data_types(self) -> tuple[str, ...]:
        """``order_new``, ``tick_new``, ``L2_new`` (``L1_new`` is delivered, not ingested)."""
        return DATA_TYPES

    def recognise(self, path: Path) -> BronzeLocation | None:
        """``.../quant360/exchange=<e>/type=<t>/date=<YYYY-MM-DD>/symbol=<s>/<s>.csv.gz``."""
        return parse_bronze_path(path)

    def parser(self, meta: BronzeFileMetadata) -> Parser:
        """Whole-file parser.

        Raises:
            ValueError: unknown data type.
            LayoutError: exchange/symbol can be neither read from ``meta.extra`` nor inferred.

        SSE ``L2_new`` is known but not supported: its parser raises
        :class:`~pointline.errors.VendorParseError` (``unsupported_stream``) when called, so
        the file is recorded as failed rather than stopping a batch.
        """
        _format_for(meta)
        return WHOLE_FILE

    def chunked_parser(self, meta: BronzeFileMetadata) -> ChunkedParser | None:
        """Chunked parser (same rows as :meth:`parser`, frames of at most ``chunk_rows``)."""
        _format_for(meta)
        return parse_chunks


QUANT360 = Quant360Vendor()
