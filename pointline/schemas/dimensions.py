"""Dimension tables: the SCD2 symbol master."""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE, ColumnSpec, TableSpec

DIM_SYMBOL = TableSpec(
    name="dim_symbol",
    kind="dimension",
    column_specs=(
        ColumnSpec("symbol_id", pl.Int64, description="blake2b-64 of exchange|symbol|valid_from"),
        ColumnSpec("exchange", pl.Utf8),
        ColumnSpec("exchange_symbol", pl.Utf8, description="symbol as it appears in Bronze"),
        ColumnSpec("canonical_symbol", pl.Utf8),
        ColumnSpec("market_type", pl.Utf8),
        ColumnSpec("base_asset", pl.Utf8),
        ColumnSpec("quote_asset", pl.Utf8),
        ColumnSpec("valid_from_ts_us", pl.Int64, description="inclusive"),
        ColumnSpec("valid_until_ts_us", pl.Int64, description="exclusive; open rows use 2**63-1"),
        ColumnSpec("is_current", pl.Boolean),
        ColumnSpec("tick_size", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("lot_size", pl.Int64, nullable=True, scale=QTY_SCALE),
        ColumnSpec("contract_size", pl.Int64, nullable=True, scale=QTY_SCALE),
        ColumnSpec("updated_at_ts_us", pl.Int64),
    ),
    partition_by=(),
    business_keys=("exchange", "exchange_symbol", "valid_from_ts_us"),
    tie_break_keys=("exchange", "exchange_symbol", "valid_from_ts_us"),
)
