"""The chunked parser gives the whole parser's rows, in bounded frames, file_seq continuing."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

from pointline.errors import VendorParseError
from pointline.v2.vendors.tardis import FORMATS, TARDIS
from pointline.v2.vendors.tardis.samples import write_sample

from .conftest import header, make_meta

CASES = [
    *((data_type, 7, 4096) for data_type in FORMATS),  # blocks of a few lines
    *((data_type, 50, 1 << 20) for data_type in FORMATS),  # the whole file in one block
    ("trades", 1000, 64),  # every line longer than a block
    ("quotes", 1, 200),
]


@pytest.mark.parametrize(("data_type", "chunk_rows", "block_bytes"), CASES)
def test_chunks_equal_the_whole_file(tmp_path, data_type, chunk_rows, block_bytes) -> None:
    path = write_sample(tmp_path / f"{data_type}.csv.gz", data_type, 120, seed=3)
    meta = make_meta(path, data_type)
    whole = TARDIS.parser(meta)(meta)
    parser = TARDIS.parser(meta)
    chunks = list(parser.chunks(meta, chunk_rows, block_bytes=block_bytes))
    assert all(0 < c.height <= chunk_rows for c in chunks)
    assert [c.height for c in chunks[:-1]] == [chunk_rows] * (len(chunks) - 1)
    joined = pl.concat(chunks)
    assert whole.height == 120
    assert joined.equals(whole)
    assert joined["file_seq"].to_list() == list(range(1, 121))


def test_chunked_parser_of_the_vendor_takes_meta_and_chunk_rows(tmp_path) -> None:
    path = write_sample(tmp_path / "t.csv.gz", "trades", 25, seed=1)
    meta = make_meta(path, "trades")
    chunks = list(TARDIS.chunked_parser(meta)(meta, 10))
    assert [c.height for c in chunks] == [10, 10, 5]
    assert [c["file_seq"][0] for c in chunks] == [1, 11, 21]


def test_ragged_rows_across_block_boundaries(write_file) -> None:
    p = "binance-futures,BTCUSDT,1704067200000000,1704067200001234"
    rows = [f"{p},{i},buy,1,{i}" if i % 5 else f"{p},{i},buy,1" for i in range(1, 41)]
    path = write_file("t.csv.gz", header("trades") + "\n" + "\n".join(rows) + "\n")
    meta = make_meta(path, "trades")
    whole = TARDIS.parser(meta)(meta)
    chunks = list(TARDIS.parser(meta).chunks(meta, 6, block_bytes=150))
    assert pl.concat(chunks).equals(whole)
    assert whole.filter(whole["_reject_reason"] == "malformed_row")["file_seq"].to_list() == [
        5,
        10,
        15,
        20,
        25,
        30,
        35,
        40,
    ]


def test_header_is_checked_before_iteration(write_file) -> None:
    path = write_file("t.csv.gz", "a,b\n1,2\n")
    meta = make_meta(path, "trades")
    with pytest.raises(VendorParseError) as info:
        TARDIS.chunked_parser(meta)(meta, 10)  # no next() needed
    assert info.value.reason == "schema_mismatch"


def test_chunk_rows_must_be_positive(tmp_path) -> None:
    path = write_sample(tmp_path / "t.csv.gz", "trades", 3)
    meta = make_meta(path, "trades")
    with pytest.raises(ValueError, match="chunk_rows must be >= 1, got 0"):
        TARDIS.chunked_parser(meta)(meta, 0)


def test_read_error_after_some_chunks(tmp_path, write_file) -> None:
    path = write_sample(tmp_path / "big.csv", "trades", 3000, seed=2)
    data = gzip.compress(path.read_bytes(), mtime=0)
    truncated = write_file("cut.csv", data[: len(data) * 3 // 4])
    meta = make_meta(truncated, "trades")
    chunks = TARDIS.parser(meta).chunks(meta, 100, block_bytes=4096)
    first = next(chunks)
    assert first["file_seq"].to_list() == list(range(1, 101))
    with pytest.raises(VendorParseError) as info:
        list(chunks)
    assert info.value.reason == "truncated_file"
