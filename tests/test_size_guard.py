import gzip
import zlib

import pytest

from pointline.errors import VendorParseError
from pointline.v2.size_guard import check_uncompressed_size


def test_normal_gzip_passes(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 1000))
    check_uncompressed_size(path, 1 << 20)


def test_trailer_over_the_limit_is_refused_without_decompressing(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"x" * 5000))
    with pytest.raises(VendorParseError, match="exceeds the limit of 4096 bytes") as caught:
        check_uncompressed_size(path, 4096)
    assert caught.value.reason == "too_large"


def test_bomb_hidden_behind_a_small_last_member_is_counted(tmp_path):
    # two members: a 2 MiB bomb, then a tiny member whose trailer says 3 bytes
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = bomb.compress(b"\n" * (2 << 20)) + bomb.flush()
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(first + gzip.compress(b"a\n\n"))
    with pytest.raises(VendorParseError, match="its decompressed size exceeds the limit"):
        check_uncompressed_size(path, 1 << 20)
    check_uncompressed_size(path, 4 << 20)  # under a higher limit it is fine


def test_plain_file_is_measured_as_it_is(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"x" * 100)
    check_uncompressed_size(path, 100)
    with pytest.raises(VendorParseError, match=r"the file \(100 bytes\)"):
        check_uncompressed_size(path, 99)


def _members(*texts: bytes) -> bytes:
    return b"".join(gzip.compress(t, compresslevel=9, mtime=0) for t in texts)


def test_every_member_counts_when_the_last_trailer_looks_plausible(tmp_path):
    """Issue 14 item 11: the last member's trailer is plausible on its own (file size <=
    ISIZE <= 100x size, under the limit), yet a first member holds 3 MiB."""
    from pointline.v2.vendors.tardis.samples import sample_frame

    rows = sample_frame("trades", 2_000, seed=3).write_csv().encode()
    data = _members(b"x,y\n" * (3 << 18), rows)
    last_isize = len(rows)
    assert len(data) <= last_isize <= 100 * len(data) and last_isize < 1 << 20
    path = tmp_path / "multi.csv.gz"
    path.write_bytes(data)
    with pytest.raises(VendorParseError, match="its decompressed size exceeds") as caught:
        check_uncompressed_size(path, 1 << 20)
    assert caught.value.reason == "too_large"
    check_uncompressed_size(path, 4 << 20)  # 3 MiB + the rows: under 4 MiB


def test_zero_padding_after_the_last_member_is_skipped_when_counting(tmp_path):
    """Issue 14 item 12: zero bytes after a member (which gzip -dc accepts) neither hide a
    bomb nor make a good file fail."""
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(_members(b"\n" * (2 << 20)) + b"\0" * 4096)
    with pytest.raises(VendorParseError, match="exceeds the limit"):
        check_uncompressed_size(bomb, 1 << 20)
    good = tmp_path / "good.csv.gz"
    good.write_bytes(_members(b"a,b\n1,2\n", b"3,4\n") + b"\0" * 100)
    check_uncompressed_size(good, 1 << 10)


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    """Issue 14 item 13: opening a FIFO would block until a writer comes."""
    import os

    fifo = tmp_path / "binance_trades_2024-01-01_BTCUSDT.csv.gz"
    os.mkfifo(fifo)
    with pytest.raises(VendorParseError, match=r"not a regular file \(a FIFO\)") as caught:
        check_uncompressed_size(fifo, 1 << 20)
    assert caught.value.reason == "unreadable_file"
