"""``pointline ingest`` and ``pointline import-quant360``: success, bad input, exit statuses."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pointline.v2.demo import data
from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS
from pointline.v2.lake import Lake
from pointline.v2.vendors.quant360 import samples as q360
from tests.cli.conftest import invoke, stdout_json, tardis_file


def test_ingest_success_then_skip(seeded_lake: Path) -> None:
    path = tardis_file(seeded_lake / "bronze", "trades", "BTCUSDT", 50)
    first = invoke("ingest", path, "--lake", seeded_lake)
    assert first.exit_code == 0, first.output
    assert "1 file(s): 1 ingested, 0 skipped, 0 quarantined, 0 failed; 50 rows read" in first.stdout
    assert first.stderr == ""
    again = invoke("ingest", seeded_lake / "bronze", "--lake", seeded_lake, "--json")
    assert again.exit_code == 0, again.output
    document = stdout_json(again)
    assert document["totals"]["skipped"] == 1
    assert document["files"][0]["skipped"] is True
    assert document["files"][0]["status"] == "success"
    assert document["files"][0]["file_id"] == 1
    assert Lake(seeded_lake).scan("trades").collect().height == 50


def test_ingest_json_document(seeded_lake: Path) -> None:
    tardis_file(seeded_lake / "bronze", "trades", "BTCUSDT", 30)
    tardis_file(seeded_lake / "bronze", "quotes", "ETHUSDT", 20)
    result = invoke("--json", "ingest", seeded_lake / "bronze", "--lake", seeded_lake)
    assert result.exit_code == 0, result.output
    document = stdout_json(result)
    assert document["command"] == "ingest"
    assert document["lake"] == str(seeded_lake)
    assert document["exit_status"] == 0
    totals = {k: v for k, v in document["totals"].items() if k != "seconds"}
    assert totals == {
        "files": 2,
        "success": 2,
        "skipped": 0,
        "quarantined": 0,
        "failed": 0,
        "rows": 50,
        "rows_written": 50,
        "rows_quarantined": 0,
    }
    assert [f["rows_written"] for f in document["files"]] == [20, 30]  # walked in path order
    assert document["files"][0]["trading_date_min"] == "2024-01-01"


def test_ingest_quarantined_file_exits_1(seeded_lake: Path) -> None:
    path = tardis_file(seeded_lake / "bronze", "trades", "SOLUSDT", 10)
    result = invoke("ingest", path, "--lake", seeded_lake)
    assert result.exit_code == 1, result.output
    assert "0 ingested, 0 skipped, 1 quarantined, 0 failed" in result.stdout
    assert "quarantined: all 10 row(s) were quarantined (missing_pit_symbol_coverage)" in (
        result.stderr
    )
    assert f"see `pointline quarantine --file-id 1 --lake {seeded_lake}`" in result.stderr
    assert f"check `pointline symbols show --lake {seeded_lake}`" in result.stderr


def test_ingest_failed_file_exits_1_and_names_it(seeded_lake: Path) -> None:
    path = data.tardis_bronze_path(seeded_lake / "bronze", "trades", "BTCUSDT")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not gzip, not a csv header\n")
    result = invoke("ingest", path, "--lake", seeded_lake, "--json")
    assert result.exit_code == 1
    [entry] = stdout_json(result)["files"]
    assert entry["status"] == "failed"
    assert entry["failure_reason"] == "schema_mismatch"
    assert str(path.name) in entry["error_message"]


def test_ingest_a_file_whose_path_says_nothing(seeded_lake: Path, tmp_path: Path) -> None:
    stray = tmp_path / "trades.csv.gz"
    stray.write_bytes(b"")
    result = invoke("ingest", stray, "--lake", seeded_lake)
    assert result.exit_code == 1
    assert f"{stray}: failed: cannot tell the vendor and data type of {stray}" in result.stderr
    assert "Traceback" not in result.output


def test_ingest_with_explicit_vendor_and_data_type(seeded_lake: Path, tmp_path: Path) -> None:
    generated = tardis_file(tmp_path / "elsewhere", "trades", "BTCUSDT", 5)
    plain = tmp_path / "btc-trades.csv.gz"
    generated.rename(plain)
    result = invoke(
        "ingest", plain, "--vendor", "tardis", "--data-type", "trades", "--lake", seeded_lake
    )
    assert result.exit_code == 0, result.output
    assert Lake(seeded_lake).scan("trades").collect().height == 5


def test_ingest_dry_run_writes_nothing(seeded_lake: Path) -> None:
    path = tardis_file(seeded_lake / "bronze", "trades", "BTCUSDT", 40)
    result = invoke("ingest", "--dry-run", path, "--lake", seeded_lake)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Dry run (nothing written): 1 file(s): 1 ingested") == 1
    lake = Lake(seeded_lake)
    assert lake.manifest().height == 0
    assert lake.scan("trades").collect().height == 0


def test_ingest_force_reingests(seeded_lake: Path) -> None:
    path = tardis_file(seeded_lake / "bronze", "trades", "BTCUSDT", 12)
    assert invoke("ingest", path, "--lake", seeded_lake).exit_code == 0
    result = invoke("ingest", path, "--force", "--json", "--lake", seeded_lake)
    assert result.exit_code == 0, result.output
    [entry] = stdout_json(result)["files"]
    assert (entry["skipped"], entry["status"], entry["rows_written"]) == (False, "success", 12)
    assert Lake(seeded_lake).scan("trades").collect().height == 12


def test_ingest_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = invoke("ingest", tmp_path / "nope.csv.gz", "--lake", tmp_path / "lake")
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    assert invoke("ingest", "--lake", tmp_path / "lake").exit_code == 2
    assert invoke("ingest", "--no-such-option", tmp_path).exit_code == 2


def test_ingest_a_directory_without_bronze_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("ingest", tmp_path / "empty", "--lake", tmp_path / "lake")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no Bronze files found in {tmp_path / 'empty'}")
    assert "Traceback" not in result.output


def _archives(directory: Path) -> None:
    q360.write_archive(
        directory, data_type="order_new", exchange="sse", symbols=["600000"], rows_per_member=20
    )
    q360.write_archive(
        directory, data_type="tick_new", exchange="szse", symbols=["000001"], rows_per_member=20
    )


def test_import_quant360_then_ingest(seeded_lake: Path, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    _archives(incoming)
    result = invoke("import-quant360", incoming, "--lake", seeded_lake, "--json")
    assert result.exit_code == 0, result.output
    document = stdout_json(result)
    assert [(a["name"], a["status"], a["members"]) for a in document["archives"]] == [
        ("order_new_STK_SH_20240102.7z", "success", 1),
        ("tick_new_STK_SZ_20240102.7z", "success", 1),
    ]
    assert document["files"] == [
        "quant360/exchange=sse/type=order_new/date=2024-01-02/symbol=600000/600000.csv.gz",
        "quant360/exchange=szse/type=tick_new/date=2024-01-02/symbol=000001/000001.csv.gz",
    ]
    again = invoke("import-quant360", incoming, "--lake", seeded_lake)
    assert again.exit_code == 0, again.output
    assert "already_imported" in again.stdout
    ingested = invoke("ingest", seeded_lake / "bronze", "--lake", seeded_lake)
    assert ingested.exit_code == 0, ingested.output
    assert "2 file(s): 2 ingested" in ingested.stdout


def test_import_quant360_corrupt_archive_exits_1(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "order_new_STK_SH_20240102.7z").write_bytes(b"this is not a 7z archive")
    result = invoke("import-quant360", incoming, "--lake", tmp_path / "lake")
    assert result.exit_code == 1
    assert "order_new_STK_SH_20240102.7z: failed (corrupt_archive)" in result.stderr
    assert "replace the archive and run the command again" in result.stderr


def test_import_quant360_missing_directory_exits_2(tmp_path: Path) -> None:
    result = invoke("import-quant360", tmp_path / "nope", "--lake", tmp_path / "lake")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_ingest_json_with_a_timestamp_past_int64_prints_json(tmp_path):
    """A row whose timestamp is i64::MAX is quarantined; the JSON document is printed whole."""
    import gzip
    import json

    from click.testing import CliRunner

    from pointline.cli import cli
    from pointline.v2 import Lake

    lake_dir = tmp_path / "lake"
    header = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
    rows = [
        "binance-futures,BTCUSDT,1704067200000000,1704067200000001,1,buy,42000.5,0.1",
        "binance-futures,BTCUSDT,9223372036854775807,1704067200000002,2,buy,42000.5,0.1",
    ]
    path = tmp_path / "binance-futures_trades_2024-01-01_BTCUSDT.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([header, *rows]) + "\n").encode(), mtime=0))
    snapshot = pl.DataFrame(
        [("binance-futures", "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT")],
        schema=list(SNAPSHOT_REQUIRED_COLUMNS),
        orient="row",
    )
    Lake(lake_dir).upsert_symbols(snapshot, 1_703_980_800_000_000)
    out = CliRunner().invoke(cli, ["ingest", str(path), "--json", "--lake", str(lake_dir)])
    document = json.loads(out.stdout)
    (file,) = document["files"]
    assert (file["status"], file["rows_written"], file["rows_quarantined"]) == ("success", 1, 1)
    assert Lake(lake_dir).quarantine()["rule_name"].to_list() == ["invalid_timestamp"]
