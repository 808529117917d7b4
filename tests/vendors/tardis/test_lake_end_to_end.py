"""Tardis files end to end through ``Lake``: gzip file -> ``ingest_file``/``ingest`` -> Delta
tables in tmp_path -> ``scan``/``manifest``/``quarantine``.

Expected values are computed from the generated text with :class:`decimal.Decimal` (an oracle
independent of the library's conversion) and compared with what ``lake.scan`` returns.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pointline.errors import LayoutError
from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2 import Lake
from pointline.v2.vendors.tardis import DATA_TYPES, FORMATS, vendor_file_name
from pointline.v2.vendors.tardis.samples import (
    DEFAULT_OPTION_SYMBOLS,
    DEFAULT_START_US,
    sample_frame,
    write_csv,
)

DAY_US = 86_400_000_000
JAN_1 = datetime.date(2024, 1, 1)
JAN_2 = datetime.date(2024, 1, 2)
N_ROWS = 12
EXCHANGE = "binance-futures"
OPTIONS_EXCHANGE = "deribit"


# -- the lake and its symbols -----------------------------------------------------------------


def _snapshot() -> pl.DataFrame:
    rows = [
        (EXCHANGE, "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT", "0.1"),
        (EXCHANGE, "ETHUSDT", "ETH-USDT-PERP", "perpetual", "ETH", "USDT", "0.01"),
        *(
            (OPTIONS_EXCHANGE, s, s, "option", "BTC", "USD", "0.0005")
            for s in DEFAULT_OPTION_SYMBOLS
        ),
    ]
    columns = [
        "exchange",
        "exchange_symbol",
        "canonical_symbol",
        "market_type",
        "base_asset",
        "quote_asset",
        "tick_size",
    ]
    return pl.DataFrame(rows, schema=columns, orient="row")


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A lake whose dim_symbol covers every generated symbol from a day before the data."""
    lake = Lake(tmp_path / "lake")
    assert lake.upsert_symbols(_snapshot(), DEFAULT_START_US - DAY_US) == 0
    return lake


def _symbol_ids(lake: Lake) -> dict[tuple[str, str], int]:
    dim = lake.symbols()
    return {
        (row["exchange"], row["exchange_symbol"]): row["symbol_id"]
        for row in dim.iter_rows(named=True)
    }


# -- generated files and their expected rows --------------------------------------------------


def _exchange_of(data_type: str) -> str:
    return OPTIONS_EXCHANGE if data_type == "options_chain" else EXCHANGE


def _generate(data_type: str, **options: Any) -> pl.DataFrame:
    options.setdefault("exchange", _exchange_of(data_type))
    return sample_frame(data_type, options.pop("n_rows", N_ROWS), seed=11, **options)


def _gz(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    return path


def _csv(data_type: str, rows: list[str], header: str | None = None) -> str:
    header = header if header is not None else ",".join(FORMATS[data_type].columns)
    return "".join(f"{line}\n" for line in [header, *rows])


def _scaled(scale: int) -> Callable[[str | None], int | None]:
    def convert(text: str | None) -> int | None:
        return None if text is None else int(Decimal(text) * scale)

    return convert


def _optional(convert: Callable[[str], Any]) -> Callable[[str | None], Any]:
    return lambda text: None if text is None else convert(text)


_P = _scaled(PRICE_SCALE)
_Q = _scaled(QTY_SCALE)
_INT = _optional(int)
_FLOAT = _optional(float)
_TEXT = _optional(str)


def _same(column: str, convert: Callable[[str | None], Any]) -> Callable[[dict], Any]:
    return lambda row: convert(row[column])


# Silver column -> value computed from the Tardis text row (per data type).
_COMMON: dict[str, Callable[[dict], Any]] = {
    "exchange": _same("exchange", _TEXT),
    "symbol": _same("symbol", _TEXT),
    "ts_event_us": _same("timestamp", _INT),
    "ts_local_us": _same("local_timestamp", _INT),
}


def _levels(side: str, field: str, depth: int) -> Callable[[dict], list[int]]:
    convert = _P if field == "price" else _Q
    return lambda row: [convert(row[f"{side}[{i}].{field}"]) for i in range(depth)]


def _snapshot_columns(depth: int) -> dict[str, Callable[[dict], Any]]:
    return {
        "depth": lambda row: depth,
        "bid_price_levels": _levels("bids", "price", depth),
        "bid_qty_levels": _levels("bids", "amount", depth),
        "ask_price_levels": _levels("asks", "price", depth),
        "ask_qty_levels": _levels("asks", "amount", depth),
    }


EXPECTED: dict[str, dict[str, Callable[[dict], Any]]] = {
    "trades": {
        "trade_id": _same("id", _TEXT),
        "side": _same("side", _TEXT),
        "is_buyer_maker": lambda row: row["side"] == "sell",
        "price": _same("price", _P),
        "qty": _same("amount", _Q),
    },
    "quotes": {
        "bid_price": _same("bid_price", _P),
        "bid_qty": _same("bid_amount", _Q),
        "ask_price": _same("ask_price", _P),
        "ask_qty": _same("ask_amount", _Q),
    },
    "incremental_book_L2": {
        "is_snapshot": lambda row: row["is_snapshot"] == "true",
        "side": _same("side", _TEXT),
        "price": _same("price", _P),
        "qty": _same("amount", _Q),
    },
    "book_snapshot_25": _snapshot_columns(25),
    "book_snapshot_5": _snapshot_columns(5),
    "derivative_ticker": {
        "mark_price": _same("mark_price", _P),
        "index_price": _same("index_price", _P),
        "last_price": _same("last_price", _P),
        "open_interest": _same("open_interest", _Q),
        "funding_rate": _same("funding_rate", _FLOAT),
        "predicted_funding_rate": _same("predicted_funding_rate", _FLOAT),
        "funding_ts_us": _same("funding_timestamp", _INT),
    },
    "liquidations": {
        "liquidation_id": _same("id", _TEXT),
        "side": _same("side", _TEXT),
        "price": _same("price", _P),
        "qty": _same("amount", _Q),
    },
    "options_chain": {
        "option_type": _same("type", _TEXT),
        "strike": _same("strike_price", _P),
        "expiration_ts_us": _same("expiration", _INT),
        "open_interest": _same("open_interest", _Q),
        "last_price": _same("last_price", _P),
        "bid_price": _same("bid_price", _P),
        "bid_qty": _same("bid_amount", _Q),
        "bid_iv": _same("bid_iv", _FLOAT),
        "ask_price": _same("ask_price", _P),
        "ask_qty": _same("ask_amount", _Q),
        "ask_iv": _same("ask_iv", _FLOAT),
        "mark_price": _same("mark_price", _P),
        "mark_iv": _same("mark_iv", _FLOAT),
        "underlying_index": _same("underlying_index", _TEXT),
        "underlying_price": _same("underlying_price", _P),
        **{g: _same(g, _FLOAT) for g in ("delta", "gamma", "vega", "theta", "rho")},
    },
}


def _expected_rows(data_type: str, text: pl.DataFrame, file_id: int) -> list[dict]:
    columns = {**_COMMON, **EXPECTED[data_type]}
    return [
        {
            **{name: value(row) for name, value in columns.items()},
            "trading_date": JAN_1,
            "file_id": file_id,
            "file_seq": seq,
        }
        for seq, row in enumerate(text.iter_rows(named=True), start=1)
    ]


def _silver_rows(lake: Lake, data_type: str, file_id: int = 1) -> list[dict]:
    table = FORMATS[data_type].table
    columns = [*_COMMON, *EXPECTED[data_type], "trading_date", "file_id", "file_seq"]
    rows = lake.scan(table).filter(pl.col("file_id") == file_id).collect()
    return rows.sort("file_seq").select(columns).to_dicts()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- every data type, one file each ----------------------------------------------------------


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_each_data_type_ingests_exactly_and_reruns_as_a_skip(
    lake: Lake, tmp_path: Path, data_type: str
) -> None:
    text = _generate(data_type)
    exchange = _exchange_of(data_type)
    symbol = text["symbol"][0] if data_type != "options_chain" else "OPTIONS"
    name = vendor_file_name(exchange, data_type, JAN_1, symbol)
    path = write_csv(tmp_path / "downloads" / name, text)

    result = lake.ingest_file(path)

    assert (result.status, result.skipped, result.failure_reason) == ("success", False, None)
    assert (result.row_count, result.rows_written, result.rows_quarantined) == (N_ROWS, N_ROWS, 0)
    assert result.file_id == 1
    assert (result.trading_date_min, result.trading_date_max) == (JAN_1, JAN_1)
    assert _silver_rows(lake, data_type) == _expected_rows(data_type, text, file_id=1)
    ids = _symbol_ids(lake)
    silver = lake.scan(FORMATS[data_type].table).collect()
    assert silver["symbol_id"].to_list() == [ids[(exchange, s)] for s in silver["symbol"]]

    manifest = lake.manifest()
    assert manifest.height == 1
    row = manifest.row(0, named=True)
    assert {k: row[k] for k in ("file_id", "vendor", "data_type", "bronze_path", "file_hash")} == {
        "file_id": 1,
        "vendor": "tardis",
        "data_type": data_type,
        "bronze_path": path.resolve().as_posix(),  # outside <lake>/bronze: absolute
        "file_hash": _sha256(path),
    }
    assert (row["status"], row["rows_total"], row["rows_written"], row["rows_quarantined"]) == (
        "success",
        N_ROWS,
        N_ROWS,
        0,
    )
    assert (row["trading_date_min"], row["trading_date_max"], row["status_reason"]) == (
        JAN_1,
        JAN_1,
        None,
    )

    again = lake.ingest_file(path)
    assert (again.status, again.skipped, again.file_id, again.rows_written) == (
        "success",
        True,
        1,
        0,
    )
    assert lake.scan(FORMATS[data_type].table).collect().height == N_ROWS
    assert lake.manifest().height == 1
    assert lake.quarantine().height == 0


def test_ingest_walks_a_bronze_tree_of_all_eight_types(lake: Lake) -> None:
    texts: dict[str, pl.DataFrame] = {}
    for data_type in DATA_TYPES:
        exchange = _exchange_of(data_type)
        symbol = DEFAULT_OPTION_SYMBOLS[0] if data_type == "options_chain" else "BTCUSDT"
        texts[data_type] = text = _generate(data_type, symbols=[symbol])
        folder = (
            lake.bronze_root
            / "tardis"
            / f"exchange={exchange}"
            / f"type={data_type}"
            / "date=2024-01-01"
            / f"symbol={symbol}"
        )
        write_csv(folder / vendor_file_name(exchange, data_type, JAN_1, symbol), text)
    (lake.bronze_root / "tardis" / "NOTES.txt").write_text("not a Bronze file")

    results = lake.ingest(lake.bronze_root)

    assert len(results) == len(DATA_TYPES)
    assert [(r.status, r.rows_written, r.skipped) for r in results] == [
        ("success", N_ROWS, False)
    ] * len(DATA_TYPES)
    manifest = lake.manifest()
    by_type = dict(zip(manifest["data_type"], manifest["file_id"], strict=True))
    assert sorted(by_type) == sorted(DATA_TYPES)
    assert all(p.startswith("tardis/exchange=") for p in manifest["bronze_path"])
    # book_snapshot_5 and book_snapshot_25 share the book_snapshots table
    snapshots = lake.scan("book_snapshots").collect()
    assert sorted(snapshots["depth"].unique().to_list()) == [5, 25]
    for data_type, text in texts.items():
        file_id = by_type[data_type]
        expected = _expected_rows(data_type, text, file_id=file_id)
        assert _silver_rows(lake, data_type, file_id) == expected

    again = lake.ingest(lake.bronze_root)
    assert [(r.status, r.skipped) for r in again] == [("success", True)] * len(DATA_TYPES)
    assert lake.scan("trades").collect().height == N_ROWS


# -- exactness, grouped symbols, midnight ----------------------------------------------------


def test_decimal_text_is_pinned_exactly_end_to_end(lake: Lake, tmp_path: Path) -> None:
    t = DEFAULT_START_US
    path = _gz(
        tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT"),
        _csv(
            "trades",
            [
                f"{EXCHANGE},BTCUSDT,{t},{t + 7},1,buy,12345678.123456789,0.1",
                f"{EXCHANGE},BTCUSDT,{t + 1},{t + 8},,sell,0.1,12345678.123456789",
            ],
        ),
    )

    result = lake.ingest_file(path)

    assert (result.status, result.rows_written) == ("success", 2)
    rows = lake.scan("trades").collect()
    assert rows["price"].to_list() == [12_345_678_123_456_789, 100_000_000]
    assert rows["qty"].to_list() == [100_000_000, 12_345_678_123_456_789]
    assert rows["trade_id"].to_list() == ["1", None]  # an empty field is a null
    assert rows["ts_local_us"].to_list() == [t + 7, t + 8]


def test_grouped_symbol_file_resolves_each_rows_own_symbol(lake: Lake, tmp_path: Path) -> None:
    text = _generate("trades", n_rows=40, symbols=["BTCUSDT", "ETHUSDT"])
    path = write_csv(tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "PERPETUALS"), text)
    assert lake.describe(path).extra["symbol"] == "PERPETUALS"

    result = lake.ingest_file(path)

    assert (result.status, result.rows_written) == ("success", 40)
    rows = lake.scan("trades").collect().sort("file_seq")
    assert rows["symbol"].to_list() == text["symbol"].to_list()
    assert set(rows["symbol"]) == {"BTCUSDT", "ETHUSDT"}
    ids = _symbol_ids(lake)
    assert rows["symbol_id"].to_list() == [ids[(EXCHANGE, s)] for s in text["symbol"]]
    assert ids[(EXCHANGE, "BTCUSDT")] != ids[(EXCHANGE, "ETHUSDT")]
    assert (
        lake.scan("trades", symbols="ETHUSDT").collect().height
        == text["symbol"].eq("ETHUSDT").sum()
    )


def test_a_day_file_crossing_midnight_splits_into_two_partitions(
    lake: Lake, tmp_path: Path
) -> None:
    midnight = DEFAULT_START_US + DAY_US
    text = _generate("trades", n_rows=6, start_us=midnight - 3_000, step_us=1_000)
    path = write_csv(tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT"), text)

    result = lake.ingest_file(path)

    assert (result.status, result.rows_written) == ("success", 6)
    assert (result.trading_date_min, result.trading_date_max) == (JAN_1, JAN_2)
    rows = lake.scan("trades").collect()
    assert rows.select("ts_event_us", "trading_date").rows() == [
        (midnight - 3_000, JAN_1),
        (midnight - 2_000, JAN_1),
        (midnight - 1_000, JAN_1),
        (midnight, JAN_2),
        (midnight + 1_000, JAN_2),
        (midnight + 2_000, JAN_2),
    ]
    partitions = lake.silver_root / "trades" / f"exchange={EXCHANGE}"
    assert sorted(p.name for p in partitions.iterdir() if p.is_dir()) == [
        "trading_date=2024-01-01",
        "trading_date=2024-01-02",
    ]
    assert lake.scan("trades", start=JAN_2, end=JAN_2).collect().height == 3
    manifest = lake.manifest().row(0, named=True)
    assert (manifest["trading_date_min"], manifest["trading_date_max"]) == (JAN_1, JAN_2)


# -- bad inputs --------------------------------------------------------------------------------


def _assert_nothing_written(lake: Lake, table: str) -> None:
    assert not (lake.silver_root / table).exists()
    assert lake.scan(table).collect().height == 0
    assert lake.quarantine().height == 0


def test_undocumented_header_fails_as_schema_mismatch(lake: Lake, tmp_path: Path) -> None:
    t = DEFAULT_START_US
    header = "exchange,symbol,timestamp,local_timestamp,id,side,price,qty"
    path = _gz(
        tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT"),
        _csv("trades", [f"{EXCHANGE},BTCUSDT,{t},{t},1,buy,1.5,2"], header=header),
    )

    result = lake.ingest_file(path)

    assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
    assert "missing columns ['amount']" in result.error_message
    assert "unexpected columns ['qty']" in result.error_message
    assert str(path.resolve()) in result.error_message
    assert (result.rows_written, result.rows_quarantined) == (0, 0)
    _assert_nothing_written(lake, "trades")
    row = lake.manifest().row(0, named=True)
    assert row["status"] == "failed"
    assert row["status_reason"] == "schema_mismatch" and row["status_message"]


@pytest.mark.parametrize("chunked", [False, True], ids=["whole_file", "chunked"])
def test_truncated_gzip_fails_and_writes_nothing(tmp_path: Path, lake: Lake, chunked: bool) -> None:
    if chunked:  # every file takes the chunked path, in chunks of 5 rows
        lake = Lake(lake.root, chunk_rows=5, stream_threshold_bytes=0)
    text = _generate("trades", n_rows=2_000)
    whole = write_csv(tmp_path / "whole.csv.gz", text).read_bytes()
    path = tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT")
    path.write_bytes(whole[: len(whole) // 2])

    result = lake.ingest_file(path)

    assert (result.status, result.failure_reason) == ("failed", "truncated_file")
    assert "gzip stream ends before its end marker" in result.error_message
    assert (result.rows_written, result.rows_quarantined) == (0, 0)
    _assert_nothing_written(lake, "trades")
    assert lake.manifest()["status"].to_list() == ["failed"]
    # a failed file is not a success: running it again tries again
    assert not lake.ingest_file(path).skipped


def test_bad_rows_are_quarantined_whole_and_the_rest_written(lake: Lake, tmp_path: Path) -> None:
    t = DEFAULT_START_US
    short = f"{EXCHANGE},BTCUSDT,{t + 3},{t + 3},4,buy,42000.5"
    long = f"{EXCHANGE},BTCUSDT,{t + 4},{t + 4},5,buy,42000.5,1,extra"
    path = _gz(
        tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT"),
        _csv(
            "trades",
            [
                f"{EXCHANGE},BTCUSDT,{t},{t},1,buy,42000.5,0.25",
                f"{EXCHANGE},BTCUSDT,{t + 1},{t + 1},2,sell,4200O.5,0.25",
                f"{EXCHANGE},BTCUSDT,{t + 2},{t + 2},3,sell,42001,1.5",
                short,
                long,
                f"{EXCHANGE},BTCUSDT,{t + 5},{t + 5},6,buy,42002,3",
            ],
        ),
    )

    result = lake.ingest_file(path)

    assert (result.status, result.row_count) == ("success", 6)
    assert (result.rows_written, result.rows_quarantined) == (3, 3)
    rows = lake.scan("trades").collect()
    assert rows.select("file_seq", "trade_id", "price", "qty").rows() == [
        (1, "1", 42_000_500_000_000, 250_000_000),
        (3, "3", 42_001_000_000_000, 1_500_000_000),
        (6, "6", 42_002_000_000_000, 3_000_000_000),
    ]
    log = lake.quarantine(file_id=result.file_id).sort("file_seq")
    assert log.select("file_seq", "rule_name", "field_name", "field_value").rows() == [
        (2, "invalid_decimal", "price", "4200O.5"),
        (4, "malformed_row", None, short),
        (5, "malformed_row", None, long),
    ]
    assert log["table_name"].to_list() == ["trades"] * 3
    assert log["ts_event_us"].to_list() == [t + 1, t + 3, t + 4]
    assert '"trade_id":"2"' in log["row_json"][0]
    manifest = lake.manifest().row(0, named=True)
    assert (manifest["status"], manifest["rows_written"], manifest["rows_quarantined"]) == (
        "success",
        3,
        3,
    )


# -- where vendor, type, exchange, date and symbol come from ----------------------------------


def test_metadata_is_inferred_from_the_bronze_layout(lake: Lake) -> None:
    folder = (
        lake.bronze_root
        / "tardis"
        / f"exchange={EXCHANGE}"
        / "type=quotes"
        / "date=2024-01-01"
        / "symbol=BTCUSDT"
    )
    path = write_csv(folder / "part-0.csv.gz", _generate("quotes"))  # not a Tardis file name

    meta = lake.describe(path)
    assert (meta.vendor, meta.data_type, meta.date) == ("tardis", "quotes", JAN_1)
    assert (meta.extra["exchange"], meta.extra["symbol"]) == (EXCHANGE, "BTCUSDT")
    result = lake.ingest_file(path)

    assert (result.status, result.rows_written) == ("success", N_ROWS)
    row = lake.manifest().row(0, named=True)
    assert (row["data_type"], row["bronze_path"]) == (
        "quotes",
        f"tardis/exchange={EXCHANGE}/type=quotes/date=2024-01-01/symbol=BTCUSDT/part-0.csv.gz",
    )


def test_metadata_is_inferred_from_a_tardis_file_name_anywhere(lake: Lake, tmp_path: Path) -> None:
    name = vendor_file_name(EXCHANGE, "incremental_book_L2", JAN_1, "BTCUSDT")
    path = write_csv(tmp_path / "a" / "b" / name, _generate("incremental_book_L2"))

    meta = lake.describe(path)
    assert (meta.vendor, meta.data_type, meta.date) == ("tardis", "incremental_book_L2", JAN_1)
    assert (meta.extra["exchange"], meta.extra["symbol"]) == (EXCHANGE, "BTCUSDT")
    result = lake.ingest_file(path)

    assert (result.status, result.rows_written) == ("success", N_ROWS)
    assert lake.scan("orderbook_updates").collect().height == N_ROWS
    assert lake.manifest()["bronze_path"].to_list() == [path.resolve().as_posix()]


def test_a_file_with_no_recognisable_name_needs_vendor_and_data_type(
    lake: Lake, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "export.csv.gz", _generate("liquidations"))

    with pytest.raises(LayoutError, match="pass vendor= and data_type="):
        lake.ingest_file(path)
    assert lake.manifest().height == 0

    result = lake.ingest_file(path, vendor="tardis", data_type="liquidations")
    assert (result.status, result.rows_written) == ("success", N_ROWS)
    assert lake.scan("liquidations").collect().height == N_ROWS


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("timestamp", "253402300800000000"),  # 10000-01-01: one µs past the calendar
        ("timestamp", "-62135596800000001"),  # one µs before 0001-01-01
        ("timestamp", "9223372036854775807"),  # i64 max
        ("timestamp", "-9223372036854775808"),  # i64 min
        ("local_timestamp", "9223372036854775807"),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_timestamp_beyond_the_calendar_quarantines_its_row(
    lake: Lake, tmp_path: Path, column: str, text: str, chunked: bool
) -> None:
    """Issue 14 item 1: the row is rejected ``invalid_timestamp`` with its column and text,
    the good rows are written, nothing raises (was: a failed file, or a Rust panic)."""
    t = DEFAULT_START_US
    stamps = {"timestamp": t + 1, "local_timestamp": t + 1, column: text}
    path = _gz(
        tmp_path / vendor_file_name(EXCHANGE, "trades", JAN_1, "BTCUSDT"),
        _csv(
            "trades",
            [
                f"{EXCHANGE},BTCUSDT,{t},{t},1,buy,42000.5,0.25",
                f"{EXCHANGE},BTCUSDT,{stamps['timestamp']},{stamps['local_timestamp']},2,sell,1,1",
                f"{EXCHANGE},BTCUSDT,{t + 2},{t + 2},3,sell,42001,1.5",
            ],
        ),
    )
    if chunked:
        lake = Lake(lake.root, chunk_rows=1, stream_threshold_bytes=0)
    result = lake.ingest_file(path)

    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 2, 1)
    assert lake.scan("trades").collect()["trade_id"].to_list() == ["1", "3"]
    log = lake.quarantine(file_id=result.file_id)
    assert log.select("file_seq", "rule_name", "field_name", "field_value").rows() == [
        (2, "invalid_timestamp", column, text)
    ]
