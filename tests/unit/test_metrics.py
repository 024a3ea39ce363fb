"""Collections KPIs against the worked examples of docs/DOMAIN-RULES.md §3, and payment behaviour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import metrics
from arcollect.errors import InputError
from arcollect.schema import Invoices, PaymentBehaviour, Payments

# ---- DSO, simple ----------------------------------------------------------------------------------------------


def test_simple_dso_trymesha_example():
    # https://trymesha.com/blog/the-2-dso-calculation-formulas-simple-vs-countback-method-explained/
    assert metrics.dso_simple(150_000, 1_800_000, 365) == pytest.approx(30.4, abs=0.05)


def test_simple_dso_upflow_example():
    # https://upflow.io/blog/reduce-dso/dso-calculation-formula
    assert metrics.dso_simple(200_000, 2_000_000, 365) == pytest.approx(36.5)


def test_simple_dso_jd_edwards_example_over_three_months_of_sales():
    # https://docs.oracle.com/en/applications/jd-edwards/financials/9.2/eoaar/current-balance-divided-by-sales.html
    assert metrics.dso_simple(10_869, 5_538 + 4_566 + 7_570, 90) == pytest.approx(55.35, abs=0.005)


def test_simple_dso_over_columns_of_customers_keeps_the_index():
    receivables = pd.Series([150_000, 200_000, 5_000], index=["A", "B", "C"])
    result = metrics.dso_simple(receivables, pd.Series([1_800_000, 2_000_000, 0], index=["A", "B", "C"]), 365)
    assert list(result.index) == ["A", "B", "C"]
    assert result.iloc[:2].tolist() == pytest.approx([30.416666, 36.5])
    assert math.isnan(result["C"])


def test_zero_sales_gives_none_for_scalars_and_nan_for_arrays():
    assert metrics.dso_simple(1_000, 0, 30) is None
    assert metrics.best_possible_dso(1_000, 0, 30) is None
    assert np.isnan(metrics.dso_simple(np.array([1_000.0]), np.array([0.0]), 30)).all()


def test_text_that_is_not_a_number_is_rejected():
    with pytest.raises(InputError, match="receivables"):
        metrics.dso_simple("lots", 1_000, 30)


# ---- DSO, count-back ------------------------------------------------------------------------------------------


def test_countback_example_exhausts_two_months_and_part_of_the_third():
    # https://support.benjipays.com/support/solutions/articles/150000179580-mastering-dso-calculation-the-count-back-method-explained
    # 212,000 − 100,000 − 80,000 = 32,000 left in the third month: 30 + 30 + 32/70 × 30 = 73.71
    assert metrics.dso_countback(212_000, [100_000, 80_000, 70_000], 30) == pytest.approx(73.7, abs=0.05)


def test_countback_with_actual_days_per_month():
    # March (31), February (28), January (31): 31 + 28 + 32/70 × 31
    expected = 31 + 28 + 32_000 / 70_000 * 31
    assert metrics.dso_countback(212_000, (100_000, 80_000, 70_000), (31, 28, 31)) == pytest.approx(expected)


def test_countback_within_the_newest_month():
    assert metrics.dso_countback(50_000, [100_000, 80_000], 30) == pytest.approx(15.0)


def test_countback_when_receivables_exceed_all_sales_given_is_the_sum_of_all_days():
    assert metrics.dso_countback(500_000, [100_000, 80_000, 70_000], [31, 28, 31]) == pytest.approx(90.0)


def test_countback_zero_receivables_and_no_sales():
    assert metrics.dso_countback(0, [100_000, 80_000], 30) == 0.0
    assert metrics.dso_countback(1_000, [0, 0], 30) is None


def test_countback_counts_a_month_without_sales_in_full_while_receivables_remain():
    # Newest month had no sales: it is exhausted at once (30 days), then 40,000 of 80,000 (15 days).
    assert metrics.dso_countback(40_000, [0, 80_000], 30) == pytest.approx(45.0)


def test_countback_for_several_customers_at_once():
    sales = pd.DataFrame(
        [[100_000, 80_000, 70_000], [10_000, 10_000, 10_000], [5_000, 5_000, 5_000]], index=["A", "B", "C"]
    )
    result = metrics.dso_countback(pd.Series([212_000, 15_000, 0], index=["A", "B", "C"]), sales, 30)
    assert list(result.index) == ["A", "B", "C"]
    assert result.tolist() == pytest.approx([30 + 30 + 32 / 70 * 30, 45.0, 0.0])


# ---- best possible DSO and ADD --------------------------------------------------------------------------------


def test_best_possible_dso_and_add_creditguru_example():
    # https://www.creditguru.com/index.php/collection-management/collection-metrics/average-days-delinquent-add
    dso = metrics.dso_simple(15_000, 10_000, 30)
    best = metrics.best_possible_dso(4_000, 10_000, 30)
    assert (dso, best) == pytest.approx((45.0, 12.0))
    assert metrics.add(dso, best) == pytest.approx(33.0)


def test_best_possible_dso_and_add_quadient_example():
    # Quadient example quoted in domain-rules.md §3: AR 25,000, current 6,000, sales 15,000 over 30 days.
    dso = metrics.dso_simple(25_000, 15_000, 30)
    best = metrics.best_possible_dso(6_000, 15_000, 30)
    assert (dso, best) == pytest.approx((50.0, 12.0))
    assert metrics.add(dso, best) == pytest.approx(38.0)


def test_add_over_columns_and_with_a_missing_dso():
    result = metrics.add(np.array([45.0, 50.0, np.nan]), np.array([12.0, 12.0, 10.0]))
    assert result[:2].tolist() == [33.0, 38.0]
    assert np.isnan(result[2])
    assert metrics.add(None, 12) is None


# ---- CEI ------------------------------------------------------------------------------------------------------


def test_cei_gaviti_example():
    # https://gaviti.com/?p=3708 : (100k + 1M − 120k) / (100k + 1M − 100k) = 98 %
    assert metrics.cei(100_000, 1_000_000, 120_000, 100_000) == pytest.approx(98.0)


def test_cei_creditguru_sample_with_full_period_sales():
    # https://wizedu.com/questions/116374/ : (6,200 + 10,890 − 6,340) / (6,200 + 10,890 − 3,590) = 79.63 %
    assert metrics.cei(6_200, 10_890, 6_340, 3_590) == pytest.approx(79.63, abs=0.005)


def test_cei_creditguru_monthly_average_variant():
    # http://www.creditguru.com/index.php/collection-management/collection-metrics/collection-effectiveness-index-cei
    # monthly sales 10,890 / 3 = 3,630: (6,200 + 3,630 − 6,340) / (6,200 + 3,630 − 3,590) = 3,490 / 6,240 = 55.9 %
    assert metrics.cei(6_200, 10_890, 6_340, 3_590, periods=3) == pytest.approx(55.9, abs=0.05)


def test_cei_with_a_zero_denominator_is_none():
    assert metrics.cei(0, 0, 0, 0) is None
    assert metrics.cei(100, 0, 50, 100) is None


def test_cei_over_columns():
    result = metrics.cei([100_000, 6_200], [1_000_000, 10_890], [120_000, 6_340], [100_000, 3_590])
    assert result.tolist() == pytest.approx([98.0, 79.6296296])


# ---- payment behaviour ----------------------------------------------------------------------------------------
#
# Customer A
#   A1  due 2026-01-31  1,000  paid 400 on 01-20 and 600 on 02-10 → paid 02-10, 10 days late
#   A2  due 2026-03-03    500  paid 500 on 02-25                  → early: on time, 0 days late
#   A3  due 2026-05-01  2,000  paid 2,000 on 05-21                → 20 days late
#   A4  due 2026-05-31    300  paid 100 on 06-10                  → not fully paid: left out
# Customer B
#   B1  due 2026-03-31    800  paid 800 on 03-31                  → on the due date: on time, 0 days late
#   B2  due 2026-07-01  1,200  no payment                         → left out
#   B3  due 2026-06-15    100  paid 60 on 06-20 and 40 on 06-25   → paid 06-25, 10 days late
# Customer C
#   C1  due 2026-06-30    700  no payment
# A payment against an unknown invoice (X9) is ignored.
#
# as_of defaults to the latest payment date, 2026-06-25. Last quarter: paid 2026-03-28 … 06-25 (90 days);
# the quarter before: 2025-12-28 … 2026-03-27.
#   A: paid 3, on time 1/3, average (10 + 0 + 20) / 3 = 10,
#      weighted (10 × 1,000 + 0 × 500 + 20 × 2,000) / 3,500 = 14.2857,
#      trend: last quarter A3 → 20; before: A1, A2 → (10 + 0) / 2 = 5; 20 − 5 = +15 (paying later).
#   B: paid 2, on time 1/2, average (0 + 10) / 2 = 5, weighted (0 × 800 + 10 × 100) / 900 = 1.1111,
#      trend: both in the last quarter, none before → NaN.
#   C: nothing paid → paid_count 0, the rest NaN.

INVOICE_ROWS = [
    ("A1", "A", "2026-01-01", "2026-01-31", 1_000.0),
    ("A2", "A", "2026-02-01", "2026-03-03", 500.0),
    ("A3", "A", "2026-04-01", "2026-05-01", 2_000.0),
    ("A4", "A", "2026-05-01", "2026-05-31", 300.0),
    ("B1", "B", "2026-03-01", "2026-03-31", 800.0),
    ("B2", "B", "2026-06-01", "2026-07-01", 1_200.0),
    ("B3", "B", "2026-05-16", "2026-06-15", 100.0),
    ("C1", "C", "2026-05-31", "2026-06-30", 700.0),
]
PAYMENT_ROWS = [
    ("2026-02-10", "A", "A1", 600.0),  # out of date order on purpose
    ("2026-01-20", "A", "A1", 400.0),
    ("2026-02-25", "A", "A2", 500.0),
    ("2026-05-21", "A", "A3", 2_000.0),
    ("2026-06-10", "A", "A4", 100.0),
    ("2026-03-31", "B", "B1", 800.0),
    ("2026-06-20", "B", "B3", 60.0),
    ("2026-06-25", "B", "B3", 40.0),
    ("2026-04-01", "Z", "X9", 999.0),
]


def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    invoices = pd.DataFrame(
        INVOICE_ROWS,
        columns=[Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.INVOICE_DATE, Invoices.DUE_DATE, Invoices.AMOUNT],
    )
    payments = pd.DataFrame(
        PAYMENT_ROWS, columns=[Payments.DATE, Payments.CUSTOMER_ID, Payments.INVOICE_NUMBER, Payments.AMOUNT]
    )
    return invoices, payments


def test_payment_behaviour_per_customer():
    result = metrics.payment_behaviour(*history())
    assert list(result.index) == ["A", "B", "C"]
    assert result.index.name == Invoices.CUSTOMER_ID
    assert result[PaymentBehaviour.PAID_COUNT].tolist() == [3, 2, 0]
    assert result.loc["A"].tolist()[1:] == pytest.approx([1 / 3, 10.0, 50_000 / 3_500, 15.0])
    assert result.loc["B"].tolist()[1:4] == pytest.approx([0.5, 5.0, 1_000 / 900])
    assert math.isnan(result.loc["B", PaymentBehaviour.DAYS_LATE_TREND])
    assert result.loc["C"].iloc[1:].isna().all()


def test_payment_behaviour_ignores_payments_after_as_of():
    # as_of 2026-05-31: B3 is not yet paid. Last quarter 2026-03-03 … 05-31; the one before 2025-12-03 … 03-02.
    # A: A3 (20 late) last quarter, A1 and A2 (5 on average) before → trend +15. B: only B1 → paid 1, trend NaN.
    result = metrics.payment_behaviour(*history(), as_of="2026-05-31")
    assert result[PaymentBehaviour.PAID_COUNT].tolist() == [3, 1, 0]
    assert result.loc["A", PaymentBehaviour.DAYS_LATE_TREND] == pytest.approx(15.0)
    assert result.loc["B", PaymentBehaviour.AVERAGE_DAYS_LATE] == 0.0
    assert result.loc["B", PaymentBehaviour.ON_TIME_SHARE] == 1.0


def test_payment_that_completes_an_invoice_is_the_one_that_reaches_its_amount_despite_float_sums():
    invoices = pd.DataFrame(
        [("N1", "A", "2026-01-01", "2026-01-10", 0.8)],
        columns=[Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.INVOICE_DATE, Invoices.DUE_DATE, Invoices.AMOUNT],
    )
    payments = pd.DataFrame(
        [("2026-01-05", "A", "N1", 0.7), ("2026-01-12", "A", "N1", 0.1), ("2026-01-20", "A", "N1", 5.0)],
        columns=[Payments.DATE, Payments.CUSTOMER_ID, Payments.INVOICE_NUMBER, Payments.AMOUNT],
    )
    result = metrics.payment_behaviour(invoices, payments)
    assert result.loc["A", PaymentBehaviour.AVERAGE_DAYS_LATE] == 2.0


def test_payment_behaviour_without_any_payment():
    invoices, payments = history()
    result = metrics.payment_behaviour(invoices, payments.iloc[0:0])
    assert result[PaymentBehaviour.PAID_COUNT].tolist() == [0, 0, 0]
    assert result.drop(columns=PaymentBehaviour.PAID_COUNT).isna().all().all()


def test_credit_notes_and_duplicate_invoice_numbers_are_left_out():
    invoices, payments = history()
    credit_note = pd.DataFrame(
        [("CN1", "A", "2026-02-01", "2026-02-01", -200.0), ("A1", "A", "2026-01-01", "2026-01-31", 9_999.0)],
        columns=invoices.columns,
    )
    payments = pd.concat([payments, pd.DataFrame([("2026-03-01", "A", "CN1", -200.0)], columns=payments.columns)])
    result = metrics.payment_behaviour(pd.concat([invoices, credit_note], ignore_index=True), payments)
    assert result.loc["A", PaymentBehaviour.PAID_COUNT] == 3
    assert result.loc["A", PaymentBehaviour.AVERAGE_DAYS_LATE] == pytest.approx(10.0)
