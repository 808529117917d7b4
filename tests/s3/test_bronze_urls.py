"""Bronze files given as URLs of the lake's store (the moto server): listed, described and
parsed from local copies, with the results and Silver rows of the same files ingested from a
local directory; Quant360 archives imported into the store's Bronze."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from pointline.errors import NotARegularFileError
from pointline.v2 import Lake, bronze_store
from pointline.v2.bronze import find_files
from pointline.v2.demo import data
from pointline.v2.demo.runner import _seed_symbols
from pointline.v2.models import IngestionResult
from pointline.v2.storage.store_path import StorePath
from pointline.v2.vendors.tardis import samples
from tests.conftest import LakeRoot

WRITE_TIMES = ["created_at_ts_us", "processed_at_ts_us"]


def upload_tree(local: Path, where: StorePath) -> list[str]:
    """Every file below ``local`` put at the same relative path below ``where``."""
    uploaded = []
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        relative = path.relative_to(local).as_posix()
        where.put(relative, path.read_bytes())
        uploaded.append(relative)
    return uploaded


def lakes(s3_root: LakeRoot, tmp_path: Path) -> tuple[Lake, Lake]:
    """(a lake on S3, a local lake), both with the demo symbols."""
    remote = Lake(s3_root.root, storage_options=s3_root.storage_options)
    local = Lake(tmp_path / "local")
    _seed_symbols(remote)
    _seed_symbols(local)
    return remote, local


def outcome(result: IngestionResult) -> IngestionResult:
    """A result without its messages' file names (they name the file as given)."""
    return dataclasses.replace(result, error_message=None)


def assert_same_silver(remote: Lake, local: Lake) -> None:
    manifest = remote.manifest().drop(WRITE_TIMES)
    assert manifest.height > 0
    assert manifest.equals(local.manifest().drop(WRITE_TIMES))
    log = remote.quarantine().drop("logged_at_ts_us")
    log_locally = local.quarantine().drop("logged_at_ts_us")
    assert log.sort(log.columns, nulls_last=True).equals(
        log_locally.sort(log.columns, nulls_last=True)
    )
    tables = remote.event_store.table_names()
    assert tables == local.event_store.table_names() and tables
    for table in tables:
        rows = remote.scan(table).collect()
        assert rows.height > 0
        assert rows.equals(local.scan(table).collect()), table


def demo_bronze(bronze: Path, incoming: Path) -> None:
    """The demo set (Tardis files, imported Quant360 archives) in the Bronze root ``bronze``."""
    from pointline.v2.vendors.quant360.upstream import import_archives

    data.write_tardis_files(bronze)
    data.write_quant360_archives(incoming)
    assert import_archives(incoming, bronze).files


def test_a_bronze_prefix_on_the_store_ingests_as_the_local_directory(
    s3_root: LakeRoot, tmp_path: Path
) -> None:
    remote, local = lakes(s3_root, tmp_path)
    local_bronze = tmp_path / "local" / "bronze"
    demo_bronze(local_bronze, tmp_path / "incoming")
    assert isinstance(remote.bronze_root, StorePath)
    uploaded = upload_tree(local_bronze, remote.bronze_root)
    assert any("_ledger" in u for u in uploaded)  # not Bronze: left out as locally

    seen: list[str] = []
    results = remote.ingest(
        f"{s3_root.root}/bronze/", on_result=lambda meta, _: seen.append(meta.bronze_file_path)
    )
    local_results = local.ingest(local_bronze)
    assert len(results) == len(local_results) > 5
    assert {r.status for r in results} <= {"success", "quarantined"}
    assert [outcome(r) for r in results] == [outcome(r) for r in local_results]
    # named relative to the Bronze root, as local files below <root>/bronze are
    assert seen[0].startswith(("tardis/", "quant360/"))
    assert_same_silver(remote, local)

    again = remote.ingest(f"{s3_root.root}/bronze")
    assert [r.file_id for r in again] == [r.file_id for r in results]
    assert all(
        r.skipped for r, first in zip(again, results, strict=True) if first.status == "success"
    )


def test_ingest_file_of_a_url_equals_the_local_file(s3_root: LakeRoot, tmp_path: Path) -> None:
    remote, local = lakes(s3_root, tmp_path)
    written = data.write_tardis_files(tmp_path / "local" / "bronze")
    assert isinstance(remote.bronze_root, StorePath)
    upload_tree(tmp_path / "local" / "bronze", remote.bronze_root)
    for path in written:
        relative = path.relative_to(tmp_path / "local" / "bronze").as_posix()
        url = f"{s3_root.root}/bronze/{relative}"
        meta, meta_locally = remote.describe(url), local.describe(path)
        assert meta.bronze_file_path == meta_locally.bronze_file_path == relative
        assert meta.extra == {**(meta_locally.extra or {}), "path": url}
        assert (meta.sha256, meta.file_size_bytes, meta.vendor, meta.data_type, meta.date) == (
            meta_locally.sha256,
            meta_locally.file_size_bytes,
            meta_locally.vendor,
            meta_locally.data_type,
            meta_locally.date,
        )
        result = remote.ingest_file(url)
        assert result == local.ingest_file(path)
        assert remote.ingest_file(url).skipped
    assert_same_silver(remote, local)


def test_a_url_outside_the_bronze_root_is_named_by_its_url(
    s3_root: LakeRoot, tmp_path: Path
) -> None:
    remote, local = lakes(s3_root, tmp_path)
    (path,) = [p for p in data.write_tardis_files(tmp_path / "elsewhere") if "trades" in p.name]
    url = f"{s3_root.root.rsplit('/', 1)[0]}/incoming/{path.name}"  # same bucket, not below
    StorePath(url.rsplit("/", 1)[0], s3_root.storage_options or {}).put(
        path.name, path.read_bytes()
    )
    meta = remote.describe(url)
    assert meta.bronze_file_path == url  # a local file outside <root>/bronze: its path
    assert (meta.vendor, meta.data_type, meta.extra["exchange"]) == (
        "tardis",
        "trades",
        local.describe(path).extra["exchange"],
    )
    result = remote.ingest_file(url)
    assert result.status == "success" and result.rows_written > 0
    assert outcome(result) == outcome(local.ingest_file(path))
    assert remote.manifest()["bronze_path"].to_list() == [url]


def test_a_missing_url_fails_as_a_missing_local_path(s3_root: LakeRoot, tmp_path: Path) -> None:
    remote, local = lakes(s3_root, tmp_path)
    name = "tardis/exchange=binance/type=trades/date=2024-01-01/symbol=BTCUSDT/x.csv.gz"
    url = f"{s3_root.root}/bronze/{name}"
    missing = tmp_path / "local" / "bronze" / name
    with pytest.raises(FileNotFoundError, match="Bronze file not found") as raised:
        remote.ingest_file(url)
    assert url in str(raised.value)
    with pytest.raises(FileNotFoundError, match="Bronze file not found"):
        local.ingest_file(missing)

    (result,) = remote.ingest([url])
    (result_locally,) = local.ingest([missing])
    assert result.status == "failed" and result.failure_reason == "file_not_found"
    assert url in (result.error_message or "")
    assert outcome(result) == outcome(result_locally)

    # a prefix with objects below it is no file, as a local directory is not
    assert isinstance(remote.bronze_root, StorePath)
    remote.bronze_root.put(f"{name}.d/inner.csv.gz", b"x")
    with pytest.raises(NotARegularFileError, match="prefix"):
        remote.ingest_file(f"{url}.d")
    assert remote.manifest().is_empty()


def test_urls_of_another_store_are_refused(s3_root: LakeRoot, tmp_path: Path) -> None:
    remote, local = lakes(s3_root, tmp_path)
    path = data.write_tardis_files(tmp_path / "bronze")[0]
    bucket = s3_root.root.rsplit("/", 1)[0]  # s3://<bucket>
    for url in (
        f"s3://another-bucket/lake/bronze/{path.name}",
        f"gs://{bucket.removeprefix('s3://')}/lake/bronze/{path.name}",
    ):
        with pytest.raises(ValueError, match="not on the lake's store") as raised:
            remote.ingest_file(url)
        assert url in str(raised.value) and f"{bucket}/" in str(raised.value)
        with pytest.raises(ValueError, match="not on the lake's store"):
            remote.ingest([path, url])  # refused before anything is ingested
    assert remote.manifest().is_empty()
    with pytest.raises(ValueError, match="local disk"):
        local.ingest([f"{bucket}/lake/bronze/{path.name}"])
    assert local.manifest().is_empty()


def test_find_objects_walks_a_prefix_as_find_files_walks_a_directory(
    s3_root: LakeRoot, tmp_path: Path
) -> None:
    lake = Lake(s3_root.root, storage_options=s3_root.storage_options)
    tree = tmp_path / "tree"
    names = [
        "binance_trades_2024-01-02_Z.csv.gz",
        "a/binance_trades_2024-01-01_B.csv.gz",
        "a/b/binance_trades_2024-01-01_A.csv.gz",
        "a/z_binance_quotes_2024-01-01_A.csv.gz",
        "a/notes.txt",
        "a/.binance_trades_2024-01-01_H.csv.gz",
        "b/binance_quotes_2024-01-01_C.csv.gz",
        "ab/binance_trades_2024-01-01_D.csv",
    ]
    for name in names:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(b"")
    where = StorePath(f"{s3_root.root}/tree", s3_root.storage_options or {})
    upload_tree(tree, where)
    walked = [p.relative_to(tree).as_posix() for p in find_files([tree])]
    listed = bronze_store.find_objects(f"{where.url}/", lake.root)
    assert [where.relative(u) for u in listed] == walked
    assert len(walked) == 5
    # an object named directly is kept whatever its name
    assert bronze_store.find_objects(f"{where.url}/a/notes.txt", lake.root) == [
        f"{where.url}/a/notes.txt"
    ]
    assert bronze_store.find_objects(f"{where.url}/empty", lake.root) == [f"{where.url}/empty"]


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory remote Bronze objects are staged in for this test."""
    where = tmp_path / "staging"
    where.mkdir()
    monkeypatch.setenv(bronze_store.STAGING_DIR_ENV, str(where))
    return where


def corrupt_gzip() -> bytes:
    return b"\x1f\x8b\x08\x00" + b"not really gzip" * 10


def test_no_staged_copy_is_left_behind(s3_root: LakeRoot, tmp_path: Path, staging: Path) -> None:
    remote = Lake(s3_root.root, storage_options=s3_root.storage_options)
    _seed_symbols(remote)
    bronze = remote.bronze_root
    assert isinstance(bronze, StorePath)
    trades = samples.write_trades(tmp_path / "binance-futures_trades_2024-01-01_BTCUSDT.csv.gz", 50)
    bronze.put(f"in/{trades.name}", trades.read_bytes())
    bronze.put("bad/binance-futures_trades_2024-01-01_BTCUSDT.csv.gz", corrupt_gzip())

    # whole-file parse
    (ok,) = remote.ingest(f"{bronze.url}/in")
    assert ok.status in ("success", "quarantined") and ok.row_count == 50
    assert list(staging.iterdir()) == []
    # a parser failure
    failed = remote.ingest_file(
        f"{bronze.url}/bad/binance-futures_trades_2024-01-01_BTCUSDT.csv.gz"
    )
    assert failed.status == "failed"
    assert str(staging) not in (failed.error_message or "")
    assert list(staging.iterdir()) == []
    # a streamed parse (chunks), and its failure
    streamed = Lake(
        s3_root.root,
        storage_options=s3_root.storage_options,
        stream_threshold_bytes=1,
        chunk_rows=7,
    )
    again = streamed.ingest_file(f"{bronze.url}/in/{trades.name}", force=True)
    assert again.row_count == 50 and again.status == ok.status
    assert list(staging.iterdir()) == []
    assert (
        streamed.ingest_file(
            f"{bronze.url}/bad/binance-futures_trades_2024-01-01_BTCUSDT.csv.gz", force=True
        ).status
        == "failed"
    )
    assert list(staging.iterdir()) == []
    # the decompression guard runs on the copy; the message names the file, not the copy
    guarded = Lake(s3_root.root, storage_options=s3_root.storage_options, max_uncompressed_bytes=10)
    refused = guarded.ingest_file(f"{bronze.url}/in/{trades.name}", force=True)
    assert (refused.status, refused.failure_reason) == ("failed", "too_large")
    assert (refused.error_message or "").startswith(f"in/{trades.name}: ")
    assert str(staging) not in (refused.error_message or "")
    assert list(staging.iterdir()) == []


def test_a_streamed_parse_dropped_unread_removes_its_copy(
    s3_root: LakeRoot, tmp_path: Path, staging: Path
) -> None:
    lake = Lake(s3_root.root, storage_options=s3_root.storage_options)
    bronze = lake.bronze_root
    assert isinstance(bronze, StorePath)
    trades = samples.write_trades(tmp_path / "binance_trades_2024-01-01_BTCUSDT.csv.gz", 20)
    bronze.put(trades.name, trades.read_bytes())
    meta = lake.describe(f"{bronze.url}/{trades.name}")

    def frames(m):  # a streamed parser reading its file lazily
        def gen():
            yield pl.read_csv(m.extra["path"])

        return gen()

    parsed = bronze_store.parse_staged(meta, lake.root, frames)
    assert len(list(staging.iterdir())) == 1  # the copy lives while the frames may be read
    del parsed
    assert list(staging.iterdir()) == []
    read = list(bronze_store.parse_staged(meta, lake.root, frames))
    assert read[0].height == 20 and list(staging.iterdir()) == []


def test_import_quant360_on_a_remote_lake_publishes_to_the_store(
    s3_root: LakeRoot, tmp_path: Path, staging: Path
) -> None:
    remote, local = lakes(s3_root, tmp_path)
    incoming = tmp_path / "incoming"
    assert len(data.write_quant360_archives(incoming)) == 2
    published = []
    report = remote.import_quant360(incoming, on_published=published.append)
    report_locally = local.import_quant360(incoming)
    assert [a.status for a in report.archives] == ["success", "success"]
    assert [(a.name, a.members, a.sha256) for a in report.archives] == [
        (a.name, a.members, a.sha256) for a in report_locally.archives
    ]
    assert published == report.files and len(report.files) > 2
    bronze = remote.bronze_root
    assert isinstance(bronze, StorePath)
    stored = set(bronze.list())
    for meta, meta_locally in zip(report.files, report_locally.files, strict=True):
        assert meta.extra["path"] == f"{bronze.url}/{meta.bronze_file_path}"
        assert meta.bronze_file_path in stored
        assert (meta.bronze_file_path, meta.sha256, meta.file_size_bytes) == (
            meta_locally.bronze_file_path,
            meta_locally.sha256,
            meta_locally.file_size_bytes,
        )
        assert remote.describe(meta.extra["path"]).sha256 == meta.sha256
    assert any(key.startswith("quant360/_ledger/") for key in stored)
    assert list(staging.iterdir()) == []

    results = remote.ingest([m.extra["path"] for m in report.files])
    results_locally = local.ingest([m.extra["path"] for m in report_locally.files])
    assert [outcome(r) for r in results] == [outcome(r) for r in results_locally]
    assert {r.status for r in results} <= {"success", "quarantined"}
    assert_same_silver(remote, local)

    # a rerun reuses the files; the prefix then ingests as skips
    rerun = remote.import_quant360_archives(incoming)
    assert [m.extra["path"] for m in rerun] == [m.extra["path"] for m in report.files]
    assert {a.reason for a in remote.import_quant360(incoming).archives} == {"already_imported"}
    assert all(r.skipped for r in remote.ingest(f"{bronze.url}/quant360") if r.status == "success")

    # a file lost from the store: its archive is imported again, byte-identical
    lost = report.files[0]
    bronze.delete([lost.bronze_file_path])
    with ThreadPoolExecutor(max_workers=2) as pool:
        redo = remote.import_quant360(incoming, executor=pool)
    assert [a.status for a in redo.archives] == ["success", "skipped"]
    assert [(m.bronze_file_path, m.sha256) for m in redo.files] == [
        (m.bronze_file_path, m.sha256) for m in report.files
    ]
    assert remote.ingest_file(lost.extra["path"]).skipped
    assert list(staging.iterdir()) == []


def test_urls_ingest_on_an_executor_as_serially(s3_root: LakeRoot, tmp_path: Path) -> None:
    bucket = f"{s3_root.root.rsplit('/', 1)[0]}"
    serial = Lake(s3_root.root, storage_options=s3_root.storage_options)
    parallel = Lake(f"{bucket}/other-lake", storage_options=s3_root.storage_options)
    for lake in (serial, parallel):
        _seed_symbols(lake)
    local_bronze = tmp_path / "bronze"
    data.write_tardis_files(local_bronze)
    assert isinstance(serial.bronze_root, StorePath)
    upload_tree(local_bronze, serial.bronze_root)
    prefix = f"{serial.bronze_root.url}/tardis"
    results = serial.ingest(prefix)
    with ThreadPoolExecutor(max_workers=2) as pool:
        on_pool = parallel.ingest(prefix, executor=pool)
    # the other lake's files are outside its Bronze root: named by URL, same outcomes
    assert [outcome(r) for r in on_pool] == [outcome(r) for r in results]
    assert parallel.manifest()["bronze_path"].str.starts_with(prefix).all()
    for table in serial.event_store.table_names():
        assert serial.scan(table).collect().equals(parallel.scan(table).collect())
