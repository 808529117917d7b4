import decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointline.v2.fixed_point import (
    convert_decimal_columns,
    convert_series,
    decimal_to_fixed,
)

SCALE = 10**9


def convert(values, scale=SCALE):
    return convert_series(pl.Series("p", values, dtype=pl.Utf8), scale=scale)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345678.123456789", 12_345_678_123_456_789),
        ("0.1", 100_000_000),
        ("-0.1", -100_000_000),
        ("1", 1_000_000_000),
        ("1.10000000000", 1_100_000_000),
        ("00012.50", 12_500_000_000),
        (" 7 ", 7_000_000_000),
        (".5", 500_000_000),
        ("5.", 5_000_000_000),
        ("+3", 3_000_000_000),
        ("0.000", 0),
        ("1e-9", 1),
        ("1.5e3", 1_500_000_000_000),
        ("9223372036.854775807", 2**63 - 1),
    ],
)
def test_exact_values(text, expected):
    values, reasons = convert([text])
    assert values.to_list() == [expected]
    assert reasons.to_list() == [None]


def test_float_round_trip_would_be_wrong():
    # The point of the exercise: float64 loses the last digit of this value.
    assert int(float("12345678.123456789") * SCALE) != 12_345_678_123_456_789
    assert convert(["12345678.123456789"])[0].item() == 12_345_678_123_456_789


@pytest.mark.parametrize(
    "text",
    ["10000000000", "1.0000000001", "1.9999999999", "9223372036.854775808", "1e-10", "1e999"],
)
def test_unrepresentable_is_flagged_not_rounded(text):
    values, reasons = convert([text])
    assert values.to_list() == [None]
    assert reasons.to_list() == ["unrepresentable_decimal"]


@pytest.mark.parametrize("text", ["abc", "-", ".", "NaN", "inf", "1,5", "0x10"])
def test_invalid_text_is_flagged(text):
    values, reasons = convert([text])
    assert values.to_list() == [None]
    assert reasons.to_list() == ["invalid_decimal"]


@pytest.mark.parametrize(
    "text",
    ["\u0661\u0662", "\u0661.5", "1.\u0665", "\uff11\uff12", "\u0967e3", "\U0001d7d9", "1e\u0662"],
)
def test_unicode_digits_are_not_decimal_text(text):
    """Issue 14 item 13: Arabic-Indic, full-width, Devanagari and mathematical digits are not
    ASCII decimal text: ``invalid_decimal`` (they used to be ``unrepresentable_decimal``)."""
    values, reasons = convert([text, "1.5"])
    assert values.to_list() == [None, 1_500_000_000]
    assert reasons.to_list() == ["invalid_decimal", None]


def test_missing_values_are_nulls_not_errors():
    values, reasons = convert(["", None])
    assert values.to_list() == [None, None]
    assert reasons.to_list() == [None, None]


def test_other_scales():
    values, _ = convert(["123.4567", "0.00005"], scale=10**4)
    assert values.to_list() == [1_234_567, None]
    with pytest.raises(ValueError, match="power of ten"):
        convert(["1"], scale=3)


def test_expression_form():
    df = pl.DataFrame({"p": ["0.1", "x", None]})
    assert df.select(decimal_to_fixed(pl.col("p"), scale=SCALE)).to_series().to_list() == [
        100_000_000,
        None,
        None,
    ]


def test_convert_decimal_columns_flags_first_failing_column_with_original_text():
    df = pl.DataFrame({"price": ["1.5", "abc", "2", "3"], "qty": ["1", "2", "1.00000000001", ""]})
    out = convert_decimal_columns(df, {"price": SCALE, "qty": SCALE}).collect()
    assert out["price"].to_list() == [1_500_000_000, None, 2_000_000_000, 3_000_000_000]
    assert out["qty"].to_list() == [1_000_000_000, 2_000_000_000, None, None]
    assert out["_reject_reason"].to_list() == [
        None,
        "invalid_decimal",
        "unrepresentable_decimal",
        None,
    ]
    assert out["_reject_field"].to_list() == [None, "price", "qty", None]
    assert out["_reject_value"].to_list() == [None, "abc", "1.00000000001", None]


def test_convert_decimal_columns_keeps_earlier_rejects():
    df = pl.DataFrame(
        {
            "price": ["x"],
            "_reject_reason": ["invalid_integer"],
            "_reject_field": ["timestamp"],
            "_reject_value": ["t0"],
        }
    )
    out = convert_decimal_columns(df, {"price": SCALE}).collect()
    assert out.row(0, named=True)["_reject_field"] == "timestamp"


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(
        min_value=decimal.Decimal("-9223372036.854775807"),
        max_value=decimal.Decimal("9223372036.854775807"),
        places=9,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_property_any_decimal_in_range_is_exact(value):
    text = format(value, "f")
    values, reasons = convert([text])
    assert reasons.to_list() == [None]
    assert values.item() == int(value * SCALE)
