"""``pointline coverage`` and ``pointline symbols show --search/--as-of``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import invoke, stdout_json
from tests.research.reads_lake import EXCHANGE, T1, build


@pytest.fixture(scope="module")
def reads_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-reads") / "lake"
    build(root)
    return root


def test_coverage_json_one_row_per_table_exchange_symbol(reads_lake: Path) -> None:
    result = invoke("coverage", "--json", "--lake", reads_lake)
    assert result.exit_code == 0, result.output
    rows = stdout_json(result)["rows"]
    assert [(r["table"], r["symbol"], r["rows"], r["files"]) for r in rows] == [
        ("quotes", "BTCUSD", 1, 1),
        ("quotes", "XBTUSD", 2, 1),
        ("trades", "BTCUSD", 3, 2),
        ("trades", "ETHUSD", 6, 2),
        ("trades", "LUNAUSD", 2, 1),
        ("trades", "XBTUSD", 3, 1),
    ]
    assert rows[2]["first_date"] == "2024-01-01" and rows[2]["last_date"] == "2024-01-02"


def test_coverage_of_one_table_as_a_table(reads_lake: Path) -> None:
    result = invoke("coverage", "quotes", "--exchange", EXCHANGE, "--lake", reads_lake)
    assert result.exit_code == 0, result.output
    assert "XBTUSD" in result.stdout and "ETHUSD" not in result.stdout


def test_coverage_empty_and_unknown_table(reads_lake: Path, tmp_path: Path) -> None:
    empty = invoke("coverage", "trades", "--exchange", "sse", "--lake", reads_lake)
    assert empty.exit_code == 0
    assert "No ingested rows" in empty.stdout and "exchange 'sse'" in empty.stdout
    bad = invoke("coverage", "trade", "--lake", reads_lake)
    assert bad.exit_code == 1
    assert "unknown table 'trade'; known tables:" in bad.stderr


def test_symbols_show_search_and_as_of(reads_lake: Path) -> None:
    found = invoke("symbols", "show", "--search", "btc-perp", "--json", "--lake", reads_lake)
    assert found.exit_code == 0, found.output
    assert [r["exchange_symbol"] for r in stdout_json(found)["rows"]] == ["BTCUSD", "XBTUSD"]
    at = invoke(
        "symbols",
        "show",
        "--search",
        "btc-perp",
        "--as-of",
        str(T1 - 1),
        "--json",
        "--lake",
        reads_lake,
    )
    assert [r["exchange_symbol"] for r in stdout_json(at)["rows"]] == ["XBTUSD"]
    iso = invoke(
        "symbols", "show", "--as-of", "2024-01-01T18:00:00", "--json", "--lake", reads_lake
    )
    assert "LUNAUSD" not in [r["exchange_symbol"] for r in stdout_json(iso)["rows"]]
    none = invoke("symbols", "show", "--search", "DOGE", "--lake", reads_lake)
    assert none.exit_code == 0 and "match these filters" in none.stdout
    bad = invoke("symbols", "show", "--as-of", "noon", "--lake", reads_lake)
    assert bad.exit_code == 2 and "is not a timestamp" in bad.stderr
