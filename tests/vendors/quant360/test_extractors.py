"""Choosing the extractor: py7zr or the 7-Zip program give the same Bronze files."""

from __future__ import annotations

import pytest

from pointline.v2.vendors.quant360.upstream import importer as importer_module
from pointline.v2.vendors.quant360.upstream.extract import find_7z

from .test_archives import EXTRACTORS, SYMBOLS, published, sz_orders

HAVE_7Z = find_7z() is not None


@pytest.mark.skipif(not HAVE_7Z, reason="no 7-Zip program (7z/7zz/7za) on PATH")
def test_py7zr_and_the_7z_program_publish_identical_files(tmp_path):
    archive = sz_orders(tmp_path / "source", symbols=[*SYMBOLS, "000004"])
    found = {}
    for name in EXTRACTORS:
        bronze = tmp_path / name / "bronze"
        report = importer_module.import_archives(archive.parent, bronze, extractor=name)
        assert [a.status for a in report.archives] == ["success"]
        found[name] = published(bronze)
    assert found["py7zr"] == found["7z"]
    assert len(found["7z"]) == 4


def test_extractor_is_checked_before_anything_is_read(tmp_path, monkeypatch):
    archive = sz_orders(tmp_path / "source")
    bronze = tmp_path / "bronze"
    with pytest.raises(ValueError, match="extractor must be one of"):
        importer_module.import_archives(archive.parent, bronze, extractor="unzip")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no 7-Zip program anywhere
    with pytest.raises(ValueError, match=r"extractor='7z' but no 7-Zip program"):
        importer_module.import_archives(archive.parent, bronze, extractor="7z")
    report = importer_module.import_archives(archive.parent, bronze)  # auto: py7zr
    assert [a.status for a in report.archives] == ["success"]
    assert len(report.files) == len(SYMBOLS)
