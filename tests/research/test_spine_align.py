"""spine (clock, trades, volume, dollar) and align (strict as-of), exact values."""

from __future__ import annotations

import random

import polars as pl
import pytest

from pointline.research import align, spine
from pointline.research.bars import SPINE_SCHEMA
from pointline.v2 import Lake

from .reads_lake import DAY, EXCHANGE, LOCAL_DELAY, T0, T1, T2, H, build, scaled, symbol_id


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return build(tmp_path_factory.mktemp("spine") / "lake")


def rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("symbol", "ts_us", "bar").rows()


# -- clock -----------------------------------------------------------------------------------


def test_clock_spine_follows_the_rename(lake: Lake) -> None:
    out = spine(
        lake, "clock", exchange=EXCHANGE, symbols="BTC-PERP", start=T0, end=T0 + DAY, every="6h"
    )
    assert out.schema == SPINE_SCHEMA
    xbt, btc = symbol_id(lake, "XBTUSD", T0), symbol_id(lake, "BTCUSD", T1)
    # A boundary b belongs to the window [from, until) when from < b <= until: T1 (12h) closes
    # XBTUSD's last bar, BTCUSD's first boundary is 18h.
    assert out.rows() == [
        (xbt, "XBTUSD", T0 + 6 * H, 0),
        (xbt, "XBTUSD", T0 + 12 * H, 1),
        (btc, "BTCUSD", T0 + 18 * H, 0),
        (btc, "BTCUSD", T0 + 24 * H, 1),
    ]


def test_clock_spine_of_a_delisted_symbol_stops_at_its_delisting(lake: Lake) -> None:
    out = spine(
        lake, "clock", exchange=EXCHANGE, symbols="LUNAUSD", start=T0, end=T0 + 2 * DAY, every="6h"
    )
    assert rows(out) == [
        ("LUNAUSD", T0 + 6 * H, 0),
        ("LUNAUSD", T0 + 12 * H, 1),
        ("LUNAUSD", T2, 2),
    ]


def test_clock_boundaries_lie_in_start_exclusive_end_inclusive(lake: Lake) -> None:
    out = spine(
        lake,
        "clock",
        exchange=EXCHANGE,
        symbols="ETHUSD",
        start=T0 + 1,
        end=T0 + 3_000_000,
        every="1s",
    )
    assert rows(out) == [("ETHUSD", T0 + s * 1_000_000, s - 1) for s in (1, 2, 3)]
    at_boundary = spine(
        lake,
        "clock",
        exchange=EXCHANGE,
        symbols="ETHUSD",
        start=T0,
        end=T0 + 2_000_000,
        every=1_000_000,
    )
    assert [t for _, t, _ in rows(at_boundary)] == [T0 + 1_000_000, T0 + 2_000_000]


def test_clock_on_empty_range_is_an_empty_spine(lake: Lake) -> None:
    out = spine(lake, "clock", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0, every="1m")
    assert out.is_empty() and out.schema == SPINE_SCHEMA
    before_listing = spine(
        lake, "clock", exchange=EXCHANGE, symbols="BTCUSD", start=T0, end=T0 + H, every="1m"
    )
    assert before_listing.is_empty() and before_listing.schema == SPINE_SCHEMA


# -- trade-driven ----------------------------------------------------------------------------


def test_trades_spine_counts_per_symbol_id(lake: Lake) -> None:
    eth = spine(lake, "trades", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0 + DAY, size=2)
    assert rows(eth) == [("ETHUSD", T0 + 2 * H + 1, 0), ("ETHUSD", T0 + 4 * H + 1, 1)]
    renamed = spine(
        lake, "trades", exchange=EXCHANGE, symbols="BTC-PERP", start=T0, end=T0 + DAY, size=1
    )
    assert rows(renamed) == [
        ("XBTUSD", T0 + 1 * H + 1, 0),
        ("XBTUSD", T0 + 11 * H + 1, 1),
        ("BTCUSD", T1 + 1, 0),
        ("BTCUSD", T0 + 14 * H + 1, 1),
    ]


def test_volume_bars_crossing_several_multiples_in_one_trade(lake: Lake) -> None:
    # ETHUSD qty 0.4, 0.7, 3.2, 0.5, 1 at 1h..5h: cumulative 0.4, 1.1, 4.3, 4.8, 5.8.
    out = spine(
        lake, "volume", exchange=EXCHANGE, symbols="ETH-PERP", start=T0, end=T0 + DAY, size=1
    )
    assert rows(out) == [
        ("ETHUSD", T0 + 2 * H + 1, 0),
        ("ETHUSD", T0 + 3 * H + 1, 1),  # 3.2 takes the sum from 1.1 past 2, 3 and 4
        ("ETHUSD", T0 + 3 * H + 1, 2),
        ("ETHUSD", T0 + 3 * H + 1, 3),
        ("ETHUSD", T0 + 5 * H + 1, 4),
    ]
    # size 2.9: the multiples 2.9 and 5.8 are first reached (>=) at 4.3 and at exactly 5.8.
    for size in ("2.9", 2.9):
        half = spine(
            lake, "volume", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0 + DAY, size=size
        )
        assert rows(half) == [("ETHUSD", T0 + 3 * H + 1, 0), ("ETHUSD", T0 + 5 * H + 1, 1)]


def test_dollar_bars_are_exact(lake: Lake) -> None:
    # notional 800, 1400, 6400, 1000, 2000 USD: cumulative 800, 2200, 8600, 9600, 11600.
    out = spine(
        lake, "dollar", exchange=EXCHANGE, symbols="ETHUSD", start=T0, end=T0 + DAY, size=2500
    )
    assert rows(out) == [
        ("ETHUSD", T0 + 3 * H + 1, 0),
        ("ETHUSD", T0 + 3 * H + 1, 1),
        ("ETHUSD", T0 + 3 * H + 1, 2),
        ("ETHUSD", T0 + 5 * H + 1, 3),
    ]


def test_dollar_sums_do_not_overflow_int64(lake: Lake) -> None:
    # One trade of 100,000 ETH at 1,000,000 USD: 1e11 USD, scaled 1e29 (Int64 ends at 9.2e18).
    assert scaled("1000000") * scaled("100000") > 2**63
    out = spine(
        lake,
        "dollar",
        exchange=EXCHANGE,
        symbols="ETHUSD",
        start=T0 + DAY,
        end=T0 + 2 * DAY,
        size=10_000_000_000,
    )
    assert rows(out) == [("ETHUSD", T0 + DAY + 1 * H + 1, b) for b in range(10)]
    big = spine(
        lake,
        "volume",
        exchange=EXCHANGE,
        symbols="ETHUSD",
        start=T0 + DAY,
        end=T0 + 2 * DAY,
        size=25_000,
    )
    assert big.height == 4


def test_trade_driven_spine_of_an_empty_range(lake: Lake) -> None:
    for kind, size in (("trades", 1), ("volume", 1), ("dollar", 1)):
        out = spine(
            lake,
            kind,
            exchange=EXCHANGE,
            symbols="ETHUSD",
            start="2025-01-01",
            end="2025-01-02",
            size=size,
        )
        assert out.is_empty() and out.schema == SPINE_SCHEMA


def test_spine_bad_arguments_say_what_is_accepted(lake: Lake) -> None:
    common = {"exchange": EXCHANGE, "symbols": "ETHUSD", "start": T0, "end": T0 + DAY}
    with pytest.raises(ValueError, match=r"not a spine kind; give one of \['clock', 'trades'"):
        spine(lake, "ticks", **common, size=1)
    with pytest.raises(ValueError, match=r"every='0s' is not a duration; give a positive"):
        spine(lake, "clock", **common, every="0s")
    with pytest.raises(ValueError, match="is not a duration"):
        spine(lake, "clock", **common, every="1 minute")
    with pytest.raises(ValueError, match="takes every="):
        spine(lake, "clock", **common)
    with pytest.raises(ValueError, match="takes size="):
        spine(lake, "volume", **common, every="1s")
    with pytest.raises(ValueError, match="positive number in natural units"):
        spine(lake, "volume", **common, size=0)
    with pytest.raises(ValueError, match="positive number in natural units"):
        spine(lake, "dollar", **common, size="ten")
    with pytest.raises(ValueError, match="takes a positive int"):
        spine(lake, "trades", **common, size=1.5)
    with pytest.raises(ValueError, match="before start"):
        spine(lake, "clock", **{**common, "end": T0 - 1}, every="1s")
    with pytest.raises(ValueError, match="more than"):
        spine(lake, "clock", **{**common, "end": T0 + 400 * DAY}, every=1)


# -- align on the lake -----------------------------------------------------------------------


def test_align_quotes_onto_a_clock_spine(lake: Lake) -> None:
    clock = spine(
        lake, "clock", exchange=EXCHANGE, symbols="BTC-PERP", start=T0, end=T0 + DAY, every="6h"
    )
    quotes = lake.load("quotes", exchange=EXCHANGE, symbols="BTC-PERP", start=T0, end=T0 + DAY)
    out = align(clock, quotes)
    assert out.columns[:4] == ["symbol_id", "symbol", "ts_us", "bar"]
    assert "symbol_event" in out.columns and "ts_local_us" in out.columns
    # By arrival (ts_local_us): the 6h quote arrives 500 µs after the 6h boundary.
    assert out.select("ts_us", "bid_price").rows() == [
        (T0 + 6 * H, scaled("39999")),
        (T0 + 12 * H, scaled("40009")),
        (T0 + 18 * H, scaled("40149")),
        (T0 + 24 * H, scaled("40149")),
    ]
    assert out["ts_local_us"][0] == T0 + 1 * H + LOCAL_DELAY


def test_an_event_exactly_at_the_spine_time_is_not_aligned(lake: Lake) -> None:
    clock = spine(
        lake, "clock", exchange=EXCHANGE, symbols="XBTUSD", start=T0, end=T0 + 6 * H, every="6h"
    )
    quotes = lake.load("quotes", exchange=EXCHANGE, symbols="XBTUSD", start=T0, end=T0 + DAY)
    out = align(clock, quotes, time="ts_event_us")
    # The second quote's ts_event_us is exactly 6h: it belongs to the next bar.
    assert out.select("ts_us", "ts_event_us", "bid_price").rows() == [
        (T0 + 6 * H, T0 + 1 * H, scaled("39999"))
    ]


def test_align_tolerance_on_the_lake(lake: Lake) -> None:
    clock = spine(
        lake, "clock", exchange=EXCHANGE, symbols="XBTUSD", start=T0, end=T0 + 12 * H, every="6h"
    )
    quotes = lake.load("quotes", exchange=EXCHANGE, symbols="XBTUSD", start=T0, end=T0 + DAY)
    # Quotes arrive at 1h + 500 µs and 6h + 500 µs; the boundaries are 6h and 12h.
    within = align(clock, quotes, tolerance="6h")
    assert within["bid_price"].to_list() == [scaled("39999"), scaled("40009")]
    five = align(clock, quotes, tolerance="5h")  # at 12h the latest quote is 6h - 500 µs old
    assert five["bid_price"].to_list() == [scaled("39999"), None]
    four = align(clock, quotes, tolerance="4h")
    assert four["bid_price"].to_list() == [None, None]


# -- align on frames -------------------------------------------------------------------------


def frame_spine(times: list[int], ids: list[int] | None = None) -> pl.DataFrame:
    ids = ids or [1] * len(times)
    return pl.DataFrame(
        {"symbol_id": ids, "ts_us": times}, schema={"symbol_id": pl.Int64, "ts_us": pl.Int64}
    )


def frame_events(
    times: list[int | None], values: list[int], ids: list[int] | None = None
) -> pl.DataFrame:
    ids = ids or [1] * len(times)
    return pl.DataFrame(
        {"symbol_id": ids, "ts_local_us": times, "x": values},
        schema={"symbol_id": pl.Int64, "ts_local_us": pl.Int64, "x": pl.Int64},
    )


def test_align_is_strictly_before() -> None:
    out = align(frame_spine([100, 101]), frame_events([90, 100], [1, 2]))
    assert out.rows() == [(1, 100, 90, 1), (1, 101, 100, 2)]


def test_align_tolerance_bounds_inclusively() -> None:
    events = frame_events([95], [7])
    assert align(frame_spine([100]), events, tolerance=5)["x"].to_list() == [7]
    assert align(frame_spine([100]), events, tolerance=4)["x"].to_list() == [None]
    assert align(frame_spine([100]), events, tolerance="5us")["x"].to_list() == [7]
    with pytest.raises(ValueError, match="tolerance=0 is not a duration; give a positive"):
        align(frame_spine([100]), events, tolerance=0)


def test_align_per_symbol_unsorted_events_and_ties() -> None:
    # Group 1's times are not sorted (arrival order differs from exchange order); at t=3 two
    # events tie: the later row wins.
    events = frame_events([5, 3, 3, 1, 2], [10, 11, 12, 20, 21], ids=[1, 1, 1, 2, 2])
    spine_ = frame_spine([6, 4, 2, 6], ids=[1, 1, 2, 2])
    out = align(spine_, events)
    assert out.rows() == [(1, 6, 5, 10), (1, 4, 3, 12), (2, 2, 1, 20), (2, 6, 2, 21)]


def test_align_keeps_the_spine_order_and_skips_null_times() -> None:
    events = frame_events([1, None, 3], [1, 2, 3])
    out = align(frame_spine([10, 2, 4]), events)
    assert out.rows() == [(1, 10, 3, 3), (1, 2, 1, 1), (1, 4, 3, 3)]


def test_align_without_by_and_with_clashing_names() -> None:
    sp = pl.DataFrame({"ts_us": [5], "x": [0]})
    ev = pl.DataFrame({"ts_local_us": [4], "x": [9], "ts_us": [1]})
    out = align(sp, ev, by=None)
    assert out.columns == ["ts_us", "x", "ts_local_us", "x_event", "ts_us_event"]
    assert out.rows() == [(5, 0, 4, 9, 1)]


def test_align_empty_inputs() -> None:
    empty_spine = align(frame_spine([]), frame_events([1], [1]))
    assert empty_spine.is_empty() and empty_spine.columns == [
        "symbol_id",
        "ts_us",
        "ts_local_us",
        "x",
    ]
    no_events = align(frame_spine([1, 2]), frame_events([], []))
    assert no_events.rows() == [(1, 1, None, None), (1, 2, None, None)]


def test_align_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"events has no column\(s\) \['ts_event_us'\]"):
        align(frame_spine([1]), frame_events([1], [1]), time="ts_event_us")
    with pytest.raises(ValueError, match="must hold integer microseconds"):
        align(
            frame_spine([1]),
            frame_events([1], [1]).with_columns(pl.col("ts_local_us").cast(pl.Float64)),
        )
    with pytest.raises(ValueError, match=r"spine has no column\(s\) \['ts_us'\]"):
        align(pl.DataFrame({"symbol_id": [1]}), frame_events([1], [1]))


def test_align_matches_a_brute_force_reference() -> None:
    rng = random.Random(17)
    n_events, n_spine = 2_000, 300
    ev = frame_events(
        [rng.randrange(0, 5_000) for _ in range(n_events)],
        list(range(n_events)),
        ids=[rng.randrange(3) for _ in range(n_events)],
    )
    sp = frame_spine(
        [rng.randrange(0, 5_200) for _ in range(n_spine)],
        ids=[rng.randrange(3) for _ in range(n_spine)],
    )
    out = align(sp, ev, tolerance=400)
    expected = []
    for sid, ts in sp.rows():
        best = None
        for eid, t, x in ev.rows():  # the last row in input order wins a tie of times
            if eid == sid and ts - 400 <= t < ts and (best is None or t >= best[0]):
                best = (t, x)
        expected.append(best[1] if best else None)
    assert out["x"].to_list() == expected


def test_volume_bars_count_each_symbol_separately(lake: Lake) -> None:
    both = spine(
        lake,
        "volume",
        exchange=EXCHANGE,
        symbols=["ETHUSD", "LUNAUSD"],
        start=T0,
        end=T0 + DAY,
        size=100,
    )
    # LUNAUSD: 10 then 400 (cumulative 410: multiples 100..400 at the second trade); ETHUSD's
    # 5.8 reaches none.
    assert rows(both) == [("LUNAUSD", T0 + 17 * H + 1, b) for b in range(4)]
    with pytest.raises(ValueError, match="more than 200000000; give a larger size"):
        spine(
            lake,
            "volume",
            exchange=EXCHANGE,
            symbols="LUNAUSD",
            start=T0,
            end=T0 + DAY,
            size="0.000001",
        )
