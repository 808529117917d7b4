"""A small lake whose every row is known, for the research-read tests.

Exchange ``binance-futures``, 2024-01-01 (T0) and 2024-01-02, Tardis CSV files in the Bronze
layout, one file per (type, day, symbol) unless said otherwise:

* dim_symbol: from T0, XBTUSD carries canonical ``BTC-PERP``, ETHUSD ``ETH-PERP``, LUNAUSD
  ``LUNA-PERP``. At T1 = T0 + 12 h the contract is renamed: BTCUSD opens as ``BTC-PERP`` and
  XBTUSD moves to ``XBT-LEGACY`` (a second window, a new symbol_id). At T2 = T0 + 18 h LUNAUSD
  is delisted.
* trades (see :data:`TRADES`), quotes of XBTUSD and BTCUSD (see :data:`QUOTES`), and one
  grouped ``PERPETUALS`` trades file on 2024-01-02 holding ETHUSD and BTCUSD rows.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from pointline.v2 import Lake
from pointline.v2.vendors.tardis import samples

EXCHANGE = "binance-futures"
T0 = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z
H = 3_600_000_000
DAY = 24 * H
T1 = T0 + 12 * H  # the rename
T2 = T0 + 18 * H  # LUNAUSD delisted
LOCAL_DELAY = 500  # every row arrives 500 µs after its exchange time

# (symbol, day offset, [(ts_event_us, price text, qty text)])
TRADES: dict[tuple[str, int], list[tuple[int, str, str]]] = {
    ("XBTUSD", 0): [
        (T0 + 1 * H, "40000", "1.5"),
        (T0 + 11 * H, "40100.5", "0.25"),
        (T0 + 13 * H, "40200", "2"),  # after the rename: XBT-LEGACY
    ],
    ("BTCUSD", 0): [
        (T1, "40150", "1"),  # exactly at the rename: BTCUSD's first instant
        (T0 + 14 * H, "40300", "0.5"),
    ],
    ("LUNAUSD", 0): [
        (T0 + 2 * H, "80.5", "10"),
        (T0 + 17 * H, "1.25", "400"),
    ],
    ("ETHUSD", 0): [
        (T0 + 1 * H, "2000", "0.4"),
        (T0 + 2 * H, "2000", "0.7"),
        (T0 + 3 * H, "2000", "3.2"),
        (T0 + 4 * H, "2000", "0.5"),
        (T0 + 5 * H, "2000", "1"),
    ],
}
# The grouped file of 2024-01-02: (symbol, ts_event_us, price, qty)
GROUPED: list[tuple[str, int, str, str]] = [
    ("ETHUSD", T0 + DAY + 1 * H, "1000000", "100000"),  # notional 1e11 USD: past Int64 scaled
    ("BTCUSD", T0 + DAY + 2 * H, "41000", "3"),
]
QUOTES: dict[str, list[tuple[int, str, str, str, str]]] = {
    "XBTUSD": [
        (T0 + 1 * H, "39999", "1", "40001", "2"),
        (T0 + 6 * H, "40009", "1", "40011", "2"),
    ],
    "BTCUSD": [
        (T1 + 1, "40149", "3", "40151", "4"),
    ],
}


def scaled(text: str) -> int:
    """Decimal text at 10**9, exactly."""
    return int(Decimal(text) * 10**9)


def _trades_frame(rows: list[tuple[str, int, str, str]], first_id: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "exchange": [EXCHANGE] * len(rows),
            "symbol": [s for s, _, _, _ in rows],
            "timestamp": [str(t) for _, t, _, _ in rows],
            "local_timestamp": [str(t + LOCAL_DELAY) for _, t, _, _ in rows],
            "id": [str(first_id + i) for i in range(len(rows))],
            "side": ["buy"] * len(rows),
            "price": [p for _, _, p, _ in rows],
            "amount": [q for _, _, _, q in rows],
        }
    )


def _quotes_frame(symbol: str, rows: list[tuple[int, str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "exchange": [EXCHANGE] * len(rows),
            "symbol": [symbol] * len(rows),
            "timestamp": [str(r[0]) for r in rows],
            "local_timestamp": [str(r[0] + LOCAL_DELAY) for r in rows],
            "bid_price": [r[1] for r in rows],
            "bid_amount": [r[2] for r in rows],
            "ask_price": [r[3] for r in rows],
            "ask_amount": [r[4] for r in rows],
        }
    )


def bronze_path(bronze: Path, data_type: str, day: int, symbol: str) -> Path:
    date = "2024-01-01" if day == 0 else "2024-01-02"
    return (
        bronze
        / "tardis"
        / f"exchange={EXCHANGE}"
        / f"type={data_type}"
        / f"date={date}"
        / f"symbol={symbol}"
        / f"{EXCHANGE}_{data_type}_{date}_{symbol}.csv.gz"
    )


def snapshot(symbols: dict[str, str]) -> pl.DataFrame:
    """A dim_symbol snapshot: exchange symbol -> canonical symbol."""
    names = list(symbols)
    return pl.DataFrame(
        {
            "exchange": [EXCHANGE] * len(names),
            "exchange_symbol": names,
            "canonical_symbol": [symbols[n] for n in names],
            "market_type": ["perpetual"] * len(names),
            "base_asset": [n[:-3] for n in names],
            "quote_asset": ["USD"] * len(names),
            "tick_size": ["0.5"] * len(names),
        }
    )


def build(root: Path) -> Lake:
    """The lake described above, ingested (every file ``success``)."""
    lake = Lake(root)
    lake.upsert_symbols(
        snapshot({"XBTUSD": "BTC-PERP", "ETHUSD": "ETH-PERP", "LUNAUSD": "LUNA-PERP"}), T0
    )
    lake.upsert_symbols(
        snapshot(
            {
                "XBTUSD": "XBT-LEGACY",
                "BTCUSD": "BTC-PERP",
                "ETHUSD": "ETH-PERP",
                "LUNAUSD": "LUNA-PERP",
            }
        ),
        T1,
    )
    lake.upsert_symbols(
        snapshot({"XBTUSD": "XBT-LEGACY", "BTCUSD": "BTC-PERP", "ETHUSD": "ETH-PERP"}), T2
    )
    bronze = lake.bronze_root
    first_id = 1
    for (symbol, day), rows in TRADES.items():
        frame = _trades_frame([(symbol, t, p, q) for t, p, q in rows], first_id)
        samples.write_csv(bronze_path(bronze, "trades", day, symbol), frame)
        first_id += len(rows)
    samples.write_csv(
        bronze_path(bronze, "trades", 1, "PERPETUALS"), _trades_frame(GROUPED, first_id)
    )
    for symbol, rows in QUOTES.items():
        samples.write_csv(bronze_path(bronze, "quotes", 0, symbol), _quotes_frame(symbol, rows))
    results = lake.ingest(bronze)
    bad = [r for r in results if r.status != "success" or r.rows_quarantined]
    if bad:
        raise RuntimeError(f"the test lake did not ingest cleanly: {bad}")
    return lake


def symbol_id(lake: Lake, exchange_symbol: str, valid_from: int) -> int:
    """The symbol_id of the dim_symbol row (exchange_symbol, valid_from)."""
    row = lake.symbols().filter(
        (pl.col("exchange_symbol") == exchange_symbol) & (pl.col("valid_from_ts_us") == valid_from)
    )
    return row.get_column("symbol_id").item()
