"""Exchange time zones and the ``trading_date`` derivation.

``trading_date`` is ``ts_event_us`` converted to the exchange's local date: crypto exchanges
trade on UTC days, ``sse``/``szse`` on Asia/Shanghai days. Asia/Shanghai has had no daylight
saving time since 1991, so a fixed offset is exact for every date pointline can meet; zones are
kept as fixed offsets in microseconds so the derivation is pure integer arithmetic.
"""

from __future__ import annotations

import polars as pl

_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000

UTC_OFFSET_US: dict[str, int] = {"UTC": 0, "Asia/Shanghai": 8 * _US_PER_HOUR}

# Tardis.dev exchange ids (crypto: UTC days) and the China A-share venues.
_CRYPTO_EXCHANGES = (
    "ascendex",
    "binance",
    "binance-delivery",
    "binance-dex",
    "binance-european-options",
    "binance-futures",
    "binance-jersey",
    "binance-options",
    "binance-us",
    "bitfinex",
    "bitfinex-derivatives",
    "bitflyer",
    "bitget",
    "bitget-futures",
    "bitmex",
    "bitnomial",
    "bitstamp",
    "blockchain-com",
    "bybit",
    "bybit-options",
    "bybit-spot",
    "coinbase",
    "coinbase-international",
    "coinflex",
    "crypto-com",
    "crypto-com-derivatives",
    "cryptofacilities",
    "delta",
    "deribit",
    "dydx",
    "dydx-v4",
    "ftx",
    "ftx-us",
    "gate-io",
    "gate-io-futures",
    "gemini",
    "hitbtc",
    "huobi",
    "huobi-dm",
    "huobi-dm-linear-swap",
    "huobi-dm-options",
    "huobi-dm-swap",
    "hyperliquid",
    "kraken",
    "kraken-futures",
    "kucoin",
    "kucoin-futures",
    "mango",
    "mexc",
    "okcoin",
    "okex",
    "okex-futures",
    "okex-options",
    "okex-spreads",
    "okex-swap",
    "okx",
    "okx-futures",
    "okx-options",
    "okx-swap",
    "phemex",
    "poloniex",
    "serum",
    "star-atlas",
    "upbit",
    "woo-x",
)

EXCHANGE_TIMEZONES: dict[str, str] = {name: "UTC" for name in _CRYPTO_EXCHANGES}
EXCHANGE_TIMEZONES.update({"sse": "Asia/Shanghai", "szse": "Asia/Shanghai"})


def exchange_timezone(exchange: str) -> str | None:
    """The time zone of ``exchange``, or None when it is not known."""
    return EXCHANGE_TIMEZONES.get(exchange)


def register_exchange_timezone(exchange: str, timezone: str) -> None:
    """Teach pointline an exchange's trading-day time zone (one of ``UTC_OFFSET_US``)."""
    if timezone not in UTC_OFFSET_US:
        raise ValueError(
            f"unsupported time zone {timezone!r} for {exchange!r}; "
            f"supported: {sorted(UTC_OFFSET_US)}"
        )
    EXCHANGE_TIMEZONES[exchange] = timezone


def trading_date_expr(exchanges: list[str]) -> pl.Expr:
    """``trading_date`` for rows whose exchange is among ``exchanges``; null for unknown ones.

    ``exchanges`` must be the distinct exchanges of the frame (the single-exchange fast path
    relies on it)."""
    zones = {EXCHANGE_TIMEZONES.get(name) for name in exchanges}
    if len(exchanges) == 1 and None not in zones:
        # one exchange (the usual file): a literal offset, no per-row string comparison
        offset: pl.Expr = pl.lit(UTC_OFFSET_US[zones.pop()], pl.Int64)
        days = (pl.col("ts_event_us") + offset).floordiv(_US_PER_DAY)
        date = days.cast(pl.Int32).cast(pl.Date)
        return date  # rows whose exchange is null get one too; they are rejected anyway
    offset = pl.lit(None, pl.Int64)
    for name in exchanges:  # unknown exchanges keep a null offset, so a null date
        zone = EXCHANGE_TIMEZONES.get(name)
        if zone is not None:
            offset = pl.when(pl.col("exchange") == name).then(UTC_OFFSET_US[zone]).otherwise(offset)
    days = (pl.col("ts_event_us") + offset).floordiv(_US_PER_DAY)
    return days.cast(pl.Int32).cast(pl.Date)
