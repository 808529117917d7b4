"""The commands on a lake of an object store: ``--lake s3://...`` and ``--storage-option``,
against the session's moto S3 server (``tests/conftest.py``)."""

from __future__ import annotations

from pathlib import Path

from pointline.v2.lake import Lake
from tests.cli.conftest import invoke, stdout_json, symbols_csv, tardis_file
from tests.conftest import LakeRoot


def _options(root: LakeRoot) -> list[str]:
    assert root.storage_options is not None
    args: list[str] = []
    for key, value in root.storage_options.items():
        args += ["--storage-option", f"{key}={value}"]
    return args


def test_ingest_and_read_a_lake_on_s3(s3_root: LakeRoot, tmp_path: Path) -> None:
    lake = ["--lake", str(s3_root.root), *_options(s3_root)]
    upsert = invoke(
        "symbols", "upsert", symbols_csv(tmp_path), "--effective-ts", "2024-01-01", *lake
    )
    assert upsert.exit_code == 0, upsert.output
    path = tardis_file(tmp_path / "bronze", "trades", "BTCUSDT", 40)

    first = invoke("ingest", path, *lake, "--json")
    assert first.exit_code == 0, first.output
    document = stdout_json(first)
    assert document["lake"] == s3_root.root
    assert [f["status"] for f in document["files"]] == ["success"]
    assert document["files"][0]["rows_written"] == 40

    again = invoke("ingest", path, *lake, "--json")
    assert again.exit_code == 0, again.output
    assert stdout_json(again)["files"][0]["skipped"] is True

    manifest = invoke("manifest", *lake, "--json")
    assert manifest.exit_code == 0, manifest.output
    rows = stdout_json(manifest)["rows"]
    assert [(r["file_id"], r["status"], r["data_type"]) for r in rows] == [(1, "success", "trades")]
    assert rows[0]["rows_written"] == 40
    scan = invoke("scan", "trades", "--symbol", "BTCUSDT", *lake, "--json")
    assert scan.exit_code == 0, scan.output
    assert len(stdout_json(scan)["rows"]) == 40
    # what the commands wrote is the lake's, read back by the library
    stored = Lake(s3_root.root, storage_options=s3_root.storage_options)
    assert stored.scan("trades").collect().height == 40


def test_a_url_lake_without_its_options_fails_with_a_sentence(s3_root: LakeRoot) -> None:
    # no endpoint: the client cannot reach the bucket; an error sentence, exit 1, no traceback
    result = invoke(
        "manifest", "--lake", str(s3_root.root), env={"AWS_EC2_METADATA_DISABLED": "true"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_storage_options_must_be_key_value(tmp_path: Path) -> None:
    result = invoke("manifest", "--lake", "s3://bucket/lake", "--storage-option", "no-equals")
    assert result.exit_code == 2
    assert "'no-equals' is not KEY=VALUE" in result.stderr


def test_storage_options_of_a_local_lake_are_a_usage_error(tmp_path: Path) -> None:
    result = invoke(
        "manifest", "--lake", tmp_path / "lake", "--storage-option", "AWS_REGION=us-east-1"
    )
    assert result.exit_code == 2
    assert "--storage-option applies to a lake on an object store" in result.stderr
    assert not (tmp_path / "lake").exists()


def test_the_demo_needs_a_local_lake() -> None:
    result = invoke("demo", "--lake", "s3://bucket/lake")
    assert result.exit_code == 2
    assert "pointline demo works on a local lake" in result.stderr
