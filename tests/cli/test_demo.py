"""The demo: exact counts from its deterministic data, a rerun that skips everything."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pointline.v2.demo import DemoSummary, data, run_demo
from pointline.v2.demo.runner import SAMPLE_COLUMNS
from pointline.v2.lake import Lake
from tests.cli.conftest import invoke, stdout_json

ROWS_PER_TABLE = {
    "cn_order_events": 800,
    "cn_tick_events": 800,
    "orderbook_updates": 2_879,
    "quotes": 2_879,
    "trades": 2_879,
}
QUARANTINED_BY_REASON = {
    "invalid_decimal": 1,
    "invalid_orderbook_update_values": 1,
    "invalid_quote_values": 1,
    "missing_pit_symbol_coverage": 240,
}
MANIFEST_STATUSES = {"success": 9}


def test_demo_summary_has_the_expected_counts(demo_build: tuple[Path, DemoSummary]) -> None:
    root, summary = demo_build
    assert summary.lake_root == root
    assert summary.rows_per_table == ROWS_PER_TABLE
    assert summary.manifest_statuses == MANIFEST_STATUSES
    assert summary.quarantined_by_reason == QUARANTINED_BY_REASON
    assert summary.archive_files == 4
    assert summary.dim_symbol_version == 0
    assert len(summary.files) == 9
    assert summary.files_skipped == 0
    assert summary.failed == []
    by_path = {f.path: f.result for f in summary.files}
    trades = by_path[
        "tardis/exchange=binance-futures/type=trades/date=2024-01-01/symbol=PERPETUALS/"
        "binance-futures_trades_2024-01-01_PERPETUALS.csv.gz"
    ]
    # BTCUSDT and ETHUSDT once a minute, SOLUSDT (not in dim_symbol) every 6 minutes.
    assert (trades.status, trades.row_count, trades.rows_written, trades.rows_quarantined) == (
        "success",
        3_120,
        2_879,
        241,
    )
    assert [by_path[p].rows_quarantined for p in sorted(by_path)] == [0, 0, 0, 0, 0, 1, 1, 0, 241]


def test_demo_sample_is_the_first_btcusdt_trades(demo_build: tuple[Path, DemoSummary]) -> None:
    _, summary = demo_build
    sample = summary.sample
    assert sample.columns == list(SAMPLE_COLUMNS)
    assert sample["symbol"].to_list() == ["BTCUSDT"] * 5
    # In the grouped file a minute holds BTCUSDT, ETHUSDT and, every 6 minutes, SOLUSDT.
    assert sample["file_seq"].to_list() == [1, 4, 6, 8, 10]
    assert sample["ts_event_us"].to_list() == [
        data.TARDIS_START_US + i * data.MINUTE_US for i in range(5)
    ]
    first = data.grouped_trades().row(0, named=True)
    assert (first["symbol"], first["price"], first["amount"]) == ("BTCUSDT", "36922.06", "3.48")
    assert sample["price"].to_list() == [
        36_922_060_000_000,  # "36922.06" * 10**9, exactly
        37_377_880_000_000,
        36_052_530_000_000,
        37_565_360_000_000,
        36_588_300_000_000,
    ]
    assert sample["qty"].to_list() == [
        3_480_000_000,
        2_489_000_000,
        2_205_000_000,
        3_959_000_000,
        857_000_000,
    ]


def test_the_planted_rows_are_quarantined_whole(demo_build: tuple[Path, DemoSummary]) -> None:
    root, _ = demo_build
    log = Lake(root).quarantine()
    bad = log.filter(log["rule_name"] != "missing_pit_symbol_coverage").sort("rule_name")
    trades = data.grouped_trades().with_row_index("file_seq", offset=1)
    seq = trades.filter(trades["price"] == "37O12.5")["file_seq"].item()
    assert seq == 218  # BTCUSDT's 101st trade, after 100 ETHUSDT and 17 SOLUSDT ones
    assert bad.select("rule_name", "table_name", "file_seq", "symbol").rows() == [
        ("invalid_decimal", "trades", seq, "BTCUSDT"),
        ("invalid_orderbook_update_values", "orderbook_updates", 301, "ETHUSDT"),
        ("invalid_quote_values", "quotes", 201, "BTCUSDT"),
    ]
    non_numeric = bad.row(0, named=True)
    assert non_numeric["field_name"] == "price"
    assert non_numeric["field_value"] == "37O12.5"


def test_rerun_reports_every_file_skipped(demo_copy: Path) -> None:
    summary = run_demo(demo_copy)
    assert summary.all_skipped
    assert summary.files_skipped == 9
    assert summary.rows_per_table == ROWS_PER_TABLE
    assert summary.manifest_statuses == MANIFEST_STATUSES
    assert summary.quarantined_by_reason == QUARANTINED_BY_REASON


def test_demo_command_prints_the_summary(demo_copy: Path) -> None:
    result = invoke("demo", "--lake", demo_copy)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Every file was already ingested: all 9 skipped." in out
    for table, rows in ROWS_PER_TABLE.items():
        assert f"{table}" in out and f"{rows:,}" in out
    assert "missing_pit_symbol_coverage" in out
    assert f"pointline manifest --lake {demo_copy}" in out
    assert f"pointline quarantine --lake {demo_copy}" in out


def test_demo_command_json(tmp_path: Path) -> None:
    result = invoke("demo", "--json", "--lake", tmp_path / "lake")
    assert result.exit_code == 0, result.output
    document = stdout_json(result)
    assert document["command"] == "demo"
    assert document["rows_per_table"] == ROWS_PER_TABLE
    assert document["quarantined_by_reason"] == QUARANTINED_BY_REASON
    assert document["manifest_statuses"] == MANIFEST_STATUSES
    assert document["all_skipped"] is False
    assert len(document["files"]) == 9
    assert document["exit_status"] == 0


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.csv.gz"))
    }


def test_demo_bronze_is_deterministic(tmp_path: Path) -> None:
    first = data.write_tardis_files(tmp_path / "a")
    second = data.write_tardis_files(tmp_path / "b")
    assert len(first) == len(second) == 5
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
