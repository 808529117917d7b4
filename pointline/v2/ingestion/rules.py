"""Row rules: per table, an expression that is true on rows to quarantine.

Rules check values the parsers could convert but that cannot be right (a non-positive price, an
unknown side, crossed quotes). They never fix a value: a failing row goes to ``validation_log``
with the rule's name as its reason.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from pointline.v2 import reasons

_c = pl.col


def _any_level(column: str, predicate: pl.Expr) -> pl.Expr:
    return _c(column).list.eval(predicate).list.any().fill_null(False)


def _levels_invalid(prices: str, sizes: str, *, descending: bool) -> pl.Expr:
    step = pl.element().diff().drop_nulls()
    unsorted = _any_level(prices, step >= 0 if descending else step <= 0)
    return (
        unsorted
        | _any_level(prices, pl.element().is_null() | (pl.element() <= 0))
        | _any_level(sizes, pl.element().is_null() | (pl.element() <= 0))
        | (_c(prices).list.len() != _c(sizes).list.len()).fill_null(False)
    )


def _positive(column: str) -> pl.Expr:
    return _c(column) > 0


def _book_snapshot_invalid() -> pl.Expr:
    return (
        _levels_invalid("bid_price_levels", "bid_qty_levels", descending=True)
        | _levels_invalid("ask_price_levels", "ask_qty_levels", descending=False)
        | ~_c("depth").is_in([5, 25])
    )


def _quote_invalid() -> pl.Expr:
    bad = ~_positive("bid_price") | ~_positive("ask_price") | (_c("bid_qty") < 0)
    bad = bad | (_c("ask_qty") < 0) | (_c("bid_price") > _c("ask_price"))
    return bad


def _sse_sequence_missing(seq_columns: list[str]) -> pl.Expr:
    missing = pl.any_horizontal([_c(col).is_null() for col in seq_columns])
    return (_c("exchange") == "sse") & missing


def table_rule(table: str) -> tuple[str, pl.Expr] | None:
    """The (reason, failing-row expression) of ``table``, or None when it has no value rule.

    Null comparisons count as passing here: nulls in required columns are caught before, by
    the required-column rule, and nullable columns may be null.
    """
    rules: dict[str, Callable[[], tuple[str, pl.Expr]]] = {
        "trades": lambda: (
            reasons.INVALID_TRADE_VALUES,
            ~_c("side").is_in(["buy", "sell", "unknown"]) | ~_positive("price") | ~_positive("qty"),
        ),
        "quotes": lambda: (reasons.INVALID_QUOTE_VALUES, _quote_invalid()),
        "orderbook_updates": lambda: (
            reasons.INVALID_ORDERBOOK_UPDATE_VALUES,
            ~_c("side").is_in(["bid", "ask"])
            | ~_positive("price")
            | (_c("qty") < 0)
            | _c("is_snapshot").is_null(),
        ),
        "book_snapshots": lambda: (reasons.INVALID_BOOK_SNAPSHOT_VALUES, _book_snapshot_invalid()),
        "derivative_ticker": lambda: (
            reasons.INVALID_DERIVATIVE_TICKER_VALUES,
            ~_positive("mark_price"),
        ),
        "liquidations": lambda: (
            reasons.INVALID_LIQUIDATION_VALUES,
            ~_c("side").is_in(["buy", "sell"]) | ~_positive("price") | ~_positive("qty"),
        ),
        "options_chain": lambda: (
            reasons.INVALID_OPTIONS_CHAIN_VALUES,
            ~_c("option_type").is_in(["call", "put"])
            | ~_positive("strike")
            | ~_positive("expiration_ts_us"),
        ),
    }
    build = rules.get(table)  # only the table's own rule is built
    if build is None:
        return None
    reason, failing = build()
    return reason, failing.fill_null(False)


_SSE_SEQUENCE_COLUMNS: dict[str, list[str]] = {
    "cn_order_events": ["channel_seq", "channel_biz_seq", "symbol_order_seq"],
    "cn_tick_events": ["channel_seq", "channel_biz_seq", "symbol_trade_seq"],
}


def sse_sequence_rule(table: str) -> tuple[str, pl.Expr] | None:
    """SSE order/tick rows must carry their sequence fields (checked before required columns,
    so such a row is reported as a missing SSE sequence rather than a generic null)."""
    columns = _SSE_SEQUENCE_COLUMNS.get(table)
    if columns is None:
        return None
    return reasons.MISSING_SSE_SEQUENCE_FIELDS, _sse_sequence_missing(columns).fill_null(False)
