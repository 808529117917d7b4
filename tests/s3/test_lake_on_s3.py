"""A lake on S3 (the moto server): the demo set, reruns, equal reads, plain Delta readers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pointline.schemas.registry import list_table_specs
from pointline.v2 import Lake
from pointline.v2.demo import data
from pointline.v2.demo.runner import _seed_symbols
from pointline.v2.storage.store_path import StorePath
from pointline.v2.vendors.quant360.upstream import import_archives
from tests.conftest import LakeRoot

# When the rows were written, not what they are: differs between two lakes by construction.
WRITE_TIMES = ["created_at_ts_us", "processed_at_ts_us"]


def demo_bronze(home: Path) -> Path:
    """The demo Bronze set (Tardis files and the imported Quant360 archives) below ``home``."""
    bronze = home / "bronze"
    data.write_tardis_files(bronze)
    archives = data.write_quant360_archives(home / "incoming")
    assert len(archives) == 2
    assert import_archives(home / "incoming", bronze).files
    return bronze


def ingest_demo(lake: Lake, bronze: Path) -> list:
    _seed_symbols(lake)
    return lake.ingest(bronze)


def test_the_demo_set_on_s3_reads_as_on_a_local_disk(s3_root: LakeRoot, tmp_path: Path) -> None:
    bronze = demo_bronze(tmp_path / "home")
    remote = Lake(s3_root.root, storage_options=s3_root.storage_options)
    local = Lake(tmp_path / "lake")
    assert isinstance(remote.root, StorePath) and isinstance(local.root, Path)

    results = ingest_demo(remote, bronze)
    assert len(results) > 5
    assert {r.status for r in results} <= {"success", "quarantined"}
    assert any(r.status == "success" for r in results)
    assert not any(r.skipped for r in results)
    local_results = ingest_demo(local, bronze)
    assert [(r.status, r.rows_written, r.rows_quarantined) for r in results] == [
        (r.status, r.rows_written, r.rows_quarantined) for r in local_results
    ]

    # a rerun skips every file, on the store as locally
    again = remote.ingest(bronze)
    assert len(again) == len(results) and all(
        r.skipped for r, first in zip(again, results, strict=True) if first.status == "success"
    )

    # the same rows, manifest and quarantine as the local lake
    manifest = remote.manifest().drop(WRITE_TIMES)
    assert manifest.height == len(results)
    assert manifest.equals(local.manifest().drop(WRITE_TIMES))
    # (the log's order among equal keys is the order of its data files)
    log = remote.quarantine().drop("logged_at_ts_us")
    log_locally = local.quarantine().drop("logged_at_ts_us")
    assert log.height > 0
    assert log.sort(log.columns, nulls_last=True).equals(
        log_locally.sort(log.columns, nulls_last=True)
    )
    tables = remote.event_store.table_names()
    assert tables == local.event_store.table_names() and len(tables) >= 3
    for table in tables:
        rows = remote.scan(table).collect()
        assert rows.height > 0
        assert rows.equals(local.scan(table).collect()), table
    assert remote.symbols().equals(local.symbols())

    # nothing of the lake is on the local disk; every table reads with a plain Delta reader
    assert not (tmp_path / "home" / "silver").exists()
    stored = [n for n in list_table_specs() if remote._has_table(n)]
    assert set(tables) | {"ingest_manifest", "dim_symbol"} <= set(stored)
    for name in stored:
        uri = f"{s3_root.root}/silver/{name}"
        plain = pl.read_delta(uri, storage_options=s3_root.storage_options)
        assert plain.height == pl.read_delta(str(tmp_path / "lake" / "silver" / name)).height


def test_a_file_url_root_is_a_local_lake(tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    data.write_tardis_files(bronze)
    lake = Lake(f"file://{tmp_path / 'lake'}")
    assert lake.root == tmp_path / "lake"
    results = ingest_demo(lake, bronze)
    assert results and (tmp_path / "lake" / "silver" / "ingest_manifest" / "_delta_log").is_dir()


def test_a_bucket_that_does_not_exist_is_a_clear_error(s3_root: LakeRoot, tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    data.write_tardis_files(bronze)
    lake = Lake("s3://no-such-bucket-here/lake", storage_options=s3_root.storage_options)
    from pointline.errors import PointlineError

    with pytest.raises((PointlineError, OSError), match="no-such-bucket-here"):
        lake.manifest()
