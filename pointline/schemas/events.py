"""Columns shared by every event table and the helper that builds event specs."""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import ColumnSpec, TableSpec

COMMON_EVENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("exchange", pl.Utf8, description="exchange code, lowercase"),
    ColumnSpec("trading_date", pl.Date, description="exchange-local date of ts_event_us"),
    ColumnSpec("symbol", pl.Utf8, description="exchange-native symbol as in Bronze"),
    ColumnSpec("symbol_id", pl.Int64, description="dim_symbol id valid at ts_event_us"),
    ColumnSpec("ts_event_us", pl.Int64, description="exchange time, UTC microseconds"),
    ColumnSpec("ts_local_us", pl.Int64, nullable=True, description="arrival time, UTC µs"),
    ColumnSpec("file_id", pl.Int64, description="manifest id of the Bronze file"),
    ColumnSpec("file_seq", pl.Int64, description="1-based data row position in the file"),
)

EVENT_PARTITION_BY: tuple[str, ...] = ("exchange", "trading_date")
DEFAULT_TIE_BREAK: tuple[str, ...] = ("exchange", "symbol_id", "ts_event_us", "file_id", "file_seq")


def event_table(
    name: str,
    columns: tuple[ColumnSpec, ...],
    *,
    tie_break_keys: tuple[str, ...] = DEFAULT_TIE_BREAK,
    schema_version: int = 1,
) -> TableSpec:
    """Build an event table: the common columns followed by ``columns``."""
    return TableSpec(
        name=name,
        kind="event",
        column_specs=COMMON_EVENT_COLUMNS + columns,
        partition_by=EVENT_PARTITION_BY,
        business_keys=(),
        tie_break_keys=tie_break_keys,
        schema_version=schema_version,
    )
