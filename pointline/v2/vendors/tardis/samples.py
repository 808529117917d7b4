"""Deterministic Tardis-format CSV(.gz) files for tests, benchmarks and the demo.

No real vendor data: every value is generated from a seed, in the documented format (see
``shared/spec/vendors.md``). The same arguments give byte-identical files. Prices and sizes
are decimal text built from integer ticks (no float formatting), written without trailing
zeros like Tardis does (``"37123.5"``, ``"0.001"``).

Example::

    from pointline.v2.vendors.tardis.samples import write_trades
    write_trades(tmp_path / "binance-futures_trades_2024-01-01_BTCUSDT.csv.gz", 1_000, seed=7)
"""

from __future__ import annotations

import array
import gzip
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pointline.v2.vendors.tardis.formats import FORMATS, SNAPSHOT_DEPTHS

DEFAULT_START_US = 1_704_067_200_000_000
"""2024-01-01T00:00:00Z in microseconds."""
DEFAULT_STEP_US = 1_000
DEFAULT_EXCHANGE = "binance-futures"
DEFAULT_SYMBOLS: tuple[str, ...] = ("BTCUSDT",)
DEFAULT_OPTION_SYMBOLS: tuple[str, ...] = (
    "BTC-29MAR24-50000-C",
    "BTC-29MAR24-50000-P",
    "BTC-29MAR24-60000-C",
)


class _Draw:
    """Seeded uniform integers, a whole column at a time."""

    def __init__(self, seed: int, n_rows: int) -> None:
        self._rng = random.Random(seed)
        self._n = n_rows

    def ints(self, low: int, high: int) -> pl.Expr:
        """Integers in ``[low, high]``."""
        words = array.array("I", self._rng.randbytes(4 * self._n))
        return pl.lit(pl.Series(words, dtype=pl.Int64)) % (high - low + 1) + low

    def choice(self, values: Sequence[str]) -> pl.Expr:
        index = self.ints(0, len(values) - 1)
        return pl.lit(pl.Series(list(values), dtype=pl.String)).gather(index)


def decimal_text(ticks: pl.Expr, decimals: int) -> pl.Expr:
    """Integer ``ticks`` of ``10**-decimals`` as decimal text without trailing zeros.

    ``decimal_text(3712350, 2)`` is ``"37123.5"``; ``decimal_text(1, 3)`` is ``"0.001"``.
    """
    if decimals == 0:
        return ticks.cast(pl.String)
    unit = 10**decimals
    whole = (ticks // unit).cast(pl.String)
    frac = (ticks % unit).cast(pl.String).str.zfill(decimals).str.strip_chars_end("0")
    return pl.when(frac == "").then(whole).otherwise(pl.concat_str([whole, pl.lit("."), frac]))


def _common(
    draw: _Draw, timestamp: pl.Expr, exchange: str, symbols: Sequence[str]
) -> dict[str, pl.Expr]:
    return {
        "exchange": pl.lit(exchange),
        "symbol": draw.choice(symbols),
        "timestamp": timestamp.cast(pl.String),
        "local_timestamp": (timestamp + draw.ints(100, 5_000)).cast(pl.String),
    }


Builder = Callable[[_Draw, pl.Expr], dict[str, pl.Expr]]
"""Type columns from the draw and the Int64 ``timestamp`` expression."""


def _trades(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
    return {
        "id": (pl.int_range(pl.len(), dtype=pl.Int64) + 1_000_000).cast(pl.String),
        "side": draw.choice(("buy", "sell")),
        "price": decimal_text(draw.ints(3_600_000, 3_800_000), 2),
        "amount": decimal_text(draw.ints(1, 5_000), 3),
    }


def _quotes(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
    bid = draw.ints(3_600_000, 3_800_000)
    return {
        "bid_price": decimal_text(bid, 2),
        "bid_amount": decimal_text(draw.ints(1, 50_000), 3),
        "ask_price": decimal_text(bid + draw.ints(1, 50), 2),
        "ask_amount": decimal_text(draw.ints(1, 50_000), 3),
    }


def _incremental_book_l2(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    amount = draw.ints(-500, 5_000).clip(lower_bound=0)  # about 10% zeros: level removed
    return {
        "is_snapshot": pl.when(row < 20).then(pl.lit("true")).otherwise(pl.lit("false")),
        "side": draw.choice(("bid", "ask")),
        "price": decimal_text(draw.ints(3_600_000, 3_800_000), 2),
        "amount": decimal_text(amount, 3),
    }


def _book_snapshot(depth: int) -> Builder:
    def build(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
        mid = draw.ints(3_600_000, 3_800_000)
        columns: dict[str, pl.Expr] = {}
        for side, sign in (("asks", 1), ("bids", -1)):
            for level in range(depth):
                columns[f"{side}[{level}].price"] = decimal_text(mid + sign * (level + 1), 2)
                columns[f"{side}[{level}].amount"] = decimal_text(draw.ints(1, 50_000), 3)
        return columns

    return build


def _derivative_ticker(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
    index = draw.ints(3_600_000, 3_800_000)
    eight_hours = 8 * 3_600_000_000
    funding = (timestamp // eight_hours + 1) * eight_hours  # the next funding time
    return {
        "funding_timestamp": funding.cast(pl.String),
        "funding_rate": decimal_text(draw.ints(1, 300), 6),
        "predicted_funding_rate": decimal_text(draw.ints(1, 300), 6),
        "open_interest": decimal_text(draw.ints(50_000_000, 90_000_000), 3),
        "last_price": decimal_text(index + draw.ints(0, 40), 2),
        "index_price": decimal_text(index, 2),
        "mark_price": decimal_text(index + draw.ints(0, 20), 2),
    }


def _options_chain(draw: _Draw, timestamp: pl.Expr) -> dict[str, pl.Expr]:
    bid = draw.ints(1, 5_000)
    return {
        "type": draw.choice(("call", "put")),
        "strike_price": decimal_text(draw.ints(40, 80) * 1_000, 0),
        "expiration": pl.lit("1711699200000000"),  # 2024-03-29T08:00:00Z
        "open_interest": decimal_text(draw.ints(0, 100_000), 1),
        "last_price": decimal_text(draw.ints(1, 5_000), 4),
        "bid_price": decimal_text(bid, 4),
        "bid_amount": decimal_text(draw.ints(1, 1_000), 1),
        "bid_iv": decimal_text(draw.ints(3_000, 9_000), 2),
        "ask_price": decimal_text(bid + draw.ints(1, 50), 4),
        "ask_amount": decimal_text(draw.ints(1, 1_000), 1),
        "ask_iv": decimal_text(draw.ints(3_000, 9_000), 2),
        "mark_price": decimal_text(bid + 1, 4),
        "mark_iv": decimal_text(draw.ints(3_000, 9_000), 2),
        "underlying_index": pl.lit("BTC-29MAR24"),
        "underlying_price": decimal_text(draw.ints(3_600_000, 3_800_000), 2),
        "delta": decimal_text(draw.ints(0, 100_000), 5),
        "gamma": decimal_text(draw.ints(0, 1_000), 5),
        "vega": decimal_text(draw.ints(0, 5_000_000), 5),
        "theta": pl.concat_str([pl.lit("-"), decimal_text(draw.ints(0, 5_000_000), 5)]),
        "rho": decimal_text(draw.ints(0, 1_000_000), 5),
    }


_BUILDERS: dict[str, Builder] = {
    "trades": _trades,
    "quotes": _quotes,
    "incremental_book_L2": _incremental_book_l2,
    **{data_type: _book_snapshot(depth) for data_type, depth in SNAPSHOT_DEPTHS.items()},
    "derivative_ticker": _derivative_ticker,
    "liquidations": _trades,
    "options_chain": _options_chain,
}


def sample_frame(
    data_type: str,
    n_rows: int,
    *,
    seed: int = 0,
    exchange: str = DEFAULT_EXCHANGE,
    symbols: Sequence[str] | None = None,
    start_us: int = DEFAULT_START_US,
    step_us: int = DEFAULT_STEP_US,
) -> pl.DataFrame:
    """``n_rows`` rows of ``data_type`` as text columns in the documented header order.

    Args:
        data_type: one of the eight Tardis data types.
        n_rows: number of data rows.
        seed: the same seed gives the same rows.
        exchange: the ``exchange`` column.
        symbols: instruments drawn per row (several make a grouped-symbol file); default
            ``BTCUSDT``, or three BTC options for ``options_chain``.
        start_us: ``timestamp`` of the first row; row i is at ``start_us + i * step_us``.
        step_us: microseconds between rows.
    """
    if data_type not in _BUILDERS:
        raise ValueError(f"unknown Tardis data type {data_type!r}; supported: {list(_BUILDERS)}")
    if symbols is None:
        symbols = DEFAULT_OPTION_SYMBOLS if data_type == "options_chain" else DEFAULT_SYMBOLS
    draw = _Draw(seed, n_rows)
    timestamp = pl.col("__timestamp")
    columns = {
        **_common(draw, timestamp, exchange, symbols),
        **_BUILDERS[data_type](draw, timestamp),
    }
    timestamps = pl.int_range(n_rows, dtype=pl.Int64, eager=True) * step_us + start_us
    rows = pl.DataFrame({"__timestamp": timestamps})
    return rows.select(*(columns[c].alias(c) for c in FORMATS[data_type].columns))


def write_csv(path: str | Path, frame: pl.DataFrame, *, compresslevel: int = 6) -> Path:
    """Write ``frame`` as a Tardis CSV: gzip when ``path`` ends with ``.gz``, null = empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = frame.write_csv(quote_style="never").encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=compresslevel, mtime=0)
    path.write_bytes(data)
    return path


def write_sample(
    path: str | Path,
    data_type: str,
    n_rows: int,
    *,
    compresslevel: int = 6,
    **options: Any,
) -> Path:
    """Write :func:`sample_frame` ``(data_type, n_rows, **options)`` to ``path``."""
    frame = sample_frame(data_type, n_rows, **options)
    return write_csv(path, frame, compresslevel=compresslevel)


def _writer(data_type: str) -> Callable[..., Path]:
    def write(path: str | Path, n_rows: int, **options: Any) -> Path:
        return write_sample(path, data_type, n_rows, **options)

    write.__name__ = f"write_{data_type.lower()}"
    write.__doc__ = f"Write ``n_rows`` generated ``{data_type}`` rows (see :func:`sample_frame`)."
    return write


write_trades = _writer("trades")
write_quotes = _writer("quotes")
write_incremental_book_l2 = _writer("incremental_book_L2")
write_book_snapshot_25 = _writer("book_snapshot_25")
write_book_snapshot_5 = _writer("book_snapshot_5")
write_derivative_ticker = _writer("derivative_ticker")
write_liquidations = _writer("liquidations")
write_options_chain = _writer("options_chain")
