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
