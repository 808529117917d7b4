"""ManifestStore: identity, ids from 1, status transitions, the latest attempt, bulk calls."""

from __future__ import annotations

import datetime
import time

import pytest

from pointline.errors import ManifestConflictError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.v2.ingestion.models import IngestionResult
from pointline.v2.storage.contracts import BatchManifestStore, ManifestStore
from tests.storage.conftest import make_meta

SUCCESS = IngestionResult(
    status="success",
    row_count=10,
    rows_written=9,
    rows_quarantined=1,
    trading_date_min=datetime.date(2024, 1, 2),
    trading_date_max=datetime.date(2024, 1, 3),
)


def _now() -> int:
    return time.time_ns() // 1000


def test_implements_the_protocols(manifest) -> None:
    assert isinstance(manifest, ManifestStore)
    assert isinstance(manifest, BatchManifestStore)


def test_an_empty_manifest_reads_empty_with_the_exact_schema(manifest) -> None:
    rows = manifest.read()
    assert rows.schema == INGEST_MANIFEST.to_polars() and rows.height == 0
    assert manifest.lookup(make_meta(1)) is None
    assert manifest.status_of(1) is None
    assert manifest.filter_pending([make_meta(1)]) == [make_meta(1)]


def test_first_resolve_is_id_1_with_a_pending_row(manifest) -> None:
    before = _now()
    assert manifest.resolve_file_id(make_meta(1)) == 1
    row = manifest.read().row(0, named=True)
    created = row.pop("created_at_ts_us")
    assert before <= created <= _now()
    assert row == {
        "file_id": 1,
        "vendor": "tardis",
        "data_type": "trades",
        "bronze_path": make_meta(1).bronze_file_path,
        "file_hash": f"{1:064x}",
        "status": "pending",
        "rows_total": None,
        "rows_written": None,
        "rows_quarantined": None,
        "trading_date_min": None,
        "trading_date_max": None,
        "processed_at_ts_us": None,
        "status_reason": None,
        "status_message": None,
    }


def test_same_identity_same_id_and_ids_increase(manifest) -> None:
    assert [manifest.resolve_file_id(make_meta(i)) for i in (1, 2, 3)] == [1, 2, 3]
    assert manifest.resolve_file_id(make_meta(2)) == 2
    metas = [make_meta(5), make_meta(1), make_meta(5), make_meta(6)]
    assert manifest.resolve_file_ids(metas) == [4, 1, 4, 5]
    assert manifest.read()["file_id"].to_list() == [1, 2, 3, 4, 5]
    assert manifest.lookup(make_meta(6)) == (5, "pending")


def test_a_changed_file_is_a_new_identity(manifest) -> None:
    first = make_meta(1, sha="a" * 64)
    manifest.update_status(manifest.resolve_file_id(first), "success", first, SUCCESS)
    changed = make_meta(1, sha="b" * 64)
    assert manifest.filter_pending([changed, first]) == [changed]
    assert manifest.resolve_file_id(changed) == 2
    assert manifest.read()["file_hash"].to_list() == ["a" * 64, "b" * 64]


def test_update_status_records_the_latest_attempt_and_created_at_never_changes(manifest) -> None:
    meta = make_meta(1)
    file_id = manifest.resolve_file_id(meta)
    created = manifest.read()["created_at_ts_us"][0]
    failed = IngestionResult(
        status="failed",
        row_count=5,
        rows_written=0,
        rows_quarantined=0,
        failure_reason="schema_mismatch",
        error_message="header has no 'price' column",
    )
    manifest.update_status(file_id, "failed", meta, failed)
    row = manifest.read().row(0, named=True)
    # the stable code alone in status_reason, the readable text in status_message
    assert row["status_reason"] == "schema_mismatch"
    assert row["status_message"] == "header has no 'price' column"
    assert (row["status"], row["rows_total"], row["rows_written"]) == ("failed", 5, 0)
    first_processed = row["processed_at_ts_us"]
    assert created <= first_processed <= _now()

    manifest.update_status(file_id, "success", meta, SUCCESS)
    row = manifest.read().row(0, named=True)
    assert row == {
        **row,
        "status": "success",
        "rows_total": 10,
        "rows_written": 9,
        "rows_quarantined": 1,
        "trading_date_min": datetime.date(2024, 1, 2),
        "trading_date_max": datetime.date(2024, 1, 3),
        "created_at_ts_us": created,
        "status_reason": None,
        "status_message": None,
    }
    assert row["processed_at_ts_us"] >= first_processed
    assert manifest.status_of(file_id) == "success"
    assert manifest.lookup(meta) == (file_id, "success")


def test_status_reason_with_one_part_and_without_a_result(manifest) -> None:
    meta = make_meta(1)
    file_id = manifest.resolve_file_id(meta)
    only_reason = IngestionResult("quarantined", 3, 0, 3, failure_reason="all_rows_rejected")
    manifest.update_status(file_id, "quarantined", meta, only_reason)
    assert manifest.read()["status_reason"].to_list() == ["all_rows_rejected"]
    manifest.update_status(file_id, "failed", meta)  # no result: counts 0, no reason
    row = manifest.read().row(0, named=True)
    assert (row["status"], row["status_reason"], row["trading_date_min"]) == ("failed", None, None)
    assert row["status_message"] is None
    assert (row["rows_total"], row["rows_written"], row["rows_quarantined"]) == (0, 0, 0)


def test_status_errors(manifest) -> None:
    meta = make_meta(1)
    file_id = manifest.resolve_file_id(meta)
    with pytest.raises(ValueError, match=r"unknown manifest status 'done'; allowed: \['pending'"):
        manifest.update_status(file_id, "done", meta)
    with pytest.raises(ValueError, match="unknown file_id 7 in the manifest"):
        manifest.update_status(7, "success", meta, SUCCESS)
    with pytest.raises(ManifestConflictError, match="file_id 1 belongs to"):
        manifest.update_status(file_id, "success", make_meta(2), SUCCESS)
    assert manifest.status_of(file_id) == "pending"


def test_pending_on_pending_changes_nothing_and_processed_never_returns(manifest) -> None:
    meta = make_meta(1)
    file_id = manifest.resolve_file_id(meta)
    manifest.update_status(file_id, "pending", meta)
    assert manifest.read()["processed_at_ts_us"].to_list() == [None]
    manifest.update_status(file_id, "success", meta, SUCCESS)
    with pytest.raises(ManifestConflictError, match="is 'success': a processed file cannot"):
        manifest.update_status(file_id, "pending", meta)
    assert manifest.status_of(file_id) == "success"


def test_filter_pending_keeps_all_but_success_in_order(manifest) -> None:
    metas = [make_meta(i) for i in range(1, 6)]
    ids = manifest.resolve_file_ids(metas[:4])
    manifest.update_status(ids[0], "success", metas[0], SUCCESS)
    manifest.update_status(ids[1], "failed", metas[1])
    manifest.update_status(ids[2], "quarantined", metas[2])
    candidates = [metas[4], metas[3], metas[2], metas[1], metas[0]]
    assert manifest.filter_pending(candidates) == candidates[:4]


def test_update_statuses_is_all_or_nothing_and_later_ones_win(manifest) -> None:
    ids = manifest.resolve_file_ids([make_meta(1), make_meta(2)])
    with pytest.raises(ValueError, match="unknown file_id 99"):
        manifest.update_statuses(
            [(ids[0], "success", make_meta(1), SUCCESS), (99, "success", make_meta(2), SUCCESS)]
        )
    with pytest.raises(ValueError, match="unknown manifest status"):
        manifest.update_statuses(
            [(ids[0], "success", make_meta(1), None), (ids[1], "x", None, None)]
        )
    assert manifest.read()["status"].to_list() == ["pending", "pending"]
    manifest.update_statuses(
        [
            (ids[0], "failed", make_meta(1), None),
            (ids[1], "success", make_meta(2), SUCCESS),
            (ids[0], "success", make_meta(1), SUCCESS),
        ]
    )
    assert manifest.read()["status"].to_list() == ["success", "success"]


def test_every_identity_has_one_row(manifest) -> None:
    for i in range(1, 5):
        meta = make_meta(i)
        file_id = manifest.resolve_file_id(meta)
        manifest.update_status(file_id, "failed", meta)
        manifest.update_status(file_id, "success", meta, SUCCESS)
    rows = manifest.read()
    assert rows["file_id"].to_list() == [1, 2, 3, 4]
    assert rows.select(list(INGEST_MANIFEST.business_keys)).is_unique().all()
