"""Column and table specifications: the typed form of ``docs``/``tables.md``.

A :class:`TableSpec` is the single declaration of a Silver table. Every writer
normalises frames to ``TableSpec.to_polars()`` and every reader can rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

PRICE_SCALE: int = 10**9
QTY_SCALE: int = 10**9
AMOUNT_SCALE_CNY: int = 10**4

INGEST_STATUS_PENDING = "pending"
INGEST_STATUS_SUCCESS = "success"
INGEST_STATUS_FAILED = "failed"
INGEST_STATUS_QUARANTINED = "quarantined"
INGEST_STATUS_VALUES: tuple[str, ...] = (
    INGEST_STATUS_PENDING,
    INGEST_STATUS_SUCCESS,
    INGEST_STATUS_FAILED,
    INGEST_STATUS_QUARANTINED,
)

TableKind = Literal["event", "dimension", "control"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column: name, Polars dtype, nullability and (for fixed point) its scale."""

    name: str
    dtype: pl.DataType | type[pl.DataType]
    nullable: bool = False
    description: str = ""
    scale: int | None = None


@dataclass(frozen=True)
class TableSpec:
    """A canonical table. Refuses to build when keys name unknown columns or a column repeats."""

    name: str
    kind: TableKind
    column_specs: tuple[ColumnSpec, ...]
    partition_by: tuple[str, ...] = ()
    business_keys: tuple[str, ...] = ()
    tie_break_keys: tuple[str, ...] = ()
    schema_version: int = 1
    _by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ("event", "dimension", "control"):
            raise ValueError(f"table {self.name!r}: unknown kind {self.kind!r}")
        by_name: dict[str, ColumnSpec] = {}
        for col in self.column_specs:
            if col.name in by_name:
                raise ValueError(f"table {self.name!r}: column {col.name!r} is declared twice")
            by_name[col.name] = col
        object.__setattr__(self, "_by_name", by_name)
        for label, keys in (
            ("partition_by", self.partition_by),
            ("business_keys", self.business_keys),
            ("tie_break_keys", self.tie_break_keys),
        ):
            unknown = [k for k in keys if k not in by_name]
            if unknown:
                raise ValueError(
                    f"table {self.name!r}: {label} names unknown column(s) {unknown}; "
                    f"known columns: {list(by_name)}"
                )

    def columns(self) -> list[str]:
        return [c.name for c in self.column_specs]

    def required_columns(self) -> list[str]:
        return [c.name for c in self.column_specs if not c.nullable]

    def nullable_columns(self) -> list[str]:
        return [c.name for c in self.column_specs if c.nullable]

    def to_polars(self) -> pl.Schema:
        return pl.Schema([(c.name, c.dtype) for c in self.column_specs])

    def has_column(self, name: str) -> bool:
        return name in self._by_name

    def get_column(self, name: str) -> ColumnSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"table {self.name!r} has no column {name!r}; columns: {self.columns()}"
            ) from None

    def scaled_columns(self) -> list[str]:
        return [c.name for c in self.column_specs if c.scale is not None]

    def scale_for(self, name: str) -> int | None:
        return self.get_column(name).scale
