"""Tardis ``derivative_ticker``: funding, open interest and reference prices of a contract.

Format: https://docs.tardis.dev/downloadable-csv-files#derivative_ticker
Any field may be empty. Funding rates are rates, kept as Float64 by the table contract.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.tardis.convert import convert_columns, select_table

_RATES = ("funding_rate", "predicted_funding_rate")
_DECIMALS = {
    "open_interest": QTY_SCALE,
    "last_price": PRICE_SCALE,
    "index_price": PRICE_SCALE,
    "mark_price": PRICE_SCALE,
}


def map_derivative_ticker(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of a ``derivative_ticker`` file -> ``derivative_ticker`` rows."""
    converted = convert_columns(
        text,
        integers=("timestamp", "local_timestamp", "funding_timestamp"),
        floats=_RATES,
        decimals=_DECIMALS,
    )
    return select_table(
        converted,
        "derivative_ticker",
        {
            **{name: pl.col(name) for name in (*_DECIMALS, *_RATES)},
            "funding_ts_us": pl.col("funding_timestamp"),
        },
    )
