"""``with_constants``: the eager and the literal way give the same frame."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pointline.v2 import frames
from pointline.v2.frames import RowNumbers, with_constants

COLUMNS: dict[str, frames.Value] = {
    "file_seq": RowNumbers(7),
    "exchange": ("binance", pl.Utf8),
    "_reject_reason": (None, pl.Utf8),
    "file_id": (3, pl.Int64),
}


@pytest.mark.parametrize("height", [0, 1, 5, frames.LITERAL_ROWS, frames.LITERAL_ROWS + 3])
def test_columns_are_added_in_order_with_their_values(height: int) -> None:
    frame = pl.DataFrame({"x": range(height)}, schema={"x": pl.Int64})
    out = with_constants(frame, COLUMNS)
    assert out.columns == ["x", "file_seq", "exchange", "_reject_reason", "file_id"]
    assert out.schema["file_seq"] == pl.Int64 and out.schema["_reject_reason"] == pl.Utf8
    assert out.get_column("file_seq").to_list() == list(range(7, 7 + height))
    assert out.get_column("exchange").to_list() == ["binance"] * height
    assert out.get_column("_reject_reason").null_count() == height
    assert out.get_column("file_id").to_list() == [3] * height


def test_the_eager_and_the_literal_way_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"x": [1, 2, 3]})
    eager = with_constants(frame, COLUMNS)
    monkeypatch.setattr(frames, "LITERAL_ROWS", 1)
    assert_frame_equal(with_constants(frame, COLUMNS), eager)


def test_a_column_of_the_same_name_is_replaced_in_place() -> None:
    frame = pl.DataFrame({"file_id": [9, 9], "x": [1, 2]})
    out = with_constants(frame, {"file_id": (4, pl.Int64), "file_seq": RowNumbers(1)})
    assert out.columns == ["file_id", "x", "file_seq"]
    assert out.get_column("file_id").to_list() == [4, 4]
    assert out.get_column("file_seq").to_list() == [1, 2]
