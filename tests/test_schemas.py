import polars as pl
import pytest

from pointline.schemas.registry import get_table_spec, list_specs, list_table_specs
from pointline.schemas.types import (
    INGEST_STATUS_VALUES,
    PRICE_SCALE,
    QTY_SCALE,
    ColumnSpec,
    TableSpec,
)

EVENT_TABLES = [
    "book_snapshots",
    "cn_l2_snapshots",
    "cn_order_events",
    "cn_tick_events",
    "derivative_ticker",
    "liquidations",
    "options_chain",
    "orderbook_updates",
    "quotes",
    "trades",
]
COMMON = ["exchange", "trading_date", "symbol", "symbol_id", "ts_event_us", "ts_local_us"]


def test_registry_lists_every_table_sorted():
    assert list_table_specs() == sorted(
        [*EVENT_TABLES, "dim_symbol", "ingest_manifest", "validation_log"]
    )
    assert [s.name for s in list_specs()] == list_table_specs()


def test_unknown_table_lists_known_names():
    with pytest.raises(KeyError, match=r"known tables: .*'trades'"):
        get_table_spec("trade")


@pytest.mark.parametrize("name", EVENT_TABLES)
def test_event_tables_share_the_common_columns_and_partitioning(name):
    spec = get_table_spec(name)
    assert spec.kind == "event"
    assert spec.columns()[:8] == [*COMMON, "file_id", "file_seq"]
    assert spec.partition_by == ("exchange", "trading_date")
    assert spec.business_keys == ()
    assert spec.get_column("ts_local_us").nullable
    assert not spec.get_column("symbol_id").nullable


def test_trades_spec_matches_the_contract():
    spec = get_table_spec("trades")
    schema = spec.to_polars()
    assert schema["price"] == pl.Int64 and schema["trading_date"] == pl.Date
    assert spec.scale_for("price") == PRICE_SCALE and spec.scale_for("qty") == QTY_SCALE
    assert spec.nullable_columns() == ["ts_local_us", "trade_id", "is_buyer_maker"]
    assert spec.tie_break_keys == ("exchange", "symbol_id", "ts_event_us", "file_id", "file_seq")
    assert set(spec.scaled_columns()) == {"price", "qty"}


def test_list_and_scale_columns():
    snap = get_table_spec("book_snapshots").to_polars()
    assert snap["bid_price_levels"] == pl.List(pl.Int64)
    assert snap["depth"] == pl.Int32
    l2 = get_table_spec("cn_l2_snapshots")
    assert l2.scale_for("amount") == 10**4
    assert l2.scale_for("volume") is None


def test_control_and_dimension_keys():
    assert get_table_spec("ingest_manifest").business_keys == (
        "vendor",
        "data_type",
        "bronze_path",
        "file_hash",
    )
    dim = get_table_spec("dim_symbol")
    assert (
        dim.business_keys
        == dim.tie_break_keys
        == (
            "exchange",
            "exchange_symbol",
            "valid_from_ts_us",
        )
    )
    assert INGEST_STATUS_VALUES == ("pending", "success", "failed", "quarantined")


def test_spec_refuses_unknown_key_and_repeated_column():
    cols = (ColumnSpec("a", pl.Int64), ColumnSpec("b", pl.Utf8))
    with pytest.raises(ValueError, match=r"tie_break_keys names unknown column\(s\) \['c'\]"):
        TableSpec("t", "event", cols, tie_break_keys=("c",))
    with pytest.raises(ValueError, match="column 'a' is declared twice"):
        TableSpec("t", "event", (*cols, ColumnSpec("a", pl.Utf8)))
    with pytest.raises(ValueError, match="unknown kind"):
        TableSpec("t", "fact", cols)


def test_get_column_unknown_names_table():
    with pytest.raises(KeyError, match="table 'trades' has no column 'px'"):
        get_table_spec("trades").get_column("px")
