"""The seam through which a vendor plugs into :class:`pointline.v2.Lake`.

A vendor is a :class:`Vendor`: it recognises its Bronze files from their path (the Bronze
layout ``<vendor>/exchange=<e>/type=<t>/date=<YYYY-MM-DD>/symbol=<s>/<file>`` or a
vendor-specific file name) and returns a parser for a file's metadata. Vendors register
themselves in :mod:`pointline.v2.vendors.registry`.

Parser contract (what the pipeline expects back):
    * the target table's columns, except those the pipeline derives (``trading_date``,
      ``symbol_id``, ``file_id``); ``file_seq`` (1-based data row position in the file) should
      be provided; nullable columns may be omitted;
    * ``exchange`` and ``symbol`` on every row;
    * optionally the reject columns of :mod:`pointline.v2.fixed_point` (``_reject_reason``,
      ``_reject_field``, ``_reject_value``) flagging rows that could not be converted; the
      pipeline quarantines them with that reason;
    * a file that cannot be read at all raises :class:`pointline.errors.VendorParseError` with a
      stable ``reason`` (``schema_mismatch``, ``unreadable_file``, ``symbol_mismatch``, ...).

    * with ``meta.extra[KEEP_ORIGINAL_TEXT] == "true"``, also the column ``_reject_text``
      (:data:`pointline.v2.fixed_point.REJECT_TEXT`): on each rejected row, the row's original
      vendor text as one JSON object, so that nothing of it is lost in ``validation_log``
      (null on clean rows; a clean file pays one null column).

Where the metadata came from a path, ``meta.extra`` holds ``exchange``, ``symbol`` and
``path`` (the absolute path to read).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from pointline.v2.models import BronzeFileMetadata

KEEP_ORIGINAL_TEXT = "keep_original_text"
"""``meta.extra`` key: ``"true"`` asks the built-in parsers for the ``_reject_text`` column."""


def wants_original_text(meta: BronzeFileMetadata) -> bool:
    """Whether ``meta`` asks its parser for the ``_reject_text`` column."""
    return (meta.extra or {}).get(KEEP_ORIGINAL_TEXT) == "true"


Parser = Callable[[BronzeFileMetadata], pl.DataFrame]
ChunkedParser = Callable[[BronzeFileMetadata, int], Iterator[pl.DataFrame]]
TEXT_STAGE = "read_text"
"""Optional method of a whole-file parser: ``read_text(meta)`` returns the file's
:class:`~pointline.v2.vendors.stream_format.PendingText` (read and checked, not converted),
which the pipeline converts together with the other small files of a batch
(:func:`~pointline.v2.vendors.stream_format.convert_texts`), or the file's parsed rows when it
had to convert them itself. The built-in parsers have it."""


def text_stage(parser: object) -> Callable[[BronzeFileMetadata], Any] | None:
    """The parser's ``read_text`` method, or None when it has none."""
    return getattr(parser, TEXT_STAGE, None)


@dataclass(frozen=True)
class WithTextStage:
    """A whole-file parser (``parse``) and its text stage (``read_text``), e.g. both wrapped
    in the same guard."""

    parse: Callable[[BronzeFileMetadata], Any]
    read_text: Callable[[BronzeFileMetadata], Any]

    def __call__(self, meta: BronzeFileMetadata) -> Any:
        return self.parse(meta)


@dataclass(frozen=True)
class BronzeLocation:
    """What a Bronze path says about its file."""

    vendor: str
    data_type: str
    exchange: str | None = None
    symbol: str | None = None
    date: datetime.date | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Vendor(Protocol):
    """One vendor's plug: recognise its paths, hand out parsers."""

    name: str

    def data_types(self) -> tuple[str, ...]:
        """The Bronze data types this vendor parses."""
        ...

    def recognise(self, path: Path) -> BronzeLocation | None:
        """What the path says (None when the path is not this vendor's)."""
        ...

    def parser(self, meta: BronzeFileMetadata) -> Parser:
        """Whole-file parser for ``meta.data_type`` (``ValueError`` for an unknown type)."""
        ...

    def chunked_parser(self, meta: BronzeFileMetadata) -> ChunkedParser | None:
        """Chunked parser yielding frames of at most ``chunk_rows`` rows, or None."""
        ...
