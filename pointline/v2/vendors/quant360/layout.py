"""Quant360 names: data types, exchange codes, archive names and the Bronze layout.

Archives are delivered as ``<type>_<market>_<exchange>_<YYYYMMDD>.7z`` (e.g.
``order_new_STK_SZ_20240102.7z``) holding ``<same name>/<symbol>.csv`` per symbol; each member
is published to Bronze as
``quant360/exchange=<sse|szse>/type=<type>/date=<YYYY-MM-DD>/symbol=<symbol>/<symbol>.csv.gz``.
See ``/work/shared/spec/vendors.md`` (Quant360 China A-share Level 2/3).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import PurePath

from pointline.v2.ingestion.routing import QUANT360, stream_aliases, stream_names
from pointline.v2.vendors.base import BronzeLocation

VENDOR = QUANT360
VENDOR_LABEL = "Quant360"

ORDER_NEW = "order_new"
TICK_NEW = "tick_new"
L2_NEW = "L2_new"
DATA_TYPES: tuple[str, ...] = stream_names(VENDOR)
"""``order_new``, ``tick_new``, ``L2_new`` (from the routing table)."""
NOT_INGESTED: tuple[str, ...] = ("L1_new",)
"""Delivered by Quant360 but not ingested: their archives are reported as skipped."""

STREAM_ALIASES: dict[str, str] = stream_aliases(VENDOR)
"""Every ``data_type`` a Quant360 ``BronzeFileMetadata`` may carry -> the vendor stream
(derived from the routing table of :mod:`pointline.v2.ingestion.routing`)."""

SSE = "sse"
SZSE = "szse"
EXCHANGES: tuple[str, ...] = (SSE, SZSE)
EXCHANGE_BY_CODE: dict[str, str] = {"SH": SSE, "SZ": SZSE}
MARKETS: tuple[str, ...] = ("STK", "ConFI")

SYMBOL_PATTERN = re.compile(r"^\d{6}$")
ARCHIVE_PATTERN = re.compile(
    r"^(?P<data_type>[A-Za-z0-9]+_new)_(?P<market>STK|ConFI)_(?P<code>SH|SZ)_(?P<date>\d{8})\.7z$"
)
ARCHIVE_PATTERN_TEXT = "<order_new|tick_new|L2_new|L1_new>_<STK|ConFI>_<SH|SZ>_<YYYYMMDD>.7z"
BRONZE_LAYOUT_TEXT = (
    "quant360/exchange=<sse|szse>/type=<order_new|tick_new|L2_new>/date=<YYYY-MM-DD>/"
    "symbol=<6 digits>/<symbol>.csv.gz"
)


@dataclass(frozen=True)
class ArchiveName:
    """What a Quant360 archive's file name says."""

    name: str
    data_type: str
    market: str
    exchange: str
    date: datetime.date

    @property
    def stem(self) -> str:
        """The name without ``.7z``: also the folder inside the archive."""
        return self.name[: -len(".7z")]


def parse_archive_name(name: str) -> ArchiveName | None:
    """Parse ``<type>_<market>_<SH|SZ>_<YYYYMMDD>.7z``; None when the name does not match.

    ``L1_new`` archives parse (so that they can be reported as not ingested); other types and
    impossible dates (``20240230``) do not.
    """
    match = ARCHIVE_PATTERN.match(name)
    if match is None or match["data_type"] not in (*DATA_TYPES, *NOT_INGESTED):
        return None
    try:
        date = datetime.datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError:
        return None
    return ArchiveName(
        name=name,
        data_type=match["data_type"],
        market=match["market"],
        exchange=EXCHANGE_BY_CODE[match["code"]],
        date=date,
    )


def bronze_relpath(*, exchange: str, data_type: str, date: datetime.date, symbol: str) -> str:
    """The posix path of one member's Bronze file, relative to the Bronze root."""
    return (
        f"{VENDOR}/exchange={exchange}/type={data_type}/date={date.isoformat()}/"
        f"symbol={symbol}/{symbol}.csv.gz"
    )


def parse_bronze_path(path: str | PurePath) -> BronzeLocation | None:
    """What a Bronze path in the Quant360 layout says; None for any other path.

    Only the last six components are looked at, so the path may be absolute or relative to
    the Bronze root.
    """
    parts = PurePath(path).parts
    if len(parts) < 6:
        return None
    vendor, exchange, data_type, date, symbol, file_name = parts[-6:]
    keys = ("exchange=", "type=", "date=", "symbol=")
    values = (exchange, data_type, date, symbol)
    if vendor != VENDOR or not all(v.startswith(k) for k, v in zip(keys, values, strict=True)):
        return None
    exchange, data_type, date_text, symbol = (
        v[len(k) :] for k, v in zip(keys, values, strict=True)
    )
    if (
        exchange not in EXCHANGES
        or data_type not in DATA_TYPES
        or not SYMBOL_PATTERN.match(symbol)
        or file_name != f"{symbol}.csv.gz"
    ):
        return None
    try:
        day = datetime.date.fromisoformat(date_text)
    except ValueError:
        return None
    if day.isoformat() != date_text:
        return None
    return BronzeLocation(
        vendor=VENDOR, data_type=data_type, exchange=exchange, symbol=symbol, date=day
    )
