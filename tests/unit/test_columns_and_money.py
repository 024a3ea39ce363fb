"""The engine's shared conversions (arcollect.engine.columns) and money rounding (arcollect.engine.money)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import columns, money
from arcollect.errors import InputError


def test_money_rounds_half_up_away_from_zero_on_the_decimal_value_a_person_sees():
    values = np.array([1.005, -1.005, 2.675, 0.125, 0.124999, 10.0])
    assert money.round_money(values, 2).tolist() == [1.01, -1.01, 2.68, 0.13, 0.12, 10.0]


def test_money_rounds_to_each_rows_minor_unit():
    digits = money.minor_units_array(["EUR", "JPY", "BHD"])
    assert digits.tolist() == [2, 0, 3]
    assert money.round_money(np.array([2.345, 2.5, 1.0005]), digits).tolist() == [2.35, 3.0, 1.001]


def test_to_decimal_has_exactly_the_minor_unit_places():
    assert money.to_decimal(1.005) == Decimal("1.01")
    assert str(money.to_decimal(3, 2)) == "3.00"
    assert str(money.to_decimal(Decimal("2.5"), 0)) == "3"
    assert money.to_decimal(float("nan")) is None


def test_unknown_currency_is_an_input_error():
    with pytest.raises(InputError, match="'EURO' is not an ISO 4217"):
        money.minor_units("EURO")


def test_dates_accept_every_form_a_workbook_or_caller_gives():
    mixed = ["2026-01-31", dt.date(2026, 2, 1), dt.datetime(2026, 2, 2, 23, 59), pd.Timestamp("2026-02-03"), None, ""]
    result = columns.dates(mixed)
    assert result.dtype == np.dtype("datetime64[D]")
    assert [str(d) for d in result] == ["2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03", "NaT", "NaT"]


def test_bad_dates_in_a_column_are_named_in_the_error():
    with pytest.raises(InputError, match=r"1 value\(s\) are not dates \('someday'\)"):
        columns.dates(["2026-01-01", "someday"])


def test_amounts_accept_thousands_separators_and_decimals():
    assert columns.amounts(["1,234.50", Decimal("2.25"), 3, None]).tolist()[:3] == [1234.5, 2.25, 3.0]
    with pytest.raises(InputError, match="not numbers"):
        columns.amounts(["12", "twelve"])


def test_shape_gives_back_what_the_caller_gave():
    series = pd.Series([1, 2], index=["x", "y"])
    assert columns.Shape.of(1, "a").scalar
    assert list(columns.Shape.of(series, 3).wrap(np.array([5, 6])).index) == ["x", "y"]
    assert isinstance(columns.Shape.of([1, 2]).wrap(np.array([5, 6])), np.ndarray)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(InputError, match="different lengths"):
        columns.broadcast(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize(
    "column",
    [pd.Series(["de", " at", None, "de", "", "nan"] * 3, dtype="str"),
     pd.Series(["de", None, 1, 1.0, True], dtype=object),  # numbers that hash alike: transformed whole
     pd.Series([], dtype=object)],
)  # fmt: skip
def test_per_distinct_gives_what_the_transform_gives_on_the_whole_column(column):
    def transform(values: pd.Series) -> pd.Series:
        return values.astype("string").fillna("").str.strip().str.upper()

    pd.testing.assert_series_equal(columns.per_distinct(column, transform), transform(column))


def test_minor_units_of_a_column_of_currencies():
    assert money.minor_units_array(pd.Series(["EUR", "JPY", "eur", "BHD"])).tolist() == [2, 0, 2, 3]
    assert money.minor_units_array(np.array([["USD"], ["JPY"]], dtype=object)).tolist() == [[2], [0]]
    with pytest.raises(InputError):
        money.minor_units_array(pd.Series(["EUR", None]))


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_equals_treats_missing_as_not_equal_in_every_kind_of_text_column(dtype):
    column = pd.Series(["Paid", None, "Open", "paid"], dtype=dtype)
    assert columns.equals(column, "Paid").tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    "column",
    [pd.Series(["C10", "C2", None, "c1", "C10", "Ä", ""], dtype="str"),
     pd.Series(["b", 2, "a", None, 1.5], dtype=object),
     pd.Series([], dtype="str")],
)  # fmt: skip
def test_factorize_sorted_gives_what_pandas_gives_sorted(column):
    codes, uniques = columns.factorize_sorted(column)
    expected_codes, expected_uniques = pd.factorize(column, sort=True)
    assert codes.tolist() == expected_codes.tolist()
    pd.testing.assert_index_equal(uniques, expected_uniques)
