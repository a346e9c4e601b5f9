"""config/params.parse_int: the one parser for whole numbers read from a request."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.params import MAX_DIGITS, MAX_LENGTH, InvalidNumber, page_number, parse_int


@pytest.mark.parametrize(
    ("value", "number"),
    [("0", 0), ("7", 7), ("007", 7), ("+12", 12), ("-12", -12), ("-0", 0), ("9" * 18, 10**18 - 1)],
)
def test_ascii_whole_numbers_are_read(value, number):
    assert parse_int(value) == number


@pytest.mark.parametrize("value", [None, ""])
def test_absent_or_empty_is_the_default(value):
    assert parse_int(value) is None
    assert parse_int(value, default=5) == 5


@pytest.mark.parametrize(
    "value",
    [
        "²",  # str.isdigit() says yes, int() says no
        "١٢",  # Arabic-Indic digits: int() reads 12
        "１２",  # fullwidth digits
        "1e5",
        "1.0",
        "1_000",
        " 12",
        "12\n",
        "0x1f",
        "--1",
        "+",
        "-",
        "twelve",
    ],
)
def test_anything_but_ascii_digits_is_refused(value):
    with pytest.raises(InvalidNumber):
        parse_int(value)


def test_an_absurdly_long_string_is_refused_before_any_conversion():
    with pytest.raises(InvalidNumber):
        parse_int("9" * (MAX_LENGTH + 1), cap=100)


def test_bounds_refuse_numbers_outside_them():
    assert parse_int("1", low=1, high=10) == 1
    assert parse_int("10", low=1, high=10) == 10
    for value in ("0", "-5", "11", "9" * 400):
        with pytest.raises(InvalidNumber):
            parse_int(value, low=1, high=10)


def test_cap_clamps_large_numbers_however_long():
    assert parse_int("5000", cap=2000) == 2000
    assert parse_int("9" * 400, low=1, cap=2000) == 2000
    assert parse_int("1500", cap=2000) == 1500
    with pytest.raises(InvalidNumber):
        parse_int("-" + "9" * 400, low=1, cap=2000)


def test_numbers_longer_than_any_bound_are_refused_without_one():
    assert parse_int("1" * MAX_DIGITS) == int("1" * MAX_DIGITS)
    with pytest.raises(InvalidNumber):
        parse_int("1" * (MAX_DIGITS + 1))


def test_the_error_is_a_value_error():
    assert issubclass(InvalidNumber, ValueError)


@given(st.integers(min_value=-(10**MAX_DIGITS) + 1, max_value=10**MAX_DIGITS - 1))
def test_every_written_int_reads_back(number):
    assert parse_int(str(number)) == number


@given(st.text(max_size=40))
def test_whatever_is_read_is_plain_ascii_that_int_reads_alike(value):
    try:
        number = parse_int(value)
    except InvalidNumber:
        return
    assert number is None or (value.isascii() and int(value) == number)


@given(
    st.one_of(st.text(), st.from_regex(r"\A[+-]?[0-9]{1,1200}\Z")),
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=0, max_value=1000),
)
def test_results_stay_within_low_and_cap(value, low, span):
    cap = low + span
    try:
        number = parse_int(value, default=low, low=low, cap=cap)
    except InvalidNumber:
        return
    assert low <= number <= cap


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        ("0", 1),
        ("-2", 1),
        ("1_000", 1),
        ("١٢", 1),
        ("9" * 400, 10**9),
    ],
)
def test_page_numbers_go_through_the_one_parser(value, expected):
    assert page_number(value) == expected
