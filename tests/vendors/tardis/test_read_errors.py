"""Bad files: each fails with its stable reason and a message naming the file."""

from __future__ import annotations

import gzip
import os
import re

import polars as pl
import pytest

from pointline.errors import VendorParseError
from pointline.v2.ingestion.models import BronzeFileMetadata
from pointline.v2.vendors.tardis import TARDIS
from pointline.v2.vendors.tardis.formats import FORMATS

from .conftest import header, make_meta

ROW = "binance-futures,BTCUSDT,1704067200000000,1704067200001234,1,buy,42000.5,1"


def _body(n: int = 2000) -> bytes:
    return (header("trades") + "\n" + f"{ROW}\n" * n).encode()


def _parse(path, data_type="trades"):
    meta = make_meta(path, data_type)
    return TARDIS.parser(meta)(meta)


def _chunks(path, data_type="trades", chunk_rows=100):
    meta = make_meta(path, data_type)
    return list(TARDIS.chunked_parser(meta)(meta, chunk_rows))


def _fails(fn, path, reason: str, match: str) -> VendorParseError:
    with pytest.raises(VendorParseError, match=match) as info:
        fn(path)
    assert info.value.reason == reason
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize("fn", [_parse, _chunks])
@pytest.mark.parametrize("name", ["empty.csv", "empty.csv.gz"])
def test_empty_file(write_file, fn, name) -> None:
    _fails(fn, write_file(name, b""), "empty_file", "empty file: no header line")


@pytest.mark.parametrize("data_type", list(FORMATS))
def test_header_only_gives_an_empty_frame_of_the_right_columns(write_file, data_type) -> None:
    path = write_file("h.csv.gz", header(data_type) + "\n")
    df = _parse(path, data_type)
    assert df.height == 0
    assert df.schema == FORMATS[data_type].output_schema()
    chunks = _chunks(path, data_type)
    assert len(chunks) == 1 and chunks[0].height == 0
    assert chunks[0].schema == df.schema


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_header_mismatch_names_missing_and_unexpected_columns(write_file, fn) -> None:
    path = write_file(
        "t.csv.gz",
        "exchange,symbol,timestamp,local_timestamp,trade_id,side,price,size\n" + ROW + "\n",
    )
    error = _fails(fn, path, "schema_mismatch", "does not match the Tardis trades format")
    assert "missing columns ['id', 'amount']" in str(error)
    assert "unexpected columns ['trade_id', 'size']" in str(error)


def test_header_with_a_repeated_column_is_a_mismatch(write_file) -> None:
    path = write_file("t.csv.gz", header("trades") + ",price\n")
    error = _fails(_parse, path, "schema_mismatch", "repeated columns")
    assert "repeated columns ['price']" in str(error)


def test_header_of_another_data_type_is_a_mismatch(write_file) -> None:
    path = write_file("q.csv.gz", header("quotes") + "\n")
    _fails(_parse, path, "schema_mismatch", "missing columns")


def test_columns_in_another_order_are_matched_by_name(write_file) -> None:
    path = write_file(
        "t.csv.gz",
        "amount,price,side,id,local_timestamp,timestamp,symbol,exchange\n"
        "0.1,42000.5,buy,7,1704067200001234,1704067200000000,BTCUSDT,binance\n",
    )
    row = _parse(path).row(0, named=True)
    assert (row["qty"], row["price"], row["trade_id"], row["ts_event_us"], row["exchange"]) == (
        100_000_000,
        42_000_500_000_000,
        "7",
        1704067200000000,
        "binance",
    )


@pytest.mark.parametrize("fn", [_parse, _chunks])
@pytest.mark.parametrize("cut", [-4, -8, 0.5])
def test_truncated_gzip(write_file, fn, cut) -> None:
    data = gzip.compress(_body(), mtime=0)
    end = int(len(data) * cut) if isinstance(cut, float) else cut
    path = write_file("t.csv", data[:end])
    _fails(fn, path, "truncated_file", "truncated file: the gzip stream ends before its end")


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_gzip_with_a_wrong_checksum(write_file, fn) -> None:
    data = bytearray(gzip.compress(_body(), mtime=0))
    data[-8:-4] = b"\0\0\0\0"
    _fails(fn, write_file("t.csv", bytes(data)), "unreadable_file", "unreadable file")


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_not_gzip_after_the_magic_bytes(write_file, fn) -> None:
    path = write_file("t.csv", b"\x1f\x8b" + b"this is not deflate data" * 10)
    _fails(fn, path, "unreadable_file", "unreadable file")


@pytest.mark.parametrize("fn", [_parse, _chunks])
@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz"])
def test_non_utf8_bytes_name_the_line(write_file, fn, name) -> None:
    body = (header("trades") + f"\n{ROW}\n{ROW}\n").encode()
    body += b"binance-futures,BTC\xff\xfe,1,1,1,buy,1,1\n"
    _fails(fn, write_file(name, body), "unreadable_file", re.escape("line 4: byte 19 is not UTF-8"))


def test_non_utf8_header(write_file) -> None:
    _fails(_parse, write_file("t.csv", b"exch\xe9nge\n"), "unreadable_file", "line 1: byte 4")


def test_missing_file_and_bronze_path_fallback(tmp_path) -> None:
    path = tmp_path / "gone.csv.gz"
    meta = BronzeFileMetadata("tardis", "trades", str(path), 0, 0, "0" * 64)
    with pytest.raises(VendorParseError, match="file not found") as info:
        TARDIS.parser(meta)(meta)
    assert (info.value.reason, info.value.path) == ("unreadable_file", str(path))


def _padded_trades(rows: int) -> bytes:
    text = "".join(f"{line}\n" for line in [header("trades"), *_rows(rows)])
    return gzip.compress(text.encode(), mtime=0) + b"\0" * 512


def _rows(n: int) -> list[str]:
    return [
        f"binance,BTCUSDT,{1704067200000000 + i},{1704067200000000 + i},{i},buy,1.5,2"
        for i in range(n)
    ]


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_zero_padding_after_the_gzip_member_is_read_like_gzip_dc(write_file, fn) -> None:
    """Issue 14 item 12: one rule on both paths (was ``unreadable_file`` on the whole-file
    path, success on the chunked one)."""
    path = write_file("padded.csv", _padded_trades(5))  # .csv: written as given
    df = fn(path, "trades")
    df = df if isinstance(df, pl.DataFrame) else pl.concat(df)
    assert df["trade_id"].to_list() == ["0", "1", "2", "3", "4"]
    assert df["_reject_reason"].null_count() == 5


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_garbage_after_the_gzip_member_is_unreadable_on_both_paths(write_file, fn) -> None:
    data = _padded_trades(3)[:-512] + b"garbage!"
    _fails(fn, write_file("junk.csv", data), "unreadable_file", "unreadable file")


@pytest.mark.parametrize("fn", [_parse, _chunks])
def test_a_fifo_named_like_a_bronze_file_is_not_a_regular_file(tmp_path, fn) -> None:
    """Issue 14 item 13: refused without blocking (opening a FIFO waits for a writer)."""
    fifo = tmp_path / "binance_trades_2024-01-01_BTCUSDT.csv.gz"
    os.mkfifo(fifo)
    _fails(fn, fifo, "unreadable_file", r"not a regular file \(a FIFO\)")
