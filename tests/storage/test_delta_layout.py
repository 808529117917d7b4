"""LakeLayout paths and the public names of ``pointline.v2.storage.delta``."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import pointline.v2.storage.delta as delta
from pointline.v2.storage.delta import LakeLayout
from pointline.v2.storage.delta.layout import lock_path_for


def test_paths_of_a_lake(tmp_path: Path) -> None:
    layout = LakeLayout(str(tmp_path))
    assert layout.root == tmp_path
    assert layout.bronze_root == tmp_path / "bronze"
    assert layout.silver_root == tmp_path / "silver"
    assert layout.table_path("trades") == tmp_path / "silver" / "trades"
    assert layout.manifest_path == layout.table_path("ingest_manifest")
    assert layout.validation_log_path == layout.table_path("validation_log")
    assert layout.dim_symbol_path == layout.table_path("dim_symbol")
    assert layout.lock_path("trades") == tmp_path / "silver" / "_locks" / "trades.lock"
    assert layout.lock_path("trades") == lock_path_for(layout.table_path("trades"))
    assert not (tmp_path / "silver").exists()  # nothing is created


@pytest.mark.parametrize("name", ["../etc", "trades/../../x", "", "Trades"])
def test_unknown_table_names_never_make_a_path(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"unknown table .*; known tables: \["):
        LakeLayout(tmp_path).table_path(name)


def test_public_names() -> None:
    assert delta.__all__ == [
        "DeltaDimensionStore",
        "DeltaEventStore",
        "DeltaManifestStore",
        "DeltaQuarantineStore",
        "LakeLayout",
    ]
    for module, name in [
        ("manifest_store", "DeltaManifestStore"),
        ("event_store", "DeltaEventStore"),
        ("dimension_store", "DeltaDimensionStore"),
        ("quarantine_store", "DeltaQuarantineStore"),
    ]:
        cls = getattr(importlib.import_module(f"pointline.v2.storage.delta.{module}"), name)
        assert getattr(delta, name) is cls
