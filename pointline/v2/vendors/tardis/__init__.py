"""Tardis.dev downloadable CSV files (crypto): the vendor plug and one parser per data type.

Each data type is declared as data in :mod:`.formats` (a
:class:`~pointline.v2.vendors.stream_format.StreamFormat`). ``TARDIS`` recognises Tardis
Bronze paths and hands out parsers; ``PARSERS`` maps each of the eight data types to its
:class:`TardisParser` (call it on a ``BronzeFileMetadata`` for the whole file, or use
``.chunks(meta, chunk_rows)``). :mod:`.samples` writes generated files in the same format for
tests and demos. :func:`parse_vendor_file_name` / :func:`looks_like_vendor_file` read the
Tardis file name (:data:`FILE_NAME_PATTERN_TEXT`).
"""

from pointline.v2.vendors.stream_format import StreamFormat
from pointline.v2.vendors.tardis.formats import DATA_TYPES, FORMATS
from pointline.v2.vendors.tardis.layout import (
    FILE_NAME_PATTERN_TEXT,
    looks_like_vendor_file,
    parse_vendor_file_name,
    recognise,
    vendor_file_name,
)
from pointline.v2.vendors.tardis.parsers import (
    PARSERS,
    BookSnapshotsParser,
    TardisParser,
    parser_for,
)
from pointline.v2.vendors.tardis.vendor import TARDIS, TardisVendor

parse_trades = PARSERS["trades"]
parse_quotes = PARSERS["quotes"]
parse_incremental_book_l2 = PARSERS["incremental_book_L2"]
parse_book_snapshot_25 = PARSERS["book_snapshot_25"]
parse_book_snapshot_5 = PARSERS["book_snapshot_5"]
parse_derivative_ticker = PARSERS["derivative_ticker"]
parse_liquidations = PARSERS["liquidations"]
parse_options_chain = PARSERS["options_chain"]

__all__ = [
    "DATA_TYPES",
    "FILE_NAME_PATTERN_TEXT",
    "FORMATS",
    "PARSERS",
    "TARDIS",
    "BookSnapshotsParser",
    "StreamFormat",
    "TardisParser",
    "TardisVendor",
    "looks_like_vendor_file",
    "parse_book_snapshot_5",
    "parse_book_snapshot_25",
    "parse_derivative_ticker",
    "parse_incremental_book_l2",
    "parse_liquidations",
    "parse_options_chain",
    "parse_quotes",
    "parse_trades",
    "parse_vendor_file_name",
    "parser_for",
    "recognise",
    "vendor_file_name",
]
