"""A decompression-bomb guard for Bronze files.

A whole-file parse decompresses a ``.csv.gz`` in memory, so a tiny gzip that expands to many GB
would exhaust the machine. Before parsing, :func:`check_uncompressed_size` bounds the expanded
size: from the gzip trailer (ISIZE, the size mod 2**32) when the file is a single member and
the ratio is plausible, otherwise (several members, zero padding, a wrapped or suspiciously
high ratio) by counting the decompressed bytes of every member in a stream, stopping as soon
as the limit is passed.
"""

from __future__ import annotations

import mmap
import zlib
from pathlib import Path

from pointline.errors import VendorParseError
from pointline.v2.reasons import TOO_LARGE
from pointline.v2.vendors.text_files import require_regular_file

DEFAULT_MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
_GZIP_MAGIC = b"\x1f\x8b"
_PLAUSIBLE_RATIO = 100  # CSV text compresses ~5-20x; beyond this, count instead of trusting
_BLOCK = 1 << 20
_MEMBER_START = b"\x1f\x8b\x08"
_RESERVED_FLAGS = 0xE0


def _too_large(path: Path, limit: int, what: str) -> VendorParseError:
    return VendorParseError(
        f"{path}: {what} exceeds the limit of {limit} bytes (max_uncompressed_bytes); "
        "refusing to decompress it (raise the limit if the file is genuine)",
        reason=TOO_LARGE,
        path=str(path),
    )


def _counted_size(path: Path, limit: int) -> int:
    """Decompressed bytes of every member, stopping once past ``limit``; zero bytes between
    or after members are skipped, as ``gzip -dc`` skips them."""
    total = 0
    inflater = None  # None: between members
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            while block:
                if inflater is None:
                    block = block.lstrip(b"\0")
                    if not block:
                        break
                    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                total += len(inflater.decompress(block, _BLOCK))
                if total > limit:
                    return total
                if inflater.eof:  # a new member (or zero padding) may follow
                    block, inflater = inflater.unused_data, None
                else:
                    block = inflater.unconsumed_tail
    if inflater is not None:
        total += len(inflater.flush())
    return total


def _more_members(data: mmap.mmap | bytes, size: int) -> bool:
    """Whether a gzip member header may start after the first byte: ``1f 8b 08`` and a flag
    byte without reserved bits. Every member starts so; compressed bytes rarely look like it
    (a false alarm only costs counting), so a file without one is a single member whose
    trailer tells its size."""
    at = data.find(_MEMBER_START, 1)
    while at != -1 and at + 3 < size:
        if not data[at + 3] & _RESERVED_FLAGS:
            return True
        at = data.find(_MEMBER_START, at + 1)
    return False


def check_uncompressed_size(path: Path, limit: int) -> None:
    """Raise ``VendorParseError(reason="too_large")`` when ``path`` expands past ``limit``.

    A file that is not gzip is measured as it is. A gzip file's trailer (ISIZE, the size of
    its last member mod 2**32) is trusted only when the file is one member and the ratio is
    plausible; otherwise (several members, zero padding, a wrapped or suspiciously high
    ratio) the decompressed bytes of every member are counted, stopping as soon as the limit
    is passed. Errors of a damaged gzip are left to the parser (which reports them with their
    own reason).

    Raises:
        VendorParseError: ``too_large``; ``unreadable_file`` when ``path`` is not a regular
            file (a FIFO would block the read).
    """
    require_regular_file(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        magic = handle.read(2)
        if magic != _GZIP_MAGIC:
            if size > limit:
                raise _too_large(path, limit, f"the file ({size} bytes)")
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            isize = int.from_bytes(data[size - 4 :], "little") if size >= 4 else 0
            single = not _more_members(data, size)
    if isize > limit:  # the last member alone is larger (ISIZE never overstates it)
        raise _too_large(path, limit, f"its decompressed size ({isize} bytes)")
    if single and size <= isize <= _PLAUSIBLE_RATIO * size:
        return
    try:
        counted = _counted_size(path, limit)
    except zlib.error:
        return
    if counted > limit:
        raise _too_large(path, limit, "its decompressed size")
