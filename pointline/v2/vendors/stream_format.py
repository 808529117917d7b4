"""How a vendor declares one stream, and the one converter that applies the declaration.

A vendor describes each of its streams as data, a :class:`StreamFormat`: the header it must
have, the table its rows go to and, per output column, how the column is computed from the
vendor's text: a :class:`Field` (integers, booleans, floats, codes, text, constants, or any
expression), an exact decimal (``decimals``, through :mod:`pointline.v2.fixed_point`) or a
bracketed level array (``levels``). :meth:`StreamFormat.map_text` turns a frame of text rows
into rows of the table (the parser contract of :mod:`pointline.v2.vendors.base`).

Conversion is one pass that also tells whether any value failed or is a decimal the fast
conversion may not get exactly right; only then (rarely) are the rows mapped again by the
path that flags each failing row in the reject columns of :mod:`pointline.v2.fixed_point`:
``_reject_reason`` (``invalid_integer``, ``invalid_boolean``, ``invalid_float``,
``invalid_code``, ``invalid_timestamp``, ``invalid_decimal``, ``unrepresentable_decimal``),
``_reject_field`` and ``_reject_value`` (the original text). A row keeps the first failure:
one the reader or ``prepare`` flagged, then the fields in declaration order, then the level
arrays, then the decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pointline.schemas.registry import get_table_spec
from pointline.v2.fixed_point import (
    REJECT_COLUMNS,
    REJECT_REASON,
    REJECT_TEXT,
    convert_decimal_columns,
    fast_decimal,
)
from pointline.v2.frames import RowNumbers, Value, with_constants
from pointline.v2.reasons import (
    INVALID_BOOLEAN,
    INVALID_CODE,
    INVALID_FLOAT,
    INVALID_INTEGER,
    INVALID_TIMESTAMP,
)
from pointline.v2.vendors.levels import convert_level_columns, fast_levels
from pointline.v2.vendors.text_files import check_header

DERIVED_COLUMNS: tuple[str, ...] = ("trading_date", "symbol_id", "file_id")
"""Target columns the pipeline derives; parsers leave them out."""

_SUSPECT = "__suspect"
_CONSTANT = "__constant_"


@dataclass(frozen=True)
class Field:
    """One output column computed from the vendor's text.

    Attributes:
        value: the column's expression over the vendor's text columns.
        source: the vendor column it converts, when a bad value must be rejected: a row whose
            ``source`` text is present but whose value is null is rejected with ``reason``
            (the text is kept as the reject value).
        reason: the reject reason.
        typed: when the reader may hand ``source`` over as integers already (it read the
            column typed), the dtype the integers are cast to instead of ``value``.
        bounds: inclusive (low, high) of a valid value; a value outside is rejected with
            ``bounds_reason`` (an integer timestamp beyond the calendar).
    """

    value: pl.Expr
    source: str | None = None
    reason: str | None = None
    typed: pl.DataType | type[pl.DataType] | None = None
    bounds: tuple[int, int] | None = None
    bounds_reason: str | None = None

    def expr(self, schema: pl.Schema) -> pl.Expr:
        """The value expression for text of ``schema`` (null outside ``bounds``)."""
        value = self.unbounded(schema)
        if self.bounds is not None:
            value = pl.when(value.is_between(*self.bounds)).then(value)
        return value

    def unbounded(self, schema: pl.Schema) -> pl.Expr:
        """The value expression without the ``bounds`` check (a column read typed already
        stays that column: no copy)."""
        if self.typed is not None and schema.get(self.source, pl.Utf8).is_integer():
            return pl.col(self.source).cast(self.typed)  # type: ignore[arg-type]
        return self.value

    def reason_of(self, text: pl.Expr) -> str | pl.Expr:
        """The reject reason of a row whose ``text`` did not convert: ``bounds_reason`` when
        the text is an integer (it lies outside ``bounds``), else ``reason``."""
        if self.bounds is None:
            return self.reason or ""
        is_integer = text.str.strip_chars().cast(pl.Int64, strict=False).is_not_null()
        return pl.when(is_integer).then(pl.lit(self.bounds_reason)).otherwise(pl.lit(self.reason))


def column(name: str) -> Field:
    """The vendor column as it is (text; a missing value stays null)."""
    return Field(value=pl.col(name))


def integer(name: str, dtype: type[pl.DataType] = pl.Int64, *, strip: bool = False) -> Field:
    """Integer text (decimal digits, optional sign); anything that does not fit ``dtype``
    (``12a``, ``1.5``, too large) is ``invalid_integer``; a missing value stays null.

    Args:
        strip: accept blanks around the digits (Tardis; Quant360 rejects `` 7``).
    """
    text = pl.col(name).str.strip_chars() if strip else pl.col(name)
    return Field(
        value=text.cast(dtype, strict=False), source=name, reason=INVALID_INTEGER, typed=dtype
    )


MIN_TIMESTAMP_US = -62_135_596_800_000_000
"""0001-01-01T00:00:00Z in microseconds since the epoch: the first instant a date holds."""
MAX_TIMESTAMP_US = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999Z: the last one."""


def timestamp_us(name: str) -> Field:
    """Integer microseconds since the epoch (blanks around the digits allowed). Text that is
    no integer (or does not fit Int64) is ``invalid_integer``; an integer outside the years
    1-9999 (``253402300800000000``, ``-9223372036854775808``) is ``invalid_timestamp``, so the
    row is quarantined instead of failing the file (its trading date does not exist)."""
    field = integer(name, strip=True)
    return Field(
        value=field.value,
        source=name,
        reason=INVALID_INTEGER,
        typed=pl.Int64,
        bounds=(MIN_TIMESTAMP_US, MAX_TIMESTAMP_US),
        bounds_reason=INVALID_TIMESTAMP,
    )


def boolean(name: str) -> Field:
    """``true``/``false`` -> Boolean; any other text is ``invalid_boolean``."""
    value = pl.col(name).replace_strict(
        {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
    )
    return Field(value=value, source=name, reason=INVALID_BOOLEAN)


def floating(name: str) -> Field:
    """Float text -> Float64 (rates, implied volatilities, greeks); else ``invalid_float``."""
    return Field(
        value=pl.col(name).cast(pl.Float64, strict=False), source=name, reason=INVALID_FLOAT
    )


def code(name: str, mapping: Mapping[str, str], *, other: str | None) -> Field:
    """A vendor code mapped to its canonical text.

    Args:
        name: the vendor column.
        mapping: vendor code -> canonical value (``{"B": "BUY", "S": "SELL"}``).
        other: the value of any other code, missing ones included (e.g. ``"UNKNOWN"``); when
            None, a missing code stays null and an unknown one is ``invalid_code``.
    """
    mapped = mapped_codes(pl.col(name), mapping)
    if other is not None:
        return Field(value=mapped.fill_null(other))
    return Field(value=mapped, source=name, reason=INVALID_CODE)


def mapped_codes(column_expr: pl.Expr, mapping: Mapping[str, str]) -> pl.Expr:
    """``mapping[value]`` per row, null for any other value. A chain of comparisons: for the
    few codes of a vendor field it is about twice as fast as a hash lookup per row."""
    if not mapping:
        return pl.lit(None, pl.Utf8)
    (first, value), *rest = mapping.items()
    chain = pl.when(column_expr == first).then(pl.lit(value, pl.Utf8))
    for code_value, canonical in rest:
        chain = chain.when(column_expr == code_value).then(pl.lit(canonical, pl.Utf8))
    return chain.otherwise(pl.lit(None, pl.Utf8))


def text(name: str) -> Field:
    """Text kept as is (surrounding whitespace removed); missing stays null."""
    return Field(value=pl.col(name).str.strip_chars())


def constant(value: str | None, dtype: type[pl.DataType] = pl.Utf8) -> Field:
    """The same value on every row (``TRADE``; null for a column the stream lacks)."""
    return Field(value=pl.lit(value, dtype))


def output_schema(table: str) -> pl.Schema:
    """Columns and dtypes a parser returns for ``table``: the table's, minus
    :data:`DERIVED_COLUMNS`, then the reject columns (text)."""
    spec = get_table_spec(table)
    return pl.Schema(
        [(c.name, c.dtype) for c in spec.column_specs if c.name not in DERIVED_COLUMNS]
        + [(c, pl.String) for c in REJECT_COLUMNS]
    )


@dataclass(frozen=True)
class FileContext:
    """The file being parsed and what its path says."""

    path: Path
    exchange: str
    symbol: str


Check = tuple[pl.Expr, "str | pl.Expr", "str | pl.Expr", pl.Expr]
"""``(failed, reason, field, value)``: a boolean row condition, its reason code, the field
it is about (the reason and field as text or as an expression) and the text to keep."""


def _first_match(checks: Sequence[Check], part: int) -> pl.Expr:
    """Part ``part`` (reason, field or value) of the first check that fails, else null."""
    chain = None
    for check in checks:
        failed, value = check[0], check[part]
        value = value if isinstance(value, pl.Expr) else pl.lit(value, pl.String)
        chain = (pl.when(failed) if chain is None else chain.when(failed)).then(value)
    return chain.otherwise(pl.lit(None, pl.String))  # type: ignore[union-attr]


def flag_rows(frame: pl.LazyFrame, checks: Sequence[Check]) -> pl.LazyFrame:
    """Flag the rows failing ``checks``: the first failing check sets all three reject columns.

    A row already flagged keeps its reject columns as they are.
    """
    if not checks:
        return frame
    new = {c: f"__new{c}" for c in REJECT_COLUMNS}
    return (
        frame.with_columns(
            _first_match(checks, part).alias(new[c]) for part, c in enumerate(REJECT_COLUMNS, 1)
        )
        .with_columns(
            pl.when(pl.col(REJECT_REASON).is_null())
            .then(pl.col(new[c]))
            .otherwise(pl.col(c))
            .alias(c)
            for c in REJECT_COLUMNS
        )
        .drop(new.values())
    )


@dataclass(frozen=True)
class StreamFormat:
    """How one vendor stream maps to its table.

    Attributes:
        data_type: the vendor's stream name (``trades``, ``order_new``, ...).
        table: the canonical table the rows go to.
        columns: the vendor columns the header must have (in the documented order).
        fields: output column -> :class:`Field`; in the order failures are ranked.
        decimals: output column -> (vendor column, scale), exact decimal text.
        levels: output column -> (vendor column, scale), bracketed level arrays.
        exchange: the exchange the format is for, when it differs by exchange (Quant360).
        allow_extra_columns: whether other columns may be in the header.
        rejects_name_source: ``_reject_field`` names the vendor column (Tardis) rather than
            the output column (Quant360).
        vendor_label: the vendor's name in error messages.
        prepare: computes further columns from the text and flags rows, before the fields
            (Tardis book snapshots: level gaps), or None.
        finish: computes output columns from the kept text after the fields (Tardis book
            snapshots: the level lists), or None.
        keep: vendor columns carried to ``finish`` unconverted.
        check: a whole-file check on the text frame (e.g. the SSE symbol), or None.
        check_columns: the vendor columns ``check`` reads.
    """

    data_type: str
    table: str
    columns: tuple[str, ...]
    fields: Mapping[str, Field]
    decimals: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    levels: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    exchange: str | None = None
    allow_extra_columns: bool = False
    rejects_name_source: bool = False
    vendor_label: str = ""
    prepare: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None
    finish: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None
    keep: tuple[str, ...] = ()
    check: Callable[[pl.DataFrame, FileContext, int], None] | None = None
    check_columns: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """E.g. ``Tardis trades`` or ``Quant360 order_new (szse)``, used in error messages."""
        suffix = f" ({self.exchange})" if self.exchange else ""
        return f"{self.vendor_label} {self.data_type}{suffix}".strip()

    def used_columns(self) -> list[str]:
        """The vendor columns the mapping and the check read, in header order (the others
        are checked in the header but not kept in memory)."""
        used = set(self.check_columns) | set(self.keep)
        for f in self.fields.values():
            used.update(f.value.meta.root_names())
        used.update(source for source, _ in self.decimals.values())
        used.update(source for source, _ in self.levels.values())
        return [c for c in self.columns if c in used]

    def output_columns(self) -> list[str]:
        """The parser's output columns: the table's, minus the pipeline-derived ones, plus
        the reject columns."""
        return list(output_schema(self.table))

    def output_schema(self) -> pl.Schema:
        """Columns and dtypes the parser returns (:func:`output_schema` of its table)."""
        return output_schema(self.table)

    def map_text(
        self,
        text: pl.DataFrame,
        constants: Sequence[pl.Expr] = (),
        *,
        original_text: bool = False,
    ) -> pl.DataFrame:
        """Vendor text rows -> rows of the target table (parser contract).

        Args:
            text: the vendor's text columns (an empty field read as null), possibly with the
                reject columns of rows the reader flagged already.
            constants: further output columns computed per file (exchange, symbol,
                ``file_seq``).
            original_text: add ``_reject_text``: on each rejected row its vendor text as a
                JSON object (computed only when a row is rejected).
        """
        prepared = self._prepared(text)
        fast = self._convert_fast(prepared, constants)
        if fast is None:
            fast = self._convert_exactly(prepared, constants)
        out = self._finish(fast, original_text=original_text)
        return with_original_text(out, text, self.columns) if original_text else out

    def map_fast(
        self, text: pl.DataFrame, constants: Sequence[pl.Expr] = ()
    ) -> pl.DataFrame | None:
        """The one-pass mapping alone: the rows when no value fails or is suspect, else None
        (for tests: where it answers, it equals :meth:`map_exactly`)."""
        text = self._prepared(text)
        fast = self._convert_fast(text, constants)
        return None if fast is None else self._finish(fast)

    def map_exactly(self, text: pl.DataFrame, constants: Sequence[pl.Expr] = ()) -> pl.DataFrame:
        """The mapping that flags every failing row (what :meth:`map_text` falls back to)."""
        return self._finish(self._convert_exactly(self._prepared(text), constants))

    def _prepared(self, text: pl.DataFrame) -> pl.DataFrame:
        if self.prepare is None:
            return text
        lf = text.lazy()
        if REJECT_REASON not in text.columns:
            lf = lf.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS)
        return self.prepare(lf).collect()

    def _finish(self, frame: pl.LazyFrame, *, original_text: bool = False) -> pl.DataFrame:
        """The output columns in the table's dtypes, then the reject columns (and a null
        ``_reject_text`` when asked: a literal column costs no memory)."""
        if self.finish is not None:
            frame = self.finish(frame)
        dtypes = get_table_spec(self.table).to_polars()
        present = set(frame.collect_schema().names())
        return frame.select(
            *[
                (pl.col(c) if c in present else pl.lit(None)).cast(dtypes[c]).alias(c)
                for c in self.output_columns()
                if c not in REJECT_COLUMNS
            ],
            *[pl.col(c).cast(pl.Utf8) for c in REJECT_COLUMNS],
            *([pl.lit(None, pl.Utf8).alias(REJECT_TEXT)] if original_text else []),
        ).collect()

    def _convert_fast(
        self, text: pl.DataFrame, constants: Sequence[pl.Expr]
    ) -> pl.LazyFrame | None:
        """The converted rows when no value fails (no reject to describe), else None."""
        schema = text.schema
        names = list(self.fields)
        temp = {name: f"__out_{i}" for i, name in enumerate(names)}
        suspect = [
            pl.col(f.source).is_not_null() & pl.col(temp[name]).is_null()
            for name, f in self.fields.items()
            if f.source is not None
        ]
        # a value outside its bounds is suspect: the exact path rejects it
        suspect += [
            pl.col(temp[name]).is_between(*f.bounds).not_()
            for name, f in self.fields.items()
            if f.bounds is not None
        ]
        # decimal values are computed first, as fields are: their masks read the result
        computed: dict[str, pl.Expr] = {}
        for i, (name, (source, scale)) in enumerate(self.decimals.items()):
            column_name = f"__dec_{i}"
            values, slow = fast_decimal(pl.col(source), scale, computed=pl.col(column_name))
            computed[name] = values.alias(column_name)
            temp[name] = column_name
            suspect.append(slow)
        levels = {}
        for name, (source, scale) in self.levels.items():
            values, slow = fast_levels(pl.col(source), scale)
            levels[name] = values
            suspect.append(slow)
        carried = [c for c in (*self.keep, *REJECT_COLUMNS) if c in schema]
        out = (
            text.lazy()
            .with_columns(
                *[f.unbounded(schema).alias(temp[name]) for name, f in self.fields.items()],
                *computed.values(),
            )
            .select(
                *[pl.col(temp[name]).alias(name) for name in [*names, *computed]],
                *[values.alias(name) for name, values in levels.items()],
                *constants,
                *carried,
                pl.any_horizontal(suspect or [pl.lit(False)]).alias(_SUSPECT),
            )
            .collect()
        )
        if out.drop_in_place(_SUSPECT).any():  # in place: a query would realign (copy) chunks
            return None
        if REJECT_REASON not in schema:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS)
        return out.lazy()

    def _convert_exactly(self, text: pl.DataFrame, constants: Sequence[pl.Expr]) -> pl.LazyFrame:
        """The converted rows with every failing row flagged in the reject columns."""
        decimal_names = {name: f"__dec_{i}" for i, name in enumerate(self.decimals)}
        kept = {
            **{decimal_names[n]: source for n, (source, _) in self.decimals.items()},
            **{name: source for name, (source, _) in self.levels.items()},
        }
        lf = self._select_with_rejects(text, kept).with_columns(constants)
        lf = convert_level_columns(lf, {n: scale for n, (_, scale) in self.levels.items()})
        labels = {
            decimal_names[n]: (source if self.rejects_name_source else n)
            for n, (source, _) in self.decimals.items()
        }
        lf = convert_decimal_columns(
            lf,
            {decimal_names[n]: scale for n, (_, scale) in self.decimals.items()},
            labels=labels,
        )
        return lf.rename({temp: name for name, temp in decimal_names.items()})

    def _select_with_rejects(self, text: pl.DataFrame, kept: Mapping[str, str]) -> pl.LazyFrame:
        """The fields, ``kept`` columns (name -> vendor column) unconverted, and per row the
        first failure (a row flagged before keeps its flag)."""
        schema = text.schema
        checked = {name: f for name, f in self.fields.items() if f.source is not None}
        sources = {f.source: f"__text_{i}" for i, f in enumerate(checked.values())}
        earlier = [c for c in (*self.keep, *REJECT_COLUMNS) if c in schema]
        earlier += [c for c in schema if c.startswith(_CONSTANT)]  # see convert_texts
        lf = text.lazy().select(
            *[f.expr(schema).alias(name) for name, f in self.fields.items()],
            *[pl.col(source).alias(name) for name, source in kept.items()],
            *[pl.col(source).cast(pl.Utf8).alias(alias) for source, alias in sources.items()],
            *earlier,
        )
        if REJECT_REASON not in schema:
            lf = lf.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS)
        checks: list[Check] = [
            (
                pl.col(sources[f.source]).is_not_null() & pl.col(name).is_null(),
                f.reason_of(pl.col(sources[f.source])),
                f.source if self.rejects_name_source else name,  # type: ignore[arg-type]
                pl.col(sources[f.source]),
            )
            for name, f in checked.items()
        ]
        return flag_rows(lf, checks).drop(list(sources.values()))


@dataclass(frozen=True)
class PendingText:
    """A file's vendor text, read and checked but not yet converted.

    :func:`convert_texts` converts the texts of many files at once, each to what
    ``format.map_text`` gives it alone: every step of the conversion is row-wise, so the
    fixed cost of a conversion (one query) is paid once for many small files.

    Attributes:
        format: the stream's declaration.
        text: the vendor text rows (as ``map_text`` takes them).
        original_text: add ``_reject_text`` (see :meth:`StreamFormat.map_text`).
        values: text columns every row of the file gets (name, value), e.g. the exchange and
            symbol a path says.
        first_seq: ``file_seq`` numbered from here; None when ``text`` carries ``file_seq``.
    """

    format: StreamFormat
    text: pl.DataFrame
    original_text: bool = False
    values: tuple[tuple[str, str], ...] = ()
    first_seq: int | None = None

    def convert(self) -> pl.DataFrame:
        """This file's rows of ``format.table``, converted alone."""
        return self.format.map_text(
            self.text, self._constants(literal=True), original_text=self.original_text
        )

    def stack_key(self) -> tuple:
        """Texts of one key can be converted together (same declaration and columns)."""
        if self.format.prepare is not None or self.format.finish is not None:
            return (id(self),)  # a declaration with its own steps converts alone
        names = tuple(name for name, _ in self.values)
        return (
            id(self.format),
            self.original_text,
            names,
            self.first_seq is None,
            tuple(self.text.schema.items()),
        )

    def _constants(self, *, literal: bool) -> list[pl.Expr]:
        if literal:
            found = [pl.lit(value, pl.Utf8).alias(name) for name, value in self.values]
            if self.first_seq is not None:
                numbers = pl.int_range(pl.len(), dtype=pl.Int64) + self.first_seq
                found.append(numbers.alias("file_seq"))
            return found
        names = [name for name, _ in self.values]
        if self.first_seq is not None:
            names.append("file_seq")
        return [pl.col(f"{_CONSTANT}{name}").alias(name) for name in names]

    def _with_constant_columns(self) -> pl.DataFrame:
        """``text`` with the constants as columns (hidden names), for a stack."""
        columns: dict[str, Value] = {
            f"{_CONSTANT}{name}": (value, pl.Utf8) for name, value in self.values
        }
        if self.first_seq is not None:
            columns[f"{_CONSTANT}file_seq"] = RowNumbers(self.first_seq)
        return with_constants(self.text, columns) if columns else self.text


def convert_texts(pending: Sequence[PendingText]) -> list[pl.DataFrame | Exception]:
    """Each text converted (or the exception converting it raised), in order.

    Texts of one :meth:`PendingText.stack_key` are stacked and converted in one pass, then
    sliced back; a stack whose conversion raises is converted again file by file, so an
    error stays with its file. The rows are those each file's conversion alone gives.
    """
    out: list[pl.DataFrame | Exception] = [ValueError("not converted")] * len(pending)
    groups: dict[tuple, list[int]] = {}
    for i, item in enumerate(pending):
        groups.setdefault(item.stack_key(), []).append(i)
    for indexes in groups.values():
        if len(indexes) > 1:
            try:
                stacked = _convert_stack([pending[i] for i in indexes])
            except Exception:
                pass  # each file again alone: its error stays with it
            else:
                for i, rows in zip(indexes, stacked, strict=True):
                    out[i] = rows
                continue
        for i in indexes:
            try:
                out[i] = pending[i].convert()
            except Exception as exc:  # the file's failure, reported with it
                out[i] = exc
    return out


def _convert_stack(items: list[PendingText]) -> list[pl.DataFrame]:
    first = items[0]
    stacked = pl.concat([item._with_constant_columns() for item in items], rechunk=False)
    rows = first.format.map_text(
        stacked, first._constants(literal=False), original_text=first.original_text
    )
    if rows.height != stacked.height:  # pragma: no cover - every step keeps every row
        raise RuntimeError("the conversion of a stack changed its number of rows")
    del stacked
    parts, offset = [], 0
    for item in items:
        parts.append(rows.slice(offset, item.text.height))
        offset += item.text.height
    return parts


def with_original_text(
    out: pl.DataFrame, text: pl.DataFrame, columns: Sequence[str]
) -> pl.DataFrame:
    """``out`` (parsed rows with a null ``_reject_text``: :meth:`StreamFormat._finish`) with
    ``_reject_text`` set: the vendor ``columns`` of ``text`` (the same rows, in the same
    order) as one JSON object on each rejected row, else null."""
    rejected = out.get_column(REJECT_REASON).is_not_null()
    if not rejected.any():
        return out
    names = [c for c in columns if c in text.columns]
    encoded = text.select(
        pl.struct(pl.col(names).cast(pl.Utf8)).struct.json_encode().alias(REJECT_TEXT)
    ).get_column(REJECT_TEXT)
    kept = pl.when(pl.col(REJECT_REASON).is_not_null()).then(pl.col(REJECT_TEXT))
    return out.with_columns(encoded).with_columns(kept.alias(REJECT_TEXT))


def check_header_of(fmt: StreamFormat, header: Sequence[str], path: str | Path) -> None:
    """:func:`pointline.v2.vendors.text_files.check_header` with ``fmt``'s declaration."""
    check_header(
        header, fmt.columns, path=path, label=fmt.label, allow_extra=fmt.allow_extra_columns
    )
