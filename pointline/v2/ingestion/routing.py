"""The routing table of ``tables.md``: every vendor stream, its aliases and its table.

:data:`STREAMS` is the one place that says which ``data_type`` values exist. Everything else
derives from it: :func:`route_table` (data type -> canonical table), the vendors' alias maps
(:func:`stream_aliases`) and :func:`canonical_stream`, which names the one vendor stream a
``(vendor, data_type)`` means (``("tardis", "orderbook_updates")`` -> ``incremental_book_L2``).
"""

from __future__ import annotations

from dataclasses import dataclass

TARDIS = "tardis"
QUANT360 = "quant360"


@dataclass(frozen=True)
class Stream:
    """One vendor stream: its canonical name (as the vendor spells it in file names), the
    table its rows go to, and the other ``data_type`` spellings that mean it."""

    vendor: str
    name: str
    table: str
    aliases: tuple[str, ...] = ()


STREAMS: tuple[Stream, ...] = (
    Stream(TARDIS, "trades", "trades"),
    Stream(TARDIS, "quotes", "quotes"),
    Stream(
        TARDIS,
        "incremental_book_L2",
        "orderbook_updates",
        ("incremental_book_l2", "orderbook_updates"),
    ),
    Stream(TARDIS, "book_snapshot_5", "book_snapshots"),
    Stream(TARDIS, "book_snapshot_25", "book_snapshots"),
    Stream(TARDIS, "book_snapshots", "book_snapshots"),
    Stream(TARDIS, "derivative_ticker", "derivative_ticker"),
    Stream(TARDIS, "liquidations", "liquidations"),
    Stream(TARDIS, "options_chain", "options_chain"),
    Stream(QUANT360, "order_new", "cn_order_events", ("l3_orders", "cn_order_events")),
    Stream(QUANT360, "tick_new", "cn_tick_events", ("l3_ticks", "cn_tick_events")),
    Stream(QUANT360, "L2_new", "cn_l2_snapshots", ("l2_new", "cn_l2_snapshots")),
)
"""``book_snapshots`` is a Tardis stream of its own: a file of either depth, the header
tells which (it cannot be normalised to one depth without reading the file)."""

DATA_TYPE_TO_TABLE: dict[str, str] = {
    name: s.table for s in STREAMS for name in (s.name, *s.aliases)
}

SUPPORTED_DATA_TYPES: tuple[str, ...] = tuple(sorted(DATA_TYPE_TO_TABLE))


def route_table(data_type: str) -> str:
    """The canonical table for ``data_type``.

    Raises:
        ValueError: the data type is not supported; the message lists the supported values.
    """
    try:
        return DATA_TYPE_TO_TABLE[data_type]
    except KeyError:
        raise ValueError(
            f"unsupported data_type {data_type!r}; "
            f"supported values: {', '.join(SUPPORTED_DATA_TYPES)}"
        ) from None


def stream_names(vendor: str) -> tuple[str, ...]:
    """The canonical stream names of ``vendor``, in table order (empty for a vendor the
    routing table does not know)."""
    return tuple(s.name for s in STREAMS if s.vendor == vendor)


def stream_aliases(vendor: str) -> dict[str, str]:
    """Every ``data_type`` spelling of ``vendor`` (its stream names included) -> stream."""
    return {name: s.name for s in STREAMS if s.vendor == vendor for name in (s.name, *s.aliases)}


def canonical_stream(vendor: str, data_type: str) -> str:
    """The vendor stream ``data_type`` names: ``("tardis", "incremental_book_l2")`` and
    ``("tardis", "orderbook_updates")`` are ``"incremental_book_L2"``.

    A vendor the routing table does not know (one plugged in by a user) keeps its
    ``data_type`` as given.

    Raises:
        ValueError: ``vendor`` is known but has no such data type (the message lists its
            supported values).
    """
    aliases = stream_aliases(vendor)
    if not aliases:
        return data_type
    try:
        return aliases[data_type]
    except KeyError:
        raise ValueError(
            f"{vendor} has no data type {data_type!r}; supported: {', '.join(sorted(aliases))}"
        ) from None
