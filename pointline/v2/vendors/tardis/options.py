"""Tardis ``options_chain``: one option's quote, greeks and underlying per row.

Format: https://docs.tardis.dev/downloadable-csv-files#options_chain
``expiration`` is in microseconds since the epoch. Implied volatilities and greeks are
Float64 by the table contract; prices and sizes are exact fixed point.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.tardis.convert import convert_columns, select_table

_FLOATS = ("bid_iv", "ask_iv", "mark_iv", "delta", "gamma", "vega", "theta", "rho")
_DECIMALS = {
    "strike": PRICE_SCALE,
    "open_interest": QTY_SCALE,
    "last_price": PRICE_SCALE,
    "bid_price": PRICE_SCALE,
    "bid_amount": QTY_SCALE,
    "ask_price": PRICE_SCALE,
    "ask_amount": QTY_SCALE,
    "mark_price": PRICE_SCALE,
    "underlying_price": PRICE_SCALE,
}
_SAME_NAME = (
    "strike",
    "open_interest",
    "last_price",
    "bid_price",
    "bid_iv",
    "ask_price",
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
)


def map_options_chain(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of an ``options_chain`` file -> ``options_chain`` rows."""
    converted = convert_columns(
        text,
        integers=("timestamp", "local_timestamp", "expiration"),
        floats=_FLOATS,
        decimals=_DECIMALS,
    )
    return select_table(
        converted,
        "options_chain",
        {
            "option_type": pl.col("type"),
            "expiration_ts_us": pl.col("expiration"),
            "bid_qty": pl.col("bid_amount"),
            "ask_qty": pl.col("ask_amount"),
            **{name: pl.col(name) for name in _SAME_NAME},
        },
    )
