"""Conversion to the base currency, with undated and dated rates."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import fx
from arcollect.errors import InputError
from arcollect.schema import FX


def test_scalar_conversion_returns_a_decimal_rounded_to_the_base_minor_unit():
    assert fx.to_base(100, "USD", "EUR", {"USD": 0.92}) == (Decimal("92.00"), [])
    assert fx.to_base(1.25, "USD", "EUR", {"USD": 0.5}) == (Decimal("0.63"), [])  # 0.625 half up


def test_the_base_currency_converts_at_one_without_a_rate():
    value, problems = fx.to_base(12.34, "eur", "EUR", {})
    assert value == Decimal("12.34") and problems == []


def test_codes_are_matched_regardless_of_case_and_spaces():
    values, problems = fx.to_base([10, 10], [" usd", "Usd "], "EUR", {"usd": 0.9})
    assert values.tolist() == [9.0, 9.0] and problems == []


def test_dated_rates_use_the_latest_rate_on_or_before_the_as_of_date():
    rates = pd.DataFrame(
        {
            FX.CURRENCY: ["USD", "USD", "USD"],
            FX.RATE: [0.90, 0.95, 0.97],
            FX.DATE: ["2026-01-01", "2026-06-01", "2026-12-01"],
        }
    )
    as_of = pd.Series(["2026-03-01", "2026-06-01", "2026-11-30"], index=["a", "b", "c"])
    values, problems = fx.to_base(pd.Series([100, 100, 100], index=["a", "b", "c"]), "USD", "EUR", rates, as_of=as_of)
    assert values.to_dict() == {"a": 90.0, "b": 95.0, "c": 95.0}
    assert problems == []


def test_a_date_before_the_first_dated_rate_is_a_problem_not_a_guess():
    rates = pd.DataFrame({FX.CURRENCY: ["USD"], FX.RATE: [0.9], FX.DATE: ["2026-01-01"]})
    values, problems = fx.to_base([100], ["USD"], "EUR", rates, as_of="2025-12-31")
    assert np.isnan(values[0])
    assert len(problems) == 1 and "on or before 2025-12-31" in problems[0].reason


def test_without_an_as_of_date_the_newest_rate_applies():
    rates = pd.DataFrame({FX.CURRENCY: ["GBP", "GBP"], FX.RATE: [1.10, 1.20], FX.DATE: ["2026-06-01", "2026-01-01"]})
    assert fx.to_base(10, "GBP", "EUR", rates)[0] == Decimal("11.00")


def test_a_missing_rate_is_a_row_problem_naming_currency_and_fix():
    values, problems = fx.to_base(
        pd.Series([5.0, 7.0], index=[10, 11]), pd.Series(["EUR", "SEK"], index=[10, 11]), "EUR", {}
    )
    assert values[10] == 5.0 and np.isnan(values[11])
    (problem,) = problems
    assert (problem.sheet, problem.row, problem.value) == ("Invoices", 11, "SEK")
    assert "no FX rate for SEK" in problem.reason and "add 1 SEK = ? EUR" in problem.reason


def test_zero_or_negative_rates_are_not_used():
    values, problems = fx.to_base([1, 1], ["USD", "CHF"], "EUR", {"USD": 0.0, "CHF": -1})
    assert np.isnan(values).all() and len(problems) == 2


def test_unknown_base_currency_is_an_input_error():
    with pytest.raises(InputError, match="not an ISO 4217 currency code"):
        fx.to_base(1, "EUR", "EURO", {})


def test_rate_table_accepts_a_mapping_a_series_or_a_frame():
    for rates in ({"USD": 0.9}, pd.Series({"USD": 0.9}), pd.DataFrame({FX.CURRENCY: ["USD"], FX.RATE: [0.9]})):
        table = fx.rate_table(rates)
        assert table[FX.CURRENCY].tolist() == ["USD"] and table[FX.RATE].tolist() == [0.9]


def test_convert_reaches_another_currency_through_the_base_and_reports_a_missing_target_rate():
    rates = {"USD": 0.92, "GBP": 1.17}
    values, problems = fx.convert([100, 100, 100], ["USD", "EUR", "GBP"], "GBP", "EUR", rates)
    assert values.tolist() == [78.63, 85.47, 100.0] and problems == []
    values, problems = fx.convert(pd.Series([100.0, 3.0], index=[7, 8]), ["USD", "SEK"], "SEK", "EUR", rates)
    assert np.isnan(values[7]) and values[8] == 3.0  # an amount already in the target needs no rate
    assert [(p.row, p.value) for p in problems] == [(7, "SEK")] and "no FX rate for SEK" in problems[0].reason
    assert fx.convert(100, "USD", "JPY", "EUR", rates)[0] is None  # never 0


def test_to_base_is_convert_into_the_base():
    rates = {"USD": 0.92}
    assert (
        fx.to_base([1.25, 3.0], ["USD", "EUR"], "EUR", rates)[0].tolist()
        == fx.convert([1.25, 3.0], ["USD", "EUR"], "EUR", "EUR", rates)[0].tolist()
    )


def test_a_long_column_is_converted_as_each_of_its_rows_alone():
    """The dated lookup runs once per distinct (currency, date) and is spread back: every row of a column with
    repeats, blanks, undated-only and dated-only currencies, a date before the first rate and two rates on one day
    gets what converting that row alone gives."""
    rates = pd.DataFrame(
        {
            FX.CURRENCY: ["usd", "USD", "USD", "GBP", "CHF", "CHF", "JPY"],
            FX.RATE: [0.90, 0.92, 0.95, 1.17, 1.01, 1.02, 0.0061],
            FX.DATE: ["2026-01-01", "2026-06-01", "2026-06-01", None, "2026-03-01", None, "2026-02-01"],
        }
    )
    currencies = ["USD", " usd", "GBP", "CHF", "JPY", "EUR", "SEK", "USD", "CHF", "JPY"] * 30
    days = ["2025-12-31", "2026-06-01", "2026-02-02", "2026-02-28", "2026-01-31", None, "2026-07-01",
            None, "2026-03-01", "2026-02-01"] * 30  # fmt: skip
    column = fx.cross_rates(currencies, "EUR", "EUR", rates, as_of=pd.Series(pd.to_datetime(days)))
    alone = [
        fx.cross_rates([code], "EUR", "EUR", rates, as_of=[day])[0] for code, day in zip(currencies, days, strict=True)
    ]
    np.testing.assert_array_equal(column, np.array(alone))
    assert column[1] == 0.95  # the later of two rates on one day
    assert column[3] == 1.02  # the undated CHF rate before the first dated one
    assert column[8] == 1.01  # on the day of the dated CHF rate
    assert np.isnan(column[4]) and np.isnan(column[6])  # JPY before its first rate; SEK has none
    assert column[7] == 0.95  # no date: the newest dated rate
