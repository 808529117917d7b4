"""The Tardis.dev vendor plug (:class:`TardisVendor`, instance :data:`TARDIS`)."""

from __future__ import annotations

from pathlib import Path

from pointline.v2.models import BronzeFileMetadata
from pointline.v2.vendors.base import BronzeLocation, ChunkedParser, Parser
from pointline.v2.vendors.tardis import layout
from pointline.v2.vendors.tardis.formats import DATA_TYPES
from pointline.v2.vendors.tardis.parsers import parser_for


class TardisVendor:
    """Tardis.dev downloadable CSV files (crypto), one gzip CSV per exchange/type/day/symbol."""

    name = "tardis"

    def data_types(self) -> tuple[str, ...]:
        """The eight Tardis data types."""
        return DATA_TYPES

    def recognise(self, path: Path) -> BronzeLocation | None:
        """See :func:`pointline.v2.vendors.tardis.layout.recognise`."""
        return layout.recognise(path)

    def parser(self, meta: BronzeFileMetadata) -> Parser:
        """Whole-file parser for ``meta.data_type`` (``ValueError`` for an unknown type)."""
        return parser_for(meta.data_type)

    def chunked_parser(self, meta: BronzeFileMetadata) -> ChunkedParser:
        """Parser yielding frames of at most ``chunk_rows`` rows, in bounded memory."""
        return parser_for(meta.data_type).chunks

    def __repr__(self) -> str:
        return "TARDIS"


TARDIS = TardisVendor()
