"""DeltaQuarantineStore on real Delta tables: location, commits, damage (the contract itself:
``tests/contracts``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline.errors import TableCorruptError
from pointline.v2.storage.delta import DeltaQuarantineStore
from tests.storage.conftest import damage_last_commit, delete_a_data_file


def _rejected(file_seqs: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"symbol": ["BTCUSDT"] * len(file_seqs), "file_seq": file_seqs})


@pytest.fixture
def store(silver: Path) -> DeltaQuarantineStore:
    return DeltaQuarantineStore(silver_root=silver)


def _version(store: DeltaQuarantineStore) -> int:
    return DeltaTable(str(store.table_path)).version()


def test_needs_a_location(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs silver_root or validation_log_path"):
        DeltaQuarantineStore()
    explicit = DeltaQuarantineStore(silver_root=tmp_path, validation_log_path=tmp_path / "v")
    assert explicit.table_path == tmp_path / "v"
    assert DeltaQuarantineStore(silver_root=tmp_path).table_path == tmp_path / "validation_log"


def test_writes_that_change_nothing_make_no_commit(store: DeltaQuarantineStore) -> None:
    store.replace_file("trades", _rejected([]), reason="r", file_id=1)
    assert not store.table_path.exists()
    store.append("trades", _rejected([1, 2]), reason="bad_row", file_id=1)
    version = _version(store)
    store.append("trades", _rejected([1, 2]), reason="bad_row", file_id=1)
    store.replace_file("trades", _rejected([]), reason="r", file_id=9)  # nothing logged for 9
    assert _version(store) == version


def test_replace_file_is_one_commit(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1, 2, 3]), reason="bad_row", file_id=1)
    store.append("trades", _rejected([9]), reason="bad_row", file_id=2)
    version = _version(store)
    store.replace_file("trades", _rejected([2]), reason="new_rule", file_id=1)
    assert _version(store) == version + 1
    store.replace_file("trades", _rejected([]), reason="new_rule", file_id=1)
    assert _version(store) == version + 2
    assert store.read().select("file_id", "file_seq").rows() == [(2, 9)]


def test_damaged_log_is_a_clear_error(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1]), reason="a", file_id=1)
    store.append("trades", _rejected([2]), reason="a", file_id=1)
    damage_last_commit(store.table_path)
    with pytest.raises(TableCorruptError, match=f"table at {store.table_path} cannot be opened"):
        store.read()
    with pytest.raises(TableCorruptError, match=f"table at {store.table_path} cannot be opened"):
        store.append("trades", _rejected([3]), reason="a", file_id=1)


def test_missing_data_file_is_a_clear_error(store: DeltaQuarantineStore) -> None:
    store.append("trades", _rejected([1]), reason="a", file_id=1)
    delete_a_data_file(store.table_path)
    with pytest.raises(TableCorruptError, match=r"table validation_log at .* cannot be read"):
        store.read()
