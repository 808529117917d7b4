"""The demo's Bronze data: a small, deterministic set in the documented vendor formats.

What it writes under a lake root (no randomness: the same call gives the same rows):

* Tardis, ``binance-futures``, 2024-01-01, in the Bronze layout under ``<lake>/bronze/tardis``:

  - ``quotes`` and ``incremental_book_L2`` of ``BTCUSDT`` and ``ETHUSDT``, one file per
    symbol, one row a minute for the whole UTC day;
  - ``trades`` as one grouped ``PERPETUALS`` file (Tardis offers grouped downloads; each
    row's ``symbol`` column names its instrument): ``BTCUSDT`` and ``ETHUSDT`` once a
    minute, and every 6 minutes a trade of ``SOLUSDT``, a symbol the demo leaves out of
    dim_symbol, so those rows are quarantined as ``missing_pit_symbol_coverage`` while the
    file as a whole succeeds (and is skipped when the demo runs again);
  - three planted bad rows (:data:`BAD_ROWS`): a non-numeric price, a crossed quote and a
    book update with an unknown side.

* Quant360, 2024-01-02, as delivered: 7z archives in ``<lake>/incoming/``, one SSE
  ``order_new`` archive (``600000``, ``600036``) and one SZSE ``tick_new`` archive
  (``000001``, ``000002``).

Rows come from the vendors' own sample generators
(:mod:`pointline.v2.vendors.tardis.samples`, :mod:`pointline.v2.vendors.quant360.samples`);
this module picks the symbols and times, scales each symbol's prices into its own range and
plants the bad rows. (The 7z container records its creation time, so two archives built at
different times differ in bytes, not in content.)
"""

from __future__ import annotations

import datetime
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS, SNAPSHOT_SCALED_COLUMNS
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.quant360.layout import ORDER_NEW, SSE, SZSE, TICK_NEW
from pointline.v2.vendors.tardis import samples as tardis
from pointline.v2.vendors.tardis.layout import vendor_file_name

EXCHANGE = "binance-futures"
TARDIS_DATE = datetime.date(2024, 1, 1)
TARDIS_START_US = 1_704_067_200_000_000
"""2024-01-01T00:00:00Z."""
MINUTE_US = 60_000_000
ROWS_PER_SYMBOL = 1_440
"""One row a minute for the whole day."""
TARDIS_SYMBOLS: tuple[str, ...] = ("BTCUSDT", "ETHUSDT")
MISSING_SYMBOL = "SOLUSDT"
MISSING_SYMBOL_ROWS = 240
"""One ``SOLUSDT`` trade every 6 minutes."""
GROUPED_SYMBOL = "PERPETUALS"
"""The grouped trades file's name part: it holds every perpetual's trades."""

QUANT360_DATE = datetime.date(2024, 1, 2)
QUANT360_ROWS_PER_MEMBER = 400
SSE_SYMBOLS: tuple[str, ...] = ("600000", "600036")
SZSE_SYMBOLS: tuple[str, ...] = ("000001", "000002")

SYMBOLS_EFFECTIVE_TS_US = TARDIS_START_US
"""dim_symbol rows of the demo open at 2024-01-01T00:00:00Z, before every demo row."""


@dataclass(frozen=True)
class SymbolStream:
    """One symbol's rows in a file: how many, when, and how its prices are scaled."""

    symbol: str
    rows: int
    offset_us: int = 0
    step_us: int = MINUTE_US
    price_divisor: int = 1
    """Generator prices are BTC-like (36,000-38,000); other symbols are divided into range."""


_STREAMS = {
    "BTCUSDT": SymbolStream("BTCUSDT", ROWS_PER_SYMBOL),
    "ETHUSDT": SymbolStream("ETHUSDT", ROWS_PER_SYMBOL, offset_us=20_000_000, price_divisor=16),
    MISSING_SYMBOL: SymbolStream(
        MISSING_SYMBOL,
        MISSING_SYMBOL_ROWS,
        offset_us=40_000_000,
        step_us=6 * MINUTE_US,
        price_divisor=370,
    ),
}
_PRICE_COLUMNS = {
    "trades": ("price",),
    "quotes": ("bid_price", "ask_price"),
    "incremental_book_L2": ("price",),
}
_SEED = {"trades": 11, "quotes": 23, "incremental_book_L2": 37}
_SYMBOL_SEED = {"BTCUSDT": 0, "ETHUSDT": 100, MISSING_SYMBOL: 200}
_PARTIAL_DIR = ".partial"


@dataclass(frozen=True)
class BadRow:
    """A planted bad row: the ``row``-th (1-based) row of ``symbol`` in its ``data_type`` file
    gets ``values``; the pipeline quarantines it with ``reason``."""

    symbol: str
    data_type: str
    row: int
    values: dict[str, str]
    reason: str


BAD_ROWS: tuple[BadRow, ...] = (
    BadRow("BTCUSDT", "trades", 101, {"price": "37O12.5"}, "invalid_decimal"),
    BadRow(
        "BTCUSDT",
        "quotes",
        201,
        {"bid_price": "37050.5", "ask_price": "37049.9"},
        "invalid_quote_values",
    ),
    BadRow(
        "ETHUSDT",
        "incremental_book_L2",
        301,
        {"side": "unknown"},
        "invalid_orderbook_update_values",
    ),
)
"""A non-numeric price (letter O for zero), a crossed quote and a book update of unknown side."""


def symbol_snapshot() -> pl.DataFrame:
    """The dim_symbol snapshot the demo upserts: every demo symbol except ``SOLUSDT``."""
    crypto = [
        (EXCHANGE, "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT", "0.1", "0.001", "1"),
        (EXCHANGE, "ETHUSDT", "ETH-USDT-PERP", "perpetual", "ETH", "USDT", "0.01", "0.001", "1"),
    ]
    stocks = [
        (exchange, code, f"{code}.{suffix}", "stock", code, "CNY", "0.01", "100", "1")
        for exchange, suffix, codes in ((SSE, "SH", SSE_SYMBOLS), (SZSE, "SZ", SZSE_SYMBOLS))
        for code in codes
    ]
    columns = [*SNAPSHOT_REQUIRED_COLUMNS, *SNAPSHOT_SCALED_COLUMNS]
    return pl.DataFrame(crypto + stocks, schema=columns, orient="row")


def tardis_bronze_path(bronze_root: Path, data_type: str, symbol: str) -> Path:
    """``<bronze>/tardis/exchange=../type=../date=../symbol=../<vendor file name>``."""
    return (
        bronze_root
        / "tardis"
        / f"exchange={EXCHANGE}"
        / f"type={data_type}"
        / f"date={TARDIS_DATE.isoformat()}"
        / f"symbol={symbol}"
        / vendor_file_name(EXCHANGE, data_type, TARDIS_DATE, symbol)
    )


def _rescale(column: str, divisor: int) -> pl.Expr:
    """Decimal text with at most 2 decimals divided by ``divisor`` (floored to 0.01), exactly."""
    parts = pl.col(column).str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    cents = whole * 100 + parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(
        pl.Int64
    )
    return tardis.decimal_text(cents // divisor, 2).alias(column)


def symbol_rows(data_type: str, symbol: str) -> pl.DataFrame:
    """The text rows of ``symbol`` for ``data_type``, prices in range, bad rows planted."""
    stream = _STREAMS[symbol]
    frame = tardis.sample_frame(
        data_type,
        stream.rows,
        seed=_SEED[data_type] + _SYMBOL_SEED[symbol],
        exchange=EXCHANGE,
        symbols=[symbol],
        start_us=TARDIS_START_US + stream.offset_us,
        step_us=stream.step_us,
    )
    if stream.price_divisor != 1:
        frame = frame.with_columns(
            _rescale(c, stream.price_divisor) for c in _PRICE_COLUMNS[data_type]
        )
    row = pl.int_range(pl.len(), dtype=pl.Int64) + 1
    for bad in BAD_ROWS:
        if (bad.symbol, bad.data_type) == (symbol, data_type):
            frame = frame.with_columns(
                pl.when(row == bad.row).then(pl.lit(v)).otherwise(pl.col(c)).alias(c)
                for c, v in bad.values.items()
            )
    return frame


def grouped_trades() -> pl.DataFrame:
    """The ``PERPETUALS`` trades file: every symbol's trades merged in time order."""
    symbols = (*TARDIS_SYMBOLS, MISSING_SYMBOL)
    merged = pl.concat([symbol_rows("trades", s) for s in symbols])
    return merged.sort(pl.col("timestamp").cast(pl.Int64), maintain_order=True)


def tardis_files() -> dict[tuple[str, str], pl.DataFrame]:
    """Every demo Tardis file's rows by (data_type, file symbol)."""
    files = {("trades", GROUPED_SYMBOL): grouped_trades()}
    for data_type in ("quotes", "incremental_book_L2"):
        for symbol in TARDIS_SYMBOLS:
            files[(data_type, symbol)] = symbol_rows(data_type, symbol)
    return files


def write_tardis_files(bronze_root: Path) -> list[Path]:
    """Write the demo Tardis files that are not there yet; returns every demo Tardis path."""
    paths = []
    for (data_type, symbol), frame in tardis_files().items():
        path = tardis_bronze_path(bronze_root, data_type, symbol)
        if not path.exists():
            # Written aside and renamed: an interrupted run never leaves half a file in Bronze.
            partial = path.with_name(f".partial-{path.name}")
            tardis.write_csv(partial, frame)
            os.replace(partial, path)
        paths.append(path)
    return paths


def write_quant360_archives(incoming: Path) -> list[Path]:
    """Write the two demo 7z archives that are not there yet; returns both paths."""
    plan = ((ORDER_NEW, SSE, SSE_SYMBOLS), (TICK_NEW, SZSE, SZSE_SYMBOLS))
    side_folder = incoming / _PARTIAL_DIR
    shutil.rmtree(side_folder, ignore_errors=True)  # what an interrupted run left
    paths = []
    for data_type, exchange, symbols in plan:
        path = incoming / q360.archive_name(data_type, exchange, QUANT360_DATE)
        if not path.exists():
            # Built in a side folder (the importer only looks at incoming/ itself), then moved.
            built = q360.write_archive(
                side_folder,
                data_type=data_type,
                exchange=exchange,
                symbols=symbols,
                rows_per_member=QUANT360_ROWS_PER_MEMBER,
                date=QUANT360_DATE,
            )
            os.replace(built, path)
        paths.append(path)
    shutil.rmtree(side_folder, ignore_errors=True)
    return paths
