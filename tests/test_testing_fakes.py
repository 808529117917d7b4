"""The in-memory store fakes: Protocol conformance, Delta-like semantics, failure switches."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterator

import polars as pl
import pytest

from pointline.errors import (
    ManifestConflictError,
    SchemaMismatchError,
    StorageError,
    VersionMismatchError,
)
from pointline.schemas.control import INGEST_MANIFEST, VALIDATION_LOG
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.schemas.registry import get_table_spec
from pointline.v2.dim_symbol import bootstrap, upsert
from pointline.v2.ingestion.models import BronzeFileMetadata, IngestionResult
from pointline.v2.storage.contracts import (
    DimensionStore,
    EventStore,
    FileReplacingEventStore,
    FileReplacingQuarantineStore,
    ManifestStore,
    QuarantineStore,
)
from pointline.v2.storage.validation import validate_frame
from pointline.v2.storage.validation_log_rows import build_validation_log_rows
from pointline.v2.testing import (
    FailureSwitch,
    InMemoryDimensionStore,
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)

TRADES = get_table_spec("trades")
D1 = datetime.date(2024, 5, 1)


def ticking_clock(start: int = 1_000) -> Callable[[], int]:
    counter = itertools.count(start)
    return lambda: next(counter)


def meta(path: str = "tardis/a.csv.gz", sha: str = "h1", data_type: str = "trades"):
    return BronzeFileMetadata(
        vendor="tardis",
        data_type=data_type,
        bronze_file_path=path,
        file_size_bytes=10,
        last_modified_ts=1,
        sha256=sha,
    )


def trades(file_id: int, seqs: list[int], *, price: int = 100) -> pl.DataFrame:
    n = len(seqs)
    return pl.DataFrame(
        {
            "exchange": ["binance"] * n,
            "trading_date": [D1] * n,
            "symbol": ["BTCUSDT"] * n,
            "symbol_id": [7] * n,
            "ts_event_us": [file_id * 1_000 + s for s in seqs],
            "ts_local_us": [None] * n,
            "file_id": [file_id] * n,
            "file_seq": seqs,
            "trade_id": [f"t{s}" for s in seqs],
            "side": ["buy"] * n,
            "is_buyer_maker": [None] * n,
            "price": [price] * n,
            "qty": [5] * n,
        },
        schema=TRADES.to_polars(),
    )


def rejected(seqs: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "exchange": ["binance"] * len(seqs),
            "symbol": ["BTCUSDT"] * len(seqs),
            "ts_event_us": [1_000 + s for s in seqs],
            "file_seq": seqs,
            "price": ["1.2.3"] * len(seqs),
        }
    )


# --------------------------------------------------------------------------- protocols


def test_fakes_implement_the_protocols():
    assert isinstance(InMemoryManifestStore(), ManifestStore)
    assert isinstance(InMemoryEventStore(), EventStore)
    assert isinstance(InMemoryEventStore(), FileReplacingEventStore)
    assert isinstance(InMemoryDimensionStore(), DimensionStore)
    assert isinstance(InMemoryQuarantineStore(), QuarantineStore)
    assert isinstance(InMemoryQuarantineStore(), FileReplacingQuarantineStore)


# --------------------------------------------------------------------------- manifest


def test_manifest_ids_start_at_one_and_are_stable_per_identity():
    store = InMemoryManifestStore(clock=ticking_clock())
    assert store.resolve_file_id(meta()) == 1
    assert store.resolve_file_id(meta(sha="h2")) == 2  # changed file, same path
    assert store.resolve_file_id(meta()) == 1
    assert store.resolve_file_ids([meta("b"), meta(), meta("b"), meta("c")]) == [3, 1, 3, 4]
    frame = store.read()
    assert frame.schema == INGEST_MANIFEST.to_polars()
    assert frame["file_id"].to_list() == [1, 2, 3, 4]
    assert frame.row(0, named=True) == {
        "file_id": 1,
        "vendor": "tardis",
        "data_type": "trades",
        "bronze_path": "tardis/a.csv.gz",
        "file_hash": "h1",
        "status": "pending",
        "rows_total": None,
        "rows_written": None,
        "rows_quarantined": None,
        "trading_date_min": None,
        "trading_date_max": None,
        "created_at_ts_us": 1_000,
        "processed_at_ts_us": None,
        "status_reason": None,
    }
    assert store.lookup(meta("c")) == (4, "pending")
    assert store.lookup(meta("zzz")) is None
    assert store.status_of(2) == "pending"
    assert store.status_of(99) is None


def test_manifest_empty_read_has_exact_schema():
    assert InMemoryManifestStore().read().schema == INGEST_MANIFEST.to_polars()


def test_manifest_latest_attempt_is_recorded_and_created_at_never_changes():
    store = InMemoryManifestStore(clock=ticking_clock())
    file_id = store.resolve_file_id(meta())
    store.update_status(
        file_id,
        "failed",
        meta(),
        IngestionResult(
            status="failed",
            row_count=0,
            rows_written=0,
            rows_quarantined=0,
            failure_reason="unreadable_file",
            error_message="bad gzip",
        ),
    )
    row = store.read().row(0, named=True)
    assert (row["status"], row["status_reason"], row["processed_at_ts_us"]) == (
        "failed",
        "unreadable_file: bad gzip",
        1_001,
    )
    store.update_status(
        file_id,
        "success",
        meta(),
        IngestionResult(
            status="success",
            row_count=10,
            rows_written=8,
            rows_quarantined=2,
            trading_date_min=D1,
            trading_date_max=datetime.date(2024, 5, 2),
        ),
    )
    row = store.read().row(0, named=True)
    assert row == {
        **row,
        "status": "success",
        "rows_total": 10,
        "rows_written": 8,
        "rows_quarantined": 2,
        "trading_date_min": D1,
        "trading_date_max": datetime.date(2024, 5, 2),
        "created_at_ts_us": 1_000,
        "processed_at_ts_us": 1_002,
        "status_reason": None,
    }
    store.update_status(file_id, "failed", meta())  # no result: counts 0, no reason
    row = store.read().row(0, named=True)
    assert (row["rows_total"], row["rows_written"], row["status_reason"]) == (0, 0, None)
    assert row["trading_date_min"] is None


def test_manifest_status_reason_with_only_one_part():
    store = InMemoryManifestStore()
    store.resolve_file_id(meta())
    result = IngestionResult("quarantined", 3, 0, 3, failure_reason="all_rows_quarantined")
    store.update_status(1, "quarantined", meta(), result)
    assert store.read()["status_reason"].to_list() == ["all_rows_quarantined"]


def test_manifest_filter_pending_keeps_order_and_drops_success():
    store = InMemoryManifestStore()
    a, b, c, d = meta("a"), meta("b"), meta("c"), meta("d")
    store.resolve_file_ids([a, b, c])
    store.update_status(1, "success", a)
    store.update_status(2, "failed", b)
    assert store.filter_pending([d, c, a, b]) == [d, c, b]


def test_manifest_status_errors():
    store = InMemoryManifestStore()
    store.resolve_file_id(meta())
    with pytest.raises(ValueError, match=r"unknown manifest status 'done'; allowed: \['pending'"):
        store.update_status(1, "done", meta())
    with pytest.raises(ValueError, match="unknown file_id 9"):
        store.update_status(9, "success", meta())
    with pytest.raises(ManifestConflictError, match="file_id 1 belongs to"):
        store.update_status(1, "success", meta("other"))
    store.update_status(1, "pending", meta())  # pending on pending: nothing changes
    assert store.read()["processed_at_ts_us"].to_list() == [None]
    store.update_status(1, "success", meta())
    with pytest.raises(ManifestConflictError, match="cannot return to 'pending'"):
        store.update_status(1, "pending", meta())
    assert store.status_of(1) == "success"


def test_manifest_update_statuses_is_all_or_nothing():
    store = InMemoryManifestStore()
    store.resolve_file_ids([meta("a"), meta("b")])
    with pytest.raises(ValueError, match="unknown file_id 3"):
        store.update_statuses([(1, "success", meta("a"), None), (3, "success", meta("c"), None)])
    assert store.read()["status"].to_list() == ["pending", "pending"]
    store.update_statuses([(1, "failed", meta("a"), None), (1, "success", meta("a"), None)])
    assert store.status_of(1) == "success"


# --------------------------------------------------------------------------- validate_frame


def test_validate_frame_orders_columns_and_types_null_columns():
    frame = trades(1, [1]).drop("trade_id").with_columns(pl.lit(None).alias("trade_id"))
    out = validate_frame(TRADES, frame.select(reversed(frame.columns)))
    assert out.schema == TRADES.to_polars()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop("price"), r"missing columns \['price'\]"),
        (lambda d: d.with_columns(pl.lit(1).alias("extra")), r"unexpected columns \['extra'\]"),
        (
            lambda d: d.with_columns(pl.col("qty").cast(pl.Int32)),
            r"dtype mismatch: qty expected Int64, got Int32",
        ),
        (
            lambda d: d.with_columns(pl.lit(None, pl.Int64).alias("symbol_id")),
            r"null values in required column\(s\) \['symbol_id'\]",
        ),
    ],
)
def test_event_store_append_checks_the_spec(change, message):
    store = InMemoryEventStore()
    with pytest.raises(SchemaMismatchError, match=f"'trades'.*{message}"):
        store.append("trades", change(trades(1, [1, 2])))
    assert store.table_names() == []


def test_schema_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="missing columns"):
        InMemoryEventStore().append("trades", trades(1, [1]).drop("qty"))


def test_event_store_accepts_event_tables_only():
    store = InMemoryEventStore()
    with pytest.raises(ValueError, match=r"'dim_symbol' is not an event table; event tables: \["):
        store.append("dim_symbol", pl.DataFrame())
    with pytest.raises(ValueError, match="'nope' is not an event table"):
        store.replace_file("nope", 1, [])


# --------------------------------------------------------------------------- event store


def test_event_store_append_dedupes_on_file_id_and_file_seq():
    store = InMemoryEventStore()
    store.append("trades", trades(1, [1, 2]))
    store.append("trades", trades(1, [2, 3, 3], price=999))
    store.append("trades", trades(2, [1]))
    out = store.read("trades")
    assert out.schema == TRADES.to_polars()
    assert out.select("file_id", "file_seq", "price").rows() == [
        (1, 1, 100),
        (1, 2, 100),
        (1, 3, 999),
        (2, 1, 100),
    ]


def test_event_store_empty_append_creates_no_table():
    store = InMemoryEventStore()
    store.append("trades", trades(1, []))
    assert store.table_names() == []
    assert store.read("quotes").schema == get_table_spec("quotes").to_polars()


def test_event_store_replace_file_replaces_only_that_file():
    store = InMemoryEventStore()
    store.append("trades", trades(1, [1, 2, 3]))
    store.append("trades", trades(2, [1]))
    store.replace_file("trades", 1, iter([trades(1, [1], price=5), trades(1, [2], price=6)]))
    assert store.read("trades").select("file_id", "file_seq", "price").rows() == [
        (1, 1, 5),
        (1, 2, 6),
        (2, 1, 100),
    ]
    store.replace_file("trades", 1, trades(1, []))
    assert store.read("trades")["file_id"].to_list() == [2]
    store.replace_file("trades", 2, [])
    assert store.read("trades").height == 0


def test_event_store_replace_file_on_missing_table():
    store = InMemoryEventStore()
    store.replace_file("trades", 3, [])
    assert store.table_names() == []
    store.replace_file("trades", 3, trades(3, [1]))
    assert store.read("trades")["file_seq"].to_list() == [1]


def test_event_store_replace_file_is_atomic():
    store = InMemoryEventStore()
    store.append("trades", trades(1, [1]))
    before = store.read("trades")

    def chunks() -> Iterator[pl.DataFrame]:
        yield trades(1, [1], price=1)
        yield trades(1, [2]).drop("qty")

    with pytest.raises(SchemaMismatchError, match="missing columns"):
        store.replace_file("trades", 1, chunks())
    with pytest.raises(ValueError, match=r"chunk 1 has rows of file_id \[2\]"):
        store.replace_file("trades", 1, [trades(1, [1]), trades(2, [1])])
    with pytest.raises(TypeError, match="chunk 0 is a dict"):
        store.replace_file("trades", 1, [{"a": 1}])

    def broken() -> Iterator[pl.DataFrame]:
        yield trades(1, [5])
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        store.replace_file("trades", 1, broken())
    assert store.read("trades").equals(before)


# --------------------------------------------------------------------------- dimension store


def test_dimension_store_versions_and_compare_and_swap():
    store = InMemoryDimensionStore()
    empty = store.load_dim_symbol()
    assert empty.schema == DIM_SYMBOL.to_polars() and empty.height == 0
    assert store.current_version() is None
    snap = pl.DataFrame(
        {
            "exchange": ["binance"],
            "exchange_symbol": ["BTCUSDT"],
            "canonical_symbol": ["BTC/USDT"],
            "market_type": ["spot"],
            "base_asset": ["BTC"],
            "quote_asset": ["USDT"],
        }
    )
    first = bootstrap(snap, 100)
    assert store.save_dim_symbol(first) == 0
    assert store.load_dim_symbol().equals(first)
    second = upsert(first, snap.with_columns(pl.lit("perpetual").alias("market_type")), 200)
    with pytest.raises(VersionMismatchError, match="version mismatch: expected version 5"):
        store.save_dim_symbol(second, expected_version=5)
    assert store.save_dim_symbol(second, expected_version=0) == 1
    assert store.save_dim_symbol(second.reverse()) == 2
    assert store.current_version() == 2
    assert store.load_dim_symbol().equals(second)
    assert store.load_version(0).equals(first)
    with pytest.raises(ValueError, match=r"dim_symbol has no version 3; versions: 0\.\.2"):
        store.load_version(3)


def test_dimension_store_expected_version_on_empty_store_mismatches():
    store = InMemoryDimensionStore()
    with pytest.raises(
        ValueError, match="version mismatch: expected version 0, current version None"
    ):
        store.save_dim_symbol(pl.DataFrame(schema=DIM_SYMBOL.to_polars()), expected_version=0)


def test_dimension_store_validates_before_saving():
    store = InMemoryDimensionStore()
    dim = bootstrap(
        pl.DataFrame(
            {
                "exchange": ["x"],
                "exchange_symbol": ["A"],
                "canonical_symbol": ["A"],
                "market_type": ["spot"],
                "base_asset": ["A"],
                "quote_asset": ["B"],
            }
        ),
        10,
    ).with_columns(pl.lit(5, pl.Int64).alias("valid_until_ts_us"))
    with pytest.raises(ValueError, match="valid_until_ts_us must be > valid_from_ts_us"):
        store.save_dim_symbol(dim)
    assert store.current_version() is None


# --------------------------------------------------------------------------- quarantine


def test_quarantine_row_mapping():
    store = InMemoryQuarantineStore(clock=ticking_clock(500))
    df = rejected([1, 2]).with_columns(
        pl.Series("_reject_reason", ["invalid_decimal", None]),
        pl.Series("_reject_field", ["price", None]),
        pl.Series("_reject_value", ["1.2.3", None]),
    )
    store.append("trades", df, reason="missing_pit_symbol_coverage", file_id=4)
    log = store.read()
    assert log.schema == VALIDATION_LOG.to_polars()
    assert log.drop("row_json").rows(named=True) == [
        {
            "file_id": 4,
            "rule_name": "invalid_decimal",
            "severity": "error",
            "logged_at_ts_us": 500,
            "file_seq": 1,
            "field_name": "price",
            "field_value": "1.2.3",
            "ts_event_us": 1_001,
            "symbol": "BTCUSDT",
            "symbol_id": None,
            "message": "row for trades rejected: invalid_decimal (field price = 1.2.3)",
            "table_name": "trades",
        },
        {
            "file_id": 4,
            "rule_name": "missing_pit_symbol_coverage",
            "severity": "error",
            "logged_at_ts_us": 500,
            "file_seq": 2,
            "field_name": None,
            "field_value": None,
            "ts_event_us": 1_002,
            "symbol": "BTCUSDT",
            "symbol_id": None,
            "message": "row for trades rejected: missing_pit_symbol_coverage",
            "table_name": "trades",
        },
    ]
    assert [json.loads(j) for j in log["row_json"]] == rejected([1, 2]).rows(named=True)


def test_quarantine_row_json_keeps_every_column_whole():
    df = pl.DataFrame(
        {
            "trading_date": [D1],
            "levels": [[1, 2, 3]],
            "big": [12_345_678_123_456_789],
            "text": ['say "hi"'],
            "none": [None],
        }
    )
    rows = build_validation_log_rows("t", df, reason="r", file_id=1, logged_at_ts_us=0)
    assert json.loads(rows["row_json"][0]) == {
        "trading_date": "2024-05-01",
        "levels": [1, 2, 3],
        "big": 12_345_678_123_456_789,
        "text": 'say "hi"',
        "none": None,
    }
    assert rows["file_seq"].to_list() == [None]


def test_build_validation_log_rows_refuses_empty_reason():
    with pytest.raises(ValueError, match="reason must be a non-empty string"):
        build_validation_log_rows("trades", rejected([1]), reason="", file_id=1, logged_at_ts_us=0)


def test_quarantine_empty_frame_writes_nothing():
    store = InMemoryQuarantineStore()
    store.append("trades", rejected([]), reason="r", file_id=1)
    store.replace_file("trades", rejected([]), reason="r", file_id=1)
    assert not store.table_exists
    assert store.read().schema == VALIDATION_LOG.to_polars()


def test_quarantine_retry_does_not_duplicate():
    store = InMemoryQuarantineStore()
    store.append("trades", rejected([1, 2]), reason="r", file_id=1)
    store.append("trades", rejected([2, 3, 3]), reason="r", file_id=1)
    store.append("trades", rejected([1]), reason="other_rule", file_id=1)
    store.append("quotes", rejected([1]), reason="r", file_id=1)
    no_seq = rejected([1]).drop("file_seq")
    store.append("trades", no_seq, reason="r", file_id=2)
    store.append("trades", no_seq, reason="r", file_id=2)
    assert store.read().select("file_id", "table_name", "file_seq", "rule_name").rows() == [
        (1, "trades", 1, "other_rule"),
        (1, "trades", 1, "r"),
        (1, "quotes", 1, "r"),
        (1, "trades", 2, "r"),
        (1, "trades", 3, "r"),
        (2, "trades", None, "r"),
    ]


def test_quarantine_replace_file_and_read_by_file():
    store = InMemoryQuarantineStore()
    store.append("trades", rejected([1, 2]), reason="r", file_id=1)
    store.append("quotes", rejected([9]), reason="r", file_id=1)
    store.append("trades", rejected([1]), reason="r", file_id=2)
    store.replace_file("trades", rejected([5]), reason="new", file_id=1)
    assert store.read(file_id=1).select("file_seq", "rule_name").rows() == [(5, "new")]
    assert store.read(file_id=2)["file_seq"].to_list() == [1]
    store.replace_file("trades", rejected([]), reason="new", file_id=1)
    assert store.read(file_id=1).height == 0
    assert store.table_exists


# --------------------------------------------------------------------------- failure switches


def test_failure_before_write_changes_nothing_and_fires_once():
    store = InMemoryEventStore()
    store.failures.fail_on_call("replace_file", 2)
    store.replace_file("trades", 1, trades(1, [1]))
    with pytest.raises(StorageError, match=r"injected failure: call 2 of replace_file \(before"):
        store.replace_file("trades", 1, trades(1, [1, 2]))
    assert store.read("trades")["file_seq"].to_list() == [1]
    store.replace_file("trades", 1, trades(1, [1, 2]))
    assert store.read("trades")["file_seq"].to_list() == [1, 2]
    assert store.failures.calls("replace_file") == 3
    assert store.failures.calls("append") == 0
    assert store.failures.armed() == []


def test_failure_after_write_keeps_the_write():
    store = InMemoryEventStore()
    store.failures.fail_on_call("replace_file", 1, after_write=True)
    with pytest.raises(StorageError, match="after its write"):
        store.replace_file("trades", 1, trades(1, [1, 2]))
    assert store.read("trades")["file_seq"].to_list() == [1, 2]


def test_failure_after_write_does_not_fire_when_the_call_itself_fails():
    store = InMemoryEventStore()
    store.failures.fail_on_call("append", 1, after_write=True)
    with pytest.raises(SchemaMismatchError):
        store.append("trades", trades(1, [1]).drop("qty"))
    store.append("trades", trades(1, [1]))  # call 2: the plan for call 1 is gone
    assert store.read("trades").height == 1


class Boom(Exception):
    pass


@pytest.mark.parametrize("exc", [Boom("custom"), Boom])
def test_failure_with_custom_exception(exc):
    store = InMemoryQuarantineStore()
    store.failures.fail_on_call("append", 1, exc=exc)
    with pytest.raises(Boom):
        store.append("trades", rejected([1]), reason="r", file_id=1)
    assert not store.table_exists


def test_failure_switch_argument_errors():
    switch = FailureSwitch(("append",))
    with pytest.raises(
        ValueError, match=r"unknown method 'apend'; methods that can fail: \('append',\)"
    ):
        switch.fail_on_call("apend", 1)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        switch.fail_on_call("append", 0)
    with switch.call("append"):
        pass
    with pytest.raises(ValueError, match=r"call 1 of append already happened \(1 so far\)"):
        switch.fail_on_call("append", 1)
    switch.fail_on_call("append", 3)
    assert switch.armed() == [("append", 3)]
    switch.reset()
    assert switch.armed() == [] and switch.calls("append") == 0


@pytest.mark.parametrize("after_write", [False, True])
def test_manifest_failures(after_write):
    store = InMemoryManifestStore()
    store.failures.fail_on_call("resolve_file_id", 1, after_write=after_write)
    with pytest.raises(StorageError):
        store.resolve_file_id(meta())
    assert store.lookup(meta()) == ((1, "pending") if after_write else None)
    store.resolve_file_id(meta())
    store.failures.fail_on_call("update_status", 1, after_write=after_write)
    with pytest.raises(StorageError):
        store.update_status(1, "success", meta())
    assert store.status_of(1) == ("success" if after_write else "pending")


@pytest.mark.parametrize("after_write", [False, True])
def test_dimension_store_failures(after_write):
    store = InMemoryDimensionStore()
    store.failures.fail_on_call("save_dim_symbol", 1, after_write=after_write)
    with pytest.raises(StorageError):
        store.save_dim_symbol(pl.DataFrame(schema=DIM_SYMBOL.to_polars()))
    assert store.current_version() == (0 if after_write else None)
    store.failures.fail_on_call("load_dim_symbol", 1)
    with pytest.raises(StorageError, match="call 1 of load_dim_symbol"):
        store.load_dim_symbol()


@pytest.mark.parametrize("after_write", [False, True])
def test_quarantine_replace_file_failures(after_write):
    store = InMemoryQuarantineStore()
    store.append("trades", rejected([1]), reason="old", file_id=1)
    store.failures.fail_on_call("replace_file", 1, after_write=after_write)
    with pytest.raises(StorageError):
        store.replace_file("trades", rejected([2]), reason="new", file_id=1)
    assert store.read()["rule_name"].to_list() == (["new"] if after_write else ["old"])
