"""DeltaManifestStore on real Delta tables: commits, caching, upkeep, processes, damage (the
contract itself: ``tests/contracts``)."""

from __future__ import annotations

import datetime
import multiprocessing
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline.errors import TableCorruptError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.v2.ingestion.models import IngestionResult
from pointline.v2.storage.delta import DeltaManifestStore
from pointline.v2.storage.delta.layout import lock_path_for
from tests.storage.conftest import damage_last_commit, delete_a_data_file, make_meta

SUCCESS = IngestionResult(
    status="success",
    row_count=10,
    rows_written=9,
    rows_quarantined=1,
    trading_date_min=datetime.date(2024, 1, 2),
    trading_date_max=datetime.date(2024, 1, 3),
)


@pytest.fixture
def path(silver: Path) -> Path:
    return silver / "ingest_manifest"


@pytest.fixture
def store(path: Path) -> DeltaManifestStore:
    return DeltaManifestStore(path)


def _versions_have_one_row_per_identity(path: Path) -> None:
    latest = DeltaTable(str(path)).version()
    for version in range(latest + 1):
        rows = pl.from_arrow(DeltaTable(str(path), version=version).to_pyarrow_table())
        assert rows["file_id"].is_unique().all(), f"version {version}"
        keys = rows.select(list(INGEST_MANIFEST.business_keys))
        assert keys.is_unique().all(), f"version {version}"


def test_nothing_is_created_until_the_first_write(store: DeltaManifestStore, path: Path) -> None:
    assert store.read().height == 0
    assert store.filter_pending([make_meta(1)]) == [make_meta(1)]
    assert not path.exists()


def test_a_new_instance_continues_the_ids(store: DeltaManifestStore, path: Path) -> None:
    ids = [store.resolve_file_id(make_meta(i)) for i in range(1, 4)]
    assert ids == [1, 2, 3]
    assert store.resolve_file_id(make_meta(2)) == 2
    reopened = DeltaManifestStore(path)
    assert reopened.resolve_file_id(make_meta(2)) == 2
    assert reopened.resolve_file_id(make_meta(9)) == 4
    assert store.read()["file_id"].to_list() == [1, 2, 3, 4]


def test_pending_on_a_pending_row_writes_nothing(store: DeltaManifestStore, path: Path) -> None:
    meta = make_meta(1)
    file_id = store.resolve_file_id(meta)
    version = DeltaTable(str(path)).version()
    store.update_status(file_id, "pending", meta)
    assert DeltaTable(str(path)).version() == version


def test_filter_pending_on_a_2000_row_manifest_answers_every_candidate(path: Path) -> None:
    """(Its cost is measured by benchmarks/manifest_scale.py, never asserted here.)"""
    writer = DeltaManifestStore(path)
    metas = [make_meta(i) for i in range(2000)]
    ids = writer.resolve_file_ids(metas)
    # Metas with an odd number are done; the known candidates below are exactly those.
    writer.update_statuses(
        [(i, "success", m, SUCCESS) for i, m in zip(ids, metas, strict=True) if i % 2 == 0]
    )
    candidates = [make_meta(i % 2000 if i % 2 else 10_000 + i) for i in range(10_000)]
    store = DeltaManifestStore(path)  # cold: loads the manifest
    pending = store.filter_pending(candidates)
    assert pending == [make_meta(10_000 + i) for i in range(0, 10_000, 2)]


def test_bulk_resolve_and_update_are_one_commit_each(store: DeltaManifestStore, path: Path) -> None:
    store.resolve_file_id(make_meta(0))
    version = DeltaTable(str(path)).version()
    metas = [make_meta(1), make_meta(2), make_meta(1), make_meta(0)]
    assert store.resolve_file_ids(metas) == [2, 3, 2, 1]
    assert DeltaTable(str(path)).version() == version + 1
    store.update_statuses(
        [
            (2, "failed", make_meta(1), None),
            (3, "success", make_meta(2), SUCCESS),
            (2, "success", make_meta(1), SUCCESS),
        ]
    )
    assert DeltaTable(str(path)).version() == version + 2
    assert store.read()["status"].to_list() == ["pending", "success", "success"]
    _versions_have_one_row_per_identity(path)


def test_invalid_bulk_update_writes_nothing(store: DeltaManifestStore, path: Path) -> None:
    ids = store.resolve_file_ids([make_meta(1), make_meta(2)])
    version = DeltaTable(str(path)).version()
    with pytest.raises(ValueError, match="unknown file_id 99"):
        store.update_statuses(
            [(ids[0], "success", make_meta(1), SUCCESS), (99, "success", make_meta(2), SUCCESS)]
        )
    assert DeltaTable(str(path)).version() == version
    assert store.read()["status"].to_list() == ["pending", "pending"]


def test_lookup_and_status_of_do_not_write(store: DeltaManifestStore, path: Path) -> None:
    store.resolve_file_id(make_meta(1))
    version = DeltaTable(str(path)).version()
    assert store.lookup(make_meta(1)) == (1, "pending")
    assert store.lookup(make_meta(2)) is None
    assert store.status_of(1) == "pending"
    assert DeltaTable(str(path)).version() == version


def test_one_row_per_identity_at_every_version(store: DeltaManifestStore, path: Path) -> None:
    for i in range(1, 5):
        meta = make_meta(i)
        file_id = store.resolve_file_id(meta)
        store.update_status(file_id, "failed", meta)
        store.update_status(file_id, "success", meta, SUCCESS)
    _versions_have_one_row_per_identity(path)
    assert store.read().height == 4


def test_sees_writes_of_another_instance(path: Path) -> None:
    a, b = DeltaManifestStore(path), DeltaManifestStore(path)
    assert a.resolve_file_id(make_meta(1)) == 1
    assert b.resolve_file_id(make_meta(2)) == 2
    assert a.resolve_file_id(make_meta(3)) == 3
    b.update_status(1, "success", make_meta(1), SUCCESS)
    assert a.status_of(1) == "success"
    assert a.filter_pending([make_meta(1), make_meta(2)]) == [make_meta(2)]


def test_status_of_its_own_row_replaces_the_file_it_wrote_without_listing_files(
    store: DeltaManifestStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store remembers the file holding a row it committed alone: the status update
    removes that file (one row per identity, at every version) without reading the table's
    file list."""
    from pointline.v2.storage.delta import data_files

    for i in range(1, 4):
        store.resolve_file_id(make_meta(i))

    def no_listing(*args: object) -> None:
        raise AssertionError("the file list was read")

    monkeypatch.setattr(data_files, "files_to_remove", no_listing)
    store.update_status(2, "failed", make_meta(2))
    store.update_status(2, "success", make_meta(2), SUCCESS)
    _versions_have_one_row_per_identity(path)
    assert DeltaManifestStore(path).read()["status"].to_list() == ["pending", "success", "pending"]
    assert len(DeltaTable(str(path)).file_uris()) == 3


def test_status_after_another_writer_replaced_the_row_finds_the_files_again(path: Path) -> None:
    """Another instance replaced the row (and its file) meanwhile: the remembered file is not
    trusted, the current one is replaced, and the table keeps one row for the identity."""
    a, b = DeltaManifestStore(path), DeltaManifestStore(path)
    assert a.resolve_file_id(make_meta(1)) == 1
    b.update_status(1, "failed", make_meta(1))
    a.update_status(1, "success", make_meta(1), SUCCESS)
    _versions_have_one_row_per_identity(path)
    rows = DeltaManifestStore(path).read()
    assert rows.select("file_id", "status").rows() == [(1, "success")]
    assert len(DeltaTable(str(path)).file_uris()) == 1


def test_compaction_keeps_rows_files_and_log_bounded(path: Path) -> None:
    store = DeltaManifestStore(path, compact_every=10)
    other = DeltaManifestStore(path)
    assert other.resolve_file_id(make_meta(0)) == 1  # holds a snapshot that will go stale
    for i in range(1, 41):
        meta = make_meta(i)
        store.update_status(store.resolve_file_id(meta), "success", meta, SUCCESS)
    dt = DeltaTable(str(path))
    assert len(dt.file_uris()) <= 12
    assert len(list((path / "_delta_log").glob("*.json"))) <= 12
    assert dt.metadata().configuration["delta.logRetentionDuration"] == "interval 0 seconds"
    # Replaced files stay on disk for an hour (readers of older snapshots may need them).
    assert len(list(path.glob("*.parquet"))) > 80
    rows = store.read()
    assert rows["file_id"].to_list() == list(range(1, 42))
    assert rows["status"].to_list() == ["pending"] + ["success"] * 40
    assert other.status_of(41) == "success"
    assert other.resolve_file_id(make_meta(99)) == 42


def test_vacuum_deletes_replaced_files(path: Path) -> None:
    store = DeltaManifestStore(path, compact_every=10, vacuum_retention_hours=0)
    for i in range(1, 41):
        meta = make_meta(i)
        store.update_status(store.resolve_file_id(meta), "success", meta, SUCCESS)
    on_disk = {p.name for p in path.glob("*.parquet")}
    referenced = {Path(uri).name for uri in DeltaTable(str(path)).file_uris()}
    assert referenced <= on_disk
    assert len(on_disk - referenced) <= 20  # only what was replaced since the last vacuum
    assert store.read()["status"].to_list() == ["success"] * 40
    assert DeltaManifestStore(path).read()["status"].to_list() == ["success"] * 40


def test_uses_a_lock_file_next_to_the_table(store: DeltaManifestStore, path: Path) -> None:
    store.resolve_file_id(make_meta(1))
    assert lock_path_for(path) == path.parent / "_locks" / "ingest_manifest.lock"
    assert lock_path_for(path).exists()


def test_damaged_log_is_a_clear_error(store: DeltaManifestStore, path: Path) -> None:
    for i in range(1, 3):
        store.resolve_file_id(make_meta(i))
    damage_last_commit(path)
    with pytest.raises(TableCorruptError, match=f"table at {path} cannot be opened"):
        DeltaManifestStore(path).read()
    with pytest.raises(TableCorruptError, match=f"table at {path}"):
        DeltaManifestStore(path).resolve_file_id(make_meta(3))


def test_missing_data_file_is_a_clear_error(store: DeltaManifestStore, path: Path) -> None:
    store.resolve_file_id(make_meta(1))
    victim = delete_a_data_file(path)
    with pytest.raises(TableCorruptError, match=f"table at {path}: 1 data file") as e:
        DeltaManifestStore(path).filter_pending([make_meta(1)])
    assert victim.name in str(e.value)


def test_duplicate_rows_written_by_someone_else_are_corruption(
    store: DeltaManifestStore, path: Path
) -> None:
    store.resolve_file_id(make_meta(1))
    write_deltalake(str(path), DeltaTable(str(path)).to_pyarrow_table(), mode="append")
    with pytest.raises(TableCorruptError, match="more than one row for file_id 1"):
        DeltaManifestStore(path).read()


def _resolve_worker(path: str, numbers: list[int], start: object) -> list[tuple[int, int]]:
    start.wait()  # type: ignore[attr-defined]
    store = DeltaManifestStore(path)
    return [(n, store.resolve_file_id(make_meta(n))) for n in numbers]


def test_processes_allocate_unique_ids(path: Path) -> None:
    # 4 processes x 25 identities; neighbours share 5 identities (85 distinct in all).
    plans = [list(range(20 * p, 20 * p + 25)) for p in range(4)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        start = manager.Barrier(4)
        results = pool.starmap(_resolve_worker, [(str(path), plan, start) for plan in plans])
    by_number: dict[int, set[int]] = {}
    for pairs in results:
        for number, file_id in pairs:
            by_number.setdefault(number, set()).add(file_id)
    assert len(by_number) == 85
    assert all(len(ids) == 1 for ids in by_number.values()), "an identity got two ids"
    ids = sorted(next(iter(s)) for s in by_number.values())
    assert ids == list(range(1, 86))
    rows = DeltaManifestStore(path).read()
    assert rows.height == 85
    assert rows["file_id"].to_list() == list(range(1, 86))
    assert rows.select(list(INGEST_MANIFEST.business_keys)).is_unique().all()


def test_related_finds_earlier_contents_and_twins_from_its_cache_and_after_a_reload(
    path: Path,
) -> None:
    """``related`` looks rows up by place and by hash: the same answers as a pass over every
    row, whether the cache was built by this store's writes or reloaded by another store."""
    import dataclasses

    from pointline.v2.storage.manifest_rows import related

    store = DeltaManifestStore(path)
    first = make_meta(1)
    again = dataclasses.replace(first, sha256=f"{99:064x}")  # same place, new content
    twin = dataclasses.replace(make_meta(2), sha256=first.sha256)  # same content, other place
    others = [make_meta(i) for i in range(3, 8)]
    store.resolve_file_ids([first, *others])
    store.update_status(1, "success", first, SUCCESS)
    asked = [again, twin, make_meta(50), others[0]]
    for answering in (store, DeltaManifestStore(path)):
        found = answering.related(asked)
        assert found == related(answering._by_id.values(), asked)
        assert [file_id for file_id, _ in found[0].earlier] == [1]
        assert found[1].twins == [(1, first.bronze_file_path)]
        assert found[2].earlier == [] and found[2].twins == []


def _forbid_reload(store: DeltaManifestStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def reload(dt: object) -> None:
        raise AssertionError("the whole manifest was reloaded")

    monkeypatch.setattr(store, "_reload", reload)


def _cache(store: DeltaManifestStore) -> tuple[dict, dict, int]:
    return dict(store._by_id), dict(store._by_identity), store._max_id


def test_after_other_writers_commit_the_cache_reads_only_their_files(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another store resolves, updates and compacts: the first store's cache catches up by
    reading the files it has not seen, and holds exactly what a full load of the table
    holds (rows, ids, identities, the next id), without reloading the manifest."""
    reader = DeltaManifestStore(path)
    other = DeltaManifestStore(path, compact_every=7)
    other.resolve_file_ids([make_meta(i) for i in range(1, 30)])
    assert reader.status_of(1) == "pending"  # loaded once, the whole table
    _forbid_reload(reader, monkeypatch)
    for i in range(1, 30, 3):  # several compactions among them (every 7 versions)
        other.update_status(i, "success", make_meta(i), SUCCESS)
    other.resolve_file_ids([make_meta(i) for i in range(30, 35)])
    reader.update_status(2, "failed", make_meta(2))  # its own commit among the others'
    other.update_status(3, "success", make_meta(3), SUCCESS)
    assert reader.filter_pending([make_meta(1), make_meta(2)]) == [make_meta(2)]
    full = DeltaManifestStore(path)
    full.read()
    assert _cache(reader) == _cache(full)
    assert reader.resolve_file_id(make_meta(99)) == 35
    assert DeltaManifestStore(path).read()["file_id"].to_list() == list(range(1, 36))


def test_a_row_deleted_by_another_program_is_seen_by_a_full_reload(
    store: DeltaManifestStore, path: Path
) -> None:
    """The catch-up assumes rows are only ever replaced; a row deleted behind its back does
    not add up, and the store reloads the table rather than keep a row that is gone."""
    store.resolve_file_ids([make_meta(i) for i in range(1, 4)])
    loaded = DeltaManifestStore(path)
    for reader in (store, loaded):
        assert reader.read()["file_id"].to_list() == [1, 2, 3]
    DeltaTable(str(path)).delete("file_id = 2")
    for reader in (store, loaded):
        assert reader.read()["file_id"].to_list() == [1, 3]
        assert reader.status_of(2) is None


def test_a_row_duplicated_by_another_program_after_the_load_is_corruption(
    store: DeltaManifestStore, path: Path
) -> None:
    store.resolve_file_ids([make_meta(i) for i in range(1, 4)])
    loaded = DeltaManifestStore(path)
    loaded.read()
    copy = DeltaTable(str(path)).to_pyarrow_table().slice(0, 1)
    write_deltalake(str(path), copy, mode="append")
    for reader in (store, loaded):
        with pytest.raises(TableCorruptError, match="more than one row for file_id 1"):
            reader.read()
