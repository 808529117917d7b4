"""EventStore: spec checks, dedupe of append, atomic replace_file(s), empty-data deletes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import polars as pl
import pytest

from pointline.errors import SchemaMismatchError
from pointline.schemas.registry import get_table_spec
from pointline.v2.storage.contracts import BatchEventStore, EventStore, FileReplacingEventStore
from tests.storage.conftest import DAY, trades_frame

TRADES = get_table_spec("trades")
PRICE = 42_123_456_789_012


def _keys(events, table: str = "trades") -> list[tuple]:
    return events.read(table).select("file_id", "file_seq", "price").rows()


def test_implements_the_protocols(events) -> None:
    assert isinstance(events, EventStore)
    assert isinstance(events, FileReplacingEventStore)
    assert isinstance(events, BatchEventStore)


def test_only_event_tables(events) -> None:
    with pytest.raises(ValueError, match=r"'dim_symbol' is not an event table; event tables: \["):
        events.append("dim_symbol", trades_frame(1, [1]))
    with pytest.raises(ValueError, match="'nope' is not an event table"):
        events.replace_file("nope", 1, [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("qty"), r"missing columns \['qty'\]"),
        (lambda f: f.with_columns(extra=pl.lit(1)), r"unexpected columns \['extra'\]"),
        (
            lambda f: f.with_columns(pl.col("qty").cast(pl.Int32)),
            "dtype mismatch: qty expected Int64, got Int32",
        ),
        (
            lambda f: f.with_columns(symbol_id=pl.lit(None, pl.Int64)),
            r"null values in required column\(s\) \['symbol_id'\]",
        ),
    ],
)
def test_frames_off_the_spec_are_refused(events, change, message) -> None:
    with pytest.raises(SchemaMismatchError, match=f"'trades'.*{message}"):
        events.append("trades", change(trades_frame(1, [1])))
    with pytest.raises(ValueError, match=message):  # SchemaMismatchError is a ValueError
        events.replace_file("trades", 1, change(trades_frame(1, [1])))
    assert events.table_names() == []


def test_columns_are_put_in_spec_order_and_null_columns_typed(events) -> None:
    frame = trades_frame(1, [1])
    untyped = frame.with_columns(pl.lit(None).alias("ts_local_us"))
    events.append("trades", untyped.select(list(reversed(frame.columns))))
    assert events.read("trades").columns == TRADES.columns()
    assert events.read("trades").equals(frame)


def test_append_dedupes_on_file_id_and_file_seq(events) -> None:
    events.append("trades", trades_frame(1, [1, 2]))
    events.append("trades", trades_frame(1, [1, 2]))
    events.append("trades", trades_frame(1, [2, 3, 3], price=7))
    events.append("trades", trades_frame(2, [1]))
    out = events.read("trades")
    assert out.schema == TRADES.to_polars()
    assert _keys(events) == [(1, 1, PRICE + 1), (1, 2, PRICE + 2), (1, 3, 10), (2, 1, PRICE + 1)]


def test_an_empty_write_creates_no_table(events) -> None:
    events.append("trades", trades_frame(1, []))
    events.replace_file("trades", 1, [])
    events.replace_file("trades", 1, iter([trades_frame(1, [])]))
    events.replace_files("trades", [1, 2], [])
    assert events.table_names() == []
    empty = events.read("quotes")
    assert empty.schema == get_table_spec("quotes").to_polars() and empty.height == 0


def test_replace_file_replaces_only_that_file(events) -> None:
    events.append("trades", pl.concat([trades_frame(1, [1, 2, 3]), trades_frame(2, [1])]))
    events.replace_file("trades", 1, iter([trades_frame(1, [1], price=5), trades_frame(1, [2])]))
    assert _keys(events) == [(1, 1, 6), (1, 2, PRICE + 2), (2, 1, PRICE + 1)]
    assert events.table_names() == ["trades"]


def test_replace_file_streams_chunks_and_dedupes_within(events) -> None:
    def chunks() -> Iterator[pl.DataFrame]:
        for start in range(1, 40, 10):
            yield trades_frame(1, list(range(start, start + 10)))
        yield trades_frame(1, [])
        yield trades_frame(1, [41, 41, 42])

    events.replace_file("trades", 1, chunks())
    assert events.read("trades")["file_seq"].to_list() == [*range(1, 41), 41, 42]


def test_replace_with_no_rows_deletes_the_files_rows(events) -> None:
    other_day = DAY + datetime.timedelta(days=1)
    events.append(
        "trades", pl.concat([trades_frame(1, [1, 2], day=other_day), trades_frame(2, [1])])
    )
    events.replace_file("trades", 1, trades_frame(1, []))
    assert _keys(events) == [(2, 1, PRICE + 1)]
    events.replace_file("trades", 2, iter([]))
    assert events.read("trades").height == 0
    assert events.table_names() == ["trades"]


def test_replace_files_replaces_many_at_once(events) -> None:
    events.replace_files("trades", [1, 2, 3], [trades_frame(i, [1, 2]) for i in (1, 2, 3)])
    events.replace_file("trades", 2, trades_frame(2, [1], price=0))  # inside the batch's data
    # file 1 ends with no rows: a file with no rows in the data has none in the table
    events.replace_files("trades", [1, 3], trades_frame(3, [5]))
    assert _keys(events) == [(2, 1, 1), (3, 5, PRICE + 5)]
    with pytest.raises(ValueError, match="no file ids given"):
        events.replace_files("trades", [], [])


def test_a_failed_replace_changes_nothing(events) -> None:
    events.append("trades", trades_frame(1, [1, 2]))
    before = events.read("trades")

    def bad_schema() -> Iterator[pl.DataFrame]:
        yield trades_frame(1, [10, 11], price=5)
        yield trades_frame(1, [12]).drop("qty")

    def crashing() -> Iterator[pl.DataFrame]:
        yield trades_frame(1, [10, 11], price=5)
        raise RuntimeError("parser crashed at row 12")

    with pytest.raises(SchemaMismatchError, match=r"missing columns \['qty'\]"):
        events.replace_file("trades", 1, bad_schema())
    with pytest.raises(RuntimeError, match="parser crashed at row 12"):
        events.replace_file("trades", 1, crashing())
    with pytest.raises(ValueError, match=r"chunk 1 has rows of file_id \[2\]; every row must"):
        events.replace_file("trades", 1, [trades_frame(1, [5]), trades_frame(2, [6])])
    with pytest.raises(TypeError, match="chunk 0 is a dict, not a polars DataFrame"):
        events.replace_file("trades", 1, [{"file_id": 1}])
    assert events.read("trades").equals(before)


def test_list_and_int32_columns_round_trip(events) -> None:
    spec = get_table_spec("book_snapshots")
    frame = pl.DataFrame(
        {
            "exchange": ["deribit"],
            "trading_date": [DAY],
            "symbol": ["BTC-PERPETUAL"],
            "symbol_id": [5],
            "ts_event_us": [1],
            "ts_local_us": [2],
            "file_id": [3],
            "file_seq": [1],
            "depth": [5],
            "bid_price_levels": [[100_500_000_000, 100_000_000_000]],
            "bid_qty_levels": [[1_000_000_000, 2]],
            "ask_price_levels": [[101_000_000_000]],
            "ask_qty_levels": [[]],
        },
        schema=spec.to_polars(),
    )
    events.replace_file("book_snapshots", 3, frame)
    assert events.read("book_snapshots").equals(frame)
