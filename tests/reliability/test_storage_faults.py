"""Storage errors injected at every Delta adapter call of ``ingest_file``: the attempt ends
``failed`` with a reason (never an exception), and a plain rerun heals the lake.

The faulty stores are subclasses of the real Delta adapters that raise
:class:`~pointline.errors.StorageError` once, either before calling the real method (nothing
committed) or after it returned (committed, but the caller is told it failed: a lost
acknowledgement). The in-memory fakes cover the same calls in
``tests/ingestion/test_exactly_once.py``; here the real commits happen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pointline.errors import StorageError
from pointline.v2 import Lake
from pointline.v2.ingestion import ingest_file
from pointline.v2.storage.delta import (
    DeltaDimensionStore,
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
)
from pointline.v2.vendors.registry import get_vendor

from .lakes import (
    check_invariants,
    file_rows,
    new_lake,
    tardis_name,
    tardis_text,
    with_bad_rows,
    write_bronze,
)

ROWS, BAD = 20, 5  # every 4th of 20 trades has an unknown side


def faulty(cls: type, method: str) -> type:
    """``cls`` whose ``method`` raises StorageError once, ``before`` or ``after`` the real call."""

    class Faulty(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args, when: str, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.when = when
            self.armed = True

    def call(self, *args, **kwargs):
        real = getattr(cls, method)
        if not self.armed:
            return real(self, *args, **kwargs)
        self.armed = False
        if self.when == "before":
            raise StorageError(f"injected: {cls.__name__}.{method} failed before its commit")
        real(self, *args, **kwargs)
        raise StorageError(f"injected: {cls.__name__}.{method} committed, then failed")

    setattr(Faulty, method, call)
    Faulty.__name__ = f"Faulty{cls.__name__}"
    return Faulty


CALLS = [
    ("manifest", "filter_pending", "before"),
    ("manifest", "resolve_file_ids", "before"),
    ("manifest", "resolve_file_ids", "after"),
    ("dimension", "load_dim_symbol", "before"),
    ("events", "replace_files", "before"),
    ("events", "replace_files", "after"),
    ("quarantine", "replace_files", "before"),
    ("quarantine", "replace_files", "after"),
    ("manifest", "update_statuses", "before"),
    ("manifest", "update_statuses", "after"),
]
REASONS = {
    "manifest": "manifest_error",
    "dimension": "dim_symbol_error",
    "events": "write_error",
    "quarantine": "quarantine_error",
}
CLASSES = {
    "manifest": DeltaManifestStore,
    "dimension": DeltaDimensionStore,
    "events": DeltaEventStore,
    "quarantine": DeltaQuarantineStore,
}


def _stores(lake: Lake, store: str, method: str, when: str) -> dict:
    silver = lake.silver_root
    make = {
        "manifest": lambda cls, **kw: cls(silver / "ingest_manifest", **kw),
        "dimension": lambda cls, **kw: cls(silver_root=silver, **kw),
        "events": lambda cls, **kw: cls(silver_root=silver, **kw),
        "quarantine": lambda cls, **kw: cls(silver_root=silver, **kw),
    }
    stores = {name: make[name](cls) for name, cls in CLASSES.items()}
    stores[store] = make[store](faulty(CLASSES[store], method), when=when)
    return stores


def _attempt(lake: Lake, path: Path, stores: dict):
    meta = lake.describe(path)
    return ingest_file(
        meta,
        parser=get_vendor(meta.vendor).parser(meta),
        manifest_repo=stores["manifest"],
        writer=stores["events"],
        dimension_store=stores["dimension"],
        quarantine_store=stores["quarantine"],
    )


@pytest.fixture
def lake_and_file(tmp_path):
    lake = new_lake(tmp_path / "lake")
    text = with_bad_rows(tardis_text("trades", ROWS, seed=11), every=4)
    path = write_bronze(lake.bronze_root / "tardis" / tardis_name("trades"), text)
    return lake, path


@pytest.mark.parametrize(("store", "method", "when"), CALLS)
def test_storage_error_ends_failed_with_reason_and_rerun_heals(lake_and_file, store, method, when):
    lake, path = lake_and_file
    first = _attempt(lake, path, _stores(lake, store, method, when))
    assert first.status == "failed"
    assert first.failure_reason == REASONS[store]
    assert "injected" in first.error_message
    assert first.error_message.startswith("tardis/")  # names the Bronze file

    again = Lake(lake.root).ingest_file(path)
    assert again.status == "success"
    # A lost acknowledgement of the final status: the status was recorded, the rerun skips.
    assert again.skipped == ((store, method, when) == ("manifest", "update_statuses", "after"))
    state = check_invariants(Lake(lake.root))
    (status, total, written, quarantined, seqs, logged) = state.files[f"tardis/{path.name}"]
    assert (status, total, written, quarantined) == ("success", ROWS, ROWS - BAD, BAD)
    assert seqs == tuple(i for i in range(1, ROWS + 1) if i % 4)
    assert [seq for seq, _ in logged] == sorted(range(4, ROWS + 1, 4), key=str)
    assert {rule for _, rule in logged} == {"invalid_trade_values"}


@pytest.mark.parametrize(
    ("store", "method", "when"),
    [
        pytest.param(
            *call,
            marks=(),
        )
        for call in CALLS
    ],
)
def test_failed_attempt_leaves_nothing_visible(lake_and_file, store, method, when):
    lake, path = lake_and_file
    first = _attempt(lake, path, _stores(lake, store, method, when))
    assert first.status == "failed"
    reader = Lake(lake.root)
    manifest = reader.manifest()
    row = manifest.row(0, named=True) if manifest.height else None
    if row is None or row["status"] == "pending":
        # Never got a status: hidden from readers, and the rerun replaces whatever is there.
        assert reader.scan("trades").collect().height == 0
        return
    if row["status"] == "success":  # the lost acknowledgement of update_status
        assert file_rows(reader, row["file_id"]) == (ROWS - BAD, BAD)
        return
    assert row["status"] == "failed"
    assert row["status_reason"] == REASONS[store]
    assert file_rows(reader, row["file_id"]) == (0, 0)
    assert reader.scan("trades").collect().height == 0
    assert reader.quarantine().height == 0
