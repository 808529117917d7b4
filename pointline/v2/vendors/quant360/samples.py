"""Deterministic Quant360-format sample data: member CSVs, Bronze files and whole ``.7z``
archives, for tests, benchmarks and the demo. No vendor data is shipped; these follow the
documented formats (``/work/shared/spec/vendors.md``).

Values are arithmetic on the row number and a per-symbol seed (no randomness), so the same
call always returns the same bytes. Prices have 3 decimals, quantities are whole shares,
times start at 09:30:00.000 China Standard Time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import polars as pl
import py7zr

from pointline.v2.vendors.quant360.layout import (
    EXCHANGE_BY_CODE,
    L2_NEW,
    ORDER_NEW,
    SSE,
    SZSE,
    TICK_NEW,
    bronze_relpath,
)
from pointline.v2.vendors.quant360.orders import SSE_ORDER_COLUMNS, SZSE_ORDER_COLUMNS
from pointline.v2.vendors.quant360.ticks import SSE_TICK_COLUMNS, SZSE_TICK_COLUMNS
from pointline.v2.vendors.quant360.upstream.publish import gzip_bytes

DEFAULT_DATE = datetime.date(2024, 1, 2)
OPEN_MS = (9 * 3600 + 30 * 60) * 1000
"""09:30:00.000 as milliseconds of the day."""
LEVELS = 10

SZSE_L2_ALL_COLUMNS = (
    "SendingTime",
    "MsgSeqNum",
    "ImageStatus",
    "QuotTime",
    "PreClosePx",
    "OpenPx",
    "HighPx",
    "LowPx",
    "LastPx",
    "ClosePx",
    "Volume",
    "Amount",
    "AveragePx",
    "BidPrice",
    "BidOrderQty",
    "BidNumOrders",
    "BidOrders",
    "OfferPrice",
    "OfferOrderQty",
    "OfferNumOrders",
    "OfferOrders",
    "NumTrades",
    "TotalBidQty",
    "WeightedAvgBidPx",
    "TotalOfferQty",
    "WeightedAvgOfferPx",
    "TradingPhaseCode",
    "NoOrdersB1",
    "NoOrdersS1",
)
"""The documented SZSE L2 columns (the file has more than the parser maps)."""

_CODE_BY_EXCHANGE = {v: k for k, v in EXCHANGE_BY_CODE.items()}


def _row() -> pl.Expr:
    return pl.int_range(pl.len(), dtype=pl.Int64)


def _stamp(ms_of_day: pl.Expr, date: datetime.date) -> pl.Expr:
    """``YYYYMMDDHHMMSSmmm`` text of a time of day given in milliseconds."""
    return pl.concat_str(
        pl.lit(date.strftime("%Y%m%d")),
        (ms_of_day // 3_600_000).cast(pl.Utf8).str.zfill(2),
        (ms_of_day // 60_000 % 60).cast(pl.Utf8).str.zfill(2),
        (ms_of_day // 1_000 % 60).cast(pl.Utf8).str.zfill(2),
        (ms_of_day % 1_000).cast(pl.Utf8).str.zfill(3),
    )


def _milli_text(thousandths: pl.Expr) -> pl.Expr:
    """Decimal text with 3 decimals of a non-negative integer number of thousandths."""
    return pl.concat_str(
        (thousandths // 1000).cast(pl.Utf8),
        pl.lit("."),
        (thousandths % 1000).cast(pl.Utf8).str.zfill(3),
    )


def _mix(seed: int, modulus: int, salt: int = 0) -> pl.Expr:
    """A deterministic, irregular-looking value in ``[0, modulus)`` per row (multiplicative
    hashing of the row number: plain arithmetic, identical on every platform and version)."""
    mixed = (_row() * 2_654_435_761 + seed * 40_503 + salt * 977) % 4_294_967_296
    return mixed // 65_536 % modulus


def _price_milli(seed: int) -> pl.Expr:
    """A price in thousandths within 0.50 CNY above ``10 + seed % 90`` CNY, in 0.01 steps."""
    base = (10 + seed % 90) * 1000
    return base + _mix(seed, 50) * 10


def _ms_of_day(step_ms: int, seed: int) -> pl.Expr:
    """Increasing times from 09:30:00.000, ``step_ms`` apart on average."""
    return OPEN_MS + _row() * step_ms + _mix(seed, step_ms, salt=1)


def _frame(rows: int) -> pl.DataFrame:
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    return pl.DataFrame({"_": pl.Series([None] * rows, dtype=pl.Null)})


def _csv(frame: pl.DataFrame, columns: Sequence[str]) -> bytes:
    return frame.select(columns).write_csv(null_value="").encode()


def _seed_of(symbol: str) -> int:
    return int(symbol) if symbol.isdigit() else sum(map(ord, symbol))


def sse_order_csv(
    symbol: str, rows: int, *, date: datetime.date = DEFAULT_DATE, seed: int | None = None
) -> bytes:
    """An SSE ``order_new`` member: adds, every 5th row a cancel of an earlier order."""
    seed = _seed_of(symbol) if seed is None else seed
    i = _row()
    cancel = i % 5 == 4
    frame = _frame(rows).select(
        pl.lit(symbol).alias("SecurityID"),
        _stamp(_ms_of_day(20, seed), date).alias("TransactTime"),
        pl.when(cancel).then(100_000 + i - 3).otherwise(100_000 + i).cast(pl.Utf8).alias("OrderNo"),
        _milli_text(_price_milli(seed)).alias("Price"),
        (100 * (1 + _mix(seed, 50, salt=2))).cast(pl.Utf8).alias("Balance"),
        pl.when(_mix(seed, 2, salt=3) == 0)
        .then(pl.lit("B"))
        .otherwise(pl.lit("S"))
        .alias("OrderBSFlag"),
        pl.when(cancel).then(pl.lit("D")).otherwise(pl.lit("A")).alias("OrdType"),
        (i + 1).cast(pl.Utf8).alias("OrderIndex"),
        pl.lit(str(1 + seed % 6)).alias("ChannelNo"),
        (2 * i + 1).cast(pl.Utf8).alias("BizIndex"),
    )
    return _csv(frame, SSE_ORDER_COLUMNS)


def sse_tick_csv(
    symbol: str, rows: int, *, date: datetime.date = DEFAULT_DATE, seed: int | None = None
) -> bytes:
    """An SSE ``tick_new`` member: trades with B/S/N flags."""
    seed = _seed_of(symbol) if seed is None else seed
    i = _row()
    price = _price_milli(seed)
    qty = 100 * (1 + _mix(seed, 30, salt=2))
    frame = _frame(rows).select(
        pl.lit(symbol).alias("SecurityID"),
        _stamp(_ms_of_day(30, seed), date).alias("TradeTime"),
        _milli_text(price).alias("TradePrice"),
        qty.cast(pl.Utf8).alias("TradeQty"),
        _milli_text(price * qty).alias("TradeAmount"),
        (100_000 + 2 * i).cast(pl.Utf8).alias("BuyNo"),
        (100_001 + 2 * i).cast(pl.Utf8).alias("SellNo"),
        (i + 1).cast(pl.Utf8).alias("TradeIndex"),
        pl.lit(str(1 + seed % 6)).alias("ChannelNo"),
        pl.when(i % 3 == 0)
        .then(pl.lit("B"))
        .when(i % 3 == 1)
        .then(pl.lit("S"))
        .otherwise(pl.lit("N"))
        .alias("TradeBSFlag"),
        (2 * i + 2).cast(pl.Utf8).alias("BizIndex"),
    )
    return _csv(frame, SSE_TICK_COLUMNS)


def szse_order_csv(rows: int, *, date: datetime.date = DEFAULT_DATE, seed: int = 1) -> bytes:
    """An SZSE ``order_new`` member (no symbol column): limit orders, every 10th a market
    order, every 25th best-own-side."""
    i = _row()
    frame = _frame(rows).select(
        (1 + 2 * i).cast(pl.Utf8).alias("ApplSeqNum"),
        pl.when(_mix(seed, 2, salt=3) == 0).then(pl.lit("1")).otherwise(pl.lit("2")).alias("Side"),
        pl.when(i % 25 == 24)
        .then(pl.lit("U"))
        .when(i % 10 == 9)
        .then(pl.lit("1"))
        .otherwise(pl.lit("2"))
        .alias("OrdType"),
        _milli_text(_price_milli(seed)).alias("Price"),
        (100 * (1 + _mix(seed, 50, salt=2))).cast(pl.Utf8).alias("OrderQty"),
        _stamp(_ms_of_day(20, seed), date).alias("TransactTime"),
        pl.lit(str(2011 + seed % 4)).alias("ChannelNo"),
        pl.lit("0").alias("ExpirationDays"),
        pl.lit("0").alias("ExpirationType"),
        pl.lit(None, pl.Utf8).alias("Contactor"),
        pl.lit(None, pl.Utf8).alias("ConfirmID"),
    )
    return _csv(frame, SZSE_ORDER_COLUMNS)


def szse_tick_csv(rows: int, *, date: datetime.date = DEFAULT_DATE, seed: int = 1) -> bytes:
    """An SZSE ``tick_new`` member: fills (buyer or seller the later order), every 7th row a
    cancel with price 0.000 and one order reference 0."""
    i = _row()
    cancel = i % 7 == 6
    later_bid = i % 2 == 0
    bid = pl.when(later_bid).then(10 * i + 4).otherwise(10 * i + 1)
    ask = pl.when(later_bid).then(10 * i + 1).otherwise(10 * i + 4)
    frame = _frame(rows).select(
        (2 + 2 * i).cast(pl.Utf8).alias("ApplSeqNum"),
        pl.when(cancel & later_bid).then(0).otherwise(bid).cast(pl.Utf8).alias("BidApplSeqNum"),
        pl.when(cancel & ~later_bid).then(0).otherwise(ask).cast(pl.Utf8).alias("OfferApplSeqNum"),
        pl.when(cancel)
        .then(pl.lit("0.000"))
        .otherwise(_milli_text(_price_milli(seed)))
        .alias("Price"),
        (100 * (1 + _mix(seed, 30, salt=2))).cast(pl.Utf8).alias("Qty"),
        pl.when(cancel).then(pl.lit("4")).otherwise(pl.lit("F")).alias("ExecType"),
        _stamp(_ms_of_day(30, seed), date).alias("TransactTime"),
        pl.lit(str(2011 + seed % 4)).alias("ChannelNo"),
    )
    return _csv(frame, SZSE_TICK_COLUMNS)


def _bracket(values: Iterable[pl.Expr]) -> pl.Expr:
    return pl.concat_str(pl.lit("["), pl.concat_str(list(values), separator=","), pl.lit("]"))


def szse_l2_csv(rows: int, *, date: datetime.date = DEFAULT_DATE, seed: int = 1) -> bytes:
    """An SZSE ``L2_new`` member with every documented column: a snapshot every 3 s with 10
    bid/ask levels 0.01 apart around the last price."""
    i = _row()
    last = _price_milli(seed)
    open_price = (10 + seed % 90) * 1000
    quote_ms = OPEN_MS + i * 3000
    volume = 1000 * (i + 1)
    frame = _frame(rows).select(
        _stamp(quote_ms + 40, date).alias("SendingTime"),
        (1000 + i).cast(pl.Utf8).alias("MsgSeqNum"),
        pl.lit("1").alias("ImageStatus"),
        _stamp(quote_ms, date).alias("QuotTime"),
        _milli_text(pl.lit(open_price - 100)).alias("PreClosePx"),
        _milli_text(pl.lit(open_price)).alias("OpenPx"),
        _milli_text(pl.lit(open_price + 500)).alias("HighPx"),
        _milli_text(pl.lit(open_price)).alias("LowPx"),
        _milli_text(last).alias("LastPx"),
        pl.lit("0.000").alias("ClosePx"),
        volume.cast(pl.Utf8).alias("Volume"),
        _milli_text(volume * last).alias("Amount"),
        _milli_text(last).alias("AveragePx"),
        _bracket(_milli_text(last - 10 * (k + 1)) for k in range(LEVELS)).alias("BidPrice"),
        _bracket((100 * (k + 1) + i % 7 * 100).cast(pl.Utf8) for k in range(LEVELS)).alias(
            "BidOrderQty"
        ),
        _bracket((k + 1 + i % 3).cast(pl.Utf8) for k in range(LEVELS)).alias("BidNumOrders"),
        pl.lit("[]").alias("BidOrders"),
        _bracket(_milli_text(last + 10 * (k + 1)) for k in range(LEVELS)).alias("OfferPrice"),
        _bracket((200 * (k + 1) + i % 5 * 100).cast(pl.Utf8) for k in range(LEVELS)).alias(
            "OfferOrderQty"
        ),
        _bracket((k + 2 + i % 4).cast(pl.Utf8) for k in range(LEVELS)).alias("OfferNumOrders"),
        pl.lit("[]").alias("OfferOrders"),
        (3 * i + 1).cast(pl.Utf8).alias("NumTrades"),
        (50_000 + 100 * i).cast(pl.Utf8).alias("TotalBidQty"),
        _milli_text(last - 50).alias("WeightedAvgBidPx"),
        (60_000 + 100 * i).cast(pl.Utf8).alias("TotalOfferQty"),
        _milli_text(last + 50).alias("WeightedAvgOfferPx"),
        pl.lit("T0").alias("TradingPhaseCode"),
        pl.lit("0").alias("NoOrdersB1"),
        pl.lit("0").alias("NoOrdersS1"),
    )
    return _csv(frame, SZSE_L2_ALL_COLUMNS)


def member_csv(
    data_type: str,
    exchange: str,
    symbol: str,
    rows: int,
    *,
    date: datetime.date = DEFAULT_DATE,
) -> bytes:
    """The member CSV of ``symbol`` for a stream, seeded by the symbol.

    Raises:
        ValueError: a stream/exchange with no generator (SSE ``L2_new``).
    """
    seed = _seed_of(symbol)
    if (data_type, exchange) == (ORDER_NEW, SSE):
        return sse_order_csv(symbol, rows, date=date, seed=seed)
    if (data_type, exchange) == (TICK_NEW, SSE):
        return sse_tick_csv(symbol, rows, date=date, seed=seed)
    if (data_type, exchange) == (ORDER_NEW, SZSE):
        return szse_order_csv(rows, date=date, seed=seed)
    if (data_type, exchange) == (TICK_NEW, SZSE):
        return szse_tick_csv(rows, date=date, seed=seed)
    if (data_type, exchange) == (L2_NEW, SZSE):
        return szse_l2_csv(rows, date=date, seed=seed)
    raise ValueError(f"no sample generator for quant360 {data_type} ({exchange})")


def sample_symbols(exchange: str, count: int) -> list[str]:
    """``count`` 6-digit symbols of the exchange (``600000``.. for SSE, ``000001``.. for SZSE)."""
    start = 600_000 if exchange == SSE else 1
    return [f"{start + k:06d}" for k in range(count)]


def archive_name(
    data_type: str, exchange: str, date: datetime.date = DEFAULT_DATE, *, market: str = "STK"
) -> str:
    """``<type>_<market>_<SH|SZ>_<YYYYMMDD>.7z``."""
    return f"{data_type}_{market}_{_CODE_BY_EXCHANGE[exchange]}_{date:%Y%m%d}.7z"


def write_archive(
    directory: Path,
    *,
    data_type: str,
    exchange: str,
    symbols: Sequence[str],
    rows_per_member: int,
    date: datetime.date = DEFAULT_DATE,
    market: str = "STK",
    name: str | None = None,
    extra_members: Mapping[str, bytes] | None = None,
    preset: int = 1,
) -> Path:
    """Write a Quant360 archive (LZMA2, solid) with one generated CSV per symbol.

    Args:
        directory: where to write it (created if needed).
        data_type, exchange, symbols, rows_per_member, date, market: what to generate.
        name: the archive's file name (default: the documented one).
        extra_members: further members, name -> bytes (e.g. a ``readme.txt``).
        preset: the LZMA2 preset (1 is fast; the vendor's archives use a higher one).
    """
    directory.mkdir(parents=True, exist_ok=True)
    name = name or archive_name(data_type, exchange, date, market=market)
    folder = name.removesuffix(".7z")
    path = directory / name
    with py7zr.SevenZipFile(
        path, mode="w", filters=[{"id": py7zr.FILTER_LZMA2, "preset": preset}]
    ) as archive:
        for symbol in symbols:
            data = member_csv(data_type, exchange, symbol, rows_per_member, date=date)
            archive.writestr(data, f"{folder}/{symbol}.csv")
        for member, data in (extra_members or {}).items():
            archive.writestr(data, member)
    return path


def write_bronze_file(
    bronze_root: Path,
    *,
    data_type: str,
    exchange: str,
    symbol: str,
    content: bytes,
    date: datetime.date = DEFAULT_DATE,
) -> Path:
    """Write ``content`` gzipped at its place in the Bronze layout; returns the path."""
    path = bronze_root / bronze_relpath(
        exchange=exchange, data_type=data_type, date=date, symbol=symbol
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip_bytes(content))
    return path
