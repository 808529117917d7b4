"""``book``: the order book rebuilt from ``orderbook_updates`` in a real lake.

The main check generates a Tardis ``incremental_book_L2`` stream whose true book the
generator knows at every instant (it decides each update from the book it holds), ingests it
and the ``book_snapshot_25`` rows built from the same truth through ``Lake``, and requires
``book(depth=25)`` to equal both at every boundary. Small exact cases pin the rules one by
one; a property test compares the compiled kernel with a pure-Python model.
"""

from __future__ import annotations

import datetime
import gzip
import json
import random
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pointline.cli import cli
from pointline.research import book as book_module
from pointline.research._book_kernel import replay
from pointline.research.book import BOOK_SCHEMA
from pointline.v2 import Lake
from pointline.v2.vendors.tardis import FORMATS, vendor_file_name

EXCHANGE = "binance-futures"
SYMBOL = "BTCUSDT"
DAY_US = 86_400_000_000
SECOND = 1_000_000
DAY1 = datetime.date(2024, 1, 1)
DAY1_US = 1_704_067_200_000_000
DAY2_US = DAY1_US + DAY_US
PRICE_UNIT = 10**8  # one price tick of 0.1, scaled by 10**9
QTY_UNIT = 10**6  # one amount tick of 0.001


# -- the lake ---------------------------------------------------------------------------------


def _symbols() -> pl.DataFrame:
    rows = [
        (EXCHANGE, SYMBOL, "BTC-USDT-PERP", "perpetual", "BTC", "USDT"),
        (EXCHANGE, "ETHUSDT", "ETH-USDT-PERP", "perpetual", "ETH", "USDT"),
    ]
    columns = [
        "exchange",
        "exchange_symbol",
        "canonical_symbol",
        "market_type",
        "base_asset",
        "quote_asset",
    ]
    return pl.DataFrame(rows, schema=columns, orient="row")


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    lake.upsert_symbols(_symbols(), DAY1_US - DAY_US)
    return lake


def _ticks(ticks: int, decimals: int) -> str:
    """Integer ticks of 10**-decimals as Tardis decimal text (no trailing zeros)."""
    sign = "-" if ticks < 0 else ""
    whole, frac = divmod(abs(ticks), 10**decimals)
    frac_text = str(frac).zfill(decimals).rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


def _write(path: Path, data_type: str, rows: list[dict[str, str]]) -> Path:
    columns = FORMATS[data_type].columns
    lines = [",".join(columns), *(",".join(row.get(c, "") for c in columns) for row in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return path


def _ingest(lake: Lake, directory: Path, data_type: str, by_day: dict[int, list[dict]]) -> None:
    """One Tardis file per UTC day of ``by_day`` (day start µs -> rows), ingested in day order."""
    for day_us in sorted(by_day):
        date = datetime.date(1970, 1, 1) + datetime.timedelta(days=day_us // DAY_US)
        name = vendor_file_name(EXCHANGE, data_type, date, SYMBOL)
        result = lake.ingest_file(_write(directory / name, data_type, by_day[day_us]))
        assert result.status == "success", result
        assert result.rows_written == len(by_day[day_us])


@dataclass(frozen=True)
class Update:
    """One incremental_book_L2 row: times in µs, price in 0.1 ticks, amount in 0.001 ticks."""

    local: int
    event: int
    side: str
    price: int
    amount: int
    is_snapshot: bool = False

    def row(self) -> dict[str, str]:
        return {
            "exchange": EXCHANGE,
            "symbol": SYMBOL,
            "timestamp": str(self.event),
            "local_timestamp": str(self.local),
            "is_snapshot": "true" if self.is_snapshot else "false",
            "side": self.side,
            "price": _ticks(self.price, 1),
            "amount": _ticks(self.amount, 3),
        }


def ingest_updates(lake: Lake, directory: Path, updates: list[Update]) -> None:
    """Write ``updates`` (in this order) as one file per ``timestamp`` day and ingest them."""
    by_day: dict[int, list[dict]] = {}
    for u in updates:
        by_day.setdefault(u.event // DAY_US * DAY_US, []).append(u.row())
    _ingest(lake, directory / "l2", "incremental_book_L2", by_day)


Levels = tuple[list[int], list[int], list[int], list[int]]


def top(bids: dict[int, int], asks: dict[int, int], depth: int) -> Levels:
    """(bid prices, bid qtys, ask prices, ask qtys), best first, scaled by 10**9."""
    best_bids = sorted(bids, reverse=True)[:depth]
    best_asks = sorted(asks)[:depth]
    return (
        [p * PRICE_UNIT for p in best_bids],
        [bids[p] * QTY_UNIT for p in best_bids],
        [p * PRICE_UNIT for p in best_asks],
        [asks[p] * QTY_UNIT for p in best_asks],
    )


def levels_of(frame: pl.DataFrame) -> list[Levels]:
    columns = ["bid_price_levels", "bid_qty_levels", "ask_price_levels", "ask_qty_levels"]
    return [tuple(row) for row in frame.select(columns).iter_rows()]


# -- a generated stream whose true book is known ----------------------------------------------


@dataclass
class GeneratedStream:
    """Updates in true order and the true book at every ``step`` boundary of ``[lo, hi]``."""

    updates: list[Update] = field(default_factory=list)
    truth: dict[int, Levels] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)


def generate(
    seed: int, windows: list[tuple[int, int]], resets: list[int], step: int
) -> GeneratedStream:
    """A random stream active in each ``(lo, hi)`` window of local time.

    The book opens with a snapshot run at the start of every UTC day touched, and is replaced
    by a different random book (a snapshot run) at each time in ``resets``. Messages of 1-4
    level changes share one local and one exchange timestamp; the exchange time lags the
    local time by a random 0-3 ms, so exchange-time order differs from arrival order. Updates
    change, remove, add and re-add levels, and remove levels that are absent (a no-op).
    """
    rng = random.Random(seed)
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    removed: list[tuple[str, int]] = []
    stream = GeneratedStream()
    mid = 370_000

    def fresh_book() -> None:
        bids.clear()
        asks.clear()
        for _ in range(rng.randint(20, 40)):
            bids[mid - rng.randint(1, 60)] = rng.randint(1, 5_000)
            asks[mid + rng.randint(0, 60)] = rng.randint(1, 5_000)

    def snapshot_run(local: int) -> list[Update]:
        event = local - 200
        rows = [Update(local, event, "bid", p, q, True) for p, q in bids.items()]
        rows += [Update(local, event, "ask", p, q, True) for p, q in asks.items()]
        return rows

    def one_change(local: int, event: int) -> Update:
        side = rng.choice(("bid", "ask"))
        book_side = bids if side == "bid" else asks
        roll = rng.random()
        if roll < 0.25 and book_side:
            price, amount = rng.choice(sorted(book_side)), 0  # remove
            removed.append((side, price))
        elif roll < 0.35 and removed:
            side, price = removed.pop(rng.randrange(len(removed)))  # re-add
            book_side, amount = (bids if side == "bid" else asks), rng.randint(1, 5_000)
        elif roll < 0.40:
            price, amount = mid + rng.randint(100, 200) * (1 if side == "ask" else -1), 0
        elif roll < 0.70 and book_side:
            price, amount = rng.choice(sorted(book_side)), rng.randint(1, 5_000)  # change
        else:
            offset = rng.randint(0 if side == "ask" else 1, 80)
            price, amount = (mid + offset if side == "ask" else mid - offset), rng.randint(1, 9)
        if amount:
            book_side[price] = amount
        else:
            book_side.pop(price, None)
        return Update(local, event, side, price, amount)

    # Messages: distinct local times (ms grid), then snapshot runs at day starts and resets.
    messages: list[tuple[int, str]] = []
    for lo, hi in windows:
        times = rng.sample(range(lo // 1000 + 1, hi // 1000), k=(hi - lo) // 100_000)
        messages += [(ms * 1000 + 7, "updates") for ms in times]
    days = sorted({lo // DAY_US * DAY_US for lo, _ in windows})
    messages += [(day + 500, "snapshot") for day in days]
    messages += [(at, "reset") for at in resets]
    messages.sort()
    bounds = sorted(
        {b for lo, hi in windows for b in range(lo // step * step + step, hi + 1, step)}
    )

    b = 0
    for local, kind in messages:
        while b < len(bounds) and bounds[b] <= local:
            stream.truth[bounds[b]] = top(bids, asks, 25)
            b += 1
        if kind == "updates":
            event = local - rng.randint(0, 3_000)
            stream.updates += [one_change(local, event) for _ in range(rng.randint(1, 4))]
        else:
            if kind == "reset" or not bids:
                fresh_book()
            stream.updates += snapshot_run(local)
    for bound in bounds[b:]:
        stream.truth[bound] = top(bids, asks, 25)
    locals_ = [u.local for u in stream.updates]  # in order: non-decreasing
    for bound in bounds:
        stream.counts[bound] = bisect_left(locals_, bound) - bisect_left(locals_, bound - step)
    return stream


def snapshot_25_rows(truth: dict[int, Levels]) -> dict[int, list[dict]]:
    """book_snapshot_25 rows stamped ``b - 1`` (the last instant before boundary ``b``)."""
    by_day: dict[int, list[dict]] = {}
    for bound, (bp, bq, ap, aq) in sorted(truth.items()):
        row = {
            "exchange": EXCHANGE,
            "symbol": SYMBOL,
            "timestamp": str(bound - 1),
            "local_timestamp": str(bound - 1),
        }
        for side, prices, qtys in (("asks", ap, aq), ("bids", bp, bq)):
            for i, (price, qty) in enumerate(zip(prices, qtys, strict=True)):
                row[f"{side}[{i}].price"] = _ticks(price // PRICE_UNIT, 1)
                row[f"{side}[{i}].amount"] = _ticks(qty // QTY_UNIT, 3)
        by_day.setdefault((bound - 1) // DAY_US * DAY_US, []).append(row)
    return by_day


# Active around midnight between two days; the second day's book is replaced mid-stream.
WINDOWS = [(DAY2_US - 5 * 60 * SECOND, DAY2_US), (DAY2_US, DAY2_US + 5 * 60 * SECOND)]
RESET_AT = DAY2_US + 150 * SECOND + 123


@pytest.fixture
def generated(lake: Lake, tmp_path: Path) -> GeneratedStream:
    stream = generate(7, WINDOWS, [RESET_AT], SECOND)
    ingest_updates(lake, tmp_path, stream.updates)
    _ingest(lake, tmp_path / "snapshots", "book_snapshot_25", snapshot_25_rows(stream.truth))
    return stream


def test_generated_stream_equals_the_truth_and_the_ingested_snapshots(
    lake: Lake, generated: GeneratedStream
) -> None:
    start, end = WINDOWS[0][0], WINDOWS[1][1]
    frame = lake.book(EXCHANGE, SYMBOL, start=start, end=end, every="1s", depth=25)

    bounds = sorted(generated.truth)
    assert frame.get_column("ts_us").to_list() == bounds
    assert levels_of(frame) == [generated.truth[b] for b in bounds]
    assert frame.get_column("updates").to_list() == [generated.counts[b] for b in bounds]
    assert frame.get_column("updates").sum() == sum(
        start <= u.local < end for u in generated.updates
    )
    assert not frame.get_column("crossed").any()

    snapshots = lake.scan("book_snapshots", exchange=EXCHANGE, symbols=[SYMBOL]).collect()
    assert (snapshots.get_column("ts_local_us") + 1).to_list() == bounds
    assert levels_of(frame) == levels_of(snapshots)
    # the stream really exercises what it is meant to: a book deeper than 25, removals, a reset
    assert max(len(levels[0]) for levels in generated.truth.values()) == 25
    assert sum(u.amount == 0 for u in generated.updates) > 100


def test_a_row_depends_only_on_its_boundary(lake: Lake, generated: GeneratedStream) -> None:
    """Starting at midnight (before the day's snapshot), mid-day after the reset, or off the
    grid gives the same rows as the full replay: the look-back finds the right snapshot."""
    for start in (DAY2_US, DAY2_US + 200 * SECOND, DAY2_US - 3 * SECOND - 250_000):
        end = start + 40 * SECOND
        frame = lake.book(EXCHANGE, SYMBOL, start=start, end=end, every="1s", depth=25)
        bounds = [b for b in sorted(generated.truth) if start < b <= end]
        assert frame.get_column("ts_us").to_list() == bounds
        assert levels_of(frame) == [generated.truth[b] for b in bounds]
        assert frame.get_column("updates").to_list() == [generated.counts[b] for b in bounds]


def test_every_100ms_and_a_shallow_depth(lake: Lake, generated: GeneratedStream) -> None:
    start = DAY2_US + 140 * SECOND
    frame = lake.book(EXCHANGE, SYMBOL, start=start, end=start + 20 * SECOND, every="100ms")
    assert frame.height == 200
    on_seconds = frame.filter(pl.col("ts_us") % SECOND == 0)
    expected = [generated.truth[b] for b in on_seconds.get_column("ts_us")]
    assert levels_of(on_seconds) == [tuple(side[:10] for side in e) for e in expected]
    assert frame.get_column("updates").sum() == sum(
        start <= u.local < start + 20 * SECOND for u in generated.updates
    )


# -- small exact cases ------------------------------------------------------------------------

NOON = DAY1_US + 12 * 3_600 * SECOND


def _u(seconds: float, side: str, price: int, amount: int, snap: bool = False) -> Update:
    local = NOON + round(seconds * SECOND)
    return Update(local, local - 50, side, price, amount, snap)


def _book_at_noon(lake: Lake, seconds: int, *, every: str = "1s", depth: int = 10):
    return lake.book(
        EXCHANGE, SYMBOL, start=NOON, end=NOON + seconds * SECOND, every=every, depth=depth
    )


def test_snapshot_reset_in_the_middle_of_a_day(lake: Lake, tmp_path: Path) -> None:
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(DAY1_US + 500, DAY1_US + 400, "ask", 1010, 2, True),
        _u(0.5, "bid", 1001, 3),
        _u(1.5, "bid", 900, 4, True),  # a new run: the whole book is replaced
        _u(1.5, "ask", 905, 5, True),
        _u(1.6, "bid", 899, 6, True),  # same run (follows a snapshot row): no second reset
        _u(2.5, "ask", 904, 7),
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 3)
    assert levels_of(frame) == [
        (
            [1001 * PRICE_UNIT, 1000 * PRICE_UNIT],
            [3 * QTY_UNIT, QTY_UNIT],
            [1010 * PRICE_UNIT],
            [2 * QTY_UNIT],
        ),
        (
            [900 * PRICE_UNIT, 899 * PRICE_UNIT],
            [4 * QTY_UNIT, 6 * QTY_UNIT],
            [905 * PRICE_UNIT],
            [5 * QTY_UNIT],
        ),
        (
            [900 * PRICE_UNIT, 899 * PRICE_UNIT],
            [4 * QTY_UNIT, 6 * QTY_UNIT],
            [904 * PRICE_UNIT, 905 * PRICE_UNIT],
            [7 * QTY_UNIT, 5 * QTY_UNIT],
        ),
    ]
    assert frame.get_column("updates").to_list() == [1, 3, 1]
    symbol_id = lake.symbols().filter(pl.col("exchange_symbol") == SYMBOL).item(0, "symbol_id")
    assert frame.get_column("symbol_id").to_list() == [symbol_id] * 3
    assert frame.get_column("symbol").to_list() == [SYMBOL] * 3


def test_a_level_removed_and_re_added(lake: Lake, tmp_path: Path) -> None:
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 999, 2, True),
        Update(DAY1_US + 500, DAY1_US + 400, "ask", 1010, 3, True),
        _u(0.2, "bid", 1000, 0),  # removed
        _u(0.4, "ask", 1020, 0),  # removing an absent level changes nothing
        _u(1.2, "bid", 1000, 8),  # re-added with a new size
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 2)
    assert frame.get_column("bid_price_levels").to_list() == [
        [999 * PRICE_UNIT],
        [1000 * PRICE_UNIT, 999 * PRICE_UNIT],
    ]
    assert frame.get_column("bid_qty_levels").to_list() == [
        [2 * QTY_UNIT],
        [8 * QTY_UNIT, 2 * QTY_UNIT],
    ]
    assert frame.get_column("ask_price_levels").to_list() == [[1010 * PRICE_UNIT]] * 2
    assert frame.get_column("updates").to_list() == [2, 1]


def test_a_crossed_book_is_flagged_not_hidden(lake: Lake, tmp_path: Path) -> None:
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(DAY1_US + 500, DAY1_US + 400, "ask", 1010, 1, True),
        _u(0.5, "bid", 1010, 2),  # best bid == best ask: crossed
        _u(1.5, "ask", 1010, 0),
        _u(1.6, "ask", 1005, 1),  # best ask below best bid: crossed
        _u(2.5, "bid", 1010, 0),  # uncrossed again
        _u(3.5, "ask", 1005, 0),  # one side empty: not crossed
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 4)
    assert frame.get_column("crossed").to_list() == [True, True, False, False]
    assert frame.row(1, named=True)["bid_price_levels"] == [1010 * PRICE_UNIT, 1000 * PRICE_UNIT]
    assert frame.row(1, named=True)["ask_price_levels"] == [1005 * PRICE_UNIT]
    assert frame.row(3, named=True)["ask_price_levels"] == []


def test_replay_order_is_arrival_time_then_file_order(lake: Lake, tmp_path: Path) -> None:
    """Two updates of one level: the later arrival wins although its exchange time is earlier;
    an update arriving exactly at a boundary belongs to the next row."""
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(NOON + 100, NOON + 90, "bid", 1000, 5),
        Update(NOON + 200, NOON + 10, "bid", 1000, 6),  # arrives later, stamped earlier
        Update(NOON + SECOND, NOON + SECOND - 1, "bid", 1000, 7),  # at the boundary itself
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 2)
    assert frame.get_column("bid_qty_levels").to_list() == [[6 * QTY_UNIT], [7 * QTY_UNIT]]
    assert frame.get_column("updates").to_list() == [2, 1]


def test_updates_arriving_together_apply_in_file_order(lake: Lake, tmp_path: Path) -> None:
    """Same arrival time: file order decides, whatever the exchange times (stored by them)."""
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(NOON + 100, NOON + 90, "bid", 1000, 5),
        Update(NOON + 100, NOON + 20, "bid", 1000, 6),  # stamped earlier, later in the file
        Update(NOON + 100, NOON + 95, "ask", 1010, 0),
        Update(NOON + 100, NOON + 50, "ask", 1010, 2),  # re-added after its removal
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 1)
    assert levels_of(frame) == [
        ([1000 * PRICE_UNIT], [6 * QTY_UNIT], [1010 * PRICE_UNIT], [2 * QTY_UNIT])
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 3)), max_size=60), st.randoms())
def test_ties_are_put_in_file_order(rows, rng) -> None:
    frame = pl.DataFrame(
        {
            "t": [t for t, _ in rows],
            "file_id": [f for _, f in rows],
            "file_seq": list(range(len(rows))),
        },
        schema={"t": pl.Int64, "file_id": pl.Int64, "file_seq": pl.Int64},
    )
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 1000))
    ordered = book_module._order_ties(shuffled.sort("t"))
    expected = frame.sort("t", "file_id", "file_seq")
    assert {name: values.tolist() for name, values in ordered.items()} == expected.to_dict(
        as_series=False
    )


def test_the_snapshot_of_the_day_before_when_the_first_boundary_precedes_today_s(
    lake: Lake, tmp_path: Path
) -> None:
    """Boundaries before the day's opening snapshot show the previous day's book: the replay
    reaches back a day for its snapshot."""
    updates = [
        Update(DAY1_US + 500, DAY1_US + 400, "bid", 1000, 1, True),
        Update(DAY1_US + 500, DAY1_US + 400, "ask", 1010, 1, True),
        Update(DAY2_US - SECOND, DAY2_US - SECOND - 10, "bid", 1001, 2),
        Update(DAY2_US + 500, DAY2_US + 400, "bid", 2000, 3, True),
        Update(DAY2_US + 500, DAY2_US + 400, "ask", 2010, 4, True),
    ]
    ingest_updates(lake, tmp_path, updates)
    frame = lake.book(EXCHANGE, SYMBOL, start=DAY2_US, end=DAY2_US + 1000, every="250us")
    day1 = (
        [1001 * PRICE_UNIT, 1000 * PRICE_UNIT],
        [2 * QTY_UNIT, QTY_UNIT],
        [1010 * PRICE_UNIT],
        [QTY_UNIT],
    )
    day2 = ([2000 * PRICE_UNIT], [3 * QTY_UNIT], [2010 * PRICE_UNIT], [4 * QTY_UNIT])
    assert levels_of(frame) == [day1, day1, day2, day2]
    assert frame.get_column("updates").to_list() == [0, 0, 2, 0]


def test_no_snapshot_before_start_replays_from_an_empty_book(lake: Lake, tmp_path: Path) -> None:
    updates = [_u(0.5, "bid", 1000, 1), _u(0.7, "ask", 1001, 2)]
    ingest_updates(lake, tmp_path, updates)
    frame = _book_at_noon(lake, 1)
    assert levels_of(frame) == [
        ([1000 * PRICE_UNIT], [QTY_UNIT], [1001 * PRICE_UNIT], [2 * QTY_UNIT])
    ]


def test_boundaries_are_multiples_of_every_in_the_half_open_range(lake: Lake) -> None:
    frame = lake.book(EXCHANGE, SYMBOL, start=NOON + 1, end=NOON + 3 * SECOND, every="1s")
    assert frame.get_column("ts_us").to_list() == [
        NOON + SECOND,
        NOON + 2 * SECOND,
        NOON + 3 * SECOND,
    ]
    assert frame.get_column("bid_price_levels").to_list() == [[], [], []]
    assert frame.get_column("updates").to_list() == [0, 0, 0]
    iso = lake.book(
        EXCHANGE, SYMBOL, start="2024-01-01T12:00:00", end="2024-01-01T12:01:00", every="1m"
    )
    assert iso.get_column("ts_us").to_list() == [NOON + 60 * SECOND]


def test_empty_range_is_an_empty_frame_with_the_schema(lake: Lake) -> None:
    for start, end in ((NOON, NOON), (NOON + 1, NOON + SECOND - 1)):
        frame = lake.book(EXCHANGE, SYMBOL, start=start, end=end, every="1s")
        assert frame.height == 0
        assert frame.schema == BOOK_SCHEMA


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"every": "0s"}, r"every='0s' is not a duration; give a positive .* '100ms', '1s'"),
        ({"every": "1 fortnight"}, r"not a duration; give .* units us, ms, s, m, h, d"),
        ({"every": -5}, r"every=-5 is not a duration"),
        ({"end": NOON - 1}, r"is before start .* give end >= start .*\(start, end\]"),
        ({"depth": 0}, r"depth=0 is not a level count; give an integer >= 1"),
        (
            {"symbol": "DOGEUSDT"},
            r"unknown symbol 'DOGEUSDT' on 'binance-futures'.*BTCUSDT, ETHUSDT",
        ),
        ({"exchange": "kraken"}, r"unknown exchange 'kraken'.*\['binance-futures'\]"),
        ({"start": "noon"}, r"start='noon' is not an instant; give integer microseconds"),
    ],
)
def test_bad_arguments_say_what_is_accepted(lake: Lake, arguments: dict, message: str) -> None:
    call = {
        "exchange": EXCHANGE,
        "symbol": SYMBOL,
        "start": NOON,
        "end": NOON + SECOND,
        "every": "1s",
    }
    call.update(arguments)
    exchange, symbol = call.pop("exchange"), call.pop("symbol")
    with pytest.raises(ValueError, match=message):
        lake.book(exchange, symbol, **call)


def test_too_many_boundaries_is_refused(lake: Lake) -> None:
    with pytest.raises(ValueError, match=r"boundaries .* give a shorter range or a longer"):
        lake.book(EXCHANGE, SYMBOL, start=0, end=DAY1_US, every="1us")


def test_missing_numba_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import pointline.research._book_kernel as kernel

    monkeypatch.setattr(kernel, "njit", None)
    with pytest.raises(ImportError, match=r"pointline\[research\]"):
        kernel.replay(*(np.zeros(0, dtype=np.int64) for _ in range(6)), 1)
    assert book_module.replay is kernel.replay


# -- the kernel against a pure-Python model ---------------------------------------------------


def reference(updates: list[tuple[int, bool, int, int, bool]], bounds: list[int], depth: int):
    """The book rules in plain Python: a dict per side, replayed update by update."""
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    rows = []
    previous_snapshot = False
    i = 0
    for bound in bounds:
        while i < len(updates) and updates[i][0] < bound:
            _, is_bid, price, qty, snapshot = updates[i]
            if snapshot and not previous_snapshot:
                bids.clear()
                asks.clear()
            previous_snapshot = snapshot
            side = bids if is_bid else asks
            if qty == 0:
                side.pop(price, None)
            else:
                side[price] = qty
            i += 1
        best_bids = sorted(bids, reverse=True)[:depth]
        best_asks = sorted(asks)[:depth]
        rows.append(
            (best_bids, [bids[p] for p in best_bids], best_asks, [asks[p] for p in best_asks])
        )
    return rows


_update = st.tuples(
    st.integers(0, 40),
    st.booleans(),
    st.integers(-3, 12) | st.sampled_from([-(2**63), 2**63 - 1]),
    st.integers(-2, 4),
    st.integers(0, 9).map(lambda x: x == 0),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_update, max_size=120),
    st.lists(st.integers(-1, 45), max_size=12, unique=True).map(sorted),
    st.integers(1, 5),
)
def test_kernel_matches_the_reference_model(updates, bounds, depth) -> None:
    updates = sorted(updates, key=lambda u: u[0])
    columns = [
        np.array([u[k] for u in updates], dtype=dtype)
        for k, dtype in enumerate((np.int64, np.bool_, np.int64, np.int64, np.bool_))
    ]
    bo, bp, bq, ao, ap, aq, crossed = replay(*columns, np.array(bounds, np.int64), depth)
    got = [
        (
            list(bp[bo[k] : bo[k + 1]]),
            list(bq[bo[k] : bo[k + 1]]),
            list(ap[ao[k] : ao[k + 1]]),
            list(aq[ao[k] : ao[k + 1]]),
        )
        for k in range(len(bounds))
    ]
    expected = reference(updates, bounds, depth)
    assert list(crossed) == [bool(b and a and b[0] >= a[0]) for b, _, a, _ in expected]
    assert got == expected


def test_kernel_grows_past_its_initial_capacity() -> None:
    """More levels than the book's first arrays hold, and more output than first reserved."""
    n = 1_500
    prices = np.arange(n, dtype=np.int64)
    bounds = np.arange(1, n + 1, dtype=np.int64)
    bo, bp, bq, ao, ap, _, crossed = replay(
        prices, np.ones(n, np.bool_), prices, prices + 1, np.zeros(n, np.bool_), bounds, n
    )
    assert list(bo[-3:]) == [sum(range(n - 1)), sum(range(n)), sum(range(n + 1))]
    assert list(bp[bo[-2] : bo[-1]]) == list(range(n - 1, -1, -1))
    assert list(bq[bo[-2] : bo[-1]][:2]) == [n, n - 1]
    assert (len(ap), list(ao[-2:]), crossed.any()) == (0, [0, 0], False)


# -- the command line -------------------------------------------------------------------------


def _cli(*args: object) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_book_prints_the_rows_of_lake_book(lake: Lake, tmp_path: Path) -> None:
    ingest_updates(lake, tmp_path, generate(3, [(NOON, NOON + 20 * SECOND)], [], SECOND).updates)
    args = ["book", EXCHANGE, SYMBOL, "--start", NOON, "--end", NOON + 10 * SECOND]
    args += ["--every", "2s", "--depth", "3", "--lake", lake.root]
    expected = lake.book(EXCHANGE, SYMBOL, start=NOON, end=NOON + 10 * SECOND, every="2s", depth=3)

    result = _cli(*args, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["rows"] == expected.to_dicts()
    assert len(document["rows"]) == 5

    table = _cli(*args)
    assert table.exit_code == 0, table.output
    assert "first 5 of 5 boundaries" in table.stdout
    assert str(expected.item(0, "bid_price_levels")[0]) in table.stdout

    parquet = tmp_path / "book.parquet"
    written = _cli(*args, "--output", parquet)
    assert written.exit_code == 0, written.output
    assert pl.read_parquet(parquet).equals(expected)


def test_cli_book_bad_arguments_exit_1_with_what_is_accepted(lake: Lake) -> None:
    base = ["book", EXCHANGE, SYMBOL, "--start", "2024-01-01", "--end", "2024-01-01T00:01:00"]
    result = _cli(*base, "--every", "0s", "--lake", lake.root)
    assert result.exit_code == 1
    assert "every='0s' is not a duration" in result.stderr
    unknown = _cli("book", EXCHANGE, "NOPE", *base[3:], "--every", "1s", "--lake", lake.root)
    assert unknown.exit_code == 1
    assert "unknown symbol 'NOPE'" in unknown.stderr
    missing = _cli(*base, "--lake", lake.root)
    assert missing.exit_code == 2  # --every is required: a usage error
