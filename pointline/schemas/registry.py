"""The registry of every canonical table spec, by name."""

from __future__ import annotations

from pointline.schemas.control import INGEST_MANIFEST, VALIDATION_LOG
from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.schemas.events_cn import CN_EVENT_SPECS
from pointline.schemas.events_crypto import CRYPTO_EVENT_SPECS
from pointline.schemas.types import TableSpec

_SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (*CRYPTO_EVENT_SPECS, *CN_EVENT_SPECS, DIM_SYMBOL, INGEST_MANIFEST, VALIDATION_LOG)
}


def get_table_spec(name: str) -> TableSpec:
    """Return the spec of table ``name``; ``KeyError`` lists the known names."""
    try:
        return _SPECS[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known tables: {list_table_specs()}") from None


def list_table_specs() -> list[str]:
    """Sorted names of every canonical table."""
    return sorted(_SPECS)


def list_specs() -> list[TableSpec]:
    """Every canonical table spec, sorted by name."""
    return [_SPECS[name] for name in list_table_specs()]


def event_table_names() -> list[str]:
    """Sorted names of the event tables."""
    return [spec.name for spec in list_specs() if spec.kind == "event"]
