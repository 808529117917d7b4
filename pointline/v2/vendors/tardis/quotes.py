"""Tardis ``quotes``: top of book per row.

Format: https://docs.tardis.dev/downloadable-csv-files#quotes
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.tardis.convert import convert_columns, select_table


def map_quotes(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of a ``quotes`` file -> ``quotes`` rows (``seq_num`` null: Tardis has none)."""
    converted = convert_columns(
        text,
        integers=("timestamp", "local_timestamp"),
        decimals={
            "bid_price": PRICE_SCALE,
            "bid_amount": QTY_SCALE,
            "ask_price": PRICE_SCALE,
            "ask_amount": QTY_SCALE,
        },
    )
    return select_table(
        converted,
        "quotes",
        {
            "bid_price": pl.col("bid_price"),
            "bid_qty": pl.col("bid_amount"),
            "ask_price": pl.col("ask_price"),
            "ask_qty": pl.col("ask_amount"),
        },
    )
