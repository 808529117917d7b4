"""Rows with another field count than the header are flagged whole, never shifted."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.v2.vendors.tardis import TARDIS

from .conftest import header, make_meta

P = "binance-futures,BTCUSDT,1704067200000000,1704067200001234"
GOOD = f"{P},1,buy,42000.5,0.1"


def _both(path):
    meta = make_meta(path, "trades")
    whole = TARDIS.parser(meta)(meta)
    chunked = list(TARDIS.chunked_parser(meta)(meta, 2))
    return whole, chunked


@pytest.mark.parametrize(
    "bad",
    [
        f"{P},2,buy,42000.5",  # one field short
        f"{P},2,buy,42000.5,0.1,7",  # one field too many
        f"{P},2,buy,42000.5,0.1,",  # trailing comma
        f"{P},2,buy,42000.5,0.1,,,9",  # extra fields that polars would truncate
        "binance-futures",  # a single field
    ],
)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_ragged_row_is_flagged_with_its_raw_line(write_file, bad, position) -> None:
    rows = [GOOD, GOOD]
    rows.insert(position, bad)
    path = write_file("t.csv.gz", header("trades") + "\n" + "\n".join(rows) + "\n")
    whole, chunked = _both(path)
    assert whole["file_seq"].to_list() == [1, 2, 3]
    flags = whole.select("_reject_reason", "_reject_field", "_reject_value").rows()
    expected = [(None, None, None)] * 3
    expected[position] = ("malformed_row", None, bad)
    assert flags == expected
    good = whole.filter(whole["_reject_reason"].is_null())
    assert (
        good.select("trade_id", "price", "qty").rows()
        == [("1", 42_000_500_000_000, 100_000_000)] * 2
    )
    assert whole.equals(pl.concat(chunked))


def test_short_row_values_are_not_shifted(parse) -> None:
    df = parse("trades", [f"{P},2,42000.5,0.1"])  # side missing
    row = df.row(0, named=True)
    assert row["_reject_reason"] == "malformed_row"
    assert row["side"] == "42000.5"  # read positionally; the row is quarantined whole
    assert row["_reject_value"] == f"{P},2,42000.5,0.1"


def test_blank_lines_are_skipped_and_not_counted(write_file) -> None:
    text = header("trades") + f"\n{GOOD}\n\n{GOOD}\r\n\r\n{GOOD}\n\n"
    whole, chunked = _both(write_file("t.csv.gz", text))
    assert whole["file_seq"].to_list() == [1, 2, 3]
    assert whole["_reject_reason"].to_list() == [None] * 3
    assert whole["qty"].to_list() == [100_000_000] * 3
    assert sum(c.height for c in chunked) == 3


def test_crlf_and_plain_csv_and_no_final_newline(write_file) -> None:
    path = write_file("t.csv", header("trades") + f"\r\n{GOOD}\r\n{GOOD}")
    whole, _ = _both(path)
    assert whole.select("file_seq", "qty", "_reject_reason").rows() == [
        (1, 100_000_000, None),
        (2, 100_000_000, None),
    ]


def test_quotes_are_data_not_csv_quoting(parse) -> None:
    df = parse("trades", [f'{P},"7",buy,42000.5,0.1', f'{P},"7,8",buy,42000.5,0.1'])
    assert df["trade_id"][0] == '"7"'
    assert df.select("_reject_reason", "_reject_value").row(1) == (
        "malformed_row",
        f'{P},"7,8",buy,42000.5,0.1',
    )
