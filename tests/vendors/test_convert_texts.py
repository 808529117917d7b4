"""Converting the texts of many files at once (``convert_texts``) gives each file exactly the
rows its conversion alone gives: clean files, a file with a rejected value (which sends the
stack down the exact path), an empty file, Quant360 files (exchange, symbol and file_seq per
file); a stack whose conversion raises is converted again file by file, so only the file at
fault gets the error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from pointline.v2.fixed_point import REJECT_REASON
from pointline.v2.models import BronzeFileMetadata
from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.quant360.formats import FileContext, parse_file, read_file
from pointline.v2.vendors.quant360.orders import SZSE_ORDERS
from pointline.v2.vendors.stream_format import (
    Field,
    PendingText,
    StreamFormat,
    column,
    convert_texts,
)
from pointline.v2.vendors.tardis.formats import FORMATS
from pointline.v2.vendors.tardis.parsers import PARSERS
from pointline.v2.vendors.tardis.samples import write_trades


def _meta(path: Path) -> BronzeFileMetadata:
    return BronzeFileMetadata(
        vendor="tardis",
        data_type="trades",
        bronze_file_path=str(path),
        file_size_bytes=path.stat().st_size,
        last_modified_ts=0,
        sha256="",
        extra={"path": str(path), "keep_original_text": "true"},
    )


def _assert_each_alone(pending: list[PendingText]) -> list[pl.DataFrame]:
    together = convert_texts(pending)
    for item, rows in zip(pending, together, strict=True):
        assert isinstance(rows, pl.DataFrame)
        alone = item.convert()
        assert rows.schema == alone.schema
        assert rows.equals(alone)
    return together  # type: ignore[return-value]


def test_tardis_texts_converted_together_equal_each_alone(tmp_path: Path) -> None:
    paths = [
        write_trades(tmp_path / f"t{i}.csv.gz", rows, seed=i, symbols=[f"S{i}"])
        for i, rows in enumerate([10, 3, 0, 25])
    ]
    parser = PARSERS["trades"]
    pending = [parser.read_text(_meta(p)) for p in paths]
    # a price that is not a decimal: that file's row is rejected, the stack runs exactly
    bad = pending[1].text.with_columns(
        pl.when(pl.col("file_seq") == 2)
        .then(pl.lit("1.2.3"))
        .otherwise(pl.col("price"))
        .alias("price")
    )
    pending[1] = dataclasses.replace(pending[1], text=bad)
    together = _assert_each_alone(pending)
    assert together[1].get_column(REJECT_REASON).null_count() == 2
    assert together[2].height == 0
    for path, rows in zip([paths[0], paths[3]], [together[0], together[3]], strict=True):
        assert rows.equals(parser(_meta(path)))  # the parser alone gives the same rows


def test_quant360_texts_keep_their_exchange_symbol_and_file_seq(tmp_path: Path) -> None:
    pending, contexts = [], []
    for i, symbol in enumerate(["000001", "000002", "300750"]):
        path = tmp_path / f"{symbol}.csv"
        path.write_bytes(q360.szse_order_csv(5 + i, seed=i + 1))
        ctx = FileContext(path, "szse", symbol)
        contexts.append(ctx)
        pending.append(read_file(SZSE_ORDERS, ctx, original_text=True))
    together = _assert_each_alone(pending)
    for ctx, rows in zip(contexts, together, strict=True):
        assert rows.equals(parse_file(SZSE_ORDERS, ctx, original_text=True))
        assert rows.get_column("symbol").unique().to_list() == [ctx.symbol]
        assert rows.get_column("file_seq").to_list() == list(range(1, rows.height + 1))


def test_a_stack_that_raises_is_converted_file_by_file() -> None:
    # a strict cast raises on text that is not an integer (a declaration's bug, say)
    fmt = StreamFormat(
        data_type="test",
        table=FORMATS["trades"].table,
        columns=("n",),
        fields={"trade_id": column("n"), "price": Field(pl.col("n").cast(pl.Int64))},
    )
    good = PendingText(fmt, pl.DataFrame({"n": ["1", "2"]}))
    bad = PendingText(fmt, pl.DataFrame({"n": ["3", "x"]}))
    out = convert_texts([good, bad, good])
    assert isinstance(out[1], Exception)
    assert isinstance(out[0], pl.DataFrame) and out[0].equals(good.convert())
    assert isinstance(out[2], pl.DataFrame) and out[2].equals(good.convert())
