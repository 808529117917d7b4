"""DimensionStore: versions from 0, validated saves, compare-and-swap ("version mismatch")."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.errors import SchemaMismatchError, VersionMismatchError
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2 import dim_symbol
from pointline.v2.storage.contracts import DimensionStore

T0 = 1_704_067_200_000_000


def _dim(*symbols: str, market_type: str = "spot") -> pl.DataFrame:
    snapshot = pl.DataFrame(
        {
            "exchange": ["binance"] * len(symbols),
            "exchange_symbol": list(symbols),
            "canonical_symbol": [s.lower() for s in symbols],
            "market_type": [market_type] * len(symbols),
            "base_asset": [s[:3] for s in symbols],
            "quote_asset": ["USDT"] * len(symbols),
            "tick_size": ["0.01"] * len(symbols),
        }
    )
    return dim_symbol.bootstrap(snapshot, T0)


def test_implements_the_protocol(dimension) -> None:
    assert isinstance(dimension, DimensionStore)


def test_an_empty_store_loads_empty_with_the_exact_schema(dimension) -> None:
    loaded = dimension.load_dim_symbol()
    assert loaded.schema == DIM_SYMBOL.to_polars() and loaded.height == 0
    assert dimension.current_version() is None


def test_saves_return_versions_and_load_returns_the_rows_sorted(dimension) -> None:
    first = _dim("ETHUSDT", "BTCUSDT")
    assert dimension.save_dim_symbol(first) == 0
    loaded = dimension.load_dim_symbol()
    assert loaded.equals(first.sort(list(DIM_SYMBOL.tie_break_keys)))
    assert loaded["tick_size"].to_list() == [10_000_000, 10_000_000]
    second = dim_symbol.upsert(first, _dim("BTCUSDT", market_type="perpetual"), T0 + 100)
    assert dimension.save_dim_symbol(second, expected_version=0) == 1
    assert dimension.save_dim_symbol(second.reverse()) == 2
    assert dimension.current_version() == 2
    assert dimension.load_dim_symbol().equals(second.sort(list(DIM_SYMBOL.tie_break_keys)))
    assert dimension.load_version(0).equals(loaded)
    with pytest.raises(ValueError, match=r"has no version 3; versions: 0\.\.2"):
        dimension.load_version(3)


def test_expected_version_is_compare_and_swap(dimension) -> None:
    with pytest.raises(VersionMismatchError, match="version mismatch: expected version 0"):
        dimension.save_dim_symbol(_dim("BTCUSDT"), expected_version=0)
    assert dimension.save_dim_symbol(_dim("BTCUSDT"), expected_version=-1) == 0
    with pytest.raises(VersionMismatchError, match="version mismatch"):
        dimension.save_dim_symbol(_dim("ETHUSDT"), expected_version=-1)
    with pytest.raises(ValueError, match="version mismatch: expected version 5"):
        dimension.save_dim_symbol(_dim("ETHUSDT"), expected_version=5)
    with pytest.raises(ValueError, match="expected_version must be None, -1"):
        dimension.save_dim_symbol(_dim("ETHUSDT"), expected_version=-2)
    assert dimension.current_version() == 0
    assert dimension.load_dim_symbol()["exchange_symbol"].to_list() == ["BTCUSDT"]
    assert dimension.save_dim_symbol(_dim("ETHUSDT")) == 1  # None: no check


def test_saves_are_validated_first(dimension) -> None:
    broken = _dim("BTCUSDT").with_columns(valid_until_ts_us=pl.lit(T0 - 1, pl.Int64))
    with pytest.raises(ValueError, match="valid_until_ts_us must be > valid_from_ts_us"):
        dimension.save_dim_symbol(broken)
    with pytest.raises(ValueError, match="at most one is_current row"):
        dimension.save_dim_symbol(pl.concat([_dim("BTCUSDT"), _dim("BTCUSDT")]))
    with pytest.raises(SchemaMismatchError, match=r"missing columns \['tick_size'\]"):
        dimension.save_dim_symbol(_dim("BTCUSDT").drop("tick_size"))
    assert dimension.current_version() is None
