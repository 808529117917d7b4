"""Hostile values, generated (issue 14): timestamps of every magnitude, decimal text of every
shape and columns of every dtype. Whatever they are: no exception escapes ``Lake`` or the
pipeline, every parsed row is written or quarantined (with its original text), and every
(file_id, file_seq) exists exactly once."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointline.v2.ingestion import ingest_file
from pointline.v2.testing import InMemoryEventStore, InMemoryManifestStore, InMemoryQuarantineStore

from ..ingestion.conftest import make_meta
from .lakes import TARDIS_EXCHANGE, check_invariants, new_lake, tardis_name, write_bronze

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
START = 1_704_067_200_000_000  # 2024-01-01, the date in the file name

TIMESTAMPS = st.one_of(
    st.integers(START, START + 86_400_000_000 - 1).map(str),  # the file's day
    st.sampled_from(
        [
            "253402300800000000",  # year 10000
            "-62135596800000001",  # year 0
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",  # past Int64
            "1704067200",  # seconds
            "1704067200000",  # milliseconds
            "0",
            "",
            "1.5e15",
            "１７０４０６７２００００００００",  # full-width digits
        ]
    ),
    st.integers(-(2**63), 2**63 - 1).map(str),
)
DECIMALS = st.one_of(
    st.decimals(min_value=-(10**8), max_value=10**8, allow_nan=False, places=6).map(str),
    st.sampled_from(
        ["0.1", "1e3", "-0", ".5", "5.", "1_000", "١٢٣", "٣.١٤", "NaN", "inf", "", "9" * 30]
    ),
)


@st.composite
def trade_rows(draw: st.DrawFn) -> list[str]:
    rows = []
    for i in range(draw(st.integers(1, 6))):
        ts = draw(TIMESTAMPS)
        price, amount = draw(DECIMALS), draw(DECIMALS)
        side = draw(st.sampled_from(["buy", "sell", "?"]))
        rows.append(f"{TARDIS_EXCHANGE},BTCUSDT,{ts},{ts},{i},{side},{price},{amount}")
    return rows


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=trade_rows())
def test_generated_values_never_raise_and_every_row_is_accounted_for(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("values")
    lake = new_lake(root / "lake")
    text = "".join(f"{line}\n" for line in [HEADER, *rows]).encode()
    path = write_bronze(lake.bronze_root / "tardis" / tardis_name("trades"), text)
    result = lake.ingest_file(path)  # never raises
    assert result.status in {"success", "quarantined", "failed"}
    if result.status == "failed":
        assert result.failure_reason and result.error_message
    else:
        assert result.row_count == len(rows)
        assert result.rows_written + result.rows_quarantined == len(rows)
        logged = lake.quarantine(file_id=result.file_id)
        for entry in logged.iter_rows(named=True):
            original = rows[entry["file_seq"] - 1].split(",")
            kept = json.loads(entry["row_json"])
            text_values = {str(v) for v in kept.values() if v is not None}
            # the row's original text is recoverable: the field at fault, at least
            if entry["field_value"] is not None:
                assert entry["field_value"] in original, entry
            assert text_values, entry
    check_invariants(lake)  # one row per (file_id, file_seq), counts as the manifest says
    (again,) = lake.ingest([path])
    assert again.skipped == (result.status == "success")


DTYPES = st.sampled_from(
    [
        pl.Int8,
        pl.Int16,
        pl.Int32,
        pl.Int64,
        pl.UInt8,
        pl.UInt32,
        pl.UInt64,
        pl.Float32,
        pl.Float64,
        pl.Boolean,
        pl.Utf8,
        pl.Decimal(20, 3),
    ]
)


@settings(max_examples=40, deadline=None)
@given(price=DTYPES, qty=DTYPES, ts=DTYPES)
def test_generated_dtypes_are_written_exactly_or_refused(price, qty, ts):
    base = pl.DataFrame(
        {
            "exchange": ["binance"] * 2,
            "symbol": ["BTCUSDT"] * 2,
            "ts_event_us": [1, 2],
            "ts_local_us": [1, 2],
            "trade_id": ["1", "2"],
            "side": ["buy", "sell"],
            "price": [3, 4],
            "qty": [5, 6],
        }
    )
    frame = base.with_columns(
        pl.col("price").cast(price), pl.col("qty").cast(qty), pl.col("ts_event_us").cast(ts)
    )
    dim = pl.DataFrame(
        [("binance", "BTCUSDT", 1, 0, 2**63 - 1)],
        schema=[
            "exchange",
            "exchange_symbol",
            "symbol_id",
            "valid_from_ts_us",
            "valid_until_ts_us",
        ],
        orient="row",
    )
    events = InMemoryEventStore()
    result = ingest_file(
        make_meta(),
        parser=lambda m: frame,
        manifest_repo=InMemoryManifestStore(),
        writer=events,
        dim_symbol_df=dim,
        quarantine_store=InMemoryQuarantineStore(),
    )
    lossless = {pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt32}
    if {price, qty, ts} <= lossless:
        assert result.status == "success", result
        stored = events.read("trades")
        assert stored["price"].to_list() == [3, 4] and stored["qty"].to_list() == [5, 6]
    else:
        assert (result.status, result.failure_reason) == ("failed", "schema_mismatch")
        assert events.read("trades").height == 0
