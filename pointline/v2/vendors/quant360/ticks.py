"""Quant360 tick streams (``tick_new``) -> ``cn_tick_events``.

Format: ``/work/shared/spec/vendors.md`` (SSE tick stream, SZSE tick stream).
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.quant360.layout import SSE, SZSE, TICK_NEW, VENDOR_LABEL
from pointline.v2.vendors.quant360.orders import check_security_id
from pointline.v2.vendors.quant360.timestamps import timestamp
from pointline.v2.vendors.stream_format import Field, StreamFormat, code, constant, integer

SSE_TICK_COLUMNS = (
    "SecurityID",
    "TradeTime",
    "TradePrice",
    "TradeQty",
    "TradeAmount",
    "BuyNo",
    "SellNo",
    "TradeIndex",
    "ChannelNo",
    "TradeBSFlag",
    "BizIndex",
)
SZSE_TICK_COLUMNS = (
    "ApplSeqNum",
    "BidApplSeqNum",
    "OfferApplSeqNum",
    "Price",
    "Qty",
    "ExecType",
    "TransactTime",
    "ChannelNo",
)

SSE_TICKS = StreamFormat(
    data_type=TICK_NEW,
    exchange=SSE,
    vendor_label=VENDOR_LABEL,
    table="cn_tick_events",
    columns=SSE_TICK_COLUMNS,
    fields={
        "ts_event_us": timestamp("TradeTime"),
        "ts_local_us": constant(None, pl.Int64),
        "channel_id": integer("ChannelNo", pl.Int32),
        "channel_seq": integer("TradeIndex"),
        "channel_biz_seq": integer("BizIndex"),
        "symbol_trade_seq": integer("TradeIndex"),
        "bid_order_ref": integer("BuyNo"),
        "ask_order_ref": integer("SellNo"),
        "event_kind": constant("TRADE"),
        "aggressor_side": code(
            "TradeBSFlag", {"B": "BUY", "S": "SELL", "N": "UNKNOWN"}, other=None
        ),
    },
    decimals={"price": ("TradePrice", PRICE_SCALE), "qty": ("TradeQty", QTY_SCALE)},
    check=check_security_id,
    check_columns=("SecurityID",),
)
"""SSE trades: a missing TradeIndex leaves channel_seq null (the pipeline quarantines the row
as a missing required column / missing SSE sequence field); a TradeBSFlag other than B/S/N is
``invalid_code``, a missing one is a null aggressor side."""


def _szse_tick_fields() -> dict[str, Field]:
    kind = code("ExecType", {"F": "TRADE", "4": "CANCEL"}, other=None)
    bid = integer("BidApplSeqNum")
    ask = integer("OfferApplSeqNum")
    # The later order of the two is the taker: a larger bid sequence number means the buyer
    # arrived second.
    aggressor = (
        pl.when(~kind.value.eq_missing("TRADE"))
        .then(pl.lit(None, pl.Utf8))
        .when(bid.value > ask.value)
        .then(pl.lit("BUY"))
        .when(bid.value < ask.value)
        .then(pl.lit("SELL"))
        .otherwise(pl.lit("UNKNOWN"))
    )
    return {
        "ts_event_us": timestamp("TransactTime"),
        "ts_local_us": constant(None, pl.Int64),
        "channel_id": integer("ChannelNo", pl.Int32),
        "channel_seq": integer("ApplSeqNum"),
        "channel_biz_seq": constant(None, pl.Int64),
        "symbol_trade_seq": constant(None, pl.Int64),
        "bid_order_ref": bid,
        "ask_order_ref": ask,
        "event_kind": kind,
        "aggressor_side": Field(value=aggressor),
    }


SZSE_TICKS = StreamFormat(
    data_type=TICK_NEW,
    exchange=SZSE,
    vendor_label=VENDOR_LABEL,
    table="cn_tick_events",
    columns=SZSE_TICK_COLUMNS,
    fields=_szse_tick_fields(),
    decimals={"price": ("Price", PRICE_SCALE), "qty": ("Qty", QTY_SCALE)},
)
"""SZSE trades and cancels: ExecType F -> TRADE, 4 -> CANCEL (anything else is
``invalid_code``); a cancel's price 0.000 is a valid 0 and its order reference 0 is kept as
0; aggressor side only for trades (null for cancels and unknown kinds)."""
