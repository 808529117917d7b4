"""Quant360 order streams (``order_new``) -> ``cn_order_events``.

Format: ``/work/shared/spec/vendors.md`` (SSE order stream, SZSE order stream).
"""

from __future__ import annotations

import polars as pl

from pointline.errors import VendorParseError
from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.reasons import SYMBOL_MISMATCH
from pointline.v2.vendors.quant360.layout import ORDER_NEW, SSE, SZSE, VENDOR_LABEL
from pointline.v2.vendors.quant360.timestamps import timestamp
from pointline.v2.vendors.stream_format import FileContext, StreamFormat, code, constant, integer

UNKNOWN = "UNKNOWN"
SZSE_ORDER_TYPES = {"1": "MARKET", "2": "LIMIT", "U": "BEST_OWN"}
_SHOWN_MISMATCHES = 5

SSE_ORDER_COLUMNS = (
    "SecurityID",
    "TransactTime",
    "OrderNo",
    "Price",
    "Balance",
    "OrderBSFlag",
    "OrdType",
    "OrderIndex",
    "ChannelNo",
    "BizIndex",
)
SZSE_ORDER_COLUMNS = (
    "ApplSeqNum",
    "Side",
    "OrdType",
    "Price",
    "OrderQty",
    "TransactTime",
    "ChannelNo",
    "ExpirationDays",
    "ExpirationType",
    "Contactor",
    "ConfirmID",
)


def check_security_id(text: pl.DataFrame, ctx: FileContext, first_seq: int) -> None:
    """SSE rows carry their symbol: every ``SecurityID`` (as 6-digit text) must be the
    file's.

    Raises:
        VendorParseError: reason ``symbol_mismatch``, naming the file, the expected symbol,
            the symbols found and the first offending row.
    """
    found = text.get_column("SecurityID").str.strip_chars().str.zfill(6)
    bad = (found != ctx.symbol).fill_null(True)
    if not bad.any():
        return
    wrong = found.filter(bad)
    shown = sorted({"<empty>" if s is None else s for s in wrong.to_list()})[:_SHOWN_MISMATCHES]
    first_row = first_seq + int(bad.arg_true()[0])
    raise VendorParseError(
        f"{ctx.path}: SecurityID does not match the file's symbol: expected {ctx.symbol!r}, "
        f"found {shown} on {wrong.len()} row(s), first at file_seq {first_row}",
        reason=SYMBOL_MISMATCH,
        path=str(ctx.path),
    )


SSE_ORDERS = StreamFormat(
    data_type=ORDER_NEW,
    exchange=SSE,
    vendor_label=VENDOR_LABEL,
    table="cn_order_events",
    columns=SSE_ORDER_COLUMNS,
    fields={
        "ts_event_us": timestamp("TransactTime"),
        "ts_local_us": constant(None, pl.Int64),
        "channel_id": integer("ChannelNo", pl.Int32),
        "channel_seq": integer("OrderNo"),
        "channel_biz_seq": integer("BizIndex"),
        "symbol_order_seq": integer("OrderIndex"),
        "order_ref": integer("OrderNo"),
        "event_kind": code("OrdType", {"A": "ADD", "D": "CANCEL"}, other=UNKNOWN),
        "side": code("OrderBSFlag", {"B": "BUY", "S": "SELL"}, other=UNKNOWN),
        "order_type": constant(None),
    },
    decimals={"price": ("Price", PRICE_SCALE), "qty": ("Balance", QTY_SCALE)},
    check=check_security_id,
    check_columns=("SecurityID",),
)
"""SSE orders: OrderNo is both the channel sequence and the order reference; OrdType A/D
(adds and cancels share the stream); other codes (missing ones included) become UNKNOWN."""

SZSE_ORDERS = StreamFormat(
    data_type=ORDER_NEW,
    exchange=SZSE,
    vendor_label=VENDOR_LABEL,
    table="cn_order_events",
    columns=SZSE_ORDER_COLUMNS,
    fields={
        "ts_event_us": timestamp("TransactTime"),
        "ts_local_us": constant(None, pl.Int64),
        "channel_id": integer("ChannelNo", pl.Int32),
        "channel_seq": integer("ApplSeqNum"),
        "channel_biz_seq": constant(None, pl.Int64),
        "symbol_order_seq": constant(None, pl.Int64),
        "order_ref": integer("ApplSeqNum"),
        "event_kind": constant("ADD"),
        "side": code("Side", {"1": "BUY", "2": "SELL"}, other=None),
        "order_type": code("OrdType", SZSE_ORDER_TYPES, other=UNKNOWN),
    },
    decimals={"price": ("Price", PRICE_SCALE), "qty": ("OrderQty", QTY_SCALE)},
)
"""SZSE orders: every row is an ADD (cancels arrive in the tick stream); the symbol comes from
the member file name only. A Side other than 1/2 is ``invalid_code`` (the spec defines no
fallback for it); an OrdType other than 1/2/U is UNKNOWN."""
