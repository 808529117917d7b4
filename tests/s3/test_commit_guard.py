"""The commit guard: two commits built on one table version never both land (no lock needed).

Each race is built deterministically from stale table handles (a snapshot taken before another
writer committed), on a local root and on the S3 server.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from pointline.errors import StorageError
from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.delta import common, data_files
from pointline.v2.storage.delta.manifest_store import DeltaManifestStore
from pointline.v2.storage.delta.table import (
    COMMIT_ID_KEY,
    GUARD_APP_ID,
    CommitConflictError,
    Table,
    guard,
)
from pointline.v2.storage.store_path import as_location
from tests.conftest import LakeRoot

SPEC = get_table_spec("validation_log")


def log_rows(file_id: int, n: int = 2) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file_id": [file_id] * n,
            "rule_name": ["r"] * n,
            "severity": ["error"] * n,
            "logged_at_ts_us": [1] * n,
            "file_seq": list(range(1, n + 1)),
            "field_name": [None] * n,
            "field_value": [None] * n,
            "ts_event_us": [None] * n,
            "symbol": [None] * n,
            "symbol_id": [None] * n,
            "message": ["m"] * n,
            "table_name": ["trades"] * n,
            "row_json": [None] * n,
        },
        schema=SPEC.to_polars(),
    )


def table_at(root: LakeRoot, name: str = "validation_log") -> Table:
    where = as_location(root.root, root.storage_options) / "silver" / name
    return Table(where, get_table_spec(name))


def stale_and_fresh(root: LakeRoot) -> tuple[Table, DeltaTable]:
    """A table with file 1's rows, and a snapshot taken before file 2's rows landed."""
    table = table_at(root)
    table.replace([1], [log_rows(1)])
    stale = table.snapshot()
    assert stale is not None
    table_at(root).replace([2], [log_rows(2)])  # another writer (its own handle) commits
    return table, stale


def test_a_commit_built_on_a_stale_version_is_refused(lake_root: LakeRoot) -> None:
    table, stale = stale_and_fresh(lake_root)
    before = table.read().height
    written = data_files.DataFiles(table.location, SPEC)
    written.write(log_rows(3))
    adds = written.finish()

    def commit_on(dt: DeltaTable) -> None:
        data_files.commit(
            dt,
            table.location.uri,
            common.arrow_schema(SPEC),
            SPEC.partition_by,
            adds,
            [3],
            removes=[],
            properties=guard(dt),
        )

    with pytest.raises(CommitFailedError):
        commit_on(stale)
    assert table.read().height == before  # nothing landed
    # the same commit, guarded on the version it is built on, lands
    fresh = table.snapshot()
    assert fresh is not None
    commit_on(fresh)
    assert sorted(table.read()["file_id"].unique().to_list()) == [1, 2, 3]


def test_a_refused_writer_refreshes_and_rebuilds_its_removes(lake_root: LakeRoot) -> None:
    """Writer B replaces file 1 on a stale snapshot; A replaced file 1 meanwhile. B's retry
    must remove A's file (found again on the refreshed table), so file 1 has B's rows once."""
    table = table_at(lake_root)
    table.replace([1], [log_rows(1, 2)])
    stale = table.snapshot()
    table_at(lake_root).replace([1], [log_rows(1, 5)])  # A
    b = table_at(lake_root)
    removes = data_files.files_to_remove(stale, [1])  # what B saw: the first file
    b._dt = stale  # B's cached handle is stale (it has not seen A's commit)
    b.location.has_moved = lambda dt: False  # type: ignore[method-assign]  # and does not look
    commit = b.replace([1], [log_rows(1, 3)], removes=removes)
    assert commit is not None and commit.version is None  # another commit lay between
    rows = table.read()
    assert rows.height == 3 and rows["file_seq"].to_list() == [1, 2, 3]
    dt = table.snapshot()
    assert dt.transaction_version(GUARD_APP_ID) == dt.version()  # every commit carried it


def test_a_stale_manifest_write_is_rebuilt_with_fresh_ids(lake_root: LakeRoot) -> None:
    from tests.storage.conftest import make_meta

    where = as_location(lake_root.root, lake_root.storage_options) / "silver" / "ingest_manifest"
    a, b = DeltaManifestStore(where), DeltaManifestStore(where)
    assert a.resolve_file_ids([make_meta(1)]) == [1]
    assert b.resolve_file_ids([make_meta(2)]) == [2]  # b's cache now at that version
    assert a.resolve_file_ids([make_meta(3)]) == [3]  # b is stale now
    version = b._version
    with pytest.raises(CommitConflictError):
        b._table.replace([3], [b.read().head(1)], removes=[], based_on=(version - 1,), attempts=1)
    assert b.resolve_file_ids([make_meta(4)]) == [4]
    ids = b.read()["file_id"].to_list()
    assert ids == [1, 2, 3, 4]


def test_a_stale_compaction_never_lands(lake_root: LakeRoot) -> None:
    table = table_at(lake_root)
    for i in range(1, 5):
        table.replace([i], [log_rows(i)])
    before = table.read().sort("file_id", "file_seq")
    stale = table.snapshot()
    first = table_at(lake_root).compact()
    assert first["numFilesRemoved"] == 4 and first["numFilesAdded"] == 1
    second = table_at(lake_root).compact(dt=stale)  # built on the version before the first
    assert second["numFilesRemoved"] == 0
    after = table.read().sort("file_id", "file_seq")
    assert after.equals(before)
    dt = table.snapshot()
    assert len(dt.file_uris()) == 1
    last = dt.history(1)[0]
    assert last.get(COMMIT_ID_KEY)  # pointline's compaction, guarded like every commit


def test_an_ambiguous_commit_is_resolved_by_reading_back(lake_root: LakeRoot) -> None:
    table = table_at(lake_root)
    table.replace([1], [log_rows(1)])
    dt = table.latest()

    def commits_then_fails(properties) -> None:
        written = data_files.DataFiles(table.location, SPEC)
        written.write(log_rows(2))
        adds = written.finish()
        data_files.commit(
            dt,
            table.location.uri,
            common.arrow_schema(SPEC),
            SPEC.partition_by,
            adds,
            [2],
            removes=[],
            properties=properties,
        )
        raise OSError("connection reset after the log entry was written")

    assert table.commit(commits_then_fails, "append file 2", dt=dt) is None
    assert sorted(table.read()["file_id"].unique().to_list()) == [1, 2]

    def fails_before(properties) -> None:
        raise OSError("connection refused")

    with pytest.raises(StorageError, match="connection refused"):
        table.commit(fails_before, "append nothing", dt=dt)


def test_a_handle_whose_log_was_trimmed_reloads_instead_of_failing(tmp_path, monkeypatch) -> None:
    """Another writer checkpoints and trims the log past this handle's version (retention 0,
    as on a local disk): refreshing it reloads at the newest version, and a commit built on it
    after the refresh lands."""
    root = LakeRoot(tmp_path / "lake", None)
    reader = table_at(root)
    reader.replace([1], [log_rows(1)])
    held = reader.latest()
    version = held.version()
    writer = table_at(root)
    for i in range(2, 40):  # past two checkpoints; the log before them is deleted
        writer.replace([i], [log_rows(i)])
    log = tmp_path / "lake" / "silver" / "validation_log" / "_delta_log"
    assert not (log / f"{version + 1:020d}.json").exists()  # the commits after it are gone
    with pytest.raises(common.LIBRARY_ERRORS):  # that version cannot be replayed any more
        DeltaTable(str(log.parent), version=version + 1)
    reader.location.refresh(held)
    assert held.version() == writer.snapshot().version()
    assert reader.latest() is held
    assert reader.read(dt=held)["file_id"].n_unique() == 39


def test_a_local_handle_trusted_in_an_attempt_still_sees_a_trimmed_log(tmp_path) -> None:
    """Inside one ingestion attempt a table read early is committed to late (a forced file's
    status after its parse). Meanwhile other writers move the local log past two checkpoints
    (retention 0: the entries after the handle's version are deleted). The late commit must
    land, not fail as unconfirmed ("Invalid table version")."""
    from pointline.v2.storage import attempts

    root = LakeRoot(tmp_path / "lake", None)
    mine = table_at(root)
    mine.replace([1], [log_rows(1)])
    with attempts.attempt():
        held = mine.latest()  # read early in the attempt
        writer = table_at(root)
        for i in range(2, 40):
            writer.replace([i], [log_rows(i)])
        log = tmp_path / "lake" / "silver" / "validation_log" / "_delta_log"
        assert not (log / f"{held.version() + 1:020d}.json").exists()
        mine.replace([40], [log_rows(40)])  # late in the same attempt
    ids = table_at(root).read()["file_id"].unique().sort().to_list()
    assert ids == list(range(1, 41))


def test_a_store_snapshot_is_trusted_within_an_attempt_for_a_while(
    s3_root: LakeRoot, tmp_path: Path, monkeypatch
) -> None:
    """On a store a snapshot refreshed in an attempt is reused unrefreshed (a refresh costs
    requests), but only for ``TRUSTED_FOR_S``; a local one is always looked at."""
    from pointline.v2.storage import attempts
    from pointline.v2.storage.delta import table as table_module

    for root, trusted in ((s3_root, True), (LakeRoot(tmp_path / "lake", None), False)):
        mine = table_at(root)
        mine.replace([1], [log_rows(1)])
        with attempts.attempt():
            version = mine.latest().version()
            table_at(root).replace([2], [log_rows(2)])  # another writer
            assert (mine.latest().version() == version) is trusted
            with monkeypatch.context() as patched:
                patched.setattr(table_module, "TRUSTED_FOR_S", 0.0)
                assert mine.latest().version() == version + 1  # too old to trust: refreshed


def test_log_retention_is_an_hour_on_a_store_and_configurable(
    s3_root: LakeRoot, tmp_path, monkeypatch
) -> None:
    from pointline.v2.storage.delta.table import LOG_RETENTION_ENV, RETENTION_KEY

    remote = table_at(s3_root)
    assert remote.configuration[RETENTION_KEY] == "interval 1 hours"
    local = table_at(LakeRoot(tmp_path, None))
    assert local.configuration[RETENTION_KEY] == "interval 0 seconds"
    monkeypatch.setenv(LOG_RETENTION_ENV, "interval 3 hours")
    assert table_at(LakeRoot(tmp_path, None)).configuration[RETENTION_KEY] == "interval 3 hours"
    remote.replace([1], [log_rows(1)])
    config = remote.snapshot().metadata().configuration
    assert config[RETENTION_KEY] == "interval 1 hours"
