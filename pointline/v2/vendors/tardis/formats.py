"""The documented CSV header of each Tardis.dev data type and the table it feeds.

Source: Tardis.dev "Downloadable CSV files" documentation, summarised in
``shared/spec/vendors.md``. Every file starts with the four common columns; the header must
hold exactly the documented set of columns (the order is free: columns are matched by name).
"""

from __future__ import annotations

from dataclasses import dataclass

COMMON_COLUMNS: tuple[str, ...] = ("exchange", "symbol", "timestamp", "local_timestamp")

SNAPSHOT_DEPTHS: dict[str, int] = {"book_snapshot_5": 5, "book_snapshot_25": 25}


def snapshot_level_columns(depth: int) -> tuple[str, ...]:
    """``asks[0].price, asks[0].amount, ... asks[depth-1].amount, bids[0].price, ...``."""
    return tuple(
        f"{side}[{level}].{field}"
        for side in ("asks", "bids")
        for level in range(depth)
        for field in ("price", "amount")
    )


@dataclass(frozen=True)
class TardisFormat:
    """One Tardis data type: its full header and the canonical table it maps to."""

    data_type: str
    table: str
    columns: tuple[str, ...]


def _format(data_type: str, table: str, columns: tuple[str, ...]) -> TardisFormat:
    return TardisFormat(data_type, table, COMMON_COLUMNS + columns)


FORMATS: dict[str, TardisFormat] = {
    f.data_type: f
    for f in (
        _format("trades", "trades", ("id", "side", "price", "amount")),
        _format("quotes", "quotes", ("bid_price", "bid_amount", "ask_price", "ask_amount")),
        _format(
            "incremental_book_L2",
            "orderbook_updates",
            ("is_snapshot", "side", "price", "amount"),
        ),
        _format("book_snapshot_25", "book_snapshots", snapshot_level_columns(25)),
        _format("book_snapshot_5", "book_snapshots", snapshot_level_columns(5)),
        _format(
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
        ),
        _format("liquidations", "liquidations", ("id", "side", "price", "amount")),
        _format(
            "options_chain",
            "options_chain",
            (
                "type",
                "strike",
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
        ),
    )
}

DATA_TYPES: tuple[str, ...] = tuple(FORMATS)
"""The eight Tardis data types, named as in Tardis file names."""

ALIASES: dict[str, str] = {
    "incremental_book_l2": "incremental_book_L2",
    "orderbook_updates": "incremental_book_L2",
}
"""Other ``data_type`` spellings routed to a Tardis type (see ``tables.md``)."""

ANY_DEPTH_SNAPSHOTS = "book_snapshots"
"""Canonical table name accepted as a data type: the depth (5 or 25) comes from the header."""
