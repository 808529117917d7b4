"""Route a Bronze ``data_type`` to its canonical table (the aliases of ``tables.md``)."""

from __future__ import annotations

DATA_TYPE_TO_TABLE: dict[str, str] = {
    "trades": "trades",
    "quotes": "quotes",
    "incremental_book_L2": "orderbook_updates",
    "incremental_book_l2": "orderbook_updates",
    "orderbook_updates": "orderbook_updates",
    "book_snapshot_5": "book_snapshots",
    "book_snapshot_25": "book_snapshots",
    "book_snapshots": "book_snapshots",
    "derivative_ticker": "derivative_ticker",
    "liquidations": "liquidations",
    "options_chain": "options_chain",
    "order_new": "cn_order_events",
    "l3_orders": "cn_order_events",
    "cn_order_events": "cn_order_events",
    "tick_new": "cn_tick_events",
    "l3_ticks": "cn_tick_events",
    "cn_tick_events": "cn_tick_events",
    "L2_new": "cn_l2_snapshots",
    "l2_new": "cn_l2_snapshots",
    "cn_l2_snapshots": "cn_l2_snapshots",
}

SUPPORTED_DATA_TYPES: tuple[str, ...] = tuple(sorted(DATA_TYPE_TO_TABLE))


def route_table(data_type: str) -> str:
    """The canonical table for ``data_type``.

    Raises:
        ValueError: the data type is not supported; the message lists the supported values.
    """
    try:
        return DATA_TYPE_TO_TABLE[data_type]
    except KeyError:
        raise ValueError(
            f"unsupported data_type {data_type!r}; "
            f"supported values: {', '.join(SUPPORTED_DATA_TYPES)}"
        ) from None
