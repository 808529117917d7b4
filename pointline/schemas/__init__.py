"""Canonical table specs (the data contract of ``tables.md``)."""

from pointline.schemas.registry import get_table_spec, list_specs, list_table_specs
from pointline.schemas.types import (
    INGEST_STATUS_VALUES,
    PRICE_SCALE,
    QTY_SCALE,
    ColumnSpec,
    TableSpec,
)

__all__ = [
    "INGEST_STATUS_VALUES",
    "PRICE_SCALE",
    "QTY_SCALE",
    "ColumnSpec",
    "TableSpec",
    "get_table_spec",
    "list_specs",
    "list_table_specs",
]
