"""Fuzzing the payment-terms parser: any text either parses or raises InputError, and what parses is usable."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from arcollect.engine import terms
from arcollect.errors import InputError
from tests.fuzz.conftest import FUZZ

WORDS = (
    "net", "n", "n/", "eom", "EOM", "prox", "prox.", "days", "day", "2/10", "1.5/10", "3/10", "2/20", "30", "10th",
    "1st", "31st", "32nd", "0th", "cod", "c.o.d.", "due on receipt", "receipt", "cia", "/", "%", "2%", "10", "0",
    "-5", "1e5", "٣٠", "net30", "n30", "30eom", ",", ";", ".", " ", "0/10", "100/10", "2/0", "99.999/1",
    "99999999999999999999", "9223372036854775808", "3661", "\u00a0", "\x00", "ｎｅｔ", "NET", "Nett",
)  # fmt: skip
TEXTS = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(WORDS), max_size=9).map(" ".join))
ANY_DAY = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@FUZZ
@given(TEXTS, ANY_DAY)
@example("NET9223372036854775808", dt.date(2026, 1, 1))  # once an OverflowError deep in numpy
@example("net 3000", dt.date(9999, 12, 1))  # a due date after 9999-12-31
@example("99.999/1 net 2", dt.date(2026, 1, 1))  # compound APR once an OverflowError: (1 + 99999) ** 365
@example("1/9223372036854775808 net 9223372036854775809", dt.date(2026, 1, 1))
def test_any_text_parses_or_raises_input_error_and_parsed_terms_compute(text: str, day: dt.date) -> None:
    try:
        parsed = terms.parse(text)
    except InputError as error:
        assert str(error), "the message says what is wrong"
        return
    assert terms.parse(terms.format(parsed)) == parsed
    has_discount = bool(parsed.discounts)
    for compute, kinds in (
        (lambda: terms.due_date(parsed, day), dt.date),
        (lambda: terms.discount_deadline(parsed, day), dt.date if has_discount else type(None)),
        (lambda: terms.discount(1000, parsed, day, day), Decimal),
        (lambda: terms.discount_apr(parsed), float if has_discount else type(None)),
        (lambda: terms.discount_apr(parsed, method="compound"), float if has_discount else type(None)),
    ):
        try:
            result = compute()
        except InputError:  # a date past 9999-12-31: said, not an OverflowError or a wrong type
            continue
        assert isinstance(result, kinds), (terms.format(parsed), result)
        if isinstance(result, Decimal):
            assert 0 <= result <= 1000
        if isinstance(result, float):
            assert result >= 0 and not math.isnan(result)
    try:
        due = terms.due_date(parsed, day)
    except InputError:
        return
    assert isinstance(due, dt.date) and due >= day


@FUZZ
@given(st.lists(st.one_of(TEXTS, st.none(), st.floats(), st.integers()), max_size=12))
def test_a_column_of_terms_never_raises_and_names_every_bad_row(values: list) -> None:
    column = pd.Series(values, index=range(2, 2 + len(values)), dtype=object)
    parsed, problems = terms.parse_column(column)
    assert list(parsed.index) == list(column.index)
    bad_rows = {row for row, _text, _message in problems}
    for row, value in column.items():
        blank = value is None or (isinstance(value, str) and not value.strip()) or pd.isna(value)
        if blank:
            assert parsed[row] is None and row not in bad_rows
        elif parsed[row] is None:
            assert row in bad_rows, f"row {row} ({value!r}) rejected without a problem"
        else:
            assert isinstance(parsed[row], terms.Terms) and row not in bad_rows
    for _row, _text, message in problems:
        assert message.startswith("Payment terms")


@FUZZ
@given(st.lists(st.one_of(TEXTS, st.none()), min_size=1, max_size=8), st.lists(ANY_DAY, min_size=1, max_size=1))
def test_columns_of_terms_and_dates_compute_or_raise_input_error(values: list, days: list) -> None:
    column = pd.Series(values, dtype=object)
    day = pd.Series(days * len(values))
    try:
        due = terms.due_date(column, day)
    except InputError:
        return
    assert len(due) == len(values)
