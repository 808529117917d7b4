"""Every stable reason code of pointline, in one place (this module imports nothing of it).

Three families, all plain text constants:

* row reasons: a row the parser or the pipeline rejects carries one of these in
  ``_reject_reason`` and, once quarantined, in ``validation_log.rule_name``;
* file failures: ``IngestionResult.failure_reason`` / the manifest's ``status_reason``, and
  the ``reason`` of a :class:`~pointline.errors.VendorParseError`;
* archive outcomes: what a Quant360 archive import reports per ``.7z`` file.
"""

from __future__ import annotations

# --- Row reasons set by the parsers (one per rejected row: the first that applies) ---------
MALFORMED_ROW = "malformed_row"
"""A line with another field count than the header (the whole line is kept)."""
INVALID_INTEGER = "invalid_integer"
INVALID_BOOLEAN = "invalid_boolean"
INVALID_FLOAT = "invalid_float"
INVALID_DECIMAL = "invalid_decimal"
"""Text that is not a decimal number."""
UNREPRESENTABLE_DECIMAL = "unrepresentable_decimal"
"""A decimal number that needs more decimals than the scale or does not fit Int64."""
INVALID_TIMESTAMP = "invalid_timestamp"
"""A timestamp no date can come of (outside 0001-01-01 .. 9999-12-31), or not an integer."""
INVALID_CODE = "invalid_code"
"""A vendor code outside the documented set (and no fallback is defined)."""
BOOK_LEVEL_GAP = "book_level_gap"
INCOMPLETE_BOOK_LEVEL = "incomplete_book_level"

# --- Row rules checked by the pipeline (validation_log ``rule_name``) ----------------------
UNKNOWN_EXCHANGE = "unknown_exchange"
NULL_REQUIRED_COLUMN = "null_required_column"
MISSING_PIT_SYMBOL_COVERAGE = "missing_pit_symbol_coverage"
INVALID_TRADE_VALUES = "invalid_trade_values"
INVALID_QUOTE_VALUES = "invalid_quote_values"
INVALID_ORDERBOOK_UPDATE_VALUES = "invalid_orderbook_update_values"
INVALID_BOOK_SNAPSHOT_VALUES = "invalid_book_snapshot_values"
INVALID_DERIVATIVE_TICKER_VALUES = "invalid_derivative_ticker_values"
INVALID_LIQUIDATION_VALUES = "invalid_liquidation_values"
INVALID_OPTIONS_CHAIN_VALUES = "invalid_options_chain_values"
MISSING_SSE_SEQUENCE_FIELDS = "missing_sse_sequence_fields"
IMPLAUSIBLE_TIMESTAMP = "implausible_timestamp"
"""``ts_event_us`` more than a day outside the file's date (seconds or milliseconds)."""

# --- File failures (IngestionResult.failure_reason, manifest status_reason) ----------------
PARSE_ERROR = "parse_error"
SCHEMA_MISMATCH = "schema_mismatch"
DIM_SYMBOL_ERROR = "dim_symbol_error"
WRITE_ERROR = "write_error"
TABLE_SCHEMA_MISMATCH = "table_schema_mismatch"
"""The target table exists with other columns than its spec's (nothing is written to it)."""
QUARANTINE_ERROR = "quarantine_error"
QUARANTINE_UNAVAILABLE = "quarantine_unavailable"
MANIFEST_ERROR = "manifest_error"
# raised by the vendors' readers (VendorParseError.reason)
EMPTY_FILE = "empty_file"
"""The file has no header line at all (0 bytes, or only blank text)."""
TRUNCATED_FILE = "truncated_file"
"""The gzip stream ends before its end marker."""
UNREADABLE_FILE = "unreadable_file"
"""Missing, not a regular file, corrupt gzip, or bytes that are not UTF-8."""
SYMBOL_MISMATCH = "symbol_mismatch"
"""Rows name another symbol than the file's (Quant360 SSE ``SecurityID``)."""
UNSUPPORTED_STREAM = "unsupported_stream"
"""A known stream the vendor cannot parse for this exchange (Quant360 SSE ``L2_new``)."""
TOO_LARGE = "too_large"
"""The file (or archive) expands past the decompression limit."""

# a group sent to an executor that came back without results: the worker process died or the
# pool broke (``worker_lost``), or the task raised outside the pipeline (``worker_error``). The
# files stay ``pending``; a rerun completes them.
WORKER_LOST = "worker_lost"
WORKER_ERROR = "worker_error"

# paths that cannot be described as a Bronze file (``Lake.ingest`` of a directory)
LAYOUT_ERROR = "layout_error"
NOT_A_REGULAR_FILE = "not_a_regular_file"
FILE_NOT_FOUND = "file_not_found"
OS_ERROR = "os_error"
INVALID_INPUT = "invalid_input"

# --- Quant360 archive outcomes (ArchiveOutcome.reason) ---------------------------------------
ALREADY_IMPORTED = "already_imported"
NOT_INGESTED = "not_ingested"
UNRECOGNISED_NAME = "unrecognised_name"
CORRUPT_ARCHIVE = "corrupt_archive"
UNSAFE_MEMBER = "unsafe_member"
NO_MEMBERS = "no_members"
DUPLICATE_MEMBER = "duplicate_member"
