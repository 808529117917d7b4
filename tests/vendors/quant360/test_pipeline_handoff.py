"""Archives -> Bronze -> ingest_file (in-memory stores): the parser output fits the pipeline."""

from __future__ import annotations

import polars as pl
import pytest

from pointline.v2.ingestion.pipeline import ingest_file
from pointline.v2.testing import (
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)
from pointline.v2.vendors.quant360 import QUANT360, samples
from pointline.v2.vendors.quant360.upstream import import_archives

from .conftest import csv

DIM = pl.DataFrame(
    {
        "exchange": ["szse", "sse"],
        "exchange_symbol": ["000001", "600000"],
        "symbol_id": [1, 2],
        "valid_from_ts_us": [0, 0],
        "valid_until_ts_us": [2**63 - 1, 2**63 - 1],
    }
)
STREAMS = [
    ("order_new", "szse", "000001", "cn_order_events"),
    ("tick_new", "szse", "000001", "cn_tick_events"),
    ("L2_new", "szse", "000001", "cn_l2_snapshots"),
    ("order_new", "sse", "600000", "cn_order_events"),
    ("tick_new", "sse", "600000", "cn_tick_events"),
]


def _ingest(meta, *, chunk_rows: int | None = None):
    stores = InMemoryManifestStore(), InMemoryEventStore(), InMemoryQuarantineStore()
    if chunk_rows is None:
        parser = QUANT360.parser(meta)
    else:
        chunked = QUANT360.chunked_parser(meta)

        def parser(m):
            return chunked(m, chunk_rows)

    result = ingest_file(
        meta,
        parser=parser,
        manifest_repo=stores[0],
        writer=stores[1],
        dim_symbol_df=DIM,
        quarantine_store=stores[2],
    )
    return result, stores[1], stores[2]


@pytest.mark.parametrize("chunk_rows", [None, 16])
@pytest.mark.parametrize(("data_type", "exchange", "symbol", "table"), STREAMS)
def test_imported_files_ingest_cleanly(tmp_path, data_type, exchange, symbol, table, chunk_rows):
    samples.write_archive(
        tmp_path / "source",
        data_type=data_type,
        exchange=exchange,
        symbols=[symbol],
        rows_per_member=40,
    )
    (meta,) = import_archives(tmp_path / "source", tmp_path / "bronze").files
    result, events, quarantine = _ingest(meta, chunk_rows=chunk_rows)
    assert (result.status, result.row_count, result.rows_written) == ("success", 40, 40)
    rows = events.read(table)
    assert rows["symbol_id"].unique().to_list() == [1 if exchange == "szse" else 2]
    assert rows["trading_date"].unique().cast(pl.Utf8).to_list() == ["2024-01-02"]
    assert rows["file_seq"].to_list() == list(range(1, 41))
    assert quarantine.read().height == 0


def test_rejected_rows_are_quarantined_with_the_parser_reason(write_file):
    meta = write_file(
        "order_new",
        "szse",
        "000001",
        csv(
            "ApplSeqNum,Side,OrdType,Price,OrderQty,TransactTime,ChannelNo,"
            "ExpirationDays,ExpirationType,Contactor,ConfirmID",
            "1,1,2,9.990,100,20240102093000000,2011,0,0,,",
            "2,7,2,9.990,100,20240102093000000,2011,0,0,,",
            "3,1,2,9.9901234567,100,20240102093000000,2011,0,0,,",
        ),
    )
    result, events, quarantine = _ingest(meta)
    assert (result.status, result.rows_written, result.rows_quarantined) == ("success", 1, 2)
    logged = quarantine.read().sort("file_seq")
    assert logged.select("file_seq", "rule_name", "field_name", "field_value").rows() == [
        (2, "invalid_code", "side", "7"),
        (3, "unrepresentable_decimal", "price", "9.9901234567"),
    ]
    assert events.read("cn_order_events")["channel_seq"].to_list() == [1]
