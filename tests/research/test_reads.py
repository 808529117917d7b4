"""lake.symbols, lake.coverage, lake.load and lake.duckdb on a lake whose rows are known."""

from __future__ import annotations

import datetime
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pointline.schemas.registry import get_table_spec
from pointline.v2 import Lake
from pointline.v2.ingestion.models import BronzeFileMetadata

from .reads_lake import DAY, EXCHANGE, GROUPED, T0, T1, TRADES, H, build, scaled, symbol_id

D1, D2 = datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reads") / "lake"
    build(root)
    return root


@pytest.fixture
def lake(built: Path) -> Lake:
    return Lake(built)


@pytest.fixture
def lake_copy(built: Path, tmp_path: Path) -> Lake:
    shutil.copytree(built, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def times(frame: pl.DataFrame | pl.LazyFrame) -> list[tuple[str, int]]:
    """(symbol, ts_event_us) in time order (the frame is in tie-break order: symbol_id first)."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    return sorted(zip(frame["symbol"].to_list(), frame["ts_event_us"].to_list(), strict=True))


# -- symbols ---------------------------------------------------------------------------------


def test_symbols_every_row_by_default(lake: Lake) -> None:
    rows = lake.symbols()
    assert rows.select("exchange_symbol", "canonical_symbol").rows() == [
        ("BTCUSD", "BTC-PERP"),
        ("ETHUSD", "ETH-PERP"),
        ("LUNAUSD", "LUNA-PERP"),
        ("XBTUSD", "BTC-PERP"),
        ("XBTUSD", "XBT-LEGACY"),
    ]
    assert rows.schema == get_table_spec("dim_symbol").to_polars()


def test_symbols_as_of_gives_the_rows_valid_at_that_instant(lake: Lake) -> None:
    before = lake.symbols(as_of=T1 - 1)
    assert before.select("exchange_symbol", "canonical_symbol").rows() == [
        ("ETHUSD", "ETH-PERP"),
        ("LUNAUSD", "LUNA-PERP"),
        ("XBTUSD", "BTC-PERP"),
    ]
    at_rename = lake.symbols(as_of=T1)  # the new windows open inclusively
    assert at_rename.select("exchange_symbol", "canonical_symbol").rows() == [
        ("BTCUSD", "BTC-PERP"),
        ("ETHUSD", "ETH-PERP"),
        ("LUNAUSD", "LUNA-PERP"),
        ("XBTUSD", "XBT-LEGACY"),
    ]
    # The delisting closes LUNAUSD exclusively at T2; ISO text and dates work as well.
    assert "LUNAUSD" not in lake.symbols(as_of="2024-01-01T18:00:00")["exchange_symbol"]
    assert "LUNAUSD" in lake.symbols(as_of="2024-01-01T17:59:59.999999+00:00")["exchange_symbol"]
    assert lake.symbols(as_of=datetime.date(2023, 12, 31)).is_empty()


def test_symbols_search_is_case_insensitive_on_both_names(lake: Lake) -> None:
    assert lake.symbols(search="btc-")["exchange_symbol"].to_list() == ["BTCUSD", "XBTUSD"]
    assert lake.symbols(search="xbt")["canonical_symbol"].to_list() == ["BTC-PERP", "XBT-LEGACY"]
    assert lake.symbols(search=".").is_empty()  # plain text, not a pattern
    assert lake.symbols(exchange="sse").is_empty()
    assert lake.symbols(exchange=EXCHANGE, search="luna", as_of=T0).height == 1


def test_symbols_of_an_empty_lake_is_an_empty_frame(tmp_path: Path) -> None:
    rows = Lake(tmp_path / "none").symbols(search="x", as_of=0)
    assert rows.is_empty() and rows.schema == get_table_spec("dim_symbol").to_polars()


# -- load ------------------------------------------------------------------------------------


def test_load_canonical_symbol_is_seamless_across_the_rename(lake: Lake) -> None:
    rows = lake.load(
        "trades", exchange=EXCHANGE, symbols="BTC-PERP", start=T0, end=T0 + 2 * DAY
    ).collect()
    # XBTUSD inside [T0, T1) only (its T0+13h trade is XBT-LEGACY's), BTCUSD from T1 on,
    # including the grouped file's BTCUSD row of the second day.
    xbt = symbol_id(lake, "XBTUSD", T0)
    btc = symbol_id(lake, "BTCUSD", T1)
    assert sorted(zip(rows["ts_event_us"], rows["symbol"], rows["symbol_id"], strict=True)) == [
        (T0 + 1 * H, "XBTUSD", xbt),
        (T0 + 11 * H, "XBTUSD", xbt),
        (T1, "BTCUSD", btc),
        (T0 + 14 * H, "BTCUSD", btc),
        (T0 + DAY + 2 * H, "BTCUSD", btc),
    ]
    assert rows["price"].to_list()[:2] == [scaled("40000"), scaled("40100.5")]


def test_load_exchange_symbol_gives_all_of_its_rows(lake: Lake) -> None:
    rows = lake.load("trades", exchange=EXCHANGE, symbols=["XBTUSD"], start=T0, end=T0 + DAY)
    assert times(rows) == [("XBTUSD", T0 + 1 * H), ("XBTUSD", T0 + 11 * H), ("XBTUSD", T0 + 13 * H)]
    legacy = lake.load("trades", exchange=EXCHANGE, symbols="XBT-LEGACY", start=T0, end=T0 + DAY)
    assert times(legacy) == [("XBTUSD", T0 + 13 * H)]


def test_load_delisted_symbol_and_half_open_range(lake: Lake) -> None:
    rows = lake.load("trades", exchange=EXCHANGE, symbols="LUNA-PERP", start=T0, end=T0 + DAY)
    assert times(rows) == [("LUNAUSD", T0 + 2 * H), ("LUNAUSD", T0 + 17 * H)]
    # [start, end): an end at a row's time leaves it out, a start at it keeps it.
    cut = lake.load(
        "trades", exchange=EXCHANGE, symbols="LUNAUSD", start=T0 + 2 * H, end=T0 + 17 * H
    )
    assert times(cut) == [("LUNAUSD", T0 + 2 * H)]


def test_load_bounds_accept_dates_and_iso_text(lake: Lake) -> None:
    by_date = lake.load(
        "trades", exchange=EXCHANGE, symbols="ETHUSD", start=D2, end=D2 + datetime.timedelta(days=1)
    )
    assert times(by_date) == [("ETHUSD", T0 + DAY + 1 * H)]
    by_text = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols="ETH-PERP",
        start="2024-01-01T02:00:00",
        end="2024-01-01T03:30:00+00:00",
    )
    assert times(by_text) == [("ETHUSD", T0 + 2 * H), ("ETHUSD", T0 + 3 * H)]


def test_load_rows_are_in_tie_break_order(lake: Lake) -> None:
    rows = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols=["ETHUSD", "LUNAUSD", "BTC-PERP"],
        start=T0,
        end=T0 + DAY,
    ).collect()
    keys = list(get_table_spec("trades").tie_break_keys)
    assert rows.select(keys).rows() == rows.sort(keys).select(keys).rows()
    assert rows.height == 2 + 5 + 4


def test_load_columns_and_decode(lake: Lake) -> None:
    plain = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols="XBTUSD",
        start=T0,
        end=T1,
        columns=["ts_event_us", "price", "qty"],
    ).collect()
    assert plain.columns == ["ts_event_us", "price", "qty"]
    assert plain.schema["price"] == pl.Int64
    floats = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols="XBTUSD",
        start=T0,
        end=T1,
        columns=["price", "qty"],
        decode="float",
    ).collect()
    assert floats.rows() == [(40000.0, 1.5), (40100.5, 0.25)]
    decimals = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols="XBTUSD",
        start=T0,
        end=T1,
        columns=["price", "qty"],
        decode="decimal",
    ).collect()
    assert decimals.schema["price"] == pl.Decimal(38, 9)
    assert decimals.rows() == [
        (Decimal("40000"), Decimal("1.5")),
        (Decimal("40100.5"), Decimal("0.25")),
    ]


def test_load_empty_range_has_the_table_schema(lake: Lake) -> None:
    empty = lake.load("quotes", exchange=EXCHANGE, symbols="BTC-PERP", start=T1, end=T1).collect()
    assert empty.is_empty() and empty.schema == get_table_spec("quotes").to_polars()
    later = lake.load(
        "trades",
        exchange=EXCHANGE,
        symbols="ETHUSD",
        start="2025-01-01",
        end="2025-01-02",
        decode="decimal",
    ).collect()
    assert later.is_empty() and later.schema["price"] == pl.Decimal(38, 9)


def test_load_bad_arguments_say_what_is_accepted(lake: Lake) -> None:
    kwargs = {"exchange": EXCHANGE, "symbols": "ETHUSD", "start": T0, "end": T0 + DAY}
    with pytest.raises(ValueError, match=r"unknown table 'trade'; known tables: \[.*'trades'"):
        lake.load("trade", **kwargs)
    with pytest.raises(ValueError, match=r"before start.*give end >= start"):
        lake.load("trades", **{**kwargs, "end": T0 - 1})
    with pytest.raises(ValueError, match="is not an instant; give integer microseconds"):
        lake.load("trades", **{**kwargs, "start": "yesterday"})
    with pytest.raises(ValueError, match=r"neither exchange symbols nor canonical.*'ETHUSD'"):
        lake.load("trades", **{**kwargs, "symbols": ["ETHUSD", "DOGE"]})
    with pytest.raises(ValueError, match=r"known exchanges: \['binance-futures'\]"):
        lake.load("trades", **{**kwargs, "exchange": "bitmex"})
    with pytest.raises(ValueError, match=r"not columns of 'trades'; give None or some of"):
        lake.load("trades", **kwargs, columns=["price", "bid_price"])
    with pytest.raises(ValueError, match="give None, 'float' or 'decimal'"):
        lake.load("trades", **kwargs, decode="int")


def _add_pending_file(lake: Lake) -> int:
    """Rows of a file whose ingestion never completed: in the table, ``pending`` in the
    manifest (what a crash between the data commit and the status update leaves)."""
    meta = BronzeFileMetadata(
        vendor="tardis",
        data_type="trades",
        bronze_file_path="tardis/exchange=binance-futures/type=trades/date=2024-01-01/"
        "symbol=ETHUSD/crashed.csv.gz",
        file_size_bytes=1,
        last_modified_ts=0,
        sha256="0" * 64,
    )
    file_id = lake.manifest_store.resolve_file_id(meta)
    copied = lake.scan("trades", symbols="ETHUSD").collect().head(2)
    lake.event_store.append(
        "trades", copied.with_columns(pl.lit(file_id, dtype=pl.Int64).alias("file_id"))
    )
    return file_id


def test_pending_files_are_never_visible(lake_copy: Lake) -> None:
    before = lake_copy.load(
        "trades", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0 + 2 * DAY
    ).collect()
    coverage_before = lake_copy.coverage("trades")
    pending = _add_pending_file(lake_copy)
    assert (
        pl.scan_delta(str(lake_copy.silver_root / "trades"))
        .filter(pl.col("file_id") == pending)
        .collect()
        .height
        == 2
    )
    after = lake_copy.load(
        "trades", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0 + 2 * DAY
    ).collect()
    assert after.equals(before)
    assert lake_copy.coverage("trades").equals(coverage_before)
    con = lake_copy.duckdb()
    assert con.execute(f"SELECT count(*) FROM trades WHERE file_id = {pending}").fetchone() == (0,)


# -- coverage --------------------------------------------------------------------------------


def test_coverage_per_table_exchange_and_symbol(lake: Lake) -> None:
    cov = lake.coverage()
    assert cov.rows() == [
        ("quotes", EXCHANGE, "BTCUSD", D1, D1, 1, 1),
        ("quotes", EXCHANGE, "XBTUSD", D1, D1, 2, 1),
        # the grouped PERPETUALS file counts once for each symbol it holds
        ("trades", EXCHANGE, "BTCUSD", D1, D2, 3, 2),
        ("trades", EXCHANGE, "ETHUSD", D1, D2, 6, 2),
        ("trades", EXCHANGE, "LUNAUSD", D1, D1, 2, 1),
        ("trades", EXCHANGE, "XBTUSD", D1, D1, 3, 1),
    ]
    assert cov.columns == [
        "table",
        "exchange",
        "symbol",
        "first_date",
        "last_date",
        "rows",
        "files",
    ]
    assert len(GROUPED) == 2 and sum(len(r) for r in TRADES.values()) + len(GROUPED) == 14
    assert cov.filter(pl.col("table") == "trades")["rows"].sum() == 14


def test_coverage_matches_the_rows_it_did_not_read(lake: Lake) -> None:
    counted = (
        lake.scan("trades")
        .group_by("exchange", "symbol")
        .agg(
            pl.col("trading_date").min(),
            pl.col("trading_date").max().alias("last"),
            pl.len(),
            pl.col("file_id").n_unique(),
        )
        .sort("symbol")
        .collect()
    )
    cov = lake.coverage("trades", exchange=EXCHANGE)
    assert (
        cov.drop("table").rows()
        == counted.with_columns(pl.col("len", "file_id").cast(pl.Int64)).rows()
    )


def test_coverage_filters_and_empty_answers(lake: Lake, tmp_path: Path) -> None:
    assert lake.coverage("quotes")["symbol"].to_list() == ["BTCUSD", "XBTUSD"]
    nothing = lake.coverage(exchange="sse")
    assert nothing.is_empty() and nothing.columns[:3] == ["table", "exchange", "symbol"]
    assert lake.coverage("liquidations").is_empty()
    empty = Lake(tmp_path / "none").coverage()
    assert empty.is_empty() and empty.schema == nothing.schema
    with pytest.raises(ValueError, match=r"unknown table 'dim_symbol'; known tables: \["):
        lake.coverage("dim_symbol")


# -- duckdb ----------------------------------------------------------------------------------


def test_duckdb_registers_every_silver_table(lake: Lake) -> None:
    con = lake.duckdb()
    views = {
        name
        for (name,) in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert {"trades", "quotes", "dim_symbol", "ingest_manifest"} <= views
    rows = con.sql(
        "SELECT symbol, count(*), sum(qty) FROM trades WHERE trading_date = DATE '2024-01-01' "
        "GROUP BY symbol ORDER BY symbol"
    ).fetchall()
    assert rows == [
        ("BTCUSD", 2, scaled("1.5")),
        ("ETHUSD", 5, scaled("5.8")),
        ("LUNAUSD", 2, scaled("410")),
        ("XBTUSD", 3, scaled("3.75")),
    ]
    joined = con.sql(
        "SELECT d.canonical_symbol, count(*) FROM trades t JOIN dim_symbol d USING (symbol_id) "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert joined == [("BTC-PERP", 5), ("ETH-PERP", 6), ("LUNA-PERP", 2), ("XBT-LEGACY", 1)]


def test_duckdb_uses_the_connection_given(lake: Lake) -> None:
    import duckdb

    con = duckdb.connect()
    assert lake.duckdb(con) is con
    assert con.execute("SELECT count(*) FROM quotes").fetchone() == (3,)


def test_duckdb_missing_names_the_extra(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'pointline\[duckdb\]'"):
        lake.duckdb()


def test_coverage_of_the_demo_lake_equals_counting_its_rows(tmp_path: Path) -> None:
    """Tardis per-symbol and grouped files, quarantined rows, Quant360 SSE and SZSE files."""
    from pointline.research.lake_reads import event_tables
    from pointline.v2.demo import run_demo

    run_demo(tmp_path / "demo")
    lake = Lake(tmp_path / "demo")
    expected = []
    for table in event_tables():
        counted = (
            lake.scan(table)
            .group_by("exchange", "symbol")
            .agg(
                pl.col("trading_date").min().alias("first_date"),
                pl.col("trading_date").max().alias("last_date"),
                pl.len().cast(pl.Int64).alias("rows"),
                pl.col("file_id").n_unique().cast(pl.Int64).alias("files"),
            )
            .collect()
        )
        expected += [(table, *row) for row in counted.rows()]
    cov = lake.coverage()
    assert cov.rows() == sorted(expected)
    assert {"sse", "szse", EXCHANGE} == set(cov["exchange"])


def test_coverage_reads_every_path_form(lake_copy: Lake, tmp_path: Path) -> None:
    """A Tardis vendor file name outside the layout (the vendor's recogniser reads it) and a
    file whose name says nothing (counted from its rows)."""
    from pointline.v2.vendors.tardis import samples

    from .reads_lake import _trades_frame

    day3 = T0 + 2 * DAY
    by_name = samples.write_csv(
        lake_copy.bronze_root / "elsewhere" / f"{EXCHANGE}_trades_2024-01-03_ETHUSD.csv.gz",
        _trades_frame([("ETHUSD", day3, "2100", "1"), ("ETHUSD", day3 + 1, "2100", "2")], 100),
    )
    anonymous = samples.write_csv(
        tmp_path / "export.csv.gz", _trades_frame([("LUNAUSD", T0 + 3 * H, "70", "5")], 200)
    )
    assert lake_copy.ingest_file(by_name).status == "success"
    result = lake_copy.ingest_file(anonymous, vendor="tardis", data_type="trades")
    assert (result.status, result.rows_written) == ("success", 1)
    trades = lake_copy.coverage("trades")
    assert trades.filter(pl.col("symbol") == "ETHUSD").rows() == [
        ("trades", EXCHANGE, "ETHUSD", D1, datetime.date(2024, 1, 3), 8, 3)
    ]
    assert trades.filter(pl.col("symbol") == "LUNAUSD").rows() == [
        ("trades", EXCHANGE, "LUNAUSD", D1, D1, 3, 2)
    ]
