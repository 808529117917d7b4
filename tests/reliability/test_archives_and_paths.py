"""Nothing escapes the lake: archives, decompression bombs, table names, partition values and
Bronze symlinks.

Already covered elsewhere (not repeated here): 7z members named ``../x``, ``dir/../../x``,
``/abs`` or ``C:/x`` and symlink members are refused as ``unsafe_member``; an archive whose
listing exceeds ``max_uncompressed_bytes`` is refused as ``too_large``; corrupt and truncated
archives are ``corrupt_archive`` (``tests/vendors/quant360/test_archives.py``).
"""

from __future__ import annotations

import datetime
import gzip
import os
import zlib
from pathlib import Path

import polars as pl
import py7zr
import pytest

from pointline.schemas.registry import get_table_spec
from pointline.v2 import Lake
from pointline.v2.bronze import find_files
from pointline.v2.storage.delta import DeltaEventStore
from pointline.v2.storage.delta.layout import LakeLayout
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.quant360.upstream import (
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    import_archives,
)
from pointline.v2.vendors.tardis import FORMATS

from .lakes import new_lake, tardis_name, tardis_text, write_bronze

SZ_ORDERS = "order_new_STK_SZ_20240102.7z"


def tree(root: Path) -> set[str]:
    """Every path below ``root`` (files, directories and links), relative."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def outside(tmp_path: Path, lake_root: Path) -> set[str]:
    """Everything below ``tmp_path`` that is not inside the lake."""
    return {p for p in tree(tmp_path) if not (tmp_path / p).is_relative_to(lake_root)}


# -- decompression bombs -----------------------------------------------------------------------


def test_default_archive_limit_is_a_few_gib():
    assert DEFAULT_MAX_UNCOMPRESSED_BYTES == 8 * 1024**3


def test_archive_that_really_expands_past_the_limit_is_refused(tmp_path):
    """A real bomb (16 MiB of zeros, a few KiB packed), not only a listing that says so."""
    source = tmp_path / "source"
    source.mkdir()
    folder = SZ_ORDERS.removesuffix(".7z")
    with py7zr.SevenZipFile(source / SZ_ORDERS, "w") as archive:
        archive.writestr(q360.szse_order_csv(3), f"{folder}/000001.csv")
        archive.writestr(b"0" * (16 << 20), f"{folder}/000002.csv")
    assert (source / SZ_ORDERS).stat().st_size < 64 << 10
    bronze = tmp_path / "bronze"

    report = import_archives(source, bronze, max_uncompressed_bytes=1 << 20)

    outcome = report.archives[0]
    assert (outcome.status, outcome.reason) == ("failed", "too_large")
    assert "exceed the limit of 1048576 bytes (max_uncompressed_bytes)" in outcome.message
    assert report.files == []
    left = {p for p in tree(bronze / "quant360") if not p.startswith("_ledger")}
    assert left <= {"_staging"}  # no member file, published or staged
    assert {p.split("/")[0] for p in tree(tmp_path)} == {"source", "bronze"}


def test_lake_import_of_an_unsafe_archive_publishes_nothing(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    folder = SZ_ORDERS.removesuffix(".7z")
    with py7zr.SevenZipFile(source / SZ_ORDERS, "w") as archive:
        archive.writestr(q360.szse_order_csv(3), f"{folder}/000001.csv")
        archive._writestr(b"owned", "../../escaped.csv")  # py7zr's own name check bypassed
    lake = Lake(tmp_path / "lake")
    assert lake.import_quant360_archives(source) == []
    assert not list(tmp_path.rglob("escaped.csv"))
    assert lake.ingest(lake.bronze_root) == []


def _gzip_bomb(path: Path, header: bytes, blank_mib: int) -> Path:
    """A gzip file whose text is ``header`` and ``blank_mib`` MiB of newlines."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(packer.compress(header))
        block = b"\n" * (1 << 20)
        for _ in range(blank_mib):
            out.write(packer.compress(block))
        out.write(packer.flush())
    return path


def test_gzip_bronze_file_expanding_past_the_limit_is_refused(tmp_path):
    header = (",".join(FORMATS["trades"].columns) + "\n").encode()
    path = _gzip_bomb(tmp_path / "lake" / "bronze" / "tardis" / tardis_name("trades"), header, 8)
    assert path.stat().st_size < 64 << 10
    lake = Lake(tmp_path / "lake", max_uncompressed_bytes=1 << 20)
    result = lake.ingest_file(path)
    assert (result.status, result.failure_reason) == ("failed", "too_large")
    assert "1048576" in result.error_message


# -- table names and partition values ----------------------------------------------------------


@pytest.mark.parametrize("name", ["../trades", "../../etc", "/tmp/x", "trades/../../x", ""])
def test_table_names_that_are_paths_are_refused(tmp_path, name):
    lake = Lake(tmp_path / "lake")
    with pytest.raises(ValueError, match="unknown table"):
        lake.scan(name)
    with pytest.raises(ValueError, match="unknown table"):
        LakeLayout(tmp_path / "lake").table_path(name)
    store = DeltaEventStore(silver_root=tmp_path / "lake" / "silver")
    with pytest.raises(ValueError, match="is not an event table"):
        store.append(name, pl.DataFrame())
    with pytest.raises(ValueError, match="is not an event table"):
        DeltaEventStore(silver_root=tmp_path, table_paths={name: tmp_path / "elsewhere"})
    assert tree(tmp_path) == set()


HOSTILE_EXCHANGES = ["../../x", "../..", "/tmp/abs", "a/b", "..", "x\\..\\y", "%2e%2e%2f"]


def test_hostile_partition_values_stay_inside_the_table(tmp_path):
    """Below the pipeline's exchange allow-list: the store itself never lets a partition value
    become a path (delta-rs escapes ``/``; ``exchange=..`` is a plain directory name)."""
    silver = tmp_path / "lake" / "silver"
    store = DeltaEventStore(silver_root=silver)
    spec = get_table_spec("trades")
    for file_id, exchange in enumerate(HOSTILE_EXCHANGES, start=1):
        row = {
            "exchange": exchange,
            "trading_date": datetime.date(2024, 1, 1),
            "symbol": "S",
            "symbol_id": 1,
            "ts_event_us": 1,
            "ts_local_us": None,
            "file_id": file_id,
            "file_seq": 1,
            "trade_id": None,
            "side": "buy",
            "is_buyer_maker": None,
            "price": 1,
            "qty": 1,
        }
        store.replace_file("trades", file_id, pl.DataFrame([row], schema=spec.to_polars()))

    assert outside(tmp_path, silver / "trades") == {"lake", "lake/silver", "lake/silver/_locks"} | {
        f"lake/silver/_locks/{p}" for p in tree(silver / "_locks")
    }
    table = (silver / "trades").resolve()
    for path in (silver / "trades").rglob("*"):
        assert path.resolve().is_relative_to(table)
    stored = store.read("trades").sort("file_id")["exchange"].to_list()
    assert stored == HOSTILE_EXCHANGES  # kept exactly, escaped only on disk


def test_exchange_value_that_is_a_path_is_quarantined_by_the_lake(tmp_path):
    lake = new_lake(tmp_path / "lake")
    text = tardis_text("trades", 3, seed=3).replace(b"binance-futures,", b"../../../x,")
    path = write_bronze(lake.bronze_root / "tardis" / tardis_name("trades"), text)
    before = outside(tmp_path, lake.root)

    result = lake.ingest_file(path)

    assert (result.status, result.failure_reason) == ("quarantined", "unknown_exchange")
    log = lake.quarantine(file_id=result.file_id)
    assert log["field_value"].to_list() == ["../../../x"] * 3
    assert outside(tmp_path, lake.root) == before
    assert not (lake.silver_root / "trades").exists()


# -- Bronze symlinks ---------------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path):
    """A lake whose Bronze folder holds one file of its own and a directory symlink to a
    folder outside it holding another recognisable file."""
    lake = new_lake(tmp_path / "lake")
    inside = write_bronze(
        lake.bronze_root / "tardis" / tardis_name("trades"), tardis_text("trades", 3, seed=1)
    )
    elsewhere = tmp_path / "elsewhere"
    write_bronze(elsewhere / tardis_name("quotes"), tardis_text("quotes", 3, seed=2))
    os.symlink(elsewhere, lake.bronze_root / "tardis" / "linked", target_is_directory=True)
    return lake, inside, elsewhere


def test_directory_symlink_out_of_the_bronze_root_is_not_followed(linked):
    lake, inside, _ = linked
    results = lake.ingest(lake.bronze_root)
    assert [(r.status, r.rows_written) for r in results] == [("success", 3)]
    assert lake.manifest()["bronze_path"].to_list() == [f"tardis/{inside.name}"]
    assert find_files([lake.bronze_root]) == [inside]


def test_directory_symlink_is_followed_only_when_asked(linked):
    lake, inside, elsewhere = linked
    found = find_files([lake.bronze_root], follow_symlinks=True)
    assert found == [inside, lake.bronze_root / "tardis" / "linked" / tardis_name("quotes")]
    results = lake.ingest(found)
    assert [r.status for r in results] == ["success", "success"]
    # The followed file is recorded by where it really lies, not inside the Bronze root.
    paths = set(lake.manifest()["bronze_path"].to_list())
    assert (elsewhere / tardis_name("quotes")).resolve().as_posix() in paths


def test_file_symlink_out_of_the_bronze_root_is_not_followed(linked):
    lake, inside, elsewhere = linked
    other = lake.bronze_root / "tardis" / "other"
    other.mkdir()
    os.symlink(elsewhere / tardis_name("quotes"), other / tardis_name("quotes"))
    assert find_files([lake.bronze_root]) == [inside]


def test_gzip_helper_is_real_gzip(tmp_path):
    # guards the helper used above: the bomb is a valid gzip stream of the advertised size
    path = _gzip_bomb(tmp_path / "b.gz", b"h\n", 1)
    assert len(gzip.decompress(path.read_bytes())) == 2 + (1 << 20)
