"""The research reads of a lake: ``symbols``, ``coverage``, ``load``, ``book``, ``duckdb``.

:class:`ResearchReads` is a mixin: :class:`pointline.v2.Lake` inherits it, and it reads through
the lake's own ``scan`` (partition pruning, pending files hidden, tie-break order), ``manifest``
and ``dimension_store``. See ``docs/research.md`` for examples and the look-ahead rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pointline.research import coverage as _coverage
from pointline.research.decode import DecodeMode, check_mode, decode_frame
from pointline.research.resolve import resolve
from pointline.research.times import Duration, Instant, to_range_us, to_us
from pointline.schemas.registry import get_table_spec, list_table_specs
from pointline.schemas.types import INGEST_STATUS_PENDING, TableSpec

if TYPE_CHECKING:
    import datetime

    import duckdb

    from pointline.v2.storage.delta import DeltaDimensionStore
    from pointline.v2.storage.delta.layout import LakeLayout

MISSING_DUCKDB = (
    "lake.duckdb() needs the optional dependency duckdb: install it with "
    "`pip install 'pointline[duckdb]'` (or `uv add duckdb`)"
)


def event_tables() -> list[str]:
    """The names of the event tables, sorted."""
    return [n for n in list_table_specs() if get_table_spec(n).kind == "event"]


def event_spec(table: str) -> TableSpec:
    """The spec of the event table ``table``.

    Raises:
        ValueError: ``table`` is not an event table; the message lists them.
    """
    known = event_tables()
    if table not in known:
        raise ValueError(f"unknown table {table!r}; known tables: {known}")
    return get_table_spec(table)


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class ResearchReads:
    """Symbol discovery, coverage, point-in-time loading, the rebuilt book and DuckDB."""

    if TYPE_CHECKING:
        layout: LakeLayout
        dimension_store: DeltaDimensionStore

        def manifest(self) -> pl.DataFrame: ...

        def scan(
            self,
            table: str,
            *,
            exchange: str | Sequence[str] | None = None,
            symbols: str | Sequence[str] | None = None,
            start: datetime.date | int | None = None,
            end: datetime.date | int | None = None,
        ) -> pl.LazyFrame: ...

    # -- discovery ---------------------------------------------------------------------------
    def symbols(
        self,
        *,
        exchange: str | Sequence[str] | None = None,
        search: str | None = None,
        as_of: Instant | None = None,
    ) -> pl.DataFrame:
        """dim_symbol rows, in (exchange, exchange_symbol, valid_from_ts_us) order.

        Args:
            exchange: only this exchange (or these).
            search: case-insensitive substring of ``exchange_symbol`` or ``canonical_symbol``
                (plain text, not a pattern).
            as_of: only the rows valid at that instant (µs, date or ISO text):
                ``valid_from_ts_us <= as_of < valid_until_ts_us``. Default: every row.
        """
        dim = self.dimension_store.load_dim_symbol()
        if exchange is not None:
            dim = dim.filter(pl.col("exchange").is_in(_as_list(exchange)))
        if search is not None:
            needle = search.lower()
            dim = dim.filter(
                pl.col("exchange_symbol").str.to_lowercase().str.contains(needle, literal=True)
                | pl.col("canonical_symbol").str.to_lowercase().str.contains(needle, literal=True)
            )
        if as_of is not None:
            ts = to_us(as_of, name="as_of")
            dim = dim.filter(
                (pl.col("valid_from_ts_us") <= ts) & (ts < pl.col("valid_until_ts_us"))
            )
        return dim.sort("exchange", "exchange_symbol", "valid_from_ts_us")

    def coverage(self, table: str | None = None, *, exchange: str | None = None) -> pl.DataFrame:
        """One row per (table, exchange, symbol): first_date, last_date, rows, files.

        Counted from the manifest (``success`` files only), not by reading the rows: see
        :mod:`pointline.research.coverage`.

        Raises:
            ValueError: ``table`` is not an event table; the message lists them.
        """
        tables = event_tables() if table is None else [event_spec(table).name]

        def rows_of(name: str, file_ids: list[int]) -> pl.LazyFrame:
            ids = pl.lit(pl.Series(file_ids, dtype=pl.Int64)).implode()
            return (
                self.scan(name, exchange=exchange)
                .filter(pl.col("file_id").is_in(ids))
                .select("exchange", "symbol", "file_id", "trading_date")
            )

        return _coverage.coverage(
            self.manifest(),
            self.dimension_store.load_dim_symbol(),
            tables=tables,
            exchange=exchange,
            scan=rows_of,
        )

    # -- loading -----------------------------------------------------------------------------
    def load(
        self,
        table: str,
        *,
        exchange: str,
        symbols: str | Sequence[str],
        start: Instant,
        end: Instant,
        columns: Sequence[str] | None = None,
        decode: DecodeMode | None = None,
    ) -> pl.LazyFrame:
        """Rows of ``table`` for some symbols of one exchange, point in time.

        Args:
            table: an event table (``"trades"``, ``"quotes"``, ...).
            exchange: the exchange (``"binance-futures"``, ``"sse"``, ...).
            symbols: exchange symbols or canonical symbols. A canonical symbol yields the rows
                of each exchange symbol only inside the validity window in which it carried
                that canonical symbol (seamless across a rename); an exchange symbol yields all
                of its rows.
            start: inclusive bound on ``ts_event_us`` (µs, date = midnight UTC, or ISO text).
            end: exclusive bound on ``ts_event_us``.
            columns: the columns to return (default: every column of the table).
            decode: None keeps the scaled Int64 columns; ``"float"`` gives Float64 (the nearest
                double to the stored value), ``"decimal"`` gives Decimal(38, 9) (exact; scale 4
                for the CNY ``amount`` columns, whose stored scale is 10**4).

        Returns:
            A LazyFrame in the table's tie-break order. Rows of files whose ingestion has not
            completed (manifest ``pending``) are never in it; ``exchange`` and the trading-date
            partitions outside the range are not read. An empty range gives an empty frame
            with the table's schema.

        Raises:
            ValueError: an unknown table, column, exchange or symbol, ``end`` before
                ``start``, or an unknown ``decode`` (the message says what is accepted).
        """
        spec = event_spec(table)
        start_us, end_us = to_range_us(start, end)
        wanted = spec.columns() if columns is None else _as_list(columns)
        unknown = [c for c in wanted if not spec.has_column(c)]
        if unknown or not wanted:
            raise ValueError(
                f"columns {unknown or wanted!r} are not columns of {table!r}; "
                f"give None or some of {spec.columns()}"
            )
        check_mode(decode)
        rows = resolve(self.dimension_store.load_dim_symbol(), exchange=exchange, symbols=symbols)
        exchange_symbols = sorted(set(rows.get_column("exchange_symbol").to_list()))
        ids = pl.lit(rows.get_column("symbol_id")).implode()
        lf = self.scan(
            table, exchange=exchange, symbols=exchange_symbols, start=start_us, end=end_us
        )
        lf = lf.filter(pl.col("symbol_id").is_in(ids)).select(wanted)
        return decode_frame(lf, spec, decode, wanted)

    def book(
        self,
        exchange: str,
        symbol: str,
        *,
        start: Instant,
        end: Instant,
        every: Duration,
        depth: int = 10,
    ) -> pl.DataFrame:
        """The order book rebuilt from ``orderbook_updates``: one row per ``every`` boundary in
        ``(start, end]`` (see :func:`pointline.research.book.book`)."""
        from pointline.research.book import book

        return book(self, exchange, symbol, start=start, end=end, every=every, depth=depth)

    # -- SQL ---------------------------------------------------------------------------------
    def duckdb(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
        """Every Silver table registered in DuckDB as a view of the same name.

        Each table is read through deltalake's Arrow dataset (no DuckDB extension is loaded),
        so DuckDB pushes filters down to its partitions and files. Event-table views leave out
        the rows of files whose ingestion had not completed (manifest ``pending``) when this
        was called. Call it again to see tables written since.

        Args:
            con: the connection to register the views in (default: a new in-memory one).

        Raises:
            ImportError: duckdb is not installed (``pip install 'pointline[duckdb]'``).
        """
        try:
            import duckdb
        except ImportError:
            raise ImportError(MISSING_DUCKDB) from None
        from pointline.research.sql import register_tables

        con = duckdb.connect() if con is None else con
        pending = self.manifest().filter(pl.col("status") == INGEST_STATUS_PENDING)
        register_tables(
            con,
            {name: Path(self.layout.table_path(name)) for name in list_table_specs()},
            hidden_file_ids=pending.get_column("file_id").to_list(),
        )
        return con
