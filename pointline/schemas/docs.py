"""Render the table registry as Markdown (``docs/tables.md`` is generated from this).

Regenerate with ``uv run python -m pointline.schemas.docs > docs/tables.md``; a test fails when
the committed file is stale.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.registry import list_specs
from pointline.schemas.types import ColumnSpec, TableSpec

_KIND_TITLES = {
    "event": "Event tables",
    "dimension": "Dimension tables",
    "control": "Control tables",
}


def _dtype_text(dtype: pl.DataType | type[pl.DataType]) -> str:
    return str(dtype)


def _scale_text(column: ColumnSpec) -> str:
    if column.scale is None:
        return ""
    return f"10^{len(str(column.scale)) - 1}"


def _keys(keys: tuple[str, ...]) -> str:
    return ", ".join(f"`{k}`" for k in keys) if keys else "—"


def render_table(spec: TableSpec) -> str:
    """One table's section: keys, then a row per column."""
    lines = [
        f"### `{spec.name}`",
        "",
        f"- kind: {spec.kind}; schema version {spec.schema_version}",
        f"- partitioned by: {_keys(spec.partition_by)}",
        f"- business keys: {_keys(spec.business_keys)}",
        f"- tie-break order: {_keys(spec.tie_break_keys)}",
        "",
        "| column | dtype | nullable | scale | description |",
        "|---|---|---|---|---|",
    ]
    for column in spec.column_specs:
        nullable = "yes" if column.nullable else "no"
        lines.append(
            f"| `{column.name}` | {_dtype_text(column.dtype)} | {nullable} | "
            f"{_scale_text(column)} | {column.description} |"
        )
    return "\n".join(lines)


def render_tables_markdown() -> str:
    """The whole ``docs/tables.md``."""
    parts = [
        "# Tables",
        "",
        "Generated from the `TableSpec` registry (`pointline/schemas/`) by",
        "`uv run python -m pointline.schemas.docs > docs/tables.md`. Do not edit by hand.",
        "",
        "Prices and quantities are `Int64` fixed point: the stored integer is the decimal value",
        "times the scale (10^9 unless stated). Timestamps are UTC microseconds.",
    ]
    for kind, title in _KIND_TITLES.items():
        specs = [s for s in list_specs() if s.kind == kind]
        parts += ["", f"## {title}"]
        for spec in specs:
            parts += ["", render_table(spec)]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_tables_markdown(), end="")
