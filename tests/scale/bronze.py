"""The mixed Bronze set the scale-out tests ingest on every executor, and how lakes compare.

Tardis files only (a built-in vendor, so spawned workers and Dask workers know it without
registering anything): trades, quotes and book updates; a file with one bad row, one whose rows
all lack dim_symbol coverage (quarantined), one whose header is wrong (failed), an empty one,
a header-only one, a misnamed one (undescribable) and big ones streamed in chunks of 7 rows.
"""

from __future__ import annotations

import dataclasses
import datetime
import gzip
from pathlib import Path
from typing import Any

import polars as pl

from pointline.v2 import Lake
from pointline.v2.vendors.tardis import FORMATS, vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_START_US, sample_frame, write_csv

DAY_US = 86_400_000_000
DAY = datetime.date(2024, 1, 1)
EXCHANGE = "binance-futures"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "ADAUSDT")
TABLES = ("trades", "quotes", "orderbook_updates")
STREAM_THRESHOLD_BYTES = 1_500  # the ~9 kB files stream in chunks of CHUNK_ROWS rows
CHUNK_ROWS = 7


def snapshot() -> pl.DataFrame:
    return pl.DataFrame(
        [(EXCHANGE, s, f"{s[:-4]}-USDT-PERP", "perpetual", s[:-4], "USDT") for s in SYMBOLS],
        schema=[
            "exchange",
            "exchange_symbol",
            "canonical_symbol",
            "market_type",
            "base_asset",
            "quote_asset",
        ],
        orient="row",
    )


def new_lake(root: Path | str, **settings: Any) -> Lake:
    """A lake whose dim_symbol covers :data:`SYMBOLS` (not DOGEUSDT); ``settings`` are
    ``Lake`` keywords (``storage_options`` for an object-store root)."""
    options = {"stream_threshold_bytes": STREAM_THRESHOLD_BYTES, "chunk_rows": CHUNK_ROWS}
    lake = Lake(root, **{**options, **settings})
    lake.upsert_symbols(snapshot(), DEFAULT_START_US - DAY_US)
    return lake


def tardis(folder: Path, data_type: str, symbol: str, n_rows: int, *, edit=None) -> Path:
    frame = sample_frame(data_type, n_rows, seed=n_rows, exchange=EXCHANGE, symbols=[symbol])
    if edit is not None:
        frame = edit(frame)
    return write_csv(folder / vendor_file_name(EXCHANGE, data_type, DAY, symbol), frame)


def _one_bad_price(frame: pl.DataFrame) -> pl.DataFrame:
    bad = pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("1.2.3")).otherwise("price")
    return frame.with_columns(price=bad)


def write_mixed(folder: Path) -> Path:
    """The mixed set in ``folder`` (returned)."""
    for n, symbol in enumerate(SYMBOLS):
        if symbol != "ADAUSDT":
            tardis(folder, "trades", symbol, 10 + n)
        tardis(folder, "incremental_book_L2", symbol, 8 + n)
    tardis(folder, "quotes", "BTCUSDT", 9)
    tardis(folder, "quotes", "ETHUSDT", 300)  # streamed
    tardis(folder, "quotes", "SOLUSDT", 280)  # streamed
    tardis(folder, "trades", "ADAUSDT", 6, edit=_one_bad_price)  # one row quarantined
    tardis(folder, "trades", "DOGEUSDT", 4)  # no dim_symbol coverage: all quarantined
    broken = folder / vendor_file_name(EXCHANGE, "liquidations", DAY, "BTCUSDT")
    broken.write_bytes(gzip.compress(b"not,the,header\n1,2,3\n", mtime=0))
    (folder / vendor_file_name(EXCHANGE, "derivative_ticker", DAY, "BTCUSDT")).write_bytes(b"")
    header_only = ",".join(FORMATS["trades"].columns) + "\n"
    (folder / vendor_file_name(EXCHANGE, "trades", DAY, "XRPUSDT")).write_bytes(
        gzip.compress(header_only.encode(), mtime=0)
    )
    (folder / "binance-futures_trades_2024-02-31_BTCUSDT.csv.gz").write_bytes(b"x")
    return folder


def many_trades(folder: Path, n: int, rows: int = 20) -> list[Path]:
    """``n`` small trades files (distinct days of BTCUSDT), in walk order."""
    paths = []
    for k in range(n):
        day = DAY + datetime.timedelta(days=k)
        frame = sample_frame(
            "trades",
            rows,
            seed=k,
            exchange=EXCHANGE,
            symbols=["BTCUSDT"],
            start_us=DEFAULT_START_US + k * DAY_US,
        )
        paths.append(
            write_csv(folder / vendor_file_name(EXCHANGE, "trades", day, "BTCUSDT"), frame)
        )
    return sorted(paths)


def as_dicts(results) -> list[dict]:
    return [dataclasses.asdict(r) for r in results]


def silver(lake: Lake) -> dict[str, pl.DataFrame]:
    """Everything a lake holds that must not depend on the executor (timestamps left out)."""
    state = {name: lake.scan(name).collect() for name in TABLES}
    state["validation_log"] = lake.quarantine().drop("logged_at_ts_us")
    state["manifest"] = lake.manifest().drop(pl.selectors.ends_with("_ts_us"))
    return state


def assert_same_silver(one: Lake, other: Lake) -> None:
    mine, theirs = silver(one), silver(other)
    for name, frame in mine.items():
        assert frame.height > 0 or name == "validation_log", name
        assert frame.equals(theirs[name]), name
