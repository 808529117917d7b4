"""The in-memory store fakes: injected clocks and failure switches (their contract semantics
are tested with the Delta stores in ``tests/contracts``)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable

import polars as pl
import pytest

from pointline.errors import (
    SchemaMismatchError,
    StorageError,
)
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.schemas.registry import get_table_spec
from pointline.v2.ingestion.models import BronzeFileMetadata
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


# --------------------------------------------------------------------------- injected clocks


def test_the_manifest_takes_its_times_from_the_clock():
    store = InMemoryManifestStore(clock=ticking_clock())
    assert store.resolve_file_ids([meta("a"), meta("b")]) == [1, 2]
    store.update_status(1, "failed", meta("a"))
    store.update_statuses([(1, "success", meta("a"), None), (2, "failed", meta("b"), None)])
    rows = store.read().select("created_at_ts_us", "processed_at_ts_us").rows()
    assert rows == [(1_000, 1_002), (1_000, 1_002)]


def test_the_quarantine_takes_logged_at_from_the_clock():
    store = InMemoryQuarantineStore(clock=ticking_clock(500))
    store.append("trades", rejected([1, 2]), reason="r", file_id=4)
    store.replace_file("trades", rejected([3]), reason="r", file_id=5)
    assert store.read()["logged_at_ts_us"].to_list() == [500, 500, 501]


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
