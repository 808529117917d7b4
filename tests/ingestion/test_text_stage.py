"""Parsers with a text stage (``read_text``): the pipeline converts the texts of a batch
together, and each file still ends as it does alone; a file whose conversion raises fails
alone (``parse_error``), the others of the batch are written."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from pointline.v2.ingestion import core, ingest_file, ingest_files
from pointline.v2.testing import (
    InMemoryEventStore,
    InMemoryManifestStore,
    InMemoryQuarantineStore,
)
from pointline.v2.vendors.stream_format import Field, PendingText, StreamFormat, column

from .conftest import T0, make_meta

# a strict cast: text that is not an integer makes the conversion raise (a declaration's bug)
STRICT = StreamFormat(
    data_type="trades",
    table="trades",
    columns=("ts", "id", "side", "price", "qty"),
    fields={
        "ts_event_us": Field(pl.col("ts").cast(pl.Int64)),
        "ts_local_us": Field(pl.col("ts").cast(pl.Int64)),
        "trade_id": column("id"),
        "side": column("side"),
        "price": Field(pl.col("price").cast(pl.Int64)),
        "qty": Field(pl.col("qty").cast(pl.Int64)),
    },
)

TEXTS = {
    "a.csv": ["1", "2", "3"],
    "b.csv": ["4", "x"],  # cannot be converted
    "c.csv": ["6"],
}


class TextParser:
    """A parser with a text stage; calling it parses the whole file."""

    def read_text(self, meta):
        prices = TEXTS[meta.bronze_file_path.rsplit("/", 1)[-1]]
        n = len(prices)
        text = pl.DataFrame(
            {
                "ts": [str(T0 + i) for i in range(n)],
                "id": [str(i) for i in range(n)],
                "side": ["buy"] * n,
                "price": prices,
                "qty": ["1"] * n,
            }
        )
        values = (("exchange", "binance"), ("symbol", "BTCUSDT"))
        return PendingText(STRICT, text, values=values, first_seq=1)

    def __call__(self, meta):
        return self.read_text(meta).convert()


def metas():
    return [make_meta(name, sha=f"{i:064d}") for i, name in enumerate(TEXTS)]


@pytest.mark.parametrize("stack_text_rows", [50_000, 1])
def test_texts_of_a_batch_end_as_each_file_alone(dim, monkeypatch, stack_text_rows):
    # 1: every text is "big" and converted as it is read, in the parse threads
    monkeypatch.setattr(core, "STACK_TEXT_ROWS", stack_text_rows)
    parser = TextParser()
    one = InMemoryManifestStore(), InMemoryEventStore(), InMemoryQuarantineStore()
    singles = [
        ingest_file(
            meta,
            parser=parser,
            manifest_repo=one[0],
            writer=one[1],
            dim_symbol_df=dim,
            quarantine_store=one[2],
        )
        for meta in metas()
    ]
    many = InMemoryManifestStore(), InMemoryEventStore(), InMemoryQuarantineStore()
    batch = ingest_files(
        metas(),
        parser_for=lambda meta: parser,
        manifest_repo=many[0],
        writer=many[1],
        dim_symbol_df=dim,
        quarantine_store=many[2],
    )
    assert [dataclasses.asdict(r) for r in batch] == [dataclasses.asdict(r) for r in singles]
    assert [r.status for r in batch] == ["success", "failed", "success"]
    assert batch[1].failure_reason == "parse_error"
    assert "b.csv" in (batch[1].error_message or "")
    written = many[1].read("trades")
    assert written.equals(one[1].read("trades"))
    assert written.get_column("price").to_list() == [1, 2, 3, 6]
