"""``symbols``, ``manifest``, ``quarantine`` and ``scan``: success, bad input, exit statuses."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import polars as pl
import pytest

from pointline.cli.options import parse_bound, parse_timestamp_us
from pointline.v2.demo import data
from pointline.v2.lake import Lake
from tests.cli.conftest import invoke, stdout_json, symbols_csv

# -- symbols ---------------------------------------------------------------------------------


def test_symbols_upsert_csv_and_show(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    result = invoke(
        "symbols", "upsert", symbols_csv(tmp_path), "--effective-ts", "2024-01-01", "--lake", lake
    )
    assert result.exit_code == 0, result.output
    assert "dim_symbol version 0, 6 current symbol(s)" in result.stdout
    shown = invoke("symbols", "show", "--json", "--exchange", "szse", "--lake", lake)
    assert shown.exit_code == 0, shown.output
    rows = stdout_json(shown)["rows"]
    assert [r["exchange_symbol"] for r in rows] == ["000001", "000002"]  # leading zeros kept
    assert rows[0]["valid_from_ts_us"] == 1_704_067_200_000_000
    assert rows[0]["tick_size"] == 10_000_000  # "0.01" * 10**9
    table = invoke("symbols", "show", "--lake", lake)
    assert "ETH-USDT-PERP" in table.stdout


def test_symbols_upsert_parquet_closes_missing_symbols(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = symbols_csv(tmp_path)
    assert invoke("symbols", "upsert", first, "--effective-ts", "0", "--lake", lake).exit_code == 0
    smaller = tmp_path / "smaller.parquet"
    data.symbol_snapshot().filter(pl.col("exchange_symbol") != "ETHUSDT").write_parquet(smaller)
    result = invoke(
        "symbols",
        "upsert",
        smaller,
        "--effective-ts",
        "2024-01-02T00:00:00+00:00",
        "--lake",
        lake,
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = stdout_json(result)
    assert (document["dim_symbol_version"], document["current_symbols"]) == (1, 5)
    assert document["effective_ts_us"] == 1_704_153_600_000_000
    current = invoke("symbols", "show", "--current", "--json", "--lake", lake)
    assert "ETHUSDT" not in [r["exchange_symbol"] for r in stdout_json(current)["rows"]]


def test_symbols_upsert_bad_snapshot_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("exchange,exchange_symbol\nbinance-futures,BTCUSDT\n")
    result = invoke("symbols", "upsert", bad, "--effective-ts", "0", "--lake", tmp_path / "lake")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "canonical_symbol" in result.stderr
    assert "Traceback" not in result.output


def test_symbols_upsert_usage_errors_exit_2(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    csv = symbols_csv(tmp_path)
    bad_ts = invoke("symbols", "upsert", csv, "--effective-ts", "yesterday", "--lake", lake)
    assert bad_ts.exit_code == 2
    assert "'yesterday' is not a timestamp" in bad_ts.stderr
    assert invoke("symbols", "upsert", csv, "--lake", lake).exit_code == 2  # no --effective-ts
    text = tmp_path / "symbols.txt"
    text.write_text("x")
    wrong = invoke("symbols", "upsert", text, "--effective-ts", "0", "--lake", lake)
    assert wrong.exit_code == 2
    assert "must be a .csv or .parquet file" in wrong.stderr


def test_symbols_show_on_an_empty_lake(tmp_path: Path) -> None:
    result = invoke("symbols", "show", "--lake", tmp_path / "lake")
    assert result.exit_code == 0
    assert "No symbols in" in result.stdout


# -- manifest and quarantine -----------------------------------------------------------------


def test_manifest_lists_every_file(demo_lake: Path) -> None:
    result = invoke("manifest", "--json", "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    rows = stdout_json(result)["rows"]
    assert [r["file_id"] for r in rows] == list(range(1, 10))
    assert {r["status"] for r in rows} == {"success"}
    table = invoke("manifest", "--lake", demo_lake)
    assert "ingest_manifest (9 files)" in table.stdout


def test_manifest_status_filter(demo_lake: Path) -> None:
    result = invoke("manifest", "--status", "success", "--json", "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    rows = stdout_json(result)["rows"]
    assert len(rows) == 9
    [trades] = [r for r in rows if r["data_type"] == "trades"]
    assert trades["bronze_path"].endswith("binance-futures_trades_2024-01-01_PERPETUALS.csv.gz")
    assert (trades["rows_total"], trades["rows_written"], trades["rows_quarantined"]) == (
        3_120,
        2_879,
        241,
    )
    none = invoke("manifest", "--status", "failed", "--lake", demo_lake)
    assert none.exit_code == 0
    assert "No files with status 'failed'" in none.stdout
    assert invoke("manifest", "--status", "done", "--lake", demo_lake).exit_code == 2


def test_environment_names_the_lake(demo_lake: Path) -> None:
    result = invoke("manifest", "--json", env={"POINTLINE_LAKE": str(demo_lake)})
    assert result.exit_code == 0, result.output
    assert stdout_json(result)["lake"] == str(demo_lake)


def _file_id(lake: Path, symbol: str, data_type: str) -> int:
    manifest = Lake(lake).manifest()
    suffix = f"_{data_type}_2024-01-01_{symbol}.csv.gz"
    return manifest.filter(pl.col("bronze_path").str.ends_with(suffix))["file_id"].item()


def test_quarantine_of_one_file(demo_lake: Path) -> None:
    file_id = _file_id(demo_lake, "BTCUSDT", "quotes")
    result = invoke("quarantine", "--file-id", file_id, "--json", "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    [row] = stdout_json(result)["rows"]
    assert (row["rule_name"], row["file_seq"], row["file_id"]) == (
        "invalid_quote_values",
        201,
        file_id,
    )
    rejected = json.loads(row["row_json"])  # the whole row, nothing lost
    assert (rejected["bid_price"], rejected["ask_price"]) == (
        37_050_500_000_000,
        37_049_900_000_000,
    )
    assert rejected["symbol"] == "BTCUSDT"
    table = invoke("quarantine", "--lake", demo_lake, "--limit", "3")
    assert table.exit_code == 0
    assert "First 3 of 243 quarantined rows" in table.stdout
    assert "missing_pit_symbol_coverage" in table.stdout


def test_quarantine_bad_input(demo_lake: Path) -> None:
    assert invoke("quarantine", "--file-id", "one", "--lake", demo_lake).exit_code == 2
    nothing = invoke("quarantine", "--file-id", "999", "--lake", demo_lake)
    assert nothing.exit_code == 0
    assert "No quarantined rows for file 999" in nothing.stdout


# -- scan ------------------------------------------------------------------------------------


def test_scan_table_format(demo_lake: Path) -> None:
    result = invoke("scan", "trades", "--symbol", "ETHUSDT", "--limit", "3", "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    assert "trades: first 3 row(s)" in result.stdout
    assert result.stdout.count("ETHUSDT") == 3


def test_scan_with_no_rows(demo_lake: Path, tmp_path: Path) -> None:
    result = invoke("scan", "trades", "--symbol", "SOLUSDT", "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"No trades rows in {demo_lake} match.\n"
    empty = invoke("scan", "quotes", "--lake", tmp_path / "new")
    assert empty.stdout == f"No quotes rows in {tmp_path / 'new'} match.\n"


def test_scan_json_filters(demo_lake: Path) -> None:
    result = invoke(
        "scan",
        "trades",
        "--exchange",
        "binance-futures",
        "--symbol",
        "BTCUSDT",
        "--symbol",
        "ETHUSDT",
        "--start",
        str(data.TARDIS_START_US),
        "--end",
        "2024-01-01T00:10:00",
        "--json",
        "--lake",
        demo_lake,
    )
    assert result.exit_code == 0, result.output
    rows = stdout_json(result)["rows"]
    assert len(rows) == 20  # ten minutes, one trade a minute, two symbols
    assert {r["symbol"] for r in rows} == {"BTCUSDT", "ETHUSDT"}
    assert rows[0]["trading_date"] == "2024-01-01"


def test_scan_by_trading_date(demo_lake: Path) -> None:
    result = invoke(
        "scan",
        "cn_tick_events",
        "--start",
        "2024-01-02",
        "--end",
        "2024-01-02",
        "--json",
        "--lake",
        demo_lake,
    )
    assert result.exit_code == 0, result.output
    assert len(stdout_json(result)["rows"]) == 800
    before = invoke("scan", "cn_tick_events", "--end", "2024-01-01", "--json", "--lake", demo_lake)
    assert stdout_json(before)["rows"] == []


def test_scan_writes_csv_and_parquet(demo_lake: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "out" / "quotes.csv"
    result = invoke("scan", "quotes", "--symbol", "BTCUSDT", "-o", csv_path, "--lake", demo_lake)
    assert result.exit_code == 0, result.output
    assert f"Wrote 1,439 quotes row(s) to {csv_path}." in result.stdout
    expected = Lake(demo_lake).scan("quotes", symbols=["BTCUSDT"]).collect()
    written = pl.read_csv(csv_path, schema_overrides={"trading_date": pl.Date})
    assert written.height == 1_439
    assert written["bid_price"].to_list() == expected["bid_price"].to_list()
    parquet_path = tmp_path / "trades.bin"
    result = invoke(
        "scan",
        "trades",
        "--format",
        "parquet",
        "--output",
        parquet_path,
        "--limit",
        "100",
        "--lake",
        demo_lake,
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(parquet_path)
    assert frame.equals(Lake(demo_lake).scan("trades").head(100).collect())


def test_scan_csv_to_stdout(demo_lake: Path) -> None:
    result = invoke(
        "scan", "cn_order_events", "--format", "csv", "--limit", "2", "--lake", demo_lake
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("exchange,trading_date,symbol,symbol_id,ts_event_us")


def test_scan_usage_errors_exit_2(demo_lake: Path, tmp_path: Path) -> None:
    no_output = invoke("scan", "trades", "--format", "parquet", "--lake", demo_lake)
    assert no_output.exit_code == 2
    assert "--format parquet needs --output FILE" in no_output.stderr
    unknown_suffix = invoke("scan", "trades", "-o", tmp_path / "x.txt", "--lake", demo_lake)
    assert unknown_suffix.exit_code == 2
    assert invoke("scan", "trades", "--start", "soon", "--lake", demo_lake).exit_code == 2
    assert invoke("scan", "--lake", demo_lake).exit_code == 2


def test_scan_unknown_table_exits_1_with_a_sentence(demo_lake: Path) -> None:
    result = invoke("scan", "trade", "--lake", demo_lake)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown table 'trade'; known tables: [")
    assert "(run with --verbose for the traceback)" in result.stderr
    assert "Traceback" not in result.output
    verbose = invoke("scan", "trade", "--verbose", "--lake", demo_lake)
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.stderr


# -- value parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1704067200000000", 1_704_067_200_000_000),
        ("2024-01-01", 1_704_067_200_000_000),
        ("2024-01-01T09:30:00", 1_704_101_400_000_000),
        ("2024-01-01T09:30:00.000001", 1_704_101_400_000_001),
        ("2024-01-01T09:30:00+08:00", 1_704_072_600_000_000),
        ("-1", -1),
    ],
)
def test_parse_timestamp_us(text: str, expected: int) -> None:
    assert parse_timestamp_us(text) == expected


def test_parse_bound() -> None:
    assert parse_bound("2024-01-02") == datetime.date(2024, 1, 2)
    assert parse_bound("1704067200000000") == 1_704_067_200_000_000
    with pytest.raises(ValueError, match="'2024-13-01' is not a timestamp"):
        parse_bound("2024-13-01")
