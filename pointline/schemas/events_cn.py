"""China A-share Level 2/3 event tables (Quant360, SSE and SZSE)."""

from __future__ import annotations

import polars as pl

from pointline.schemas.events import event_table
from pointline.schemas.types import AMOUNT_SCALE_CNY, PRICE_SCALE, QTY_SCALE, ColumnSpec

_CN_TIE_BREAK = (
    "exchange",
    "symbol_id",
    "trading_date",
    "channel_id",
    "channel_seq",
    "file_id",
    "file_seq",
)

CN_ORDER_EVENTS = event_table(
    "cn_order_events",
    (
        ColumnSpec("channel_id", pl.Int32),
        ColumnSpec("channel_seq", pl.Int64),
        ColumnSpec("channel_biz_seq", pl.Int64, nullable=True),
        ColumnSpec("symbol_order_seq", pl.Int64, nullable=True),
        ColumnSpec("order_ref", pl.Int64),
        ColumnSpec("event_kind", pl.Utf8, description="ADD/CANCEL/UNKNOWN"),
        ColumnSpec("side", pl.Utf8, description="BUY/SELL/UNKNOWN"),
        ColumnSpec("order_type", pl.Utf8, nullable=True, description="MARKET/LIMIT/BEST_OWN"),
        ColumnSpec("price", pl.Int64, scale=PRICE_SCALE),
        ColumnSpec("qty", pl.Int64, scale=QTY_SCALE),
    ),
    tie_break_keys=_CN_TIE_BREAK,
)

CN_TICK_EVENTS = event_table(
    "cn_tick_events",
    (
        ColumnSpec("channel_id", pl.Int32),
        ColumnSpec("channel_seq", pl.Int64),
        ColumnSpec("channel_biz_seq", pl.Int64, nullable=True),
        ColumnSpec("symbol_trade_seq", pl.Int64, nullable=True),
        ColumnSpec("bid_order_ref", pl.Int64, nullable=True),
        ColumnSpec("ask_order_ref", pl.Int64, nullable=True),
        ColumnSpec("event_kind", pl.Utf8, description="TRADE/CANCEL"),
        ColumnSpec("aggressor_side", pl.Utf8, nullable=True, description="BUY/SELL/UNKNOWN"),
        ColumnSpec("price", pl.Int64, scale=PRICE_SCALE),
        ColumnSpec("qty", pl.Int64, scale=QTY_SCALE),
    ),
    tie_break_keys=_CN_TIE_BREAK,
)

CN_L2_SNAPSHOTS = event_table(
    "cn_l2_snapshots",
    (
        ColumnSpec("snapshot_seq", pl.Int64),
        ColumnSpec("image_status", pl.Utf8, nullable=True),
        ColumnSpec("trading_phase_code", pl.Utf8, nullable=True),
        ColumnSpec("bid_price_levels", pl.List(pl.Int64), scale=PRICE_SCALE),
        ColumnSpec("bid_qty_levels", pl.List(pl.Int64), scale=QTY_SCALE),
        ColumnSpec("ask_price_levels", pl.List(pl.Int64), scale=PRICE_SCALE),
        ColumnSpec("ask_qty_levels", pl.List(pl.Int64), scale=QTY_SCALE),
        ColumnSpec("bid_order_count_levels", pl.List(pl.Int64), nullable=True),
        ColumnSpec("ask_order_count_levels", pl.List(pl.Int64), nullable=True),
        ColumnSpec("pre_close_price", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("open_price", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("high_price", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("low_price", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("last_price", pl.Int64, nullable=True, scale=PRICE_SCALE),
        ColumnSpec("volume", pl.Int64, nullable=True),
        ColumnSpec("amount", pl.Int64, nullable=True, scale=AMOUNT_SCALE_CNY),
        ColumnSpec("num_trades", pl.Int64, nullable=True),
        ColumnSpec("total_bid_qty", pl.Int64, nullable=True),
        ColumnSpec("total_ask_qty", pl.Int64, nullable=True),
    ),
    tie_break_keys=("exchange", "symbol_id", "ts_event_us", "snapshot_seq", "file_id", "file_seq"),
)

CN_EVENT_SPECS = (CN_ORDER_EVENTS, CN_TICK_EVENTS, CN_L2_SNAPSHOTS)
