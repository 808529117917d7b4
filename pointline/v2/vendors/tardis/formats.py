"""Each Tardis.dev data type declared as data: its documented header, its table, and how each
output column comes from the text (:class:`~pointline.v2.vendors.stream_format.StreamFormat`).

Source: Tardis.dev "Downloadable CSV files" documentation
(https://docs.tardis.dev/downloadable-csv-files), summarised in ``shared/spec/vendors.md``.
Every file starts with the four common columns; the header must hold exactly the documented
set of columns (the order is free: columns are matched by name). Timestamps are integer
microseconds (blanks around them allowed; outside the years 1-9999 the row is
``invalid_timestamp``); prices and sizes are exact fixed point; rates,
implied volatilities and greeks are Float64 by the table contract. A rejected row names the
Tardis column (``amount``, not ``qty``).
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.ingestion.routing import TARDIS, stream_aliases
from pointline.v2.vendors.stream_format import (
    Field,
    StreamFormat,
    boolean,
    column,
    floating,
    timestamp_us,
)
from pointline.v2.vendors.tardis.snapshots import (
    SNAPSHOT_DEPTHS,
    book_snapshot_format,
    snapshot_level_columns,
)

VENDOR = TARDIS
COMMON_COLUMNS: tuple[str, ...] = ("exchange", "symbol", "timestamp", "local_timestamp")

_COMMON_FIELDS: dict[str, Field] = {
    "ts_event_us": timestamp_us("timestamp"),
    "ts_local_us": timestamp_us("local_timestamp"),
    "exchange": column("exchange"),
    "symbol": column("symbol"),
    "file_seq": column("file_seq"),
}
_PRICE_QTY = {"price": ("price", PRICE_SCALE), "qty": ("amount", QTY_SCALE)}


def _format(
    data_type: str,
    table: str,
    columns: tuple[str, ...],
    fields: dict[str, Field],
    decimals: dict[str, tuple[str, int]],
) -> StreamFormat:
    return StreamFormat(
        data_type=data_type,
        table=table,
        columns=COMMON_COLUMNS + columns,
        fields={**_COMMON_FIELDS, **fields},
        decimals=decimals,
        rejects_name_source=True,
        vendor_label="Tardis",
    )


_side = pl.col("side")

TRADES = _format(
    "trades",
    "trades",
    ("id", "side", "price", "amount"),
    {
        "trade_id": column("id"),
        "side": column("side"),
        # side is the taker's: a taker sell hit a resting buy, so the buyer was the maker
        "is_buyer_maker": Field(
            pl.when(_side == "sell").then(pl.lit(True)).when(_side == "buy").then(pl.lit(False))
        ),
    },
    _PRICE_QTY,
)
"""One fill per row; ``side`` (the taker side) is kept as given (the pipeline quarantines
unknown values); ``is_buyer_maker`` follows from it (null for any other side)."""

LIQUIDATIONS = _format(
    "liquidations",
    "liquidations",
    ("id", "side", "price", "amount"),
    {"liquidation_id": column("id"), "side": column("side")},
    _PRICE_QTY,
)
"""``side`` kept as given: ``buy`` = a short position was liquidated, ``sell`` = a long."""

QUOTES = _format(
    "quotes",
    "quotes",
    ("bid_price", "bid_amount", "ask_price", "ask_amount"),
    {},
    {
        "bid_price": ("bid_price", PRICE_SCALE),
        "bid_qty": ("bid_amount", QTY_SCALE),
        "ask_price": ("ask_price", PRICE_SCALE),
        "ask_qty": ("ask_amount", QTY_SCALE),
    },
)
"""Top of book per row (``seq_num`` null: Tardis has none)."""

INCREMENTAL_BOOK_L2 = _format(
    "incremental_book_L2",
    "orderbook_updates",
    ("is_snapshot", "side", "price", "amount"),
    {"is_snapshot": boolean("is_snapshot"), "side": column("side")},
    _PRICE_QTY,
)
"""One price level change per row, in file order; ``amount`` is the new absolute size at the
level (0 removes it); rows with ``is_snapshot = true`` carry a full book image. ``book_seq``
is null (Tardis has none: ``file_seq`` keeps the order of updates sharing a timestamp)."""

_TICKER_RATES = ("funding_rate", "predicted_funding_rate")
DERIVATIVE_TICKER = _format(
    "derivative_ticker",
    "derivative_ticker",
    (
        "funding_timestamp",
        "funding_rate",
        "predicted_funding_rate",
        "open_interest",
        "last_price",
        "index_price",
        "mark_price",
    ),
    {
        "funding_ts_us": timestamp_us("funding_timestamp"),
        **{name: floating(name) for name in _TICKER_RATES},
    },
    {
        "open_interest": ("open_interest", QTY_SCALE),
        "last_price": ("last_price", PRICE_SCALE),
        "index_price": ("index_price", PRICE_SCALE),
        "mark_price": ("mark_price", PRICE_SCALE),
    },
)
"""Funding, open interest and reference prices of a contract; any field may be empty."""

_OPTION_FLOATS = ("bid_iv", "ask_iv", "mark_iv", "delta", "gamma", "vega", "theta", "rho")
OPTIONS_CHAIN = _format(
    "options_chain",
    "options_chain",
    (
        "type",
        "strike_price",
        "expiration",
        "open_interest",
        "last_price",
        "bid_price",
        "bid_amount",
        "bid_iv",
        "ask_price",
        "ask_amount",
        "ask_iv",
        "mark_price",
        "mark_iv",
        "underlying_index",
        "underlying_price",
        "delta",
        "gamma",
        "vega",
        "theta",
        "rho",
    ),
    {
        "expiration_ts_us": timestamp_us("expiration"),
        **{name: floating(name) for name in _OPTION_FLOATS},
        "option_type": column("type"),
        "underlying_index": column("underlying_index"),
    },
    {
        "strike": ("strike_price", PRICE_SCALE),
        "open_interest": ("open_interest", QTY_SCALE),
        "last_price": ("last_price", PRICE_SCALE),
        "bid_price": ("bid_price", PRICE_SCALE),
        "bid_qty": ("bid_amount", QTY_SCALE),
        "ask_price": ("ask_price", PRICE_SCALE),
        "ask_qty": ("ask_amount", QTY_SCALE),
        "mark_price": ("mark_price", PRICE_SCALE),
        "underlying_price": ("underlying_price", PRICE_SCALE),
    },
)
"""One option's quote, greeks and underlying per row; ``expiration`` in microseconds. The
strike's column is ``strike_price`` (as in real Deribit and OKX files), stored as ``strike``."""

FORMATS: dict[str, StreamFormat] = {
    f.data_type: f
    for f in (
        TRADES,
        QUOTES,
        INCREMENTAL_BOOK_L2,
        *(
            book_snapshot_format(data_type, depth, COMMON_COLUMNS, _COMMON_FIELDS)
            for data_type, depth in sorted(SNAPSHOT_DEPTHS.items(), key=lambda kv: -kv[1])
        ),
        DERIVATIVE_TICKER,
        LIQUIDATIONS,
        OPTIONS_CHAIN,
    )
}

DATA_TYPES: tuple[str, ...] = tuple(FORMATS)
"""The eight Tardis data types, named as in Tardis file names."""

ANY_DEPTH_SNAPSHOTS = "book_snapshots"
"""Canonical table name accepted as a data type: the depth (5 or 25) comes from the header."""

ALIASES: dict[str, str] = {
    alias: stream
    for alias, stream in stream_aliases(VENDOR).items()
    if alias != stream and stream in FORMATS
}
"""Other ``data_type`` spellings of a Tardis type (derived from the routing table)."""

__all__ = [
    "ALIASES",
    "ANY_DEPTH_SNAPSHOTS",
    "COMMON_COLUMNS",
    "DATA_TYPES",
    "FORMATS",
    "SNAPSHOT_DEPTHS",
    "snapshot_level_columns",
]
