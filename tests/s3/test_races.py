"""The two races of issue 15, built deterministically from stale store handles, on a local
root and on S3: each ends with the rows and status of the newest attempt, nothing lost.

(a) attempt A commits a file's 5 rows; a newer attempt B (the symbol was delisted meanwhile)
    replaces them with none, logs its rejected rows and records ``quarantined``; then A
    replaces the log rows with its empty list and records ``success``.
(b) A committed rows for a file; B committed its own for the same file_id; A's later write
    fails and its take-back would delete B's rows; then B records ``success``.
"""

from __future__ import annotations

import polars as pl
import pytest

from pointline.errors import StorageError
from pointline.v2.models import IngestionResult
from pointline.v2.storage import attempts
from pointline.v2.storage.delta import (
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
)
from pointline.v2.storage.delta.table import SupersededError
from pointline.v2.storage.store_path import as_location
from tests.conftest import LakeRoot
from tests.storage.conftest import make_meta, trades_frame

OLDER, NEWER = 1_000, 2_000


def stored(writer: Writer, file_id: int):
    return writer.events.read("trades").filter(pl.col("file_id") == file_id).sort("file_seq")


class Writer:
    """One attempt's own handles on the lake (its caches go stale as others commit)."""

    def __init__(self, root: LakeRoot) -> None:
        silver = as_location(root.root, root.storage_options) / "silver"
        self.events = DeltaEventStore(silver_root=silver)
        self.log = DeltaQuarantineStore(silver_root=silver)
        self.manifest = DeltaManifestStore(silver / "ingest_manifest")


def result(status: str, written: int, quarantined: int) -> IngestionResult:
    return IngestionResult(
        status=status,
        row_count=written + quarantined,
        rows_written=written,
        rows_quarantined=quarantined,
    )


def rejected(file_id: int, n: int):
    return [(file_id, "trades", trades_frame(file_id, list(range(1, n + 1))), "delisted")]


def test_race_a_a_stale_attempt_neither_empties_the_log_nor_records_success(
    lake_root: LakeRoot,
) -> None:
    meta = make_meta(1)
    a, b = Writer(lake_root), Writer(lake_root)
    with attempts.attempt(OLDER):
        (file_id,) = a.manifest.resolve_file_ids([meta])
        a.events.replace_files("trades", [file_id], trades_frame(file_id, [1, 2, 3, 4, 5]))
    with attempts.attempt(NEWER):
        assert b.manifest.resolve_file_ids([meta]) == [file_id]
        b.events.replace_files("trades", [file_id], [])
        b.log.replace_files([file_id], rejected(file_id, 5))
        b.manifest.update_statuses([(file_id, "quarantined", meta, result("quarantined", 0, 5))])
    with attempts.attempt(OLDER):
        with pytest.raises(SupersededError, match="newer attempt"):
            a.log.replace_files([file_id], [])
        with pytest.raises(SupersededError):
            a.manifest.update_statuses([(file_id, "success", meta, result("success", 5, 0))])

    reader = Writer(lake_root)
    row = reader.manifest.read().row(0, named=True)
    assert (row["status"], row["rows_written"], row["rows_quarantined"]) == ("quarantined", 0, 5)
    assert stored(reader, file_id).height == 0
    assert reader.log.read(file_id=file_id).height == 5
    # the newest attempt is not blocked by its own fence: a rerun (newer still) replaces all
    with attempts.attempt(NEWER + 1):
        reader.events.replace_files("trades", [file_id], trades_frame(file_id, [1, 2]))
    assert stored(reader, file_id).height == 2


def test_race_b_a_stale_take_back_keeps_the_newer_attempts_rows(lake_root: LakeRoot) -> None:
    meta = make_meta(2)
    a, b = Writer(lake_root), Writer(lake_root)
    with attempts.attempt(OLDER):
        (file_id,) = a.manifest.resolve_file_ids([meta])
        a.events.replace_files("trades", [file_id], trades_frame(file_id, [1, 2, 3]))
    with attempts.attempt(NEWER):
        b.events.replace_files("trades", [file_id], trades_frame(file_id, [1, 2, 3, 4]))
        b.log.replace_files([file_id], [])
    # A's log write failed; it takes its rows back
    with attempts.attempt(OLDER), pytest.raises(StorageError, match="newer attempt"):
        a.events.replace_files("trades", [file_id], [])
    with attempts.attempt(NEWER):
        b.manifest.update_statuses([(file_id, "success", meta, result("success", 4, 0))])

    reader = Writer(lake_root)
    assert stored(reader, file_id)["file_seq"].to_list() == [1, 2, 3, 4]
    assert reader.manifest.read()["status"].to_list() == ["success"]
    assert reader.manifest.read()["rows_written"].to_list() == [4]


def test_without_an_attempt_nothing_is_fenced(lake_root: LakeRoot) -> None:
    """Direct store use (no pipeline attempt) writes as before."""
    w = Writer(lake_root)
    with attempts.attempt(NEWER):
        w.events.replace_files("trades", [9], trades_frame(9, [1]))
    w.events.replace_files("trades", [9], trades_frame(9, [1, 2]))
    assert stored(w, 9).height == 2


def test_a_fence_holds_after_the_log_before_it_was_trimmed(tmp_path) -> None:
    """The newer attempt's commit is behind a checkpoint (log trimmed, retention 0 locally):
    the fence is then read from the table's application transactions, kept in checkpoints."""
    root = LakeRoot(tmp_path / "lake", None)
    a, b = Writer(root), Writer(root)
    with attempts.attempt(NEWER):
        b.events.replace_files("trades", [1], trades_frame(1, [1, 2]))
        for other in range(2, 40):  # past two checkpoints: the log before them is deleted
            b.events.replace_files("trades", [other], trades_frame(other, [1]))
    log = tmp_path / "lake" / "silver" / "trades" / "_delta_log"
    assert not (log / f"{1:020d}.json").exists()
    with attempts.attempt(OLDER), pytest.raises(SupersededError):
        a.events.replace_files("trades", [1], [])
    assert stored(Writer(root), 1)["file_seq"].to_list() == [1, 2]


def test_a_take_back_removes_what_its_attempt_wrote_over_an_older_attempts_rows(
    lake_root: LakeRoot,
) -> None:
    """The older attempt wrote the file's rows first, the newer replaced them; the newer one's
    take-back (its later write failed) finds its own rows as the last written and removes
    them: the last writer of an id owns it, not the first."""
    older, newer = Writer(lake_root), Writer(lake_root)
    with attempts.attempt(OLDER):
        older.events.replace_files("trades", [9], trades_frame(9, [1]))  # another file first
        older.events.replace_files("trades", [5], trades_frame(5, [1, 2]))
    with attempts.attempt(NEWER):
        newer.events.replace_files("trades", [5], trades_frame(5, [1, 2, 3]))
        with attempts.taking_back():
            newer.events.replace_files("trades", [5], [])
    assert stored(Writer(lake_root), 5).height == 0
    assert stored(Writer(lake_root), 9).height == 1
