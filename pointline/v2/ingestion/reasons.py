"""Stable reason codes: row rules (validation_log ``rule_name``) and file failures."""

from __future__ import annotations

# Row rules: a quarantined row carries exactly one of these (the first that applies).
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

# File failures (IngestionResult.failure_reason / manifest status_reason).
PARSE_ERROR = "parse_error"
EMPTY_PARSE = "empty_parse"
SCHEMA_MISMATCH = "schema_mismatch"
DIM_SYMBOL_ERROR = "dim_symbol_error"
WRITE_ERROR = "write_error"
QUARANTINE_ERROR = "quarantine_error"
QUARANTINE_UNAVAILABLE = "quarantine_unavailable"
MANIFEST_ERROR = "manifest_error"

# Paths that cannot be described as a Bronze file (``Lake.ingest`` of a directory).
LAYOUT_ERROR = "layout_error"
NOT_A_REGULAR_FILE = "not_a_regular_file"
FILE_NOT_FOUND = "file_not_found"
OS_ERROR = "os_error"
INVALID_INPUT = "invalid_input"

# A group of files sent to an executor (``Lake.ingest(..., executor=...)``) that came back
# without results: the worker process died or the pool broke (``worker_lost``), or the task
# raised outside the pipeline (``worker_error``). The files stay ``pending``; a rerun completes
# them.
WORKER_LOST = "worker_lost"
WORKER_ERROR = "worker_error"
