"""Tardis ``book_snapshot_25`` / ``book_snapshot_5``: the top N levels per row.

Format: https://docs.tardis.dev/downloadable-csv-files#book_snapshot_25
Columns ``asks[i].price``, ``asks[i].amount``, ``bids[i].price``, ``bids[i].amount`` with
``i = 0`` the best level (asks ascending, bids descending). A thin book leaves its last
levels empty: the level lists are shortened to the levels present, best first.

A level that is empty while a deeper one is present is a gap (reason ``book_level_gap``,
field ``asks[i]``); a level with a price but no amount, or the reverse, is incomplete
(reason ``incomplete_book_level``). Such rows are flagged, not repaired: their lists keep a
null at the gap so that nothing is lost when they are quarantined.

The level values are converted exactly with :func:`pointline.v2.fixed_point.convert_series`,
all prices in one call and all amounts in another: converting the 20 or 100 level columns
one by one costs a fixed ~2 ms per column and chunk.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import polars as pl

from pointline.schemas.types import PRICE_SCALE, QTY_SCALE
from pointline.v2.fixed_point import convert_series
from pointline.v2.reasons import BOOK_LEVEL_GAP, INCOMPLETE_BOOK_LEVEL
from pointline.v2.vendors.stream_format import Check, Field, StreamFormat, flag_rows

SNAPSHOT_DEPTHS: dict[str, int] = {"book_snapshot_5": 5, "book_snapshot_25": 25}

_SIDES = ("asks", "bids")
_FIELDS = {"price": PRICE_SCALE, "amount": QTY_SCALE}
_VALUES, _REASON, _INDEX = "values", "reason", "index"
_CONVERTED = pl.Struct({_VALUES: pl.List(pl.Int64), _REASON: pl.String, _INDEX: pl.Int64})


def snapshot_level_columns(depth: int) -> tuple[str, ...]:
    """``asks[0].price, asks[0].amount, ... asks[depth-1].amount, bids[0].price, ...``."""
    return tuple(
        f"{side}[{level}].{field}"
        for side in _SIDES
        for level in range(depth)
        for field in ("price", "amount")
    )


def _levels(side: str, depth: int, field: str) -> list[str]:
    return [f"{side}[{i}].{field}" for i in range(depth)]


def _first_level(side: str, conditions: list[pl.Expr]) -> pl.Expr:
    """``"<side>[i]"`` for the first level i where the condition holds, else null."""
    first = pl.min_horizontal([pl.when(c).then(pl.lit(i)) for i, c in enumerate(conditions)])
    return pl.concat_str([pl.lit(f"{side}["), first.cast(pl.String), pl.lit("]")])


def _level_checks(depth: int) -> tuple[list[pl.Expr], list[Check]]:
    """Per side: the number of levels up to the deepest present one, and the gap checks."""
    counts: list[pl.Expr] = []
    checks: list[Check] = []
    for side in _SIDES:
        prices = [pl.col(c) for c in _levels(side, depth, "price")]
        amounts = [pl.col(c) for c in _levels(side, depth, "amount")]
        pairs = list(zip(prices, amounts, strict=True))
        present = [p.is_not_null() | a.is_not_null() for p, a in pairs]
        count = pl.col(f"__{side}_levels")
        counts.append(
            pl.max_horizontal(
                [pl.when(p).then(pl.lit(i + 1)).otherwise(pl.lit(0)) for i, p in enumerate(present)]
            ).alias(f"__{side}_levels")
        )
        gap = _first_level(side, [~p & (count > i) for i, p in enumerate(present)])
        incomplete = _first_level(side, [p.is_null() != a.is_null() for p, a in pairs])
        checks += [
            (gap.is_not_null(), BOOK_LEVEL_GAP, gap, pl.lit(None, pl.String)),
            (incomplete.is_not_null(), INCOMPLETE_BOOK_LEVEL, incomplete, pl.lit(None)),
        ]
    return counts, checks


def _convert_levels(levels: pl.Series, scale: int) -> pl.Series:
    """Array of level texts per row -> struct of (Int64 list, first failure reason, its index)."""
    width = levels.dtype.size  # type: ignore[attr-defined]
    flat = levels.reshape((-1,))
    values, reasons = convert_series(flat, scale=scale)
    rows = len(levels)
    reason = pl.Series(_REASON, dtype=pl.String).extend_constant(None, rows)
    index = pl.Series(_INDEX, dtype=pl.Int64).extend_constant(None, rows)
    if reasons.null_count() < len(reasons):
        first = (
            pl.DataFrame({_REASON: reasons})
            .with_row_index("__pos")
            .filter(pl.col(_REASON).is_not_null())
            .group_by(pl.col("__pos") // width, maintain_order=True)
            .agg(pl.col(_REASON).first(), (pl.col("__pos") % width).first().alias(_INDEX))
        )
        at = first.get_column("__pos")
        reason = reason.scatter(at, first.get_column(_REASON))
        index = index.scatter(at, first.get_column(_INDEX).cast(pl.Int64))
    lists = values.reshape((rows, width)).arr.to_list().alias(_VALUES)
    return pl.struct(lists, reason, index, eager=True)


def _flag_gaps(text: pl.LazyFrame, *, depth: int) -> pl.LazyFrame:
    """Count each side's levels and flag gaps and incomplete levels (before the fields)."""
    counts, checks = _level_checks(depth)
    return flag_rows(text.with_columns(counts), checks)


def _level_lists(frame: pl.LazyFrame, *, depth: int) -> pl.LazyFrame:
    """The level text -> the four level lists, flagging a level that does not convert."""
    conversions, level_checks = [], []
    for field, scale in _FIELDS.items():
        names = [c for side in _SIDES for c in _levels(side, depth, field)]
        conversions.append(
            pl.concat_arr(names)
            .map_batches(
                lambda s, scale=scale: _convert_levels(s, scale),
                return_dtype=_CONVERTED,
                is_elementwise=True,
            )
            .alias(f"__{field}")
        )
        converted = pl.col(f"__{field}")
        index = converted.struct.field(_INDEX)
        side = pl.when(index < depth).then(pl.lit(_SIDES[0])).otherwise(pl.lit(_SIDES[1]))
        level_checks.append(
            (
                converted.struct.field(_REASON).is_not_null(),
                converted.struct.field(_REASON),
                pl.format("{}[{}].{}", side, index % depth, pl.lit(field)),
                pl.concat_arr(names).arr.get(index, null_on_oob=True),
            )
        )
    frame = flag_rows(frame.with_columns(conversions), level_checks)
    lists: dict[str, pl.Expr] = {"depth": pl.lit(depth)}
    for field, target in (("price", "price"), ("amount", "qty")):
        values = pl.col(f"__{field}").struct.field(_VALUES)
        for offset, (side, prefix) in enumerate(zip(_SIDES, ("ask", "bid"), strict=True)):
            side_values = values.list.slice(offset * depth, depth)
            lists[f"{prefix}_{target}_levels"] = side_values.list.head(pl.col(f"__{side}_levels"))
    return frame.with_columns(expr.alias(name) for name, expr in lists.items())


def book_snapshot_format(
    data_type: str,
    depth: int,
    common_columns: tuple[str, ...],
    common_fields: Mapping[str, Field],
) -> StreamFormat:
    """The declaration of ``book_snapshot_<depth>``: the common Tardis fields, the level
    columns kept as text for :func:`_level_lists`, gaps flagged first."""
    levels = snapshot_level_columns(depth)
    return StreamFormat(
        data_type=data_type,
        table="book_snapshots",
        columns=common_columns + levels,
        fields=dict(common_fields),
        rejects_name_source=True,
        vendor_label="Tardis",
        prepare=functools.partial(_flag_gaps, depth=depth),
        finish=functools.partial(_level_lists, depth=depth),
        keep=(*levels, *(f"__{side}_levels" for side in _SIDES)),
    )
