"""Aging: days past due, buckets and the customer × bucket summary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import aging
from arcollect.errors import InputError
from arcollect.schema import TOTAL, Aging, Invoices

AS_OF = "2026-11-24"


def invoices(rows: list[tuple]) -> pd.DataFrame:
    columns = [Invoices.CUSTOMER_ID, Invoices.OPEN_AMOUNT, Invoices.CURRENCY, Invoices.DUE_DATE, Invoices.INVOICE_DATE]
    return pd.DataFrame(rows, columns=columns)


def test_due_today_is_zero_days_and_current():
    assert aging.days_past_due(AS_OF, AS_OF) == 0
    assert aging.bucket(0) == "Current"


def test_not_yet_due_is_negative_and_current():
    assert aging.days_past_due("2026-12-24", AS_OF) == -30
    assert aging.bucket(-30) == "Current"


def test_days_past_due_counts_calendar_days_across_a_leap_day():
    assert aging.days_past_due("2024-02-28", "2024-03-01") == 2
    assert aging.days_past_due("2023-02-28", "2023-03-01") == 1


def test_days_past_due_accepts_dates_datetimes_and_aware_datetimes():
    berlin_evening = dt.datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert aging.days_past_due(dt.date(2026, 11, 1), berlin_evening) == 23
    assert aging.days_past_due(pd.Timestamp("2026-11-01"), np.datetime64("2026-11-24")) == 23


@pytest.mark.parametrize(
    ("days", "label"),
    [(-5, "Current"), (0, "Current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"),
     (90, "61-90"), (91, "91-120"), (120, "91-120"), (121, "120+"), (5000, "120+")],
)  # fmt: skip
def test_bucket_boundaries_follow_the_design_labels(days, label):
    assert aging.bucket(days) == label


def test_custom_edges_make_labels_of_the_same_form():
    assert aging.labels((0, 15, 45)) == ["Current", "1-15", "16-45", "45+"]
    assert aging.bucket(16, edges=(0, 15, 45)) == "16-45"
    assert aging.bucket(46, edges=(0, 15, 45)) == "45+"


def test_edges_that_do_not_increase_are_refused_with_an_example():
    with pytest.raises(InputError, match=r"increasing, e\.g\. 0,30,60,90,120"):
        aging.labels((0, 60, 30))
    with pytest.raises(InputError, match="whole numbers"):
        aging.labels(("zero", 30))


def test_missing_due_date_gives_none_for_a_scalar_and_nan_in_a_column():
    assert aging.days_past_due(None, AS_OF) is None
    assert aging.bucket(None) is None
    days = aging.days_past_due(np.array(["2026-11-01", "NaT"], dtype="datetime64[D]"), AS_OF)
    assert days[0] == 23 and np.isnan(days[1])


def test_series_in_gives_series_out_with_the_same_index():
    due = pd.Series(pd.to_datetime(["2026-11-24", "2026-08-01"]), index=[7, 9])
    days = aging.days_past_due(due, AS_OF)
    assert list(days.index) == [7, 9]
    assert days.dtype == "Int64"
    assert days.tolist() == [0, 115]
    buckets = aging.bucket(days)
    assert buckets.tolist() == ["Current", "91-120"]
    assert buckets.cat.ordered


def test_unparseable_date_text_is_an_input_error_naming_the_value():
    with pytest.raises(InputError, match="'31/31/2026'"):
        aging.days_past_due("31/31/2026", AS_OF)


def test_summary_has_a_row_per_customer_a_column_per_bucket_and_totals():
    book = invoices(
        [
            ("ACME", 100.00, "EUR", "2026-11-30", "2026-10-31"),  # not yet due
            ("ACME", 250.00, "EUR", "2026-11-04", "2026-10-05"),  # 20 days
            ("BETA", 80.00, "EUR", "2026-06-01", "2026-05-01"),  # 176 days
        ]
    )
    table = aging.summary(book, AS_OF, base_currency="EUR")
    assert list(table.columns) == ["Current", "1-30", "31-60", "61-90", "91-120", "120+", TOTAL]
    assert list(table.index) == ["ACME", "BETA", TOTAL]
    assert table.loc["ACME", "Current"] == 100.00
    assert table.loc["ACME", "1-30"] == 250.00
    assert table.loc["ACME", TOTAL] == 350.00
    assert table.loc["BETA", "120+"] == 80.00
    assert table.loc[TOTAL, TOTAL] == 430.00
    assert table.attrs["problems"] == []


def test_credit_note_reduces_its_customers_bucket():
    book = invoices(
        [
            ("ACME", 500.00, "EUR", "2026-10-10", "2026-09-10"),  # 45 days
            ("ACME", -120.00, "EUR", "2026-10-20", "2026-10-20"),  # credit note, 35 days
        ]
    )
    table = aging.summary(book, AS_OF)
    assert table.loc["ACME", "31-60"] == 380.00
    assert table.loc[TOTAL, TOTAL] == 380.00


def test_summary_converts_to_the_base_currency_and_rounds_each_invoice():
    book = invoices(
        [
            ("ACME", 100.00, "USD", "2026-11-01", "2026-10-01"),  # 100 × 0.8567 = 85.67
            ("ACME", 0.50, "USD", "2026-11-01", "2026-10-01"),  # 0.50 × 0.8567 = 0.42835 → 0.43 (half up)
            ("BETA", 1000, "JPY", "2026-12-01", "2026-11-01"),  # 1000 × 0.00565 = 5.65
        ]
    )
    table = aging.summary(book, AS_OF, base_currency="EUR", rates={"USD": 0.8567, "JPY": 0.00565})
    assert table.loc["ACME", "1-30"] == pytest.approx(86.10, abs=1e-9)
    assert table.loc["BETA", "Current"] == pytest.approx(5.65, abs=1e-9)


def test_a_yen_base_rounds_to_whole_yen():
    book = invoices([("ACME", 10.00, "EUR", "2026-11-01", "2026-10-01")])
    table = aging.summary(book, AS_OF, base_currency="JPY", rates={"EUR": 162.345})
    assert table.loc["ACME", "1-30"] == 1623.0


def test_rows_without_a_rate_or_date_are_left_out_and_reported():
    book = invoices(
        [
            ("ACME", 100.00, "EUR", "2026-11-01", "2026-10-01"),
            ("ACME", 70.00, "CHF", "2026-11-01", "2026-10-01"),
            ("BETA", 30.00, "EUR", None, "2026-10-01"),
        ]
    ).set_index(pd.Index([2, 3, 4]))
    table = aging.summary(book, AS_OF)
    assert table.loc[TOTAL, TOTAL] == 100.00
    problems = table.attrs["problems"]
    assert {(p.row, p.column) for p in problems} == {(3, Invoices.CURRENCY), (4, Invoices.DUE_DATE)}
    currency_problem = next(p for p in problems if p.row == 3)
    assert "no FX rate for CHF" in currency_problem.reason and "FX sheet" in currency_problem.reason


def test_aging_by_invoice_date_counts_days_since_the_invoice():
    book = invoices([("ACME", 100.00, "EUR", "2026-12-24", "2026-10-24")])
    by_due = aging.summary(book, AS_OF)
    by_invoice = aging.summary(book, AS_OF, basis="invoice")
    assert by_due.loc["ACME", "Current"] == 100.00
    assert by_invoice.loc["ACME", "31-60"] == 100.00  # 31 days old


def test_unknown_basis_and_missing_columns_are_input_errors():
    book = invoices([("ACME", 1.0, "EUR", AS_OF, AS_OF)])
    with pytest.raises(InputError, match="'due' or 'invoice'"):
        aging.summary(book, AS_OF, basis="posting")
    with pytest.raises(InputError, match="open_amount"):
        aging.summary(book.drop(columns=[Invoices.OPEN_AMOUNT]), AS_OF)


def test_age_adds_the_aging_columns_and_keeps_the_rows():
    book = invoices([("ACME", 100.00, "EUR", "2026-10-01", "2026-09-01")])
    aged, problems = aging.age(book, AS_OF)
    assert problems == []
    assert aged.loc[0, Aging.DAYS_PAST_DUE] == 54
    assert aged.loc[0, Aging.BUCKET] == "31-60"
    assert aged.loc[0, Aging.BASE_OPEN_AMOUNT] == 100.00
    assert aging.summary(aged, AS_OF).loc["ACME", "31-60"] == 100.00


def test_empty_invoices_give_an_empty_summary_with_a_zero_total():
    table = aging.summary(invoices([]), AS_OF)
    assert list(table.index) == [TOTAL]
    assert table.loc[TOTAL, TOTAL] == 0.0
