"""Tardis ``trades`` and ``liquidations``: one fill per row.

Format: https://docs.tardis.dev/downloadable-csv-files#trades and ``#liquidations``.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.tardis.convert import convert_columns, select_table

_TIMESTAMPS = ("timestamp", "local_timestamp")
_PRICE_QTY = {"price": PRICE_SCALE, "amount": QTY_SCALE}


def map_trades(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of a ``trades`` file -> ``trades`` rows.

    ``side`` is the taker side, kept as given (the pipeline quarantines unknown values).
    ``is_buyer_maker`` follows from it: a taker ``sell`` hit a resting buy order, so the
    buyer was the maker (True); taker ``buy`` -> False; any other side -> null.
    """
    side = pl.col("side")
    return select_table(
        convert_columns(text, integers=_TIMESTAMPS, decimals=_PRICE_QTY),
        "trades",
        {
            "trade_id": pl.col("id"),
            "side": side,
            "is_buyer_maker": pl.when(side == "sell")
            .then(pl.lit(True))
            .when(side == "buy")
            .then(pl.lit(False)),
            "price": pl.col("price"),
            "qty": pl.col("amount"),
        },
    )


def map_liquidations(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of a ``liquidations`` file -> ``liquidations`` rows.

    ``side`` is kept as given: ``buy`` = a short position was liquidated, ``sell`` = a long.
    """
    return select_table(
        convert_columns(text, integers=_TIMESTAMPS, decimals=_PRICE_QTY),
        "liquidations",
        {
            "liquidation_id": pl.col("id"),
            "side": pl.col("side"),
            "price": pl.col("price"),
            "qty": pl.col("amount"),
        },
    )
