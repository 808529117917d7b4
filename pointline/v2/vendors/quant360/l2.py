"""Quant360 SZSE Level 2 snapshots (``L2_new``, SZSE) -> ``cn_l2_snapshots``.

Format: ``/work/shared/spec/vendors.md`` (SZSE L2 snapshots). The documented column list ends
with "…": the columns mapped here are required, any others are allowed and ignored.

Scales: prices and the qty levels as the table says (PRICE_SCALE/QTY_SCALE), amount in CNY at
10**4; ``volume``, ``total_bid_qty``, ``total_ask_qty``, ``num_trades`` and the order-count
levels carry no scale in the table and are stored as plain integers (shares, orders): their
text converts exactly at scale 1, so ``"1200"`` and ``"1200.00"`` are 1200 and ``"1200.5"`` is
``unrepresentable_decimal``. SSE L2 is not supported.
"""

from __future__ import annotations

from pointline.schemas.types import AMOUNT_SCALE_CNY, PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.quant360.layout import L2_NEW, SZSE, VENDOR_LABEL
from pointline.v2.vendors.quant360.timestamps import timestamp
from pointline.v2.vendors.stream_format import StreamFormat, integer, text

PLAIN_INTEGER_SCALE = 1
"""Scale of the unscaled Int64 columns (volume in shares, order counts)."""

SZSE_L2_COLUMNS = (
    "SendingTime",
    "MsgSeqNum",
    "ImageStatus",
    "QuotTime",
    "PreClosePx",
    "OpenPx",
    "HighPx",
    "LowPx",
    "LastPx",
    "Volume",
    "Amount",
    "BidPrice",
    "BidOrderQty",
    "BidNumOrders",
    "OfferPrice",
    "OfferOrderQty",
    "OfferNumOrders",
    "NumTrades",
    "TotalBidQty",
    "TotalOfferQty",
    "TradingPhaseCode",
)
"""The columns this parser maps (required); the documented file has more (ClosePx,
AveragePx, BidOrders, ...)."""

SZSE_L2 = StreamFormat(
    data_type=L2_NEW,
    exchange=SZSE,
    vendor_label=VENDOR_LABEL,
    table="cn_l2_snapshots",
    columns=SZSE_L2_COLUMNS,
    allow_extra_columns=True,
    fields={
        "ts_event_us": timestamp("QuotTime"),
        "ts_local_us": timestamp("SendingTime"),
        "snapshot_seq": integer("MsgSeqNum"),
        "image_status": text("ImageStatus"),
        "trading_phase_code": text("TradingPhaseCode"),
        "num_trades": integer("NumTrades"),
    },
    levels={
        "bid_price_levels": ("BidPrice", PRICE_SCALE),
        "bid_qty_levels": ("BidOrderQty", QTY_SCALE),
        "ask_price_levels": ("OfferPrice", PRICE_SCALE),
        "ask_qty_levels": ("OfferOrderQty", QTY_SCALE),
        "bid_order_count_levels": ("BidNumOrders", PLAIN_INTEGER_SCALE),
        "ask_order_count_levels": ("OfferNumOrders", PLAIN_INTEGER_SCALE),
    },
    decimals={
        "pre_close_price": ("PreClosePx", PRICE_SCALE),
        "open_price": ("OpenPx", PRICE_SCALE),
        "high_price": ("HighPx", PRICE_SCALE),
        "low_price": ("LowPx", PRICE_SCALE),
        "last_price": ("LastPx", PRICE_SCALE),
        "volume": ("Volume", PLAIN_INTEGER_SCALE),
        "amount": ("Amount", AMOUNT_SCALE_CNY),
        "total_bid_qty": ("TotalBidQty", PLAIN_INTEGER_SCALE),
        "total_ask_qty": ("TotalOfferQty", PLAIN_INTEGER_SCALE),
    },
)
