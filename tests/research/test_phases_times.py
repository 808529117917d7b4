"""trading_phase at every boundary minute; the instant and duration parsers; decode exactness."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import polars as pl
import pytest

from pointline.research import trading_phase
from pointline.research.decode import decode_expr
from pointline.research.times import duration_us, to_range_us, to_us

DAY = datetime.date(2024, 1, 2)
CST = datetime.timezone(datetime.timedelta(hours=8))
US = 1


def cst_us(hour: int, minute: int, second: int = 0, micro: int = 0) -> int:
    moment = datetime.datetime(DAY.year, DAY.month, DAY.day, hour, minute, second, micro, CST)
    return to_us(moment)


# (time in Asia/Shanghai, expected phase): each boundary, and the last microsecond before it.
BOUNDARIES = [
    ((0, 0), "CLOSED"),
    ((9, 14, 59, 999_999), "CLOSED"),
    ((9, 15), "PRE_OPEN_CALL"),
    ((9, 24, 59, 999_999), "PRE_OPEN_CALL"),
    ((9, 25), "PRE_OPEN_BREAK"),
    ((9, 29, 59, 999_999), "PRE_OPEN_BREAK"),
    ((9, 30), "CONTINUOUS"),
    ((11, 29, 59, 999_999), "CONTINUOUS"),
    ((11, 30), "LUNCH_BREAK"),
    ((12, 59, 59, 999_999), "LUNCH_BREAK"),
    ((13, 0), "CONTINUOUS"),
    ((14, 56, 59, 999_999), "CONTINUOUS"),
    ((14, 57), "CLOSING_CALL"),
    ((14, 59, 59, 999_999), "CLOSING_CALL"),
    ((15, 0), "CLOSED"),
    ((23, 59, 59, 999_999), "CLOSED"),
]


@pytest.mark.parametrize("exchange", ["sse", "szse"])
def test_trading_phase_at_each_boundary_minute(exchange: str) -> None:
    frame = pl.DataFrame({"ts_event_us": [cst_us(*t) for t, _ in BOUNDARIES]})
    out = trading_phase(frame, exchange=exchange)
    assert out.columns == ["ts_event_us", "trading_phase"]
    assert out["trading_phase"].to_list() == [phase for _, phase in BOUNDARIES]


def test_trading_phase_uses_shanghai_time_not_utc() -> None:
    # 09:30 CST is 01:30 UTC; 09:30 UTC is 17:30 CST (closed).
    utc_0130 = to_us("2024-01-02T01:30:00")
    utc_0930 = to_us("2024-01-02T09:30:00")
    out = trading_phase(pl.DataFrame({"t": [utc_0130, utc_0930, None]}), exchange="sse", time="t")
    assert out["trading_phase"].to_list() == ["CONTINUOUS", "CLOSED", None]


def test_trading_phase_keeps_a_lazy_frame_lazy() -> None:
    lazy = pl.LazyFrame({"ts_event_us": [cst_us(9, 15)]})
    out = trading_phase(lazy, exchange="szse")
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["trading_phase"].to_list() == ["PRE_OPEN_CALL"]


def test_trading_phase_bad_arguments() -> None:
    frame = pl.DataFrame({"ts_event_us": [0]})
    with pytest.raises(ValueError, match=r"known for \['sse', 'szse'\] only"):
        trading_phase(frame, exchange="binance")
    with pytest.raises(ValueError, match="no column 'ts_local_us'"):
        trading_phase(frame, exchange="sse", time="ts_local_us")


# -- instants and durations ------------------------------------------------------------------


def test_instants_in_every_accepted_form() -> None:
    t = 1_704_067_200_000_000
    assert to_us(t) == t
    assert to_us(str(t)) == t
    assert to_us(datetime.date(2024, 1, 1)) == t
    assert to_us("2024-01-01") == t
    assert to_us("2024-01-01T00:00:00.000001") == t + 1
    assert to_us(datetime.datetime(2024, 1, 1, 8, tzinfo=CST)) == t
    assert to_us("2024-01-01T08:00:00+08:00") == t
    for bad in ("soon", 1.5, True, "2024-13-01"):
        with pytest.raises(ValueError, match="is not an instant; give integer microseconds"):
            to_us(bad)  # type: ignore[arg-type]


def test_range_order() -> None:
    assert to_range_us(5, 5) == (5, 5)
    with pytest.raises(ValueError, match=r"end \(4 = 4 µs\) is before start \(5 = 5 µs\)"):
        to_range_us(5, 4)


def test_durations() -> None:
    assert duration_us("250us") == 250
    assert duration_us("100ms") == 100_000
    assert duration_us("1s") == 1_000_000
    assert duration_us("1m30s") == 90_000_000
    assert duration_us("1h") == 3_600_000_000
    assert duration_us("1d") == 86_400_000_000
    assert duration_us(7) == 7
    for bad in ("0s", 0, -1, "1.5s", "1 s", "s", "1w", True):
        with pytest.raises(ValueError, match="is not a duration; give a positive integer"):
            duration_us(bad)  # type: ignore[arg-type]


# -- decode ----------------------------------------------------------------------------------


def test_decode_is_exact_for_every_int64() -> None:
    rng = random.Random(5)
    values = [0, 1, -1, 2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 3, -(2**63), 2**63 - 1]
    values += [rng.randrange(-(2**63), 2**63) for _ in range(20_000)]
    values += [rng.randrange(-(2**40), 2**40) for _ in range(20_000)]
    frame = pl.DataFrame({"price": values}, schema={"price": pl.Int64})
    floats = frame.select(decode_expr("price", pl.Int64(), 10**9, "float"))["price"].to_list()
    assert floats == [v / 10**9 for v in values]  # Python's int / int is correctly rounded
    decimals = frame.select(decode_expr("price", pl.Int64(), 10**9, "decimal"))
    assert decimals.schema["price"] == pl.Decimal(38, 9)
    assert decimals["price"].to_list() == [Decimal(v).scaleb(-9) for v in values]


def test_decode_list_columns_and_other_scales() -> None:
    frame = pl.DataFrame({"levels": [[1_500_000_000, None, -1]], "amount": [12_345]})
    levels = frame.select(decode_expr("levels", pl.List(pl.Int64), 10**9, "decimal"))
    assert levels["levels"].to_list() == [[Decimal("1.5"), None, Decimal("-1E-9")]]
    amount = frame.select(decode_expr("amount", pl.Int64(), 10**4, "float"))
    assert amount["amount"].to_list() == [1.2345]
