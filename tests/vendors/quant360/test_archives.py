"""The archive handoff: real .7z archives (py7zr) in tmp_path -> Bronze files, ledger, reruns."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import os
import time
from pathlib import Path

import py7zr
import pytest

from pointline.v2.vendors.quant360 import QUANT360, samples
from pointline.v2.vendors.quant360.upstream import (
    ArchiveOutcome,
    import_archives,
)
from pointline.v2.vendors.quant360.upstream import importer as importer_module
from pointline.v2.vendors.quant360.upstream.extract import find_7z
from pointline.v2.vendors.quant360.upstream.models import ArchiveRejectedError

EXTRACTORS = ["py7zr", "7z"]
HAVE_7Z = find_7z() is not None


@pytest.fixture(autouse=True, params=EXTRACTORS)
def extractor(request, monkeypatch) -> str:
    """Every test of this module runs with py7zr and with the 7z program (skipped where the
    program is not installed): ``import_archives`` here extracts with the one given."""
    if request.param == "7z" and not HAVE_7Z:
        pytest.skip("no 7-Zip program (7z/7zz/7za) on PATH")
    real = import_archives

    def with_extractor(*args, **kwargs):
        kwargs.setdefault("extractor", request.param)
        return real(*args, **kwargs)

    monkeypatch.setitem(globals(), "import_archives", with_extractor)
    return request.param


SZ_ORDERS = "order_new_STK_SZ_20240102.7z"
SYMBOLS = ["000001", "000002", "300750"]
ROWS = 40


def sz_orders(source: Path, **kwargs) -> Path:
    options = {"data_type": "order_new", "exchange": "szse", "symbols": SYMBOLS}
    options.update(kwargs)
    return samples.write_archive(source, rows_per_member=ROWS, **options)


def relpath(symbol: str, data_type: str = "order_new", exchange: str = "szse") -> str:
    return (
        f"quant360/exchange={exchange}/type={data_type}/date=2024-01-02/symbol={symbol}/"
        f"{symbol}.csv.gz"
    )


def published(bronze: Path) -> dict[str, bytes]:
    """Every file below ``<bronze>/quant360`` except the ledger: relative path -> bytes."""
    root = bronze / "quant360"
    return {
        p.relative_to(bronze).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_ledger" not in p.parts
    }


def write_raw_archive(path: Path, members: dict[str, bytes]) -> Path:
    """An archive with members named exactly as given (py7zr's name check bypassed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with py7zr.SevenZipFile(path, "w") as archive:
        for name, data in members.items():
            archive._writestr(data, name)
    return path


def test_members_are_published_in_the_bronze_layout(tmp_path, bronze):
    archive = sz_orders(tmp_path / "source")
    report = import_archives(tmp_path / "source", bronze)

    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    members = tuple(f"order_new_STK_SZ_20240102/{s}.csv" for s in SYMBOLS)
    assert report.archives == [
        ArchiveOutcome(name=SZ_ORDERS, status="success", members=members, sha256=sha)
    ]
    assert [f.bronze_file_path for f in report.files] == [relpath(s) for s in SYMBOLS]
    assert set(published(bronze)) == {relpath(s) for s in SYMBOLS}
    meta = report.files[0]
    path = bronze / relpath("000001")
    stat = path.stat()
    assert (meta.vendor, meta.data_type, meta.date) == (
        "quant360",
        "order_new",
        datetime.date(2024, 1, 2),
    )
    assert meta.file_size_bytes == stat.st_size
    assert meta.last_modified_ts == stat.st_mtime_ns // 1000
    assert meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta.extra == {
        "exchange": "szse",
        "symbol": "000001",
        "market": "STK",
        "archive": SZ_ORDERS,
        "path": str(path.resolve()),
    }
    assert gzip.decompress(path.read_bytes()) == samples.member_csv(
        "order_new", "szse", "000001", ROWS
    )
    df = QUANT360.parser(meta)(meta)
    assert (df.height, df["symbol"][0], df["_reject_reason"].null_count()) == (ROWS, "000001", ROWS)
    assert not (bronze / "quant360" / "_staging" / SZ_ORDERS).exists()


def test_published_gzip_is_deterministic(tmp_path):
    sz_orders(tmp_path / "source")
    first = import_archives(tmp_path / "source", tmp_path / "a")
    second = import_archives(tmp_path / "source", tmp_path / "b", workers=1)
    assert published(tmp_path / "a") == published(tmp_path / "b")
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]
    header = (tmp_path / "a" / relpath("000002")).read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] == 0  # no FNAME/FEXTRA/FCOMMENT: no file name in the header
    assert header[4:8] == b"\x00\x00\x00\x00"  # mtime 0


def test_the_same_archive_rebuilt_gives_identical_bronze_files(tmp_path):
    """A re-delivery with another archive hash (new timestamps) still publishes the same bytes."""
    sz_orders(tmp_path / "s1", preset=1)
    sz_orders(tmp_path / "s2", preset=6)
    first = import_archives(tmp_path / "s1", tmp_path / "a")
    second = import_archives(tmp_path / "s2", tmp_path / "b")
    assert first.archives[0].sha256 != second.archives[0].sha256
    assert published(tmp_path / "a") == published(tmp_path / "b")


def test_rerun_skips_a_finished_archive_without_extracting(tmp_path, bronze, monkeypatch):
    sz_orders(tmp_path / "source")
    first = import_archives(tmp_path / "source", bronze)
    before = published(bronze)

    def no_extraction(*args, **kwargs):
        raise AssertionError("a finished archive must not be extracted again")

    monkeypatch.setattr(importer_module, "extract_members", no_extraction)
    again = import_archives(tmp_path / "source", bronze)
    assert again.archives == [
        ArchiveOutcome(
            name=SZ_ORDERS,
            status="skipped",
            reason="already_imported",
            message=f"{SZ_ORDERS}: imported before (sha256 {first.archives[0].sha256}); "
            "files reused",
            members=first.archives[0].members,
            sha256=first.archives[0].sha256,
        )
    ]
    assert again.files == first.files
    assert published(bronze) == before


def test_rerun_redoes_an_archive_whose_files_were_removed_or_changed(tmp_path, bronze):
    sz_orders(tmp_path / "source")
    first = import_archives(tmp_path / "source", bronze)
    before = published(bronze)
    (bronze / relpath("000002")).unlink()
    (bronze / relpath("300750")).write_bytes(b"edited by hand")

    again = import_archives(tmp_path / "source", bronze)
    assert again.archives[0].status == "success"
    assert published(bronze) == before
    assert [f.sha256 for f in again.files] == [f.sha256 for f in first.files]


def test_ledger_records_each_archive_by_name_and_hash(tmp_path, bronze):
    sz_orders(tmp_path / "source")
    report = import_archives(tmp_path / "source", bronze)
    sha = report.archives[0].sha256
    record = json.loads((bronze / "quant360" / "_ledger" / f"{SZ_ORDERS}.{sha}.json").read_text())
    assert (record["archive"], record["archive_sha256"], record["status"]) == (
        SZ_ORDERS,
        sha,
        "success",
    )
    assert [(m["symbol"], m["bronze_file_path"], m["sha256"]) for m in record["members"]] == [
        (f.extra["symbol"], f.bronze_file_path, f.sha256) for f in report.files
    ]


def test_corrupt_archive_fails_publishes_nothing_and_others_go_on(tmp_path, bronze):
    source = tmp_path / "source"
    good = samples.write_archive(
        source, data_type="tick_new", exchange="sse", symbols=["600000"], rows_per_member=10
    )
    bad = sz_orders(source)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0x55
    bad.write_bytes(bytes(data))

    report = import_archives(source, bronze)
    failed, ok = report.outcome(SZ_ORDERS), report.outcome(good.name)
    assert (failed.status, failed.reason, failed.members) == ("failed", "corrupt_archive", ())
    assert failed.message.startswith(f"{SZ_ORDERS}: extraction failed (")
    assert failed.message.endswith("); nothing was published")
    assert ok.status == "success"
    assert set(published(bronze)) == {relpath("600000", "tick_new", "sse")}
    assert [f.extra["archive"] for f in report.files] == [good.name]
    record = json.loads(
        (bronze / "quant360" / "_ledger" / f"{SZ_ORDERS}.{failed.sha256}.json").read_text()
    )
    assert (record["status"], record["reason"]) == ("failed", "corrupt_archive")

    # A failed archive is tried again on the next run (and fails again), ...
    assert import_archives(source, bronze).outcome(SZ_ORDERS).status == "failed"
    # ... and a repaired re-delivery under the same name is imported.
    sz_orders(source)
    assert import_archives(source, bronze).outcome(SZ_ORDERS).status == "success"
    assert len(published(bronze)) == 1 + len(SYMBOLS)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_archive_fails_as_corrupt(tmp_path, bronze, keep):
    archive = sz_orders(tmp_path / "source")
    data = archive.read_bytes()
    archive.write_bytes(data[: int(len(data) * keep)])
    outcome = import_archives(tmp_path / "source", bronze).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "corrupt_archive")
    assert published(bronze) == {}


def test_garbage_named_like_an_archive_fails_as_corrupt(tmp_path, bronze):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / SZ_ORDERS).write_bytes(b"not a 7z archive at all")
    outcome = import_archives(tmp_path / "source", bronze).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "corrupt_archive")
    assert outcome.message == f"{SZ_ORDERS}: cannot read the archive (Bad7zFile: not a 7z file)"


@pytest.mark.parametrize(
    "unsafe",
    ["../evil.csv", "order_new_STK_SZ_20240102/../../evil.csv", "/tmp/evil.csv", "C:/evil.csv"],
)
def test_members_escaping_the_destination_are_refused(tmp_path, bronze, unsafe):
    good = {f"order_new_STK_SZ_20240102/{s}.csv": samples.szse_order_csv(3) for s in SYMBOLS}
    write_raw_archive(tmp_path / "source" / SZ_ORDERS, {**good, unsafe: b"owned"})
    outcome = import_archives(tmp_path / "source", bronze).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "unsafe_member")
    assert repr(unsafe) in outcome.message
    assert published(bronze) == {}
    assert not (tmp_path / "evil.csv").exists()
    assert not (bronze / "evil.csv").exists()


def test_symlink_members_are_refused(tmp_path, bronze):
    folder = tmp_path / "build" / "order_new_STK_SZ_20240102"
    folder.mkdir(parents=True)
    (folder / "000001.csv").write_bytes(samples.szse_order_csv(3))
    (folder / "000002.csv").symlink_to("/etc/passwd")
    (tmp_path / "source").mkdir()
    with py7zr.SevenZipFile(tmp_path / "source" / SZ_ORDERS, "w") as archive:
        archive.writeall(folder, arcname="order_new_STK_SZ_20240102")
    outcome = import_archives(tmp_path / "source", bronze).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "unsafe_member")
    assert "order_new_STK_SZ_20240102/000002.csv" in outcome.message
    assert published(bronze) == {}


def test_members_that_are_not_symbol_csvs_are_reported_not_published(tmp_path, bronze):
    folder = "order_new_STK_SZ_20240102"
    members = {
        f"{folder}/000001.csv": samples.szse_order_csv(3),
        f"{folder}/readme.txt": b"hello",
        f"{folder}/12345.csv": samples.szse_order_csv(1),
        "other_folder/000002.csv": samples.szse_order_csv(1),
        "000003.csv": samples.szse_order_csv(1),
    }
    write_raw_archive(tmp_path / "source" / SZ_ORDERS, members)
    report = import_archives(tmp_path / "source", bronze)
    outcome = report.archives[0]
    assert outcome.status == "success"
    assert outcome.members == (f"{folder}/000001.csv",)
    assert outcome.unexpected_members == (
        f"{folder}/readme.txt",
        f"{folder}/12345.csv",
        "other_folder/000002.csv",
        "000003.csv",
    )
    assert set(published(bronze)) == {relpath("000001")}
    again = import_archives(tmp_path / "source", bronze).archives[0]
    assert (again.reason, again.unexpected_members) == (
        "already_imported",
        outcome.unexpected_members,
    )


def test_archive_without_symbol_members_fails(tmp_path, bronze):
    write_raw_archive(tmp_path / "source" / SZ_ORDERS, {"readme.txt": b"nothing here"})
    outcome = import_archives(tmp_path / "source", bronze).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "no_members")
    assert outcome.unexpected_members == ("readme.txt",)
    assert outcome.message == (
        f"{SZ_ORDERS}: no member named order_new_STK_SZ_20240102/<6-digit symbol>.csv; "
        "found ['readme.txt']"
    )


def test_decompression_bomb_guard(tmp_path, bronze):
    sz_orders(tmp_path / "source")
    total = len(SYMBOLS) * len(samples.szse_order_csv(ROWS, seed=1))
    outcome = import_archives(tmp_path / "source", bronze, max_uncompressed_bytes=1000).archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "too_large")
    assert "bytes uncompressed exceed the limit of 1000 bytes (max_uncompressed_bytes)" in (
        outcome.message
    )
    assert total > 1000
    assert published(bronze) == {}
    assert import_archives(tmp_path / "source", bronze).archives[0].status == "success"


def test_discovery_reports_names_it_does_not_ingest(tmp_path, bronze):
    source = tmp_path / "source"
    sz_orders(source)
    samples.write_archive(
        source,
        data_type="order_new",
        exchange="szse",
        symbols=["000001"],
        rows_per_member=1,
        name="L1_new_STK_SZ_20240102.7z",
    )
    (source / "orders_20240102.7z").write_bytes(b"whatever")
    (source / "notes.txt").write_text("not an archive")
    (source / "nested").mkdir()
    sz_orders(source / "nested", symbols=["000009"])

    report = import_archives(source, bronze)
    assert [(a.name, a.status, a.reason) for a in report.archives] == [
        ("L1_new_STK_SZ_20240102.7z", "skipped", "not_ingested"),
        (SZ_ORDERS, "success", None),
        ("orders_20240102.7z", "skipped", "unrecognised_name"),
    ]
    assert "<order_new|tick_new|L2_new|L1_new>_<STK|ConFI>_<SH|SZ>_<YYYYMMDD>.7z" in (
        report.outcome("orders_20240102.7z").message
    )
    assert set(published(bronze)) == {relpath(s) for s in SYMBOLS}


def test_sse_convertible_bond_ticks_keep_market_and_leading_zeros(tmp_path, bronze):
    samples.write_archive(
        tmp_path / "source",
        data_type="tick_new",
        exchange="sse",
        market="ConFI",
        symbols=["010504", "113050"],
        rows_per_member=5,
    )
    report = import_archives(tmp_path / "source", bronze)
    assert [f.extra["symbol"] for f in report.files] == ["010504", "113050"]
    assert {f.extra["market"] for f in report.files} == {"ConFI"}
    assert report.files[0].bronze_file_path == relpath("010504", "tick_new", "sse")
    df = QUANT360.parser(report.files[0])(report.files[0])
    assert df["symbol"].unique().to_list() == ["010504"]


def test_leftovers_of_a_killed_run_are_cleaned_by_the_redo(tmp_path, bronze):
    sz_orders(tmp_path / "source")
    staging = bronze / "quant360" / "_staging" / SZ_ORDERS
    staging.mkdir(parents=True)
    (staging / "junk.csv").write_text("half extracted")
    part = bronze / relpath("000001")
    part = part.with_name(f".{part.name}.part")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"half written")

    import_archives(tmp_path / "source", bronze)
    assert not staging.exists()
    assert not part.exists()
    assert set(published(bronze)) == {relpath(s) for s in SYMBOLS}


def test_bad_arguments(tmp_path, bronze):
    with pytest.raises(NotADirectoryError, match="archive source directory not found"):
        import_archives(tmp_path / "missing", bronze)
    (tmp_path / "source").mkdir()
    with pytest.raises(ValueError, match="max_uncompressed_bytes must be >= 1, got 0"):
        import_archives(tmp_path / "source", bronze, max_uncompressed_bytes=0)
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        import_archives(tmp_path / "source", bronze, workers=0)


def test_on_published_sees_every_member_once(tmp_path, bronze):
    sz_orders(tmp_path / "source")
    seen = []
    report = import_archives(tmp_path / "source", bronze, on_published=seen.append)
    assert seen == report.files
    assert all(os.path.exists(m.extra["path"]) for m in seen)


def test_members_packed_while_the_extractor_still_wrote_them_are_packed_again(
    tmp_path, bronze, monkeypatch
):
    # An extractor that creates every member empty first, then fills them one by one, slowly:
    # the importer sees "the next member exists" at once and packs members before they are
    # whole. What it publishes must still be the members' final bytes.
    sz_orders(tmp_path / "reference")
    reference = tmp_path / "reference-bronze"
    import_archives(tmp_path / "reference", reference)
    expected = published(reference)
    real = importer_module.extract_members

    def creating_all_first(path, plan, staging, **kwargs):
        scratch = tmp_path / "scratch"
        real(path, plan, scratch, **kwargs)
        for name in plan.archive_order:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(b"")
        for name in plan.archive_order:
            data = (scratch / name).read_bytes()
            with (staging / name).open("r+b") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                time.sleep(0.05)
                handle.write(data[len(data) // 2 :])

    monkeypatch.setattr(importer_module, "extract_members", creating_all_first)
    packed = []
    real_pack = importer_module.pack_gzip
    monkeypatch.setattr(
        importer_module, "pack_gzip", lambda *a: packed.append(a[0].name) or real_pack(*a)
    )
    sz_orders(tmp_path / "source")
    report = import_archives(tmp_path / "source", bronze)
    assert report.outcome(SZ_ORDERS).status == "success"
    assert published(bronze) == {
        path: data for path, data in expected.items() if "_staging" not in path
    }
    assert len(packed) > len(SYMBOLS)  # some were read too early, and packed again


def test_an_extraction_failing_after_members_were_packed_publishes_nothing(
    tmp_path, bronze, monkeypatch
):
    real = importer_module.extract_members

    def failing_late(path, plan, staging, **kwargs):
        real(path, plan, staging, **kwargs)  # every member extracted (and packed meanwhile)
        time.sleep(0.2)
        raise ArchiveRejectedError(
            f"{path.name}: CRC error in the last member; nothing was published",
            reason="corrupt_archive",
        )

    monkeypatch.setattr(importer_module, "extract_members", failing_late)
    sz_orders(tmp_path / "source")
    report = import_archives(tmp_path / "source", bronze)
    outcome = report.outcome(SZ_ORDERS)
    assert (outcome.status, outcome.reason) == ("failed", "corrupt_archive")
    assert published(bronze) == {}  # no Bronze file, no packed or staged leftover
    assert report.files == []
