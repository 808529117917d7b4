"""ingest_file against the in-memory stores: statuses, results, quarantine, dry runs, force."""

from __future__ import annotations

import datetime
import json

import polars as pl
import pytest

from pointline.errors import VendorParseError
from pointline.v2.ingestion import ingest_file
from pointline.v2.testing import (
    InMemoryDimensionStore,
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)

from .conftest import DAY_US, T0, make_dim, make_meta, make_trades


class Stores:
    def __init__(self):
        self.manifest = InMemoryManifestStore()
        self.events = InMemoryEventStore()
        self.quarantine = InMemoryQuarantineStore()

    def ingest(self, meta, frame_or_parser, dim, **kwargs):
        parser = frame_or_parser if callable(frame_or_parser) else (lambda m: frame_or_parser)
        return ingest_file(
            meta,
            parser=parser,
            manifest_repo=self.manifest,
            writer=self.events,
            dim_symbol_df=dim,
            quarantine_store=self.quarantine,
            **kwargs,
        )

    def rows(self, table="trades"):
        return self.events.read(table)


@pytest.fixture
def stores():
    return Stores()


def test_all_valid_rows_succeed(stores, dim):
    result = stores.ingest(make_meta(), make_trades(n=3), dim)
    assert result.status == "success" and not result.skipped
    assert (result.row_count, result.rows_written, result.rows_quarantined) == (3, 3, 0)
    assert result.file_id == 1
    assert result.trading_date_min == result.trading_date_max == datetime.date(2024, 1, 2)
    rows = stores.rows()
    assert rows["file_seq"].to_list() == [1, 2, 3]
    assert rows["file_id"].to_list() == [1, 1, 1]
    assert rows["symbol_id"].to_list() == [11, 11, 11]
    assert rows["price"].to_list() == [42_000_000_000_000, 42_000_000_000_001, 42_000_000_000_002]
    manifest = stores.manifest.read()
    assert manifest.select("file_id", "status", "rows_total", "rows_written").row(0) == (
        1,
        "success",
        3,
        3,
    )
    assert stores.quarantine.read().height == 0


def test_unknown_data_type_raises_before_anything_is_written(stores, dim):
    with pytest.raises(ValueError, match="unsupported data_type 'candles'"):
        stores.ingest(make_meta(data_type="candles"), make_trades(), dim)
    assert stores.manifest.read().height == 0


def test_rerun_of_a_success_is_a_skip(stores, dim):
    first = stores.ingest(make_meta(), make_trades(), dim)
    calls = []
    second = stores.ingest(make_meta(), lambda m: calls.append(m) or make_trades(), dim)
    assert second.skipped and second.status == "success" and second.file_id == first.file_id
    assert calls == []
    assert stores.rows().height == 3


def test_changed_file_is_a_new_identity_that_supersedes_the_old_one(stores, dim):
    stores.ingest(make_meta(), make_trades(), dim)
    result = stores.ingest(make_meta(sha="b" * 64), make_trades(), dim)
    assert result.file_id == 2 and not result.skipped
    assert stores.rows()["file_id"].to_list() == [2, 2, 2]  # the old rows left in the commit
    manifest = stores.manifest.read()
    assert manifest["status_reason"].to_list() == ["superseded", None]


def test_some_rows_quarantined_is_success_with_the_rows_logged_whole(stores, dim):
    rows = make_trades(n=3).to_dicts()
    rows[1]["side"] = "sideways"
    result = stores.ingest(make_meta(), make_trades(rows), dim)
    assert result.status == "success"
    assert (result.rows_written, result.rows_quarantined) == (2, 1)
    assert stores.rows()["file_seq"].to_list() == [1, 3]
    log = stores.quarantine.read()
    assert log.height == 1
    entry = log.row(0, named=True)
    assert entry["rule_name"] == "invalid_trade_values"
    assert entry["file_seq"] == 2 and entry["file_id"] == 1 and entry["table_name"] == "trades"
    row = json.loads(entry["row_json"])
    assert row["side"] == "sideways" and row["price"] == 42_000_000_000_001
    assert row["trade_id"] == "101"
    assert stores.manifest.read()["rows_quarantined"].to_list() == [1]


def test_all_rows_quarantined_combines_reasons(stores):
    rows = make_trades(n=2).to_dicts()
    rows[0]["side"] = "x"
    dim = make_dim((("binance", "ETHUSDT", 5, T0 - DAY_US, 2**63 - 1),))
    result = stores.ingest(make_meta(), make_trades(rows), dim)
    assert result.status == "quarantined"
    assert result.failure_reason == "invalid_trade_values+missing_pit_symbol_coverage"
    assert (result.rows_written, result.rows_quarantined) == (0, 2)
    assert stores.rows().height == 0
    manifest = stores.manifest.read().row(0, named=True)
    assert manifest["status"] == "quarantined"
    assert manifest["status_reason"] == "invalid_trade_values+missing_pit_symbol_coverage"


def test_parser_flags_are_quarantined_with_original_text(stores, dim):
    frame = make_trades(n=2).with_columns(
        price=pl.Series([None, 42_000_000_000_000], dtype=pl.Int64),
        _reject_reason=pl.Series(["unrepresentable_decimal", None]),
        _reject_field=pl.Series(["price", None]),
        _reject_value=pl.Series(["1.0000000001", None]),
    )
    result = stores.ingest(make_meta(), frame, dim)
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 1, 1)
    entry = stores.quarantine.read().row(0, named=True)
    assert entry["rule_name"] == "unrepresentable_decimal"
    assert (entry["field_name"], entry["field_value"]) == ("price", "1.0000000001")


def test_unknown_exchange_is_quarantined(stores, dim):
    frame = make_trades(n=1).with_columns(exchange=pl.lit("nyse"))
    result = stores.ingest(make_meta(), frame, dim)
    assert result.status == "quarantined" and result.failure_reason == "unknown_exchange"


def test_parser_exception_fails_with_message(stores, dim):
    def broken(meta):
        raise RuntimeError("boom at line 7")

    result = stores.ingest(make_meta(), broken, dim)
    assert result.status == "failed" and result.failure_reason == "parse_error"
    assert "boom at line 7" in result.error_message
    assert result.rows_written == 0
    manifest = stores.manifest.read().row(0, named=True)
    assert manifest["status"] == "failed" and "boom at line 7" in manifest["status_message"]


def test_vendor_parse_error_keeps_its_reason(stores, dim):
    def mismatch(meta):
        raise VendorParseError("f.csv.gz: missing columns ['price']", reason="schema_mismatch")

    result = stores.ingest(make_meta(), mismatch, dim)
    assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
    assert "missing columns ['price']" in result.error_message


def test_no_rows_at_all_is_a_success_with_zero_rows_and_a_rerun_skips(stores, dim):
    """A quiet day: a file that parses to no row is ingested (0 rows), not failed."""
    result = stores.ingest(make_meta(), make_trades(rows=[]), dim)
    assert (result.status, result.row_count, result.rows_written) == ("success", 0, 0)
    assert result.failure_reason is None and result.trading_date_min is None
    assert stores.manifest.read()["status"].to_list() == ["success"]
    assert stores.ingest(make_meta(), make_trades(rows=[]), dim).skipped
    chunks = stores.ingest(make_meta(sha="b" * 64), lambda m: iter([make_trades(rows=[])]), dim)
    assert (chunks.status, chunks.row_count) == ("success", 0)


@pytest.mark.parametrize(
    ("column", "values", "dtype"),
    [
        ("price", [12.345, 1.0, 2.0], pl.Float64),
        ("qty", [True, False, True], pl.Boolean),
        ("price", ["1", "2", "3"], pl.Utf8),
        ("qty", [1, 2, 3], pl.UInt64),
    ],
)
def test_a_number_of_the_wrong_dtype_is_refused_never_truncated(stores, dim, column, values, dtype):
    frame = make_trades(n=3).with_columns(pl.Series(column, values, dtype=dtype))
    result = stores.ingest(make_meta(), frame, dim)
    assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
    assert f"column '{column}' of table 'trades' must be Int64 scaled by 1,000,000,000" in (
        result.error_message
    )
    assert f"the parser gave {pl.Series(values, dtype=dtype).dtype}" in result.error_message
    assert stores.rows().height == 0


def test_a_decimal_column_is_refused(stores, dim):
    from decimal import Decimal

    frame = make_trades(n=2).with_columns(
        price=pl.Series([Decimal("12.345"), Decimal("1")], dtype=pl.Decimal(10, 3))
    )
    result = stores.ingest(make_meta(), frame, dim)
    assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
    assert "the parser gave Decimal" in result.error_message


def test_smaller_integers_widen_without_loss(stores, dim):
    frame = make_trades(n=2).with_columns(
        pl.col("qty").cast(pl.Int32), pl.col("ts_local_us").cast(pl.Int64)
    )
    frame = frame.with_columns(qty=pl.Series([7, 8], dtype=pl.UInt32))
    result = stores.ingest(make_meta(), frame, dim)
    assert (result.status, result.rows_written) == ("success", 2)
    assert stores.rows()["qty"].to_list() == [7, 8]


@pytest.mark.parametrize(
    "ts",
    [253_402_300_800_000_000, -62_135_596_800_000_001, 2**63 - 1, -(2**63)],
)
def test_a_timestamp_no_date_can_come_of_is_quarantined_not_raised(stores, dim, ts):
    rows = make_trades(n=3).to_dicts()
    rows[1]["ts_event_us"] = ts
    result = stores.ingest(make_meta(), make_trades(rows), dim)
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 2, 1)
    log = stores.quarantine.read()
    assert log["rule_name"].to_list() == ["invalid_timestamp"]
    assert log["field_name"].to_list() == ["ts_event_us"]
    assert log["field_value"].to_list() == [str(ts)]
    assert result.trading_date_min == result.trading_date_max == datetime.date(2024, 1, 2)


@pytest.mark.parametrize(
    ("ts", "kept"),
    [
        (1_704_153_600, False),  # seconds read as microseconds: 1970
        (1_704_153_600_000, False),  # milliseconds
        (T0 - DAY_US - 1, False),  # more than a day before the file's date
        (T0 - DAY_US, True),  # a day before: kept
        (T0 + 2 * DAY_US - 1, True),  # the day after the file's day: kept
        (T0 + 2 * DAY_US, False),
    ],
)
def test_a_timestamp_far_from_the_file_date_is_implausible(stores, ts, kept):
    dim = make_dim((("binance", "BTCUSDT", 11, 0, 2**63 - 1),))
    rows = make_trades(n=2).to_dicts()
    rows[1]["ts_event_us"] = ts
    meta = make_meta()
    meta.date = datetime.date(2024, 1, 2)
    result = stores.ingest(meta, make_trades(rows), dim)
    assert result.rows_written == (2 if kept else 1)
    if not kept:
        assert stores.quarantine.read()["rule_name"].to_list() == ["implausible_timestamp"]


def test_parser_returning_wrong_columns_is_a_schema_mismatch(stores, dim):
    result = stores.ingest(make_meta(), make_trades().rename({"qty": "amount"}), dim)
    assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
    assert "missing columns ['qty']" in result.error_message


def test_dry_run_writes_nothing(stores, dim):
    rows = make_trades(n=3).to_dicts()
    rows[0]["price"] = -1
    result = stores.ingest(make_meta(), make_trades(rows), dim, dry_run=True)
    assert (result.status, result.row_count, result.rows_written, result.rows_quarantined) == (
        "success",
        3,
        2,
        1,
    )
    assert result.file_id is None
    assert stores.manifest.read().height == 0
    assert stores.rows().height == 0 and stores.quarantine.read().height == 0


def test_without_quarantine_store_rejected_rows_fail_the_file_and_nothing_is_written(dim):
    manifest, events = InMemoryManifestStore(), InMemoryEventStore()
    rows = make_trades(n=2).to_dicts()
    rows[0]["qty"] = 0
    result = ingest_file(
        make_meta(),
        parser=lambda m: make_trades(rows),
        manifest_repo=manifest,
        writer=events,
        dim_symbol_df=dim,
    )
    assert (result.status, result.failure_reason) == ("failed", "quarantine_unavailable")
    assert events.read("trades").height == 0


def test_plain_callable_writer(dim):
    written = []
    result = ingest_file(
        make_meta(),
        parser=lambda m: make_trades(),
        manifest_repo=InMemoryManifestStore(),
        writer=lambda table, df: written.append((table, df)),
        dim_symbol_df=dim,
    )
    assert result.status == "success"
    assert [(t, df.height) for t, df in written] == [("trades", 3)]


def test_dim_symbol_loaded_from_dimension_store(stores):
    from pointline.v2 import dim_symbol

    snapshot = pl.DataFrame(
        {
            "exchange": ["binance"],
            "exchange_symbol": ["BTCUSDT"],
            "canonical_symbol": ["BTC-USDT"],
            "market_type": ["spot"],
            "base_asset": ["BTC"],
            "quote_asset": ["USDT"],
        }
    )
    dims = InMemoryDimensionStore()
    dims.save_dim_symbol(dim_symbol.bootstrap(snapshot, T0 - DAY_US))
    result = ingest_file(
        make_meta(),
        parser=lambda m: make_trades(),
        manifest_repo=stores.manifest,
        writer=stores.events,
        dimension_store=dims,
        quarantine_store=stores.quarantine,
    )
    assert result.status == "success"
    expected = dim_symbol.symbol_id_of("binance", "BTCUSDT", T0 - DAY_US)
    assert stores.rows()["symbol_id"].unique().to_list() == [expected]


def test_force_replaces_rows_with_the_new_outcome(stores, dim):
    stores.ingest(make_meta(), make_trades(n=3), dim)
    # dim_symbol changed: the symbol is no longer covered; the force run quarantines every row
    uncovered = make_dim((("binance", "ETHUSDT", 5, T0 - DAY_US, 2**63 - 1),))
    result = stores.ingest(make_meta(), make_trades(n=3), uncovered, force=True)
    assert result.status == "quarantined" and result.file_id == 1
    assert stores.rows().height == 0
    assert stores.quarantine.read().height == 3
    # and back: force again with coverage restores rows and clears the log
    again = stores.ingest(make_meta(), make_trades(n=3), dim, force=True)
    assert again.status == "success"
    assert stores.rows()["file_seq"].to_list() == [1, 2, 3]
    assert stores.quarantine.read().height == 0
    assert stores.manifest.read().height == 1


def test_failed_force_run_leaves_previous_rows(stores, dim):
    stores.ingest(make_meta(), make_trades(n=3), dim)

    def broken(meta):
        raise RuntimeError("vendor changed format")

    result = stores.ingest(make_meta(), broken, dim, force=True)
    assert result.status == "failed"
    assert stores.rows().height == 3


def test_chunked_parser_equals_whole_file(stores, dim):
    whole = make_trades(n=7)
    chunks = [whole.slice(0, 3), whole.slice(3, 0), whole.slice(3, 4)]
    result = stores.ingest(make_meta(), lambda m: iter(chunks), dim)
    assert (result.status, result.row_count, result.rows_written) == ("success", 7, 7)
    assert stores.rows()["file_seq"].to_list() == list(range(1, 8))


def test_chunk_failure_midway_writes_nothing_and_keeps_previous_rows(stores, dim):
    stores.ingest(make_meta(), make_trades(n=3), dim)

    def chunks(meta):
        yield make_trades(n=2)
        raise VendorParseError("truncated gzip at byte 99", reason="unreadable_file")

    result = stores.ingest(make_meta(), chunks, dim, force=True)
    assert (result.status, result.failure_reason) == ("failed", "unreadable_file")
    assert stores.rows()["file_seq"].to_list() == [1, 2, 3]


def test_file_seq_counts_rows_across_chunks_before_filtering(stores, dim):
    rows = make_trades(n=4).to_dicts()
    rows[2]["side"] = "?"
    frame = make_trades(rows)
    result = stores.ingest(make_meta(), lambda m: iter([frame.slice(0, 2), frame.slice(2, 2)]), dim)
    assert result.rows_quarantined == 1
    assert stores.rows()["file_seq"].to_list() == [1, 2, 4]
    assert stores.quarantine.read()["file_seq"].to_list() == [3]


def _parse_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name.startswith("pointline-parse")]


def test_parser_runs_beside_the_manifest_and_its_rows_are_the_same(stores, dim):
    """The parser runs in a thread of its own while the pending row is committed; the rows
    and the manifest are what a plain call gives, and no parse thread outlives the call."""
    import threading

    seen = []

    def parser(meta):
        seen.append(threading.current_thread().name)
        return make_trades(n=3)

    result = stores.ingest(make_meta(), parser, dim)
    assert result.status == "success" and result.rows_written == 3
    assert len(seen) == 1 and seen[0].startswith("pointline-parse")
    assert stores.rows()["file_seq"].to_list() == [1, 2, 3]
    assert _parse_threads() == []


def test_parser_returning_none_fails_with_a_clear_message(stores, dim):
    result = stores.ingest(make_meta(), lambda meta: None, dim)
    assert (result.status, result.failure_reason) == ("failed", "parse_error")
    assert "parser returned None" in result.error_message


def test_manifest_failure_waits_for_the_parser_and_writes_nothing(dim):
    """The manifest cannot record the pending row: the call fails with manifest_error after
    the parser (already started) has finished; no rows are written."""
    import threading
    import time

    stores = Stores()
    finished = threading.Event()

    def slow_parser(meta):
        time.sleep(0.2)
        finished.set()
        return make_trades(n=2)

    def broken(metas):
        raise OSError("manifest disk gone")

    stores.manifest.resolve_file_ids = broken
    result = stores.ingest(make_meta(), slow_parser, dim)
    assert (result.status, result.failure_reason) == ("failed", "manifest_error")
    assert "manifest disk gone" in result.error_message
    assert finished.is_set() and _parse_threads() == []
    assert stores.events.read("trades").height == 0


def test_dim_symbol_failure_waits_for_the_parser(stores):
    import threading
    import time

    finished = threading.Event()

    def slow_parser(meta):
        time.sleep(0.2)
        finished.set()
        return make_trades(n=2)

    class BrokenDimension:
        def load_dim_symbol(self):
            raise OSError("dim_symbol unreadable")

    result = stores.ingest(make_meta(), slow_parser, None, dimension_store=BrokenDimension())
    assert (result.status, result.failure_reason) == ("failed", "dim_symbol_error")
    assert finished.is_set() and _parse_threads() == []
