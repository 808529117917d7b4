"""Crypto event tables (Tardis.dev and similar vendors)."""

from __future__ import annotations

import polars as pl

from pointline.schemas.events import event_table
from pointline.schemas.types import PRICE_SCALE, QTY_SCALE, ColumnSpec

_P = PRICE_SCALE
_Q = QTY_SCALE

TRADES = event_table(
    "trades",
    (
        ColumnSpec("trade_id", pl.Utf8, nullable=True),
        ColumnSpec("side", pl.Utf8, description="buy/sell/unknown (taker side)"),
        ColumnSpec("is_buyer_maker", pl.Boolean, nullable=True),
        ColumnSpec("price", pl.Int64, scale=_P),
        ColumnSpec("qty", pl.Int64, scale=_Q),
    ),
)

QUOTES = event_table(
    "quotes",
    (
        ColumnSpec("bid_price", pl.Int64, scale=_P),
        ColumnSpec("bid_qty", pl.Int64, scale=_Q),
        ColumnSpec("ask_price", pl.Int64, scale=_P),
        ColumnSpec("ask_qty", pl.Int64, scale=_Q),
        ColumnSpec("seq_num", pl.Int64, nullable=True),
    ),
)

ORDERBOOK_UPDATES = event_table(
    "orderbook_updates",
    (
        ColumnSpec("book_seq", pl.Int64, nullable=True),
        ColumnSpec("side", pl.Utf8, description="bid/ask"),
        ColumnSpec("price", pl.Int64, scale=_P),
        ColumnSpec("qty", pl.Int64, scale=_Q, description="absolute size; 0 removes the level"),
        ColumnSpec("is_snapshot", pl.Boolean),
    ),
    tie_break_keys=("exchange", "symbol_id", "ts_event_us", "book_seq", "file_id", "file_seq"),
)

BOOK_SNAPSHOTS = event_table(
    "book_snapshots",
    (
        ColumnSpec("depth", pl.Int32, description="5 or 25"),
        ColumnSpec("bid_price_levels", pl.List(pl.Int64), scale=_P),
        ColumnSpec("bid_qty_levels", pl.List(pl.Int64), scale=_Q),
        ColumnSpec("ask_price_levels", pl.List(pl.Int64), scale=_P),
        ColumnSpec("ask_qty_levels", pl.List(pl.Int64), scale=_Q),
    ),
)

DERIVATIVE_TICKER = event_table(
    "derivative_ticker",
    (
        ColumnSpec("mark_price", pl.Int64, scale=_P),
        ColumnSpec("index_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("last_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("open_interest", pl.Int64, nullable=True, scale=_Q),
        ColumnSpec("funding_rate", pl.Float64, nullable=True),
        ColumnSpec("predicted_funding_rate", pl.Float64, nullable=True),
        ColumnSpec("funding_ts_us", pl.Int64, nullable=True),
    ),
)

LIQUIDATIONS = event_table(
    "liquidations",
    (
        ColumnSpec("liquidation_id", pl.Utf8, nullable=True),
        ColumnSpec("side", pl.Utf8, description="buy = short liquidated, sell = long liquidated"),
        ColumnSpec("price", pl.Int64, scale=_P),
        ColumnSpec("qty", pl.Int64, scale=_Q),
    ),
)

OPTIONS_CHAIN = event_table(
    "options_chain",
    (
        ColumnSpec("option_type", pl.Utf8, description="call/put"),
        ColumnSpec("strike", pl.Int64, scale=_P),
        ColumnSpec("expiration_ts_us", pl.Int64),
        ColumnSpec("open_interest", pl.Int64, nullable=True, scale=_Q),
        ColumnSpec("last_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("bid_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("bid_qty", pl.Int64, nullable=True, scale=_Q),
        ColumnSpec("bid_iv", pl.Float64, nullable=True),
        ColumnSpec("ask_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("ask_qty", pl.Int64, nullable=True, scale=_Q),
        ColumnSpec("ask_iv", pl.Float64, nullable=True),
        ColumnSpec("mark_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("mark_iv", pl.Float64, nullable=True),
        ColumnSpec("underlying_index", pl.Utf8, nullable=True),
        ColumnSpec("underlying_price", pl.Int64, nullable=True, scale=_P),
        ColumnSpec("delta", pl.Float64, nullable=True),
        ColumnSpec("gamma", pl.Float64, nullable=True),
        ColumnSpec("vega", pl.Float64, nullable=True),
        ColumnSpec("theta", pl.Float64, nullable=True),
        ColumnSpec("rho", pl.Float64, nullable=True),
    ),
)

CRYPTO_EVENT_SPECS = (
    TRADES,
    QUOTES,
    ORDERBOOK_UPDATES,
    BOOK_SNAPSHOTS,
    DERIVATIVE_TICKER,
    LIQUIDATIONS,
    OPTIONS_CHAIN,
)
