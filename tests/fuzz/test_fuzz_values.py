"""Fuzzing date and amount parsing: the engine's coercion raises only InputError, the reader never raises.

What a reader gets from a cell is any of: text, a number (int or float, inf and NaN included), a bool, a date, a
datetime (naive or aware), a time or a duration, or nothing. Every one of those must come out typed, or be
flagged as bad — never an exception, never an overflowed or non-finite number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from arcollect.book import validate
from arcollect.book.values import MAX_AMOUNT, convert
from arcollect.engine import columns
from arcollect.errors import InputError
from arcollect.schema import Kind
from tests.fuzz.conftest import FUZZ

TRICKY = (
    "", " ", "inf", "-Infinity", "NaN", "sNaN", "1e400", "1e-400", "0x10", "1_000", "١٢٣", "(1,234.50)", "12.50-",
    "1.234,56", "1,234", "12,5", "1.234.567", "--5", "+-1", "31.12.2026", "2026-02-30", "03/04/2026", "0000",
    "0001-01-01", "9999-12-31", "10000-01-01", "2026-03-31T10:00+02:00", "2026-03-31T23:30Z",
    "2026-03-31 10:00:00.5+0530",
    "TRUE", "x", "wahr", "#DIV/0!", "#N/A", "=1+1", "a@b.c", "A@B;c@d", "a..b@x.de", "x@localhost", "open", "PAID",
    "\x00", "\u202e", "9" * 400,
)  # fmt: skip
CELLS = st.one_of(
    st.none(),
    st.text(max_size=24),
    st.sampled_from(TRICKY),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.times(),
    st.timedeltas(),
)
ENGINE_INPUTS = st.one_of(CELLS, st.decimals(), st.sampled_from([Decimal("sNaN"), Decimal("NaN"), Decimal("-Inf")]))


@FUZZ
@given(ENGINE_INPUTS)
@example("SNAN")  # once ValueError: cannot convert signaling NaN to float
@example("0000")  # once NotImplementedError from pandas for year 0
@example(10**400)  # once OverflowError
def test_engine_scalars_are_numbers_or_dates_or_an_input_error(value) -> None:
    for coerce in (columns.amounts, columns.dates):
        try:
            coerce(value)
        except InputError as error:
            assert str(error)


@FUZZ
@given(st.lists(ENGINE_INPUTS, max_size=6))
@example([Decimal("sNaN")])  # pandas cannot even ask whether it is missing
@example(["2026-01-01T10:00+02:00", "2026-01-01T23:00Z"])  # once "Mixed timezones detected"
@example([45000])  # once read as 45,000 nanoseconds after 1970
def test_engine_columns_are_numbers_or_dates_or_an_input_error(values: list) -> None:
    for column in (values, pd.Series(values, dtype=object)):
        for coerce in (columns.amounts, columns.dates):
            try:
                result = coerce(column)
            except InputError as error:
                assert str(error)
                continue
            assert len(result) == len(values)


@FUZZ
@given(st.sampled_from(list(Kind)), st.lists(CELLS, max_size=10))
@example(Kind.INTEGER, ["INF"])  # once -9223372036854775808
@example(Kind.MONEY, ["1e400"])  # once an infinite amount
@example(Kind.DATE, [2958465.0])  # once OutOfBoundsDatetime for 9999-12-31
@example(Kind.DATE, ["2026-03-31T10:00+02:00", "2026-03-31"])  # once "Mixed timezones"
def test_reader_types_every_cell_or_flags_it_and_never_raises(kind: Kind, values: list) -> None:
    cells = pd.Series(values, index=range(2, 2 + len(values)), dtype=object)
    result, bad = convert(cells.where(cells.notna(), None), kind)
    assert len(result) == len(cells) and bad.dtype == bool
    assert not (bad & cells.isna()).any(), "an empty cell is not a bad one"
    good = result[~bad].dropna() if kind is not Kind.EMAILS else result[~bad]
    if kind in (Kind.MONEY, Kind.NUMBER):
        assert np.isfinite(good.astype(float)).all()
    if kind is Kind.MONEY:
        assert (good.abs() < MAX_AMOUNT).all()
    if kind is Kind.INTEGER:
        assert all(abs(int(number)) <= 2**53 for number in good)
    if kind in (Kind.DATE, Kind.DATETIME):
        assert str(result.dtype) == "datetime64[ns]"
    if kind is Kind.EMAIL:
        assert all(validate.address_problem(address) is None for address in good)
    if kind is Kind.EMAILS:
        assert all(validate.address_problem(address) is None for addresses in good for address in addresses)


@FUZZ
@given(st.lists(st.one_of(st.floats(allow_nan=False), st.integers(-(10**18), 10**18)), min_size=1, max_size=5))
def test_reader_reads_amount_text_as_the_number_it_shows(numbers: list) -> None:
    shown = pd.Series([repr(float(number)) for number in numbers], dtype=object)
    result, bad = convert(shown, Kind.NUMBER)
    expected = pd.Series([float(number) for number in numbers])
    finite = np.isfinite(expected)
    assert not bad[finite].any()
    assert (result[finite] == expected[finite]).all()
    assert bad[~finite].all()


def test_reader_date_range_ends_where_a_datetime64_column_does() -> None:
    _result, bad = convert(pd.Series(["2262-04-11", "2262-04-12", dt.date(1, 1, 1)], dtype=object), Kind.DATE)
    assert list(bad) == [False, True, True]
