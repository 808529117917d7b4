"""The SCD2 symbol dimension: ids, bootstrap, upsert, validate and point-in-time lookup."""

from __future__ import annotations

import hashlib
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointline.schemas.dimensions import DIM_SYMBOL
from pointline.v2.dim_symbol import (
    VALID_UNTIL_MAX,
    assign_symbol_ids,
    bootstrap,
    resolve_symbol_ids,
    symbol_id_of,
    upsert,
    validate,
)

MAX = 2**63 - 1


def expected_id(exchange: str, symbol: str, valid_from: int) -> int:
    digest = hashlib.blake2b(f"{exchange}|{symbol}|{valid_from}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def snapshot(*rows: tuple, **extra: list) -> pl.DataFrame:
    """Rows of (exchange, exchange_symbol, base_asset, tick_size text)."""
    return pl.DataFrame(
        {
            "exchange": [r[0] for r in rows],
            "exchange_symbol": [r[1] for r in rows],
            "canonical_symbol": [f"{r[2]}/USDT" for r in rows],
            "market_type": ["spot"] * len(rows),
            "base_asset": [r[2] for r in rows],
            "quote_asset": ["USDT"] * len(rows),
            "tick_size": [r[3] for r in rows],
            **extra,
        },
        schema_overrides={"tick_size": pl.Utf8},
    )


def windows(dim: pl.DataFrame) -> list[tuple]:
    """(exchange, exchange_symbol, valid_from, valid_until, is_current, tick_size, updated_at)."""
    return dim.select(
        "exchange",
        "exchange_symbol",
        "valid_from_ts_us",
        "valid_until_ts_us",
        "is_current",
        "tick_size",
        "updated_at_ts_us",
    ).rows()


BASE = snapshot(
    ("binance", "BTCUSDT", "BTC", "0.01"),
    ("binance", "ETHUSDT", "ETH", "0.01"),
    ("binance", "XRPUSDT", "XRP", "0.0001"),
    ("okx", "BTC-USDT", "BTC", "0.1"),
)


# --------------------------------------------------------------------------- symbol ids


def test_valid_until_max_is_int64_max():
    assert VALID_UNTIL_MAX == 2**63 - 1


def test_symbol_id_is_signed_little_endian_blake2b_64():
    expected = expected_id("binance", "BTCUSDT", 1_700_000_000_000_000)
    assert symbol_id_of("binance", "BTCUSDT", 1_700_000_000_000_000) == expected
    frame = pl.DataFrame(
        {
            "exchange": ["binance", "szse"],
            "exchange_symbol": ["BTCUSDT", "000001"],
            "valid_from_ts_us": [1_700_000_000_000_000, 0],
        }
    )
    out = assign_symbol_ids(frame)
    assert out.columns == ["symbol_id", "exchange", "exchange_symbol", "valid_from_ts_us"]
    assert out["symbol_id"].to_list() == [expected, expected_id("szse", "000001", 0)]
    assert out.schema["symbol_id"] == pl.Int64


def test_assign_symbol_ids_overwrites_existing_column_in_place():
    frame = pl.DataFrame(
        {"exchange": ["okx"], "symbol_id": [1], "exchange_symbol": ["A"], "valid_from_ts_us": [5]}
    )
    out = assign_symbol_ids(frame)
    assert out.columns == frame.columns
    assert out["symbol_id"].to_list() == [expected_id("okx", "A", 5)]


def test_assign_symbol_ids_names_missing_column():
    with pytest.raises(ValueError, match=r"missing columns \['valid_from_ts_us'\]"):
        assign_symbol_ids(pl.DataFrame({"exchange": ["x"], "exchange_symbol": ["y"]}))


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_opens_every_row_at_effective_time():
    dim = bootstrap(BASE, 100)
    assert dim.schema == DIM_SYMBOL.to_polars()
    assert windows(dim) == [
        ("binance", "BTCUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "ETHUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "XRPUSDT", 100, MAX, True, 100_000, 100),
        ("okx", "BTC-USDT", 100, MAX, True, 100_000_000, 100),
    ]
    assert dim["symbol_id"].to_list() == [
        expected_id(e, s, 100) for e, s in dim.select("exchange", "exchange_symbol").rows()
    ]
    assert dim["lot_size"].to_list() == [None] * 4
    validate(dim)


def test_bootstrap_sorts_by_tie_break_keys():
    shuffled = BASE.reverse()
    dim = bootstrap(shuffled, 100)
    assert dim.select("exchange", "exchange_symbol").rows() == [
        ("binance", "BTCUSDT"),
        ("binance", "ETHUSDT"),
        ("binance", "XRPUSDT"),
        ("okx", "BTC-USDT"),
    ]


def test_decimal_text_sizes_convert_exactly():
    snap = snapshot(
        ("binance", "A", "A", "0.00000001"),
        ("binance", "B", "B", "12345678.123456789"),
        ("binance", "C", "C", None),
        lot_size=["0.001", "1", None],
        contract_size=["100", None, "0.000000001"],
    )
    dim = bootstrap(snap, 1)
    assert dim["tick_size"].to_list() == [10, 12_345_678_123_456_789, None]
    assert dim["lot_size"].to_list() == [1_000_000, 1_000_000_000, None]
    assert dim["contract_size"].to_list() == [100_000_000_000, None, 1]


def test_scaled_integer_sizes_are_kept():
    snap = snapshot(("binance", "A", "A", None)).with_columns(
        pl.lit(10, pl.Int32).alias("tick_size"), pl.lit(5, pl.Int64).alias("lot_size")
    )
    dim = bootstrap(snap, 1)
    assert dim.row(0, named=True)["tick_size"] == 10
    assert dim.row(0, named=True)["lot_size"] == 5


@pytest.mark.parametrize("text", ["0.0000000001", "abc", "1e30"])
def test_size_text_that_does_not_convert_names_column_symbol_and_text(text):
    snap = snapshot(("binance", "BTCUSDT", "BTC", "0.01"), ("binance", "BAD", "X", text))
    message = f"snapshot column 'tick_size'.*binance\\|BAD: '{re.escape(text)}'"
    with pytest.raises(ValueError, match=message):
        bootstrap(snap, 1)


def test_float_sizes_are_refused():
    snap = snapshot(("binance", "A", "A", None)).with_columns(pl.lit(0.1).alias("tick_size"))
    with pytest.raises(ValueError, match=r"'tick_size': expected decimal text .* got Float64"):
        bootstrap(snap, 1)


def test_snapshot_missing_required_column():
    with pytest.raises(ValueError, match=r"snapshot: missing required columns \['quote_asset'\]"):
        bootstrap(BASE.drop("quote_asset"), 1)


def test_snapshot_duplicate_key():
    snap = pl.concat([BASE, BASE.head(1)])
    with pytest.raises(ValueError, match=r"duplicate .*\('binance', 'BTCUSDT'\)"):
        bootstrap(snap, 1)


def test_snapshot_null_in_required_column():
    snap = BASE.with_columns(pl.lit(None, pl.Utf8).alias("market_type"))
    with pytest.raises(ValueError, match=r"null values in required column\(s\) \['market_type'\]"):
        bootstrap(snap, 1)


@pytest.mark.parametrize("bad", [-1, 1.5, True, MAX])
def test_effective_time_must_be_int_microseconds(bad):
    with pytest.raises(ValueError, match="effective_ts_us must be"):
        bootstrap(BASE, bad)


# --------------------------------------------------------------------------- upsert


def test_upsert_new_changed_unchanged_missing():
    dim = bootstrap(BASE, 100)
    snap = snapshot(
        ("binance", "BTCUSDT", "BTC", "0.01"),  # unchanged
        ("binance", "ETHUSDT", "ETH", "0.05"),  # tick changed
        ("binance", "SOLUSDT", "SOL", "0.001"),  # new
        # XRPUSDT missing -> closed
    )
    out = upsert(dim, snap, 200)
    assert windows(out) == [
        ("binance", "BTCUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "ETHUSDT", 100, 200, False, 10_000_000, 200),
        ("binance", "ETHUSDT", 200, MAX, True, 50_000_000, 200),
        ("binance", "SOLUSDT", 200, MAX, True, 1_000_000, 200),
        ("binance", "XRPUSDT", 100, 200, False, 100_000, 200),
        ("okx", "BTC-USDT", 100, MAX, True, 100_000_000, 100),  # other exchange untouched
    ]
    ids = dict(
        zip(out.select("exchange_symbol", "valid_from_ts_us").rows(), out["symbol_id"], strict=True)
    )
    assert (
        ids[("BTCUSDT", 100)] == dim.filter(pl.col("exchange_symbol") == "BTCUSDT")["symbol_id"][0]
    )
    assert ids[("ETHUSDT", 200)] == expected_id("binance", "ETHUSDT", 200)
    assert out.schema == DIM_SYMBOL.to_polars()
    validate(out)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("canonical_symbol", "BTC-PERP"),
        ("market_type", "perpetual"),
        ("base_asset", "XBT"),
        ("quote_asset", "USD"),
        ("lot_size", "0.001"),
        ("contract_size", "1"),
    ],
)
def test_each_tracked_column_change_opens_a_new_row(column, value):
    snap = snapshot(("binance", "BTCUSDT", "BTC", "0.01"))
    dim = bootstrap(snap, 100)
    out = upsert(dim, snap.with_columns(pl.lit(value).alias(column)), 200)
    assert out.select("valid_from_ts_us", "valid_until_ts_us").rows() == [(100, 200), (200, MAX)]


def test_null_equals_null_and_extra_columns_do_not_count():
    snap = snapshot(("binance", "BTCUSDT", "BTC", None), lot_size=[None])
    dim = bootstrap(snap, 100)
    out = upsert(dim, snap.with_columns(pl.lit("ignored").alias("note")), 200)
    assert out.equals(dim)


def test_upsert_is_scoped_to_exchanges_in_the_snapshot():
    dim = bootstrap(BASE, 100)
    out = upsert(dim, snapshot(("okx", "ETH-USDT", "ETH", "0.1")), 200)
    assert windows(out) == [
        ("binance", "BTCUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "ETHUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "XRPUSDT", 100, MAX, True, 100_000, 100),
        ("okx", "BTC-USDT", 100, 200, False, 100_000_000, 200),
        ("okx", "ETH-USDT", 200, MAX, True, 100_000_000, 200),
    ]


def test_empty_snapshot_changes_nothing():
    dim = bootstrap(BASE, 100)
    assert upsert(dim, BASE.clear(), 200).equals(dim)


def test_explicit_delistings_close_only_listed_symbols_at_their_own_time():
    dim = bootstrap(BASE, 100)
    snap = snapshot(("binance", "BTCUSDT", "BTC", "0.01"))  # ETH and XRP missing
    delistings = pl.DataFrame(
        {"exchange": ["binance"], "exchange_symbol": ["XRPUSDT"], "delisted_at_ts_us": [150]}
    )
    out = upsert(dim, snap, 200, delistings=delistings)
    assert windows(out) == [
        ("binance", "BTCUSDT", 100, MAX, True, 10_000_000, 100),
        ("binance", "ETHUSDT", 100, MAX, True, 10_000_000, 100),  # missing but not listed
        ("binance", "XRPUSDT", 100, 150, False, 100_000, 200),
        ("okx", "BTC-USDT", 100, MAX, True, 100_000_000, 100),
    ]


def test_rerunning_an_upsert_changes_nothing():
    dim = bootstrap(BASE, 100)
    snap = snapshot(("binance", "BTCUSDT", "BTC", "0.02"))
    delistings = pl.DataFrame(
        {"exchange": ["binance"], "exchange_symbol": ["XRPUSDT"], "delisted_at_ts_us": [150]}
    )
    once = upsert(dim, snap, 200, delistings=delistings)
    assert upsert(once, snap, 200, delistings=delistings).equals(once)
    implicit = upsert(dim, snap, 200)
    assert upsert(implicit, snap, 200).equals(implicit)


def test_upsert_is_deterministic_whatever_the_input_order():
    dim = bootstrap(BASE, 100)
    snap = snapshot(("binance", "ETHUSDT", "ETH", "1"), ("binance", "ADAUSDT", "ADA", "1"))
    a = upsert(dim, snap, 200)
    b = upsert(dim.reverse(), snap.reverse(), 200)
    assert a.equals(b)


def test_delisted_symbol_that_reappears_opens_a_new_row():
    dim = bootstrap(BASE, 100)
    gone = upsert(dim, snapshot(("binance", "BTCUSDT", "BTC", "0.01")), 200)
    back = upsert(gone, snapshot(("binance", "ETHUSDT", "ETH", "0.01")), 300)
    eth = back.filter(pl.col("exchange_symbol") == "ETHUSDT")
    assert eth.select("valid_from_ts_us", "valid_until_ts_us", "is_current").rows() == [
        (100, 200, False),
        (300, MAX, True),
    ]
    assert eth["symbol_id"].to_list() == [
        expected_id("binance", "ETHUSDT", 100),
        expected_id("binance", "ETHUSDT", 300),
    ]


@pytest.mark.parametrize("effective", [50, 100])
def test_effective_time_not_after_valid_from_of_a_row_to_close(effective):
    dim = bootstrap(BASE, 100)
    changed = snapshot(("okx", "BTC-USDT", "BTC", "0.5"))
    with pytest.raises(ValueError, match=r"must be later than valid_from_ts_us.*'okx', 'BTC-USDT'"):
        upsert(dim, changed, effective)
    with pytest.raises(ValueError, match=r"must be later than valid_from_ts_us.*'okx', 'BTC-USDT'"):
        upsert(dim, snapshot(("okx", "ETH-USDT", "ETH", "0.5")), effective)


def test_reappearance_before_the_end_of_the_old_window_is_refused():
    dim = bootstrap(BASE, 100)
    delist = pl.DataFrame(
        {"exchange": ["okx"], "exchange_symbol": ["BTC-USDT"], "delisted_at_ts_us": [500]}
    )
    gone = upsert(dim, BASE.clear(), 200, delistings=delist)
    with pytest.raises(ValueError, match=r"earlier than the end of an existing window.*BTC-USDT"):
        upsert(gone, snapshot(("okx", "BTC-USDT", "BTC", "0.1")), 400)


def test_delistings_errors():
    dim = bootstrap(BASE, 100)
    snap = snapshot(("binance", "BTCUSDT", "BTC", "0.01"))

    def listing(symbol: str, at: int) -> pl.DataFrame:
        return pl.DataFrame(
            {"exchange": ["binance"], "exchange_symbol": [symbol], "delisted_at_ts_us": [at]}
        )

    with pytest.raises(ValueError, match=r"also in the snapshot: \[\('binance', 'BTCUSDT'\)\]"):
        upsert(dim, snap, 200, delistings=listing("BTCUSDT", 150))
    with pytest.raises(ValueError, match=r"unknown to dim_symbol: \[\('binance', 'NOPE'\)\]"):
        upsert(dim, snap, 200, delistings=listing("NOPE", 150))
    with pytest.raises(ValueError, match=r"must be later than valid_from_ts_us.*'XRPUSDT'"):
        upsert(dim, snap, 200, delistings=listing("XRPUSDT", 100))
    with pytest.raises(ValueError, match=r"delistings: missing required columns"):
        upsert(dim, snap, 200, delistings=listing("XRPUSDT", 150).drop("delisted_at_ts_us"))
    with pytest.raises(ValueError, match=r"delistings: duplicate"):
        upsert(dim, snap, 200, delistings=pl.concat([listing("XRPUSDT", 150)] * 2))


def test_upsert_refuses_an_invalid_dim():
    dim = bootstrap(BASE, 100).with_columns(pl.lit(False).alias("is_current"))
    with pytest.raises(ValueError, match="is_current must be True exactly when"):
        upsert(dim, BASE, 200)


def test_upsert_of_empty_dim_is_bootstrap():
    empty = pl.DataFrame(schema=DIM_SYMBOL.to_polars())
    assert upsert(empty, BASE, 100).equals(bootstrap(BASE, 100))


# --------------------------------------------------------------------------- validate


def _dim(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (exchange, exchange_symbol, valid_from, valid_until, is_current)."""
    frame = pl.DataFrame(
        rows,
        schema=[
            "exchange",
            "exchange_symbol",
            "valid_from_ts_us",
            "valid_until_ts_us",
            "is_current",
        ],
        orient="row",
    ).with_columns(
        pl.col("exchange_symbol").alias("canonical_symbol"),
        pl.lit("spot").alias("market_type"),
        pl.lit("B").alias("base_asset"),
        pl.lit("Q").alias("quote_asset"),
        pl.lit(None, pl.Int64).alias("tick_size"),
        pl.lit(None, pl.Int64).alias("lot_size"),
        pl.lit(None, pl.Int64).alias("contract_size"),
        pl.lit(0, pl.Int64).alias("updated_at_ts_us"),
    )
    return assign_symbol_ids(frame).select(DIM_SYMBOL.columns())


def test_validate_accepts_a_valid_dim():
    assert validate(_dim([("x", "A", 0, 10, False), ("x", "A", 10, MAX, True)])) is None
    assert validate(pl.DataFrame(schema=DIM_SYMBOL.to_polars())) is None


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: d.drop("tick_size"), r"dim_symbol schema: missing columns \['tick_size'\]"),
        (
            lambda d: d.with_columns(pl.lit(1).alias("x")),
            r"dim_symbol schema: unexpected columns \['x'\]",
        ),
        (
            lambda d: d.with_columns(pl.col("valid_from_ts_us").cast(pl.Int32)),
            r"dim_symbol schema: dtype mismatch \(valid_from_ts_us: expected Int64, got Int32\)",
        ),
        (
            lambda d: d.with_columns(pl.lit(None, pl.Utf8).alias("base_asset")),
            r"null values in required column\(s\) \['base_asset'\]",
        ),
    ],
)
def test_validate_schema_errors(breakage, message):
    with pytest.raises(ValueError, match=message):
        validate(breakage(_dim([("x", "A", 0, MAX, True)])))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("x", "A", 10, 10, False)],
            r"valid_until_ts_us must be > valid_from_ts_us; .*\[\('x', 'A', 10\)\]",
        ),
        (
            [("x", "A", 0, 10, True)],
            r"is_current must be True exactly when valid_until_ts_us == VALID_UNTIL_MAX"
            r".*\[\('x', 'A', 0\)\]",
        ),
        (
            [("x", "A", 0, MAX, False)],
            r"is_current must be True exactly when .*\[\('x', 'A', 0\)\]",
        ),
        (
            [("x", "A", 0, MAX, True), ("x", "A", 5, MAX, True)],
            r"at most one is_current row per \(exchange, exchange_symbol\); "
            r"offending: \[\('x', 'A'\)\]",
        ),
        (
            [("x", "A", 0, 10, False), ("x", "A", 5, MAX, True), ("y", "A", 0, MAX, True)],
            r"windows must not overlap per \(exchange, exchange_symbol\); "
            r"offending: \[\('x', 'A'\)\]",
        ),
    ],
)
def test_validate_invariant_errors(rows, message):
    with pytest.raises(ValueError, match=message):
        validate(_dim(rows))


def test_validate_symbol_id_unique():
    dim = _dim([("x", "A", 0, MAX, True), ("x", "B", 0, MAX, True)]).with_columns(
        pl.lit(7, pl.Int64).alias("symbol_id")
    )
    with pytest.raises(ValueError, match=r"symbol_id must be unique; repeated symbol_id: \[7\]"):
        validate(dim)


def test_validate_lists_at_most_ten_keys():
    rows = [("x", f"S{i:02d}", 5, 5, False) for i in range(12)]
    with pytest.raises(ValueError, match=r"\('x', 'S09', 5\) and 2 more\]"):
        validate(_dim(rows))


# --------------------------------------------------------------------------- PIT lookup


@pytest.fixture
def history() -> pl.DataFrame:
    dim = bootstrap(BASE, 100)
    return upsert(dim, snapshot(("binance", "BTCUSDT", "BTC", "0.5")), 200)


def _events(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"exchange": pl.Utf8, "symbol": pl.Utf8, "ts_event_us": pl.Int64}, orient="row"
    )


def test_pit_lookup_window_edges_and_unknown_rows(history):
    first = expected_id("binance", "BTCUSDT", 100)
    second = expected_id("binance", "BTCUSDT", 200)
    eth = expected_id("binance", "ETHUSDT", 100)
    events = _events(
        [
            ("binance", "BTCUSDT", 200),  # valid_from of the new row: inclusive
            ("binance", "BTCUSDT", 99),  # before any window
            ("binance", "BTCUSDT", 100),  # valid_from inclusive
            ("binance", "BTCUSDT", 199),  # last µs of the first window
            ("binance", "ETHUSDT", 199),
            ("binance", "ETHUSDT", 200),  # valid_until exclusive, closed -> null
            ("binance", "DOGEUSDT", 150),  # unknown symbol
            ("okx", "BTCUSDT", 150),  # symbol of another exchange
            ("binance", "BTCUSDT", None),  # no time
            ("binance", "BTCUSDT", MAX - 1),
        ]
    )
    out = resolve_symbol_ids(events, history)
    assert out.columns == ["exchange", "symbol", "ts_event_us", "symbol_id"]
    assert out.drop("symbol_id").equals(events)
    assert out["symbol_id"].to_list() == [
        second,
        None,
        first,
        first,
        eth,
        None,
        None,
        None,
        None,
        second,
    ]


def test_pit_lookup_lazy_frame_stays_lazy_and_agrees(history):
    events = _events([("binance", "BTCUSDT", t) for t in (250, 150, 50)]).with_columns(
        pl.lit(0, pl.Int64).alias("symbol_id"), pl.lit("x").alias("other")
    )
    lazy = resolve_symbol_ids(events.lazy(), history)
    assert isinstance(lazy, pl.LazyFrame)
    eager = resolve_symbol_ids(events, history)
    assert lazy.collect().equals(eager)
    assert lazy.collect(engine="streaming").equals(eager)
    assert eager.columns == ["exchange", "symbol", "ts_event_us", "symbol_id", "other"]
    assert eager["symbol_id"].to_list() == [
        expected_id("binance", "BTCUSDT", 200),
        expected_id("binance", "BTCUSDT", 100),
        None,
    ]


def test_pit_lookup_keeps_order_and_count_of_many_rows(history):
    n = 20_000
    events = pl.DataFrame(
        {
            "exchange": ["binance"] * n,
            "symbol": ["BTCUSDT", "ETHUSDT", "NOPE", "XRPUSDT"] * (n // 4),
            "ts_event_us": pl.int_range(0, n, eager=True).shuffle(seed=3) % 400,
        }
    )
    dim_subset = history.select(
        "exchange", "exchange_symbol", "symbol_id", "valid_from_ts_us", "valid_until_ts_us"
    )
    out = resolve_symbol_ids(events, dim_subset, ts_col="ts_event_us")
    assert out.height == n
    assert out.drop("symbol_id").equals(events)
    # Brute force with a plain join on the time, row by row.
    lookup = {
        (s, t): sid
        for s, f, u, sid in history.select(
            "exchange_symbol", "valid_from_ts_us", "valid_until_ts_us", "symbol_id"
        ).rows()
        for t in range(f, min(u, 400))
    }
    expected = [lookup.get((s, t)) for s, t in events.select("symbol", "ts_event_us").rows()]
    assert out["symbol_id"].to_list() == expected


def test_pit_lookup_other_time_column():
    dim = bootstrap(BASE, 100)
    events = pl.DataFrame({"exchange": ["okx"], "symbol": ["BTC-USDT"], "ts_local_us": [100]})
    out = resolve_symbol_ids(events, dim, ts_col="ts_local_us")
    assert out["symbol_id"].to_list() == [expected_id("okx", "BTC-USDT", 100)]


def test_pit_lookup_refuses_overlapping_windows_and_missing_columns(history):
    overlapping = _dim(
        [("binance", "BTCUSDT", 0, 150, False), ("binance", "BTCUSDT", 100, MAX, True)]
    )
    events = _events([("binance", "BTCUSDT", 120)])
    with pytest.raises(ValueError, match="windows must not overlap"):
        resolve_symbol_ids(events, overlapping)
    with pytest.raises(ValueError, match=r"dim is missing columns \['valid_until_ts_us'\]"):
        resolve_symbol_ids(events, history.drop("valid_until_ts_us"))
    with pytest.raises(ValueError, match=r"events are missing columns \['ts_event_us'\]"):
        resolve_symbol_ids(events.drop("ts_event_us"), history)


# --------------------------------------------------------------------------- properties

_SYMBOLS = ["A", "B", "C", "D"]
_snapshots = st.lists(
    st.dictionaries(
        st.sampled_from(_SYMBOLS),
        st.sampled_from(["0.1", "0.01", None]),
        min_size=1,  # an empty snapshot has no exchange in scope: it changes nothing
        max_size=len(_SYMBOLS),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(_snapshots)
def test_upsert_sequences_keep_invariants_and_resolve_to_the_snapshot(sequence):
    dim = pl.DataFrame(schema=DIM_SYMBOL.to_polars())
    for step, symbols in enumerate(sequence):
        ts = 100 * (step + 1)
        snap = snapshot(*[("ex", s, s, tick) for s, tick in sorted(symbols.items())])
        dim = upsert(dim, snap, ts)
        validate(dim)
        events = _events([("ex", s, ts) for s in _SYMBOLS])
        resolved = resolve_symbol_ids(events, dim).join(
            dim.select("symbol_id", "tick_size"), on="symbol_id", how="left"
        )
        ticks = {"0.1": 100_000_000, "0.01": 10_000_000, None: None}
        got = {
            s: tick
            for s, sid, tick in resolved.select("symbol", "symbol_id", "tick_size").rows()
            if sid is not None
        }
        assert got == {s: ticks[t] for s, t in symbols.items()}
