"""Tables of another schema are refused, and a nullable column the spec gained later is added:
issue 14 item 6 (a table made by plain ``write_deltalake``) and item 14 (``status_message``)."""

from __future__ import annotations

import datetime
import gzip
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline.errors import TableCorruptError, TableSchemaMismatchError
from pointline.schemas.control import INGEST_MANIFEST
from pointline.v2 import Lake
from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS
from pointline.v2.vendors.tardis import vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_START_US, sample_frame, write_csv

DAY = datetime.date(2024, 1, 1)
SNAPSHOT = pl.DataFrame(
    [("binance-futures", "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT")],
    schema=list(SNAPSHOT_REQUIRED_COLUMNS),
    orient="row",
)


def _lake(tmp_path: Path) -> tuple[Lake, Path]:
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(SNAPSHOT, DEFAULT_START_US - 86_400_000_000)
    frame = sample_frame("trades", 5, exchange="binance-futures", symbols=["BTCUSDT"])
    path = write_csv(
        tmp_path / vendor_file_name("binance-futures", "trades", DAY, "BTCUSDT"), frame
    )
    return lake, path


@pytest.mark.parametrize(("dtype", "value"), [(pl.Float64, 1.5), (pl.Utf8, "1.5"), (pl.Int32, 15)])
def test_an_event_table_of_another_schema_is_refused_and_nothing_committed(
    tmp_path: Path, dtype, value
):
    lake, path = _lake(tmp_path)
    table = lake.silver_root / "trades"
    foreign = pl.DataFrame({"exchange": ["x"], "price": pl.Series([value], dtype=dtype)})
    write_deltalake(str(table), foreign.to_arrow())
    result = lake.ingest_file(path)
    assert (result.status, result.failure_reason) == ("failed", "table_schema_mismatch")
    assert "table trades at" in result.error_message
    assert f"column 'price' is {dtype}" in result.error_message or (
        "column 'price'" in result.error_message
    )
    assert DeltaTable(str(table)).version() == 0  # nothing committed into it
    with pytest.raises(TableSchemaMismatchError, match=r"table trades at .* column 'price'"):
        lake.scan("trades").collect()
    with pytest.raises(TableCorruptError):  # the family readers already catch
        lake.scan("trades")
    assert lake.manifest()["status_reason"].to_list() == ["table_schema_mismatch"]


def test_a_manifest_without_status_message_gains_the_column(tmp_path: Path):
    lake, path = _lake(tmp_path)
    values = {
        "file_id": 1,
        "vendor": "tardis",
        "data_type": "trades",
        "bronze_path": "tardis/old.csv.gz",
        "file_hash": "0" * 64,
        "status": "failed",
        "rows_total": 0,
        "rows_written": 0,
        "rows_quarantined": 0,
        "trading_date_min": None,
        "trading_date_max": None,
        "created_at_ts_us": 1,
        "processed_at_ts_us": 2,
        "status_reason": "parse_error: boom",
    }
    schema = INGEST_MANIFEST.to_polars()
    old = pl.DataFrame({k: pl.Series(k, [v], dtype=schema[k]) for k, v in values.items()})
    write_deltalake(str(lake.silver_root / "ingest_manifest"), old.to_arrow())
    assert lake.manifest()["status_message"].to_list() == [None]  # read as null
    result = lake.ingest_file(path)
    assert (result.status, result.file_id) == ("success", 2)
    manifest = lake.manifest()
    assert manifest["file_id"].to_list() == [1, 2]
    assert manifest["status_message"].to_list() == [None, None]
    fields = [f.name for f in DeltaTable(str(lake.silver_root / "ingest_manifest")).schema().fields]
    assert "status_message" in fields


def test_a_failure_reason_is_a_code_and_its_text_a_message(tmp_path: Path):
    lake, _ = _lake(tmp_path)
    bad = tmp_path / vendor_file_name("binance-futures", "trades", DAY, "ETHUSDT")
    bad.write_bytes(gzip.compress(b"not,the,header\n1,2,3\n", mtime=0))
    result = lake.ingest_file(bad)
    row = lake.manifest().row(0, named=True)
    assert row["status_reason"] == result.failure_reason == "schema_mismatch"
    assert row["status_message"] == result.error_message
    assert ":" not in row["status_reason"]
