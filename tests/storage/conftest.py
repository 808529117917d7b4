"""Builders shared by the Delta adapter tests: Bronze metadata, spec frames, log damage."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import polars as pl
import pytest

from pointline.schemas.registry import get_table_spec
from pointline.v2.ingestion.models import BronzeFileMetadata

DAY = datetime.date(2024, 1, 2)


def make_meta(i: int, *, sha: str | None = None, data_type: str = "trades") -> BronzeFileMetadata:
    """Metadata of a tiny Bronze file number ``i``."""
    return BronzeFileMetadata(
        vendor="tardis",
        data_type=data_type,
        bronze_file_path=f"tardis/exchange=binance/type={data_type}/date=2024-01-02/symbol=S{i}/f.csv.gz",
        file_size_bytes=100 + i,
        last_modified_ts=1_704_153_600_000_000,
        sha256=sha if sha is not None else f"{i:064x}",
        date=DAY,
    )


def trades_frame(
    file_id: int,
    file_seqs: list[int],
    *,
    exchange: str = "binance",
    day: datetime.date = DAY,
    price: int = 42_123_456_789_012,
) -> pl.DataFrame:
    """Rows of the ``trades`` spec, one per file_seq, with exact scaled prices."""
    n = len(file_seqs)
    return pl.DataFrame(
        {
            "exchange": [exchange] * n,
            "trading_date": [day] * n,
            "symbol": ["BTCUSDT"] * n,
            "symbol_id": [-7_123_456_789] * n,
            "ts_event_us": [1_704_153_600_000_000 + s for s in file_seqs],
            "ts_local_us": [None] * n,
            "file_id": [file_id] * n,
            "file_seq": file_seqs,
            "trade_id": [f"t{s}" for s in file_seqs],
            "side": ["buy"] * n,
            "is_buyer_maker": [True] * n,
            "price": [price + s for s in file_seqs],
            "qty": [100_000_000] * n,
        },
        schema=get_table_spec("trades").to_polars(),
    )


def damage_last_commit(table_path: Path) -> None:
    """Overwrite the table's newest ``_delta_log/*.json`` with garbage."""
    commits = sorted((table_path / "_delta_log").glob("*.json"))
    commits[-1].write_text("this is not json{")


def delete_a_data_file(table_path: Path) -> Path:
    """Delete one parquet file the table references; return its path."""
    log = table_path / "_delta_log"
    for commit in sorted(log.glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                victim = table_path / action["add"]["path"]
                victim.unlink()
                return victim
    raise AssertionError(f"no add action in {log}")


@pytest.fixture
def silver(tmp_path: Path) -> Path:
    return tmp_path / "lake" / "silver"
