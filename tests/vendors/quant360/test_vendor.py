"""The QUANT360 plug: path recognition, parser dispatch, chunking, reading errors, schemas."""

from __future__ import annotations

import datetime
import gzip
import re
from pathlib import Path

import polars as pl
import pytest

from pointline.errors import LayoutError, VendorParseError
from pointline.schemas.registry import get_table_spec
from pointline.v2.fixed_point import REJECT_COLUMNS
from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.base import BronzeLocation, Vendor
from pointline.v2.vendors.quant360 import QUANT360, Quant360Vendor, samples
from pointline.v2.vendors.quant360.layout import parse_archive_name
from pointline.v2.vendors.quant360.timestamps import cst_to_utc_us

from .conftest import T0930_US, meta_for, parse

STREAMS = [
    ("order_new", "sse", "600000", "cn_order_events"),
    ("tick_new", "sse", "600000", "cn_tick_events"),
    ("order_new", "szse", "000001", "cn_order_events"),
    ("tick_new", "szse", "000001", "cn_tick_events"),
    ("L2_new", "szse", "000001", "cn_l2_snapshots"),
]


def test_the_plug_satisfies_the_vendor_seam():
    vendor: Vendor = QUANT360
    assert isinstance(QUANT360, Quant360Vendor)
    assert vendor.name == "quant360"
    assert vendor.data_types() == ("order_new", "tick_new", "L2_new")


def test_recognise_reads_the_bronze_layout():
    path = Path(
        "/lake/bronze/quant360/exchange=szse/type=order_new/date=2024-01-02/symbol=000001/"
        "000001.csv.gz"
    )
    assert QUANT360.recognise(path) == BronzeLocation(
        vendor="quant360",
        data_type="order_new",
        exchange="szse",
        symbol="000001",
        date=datetime.date(2024, 1, 2),
    )
    relative = Path("quant360/exchange=sse/type=L2_new/date=2024-01-02/symbol=600000/600000.csv.gz")
    assert QUANT360.recognise(relative).exchange == "sse"


@pytest.mark.parametrize(
    "path",
    [
        "quant360/exchange=nyse/type=order_new/date=2024-01-02/symbol=000001/000001.csv.gz",
        "quant360/exchange=szse/type=L1_new/date=2024-01-02/symbol=000001/000001.csv.gz",
        "quant360/exchange=szse/type=order_new/date=2024-13-02/symbol=000001/000001.csv.gz",
        "quant360/exchange=szse/type=order_new/date=20240102/symbol=000001/000001.csv.gz",
        "quant360/exchange=szse/type=order_new/date=2024-01-02/symbol=000001/000002.csv.gz",
        "quant360/exchange=szse/type=order_new/date=2024-01-02/symbol=1/1.csv.gz",
        "quant360/exchange=szse/type=order_new/date=2024-01-02/symbol=000001/000001.csv",
        "tardis/exchange=szse/type=order_new/date=2024-01-02/symbol=000001/000001.csv.gz",
        "binance_trades_2024-01-02_BTCUSDT.csv.gz",
    ],
)
def test_recognise_refuses_other_paths(path):
    assert QUANT360.recognise(Path(path)) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("order_new_STK_SZ_20240102.7z", ("order_new", "STK", "szse", datetime.date(2024, 1, 2))),
        (
            "tick_new_ConFI_SH_20231229.7z",
            ("tick_new", "ConFI", "sse", datetime.date(2023, 12, 29)),
        ),
        ("L2_new_STK_SZ_20240102.7z", ("L2_new", "STK", "szse", datetime.date(2024, 1, 2))),
        ("L1_new_STK_SH_20240102.7z", ("L1_new", "STK", "sse", datetime.date(2024, 1, 2))),
        ("order_new_STK_SZ_20240230.7z", None),
        ("order_new_STK_HK_20240102.7z", None),
        ("order_new_ETF_SZ_20240102.7z", None),
        ("trade_new_STK_SZ_20240102.7z", None),
        ("order_new_STK_SZ_2024010.7z", None),
        ("order_new_STK_SZ_20240102.zip", None),
    ],
)
def test_archive_names(name, expected):
    parsed = parse_archive_name(name)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed.data_type, parsed.market, parsed.exchange, parsed.date) == expected
        assert parsed.stem == name.removesuffix(".7z")


def test_timestamps_are_cst_converted_to_utc_microseconds():
    text = pl.Series(
        [
            "20240102093000000",
            "20240102093000001",
            "20240101235959999",
            "20240102000000000",
            "2024010209300000",
            "202401020930000000",
            "20240230093000000",
            "2024010209300000x",
            " 20240102093000000",
            None,
        ]
    )
    out = pl.select(cst_to_utc_us(pl.lit(text))).to_series().to_list()
    assert out == [
        1_704_159_000_000_000,
        1_704_159_000_001_000,
        1_704_124_799_999_000,
        1_704_124_800_000_000,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert out[0] == T0930_US


@pytest.mark.parametrize(("data_type", "exchange", "symbol", "table"), STREAMS)
def test_output_columns_and_dtypes_follow_the_table_spec(
    write_file, data_type, exchange, symbol, table
):
    meta = write_file(
        data_type, exchange, symbol, samples.member_csv(data_type, exchange, symbol, 50)
    )
    df = parse(meta)
    spec = get_table_spec(table)
    expected = [c for c in spec.columns() if c not in ("trading_date", "symbol_id", "file_id")]
    assert df.columns == [*expected, *REJECT_COLUMNS]
    schema = spec.to_polars()
    assert {c: df.schema[c] for c in expected} == {c: schema[c] for c in expected}
    assert df.height == 50
    assert df["_reject_reason"].null_count() == 50
    required = [c for c in spec.required_columns() if c in expected]
    assert df.select(pl.col(required).null_count()).sum_horizontal().item() == 0


@pytest.mark.parametrize(("data_type", "exchange", "symbol", "table"), STREAMS)
def test_chunked_parser_gives_the_same_rows_in_bounded_frames(
    write_file, data_type, exchange, symbol, table
):
    meta = write_file(
        data_type, exchange, symbol, samples.member_csv(data_type, exchange, symbol, 1001)
    )
    whole = parse(meta)
    chunks = list(QUANT360.chunked_parser(meta)(meta, 300))
    assert [c.height for c in chunks] == [300, 300, 300, 101]
    assert pl.concat(chunks).equals(whole)
    assert chunks[1]["file_seq"][0] == 301


def test_chunked_parser_reads_many_small_blocks(write_file):
    """A block holds many chunks here (64 KiB of ~700-byte rows vs 7-row chunks); the other
    case, several blocks per chunk, is covered by the L2 case of the test above."""
    meta = write_file("L2_new", "szse", "000001", samples.szse_l2_csv(40))
    chunks = list(QUANT360.chunked_parser(meta)(meta, 7))
    assert {c.height for c in chunks[:-1]} == {7}
    assert pl.concat(chunks).equals(parse(meta))


def test_chunked_parser_rejects_a_zero_chunk(write_file):
    meta = write_file("order_new", "szse", "000001", samples.szse_order_csv(3))
    with pytest.raises(ValueError, match="chunk_rows must be >= 1, got 0"):
        list(QUANT360.chunked_parser(meta)(meta, 0))


def test_plain_csv_and_relative_meta_without_extra_are_read(tmp_path, monkeypatch):
    relative = Path("quant360/exchange=szse/type=order_new/date=2024-01-02/symbol=000001")
    (tmp_path / relative).mkdir(parents=True)
    (tmp_path / relative / "000001.csv.gz").write_bytes(samples.szse_order_csv(4))  # not gzip
    monkeypatch.chdir(tmp_path)
    meta = BronzeFileMetadata(
        vendor="quant360",
        data_type="cn_order_events",
        bronze_file_path=(relative / "000001.csv.gz").as_posix(),
        file_size_bytes=1,
        last_modified_ts=0,
        sha256="0" * 64,
    )
    df = QUANT360.parser(meta)(meta)
    assert df["symbol"].to_list() == ["000001"] * 4
    assert df["exchange"].to_list() == ["szse"] * 4


def test_exchange_and_symbol_come_from_extra_first(tmp_path):
    path = tmp_path / "anything.csv.gz"
    path.write_bytes(gzip.compress(samples.szse_order_csv(2)))
    meta = meta_for(path, "order_new", exchange="szse", symbol="300750")
    assert parse(meta)["symbol"].to_list() == ["300750", "300750"]


def test_unknown_data_type_and_unknown_layout_are_clear_errors(tmp_path):
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(samples.szse_order_csv(1)))
    with pytest.raises(ValueError, match="quant360 has no data type 'trades'; supported: "):
        QUANT360.parser(meta_for(path, "trades", exchange="szse", symbol="000001"))
    with pytest.raises(LayoutError, match="cannot tell the exchange and symbol") as info:
        QUANT360.chunked_parser(meta_for(path, "order_new"))
    assert "exchange=None, symbol=None" in str(info.value)
    with pytest.raises(LayoutError, match="exchange='nyse'"):
        QUANT360.parser(meta_for(path, "order_new", exchange="nyse", symbol="000001"))


@pytest.mark.parametrize(
    ("content", "reason", "message"),
    [
        (b"", "empty_file", "empty file: no header line"),
        (
            gzip.compress(samples.szse_order_csv(500))[:200],
            "truncated_file",
            "truncated file: the gzip stream ends before its end marker",
        ),
        (b"\x1f\x8bnot really gzip", "unreadable_file", "cannot read the file (BadGzipFile"),
    ],
)
def test_unreadable_files_raise_vendor_parse_error(tmp_path, content, reason, message):
    path = tmp_path / "000001.csv.gz"
    path.write_bytes(content)
    meta = meta_for(path, "order_new", exchange="szse", symbol="000001")
    with pytest.raises(VendorParseError, match=re.escape(message)) as info:
        parse(meta)
    assert info.value.reason == reason
    assert info.value.path == str(path)
    with pytest.raises(VendorParseError) as info:
        list(QUANT360.chunked_parser(meta)(meta, 100))
    assert info.value.reason == reason


def test_missing_file_is_unreadable(tmp_path):
    path = tmp_path / "000001.csv.gz"
    meta = BronzeFileMetadata(
        vendor="quant360",
        data_type="order_new",
        bronze_file_path=str(path),
        file_size_bytes=0,
        last_modified_ts=0,
        sha256="",
        extra={"path": str(path), "exchange": "szse", "symbol": "000001"},
    )
    with pytest.raises(VendorParseError, match="file not found") as info:
        parse(meta)
    assert info.value.reason == "unreadable_file"


@pytest.mark.parametrize(
    ("data_type", "exchange"),
    [("order_new", "sse"), ("order_new", "szse"), ("tick_new", "sse"), ("tick_new", "szse")],
)
def test_header_only_file_gives_an_empty_frame_of_the_table(write_file, data_type, exchange):
    """Issue 14 item 5 (vendor side): a quiet day parses to no rows with the right columns,
    on the whole-file and the chunked path alike."""
    symbol = "600000" if exchange == "sse" else "000001"
    header = samples.member_csv(data_type, exchange, symbol, 1).split(b"\n", 1)[0] + b"\n"
    meta = write_file(data_type, exchange, symbol, header)
    df = parse(meta)
    assert df.height == 0
    assert df.schema["price"] == pl.Int64
    chunks = list(QUANT360.chunked_parser(meta)(meta, 10))
    assert len(chunks) == 1
    assert chunks[0].schema == df.schema and chunks[0].height == 0


def test_samples_are_deterministic():
    assert samples.member_csv("order_new", "sse", "600000", 100) == samples.member_csv(
        "order_new", "sse", "600000", 100
    )
    assert samples.szse_order_csv(10, seed=1) != samples.szse_order_csv(10, seed=2)
    with pytest.raises(ValueError, match=r"no sample generator for quant360 L2_new \(sse\)"):
        samples.member_csv("L2_new", "sse", "600000", 1)


def test_bom_and_crlf_line_endings_are_read_like_plain_lines(write_file):
    plain = samples.szse_order_csv(5)
    windows = b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n")
    expected = parse(write_file("order_new", "szse", "000001", plain))
    meta = write_file("order_new", "szse", "000002", windows)
    got = parse(meta)
    assert got.drop("symbol").equals(expected.drop("symbol"))
    chunks = list(QUANT360.chunked_parser(meta)(meta, 2))
    assert pl.concat(chunks).equals(got)


def test_public_names():
    import pointline.v2.vendors.quant360 as quant360
    import pointline.v2.vendors.quant360.upstream as upstream

    assert sorted(quant360.__all__) == [
        "ArchiveOutcome",
        "ImportReport",
        "QUANT360",
        "Quant360Vendor",
        "import_archives",
    ]
    assert all(getattr(quant360, name) is not None for name in quant360.__all__)
    assert quant360.import_archives is upstream.import_archives
    assert QUANT360 is quant360.QUANT360


def test_zero_padding_after_the_gzip_member_is_read_on_both_paths(tmp_path):
    """Issue 14 item 12: one rule for the whole-file and the chunked path (gzip -dc's)."""
    path = tmp_path / "000001.csv.gz"
    path.write_bytes(gzip.compress(samples.szse_order_csv(50), mtime=0) + b"\0" * 300)
    meta = meta_for(path, "order_new", exchange="szse", symbol="000001")
    whole = parse(meta)
    chunks = pl.concat(list(QUANT360.chunked_parser(meta)(meta, 20)))
    assert whole.height == 50
    assert whole.equals(chunks)


def test_a_fifo_is_not_a_regular_file(tmp_path):
    """Issue 14 item 13: refused at once (opening a FIFO would wait for a writer)."""
    import os

    fifo = tmp_path / "000001.csv.gz"
    os.mkfifo(fifo)
    meta = meta_for(fifo, "order_new", exchange="szse", symbol="000001")
    for run in (lambda: parse(meta), lambda: list(QUANT360.chunked_parser(meta)(meta, 10))):
        with pytest.raises(VendorParseError, match=r"not a regular file \(a FIFO\)") as info:
            run()
        assert info.value.reason == "unreadable_file"


def test_a_rejected_row_carries_its_original_text(tmp_path):
    """Issue 14 item 10 (parser side): ``_reject_text`` holds every used column's text of a
    rejected row (both bad fields here), null for clean rows; only when asked for."""
    import json

    from pointline.v2.vendors.base import KEEP_ORIGINAL_TEXT

    text = (
        "ApplSeqNum,Side,OrdType,Price,OrderQty,TransactTime,ChannelNo,"
        "ExpirationDays,ExpirationType,Contactor,ConfirmID\n"
        "1,1,2,9.990,100,20240102093000000,2011,0,0,,\n"
        "2,7,2,9.99x,100,20240102093000000,2011,0,0,,\n"
    )
    path = tmp_path / "000001.csv.gz"
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    meta = meta_for(path, "order_new", exchange="szse", symbol="000001")
    keep = meta_for(
        path, "order_new", exchange="szse", symbol="000001", **{KEEP_ORIGINAL_TEXT: "true"}
    )
    for df in (parse(keep), pl.concat(list(QUANT360.chunked_parser(keep)(keep, 1)))):
        assert df["_reject_text"][0] is None
        bad = df.row(1, named=True)
        assert (bad["_reject_reason"], bad["_reject_field"], bad["price"]) == (
            "invalid_code",
            "side",
            None,
        )
        original = json.loads(bad["_reject_text"])
        assert (original["Side"], original["Price"], original["ApplSeqNum"]) == ("7", "9.99x", "2")
    assert "_reject_text" not in parse(meta).columns
