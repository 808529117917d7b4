"""One ingestion core: a directory ingested one file at a time with ``Lake.ingest_file`` and in
one ``Lake.ingest`` call gives, file by file, equal results on every field and equal Silver rows.

The set mixes tables (trades, quotes, orderbook updates of the Tardis vendor, trades of the test
vendor), good files, files with some and with all rows quarantined, files that cannot be read,
prepared or found, an empty file, and a big file that is streamed in chunks.
"""

from __future__ import annotations

import dataclasses
import datetime
import gzip
from pathlib import Path

import polars as pl
import pytest

from pointline.errors import LayoutError
from pointline.v2 import Lake
from pointline.v2.dim_symbol import SNAPSHOT_REQUIRED_COLUMNS
from pointline.v2.vendors.registry import get_vendor, register_vendor
from pointline.v2.vendors.tardis import FORMATS, vendor_file_name
from pointline.v2.vendors.tardis.samples import DEFAULT_START_US, sample_frame, write_csv

from .lake_vendor import MiniVendor, write_mini_trades

DAY_US = 86_400_000_000
DAY = datetime.date(2024, 1, 1)
EXCHANGE = "binance-futures"
T0 = 1_704_153_600_000_000  # 2024-01-02 UTC, the mini vendor's day


def _snapshot() -> pl.DataFrame:
    rows = [
        (EXCHANGE, "BTCUSDT", "BTC-USDT-PERP", "perpetual", "BTC", "USDT"),
        (EXCHANGE, "ETHUSDT", "ETH-USDT-PERP", "perpetual", "ETH", "USDT"),
        ("binance", "BTCUSDT", "BTC-USDT", "spot", "BTC", "USDT"),
    ]
    columns = list(SNAPSHOT_REQUIRED_COLUMNS)
    return pl.DataFrame(rows, schema=columns, orient="row")


def _new_lake(root: Path) -> Lake:
    # a low stream threshold makes the big file below stream in chunks of 7 rows
    lake = Lake(root, stream_threshold_bytes=1_500, chunk_rows=7)
    lake.upsert_symbols(_snapshot(), min(DEFAULT_START_US, T0) - DAY_US)
    return lake


def _tardis(folder: Path, data_type: str, symbol: str, n_rows: int, **options) -> Path:
    frame = sample_frame(data_type, n_rows, seed=n_rows, exchange=EXCHANGE, symbols=[symbol])
    frame = options.get("edit", lambda f: f)(frame)
    return write_csv(folder / vendor_file_name(EXCHANGE, data_type, DAY, symbol), frame)


def _bronze(folder: Path) -> None:
    """The mixed Bronze set (written once, ingested into two lakes)."""
    tardis = folder / "tardis"
    _tardis(tardis, "trades", "BTCUSDT", 12)
    _tardis(tardis, "quotes", "BTCUSDT", 9)
    _tardis(tardis, "incremental_book_L2", "BTCUSDT", 10)

    def one_bad_price(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            price=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("1.2.3")).otherwise("price")
        )

    _tardis(tardis, "trades", "ETHUSDT", 6, edit=one_bad_price)
    _tardis(tardis, "quotes", "ETHUSDT", 300)  # ~ 9 kB: above the threshold, streamed
    _tardis(tardis, "trades", "DOGEUSDT", 4)  # no dim_symbol coverage: all quarantined
    broken = tardis / vendor_file_name(EXCHANGE, "liquidations", DAY, "BTCUSDT")
    broken.write_bytes(gzip.compress(b"not,the,header\n1,2,3\n", mtime=0))
    empty = tardis / vendor_file_name(EXCHANGE, "derivative_ticker", DAY, "BTCUSDT")
    empty.write_bytes(b"")
    header_only = ",".join(FORMATS["trades"].columns) + "\n"
    (tardis / vendor_file_name(EXCHANGE, "trades", DAY, "XRPUSDT")).write_bytes(
        gzip.compress(header_only.encode(), mtime=0)
    )
    # a Tardis name whose date is not a calendar date: misnamed
    (tardis / "binance-futures_trades_2024-02-31_BTCUSDT.csv.gz").write_bytes(b"x")
    rows = [(T0 + i, "buy", 42_000_000_000_000, 1_000_000_000) for i in range(3)]
    write_mini_trades(folder, rows=rows, name="good-a")
    write_mini_trades(folder, rows=[(T0 + 9, "sell", 1, 1)], name="good-b")
    # a price that is not a number: the rows parse, but do not fit the table
    bad = write_mini_trades(folder, rows=[(T0, "buy", 1, 1)], name="not-a-number")
    bad.write_text(bad.read_text().replace(",1,1", ",one,1"))


@pytest.fixture
def bronze(tmp_path: Path) -> Path:
    register_vendor(MiniVendor())
    _bronze(tmp_path / "bronze")
    return tmp_path / "bronze"


def _one_by_one(lake: Lake, paths: list[Path]) -> list:
    results = []
    for path in paths:
        try:
            results.append(lake.ingest_file(path))
        except LayoutError as exc:
            results.append(exc)
    return results


def _tables(lake: Lake) -> dict[str, pl.DataFrame]:
    names = ["trades", "quotes", "orderbook_updates"]
    return {name: lake.scan(name).collect() for name in names}


def _log(lake: Lake) -> pl.DataFrame:
    return lake.quarantine().drop("logged_at_ts_us")


def _manifest(lake: Lake) -> pl.DataFrame:
    return lake.manifest().drop(pl.selectors.ends_with("_ts_us"))


def test_batch_and_one_by_one_agree_on_every_field(tmp_path: Path, bronze: Path):
    from pointline.v2.bronze import find_files

    paths = find_files([bronze])
    single = _new_lake(tmp_path / "single")
    batched = _new_lake(tmp_path / "batched")
    alone = _one_by_one(single, paths)
    seen: list[tuple[str, object]] = []
    together = batched.ingest(bronze, on_result=lambda m, r: seen.append((m.extra["path"], r)))

    assert len(together) == len(paths) == len(seen)
    assert [r for _, r in seen] == together  # on_result saw every final result, in order
    for path, one, many in zip(paths, alone, together, strict=True):
        if isinstance(one, LayoutError):  # ingest_file raises for a path it cannot describe
            assert (many.status, many.failure_reason) == ("failed", "layout_error")
            assert str(path) in many.error_message and str(one) == many.error_message
            continue
        assert dataclasses.asdict(many) == dataclasses.asdict(one), path.name

    by_name = {p.name: r for p, r in zip(paths, together, strict=True)}
    assert by_name[vendor_file_name(EXCHANGE, "trades", DAY, "ETHUSDT")].rows_quarantined == 1
    doge = by_name[vendor_file_name(EXCHANGE, "trades", DAY, "DOGEUSDT")]
    assert doge.status == "quarantined"
    broken = by_name[vendor_file_name(EXCHANGE, "liquidations", DAY, "BTCUSDT")]
    assert (broken.status, broken.failure_reason) == ("failed", "schema_mismatch")
    not_a_number = by_name["not-a-number.csv"]
    assert (not_a_number.status, not_a_number.failure_reason) == ("failed", "schema_mismatch")
    assert "not-a-number.csv: column 'price'" in not_a_number.error_message
    quiet = by_name[vendor_file_name(EXCHANGE, "trades", DAY, "XRPUSDT")]  # header only
    assert (quiet.status, quiet.row_count, quiet.skipped) == ("success", 0, False)
    # the good files of the same table and batch were written
    assert by_name["good-a.csv"].status == by_name["good-b.csv"].status == "success"
    assert by_name["good-a.csv"].rows_written == 3
    streamed = by_name[vendor_file_name(EXCHANGE, "quotes", DAY, "ETHUSDT")]
    assert (streamed.status, streamed.rows_written) == ("success", 300)

    for name, rows in _tables(single).items():
        assert rows.equals(_tables(batched)[name]), name
    assert _log(single).equals(_log(batched))
    assert _manifest(single).equals(_manifest(batched))


def test_a_rerun_of_the_directory_skips_every_success(tmp_path: Path, bronze: Path):
    lake = _new_lake(tmp_path / "lake")
    first = lake.ingest(bronze)
    again = lake.ingest(bronze)
    assert [r.skipped for r in again] == [r.status == "success" for r in first]
    assert lake.scan("trades").collect().select("file_id", "file_seq").is_unique().all()


def test_a_fifo_named_like_a_bronze_file_fails_alone_as_not_a_regular_file(tmp_path: Path):
    import os

    from pointline.errors import NotARegularFileError

    lake = _new_lake(tmp_path / "lake")
    folder = tmp_path / "in"
    good = _tardis(folder, "trades", "BTCUSDT", 5)
    fifo = folder / vendor_file_name(EXCHANGE, "quotes", DAY, "BTCUSDT")
    os.mkfifo(fifo)
    results = lake.ingest(folder)
    by_status = {(r.status, r.failure_reason) for r in results}
    assert by_status == {("success", None), ("failed", "not_a_regular_file")}
    failed = next(r for r in results if r.status == "failed")
    assert str(fifo) in failed.error_message and "not a regular file" in failed.error_message
    with pytest.raises(NotARegularFileError, match="not a regular file"):
        lake.ingest_file(fifo)
    assert lake.ingest_file(good).skipped


def test_data_type_aliases_are_one_identity(tmp_path: Path):
    lake = _new_lake(tmp_path / "lake")
    path = _tardis(tmp_path / "in", "incremental_book_L2", "BTCUSDT", 10)
    first = lake.ingest_file(path)
    again = [
        lake.ingest_file(path, data_type=t) for t in ("incremental_book_l2", "orderbook_updates")
    ]
    assert first.status == "success" and all(r.skipped for r in again)
    assert {r.file_id for r in again} == {first.file_id}
    manifest = lake.manifest()
    assert manifest["data_type"].to_list() == ["incremental_book_L2"]
    assert lake.scan("orderbook_updates").collect().height == 10


def test_a_data_type_that_contradicts_the_path_is_refused(tmp_path: Path):
    lake = _new_lake(tmp_path / "lake")
    path = _tardis(tmp_path / "in", "trades", "BTCUSDT", 3)
    with pytest.raises(LayoutError, match="its path says data type 'trades'; data_type='quotes'"):
        lake.ingest_file(path, data_type="quotes")
    (result,) = lake.ingest(path, data_type="quotes")
    assert (result.status, result.failure_reason) == ("failed", "layout_error")
    assert lake.manifest().height == 0


def test_the_low_level_pipeline_spells_the_data_type_as_the_stream(tmp_path: Path):
    from pointline.v2.ingestion import ingest_file
    from pointline.v2.testing import (
        InMemoryEventStore,
        InMemoryManifestStore,
        InMemoryQuarantineStore,
    )

    lake = _new_lake(tmp_path / "lake")
    path = _tardis(tmp_path / "in", "incremental_book_L2", "BTCUSDT", 4)
    manifest, events = InMemoryManifestStore(), InMemoryEventStore()
    parse = get_vendor("tardis")
    for alias in ("incremental_book_L2", "incremental_book_l2", "orderbook_updates"):
        meta = dataclasses.replace(lake.describe(path), data_type=alias)
        ingest_file(
            meta,
            parser=parse.parser(meta),
            manifest_repo=manifest,
            writer=events,
            dim_symbol_df=lake.symbols(),
            quarantine_store=InMemoryQuarantineStore(),
        )
    assert manifest.read()["data_type"].to_list() == ["incremental_book_L2"]
    assert events.read("orderbook_updates").height == 4


def test_a_failed_force_leaves_the_previous_state_whole(tmp_path: Path):
    """Issue 14 item 8: the old rows and the old success row (with its counts) stay."""
    lake = _new_lake(tmp_path / "lake")
    path = _tardis(tmp_path / "in", "trades", "BTCUSDT", 6)
    first = lake.ingest_file(path)
    before = lake.manifest().drop(pl.selectors.ends_with("_ts_us"))
    tiny = Lake(tmp_path / "lake", max_uncompressed_bytes=10)
    forced = tiny.ingest_file(path, force=True)
    assert (forced.status, forced.failure_reason) == ("failed", "too_large")
    assert lake.manifest().drop(pl.selectors.ends_with("_ts_us")).equals(before)
    assert lake.manifest()["status"].to_list() == ["success"]
    assert lake.scan("trades").collect().height == first.rows_written == 6
    (batched,) = tiny.ingest([path], force=True)  # the same through the batch path
    assert (batched.status, batched.failure_reason) == ("failed", "too_large")
    assert lake.manifest()["rows_written"].to_list() == [6]
