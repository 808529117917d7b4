"""Which dim_symbol rows a list of symbol names means, point in time.

A name matches the dim_symbol rows of the exchange whose ``exchange_symbol`` or whose
``canonical_symbol`` equals it. Every event row carries the ``symbol_id`` of the dim row whose
validity window held its ``ts_event_us`` (the pipeline resolves it at ingestion), so the rows
of the matched ids are exactly:

* for an exchange symbol, all of its rows (each of its windows matches);
* for a canonical symbol, the rows of each exchange symbol only inside the windows in which it
  carried that canonical symbol: seamless across a rename, where the canonical symbol moves
  from one exchange symbol to another at an instant.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

_SHOWN = 10


def as_names(symbols: str | Sequence[str], *, name: str = "symbols") -> list[str]:
    """``symbols`` as a list of names.

    Raises:
        ValueError: empty, or not text.
    """
    names = [symbols] if isinstance(symbols, str) else list(symbols)
    if not names or not all(isinstance(s, str) and s for s in names):
        raise ValueError(
            f"{name}={symbols!r}: give a symbol or a list of symbols (exchange symbols such as "
            "'BTCUSDT' or canonical symbols from lake.symbols())"
        )
    return names


def _shown(values: list[str]) -> str:
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return f"{values[:_SHOWN]}{more}"


def resolve(dim: pl.DataFrame, *, exchange: str, symbols: str | Sequence[str]) -> pl.DataFrame:
    """The dim_symbol rows of ``exchange`` that the names in ``symbols`` match.

    Returns:
        The matching rows (dim_symbol columns), sorted by (exchange_symbol, valid_from_ts_us).

    Raises:
        ValueError: ``exchange`` is unknown to dim_symbol, or a name matches no row of it (the
            message lists the known exchanges or symbols).
    """
    if not isinstance(exchange, str):
        raise ValueError(f"exchange={exchange!r}: give one exchange name, e.g. 'binance-futures'")
    names = as_names(symbols)
    rows = dim.filter(pl.col("exchange") == exchange)
    if rows.is_empty():
        known = sorted(dim.get_column("exchange").unique().to_list())
        raise ValueError(
            f"exchange {exchange!r} has no symbols in dim_symbol; known exchanges: {known}"
        )
    wanted = pl.lit(pl.Series(names, dtype=pl.Utf8)).implode()
    matched = rows.filter(
        pl.col("exchange_symbol").is_in(wanted) | pl.col("canonical_symbol").is_in(wanted)
    )
    found = set(matched.get_column("exchange_symbol").to_list())
    found |= set(matched.get_column("canonical_symbol").to_list())
    unknown = [n for n in names if n not in found]
    if unknown:
        exchange_symbols = sorted(rows.get_column("exchange_symbol").unique().to_list())
        canonical = sorted(rows.get_column("canonical_symbol").unique().to_list())
        raise ValueError(
            f"symbol(s) {unknown} are neither exchange symbols nor canonical symbols of "
            f"{exchange!r} in dim_symbol; exchange symbols: {_shown(exchange_symbols)}, "
            f"canonical symbols: {_shown(canonical)} (see lake.symbols(search=...))"
        )
    return matched.sort("exchange_symbol", "valid_from_ts_us")
