"""Every store shape reaches the pipeline through the one write verb: the spec's append-only
EventStore and QuarantineStore, a plain callable, and the batch-replacing stores."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.v2.ingestion import ingest_file, ingest_files
from pointline.v2.ingestion.sinks import event_sink, log_sink, manifest_port
from pointline.v2.storage.contracts import EventStore, ManifestStore, QuarantineStore
from pointline.v2.testing import InMemoryEventStore, InMemoryManifestStore, InMemoryQuarantineStore

from .conftest import make_meta, make_trades


class AppendOnlyEvents:
    """Only the spec's ``EventStore.append``."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, pl.DataFrame]] = []

    def append(self, table_name: str, df: pl.DataFrame) -> None:
        self.frames.append((table_name, df))


class AppendOnlyLog:
    """Only the spec's ``QuarantineStore.append``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str, int]] = []

    def append(self, table_name: str, df: pl.DataFrame, *, reason: str, file_id: int) -> None:
        self.calls.append((table_name, df.height, reason, file_id))


class SingleManifest:
    """A manifest with the spec's single-file methods only (over the in-memory fake)."""

    def __init__(self) -> None:
        self.inner = InMemoryManifestStore()

    def resolve_file_id(self, meta):
        return self.inner.resolve_file_id(meta)

    def filter_pending(self, candidates):
        return self.inner.filter_pending(candidates)

    def update_status(self, file_id, status, meta, result=None):
        self.inner.update_status(file_id, status, meta, result)


def mixed(meta):
    rows = make_trades(n=4).to_dicts()
    rows[1]["side"] = "?"
    rows[2]["symbol"] = "DOGEUSDT"
    return make_trades(rows)


def test_the_fakes_are_the_protocols_they_stand_for():
    assert isinstance(AppendOnlyEvents(), EventStore)
    assert isinstance(AppendOnlyLog(), QuarantineStore)
    assert isinstance(SingleManifest(), ManifestStore)


def test_append_only_stores_get_every_row_once_per_reason(dim):
    events, log, manifest = AppendOnlyEvents(), AppendOnlyLog(), SingleManifest()
    result = ingest_file(
        make_meta(),
        parser=mixed,
        manifest_repo=manifest,
        writer=events,
        dim_symbol_df=dim,
        quarantine_store=log,
    )
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 2, 2)
    assert [(t, df["file_seq"].to_list()) for t, df in events.frames] == [("trades", [1, 4])]
    assert sorted(log.calls) == [
        ("trades", 1, "invalid_trade_values", 1),
        ("trades", 1, "missing_pit_symbol_coverage", 1),
    ]
    assert manifest.inner.read()["status"].to_list() == ["success"]


def test_a_batch_over_single_file_stores_equals_one_by_one(dim):
    metas = [make_meta(f"{i}.csv", sha=f"{i:064d}") for i in range(3)]
    manifest, events = SingleManifest(), AppendOnlyEvents()
    results = ingest_files(
        metas,
        parser_for=lambda m: lambda _: make_trades(n=2),
        manifest_repo=manifest,
        writer=events,
        dim_symbol_df=dim,
        quarantine_store=AppendOnlyLog(),
    )
    assert [(r.status, r.file_id, r.rows_written) for r in results] == [
        ("success", 1, 2),
        ("success", 2, 2),
        ("success", 3, 2),
    ]
    (table, rows), *_ = events.frames
    assert table == "trades" and rows["file_id"].to_list() == [1, 1, 2, 2, 3, 3]


def test_a_failed_append_only_write_cannot_be_taken_back_and_says_so(dim):
    def broken(table, df):
        raise OSError("disk full")

    result = ingest_file(
        make_meta(),
        parser=lambda m: make_trades(n=2),
        manifest_repo=InMemoryManifestStore(),
        writer=broken,
        dim_symbol_df=dim,
        quarantine_store=InMemoryQuarantineStore(),
    )
    assert (result.status, result.failure_reason) == ("failed", "write_error")
    assert "disk full" in result.error_message


def test_wrapping_picks_the_batch_verb_when_the_store_has_it():
    assert event_sink(InMemoryEventStore()).replaces
    assert log_sink(InMemoryQuarantineStore()).replaces
    assert not event_sink(AppendOnlyEvents()).replaces
    assert not event_sink(lambda table, df: None).replaces
    assert not log_sink(AppendOnlyLog()).replaces
    assert log_sink(None) is None
    assert manifest_port(SingleManifest()).resolve([]) == []


def test_something_that_is_not_a_store_is_refused():
    with pytest.raises(TypeError, match="writer must be an EventStore"):
        event_sink(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="quarantine_store must be a QuarantineStore"):
        log_sink("validation_log")  # type: ignore[arg-type]
