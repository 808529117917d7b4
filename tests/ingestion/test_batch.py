"""ingest_files: the same per-file results as ingest_file, with a handful of commits."""

from __future__ import annotations

import dataclasses
import itertools

import polars as pl
import pytest

from pointline.errors import VendorParseError
from pointline.v2.ingestion import ingest_file, ingest_files
from pointline.v2.testing import (
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)

from .conftest import make_meta, make_trades


def bad_side(n=3, at=1):
    rows = make_trades(n=n).to_dicts()
    rows[at]["side"] = "?"
    return make_trades(rows)


def uncovered(n=2):
    return make_trades(n=n).with_columns(symbol=pl.lit("DOGEUSDT"))


def broken(meta):
    raise VendorParseError("bad header", reason="schema_mismatch")


FILES = {
    "good.csv": lambda m: make_trades(n=3),
    "partial.csv": lambda m: bad_side(),
    "all_bad.csv": lambda m: uncovered(),
    "broken.csv": broken,
    "empty.csv": lambda m: make_trades(rows=[]),
    "chunks.csv": lambda m: iter([make_trades(n=2), make_trades(n=2)]),
}


def metas():
    return [make_meta(name, sha=f"{i:064d}") for i, name in enumerate(FILES)]


def parser_for(meta):
    return FILES[meta.bronze_file_path.rsplit("/", 1)[-1]]


def stores():
    return InMemoryManifestStore(), InMemoryEventStore(), InMemoryQuarantineStore()


def run_batch(manifest, events, quarantine, dim, files=None, **kwargs):
    return ingest_files(
        files or metas(),
        parser_for=parser_for,
        manifest_repo=manifest,
        writer=events,
        dim_symbol_df=dim,
        quarantine_store=quarantine,
        **kwargs,
    )


def comparable(result):
    return dataclasses.asdict(result)  # every field: status, counts, reason, message, dates


def test_batch_results_equal_one_by_one(dim):
    one = stores()
    singles = [
        ingest_file(
            meta,
            parser=parser_for(meta),
            manifest_repo=one[0],
            writer=one[1],
            dim_symbol_df=dim,
            quarantine_store=one[2],
        )
        for meta in metas()
    ]
    many = stores()
    batch = run_batch(*many, dim)
    assert [comparable(r) for r in batch] == [comparable(r) for r in singles]
    assert [r.status for r in batch] == [
        "success",
        "success",
        "quarantined",
        "failed",
        "success",
        "success",
    ]
    assert one[1].read("trades").equals(many[1].read("trades"))
    columns = ["file_id", "file_seq", "rule_name", "row_json"]
    assert one[2].read().select(columns).equals(many[2].read().select(columns))
    assert (
        one[0]
        .read()
        .drop(pl.selectors.ends_with("_ts_us"))
        .equals(many[0].read().drop(pl.selectors.ends_with("_ts_us")))
    )


def test_one_commit_per_store(dim):
    manifest, events, quarantine = stores()
    run_batch(manifest, events, quarantine, dim)
    assert events.failures.calls("replace_files") == 1
    assert events.failures.calls("replace_file") == 0
    assert quarantine.failures.calls("replace_files") == 1
    assert manifest.failures.calls("resolve_file_ids") == 1
    assert manifest.failures.calls("update_statuses") == 1
    assert manifest.failures.calls("update_status") == 0


def test_rerun_skips_successes_and_retries_the_rest(dim):
    manifest, events, quarantine = stores()
    run_batch(manifest, events, quarantine, dim)
    again = run_batch(manifest, events, quarantine, dim)
    assert [r.skipped for r in again] == [True, True, False, False, True, True]
    assert events.read("trades").height == 3 + 2 + 4
    assert quarantine.read().height == 1 + 2


def test_same_identity_twice_is_ingested_once(dim):
    manifest, events, quarantine = stores()
    meta = metas()[0]
    results = run_batch(manifest, events, quarantine, dim, files=[meta, meta])
    assert results[0] == results[1]
    assert events.read("trades").height == 3


def test_force_replaces(dim):
    manifest, events, quarantine = stores()
    run_batch(manifest, events, quarantine, dim)
    forced = run_batch(manifest, events, quarantine, dim, force=True)
    assert not any(r.skipped for r in forced)
    assert events.read("trades").height == 3 + 2 + 4
    assert manifest.read().height == 6


def test_falls_back_to_one_by_one_for_plain_writers(dim):
    written = []
    results = ingest_files(
        metas()[:1],
        parser_for=parser_for,
        manifest_repo=InMemoryManifestStore(),
        writer=lambda table, df: written.append(df.height),
        dim_symbol_df=dim,
    )
    assert results[0].status == "success" and written == [3]


def test_a_file_whose_rows_cannot_be_prepared_fails_alone(dim, monkeypatch):
    """Stacked with good files of its table, a file whose rows break a row step fails on its
    own, named, with the result it gets alone; the good files are written."""
    from pointline.v2.ingestion import steps

    real = steps.resolve_symbols

    def fragile(df, view):
        if (df.get_column("symbol") == "BOOM").any():
            raise RuntimeError("cannot resolve BOOM")
        return real(df, view)

    monkeypatch.setattr(steps, "resolve_symbols", fragile)
    files = {
        "a.csv": lambda m: make_trades(n=2),
        "boom.csv": lambda m: make_trades(n=2).with_columns(symbol=pl.lit("BOOM")),
        "b.csv": lambda m: make_trades(n=3),
    }
    batch = [make_meta(name, sha=f"{i:064d}") for i, name in enumerate(files)]
    alone = stores()
    singles = [
        ingest_file(
            m,
            parser=files[m.bronze_file_path.rsplit("/", 1)[-1]],
            manifest_repo=alone[0],
            writer=alone[1],
            dim_symbol_df=dim,
            quarantine_store=alone[2],
        )
        for m in batch
    ]
    manifest, events, quarantine = stores()
    results = ingest_files(
        batch,
        parser_for=lambda m: files[m.bronze_file_path.rsplit("/", 1)[-1]],
        manifest_repo=manifest,
        writer=events,
        dim_symbol_df=dim,
        quarantine_store=quarantine,
    )
    assert [(r.status, r.failure_reason) for r in results] == [
        ("success", None),
        ("failed", "parse_error"),
        ("success", None),
    ]
    assert results[1].error_message.endswith("boom.csv: RuntimeError: cannot resolve BOOM")
    assert [comparable(r) for r in results] == [comparable(r) for r in singles]
    assert events.read("trades")["file_id"].to_list() == [1, 1, 3, 3, 3]


def test_unknown_data_type_raises_before_writing(dim):
    manifest, events, quarantine = stores()
    bad = [metas()[0], make_meta("x.csv", data_type="ohlcv")]
    with pytest.raises(ValueError, match="unsupported data_type 'ohlcv'"):
        run_batch(manifest, events, quarantine, dim, files=bad)
    assert manifest.read().height == 0


BATCH_CALLS = [
    ("manifest", "filter_pending"),
    ("manifest", "resolve_file_ids"),
    ("manifest", "update_statuses"),
    ("events", "replace_files"),
    ("quarantine", "replace_files"),
]


@pytest.mark.parametrize(
    ("store", "method", "after_write"),
    [(s, m, a) for (s, m), a in itertools.product(BATCH_CALLS, [False, True])],
)
def test_failure_at_any_batch_call_then_rerun_leaves_one_copy(dim, store, method, after_write):
    manifest, events, quarantine = stores()
    by_name = {"manifest": manifest, "events": events, "quarantine": quarantine}
    by_name[store].failures.fail_on_call(method, 1, after_write=after_write)
    first = run_batch(manifest, events, quarantine, dim)
    assert all(r.status in {"success", "failed", "quarantined"} for r in first)
    run_batch(manifest, events, quarantine, dim)
    statuses = manifest.read().sort("file_id")["status"].to_list()
    assert statuses == ["success", "success", "quarantined", "failed", "success", "success"]
    rows = events.read("trades")
    assert rows.height == 3 + 2 + 4
    assert rows.select("file_id", "file_seq").is_unique().all()
    log = quarantine.read()
    assert log.height == 3
    assert log.select("file_id", "file_seq", "rule_name").is_unique().all()
