"""Exactly once: a failure at any adapter call, then a plain rerun, leaves one copy of all."""

from __future__ import annotations

import itertools

import pytest

from pointline.v2.ingestion import ingest_file
from pointline.v2.testing import (
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)

from .conftest import make_meta, make_trades

# the store methods a single file's ingestion calls (a batch of one: the batch verbs)
CALLS = [
    ("manifest", "filter_pending"),
    ("manifest", "resolve_file_ids"),
    ("manifest", "update_statuses"),
    ("events", "replace_files"),
    ("quarantine", "replace_files"),
]


def mixed_trades():
    rows = make_trades(n=4).to_dicts()
    rows[1]["side"] = "nope"
    return make_trades(rows)


def run(stores, dim, **kwargs):
    return ingest_file(
        make_meta(),
        parser=lambda m: mixed_trades(),
        manifest_repo=stores["manifest"],
        writer=stores["events"],
        dim_symbol_df=dim,
        quarantine_store=stores["quarantine"],
        **kwargs,
    )


def new_stores():
    return {
        "manifest": InMemoryManifestStore(),
        "events": InMemoryEventStore(),
        "quarantine": InMemoryQuarantineStore(),
    }


def assert_one_copy(stores):
    manifest = stores["manifest"].read()
    assert manifest.height == 1
    assert manifest["status"].to_list() == ["success"]
    assert stores["events"].read("trades")["file_seq"].to_list() == [1, 3, 4]
    log = stores["quarantine"].read()
    assert log["file_seq"].to_list() == [2]
    assert log["rule_name"].to_list() == ["invalid_trade_values"]


@pytest.mark.parametrize(
    ("store", "method", "after_write"),
    [(s, m, a) for (s, m), a in itertools.product(CALLS, [False, True])],
)
def test_failure_at_any_call_then_plain_rerun(dim, store, method, after_write):
    stores = new_stores()
    stores[store].failures.fail_on_call(method, 1, after_write=after_write)
    first = run(stores, dim)
    assert stores[store].failures.calls(method) >= 1  # the failure point was reached
    if first.status == "failed":
        assert first.failure_reason in {"manifest_error", "write_error", "quarantine_error"}
        assert first.error_message
    second = run(stores, dim)
    assert second.status == "success"
    assert_one_copy(stores)


@pytest.mark.parametrize(
    ("store", "method", "after_write"),
    [(s, m, a) for (s, m), a in itertools.product(CALLS, [False, True])],
)
def test_failure_during_force_run_keeps_one_copy(dim, store, method, after_write):
    stores = new_stores()
    assert run(stores, dim).status == "success"
    switch = stores[store].failures
    switch.fail_on_call(method, switch.calls(method) + 1, after_write=after_write)
    run(stores, dim, force=True)
    run(stores, dim)  # a plain rerun: completes the file if the force run left it unfinished
    assert_one_copy(stores)


def test_every_later_call_failing_still_never_raises(dim):
    stores = new_stores()
    for store, method in CALLS:
        for n in range(1, 4):  # the first three calls of every adapter method fail
            stores[store].failures.fail_on_call(method, n)
    outcomes = []
    for _ in range(20):
        result = run(stores, dim)  # never raises, whatever fails
        outcomes.append(result.status)
        if result.status == "success":
            break
    assert outcomes[-1] == "success" and "failed" in outcomes
    assert_one_copy(stores)
