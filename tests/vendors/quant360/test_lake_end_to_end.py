"""Quant360 archives of every stream, SSE and SZSE, through Lake into Silver, then a rerun."""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl

from pointline.v2 import Lake
from pointline.v2.vendors.quant360 import samples

STREAMS = [
    ("order_new", "sse", "cn_order_events"),
    ("tick_new", "sse", "cn_tick_events"),
    ("order_new", "szse", "cn_order_events"),
    ("tick_new", "szse", "cn_tick_events"),
    ("L2_new", "szse", "cn_l2_snapshots"),
]
ROWS = 20
DAY = datetime.date(2024, 1, 2)


def snapshot(symbols: dict[str, list[str]]) -> pl.DataFrame:
    rows = [
        {
            "exchange": exchange,
            "exchange_symbol": symbol,
            "canonical_symbol": f"{symbol}.{exchange.upper()}",
            "market_type": "stock",
            "base_asset": symbol,
            "quote_asset": "CNY",
        }
        for exchange, codes in symbols.items()
        for symbol in codes
    ]
    return pl.DataFrame(rows)


def test_archives_of_every_stream_to_silver_and_rerun_does_nothing_new(tmp_path):
    source = tmp_path / "incoming"
    symbols = {"sse": samples.sample_symbols("sse", 2), "szse": samples.sample_symbols("szse", 2)}
    for data_type, exchange, _ in STREAMS:
        samples.write_archive(
            source,
            data_type=data_type,
            exchange=exchange,
            symbols=symbols[exchange],
            rows_per_member=ROWS,
            date=DAY,
        )
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(snapshot(symbols), 1_704_000_000_000_000)  # 2023-12-31 05:20 UTC

    published = lake.import_quant360_archives(source)
    assert len(published) == len(STREAMS) * 2
    results = lake.ingest(lake.bronze_root)
    assert [r.status for r in results] == ["success"] * len(published)
    assert sum(r.rows_written for r in results) == len(published) * ROWS

    manifest = lake.manifest()
    assert manifest.height == len(published)
    assert set(manifest["status"]) == {"success"}
    assert set(manifest["vendor"]) == {"quant360"}
    counts = {table: lake.scan(table).collect().height for table in {t for *_, t in STREAMS}}
    assert counts == {
        "cn_order_events": 2 * 2 * ROWS,
        "cn_tick_events": 2 * 2 * ROWS,
        "cn_l2_snapshots": 2 * ROWS,
    }

    # exact values: the first SZSE order row of 000001, checked against the generated text
    text = samples.member_csv("order_new", "szse", "000001", ROWS, date=DAY).decode()
    header, first = text.splitlines()[:2]
    row = dict(zip(header.split(","), first.split(","), strict=True))
    orders = lake.scan("cn_order_events", exchange="szse", symbols=["000001"]).collect()
    stored = orders.filter(pl.col("file_seq") == 1).row(0, named=True)
    assert stored["price"] == int(Decimal(row["Price"]) * 10**9)
    assert stored["order_ref"] == int(row["ApplSeqNum"])
    assert stored["trading_date"] == DAY
    stamp = datetime.datetime.strptime(row["TransactTime"], "%Y%m%d%H%M%S%f")
    utc = stamp.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert stored["ts_event_us"] == int(utc.timestamp() * 1_000_000)

    # a second run does nothing new
    assert lake.import_quant360_archives(source) == published
    again = lake.ingest(lake.bronze_root)
    assert all(r.skipped for r in again)
    assert lake.manifest().height == len(published)
    assert lake.scan("cn_tick_events").collect().height == counts["cn_tick_events"]
