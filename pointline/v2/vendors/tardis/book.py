"""Tardis ``incremental_book_L2``: one price level change per row, in file order.

Format: https://docs.tardis.dev/downloadable-csv-files#incremental_book_l2
``amount`` is the new absolute size at the level (0 removes it). Rows with
``is_snapshot = true`` at the start of a file (or after a reconnect) carry a full book image.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.vendors.tardis.convert import convert_columns, select_table


def map_incremental_book_l2(text: pl.LazyFrame) -> pl.LazyFrame:
    """Text rows of an ``incremental_book_L2`` file -> ``orderbook_updates`` rows.

    ``is_snapshot`` must be ``true``/``false`` (else ``invalid_boolean``); ``book_seq`` is
    null (Tardis has none: ``file_seq`` keeps the order of updates sharing a timestamp).
    """
    converted = convert_columns(
        text,
        integers=("timestamp", "local_timestamp"),
        booleans=("is_snapshot",),
        decimals={"price": PRICE_SCALE, "amount": QTY_SCALE},
    )
    return select_table(
        converted,
        "orderbook_updates",
        {
            "side": pl.col("side"),
            "price": pl.col("price"),
            "qty": pl.col("amount"),
            "is_snapshot": pl.col("is_snapshot"),
        },
    )
