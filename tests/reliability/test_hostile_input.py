"""Hostile and broken Bronze input, through ``Lake.ingest_file`` into real Delta tables.

Property-based (hypothesis): random byte mutations and truncations of every vendor format
(the eight Tardis ``.csv.gz`` types and the five Quant360 member streams, gzipped), applied
to the text and to the compressed bytes. Hand-picked: empty files, header-only files, wrong
headers and delimiters, non-UTF-8 bytes, huge fields and lines. For every input the outcome
is a result, never an exception:

* ``failed`` with a documented, stable ``failure_reason``, a message naming the Bronze file,
  and not one row of that file_id in its table or in validation_log (no partial write); or
* ``success``/``quarantined`` where every data row is either stored or logged with a reason:
  ``rows_written + rows_quarantined == row_count``, and the tables hold exactly that many.
"""

from __future__ import annotations

import gzip
import itertools
import re
import zlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointline.v2 import Lake
from pointline.v2.fixed_point import convert_series
from pointline.v2.ingestion.models import IngestionResult
from pointline.v2.ingestion.routing import route_table

from .lakes import (
    FORMAT_NAMES,
    check_invariants,
    format_case,
    new_lake,
    tardis_name,
    tardis_text,
    write_bronze,
)

# File-level reasons a vendor or the pipeline documents for unusable input. ``parse_error``
# (the pipeline's catch-all for an unexpected parser exception) is deliberately not here.
FILE_REASONS = {
    "empty_file",
    "schema_mismatch",
    "truncated_file",
    "unreadable_file",
    "symbol_mismatch",
}
# Row-level reasons (validation_log.rule_name) of the vendors, the decimal conversion and the
# pipeline's row rules.
ROW_REASONS = {
    "malformed_row",
    "invalid_decimal",
    "unrepresentable_decimal",
    "invalid_integer",
    "invalid_timestamp",
    "implausible_timestamp",
    "invalid_code",
    "invalid_boolean",
    "invalid_float",
    "book_level_gap",
    "incomplete_book_level",
    "unknown_exchange",
    "null_required_column",
    "missing_pit_symbol_coverage",
    "invalid_trade_values",
    "invalid_quote_values",
    "invalid_orderbook_update_values",
    "invalid_book_snapshot_values",
    "invalid_derivative_ticker_values",
    "invalid_liquidation_values",
    "invalid_options_chain_values",
    "missing_sse_sequence_fields",
}

OUTCOMES: Counter[str] = Counter()
"""What the inputs of this module led to (status:reason), for the figures in the docs."""


class Cases:
    """One lake shared by the examples of a test; every input gets its own Bronze path."""

    def __init__(self, root: Path) -> None:
        self.lake = new_lake(root)
        self._numbers = itertools.count()

    def path_for(self, relpath: str) -> Path:
        """``relpath`` (``tardis/<name>`` or ``quant360/...``) below a fresh case folder."""
        return self.lake.bronze_root / f"case-{next(self._numbers):04d}" / relpath

    def ingest(self, relpath: str, data: bytes, *, compress: bool = True) -> IngestionResult:
        path = write_bronze(self.path_for(relpath), data, compress=compress)
        result = self.lake.ingest_file(path)  # must not raise, whatever the bytes
        check_outcome(self.lake, path, result)
        return result


def _count(table: str, lake: Lake, file_id: int) -> int:
    path = lake.silver_root / table
    if not (path / "_delta_log").is_dir():
        return 0
    return (
        pl.scan_delta(str(path))
        .filter(pl.col("file_id") == file_id)
        .select(pl.len())
        .collect()
        .item()
    )


def check_outcome(lake: Lake, path: Path, result: IngestionResult) -> None:
    bronze_path = path.relative_to(lake.bronze_root).as_posix()
    table = route_table(lake.describe(path).data_type)
    assert result.file_id is not None
    stored = _count(table, lake, result.file_id)
    log = lake.quarantine(file_id=result.file_id)
    OUTCOMES[f"{result.status}:{result.failure_reason or '-'}"] += 1
    OUTCOMES["rows quarantined"] += result.rows_quarantined
    if result.status == "failed":
        assert result.failure_reason in FILE_REASONS, result
        assert result.error_message.startswith(bronze_path), result.error_message
        assert (stored, log.height) == (0, 0), f"partial write of a failed file: {result}"
        return
    assert result.status in ("success", "quarantined"), result
    assert result.row_count == result.rows_written + result.rows_quarantined, result
    assert (stored, log.height) == (result.rows_written, result.rows_quarantined), result
    assert set(log["rule_name"].to_list()) <= ROW_REASONS, log["rule_name"].unique().to_list()
    assert log["row_json"].null_count() == 0  # the whole rejected row is kept
    if result.status == "quarantined":
        assert result.rows_written == 0 and result.rows_quarantined > 0


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Cases:
    yield Cases(tmp_path_factory.mktemp("hostile") / "lake")
    inputs = sum(n for outcome, n in OUTCOMES.items() if outcome != "rows quarantined")
    print(f"hostile input outcomes ({inputs} inputs): {dict(OUTCOMES)}")


# -- property-based: mutations and truncations of every format -------------------------------

INTERESTING = [b",", b"\n", b"\r\n", b"\x00", b"\xff\xfe", b'"', b"-", b"9" * 25, b"", b"\t"]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(
        st.just("insert"),
        st.floats(0, 1),
        st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=8),
    ),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none()),
)


def mutate(data: bytes, ops: list[tuple], *, skip: int = 0) -> bytes:
    """Apply ``ops`` (op, where in [0, 1], argument) to ``data``; positions fall after the
    first ``skip`` bytes (e.g. the header line)."""
    buf = bytearray(data)
    for op, where, arg in ops:
        start = min(skip, len(buf))
        at = start + min(int(where * (len(buf) - start)), max(len(buf) - start - 1, 0))
        if op == "flip" and at < len(buf):
            buf[at] ^= arg
        elif op == "insert":
            buf[at:at] = arg
        elif op == "delete":
            del buf[at : at + arg]
        elif op == "truncate":
            del buf[at:]
    return bytes(buf)


def header_line(data: bytes, *, as_file: bool) -> bytes:
    """The first line a reader sees of ``data``; ``as_file``: ``data`` are the file's bytes
    (decompressed first when they start like gzip), else the text inside the gzip file."""
    if as_file and data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(31).decompress(data, 1 << 20)
        except zlib.error:
            return b""
    return data.split(b"\n", 1)[0]


HYPOTHESIS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@HYPOTHESIS
@given(ops=st.lists(mutation, min_size=1, max_size=4), rows_only=st.booleans())
def test_mutated_text_is_failed_or_quarantined_never_raised(cases, fmt, ops, rows_only):
    text, relpath = format_case(fmt)
    data = mutate(text, ops, skip=text.index(b"\n") + 1 if rows_only else 0)
    cases.ingest(relpath, data)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@settings(HYPOTHESIS, max_examples=60, derandomize=False)
@given(ops=st.lists(mutation, min_size=1, max_size=6), rows_only=st.booleans())
def test_mutated_text_soak(cases, fmt, ops, rows_only):
    test_mutated_text_is_failed_or_quarantined_never_raised.hypothesis.inner_test(
        cases, fmt, ops, rows_only
    )


@settings(HYPOTHESIS, max_examples=40)
@given(
    fmt=st.sampled_from(FORMAT_NAMES),
    ops=st.lists(
        st.sampled_from(["flip", "truncate"]).flatmap(
            lambda op: st.tuples(st.just(op), st.floats(0, 1), st.integers(1, 255))
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_gzip_bytes_are_failed_or_quarantined_never_raised(cases, fmt, ops):
    text, relpath = format_case(fmt)
    data = mutate(gzip.compress(text, mtime=0), ops)
    cases.ingest(relpath, data, compress=False)


# -- hand-picked hostile files (Tardis trades and the Quant360 streams) ----------------------

GOOD = tardis_text("trades", 4, seed=1)
HEADER, *ROWS = GOOD.decode().splitlines()


def _row(i: int = 0, **changes: str) -> str:
    fields = dict(zip(HEADER.split(","), ROWS[i].split(","), strict=True))
    fields.update(changes)
    return ",".join(fields.values())


def _text(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


# name -> (bytes, gzip them?, status, reason)
TARDIS_CASES = {
    "zero-bytes": (b"", False, "failed", "empty_file"),
    "empty-gzip": (b"", True, "failed", "empty_file"),
    # a quiet day: a valid header and no rows is a success with 0 rows
    "header-only": (_text(HEADER), True, "success", None),
    "header-without-newline": (HEADER.encode(), True, "success", None),
    "blank-lines-only": (b"\n\n\n", True, "failed", "schema_mismatch"),
    "renamed-column": (GOOD.replace(b"amount", b"size", 1), True, "failed", "schema_mismatch"),
    "semicolons": (GOOD.replace(b",", b";"), True, "failed", "schema_mismatch"),
    "tabs": (GOOD.replace(b",", b"\t"), True, "failed", "schema_mismatch"),
    "utf8-bom": (b"\xef\xbb\xbf" + GOOD, True, "failed", "schema_mismatch"),
    "latin1-in-row": (GOOD.replace(b"BTCUSDT", b"BTC\xe9", 2), True, "failed", "unreadable_file"),
    "latin1-in-header": (GOOD.replace(b"side", b"s\xefde"), True, "failed", "unreadable_file"),
    "gzip-magic-then-garbage": (b"\x1f\x8b" + b"garbage" * 9, False, "failed", "unreadable_file"),
    "gzip-cut-short": (gzip.compress(GOOD * 20)[:-30], False, "failed", "truncated_file"),
    "crlf-lines": (GOOD.replace(b"\n", b"\r\n"), True, "success", None),
    "not-gzipped": (GOOD, False, "success", None),
    "million-digit-price": (
        _text(HEADER, _row(price="9" * 1_000_000)),
        True,
        "quarantined",
        "unrepresentable_decimal",
    ),
    "four-mb-line": (_text(HEADER, "x" * 4_000_000), True, "quarantined", "malformed_row"),
    "extra-field": (_text(HEADER, _row(0) + ",extra", _row(1)), True, "success", None),
    "missing-field": (_text(HEADER, _row(0).rsplit(",", 1)[0], _row(1)), True, "success", None),
    "quoted-comma": (_text(HEADER, _row(side='"b,uy"')), True, "quarantined", "malformed_row"),
    "nul-in-symbol": (
        _text(HEADER, _row(symbol="BTC\x00USDT")),
        True,
        "quarantined",
        "missing_pit_symbol_coverage",
    ),
    "path-as-exchange": (
        _text(HEADER, _row(exchange="../../x")),
        True,
        "quarantined",
        "unknown_exchange",
    ),
    "negative-price": (
        _text(HEADER, _row(price="-5")),
        True,
        "quarantined",
        "invalid_trade_values",
    ),
    "nan-price": (_text(HEADER, _row(price="NaN")), True, "quarantined", "invalid_decimal"),
    "30-digit-timestamp": (
        _text(HEADER, _row(timestamp="9" * 30)),
        True,
        "quarantined",
        "invalid_integer",
    ),
}


@pytest.mark.parametrize("name", list(TARDIS_CASES))
def test_hand_picked_tardis_input(cases, name):
    data, compress, status, reason = TARDIS_CASES[name]
    result = cases.ingest(f"tardis/{tardis_name('trades')}", data, compress=compress)
    assert (result.status, result.failure_reason) == (status, reason), result.error_message


def test_huge_line_is_kept_whole_in_validation_log(cases):
    line = "x" * 4_000_000
    result = cases.ingest(f"tardis/{tardis_name('trades')}", _text(HEADER, line))
    logged = cases.lake.quarantine(file_id=result.file_id).row(0, named=True)
    assert (logged["rule_name"], logged["file_seq"]) == ("malformed_row", 1)
    assert line in logged["row_json"]  # nothing of the rejected row is lost


QUANT360_CASES = {
    "zero-bytes": ("order_new", "szse", b"", False, "failed", "empty_file"),
    "header-only": ("order_new", "szse", None, True, "success", None),
    "wrong-header": ("tick_new", "sse", b"A,B,C\n1,2,3\n", True, "failed", "schema_mismatch"),
    "gbk-bytes": (
        "order_new",
        "sse",
        "\u6d66\u53d1".encode("gbk"),
        True,
        "failed",
        "unreadable_file",
    ),
}


def _quant360_header_only(data_type: str, exchange: str) -> bytes:
    text, _ = format_case(f"quant360:{data_type}:{exchange}")
    return text.split(b"\n", 1)[0] + b"\n"


@pytest.mark.parametrize("name", list(QUANT360_CASES))
def test_hand_picked_quant360_input(cases, name):
    data_type, exchange, data, compress, status, reason = QUANT360_CASES[name]
    text, relpath = format_case(f"quant360:{data_type}:{exchange}")
    if data is None:
        data = _quant360_header_only(data_type, exchange)
    elif name == "gbk-bytes":
        data = text.replace(b"\n", b"\n" + data + b",", 1)  # a non-UTF-8 first data row
    result = cases.ingest(relpath, data, compress=compress)
    assert (result.status, result.failure_reason) == (status, reason), result.error_message


@pytest.mark.parametrize("fmt", [f for f in FORMAT_NAMES if f.startswith("quant360")])
def test_quant360_header_that_is_not_utf8(cases, fmt):
    text, relpath = format_case(fmt)
    result = cases.ingest(relpath, b"\xff" + text)
    assert (result.status, result.failure_reason) == ("failed", "unreadable_file")
    assert "not UTF-8" in result.error_message or "decode" in result.error_message


def test_sse_file_holding_another_symbol_is_refused(cases):
    text, relpath = format_case("quant360:order_new:sse")
    result = cases.ingest(relpath, text.replace(b"600000", b"600001"))
    assert (result.status, result.failure_reason) == ("failed", "symbol_mismatch")


# -- the exact decimal conversion, on arbitrary text ----------------------------------------

ASCII_DECIMAL = re.compile(r"[+-]?[0-9]*(\.[0-9]*)?([eE][+-]?[0-9]+)?")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.text(alphabet="0123456789.-+eE ", max_size=24),
            st.decimals(allow_nan=False, allow_infinity=False).map(str),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_decimal_text_converts_exactly_or_is_flagged(texts):
    values, reasons = convert_series(pl.Series(texts, dtype=pl.Utf8), scale=10**9)
    for text, value, reason in zip(texts, values, reasons, strict=True):
        if value is None:
            assert reason is not None or text.strip() == "", text
            continue
        assert reason is None
        stripped = text.strip()
        assert ASCII_DECIMAL.fullmatch(stripped), f"{text!r} converted to {value}"
        assert Decimal(stripped) * 10**9 == value, text


def test_hostile_files_in_one_batch_leave_the_others_intact(tmp_path):
    """``Lake.ingest`` batches small files into shared commits: every hand-picked hostile file
    gets the outcome it gets alone, and good files beside them are stored whole."""
    lake = new_lake(tmp_path / "lake")
    expected = {}
    for name, (data, compress, status, reason) in TARDIS_CASES.items():
        path = lake.bronze_root / "tardis" / name / tardis_name("trades")
        expected[path.relative_to(lake.bronze_root).as_posix()] = (status, reason)
        write_bronze(path, data, compress=compress)
    for seed in range(3):
        path = lake.bronze_root / "tardis" / f"good-{seed}" / tardis_name("quotes")
        write_bronze(path, tardis_text("quotes", 7, seed=seed))
        expected[path.relative_to(lake.bronze_root).as_posix()] = ("success", None)

    results = lake.ingest(lake.bronze_root)

    state = check_invariants(lake)
    outcomes = {
        row["bronze_path"]: (row["status"], row["status_reason"])
        for row in lake.manifest().iter_rows(named=True)
    }
    assert outcomes == expected
    assert len(results) == len(expected)
    assert sum(r.rows_written for r in results) == state.event_rows
    assert lake.scan("quotes").collect().height == 21
