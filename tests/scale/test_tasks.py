"""What goes over the wire: plain data that opens the same lake in a worker."""

from __future__ import annotations

import pickle
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from pointline.v2 import Lake
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.scaleout.driver import is_worker_lost, lost_result
from pointline.v2.scaleout.tasks import IngestTask, LakeSpec


def _meta() -> BronzeFileMetadata:
    return BronzeFileMetadata(
        vendor="tardis",
        data_type="trades",
        bronze_file_path="tardis/x.csv.gz",
        file_size_bytes=10,
        last_modified_ts=1,
        sha256="ab" * 32,
        extra={"path": "/somewhere/x.csv.gz"},
    )


def test_a_task_is_plain_data_naming_the_lake_by_its_absolute_root(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lake = Lake("relative-lake", chunk_rows=11, batch_files=7, workers=3)
    spec = LakeSpec.of(lake)
    assert spec.root == str(tmp_path / "relative-lake") and spec.storage_options is None
    task = IngestTask(lake=spec, metas=(_meta(),), force=False, dry_run=True)
    assert pickle.loads(pickle.dumps(task)) == task
    assert b"DeltaManifestStore" not in pickle.dumps(task)  # no store travels
    opened = spec.open()
    assert (opened.root, opened.chunk_rows, opened.batch_files, opened.workers) == (
        tmp_path / "relative-lake",
        11,
        7,
        3,
    )
    again = IngestTask(lake=spec, metas=(_meta(),), force=False, dry_run=True)
    assert again.call != task.call  # each call's tasks are distinct (Dask keys by arguments)


def test_storage_options_travel_to_the_worker_lake(tmp_path: Path):
    lake = Lake("s3://bucket/lake", storage_options={"AWS_REGION": "eu-west-1"})
    spec = LakeSpec.of(lake)
    assert spec.root == "s3://bucket/lake"
    assert spec.storage_options == (("AWS_REGION", "eu-west-1"),)
    opened = spec.open()  # what a worker builds: the same store, the same options
    assert str(opened.root) == "s3://bucket/lake"
    assert opened.storage_options == {"AWS_REGION": "eu-west-1"}
    assert LakeSpec.of(Lake(tmp_path / "lake")).storage_options is None


class KilledWorker(Exception):  # named like dask.distributed's
    pass


@pytest.mark.parametrize(
    ("exc", "lost"),
    [
        (BrokenProcessPool("gone"), True),
        (CancelledError(), True),
        (KilledWorker("too many"), True),
        (RuntimeError("bug"), False),
        (ValueError("bad"), False),
    ],
)
def test_lost_workers_and_raised_tasks_get_their_own_reason(exc, lost):
    assert is_worker_lost(exc) is lost
    result = lost_result(_meta(), 5, exc, group_size=3)
    assert result.status == "failed" and result.file_id == 5
    assert result.failure_reason == ("worker_lost" if lost else "worker_error")
    assert result.error_message.startswith("tardis/x.csv.gz: ")
    assert type(exc).__name__ in result.error_message and "rerun" in result.error_message
