"""One Quant360 stream of one exchange: its header, its mapping, and the parse driver.

A :class:`StreamFormat` declares, per output column, how it is computed from the vendor's
text (:mod:`~pointline.v2.vendors.quant360.fields`, exact decimals, level arrays).
:func:`parse_file` and :func:`iter_file` apply it to a whole file or to chunks; both give the
same rows (``file_seq`` continues across chunks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pointline.schemas.registry import get_table_spec
from pointline.v2.fixed_point import REJECT_COLUMNS, convert_decimal_columns, fast_decimal
from pointline.v2.vendors.quant360 import reader
from pointline.v2.vendors.quant360.fields import Field, select_with_rejects
from pointline.v2.vendors.quant360.levels import convert_level_columns, fast_levels

PIPELINE_DERIVED: tuple[str, ...] = ("trading_date", "symbol_id", "file_id")
_SUSPECT = "__suspect"


@dataclass(frozen=True)
class FileContext:
    """The file being parsed and what its path says."""

    path: Path
    exchange: str
    symbol: str


@dataclass(frozen=True)
class StreamFormat:
    """How one stream (``order_new``/``tick_new``/``L2_new``) of one exchange maps to its table.

    Attributes:
        data_type: the Quant360 stream.
        exchange: ``sse`` or ``szse``.
        table: the canonical table the rows go to.
        columns: the vendor columns the header must have (in the documented order).
        allow_extra_columns: whether other columns may follow (only SZSE L2 documents "…").
        fields: output column -> :class:`Field` (integers, timestamps, codes, text).
        decimals: output column -> (vendor column, scale), exact decimal text.
        levels: output column -> (vendor column, scale), bracketed level arrays.
        check: a whole-file check on the text frame (e.g. the SSE symbol), or None.
        check_columns: the vendor columns ``check`` reads.
    """

    data_type: str
    exchange: str
    table: str
    columns: tuple[str, ...]
    fields: Mapping[str, Field]
    decimals: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    levels: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    allow_extra_columns: bool = False
    check: Callable[[pl.DataFrame, FileContext, int], None] | None = None
    check_columns: tuple[str, ...] = ()

    def used_columns(self) -> list[str]:
        """The vendor columns the mapping and the check read, in header order (the others
        are checked in the header but not kept in memory)."""
        used = set(self.check_columns)
        for f in self.fields.values():
            used.update(f.value.meta.root_names())
        used.update(source for source, _ in self.decimals.values())
        used.update(source for source, _ in self.levels.values())
        return [c for c in self.columns if c in used]

    @property
    def label(self) -> str:
        """E.g. ``order_new (szse)``, used in error messages."""
        return f"{self.data_type} ({self.exchange})"

    def output_columns(self) -> list[str]:
        """The parser's output columns: the table's, minus the pipeline-derived ones, plus
        the reject columns."""
        spec = get_table_spec(self.table)
        return [c for c in spec.columns() if c not in PIPELINE_DERIVED] + list(REJECT_COLUMNS)

    def map_text(self, text: pl.DataFrame, ctx: FileContext, *, first_seq: int) -> pl.DataFrame:
        """Vendor text rows -> rows of the target table (parser contract), ``file_seq``
        numbered from ``first_seq``.

        Every column is converted in one pass that also tells whether any value failed or is
        a decimal the fast conversion may not get exactly right; only then (rarely) are the
        rows mapped again by the path that flags each failing row (:meth:`_map_exactly`).
        """
        if self.check is not None:
            self.check(text, ctx, first_seq)
        fast = self._map_fast(text, ctx, first_seq=first_seq)
        return fast if fast is not None else self._map_exactly(text, ctx, first_seq=first_seq)

    def _constants(self, ctx: FileContext, first_seq: int) -> list[pl.Expr]:
        return [
            pl.lit(ctx.exchange, pl.Utf8).alias("exchange"),
            pl.lit(ctx.symbol, pl.Utf8).alias("symbol"),
            (pl.int_range(pl.len(), dtype=pl.Int64) + first_seq).alias("file_seq"),
        ]

    def _map_fast(
        self, text: pl.DataFrame, ctx: FileContext, *, first_seq: int
    ) -> pl.DataFrame | None:
        """The rows when no value fails (no reject to describe), else None."""
        names = list(self.fields)
        temp = {name: f"__out_{i}" for i, name in enumerate(names)}
        suspect = [
            pl.col(f.source).is_not_null() & pl.col(temp[name]).is_null()
            for name, f in self.fields.items()
            if f.source is not None
        ]
        # decimal values are computed first, as fields are: their masks read the result
        computed: dict[str, pl.Expr] = {}
        for i, (name, (source, scale)) in enumerate(self.decimals.items()):
            column = f"__dec_{i}"
            values, slow = fast_decimal(pl.col(source), scale, computed=pl.col(column))
            computed[name] = values.alias(column)
            temp[name] = column
            suspect.append(slow)
        levels = {}
        for name, (source, scale) in self.levels.items():
            values, slow = fast_levels(pl.col(source), scale)
            levels[name] = values
            suspect.append(slow)
        dtypes = get_table_spec(self.table).to_polars()
        out = (
            text.lazy()
            .with_columns(
                *[f.value.alias(temp[name]) for name, f in self.fields.items()],
                *computed.values(),
            )
            .select(
                *[pl.col(temp[name]).alias(name) for name in [*names, *computed]],
                *[values.alias(name) for name, values in levels.items()],
                *self._constants(ctx, first_seq),
                pl.any_horizontal(suspect or [pl.lit(False)]).alias(_SUSPECT),
            )
            .collect()
        )
        if out.get_column(_SUSPECT).any():
            return None
        return out.select(
            *[pl.col(c).cast(dtypes[c]) for c in self.output_columns() if c in dtypes],
            *[pl.lit(None, pl.Utf8).alias(c) for c in REJECT_COLUMNS],
        )

    def _map_exactly(self, text: pl.DataFrame, ctx: FileContext, *, first_seq: int) -> pl.DataFrame:
        """The rows with every failing row flagged in the reject columns."""
        spec = get_table_spec(self.table)
        lf = select_with_rejects(
            text.lazy(),
            self.fields,
            keep={
                **{name: source for name, (source, _) in self.decimals.items()},
                **{name: source for name, (source, _) in self.levels.items()},
            },
        ).with_columns(self._constants(ctx, first_seq))
        lf = convert_level_columns(lf, {n: scale for n, (_, scale) in self.levels.items()})
        lf = convert_decimal_columns(lf, {n: scale for n, (_, scale) in self.decimals.items()})
        dtypes = spec.to_polars()
        return lf.select(
            *[pl.col(c).cast(dtypes[c]) for c in self.output_columns() if c in dtypes],
            *[pl.col(c).cast(pl.Utf8) for c in REJECT_COLUMNS],
        ).collect()


def _checked_header(fmt: StreamFormat, ctx: FileContext) -> None:
    reader.check_header(
        reader.read_header(ctx.path),
        required=fmt.columns,
        allow_extra=fmt.allow_extra_columns,
        path=ctx.path,
        stream=fmt.label,
    )


def parse_file(fmt: StreamFormat, ctx: FileContext) -> pl.DataFrame:
    """The whole file as rows of ``fmt.table`` (see :mod:`pointline.v2.vendors.base`)."""
    _checked_header(fmt, ctx)
    return fmt.map_text(reader.read_text(ctx.path, fmt.used_columns()), ctx, first_seq=1)


def iter_file(fmt: StreamFormat, ctx: FileContext, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file as frames of at most ``chunk_rows`` rows; ``file_seq`` continues across them."""
    _checked_header(fmt, ctx)
    next_seq = 1
    for text in reader.iter_text(ctx.path, fmt.used_columns(), chunk_rows):
        yield fmt.map_text(text, ctx, first_seq=next_seq)
        next_seq += text.height
