"""The TARDIS plug: the Vendor seam, data types, aliases, output schemas, public names."""

from __future__ import annotations

import pytest

import pointline.v2.vendors.tardis as tardis_pkg
from pointline.errors import VendorParseError
from pointline.schemas.registry import get_table_spec
from pointline.v2.vendors.base import Vendor
from pointline.v2.vendors.registry import get_vendor
from pointline.v2.vendors.stream_format import output_schema
from pointline.v2.vendors.tardis import FORMATS, TARDIS
from pointline.v2.vendors.tardis.samples import write_sample

from .conftest import make_meta

EIGHT = (
    "trades",
    "quotes",
    "incremental_book_L2",
    "book_snapshot_25",
    "book_snapshot_5",
    "derivative_ticker",
    "liquidations",
    "options_chain",
)


def test_tardis_is_a_vendor() -> None:
    vendor: Vendor = TARDIS
    assert vendor.name == "tardis"
    assert sorted(vendor.data_types()) == sorted(EIGHT)
    assert get_vendor("tardis") is TARDIS


@pytest.mark.parametrize("data_type", EIGHT)
def test_every_type_parses_to_its_table_columns_and_dtypes(tmp_path, data_type) -> None:
    path = write_sample(tmp_path / "f.csv.gz", data_type, 30, seed=5, symbols=["A", "B"])
    meta = make_meta(path, data_type)
    df = TARDIS.parser(meta)(meta)
    table = FORMATS[data_type].table
    assert df.schema == output_schema(table)
    spec = get_table_spec(table)
    assert [c for c in df.columns if not c.startswith("_reject")] == [
        c for c in spec.columns() if c not in ("trading_date", "symbol_id", "file_id")
    ]
    assert df.height == 30
    assert df["_reject_reason"].null_count() == 30  # generated data is clean
    assert df["file_seq"].to_list() == list(range(1, 31))


@pytest.mark.parametrize(
    ("alias", "table"),
    [
        ("incremental_book_l2", "orderbook_updates"),
        ("orderbook_updates", "orderbook_updates"),
    ],
)
def test_canonical_spellings_route_to_the_tardis_type(tmp_path, alias, table) -> None:
    path = write_sample(tmp_path / "b.csv.gz", "incremental_book_L2", 3)
    meta = make_meta(path, alias)
    assert TARDIS.parser(meta)(meta).schema == output_schema(table)


def test_book_snapshots_header_of_neither_depth(write_file) -> None:
    path = write_file("s.csv.gz", "exchange,symbol,timestamp,local_timestamp,asks[0].price\n")
    meta = make_meta(path, "book_snapshots")
    with pytest.raises(VendorParseError, match="neither the book_snapshot_5 nor") as info:
        TARDIS.parser(meta)(meta)
    assert info.value.reason == "schema_mismatch"


def test_unknown_data_type_lists_the_supported_ones(tmp_path) -> None:
    path = write_sample(tmp_path / "t.csv.gz", "trades", 1)
    meta = make_meta(path, "funding")
    with pytest.raises(ValueError, match=r"unknown Tardis data type 'funding'; supported: \["):
        TARDIS.parser(meta)
    with pytest.raises(ValueError, match="incremental_book_L2"):
        TARDIS.chunked_parser(meta)


def test_public_names() -> None:
    assert set(tardis_pkg.__all__) == {
        "DATA_TYPES",
        "FORMATS",
        "PARSERS",
        "FILE_NAME_PATTERN_TEXT",
        "TARDIS",
        "BookSnapshotsParser",
        "StreamFormat",
        "TardisParser",
        "TardisVendor",
        "looks_like_vendor_file",
        "parse_vendor_file_name",
        "parse_book_snapshot_25",
        "parse_book_snapshot_5",
        "parse_derivative_ticker",
        "parse_incremental_book_l2",
        "parse_liquidations",
        "parse_options_chain",
        "parse_quotes",
        "parse_trades",
        "parser_for",
        "recognise",
        "vendor_file_name",
    }
    for name in tardis_pkg.__all__:
        assert getattr(tardis_pkg, name) is not None
