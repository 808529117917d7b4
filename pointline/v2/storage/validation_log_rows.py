"""Rejected rows -> ``validation_log`` rows (shared by every quarantine store).

Mapping of one rejected row (see :class:`pointline.v2.storage.contracts.QuarantineStore`):

* ``rule_name``: the row's ``_reject_reason`` where not null, else ``reason``;
* ``field_name`` / ``field_value``: the row's ``_reject_field`` / ``_reject_value`` (as text);
* ``file_seq``, ``ts_event_us``, ``symbol``, ``symbol_id``: copied from the row when it has
  those columns (a value that does not cast to the log's dtype becomes null; it is still in
  ``row_json``);
* ``row_json``: the whole row without the ``_reject_*`` columns, as one JSON object (Polars
  encodes dates as ISO text; a float NaN or infinity becomes ``null``); when the parser kept
  the row's vendor text (``_reject_text``), it is there too, under ``original_text``: every
  column as it was in the file, also those that did not convert;
* ``severity`` is ``error``; ``message`` says the table, rule and (when known) the field.
"""

from __future__ import annotations

import polars as pl

from pointline.schemas.control import VALIDATION_LOG
from pointline.v2.fixed_point import (
    REJECT_COLUMNS,
    REJECT_FIELD,
    REJECT_REASON,
    REJECT_TEXT,
    REJECT_VALUE,
)

__all__ = ["DEDUPE_KEY", "SEVERITY_ERROR", "build_validation_log_rows"]

SEVERITY_ERROR = "error"
DEDUPE_KEY: tuple[str, ...] = ("file_id", "table_name", "file_seq", "rule_name")

_SCHEMA = VALIDATION_LOG.to_polars()
_COPIED = ("file_seq", "ts_event_us", "symbol", "symbol_id")


def _column_or_null(df: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    if name in df.columns:
        return pl.col(name).cast(dtype, strict=False)
    return pl.lit(None, dtype)


def build_validation_log_rows(
    table_name: str,
    df: pl.DataFrame,
    *,
    reason: str,
    file_id: int,
    logged_at_ts_us: int,
) -> pl.DataFrame:
    """One ``validation_log`` row per row of ``df``, with the exact VALIDATION_LOG schema.

    Args:
        table_name: the table the rows were meant for.
        df: the rejected rows, any columns, optionally with the ``_reject_*`` columns.
        reason: the rule name for rows without their own ``_reject_reason``.
        file_id: the manifest id of the Bronze file the rows come from.
        logged_at_ts_us: the time written to every row.

    Raises:
        ValueError: ``reason`` or ``table_name`` is empty.
    """
    if not isinstance(reason, str) or not reason:
        raise ValueError(f"reason must be a non-empty string, got {reason!r}")
    if not isinstance(table_name, str) or not table_name:
        raise ValueError(f"table_name must be a non-empty string, got {table_name!r}")
    if df.height == 0:
        return pl.DataFrame(schema=_SCHEMA)
    payload = [c for c in df.columns if c not in REJECT_COLUMNS and c != REJECT_TEXT]
    row_json = pl.struct(payload).struct.json_encode() if payload else pl.lit(None, pl.Utf8)
    if REJECT_TEXT in df.columns and payload:
        # the vendor text of the row, every column as it was in the file
        with_text = pl.concat_str(
            row_json.str.strip_suffix("}"),
            pl.lit(',"original_text":'),
            pl.col(REJECT_TEXT),
            pl.lit("}"),
        )
        row_json = pl.when(pl.col(REJECT_TEXT).is_not_null()).then(with_text).otherwise(row_json)
    row_json = row_json.alias("row_json")
    rule = pl.col(REJECT_REASON).cast(pl.Utf8) if REJECT_REASON in df.columns else pl.lit(None)
    rule = pl.coalesce(rule, pl.lit(reason)).alias("rule_name")
    field = _column_or_null(df, REJECT_FIELD, pl.Utf8)
    value = _column_or_null(df, REJECT_VALUE, pl.Utf8)
    out = df.select(
        pl.lit(file_id, pl.Int64).alias("file_id"),
        rule,
        pl.lit(SEVERITY_ERROR).alias("severity"),
        pl.lit(logged_at_ts_us, pl.Int64).alias("logged_at_ts_us"),
        *[_column_or_null(df, name, _SCHEMA[name]).alias(name) for name in _COPIED],
        field.alias("field_name"),
        value.alias("field_value"),
        pl.lit(table_name).alias("table_name"),
        row_json,
    )
    message = (
        pl.when(pl.col("field_name").is_not_null())
        .then(
            pl.format(
                "row for {} rejected: {} (field {} = {})",
                pl.col("table_name"),
                pl.col("rule_name"),
                pl.col("field_name"),
                pl.col("field_value").fill_null("null"),
            )
        )
        .otherwise(pl.format("row for {} rejected: {}", pl.col("table_name"), pl.col("rule_name")))
    )
    return out.with_columns(message.alias("message")).select(list(_SCHEMA)).cast(dict(_SCHEMA))
