"""A decompression-bomb guard for Bronze files.

A whole-file parse decompresses a ``.csv.gz`` in memory, so a tiny gzip that expands to many GB
would exhaust the machine. Before parsing, :func:`check_uncompressed_size` bounds the expanded
size: from the gzip trailer (ISIZE, the size mod 2**32) when it is plausible, otherwise (a
wrapped or suspiciously high ratio, or several gzip members) by counting the decompressed bytes
in a stream, stopping as soon as the limit is passed.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from pointline.errors import VendorParseError
from pointline.v2.reasons import TOO_LARGE

DEFAULT_MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
_GZIP_MAGIC = b"\x1f\x8b"
_PLAUSIBLE_RATIO = 100  # CSV text compresses ~5-20x; beyond this, count instead of trusting
_BLOCK = 1 << 20


def _too_large(path: Path, limit: int, what: str) -> VendorParseError:
    return VendorParseError(
        f"{path}: {what} exceeds the limit of {limit} bytes (max_uncompressed_bytes); "
        "refusing to decompress it (raise the limit if the file is genuine)",
        reason=TOO_LARGE,
        path=str(path),
    )


def _counted_size(path: Path, limit: int) -> int:
    total = 0
    with path.open("rb") as handle:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        while block := handle.read(_BLOCK):
            while block:
                total += len(inflater.decompress(block, _BLOCK))
                if total > limit:
                    return total
                block = inflater.unconsumed_tail or b""
                if inflater.eof:  # a new gzip member may follow
                    block = inflater.unused_data + block
                    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    if not block:
                        break
    return total


def check_uncompressed_size(path: Path, limit: int) -> None:
    """Raise ``VendorParseError(reason="too_large")`` when ``path`` expands past ``limit``.

    A file that is not gzip is measured as it is; a gzip file is bounded as described above.
    Errors of a damaged gzip are left to the parser (which reports them with their own reason).
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        magic = handle.read(2)
        if magic != _GZIP_MAGIC:
            if size > limit:
                raise _too_large(path, limit, f"the file ({size} bytes)")
            return
        handle.seek(max(0, size - 4))
        isize = int.from_bytes(handle.read(4), "little")
    if isize > limit:
        raise _too_large(path, limit, f"its decompressed size ({isize} bytes)")
    if size <= isize <= _PLAUSIBLE_RATIO * size:
        return
    try:
        counted = _counted_size(path, limit)
    except zlib.error:
        return
    if counted > limit:
        raise _too_large(path, limit, "its decompressed size")
