"""Shared builders for pipeline tests: parsed trades frames, a dim_symbol view, metadata."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.v2.ingestion.models import BronzeFileMetadata

DAY_US = 86_400_000_000
T0 = 1_704_153_600_000_000  # 2024-01-02 00:00:00 UTC
FAR = 2**63 - 1


def make_meta(name: str = "trades.csv.gz", *, sha: str = "a" * 64, data_type: str = "trades"):
    return BronzeFileMetadata(
        vendor="tardis",
        data_type=data_type,
        bronze_file_path=f"tardis/exchange=binance/type={data_type}/{name}",
        file_size_bytes=100,
        last_modified_ts=0,
        sha256=sha,
    )


def make_trades(rows: list[dict] | None = None, n: int = 3) -> pl.DataFrame:
    """Trades rows as a parser returns them (no trading_date/symbol_id/file_id)."""
    if rows is None:
        rows = [
            {
                "exchange": "binance",
                "symbol": "BTCUSDT",
                "ts_event_us": T0 + i * 1_000_000,
                "ts_local_us": T0 + i * 1_000_000 + 5,
                "trade_id": str(100 + i),
                "side": "buy" if i % 2 == 0 else "sell",
                "price": 42_000_000_000_000 + i,
                "qty": 1_000_000_000,
            }
            for i in range(n)
        ]
    return pl.DataFrame(
        rows,
        schema={
            "exchange": pl.Utf8,
            "symbol": pl.Utf8,
            "ts_event_us": pl.Int64,
            "ts_local_us": pl.Int64,
            "trade_id": pl.Utf8,
            "side": pl.Utf8,
            "price": pl.Int64,
            "qty": pl.Int64,
        },
    )


def make_dim(symbols=(("binance", "BTCUSDT", 11, T0 - DAY_US, FAR),)) -> pl.DataFrame:
    return pl.DataFrame(
        list(symbols),
        schema={
            "exchange": pl.Utf8,
            "exchange_symbol": pl.Utf8,
            "symbol_id": pl.Int64,
            "valid_from_ts_us": pl.Int64,
            "valid_until_ts_us": pl.Int64,
        },
        orient="row",
    )


@pytest.fixture
def dim() -> pl.DataFrame:
    return make_dim()
