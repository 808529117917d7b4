"""DeltaDimensionStore on real Delta tables: location, stale writers, processes, damage (the
contract itself: ``tests/contracts``)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline.errors import TableCorruptError, VersionMismatchError
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2 import dim_symbol
from pointline.v2.storage.delta import DeltaDimensionStore
from tests.storage.conftest import damage_last_commit, delete_a_data_file

T0 = 1_704_067_200_000_000


def _dim(*symbols: str, tick_size: str = "0.01") -> pl.DataFrame:
    snapshot = pl.DataFrame(
        {
            "exchange": ["binance"] * len(symbols),
            "exchange_symbol": list(symbols),
            "canonical_symbol": [s.lower() for s in symbols],
            "market_type": ["spot"] * len(symbols),
            "base_asset": [s[:3] for s in symbols],
            "quote_asset": ["USDT"] * len(symbols),
            "tick_size": [tick_size] * len(symbols),
        }
    )
    return dim_symbol.bootstrap(snapshot, T0)


@pytest.fixture
def path(silver: Path) -> Path:
    return silver / "dim_symbol"


@pytest.fixture
def store(silver: Path) -> DeltaDimensionStore:
    return DeltaDimensionStore(silver_root=silver)


def test_needs_a_location() -> None:
    with pytest.raises(ValueError, match="needs silver_root or dim_symbol_path"):
        DeltaDimensionStore()


def test_explicit_path_wins(tmp_path: Path) -> None:
    store = DeltaDimensionStore(silver_root=tmp_path / "s", dim_symbol_path=tmp_path / "d")
    assert store.save_dim_symbol(_dim("BTCUSDT")) == 0
    assert DeltaTable(str(tmp_path / "d")).version() == 0


def test_missing_table_loads_empty_with_exact_schema(
    store: DeltaDimensionStore, path: Path
) -> None:
    loaded = store.load_dim_symbol()
    assert loaded.height == 0
    assert loaded.schema == DIM_SYMBOL.to_polars()
    assert store.current_version() is None
    assert not path.exists()


def test_stale_writer_loses(silver: Path) -> None:
    a = DeltaDimensionStore(silver_root=silver)
    b = DeltaDimensionStore(silver_root=silver)
    a.save_dim_symbol(_dim("BTCUSDT"))
    seen = b.current_version()
    assert a.save_dim_symbol(_dim("ETHUSDT"), expected_version=seen) == 1
    with pytest.raises(VersionMismatchError, match="is at version 1"):
        b.save_dim_symbol(_dim("XRPUSDT"), expected_version=seen)
    assert b.load_dim_symbol()["exchange_symbol"].to_list() == ["ETHUSDT"]


def test_a_commit_between_check_and_write_is_a_mismatch(
    store: DeltaDimensionStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_dim_symbol(_dim("BTCUSDT"))
    stale = DeltaTable(str(path))  # version 0, as a writer on another machine saw it
    store.save_dim_symbol(_dim("ETHUSDT"))  # version 1 lands before that writer commits
    monkeypatch.setattr(store._table, "snapshot", lambda version=None: stale)
    with pytest.raises(VersionMismatchError, match="another writer committed after version 0"):
        store.save_dim_symbol(_dim("XRPUSDT"), expected_version=0)
    monkeypatch.undo()
    assert store.current_version() == 1
    assert store.load_dim_symbol()["exchange_symbol"].to_list() == ["ETHUSDT"]


def _save_worker(silver: str, symbol: str, expected: int, start: object) -> str:
    start.wait()  # type: ignore[attr-defined]
    try:
        version = DeltaDimensionStore(silver_root=silver).save_dim_symbol(
            _dim(symbol), expected_version=expected
        )
    except VersionMismatchError as exc:
        return f"mismatch: {exc}"
    return f"saved {version}"


def test_two_processes_same_expected_version_one_wins(
    store: DeltaDimensionStore, silver: Path
) -> None:
    store.save_dim_symbol(_dim("BTCUSDT"))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        start = manager.Barrier(2)
        outcomes = pool.starmap(
            _save_worker, [(str(silver), "ETHUSDT", 0, start), (str(silver), "XRPUSDT", 0, start)]
        )
    assert sorted(o.split(":")[0] for o in outcomes) == ["mismatch", "saved 1"]
    assert "version mismatch" in next(o for o in outcomes if o.startswith("mismatch"))
    winner = "ETHUSDT" if outcomes[0] == "saved 1" else "XRPUSDT"
    assert store.current_version() == 1
    assert store.load_dim_symbol()["exchange_symbol"].to_list() == [winner]


def test_damaged_log_is_an_error_not_an_empty_frame(store: DeltaDimensionStore, path: Path) -> None:
    store.save_dim_symbol(_dim("BTCUSDT"))
    store.save_dim_symbol(_dim("ETHUSDT"))
    damage_last_commit(path)
    with pytest.raises(TableCorruptError, match=f"table at {path} cannot be opened"):
        store.load_dim_symbol()
    with pytest.raises(TableCorruptError, match=f"table at {path} cannot be opened"):
        store.current_version()


def test_missing_data_file_is_an_error(store: DeltaDimensionStore, path: Path) -> None:
    store.save_dim_symbol(_dim("BTCUSDT"))
    delete_a_data_file(path)
    expected = f"table at {path}: 1 data file\\(s\\) referenced by the log are missing"
    with pytest.raises(TableCorruptError, match=expected):
        store.load_dim_symbol()


def test_table_of_another_schema_is_an_error(store: DeltaDimensionStore, path: Path) -> None:
    write_deltalake(str(path), pl.DataFrame({"symbol_id": [1], "note": ["x"]}).to_arrow())
    with pytest.raises(
        TableCorruptError, match=r"table dim_symbol at .* column .exchange. is missing"
    ):
        store.load_dim_symbol()


def test_table_with_a_wrong_dtype_is_an_error(store: DeltaDimensionStore, path: Path) -> None:
    wrong = _dim("BTCUSDT").with_columns(pl.col("tick_size").cast(pl.Float64))
    write_deltalake(str(path), wrong.to_arrow())
    with pytest.raises(
        TableCorruptError, match=r"column .tick_size. is Float64 in the table, the spec says Int64"
    ):
        store.load_dim_symbol()
