"""A tiny vendor for Lake tests: plain CSV files of already-scaled trades.

Layout: ``<root>/bronze/mini/exchange=<e>/type=trades/date=<d>/symbol=<s>/<name>.csv``;
columns: ts_event_us, side, price, qty (integers already scaled). It exercises the vendor
seam without depending on a real vendor's format.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.base import BronzeLocation

_LAYOUT = re.compile(
    r"mini/exchange=(?P<exchange>[^/]+)/type=(?P<type>[^/]+)/date=(?P<date>\d{4}-\d{2}-\d{2})"
    r"/symbol=(?P<symbol>[^/]+)/[^/]+\.csv$"
)


def _read(meta: BronzeFileMetadata) -> pl.DataFrame:
    extra = meta.extra or {}
    df = pl.read_csv(extra["path"], schema_overrides={"side": pl.Utf8})
    return df.with_columns(
        exchange=pl.lit(extra["exchange"]),
        symbol=pl.lit(extra["symbol"]),
        ts_local_us=pl.lit(None, pl.Int64),
    )


@dataclass
class MiniVendor:
    name: str = "mini"
    chunk_pause_s: float = 0.0

    def data_types(self) -> tuple[str, ...]:
        return ("trades",)

    def recognise(self, path: Path) -> BronzeLocation | None:
        match = _LAYOUT.search(Path(path).as_posix())
        if match is None:
            return None
        return BronzeLocation(
            vendor="mini",
            data_type=match["type"],
            exchange=match["exchange"],
            symbol=match["symbol"],
            date=datetime.date.fromisoformat(match["date"]),
        )

    def parser(self, meta: BronzeFileMetadata):
        return _read

    def chunked_parser(self, meta: BronzeFileMetadata):
        def chunks(m: BronzeFileMetadata, chunk_rows: int) -> Iterator[pl.DataFrame]:
            for chunk in _read(m).iter_slices(chunk_rows):
                time.sleep(self.chunk_pause_s)
                yield chunk

        return chunks


def write_mini_trades(
    root: Path,
    *,
    symbol: str = "BTCUSDT",
    exchange: str = "binance",
    day: str = "2024-01-02",
    rows: list[tuple[int, str, int, int]],
    name: str = "part",
) -> Path:
    folder = root / "bronze" / "mini" / f"exchange={exchange}" / "type=trades"
    folder = folder / f"date={day}" / f"symbol={symbol}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    lines = ["ts_event_us,side,price,qty"] + [f"{t},{s},{p},{q}" for t, s, p, q in rows]
    path.write_text("\n".join(lines) + "\n")
    return path
