"""Tardis.dev downloadable CSV files (crypto): the vendor plug and one parser per data type.

``TARDIS`` recognises Tardis Bronze paths and hands out parsers; ``PARSERS`` maps each of the
eight data types to its :class:`TardisParser` (call it on a ``BronzeFileMetadata`` for the
whole file, or use ``.chunks(meta, chunk_rows)``). :mod:`.samples` writes generated files in
the same format for tests and demos.
"""

from pointline.v2.vendors.tardis.csv_reader import (
    REASON_EMPTY_FILE,
    REASON_MALFORMED_ROW,
    REASON_SCHEMA_MISMATCH,
    REASON_TRUNCATED_FILE,
    REASON_UNREADABLE_FILE,
)
from pointline.v2.vendors.tardis.formats import DATA_TYPES, FORMATS, TardisFormat
from pointline.v2.vendors.tardis.layout import recognise, vendor_file_name
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
    "FORMATS",
    "PARSERS",
    "REASON_EMPTY_FILE",
    "REASON_MALFORMED_ROW",
    "REASON_SCHEMA_MISMATCH",
    "REASON_TRUNCATED_FILE",
    "REASON_UNREADABLE_FILE",
    "TARDIS",
    "BookSnapshotsParser",
    "TardisFormat",
    "TardisParser",
    "TardisVendor",
    "parse_book_snapshot_5",
    "parse_book_snapshot_25",
    "parse_derivative_ticker",
    "parse_incremental_book_l2",
    "parse_liquidations",
    "parse_options_chain",
    "parse_quotes",
    "parse_trades",
    "parser_for",
    "recognise",
    "vendor_file_name",
]
