"""Control tables: the ingest manifest and the validation (quarantine) log."""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import ColumnSpec, TableSpec

INGEST_MANIFEST = TableSpec(
    name="ingest_manifest",
    kind="control",
    column_specs=(
        ColumnSpec("file_id", pl.Int64),
        ColumnSpec("vendor", pl.Utf8),
        ColumnSpec("data_type", pl.Utf8),
        ColumnSpec("bronze_path", pl.Utf8),
        ColumnSpec("file_hash", pl.Utf8, description="sha256 of the Bronze file"),
        ColumnSpec("status", pl.Utf8, description="pending/success/failed/quarantined"),
        # Null only while pending; the Delta schema therefore keeps them nullable.
        ColumnSpec("rows_total", pl.Int64, nullable=True),
        ColumnSpec("rows_written", pl.Int64, nullable=True),
        ColumnSpec("rows_quarantined", pl.Int64, nullable=True),
        ColumnSpec("trading_date_min", pl.Date, nullable=True),
        ColumnSpec("trading_date_max", pl.Date, nullable=True),
        ColumnSpec("created_at_ts_us", pl.Int64),
        ColumnSpec("processed_at_ts_us", pl.Int64, nullable=True),
        ColumnSpec(
            "status_reason",
            pl.Utf8,
            nullable=True,
            description="stable reason code of the latest attempt (IngestionResult.failure_reason)",
        ),
        ColumnSpec(
            "status_message",
            pl.Utf8,
            nullable=True,
            description="readable detail of the latest attempt (IngestionResult.error_message)",
        ),
    ),
    business_keys=("vendor", "data_type", "bronze_path", "file_hash"),
    tie_break_keys=("file_id",),
)

VALIDATION_LOG = TableSpec(
    name="validation_log",
    kind="control",
    column_specs=(
        ColumnSpec("file_id", pl.Int64),
        ColumnSpec("rule_name", pl.Utf8, description="the reason (rule)"),
        ColumnSpec("severity", pl.Utf8),
        ColumnSpec("logged_at_ts_us", pl.Int64),
        ColumnSpec("file_seq", pl.Int64, nullable=True),
        ColumnSpec("field_name", pl.Utf8, nullable=True),
        ColumnSpec("field_value", pl.Utf8, nullable=True),
        ColumnSpec("ts_event_us", pl.Int64, nullable=True),
        ColumnSpec("symbol", pl.Utf8, nullable=True),
        ColumnSpec("symbol_id", pl.Int64, nullable=True),
        ColumnSpec("message", pl.Utf8, nullable=True),
        ColumnSpec("table_name", pl.Utf8, nullable=True),
        ColumnSpec("row_json", pl.Utf8, nullable=True),
    ),
    business_keys=(),
    tie_break_keys=("file_id", "file_seq", "rule_name"),
)
