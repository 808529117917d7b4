"""What a path says about a Tardis file: exchange, data type, date and symbol.

Two forms are recognised:

* the Bronze layout ``.../tardis/exchange=<e>/type=<t>/date=<YYYY-MM-DD>/symbol=<s>/<file>``;
* the vendor file name ``<exchange>_<data_type>_<YYYY-MM-DD>_<symbol>.csv.gz`` (or ``.csv``),
  wherever the file lies.

Exchange names hold hyphens (``binance-futures``) but no underscore, data types hold
underscores (``incremental_book_L2``) and symbols may hold both (``BTC-PERPETUAL``,
``ETH_USDT``), so a file name is split by matching the data type against the known list.

A path whose shape does not match either form is not Tardis's: ``None``. A path that has the
shape but says something impossible (a date like ``2024-02-30``, an unknown ``type=``) raises
:class:`~pointline.errors.LayoutError`, so a misfiled file is reported instead of skipped.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from pointline.errors import LayoutError
from pointline.v2.ingestion.routing import TARDIS, stream_aliases
from pointline.v2.vendors.base import BronzeLocation
from pointline.v2.vendors.tardis.formats import DATA_TYPES

VENDOR = TARDIS

_EXTENSIONS = (".csv.gz", ".csv")
_KNOWN_TYPES = tuple(stream_aliases(VENDOR))
# Longest first so that ``book_snapshot_25`` is tried before any shorter prefix.
_TYPE_ALTERNATION = "|".join(re.escape(t) for t in sorted(DATA_TYPES, key=len, reverse=True))
FILE_NAME_RE = re.compile(
    rf"^(?P<exchange>[^_]+)_(?P<data_type>{_TYPE_ALTERNATION})_"
    rf"(?P<date>\d{{4}}-\d{{2}}-\d{{2}})_(?P<symbol>.+?)\.csv(?:\.gz)?$"
)
FILE_NAME_PATTERN_TEXT = "<exchange>_<data_type>_<YYYY-MM-DD>_<symbol>.csv.gz"
"""The Tardis file name, as error messages describe it."""
_LAYOUT_KEYS = ("exchange", "type", "date", "symbol")


def vendor_file_name(exchange: str, data_type: str, date: datetime.date | str, symbol: str) -> str:
    """The Tardis file name ``<exchange>_<data_type>_<YYYY-MM-DD>_<symbol>.csv.gz``."""
    return f"{exchange}_{data_type}_{date}_{symbol}.csv.gz"


def _parse_date(text: str, path: Path) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise LayoutError(
            f"{path}: date {text!r} is not a valid calendar date (expected YYYY-MM-DD)"
        ) from None


def _from_layout(path: Path) -> BronzeLocation | None:
    parts = path.parts
    if len(parts) < 6 or not path.name.endswith(_EXTENSIONS):
        return None
    vendor, *segments = parts[-6:-1]
    if vendor != VENDOR:
        return None
    values: dict[str, str] = {}
    for key, segment in zip(_LAYOUT_KEYS, segments, strict=True):
        name, sep, value = segment.partition("=")
        if name != key or not sep or not value:
            return None
        values[key] = value
    if values["type"] not in _KNOWN_TYPES:
        raise LayoutError(
            f"{path}: type={values['type']!r} is not a Tardis data type; "
            f"supported: {sorted(_KNOWN_TYPES)}"
        )
    return BronzeLocation(
        vendor=VENDOR,
        data_type=values["type"],
        exchange=values["exchange"],
        symbol=values["symbol"],
        date=_parse_date(values["date"], path),
    )


def looks_like_vendor_file(name: str) -> bool:
    """Whether ``name`` (a file name, not a path) has the Tardis file-name shape
    (:data:`FILE_NAME_PATTERN_TEXT`, ``.csv.gz`` or ``.csv``), whatever its date says."""
    return FILE_NAME_RE.match(name) is not None


def parse_vendor_file_name(name: str) -> BronzeLocation | None:
    """What a Tardis file name ``<exchange>_<data_type>_<YYYY-MM-DD>_<symbol>.csv[.gz]`` says;
    None when the name has another shape.

    Raises:
        LayoutError: the name has the shape but its date is no calendar date.
    """
    return _from_file_name(Path(name))


def _from_file_name(path: Path) -> BronzeLocation | None:
    match = FILE_NAME_RE.match(path.name)
    if match is None:
        return None
    return BronzeLocation(
        vendor=VENDOR,
        data_type=match["data_type"],
        exchange=match["exchange"],
        symbol=match["symbol"],
        date=_parse_date(match["date"], path),
    )


def recognise(path: str | Path) -> BronzeLocation | None:
    """What ``path`` says about its Tardis file (the Bronze layout wins over the file name).

    Returns:
        The location, or None when the path has neither Tardis form.

    Raises:
        LayoutError: the path has a Tardis form but an invalid date or an unknown ``type=``.
    """
    path = Path(path)
    return _from_layout(path) or _from_file_name(path)
