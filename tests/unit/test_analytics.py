"""Analytics pinned on small hand-computed histories: every number below is worked out in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from arcollect.engine import analytics, metrics
from arcollect.schema import (
    Calibration,
    Customers,
    Debtors,
    Effectiveness,
    Headline,
    Invoices,
    Kpi,
    Log,
    Payments,
    Risk,
)

# Base EUR; 1 USD = 0.5 EUR (undated). Three customers, six invoices, five payments, January–March 2026.
#
#   invoice  customer  dated       due         currency  amount  (EUR)
#   I1       A         2026-01-05  2026-02-04  EUR       1000
#   I2       B         2026-01-20  2026-02-19  EUR       2000
#   I3       C         2026-02-10  2026-03-12  USD       1000    (500)
#   I4       A         2026-02-25  2026-03-27  EUR        600
#   I5       B         2026-03-05  2026-04-04  EUR       1500
#   I6       C         2026-03-20  2026-04-19  EUR        400
#
#   payments: I1 1000 on 02-03 (in full), I2 1000 on 03-10 (half), I3 USD 1000 on 03-12 (in full),
#             I4 600 on 03-30 (in full), I5 500 on 03-25 (a third)
#
# Month ends (open amount in EUR, C = current i.e. due date ≥ month end, O = overdue):
#   Jan 31: I1 1000 C, I2 2000 C                               AR 3000, current 3000; sales Jan 3000; 31 days
#   Feb 28: I2 2000 O, I3 500 C, I4 600 C                      AR 3100, current 1100; sales Feb 1100; 28 days
#   Mar 31: I2 1000 O, I5 1000 C, I6 400 C                     AR 2400, current 1400; sales Mar 1900; 31 days
RATES = {"USD": 0.5}
INVOICES = pd.DataFrame(
    {
        Invoices.NUMBER: ["I1", "I2", "I3", "I4", "I5", "I6"],
        Invoices.CUSTOMER_ID: ["A", "B", "C", "A", "B", "C"],
        Invoices.INVOICE_DATE: ["2026-01-05", "2026-01-20", "2026-02-10", "2026-02-25", "2026-03-05", "2026-03-20"],
        Invoices.DUE_DATE: ["2026-02-04", "2026-02-19", "2026-03-12", "2026-03-27", "2026-04-04", "2026-04-19"],
        Invoices.CURRENCY: ["EUR", "EUR", "USD", "EUR", "EUR", "EUR"],
        Invoices.AMOUNT: [1000.0, 2000.0, 1000.0, 600.0, 1500.0, 400.0],
    }
)
PAYMENTS = pd.DataFrame(
    {
        Payments.DATE: ["2026-02-03", "2026-03-10", "2026-03-12", "2026-03-30", "2026-03-25"],
        Payments.CUSTOMER_ID: ["A", "B", "C", "A", "B"],
        Payments.INVOICE_NUMBER: ["I1", "I2", "I3", "I4", "I5"],
        Payments.AMOUNT: [1000.0, 1000.0, 1000.0, 600.0, 500.0],
        Payments.CURRENCY: ["EUR", "EUR", "USD", "EUR", "EUR"],
    }
)


@pytest.fixture(scope="module")
def three_months() -> tuple[pd.DataFrame, dict]:
    return analytics.kpis(INVOICES, PAYMENTS, "2026-03-31", base_currency="EUR", rates=RATES, months=3)


def test_month_end_receivables_sales_and_current_are_reconstructed_from_history(three_months) -> None:
    monthly, _ = three_months
    assert monthly[Kpi.MONTH_END].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert monthly[Kpi.DAYS].tolist() == [31, 28, 31]
    assert monthly[Kpi.RECEIVABLES].tolist() == [3000, 3100, 2400]
    assert monthly[Kpi.CURRENT_RECEIVABLES].tolist() == [3000, 1100, 1400]
    assert monthly[Kpi.OVERDUE_RECEIVABLES].tolist() == [0, 2000, 1000]
    assert monthly[Kpi.CREDIT_SALES].tolist() == [3000, 1100, 1900]
    assert monthly[Kpi.BEGINNING_RECEIVABLES].tolist() == [0, 3000, 3100]  # Dec 31: nothing issued yet


def test_dso_simple_uses_actual_days_of_the_month(three_months) -> None:
    monthly, _ = three_months
    # Jan 3000/3000×31 = 31; Feb 3100/1100×28 = 78.909; Mar 2400/1900×31 = 39.158
    assert monthly[Kpi.DSO].tolist() == pytest.approx([31.0, 3100 / 1100 * 28, 2400 / 1900 * 31])
    assert monthly[Kpi.DSO].round(2).tolist() == [31.0, 78.91, 39.16]


def test_dso_countback_exhausts_three_months_newest_first(three_months) -> None:
    monthly, _ = three_months
    # Jan: 3000 − 3000 (Jan) = 0 → 31
    # Feb: 3100 − 1100 (Feb) = 2000 left; Jan sales 3000 → 28 + 2000/3000×31 = 48.667
    # Mar: 2400 − 1900 (Mar) = 500 left; Feb sales 1100 → 31 + 500/1100×28 = 43.727
    expected = [31.0, 28 + 2000 / 3000 * 31, 31 + 500 / 1100 * 28]
    assert monthly[Kpi.DSO_COUNTBACK].tolist() == pytest.approx(expected)
    assert monthly[Kpi.DSO_COUNTBACK].round(2).tolist() == [31.0, 48.67, 43.73]


def test_best_possible_dso_and_add_per_month(three_months) -> None:
    monthly, _ = three_months
    # BPDSO = current / sales × days: Jan 3000/3000×31 = 31; Feb 1100/1100×28 = 28; Mar 1400/1900×31 = 22.842
    assert monthly[Kpi.BEST_POSSIBLE_DSO].tolist() == pytest.approx([31.0, 28.0, 1400 / 1900 * 31])
    # ADD = DSO − BPDSO: Jan 0; Feb 78.909 − 28 = 50.909; Mar 39.158 − 22.842 = 16.316
    assert monthly[Kpi.ADD].round(3).tolist() == [0.0, 50.909, 16.316]


def test_cei_per_month(three_months) -> None:
    monthly, _ = three_months
    # CEI = (begin + sales − end) / (begin + sales − end current) × 100
    # Jan: (0 + 3000 − 3000) / (0 + 3000 − 3000) = 0/0 → NaN
    # Feb: (3000 + 1100 − 3100) / (3000 + 1100 − 1100) = 1000/3000 = 33.333 %
    # Mar: (3100 + 1900 − 2400) / (3100 + 1900 − 1400) = 2600/3600 = 72.222 %
    assert math.isnan(monthly[Kpi.CEI].iloc[0])
    assert monthly[Kpi.CEI].iloc[1:].tolist() == pytest.approx([100 / 3, 2600 / 36])


def test_headline_shows_latest_month_end_and_overdue_picture(three_months) -> None:
    _, headline = three_months
    assert headline[Headline.DSO] == pytest.approx(2400 / 1900 * 31)
    assert headline[Headline.BEST_POSSIBLE_DSO] == pytest.approx(1400 / 1900 * 31)
    assert headline[Headline.CEI] == pytest.approx(2600 / 36)
    # At 2026-03-31: open 2400, overdue = I2 1000 → 1000/2400 = 41.667 %
    assert headline[Headline.OPEN_TOTAL] == 2400
    assert headline[Headline.OVERDUE_TOTAL] == 1000
    assert headline[Headline.OVERDUE_PERCENT] == pytest.approx(41.6667, abs=1e-4)
    # I2 is due 02-19: 40 days past due on 03-31 → bucket 31-60
    assert headline[Headline.OVERDUE_BY_BUCKET].to_dict() == {
        "1-30": 0,
        "31-60": 1000,
        "61-90": 0,
        "91-120": 0,
        "120+": 0,
    }
    assert headline[Headline.OVERDUE_BY_CURRENCY].to_dict() == {"EUR": 1000}
    assert headline[Headline.PROBLEMS] == []


def test_top_debtors_rank_by_open_balance_and_leave_out_settled_customers(three_months) -> None:
    _, headline = three_months
    # B: I2 1000 (overdue) + I5 1000 = 2000; C: I6 400; A: everything paid → not listed
    top = headline[Headline.TOP_DEBTORS]
    assert top[Invoices.CUSTOMER_ID].tolist() == ["B", "C"]
    assert top[Debtors.OPEN_BASE].tolist() == [2000, 400]
    assert top[Debtors.OVERDUE_BASE].tolist() == [1000, 0]


def test_missing_fx_rate_is_reported_once_per_invoice_row_not_raised() -> None:
    monthly, headline = analytics.kpis(INVOICES, PAYMENTS, "2026-03-31", base_currency="EUR", rates={}, months=3)
    # I3 (row 2, USD) is open at Feb 28 and sold in February: one problem, its EUR value left out of the sums
    assert [(problem.row, problem.value) for problem in headline[Headline.PROBLEMS]] == [(2, "USD")]
    assert monthly[Kpi.CREDIT_SALES].tolist() == [3000, 600, 1900]


# ---- risk and predicted pay dates ----------------------------------------------------------------------------
#
# As of 2026-06-30. LATE pays later and later and broke two promises; GOOD pays two days early.
#   L1 LATE due 02-01 paid 02-06: 5 days late, paid 144 days before as of (previous quarter: 90–179 days)
#   L2 LATE due 05-01 paid 05-31: 30 days late, paid 30 days before as of (last quarter)
#   L3, L4 LATE due 06-01, 500 each, open, Status Promised for 06-15 (passed) → 2 broken promises
#   G1 GOOD due 03-01 paid 02-27 (2 early); G2 GOOD due 06-01 paid 05-30 (2 early); G3 GOOD due 07-15 open
#   N1 NEW (no history) due 07-20 open
# Weights amount × 0.5^(days since paid / 90): L1 1000 × 0.5^1.6 = 329.88, L2 1000 × 0.5^(1/3) = 793.70
#   LATE weighted days late = (5×329.88 + 30×793.70)/1123.58 = 22.66 → "pays 23 days late on average"
#   trend = 30 − 5 = +25 → "getting worse (+25 days)"
# Points: days 35×min(22.66/30, 1) = 26.44; trend 20×min(25/20, 1) = 20; promises 20×min(2/2, 1) = 20;
#   late share 10×1 = 10; overdue share 15×(1000/1000) = 15 → score 91.44 → 91; top three: days, trend, promises.
# GOOD: days late 0 (early counts 0), trend 0, no promises, late share 0, G3 not yet due → 0, "pays on time".
RISK_INVOICES = pd.DataFrame(
    {
        Invoices.NUMBER: ["L1", "L2", "L3", "L4", "G1", "G2", "G3", "N1"],
        Invoices.CUSTOMER_ID: ["LATE", "LATE", "LATE", "LATE", "GOOD", "GOOD", "GOOD", "NEW"],
        Invoices.INVOICE_DATE: [
            "2026-01-02",
            "2026-04-01",
            "2026-05-02",
            "2026-05-02",
            "2026-01-30",
            "2026-05-02",
            "2026-06-15",
            "2026-06-20",
        ],
        Invoices.DUE_DATE: [
            "2026-02-01",
            "2026-05-01",
            "2026-06-01",
            "2026-06-01",
            "2026-03-01",
            "2026-06-01",
            "2026-07-15",
            "2026-07-20",
        ],
        Invoices.CURRENCY: ["EUR"] * 8,
        Invoices.AMOUNT: [1000.0, 1000.0, 500.0, 500.0, 1000.0, 1000.0, 800.0, 300.0],
        Invoices.STATUS: ["Paid", "Paid", "Promised", "Promised", "Paid", "Paid", "Open", "Open"],
        Invoices.PROMISE_DATE: [None, None, "2026-06-15", "2026-06-15", None, None, None, None],
    }
)
RISK_PAYMENTS = pd.DataFrame(
    {
        Payments.DATE: ["2026-02-06", "2026-05-31", "2026-02-27", "2026-05-30"],
        Payments.CUSTOMER_ID: ["LATE", "LATE", "GOOD", "GOOD"],
        Payments.INVOICE_NUMBER: ["L1", "L2", "G1", "G2"],
        Payments.AMOUNT: [1000.0, 1000.0, 1000.0, 1000.0],
        Payments.CURRENCY: ["EUR"] * 4,
    }
)


def test_risk_explains_a_late_worsening_payer_and_ranks_it_above_an_on_time_payer() -> None:
    table = analytics.risk(RISK_INVOICES, RISK_PAYMENTS, "2026-06-30")
    assert table.index.tolist()[0] == "LATE"
    assert table.loc["LATE", Risk.SCORE] == 91
    assert (
        table.loc["LATE", Risk.REASONS] == "pays 23 days late on average, getting worse (+25 days), 2 broken promises"
    )
    assert table.loc["LATE", Risk.WEIGHTED_DAYS_LATE] == pytest.approx(22.66, abs=0.01)
    assert table.loc["LATE", Risk.BROKEN_PROMISES] == 2
    assert table.loc["GOOD", Risk.SCORE] == 0
    assert table.loc["GOOD", Risk.REASONS] == "pays on time"
    assert table.loc["LATE", Risk.SCORE] > table.loc["GOOD", Risk.SCORE]


def test_a_customer_who_never_paid_has_no_risk_score_not_a_score_of_no_risk() -> None:
    table = analytics.risk(RISK_INVOICES, RISK_PAYMENTS, "2026-06-30")
    assert pd.isna(table.loc["NEW", Risk.SCORE])  # not 0: nothing is known about how NEW pays
    assert table.loc["NEW", Risk.REASONS].endswith("no payment history")
    assert table.index.tolist()[-1] == "NEW"  # after every customer with a score
    assert table[Risk.SCORE].dropna().tolist() == sorted(table[Risk.SCORE].dropna().tolist(), reverse=True)


def test_predicted_pay_date_is_due_date_plus_recency_weighted_lateness() -> None:
    predicted = analytics.predict(RISK_INVOICES, RISK_PAYMENTS, "2026-06-30")
    # GOOD: −2 days on average → G3 due 07-15 → 07-13.
    # LATE: due 06-01 + 23 = 06-24, before as of and still open → no prediction (not "today").
    # NEW, no history → no prediction (other customers' habits say nothing about NEW).
    assert predicted.dt.strftime("%Y-%m-%d").fillna("none").to_dict() == {
        "L3": "none",
        "L4": "none",
        "G3": "2026-07-13",
        "N1": "none",
    }


def test_an_invoice_without_a_prediction_says_why() -> None:
    seen = analytics.overview(RISK_INVOICES, RISK_PAYMENTS, "2026-06-30", base_currency="EUR", rates=None)
    assert seen.prediction_notes.to_dict() == {
        "L3": "overdue — no prediction",
        "L4": "overdue — no prediction",
        "G3": "",
        "N1": "no payment history",
    }


def test_a_customer_who_never_paid_has_no_payment_history_not_pays_on_time() -> None:
    table = analytics.risk(RISK_INVOICES, RISK_PAYMENTS, "2026-06-30")
    assert table.loc["NEW", Risk.REASONS] == "no payment history"
    assert table.loc["GOOD", Risk.REASONS] == "pays on time"


def test_open_items_given_as_the_workbook_states_them_drive_todays_figures() -> None:
    """An ERP export: invoice 1,000 with 400 open and no Payments rows shows 400 open, not 1,000."""
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["E1", "E2"],
            Invoices.CUSTOMER_ID: ["A", "B"],
            Invoices.INVOICE_DATE: ["2026-05-01", "2026-06-01"],
            Invoices.DUE_DATE: ["2026-05-31", "2026-07-01"],
            Invoices.CURRENCY: ["EUR", "EUR"],
            Invoices.AMOUNT: [1000.0, 300.0],
            Invoices.OPEN_AMOUNT: [400.0, 300.0],
            Invoices.STATUS: ["Open", "Open"],
        }
    )
    payments = pd.DataFrame(columns=[str(key) for key in Payments])
    seen = analytics.overview(invoices, payments, "2026-06-30", base_currency="EUR", rates=None, open_items=invoices)
    assert seen.headline[Headline.OPEN_TOTAL] == 700.0
    assert seen.headline[Headline.OVERDUE_TOTAL] == 400.0
    assert seen.risk.loc["A", Risk.OVERDUE_SHARE] == 1.0


# ---- open items at a date --------------------------------------------------------------------------------------
#
# As of 2026-01-31 (one month end, Jan 31):
#   X1 100 dated 01-05, paid 150 on 01-10: overpaid → 0, not open
#   X2 −50 credit note dated 01-06: stays −50 (nothing settles it)
#   X3 200 dated 01-07, paid 80 on 01-20 and 20 on 02-05 (after Jan 31) → 120 open
#   X4 300 dated 02-03: not yet issued at Jan 31
#   a payment of 999 for ZZ, an invoice the book does not hold: counts nowhere
#   receivables Jan 31 = −50 + 120 = 70, all current (due 03-01)
OPEN_INVOICES = pd.DataFrame(
    {
        Invoices.NUMBER: ["X1", "X2", "X3", "X4"],
        Invoices.CUSTOMER_ID: ["A", "A", "B", "B"],
        Invoices.INVOICE_DATE: ["2026-01-05", "2026-01-06", "2026-01-07", "2026-02-03"],
        Invoices.DUE_DATE: ["2026-03-01"] * 4,
        Invoices.CURRENCY: ["EUR"] * 4,
        Invoices.AMOUNT: [100.0, -50.0, 200.0, 300.0],
    }
)
OPEN_PAYMENTS = pd.DataFrame(
    {
        Payments.DATE: ["2026-01-10", "2026-01-20", "2026-02-05", "2026-01-15"],
        Payments.CUSTOMER_ID: ["A", "B", "B", "Z"],
        Payments.INVOICE_NUMBER: ["X1", "X3", "X3", "ZZ"],
        Payments.AMOUNT: [150.0, 80.0, 20.0, 999.0],
        Payments.CURRENCY: ["EUR"] * 4,
    }
)


def test_open_amounts_clip_overpayment_keep_credit_notes_and_ignore_later_payments_and_unknown_invoices() -> None:
    monthly, headline = analytics.kpis(
        OPEN_INVOICES, OPEN_PAYMENTS, "2026-01-31", base_currency="EUR", rates=None, months=1
    )
    assert monthly[Kpi.RECEIVABLES].tolist() == [70.0]
    assert monthly[Kpi.CURRENT_RECEIVABLES].tolist() == [70.0]
    assert headline[Headline.OPEN_TOTAL] == 70.0
    top = headline[Headline.TOP_DEBTORS].set_index(Invoices.CUSTOMER_ID)[Debtors.OPEN_BASE].to_dict()
    assert top == {"B": 120.0}  # A's balance (−50) is not a debt


@pytest.mark.parametrize(
    ("invoices", "payments", "as_of"),
    [(INVOICES, PAYMENTS, "2026-03-31"), (RISK_INVOICES, RISK_PAYMENTS, "2026-06-30")],
)
def test_overview_gives_each_figure_exactly_as_its_own_function(invoices, payments, as_of) -> None:
    late = pd.DataFrame(  # dated after the as-of date: every figure leaves it out the same way
        {
            Payments.DATE: ["2026-12-01"],
            Payments.CUSTOMER_ID: [invoices[Invoices.CUSTOMER_ID].iloc[0]],
            Payments.INVOICE_NUMBER: [invoices[Invoices.NUMBER].iloc[0]],
            Payments.AMOUNT: [1.0],
            Payments.CURRENCY: ["EUR"],
        }
    )
    payments = pd.concat([payments, late], ignore_index=True)
    seen = analytics.overview(invoices, payments, as_of, base_currency="EUR", rates=RATES)
    monthly, headline = analytics.kpis(invoices, payments, as_of, base_currency="EUR", rates=RATES)
    pd.testing.assert_frame_equal(seen.monthly, monthly, check_exact=True)
    assert seen.headline.keys() == headline.keys()
    for key, value in headline.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(seen.headline[key], value, check_exact=True)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(seen.headline[key], value, check_exact=True)
        elif isinstance(value, float) and math.isnan(value):
            assert math.isnan(seen.headline[key])
        else:
            assert seen.headline[key] == value, key
    pd.testing.assert_frame_equal(seen.risk, analytics.risk(invoices, payments, as_of), check_exact=True)
    behaviour = metrics.payment_behaviour(invoices, payments, as_of=pd.Timestamp(as_of).date())
    pd.testing.assert_frame_equal(seen.behaviour, behaviour, check_exact=True)
    pd.testing.assert_series_equal(seen.predicted, analytics.predict(invoices, payments, as_of), check_exact=True)


def test_calibration_compares_the_model_with_paying_on_the_due_date() -> None:
    # Customer X pays 10 days late before the split (F1, F2); after it one invoice 10 days late (error 0)
    # and one 20 days late (error 10). Model MAE (0 + 10)/2 = 5, within ±7: 1 of 2.
    # Baseline (due date): errors 10 and 20 → MAE 15, within ±7: 0 of 2.
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["F1", "F2", "H1", "H2"],
            Invoices.CUSTOMER_ID: ["X"] * 4,
            Invoices.INVOICE_DATE: ["2026-01-01", "2026-02-01", "2026-04-01", "2026-04-05"],
            Invoices.DUE_DATE: ["2026-01-31", "2026-03-03", "2026-05-01", "2026-05-05"],
            Invoices.CURRENCY: ["EUR"] * 4,
            Invoices.AMOUNT: [100.0, 100.0, 100.0, 100.0],
        }
    )
    payments = pd.DataFrame(
        {
            Payments.DATE: ["2026-02-10", "2026-03-13", "2026-05-11", "2026-05-25"],
            Payments.CUSTOMER_ID: ["X"] * 4,
            Payments.INVOICE_NUMBER: ["F1", "F2", "H1", "H2"],
            Payments.AMOUNT: [100.0] * 4,
            Payments.CURRENCY: ["EUR"] * 4,
        }
    )
    report = analytics.calibration(invoices, payments, "2026-04-15")
    assert report == {
        Calibration.FIT_COUNT: 2,
        Calibration.HOLDOUT_COUNT: 2,
        Calibration.MAE_DAYS: 5.0,
        Calibration.WITHIN_7_SHARE: 0.5,
        Calibration.BASELINE_MAE_DAYS: 15.0,
        Calibration.BASELINE_WITHIN_7_SHARE: 0.0,
    }


# ---- reminder effectiveness -----------------------------------------------------------------------------------


def _history(rows: list[tuple]) -> pd.DataFrame:
    """A ledger history (columns = `Log` keys) from (key, customer, level, template, state, invoices, sent_at)."""
    frame = pd.DataFrame(
        rows, columns=[Log.KEY, Log.CUSTOMER_ID, Log.LEVEL, Log.TEMPLATE, Log.STATE, Log.INVOICES, Log.SENT_AT]
    )
    for column in Log:
        if column not in frame.columns:
            frame[column] = None
    frame[Log.SENT_AT] = pd.to_datetime(frame[Log.SENT_AT])
    frame[Log.LEVEL] = frame[Log.LEVEL].astype("Int64")
    return frame[[column.value for column in Log]]


def test_effectiveness_counts_sent_reminders_and_paid_shares_per_level_template_language() -> None:
    # R1 level 1 friendly_a to A (en) for I1; I2, sent 03-01 10:00 → I1 paid 03-05 (4 days), I2 paid 03-20 (19)
    # R2 level 1 friendly_b to B (de) for I3, sent 03-01 → I3 paid 03-12 (11 days)
    # R3 level 1 friendly_a to A, failed → not counted
    # R4 level 2 firm to B for I5, sent 03-10 → I5 only part-paid → never counts as paid
    history = _history(
        [
            ("k1", "A", 1, "friendly_a", "sent", "I1; I2", "2026-03-01 10:00"),
            ("k2", "B", 1, "friendly_b", "sent", "I3", "2026-03-01 09:00"),
            ("k3", "A", 1, "friendly_a", "failed", "I4", None),
            ("k4", "B", 2, "firm", "sent", "I5", "2026-03-10 08:00"),
        ]
    )
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["I1", "I2", "I3", "I4", "I5"],
            Invoices.CUSTOMER_ID: ["A", "A", "B", "A", "B"],
            Invoices.DUE_DATE: ["2026-02-20"] * 5,
            Invoices.AMOUNT: [100.0] * 5,
        }
    )
    payments = pd.DataFrame(
        {
            Payments.DATE: ["2026-03-05", "2026-03-20", "2026-03-12", "2026-03-15"],
            Payments.INVOICE_NUMBER: ["I1", "I2", "I3", "I5"],
            Payments.AMOUNT: [100.0, 100.0, 100.0, 40.0],
        }
    )
    customers = pd.DataFrame({Customers.ID: ["A", "B"], Customers.LANGUAGE: [None, "de"]})
    table = analytics.effectiveness(history, payments, invoices, customers=customers)
    expected = pd.DataFrame(
        {
            Effectiveness.LEVEL: pd.array([1, 1, 2], dtype="Int64"),
            Effectiveness.TEMPLATE: ["friendly_a", "friendly_b", "firm"],
            Effectiveness.LANGUAGE: ["en", "de", "de"],
            Effectiveness.REMINDERS: [1, 1, 1],
            Effectiveness.INVOICES: [2, 1, 1],
            Effectiveness.PAID_7_SHARE: [0.5, 0.0, 0.0],
            Effectiveness.PAID_14_SHARE: [0.5, 1.0, 0.0],
            Effectiveness.PAID_30_SHARE: [1.0, 1.0, 0.0],
            Effectiveness.PAID_14_COUNT: [1, 1, 0],
            Effectiveness.PAID_14_BASE: [2, 1, 1],
            Effectiveness.MEDIAN_DAYS_TO_PAY: [11.5, 11.0, math.nan],
        }
    )
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


def test_effectiveness_as_of_counts_a_window_only_for_reminders_old_enough() -> None:
    # As of 03-20: k1 sent 03-01 (19 days ago) is in the 7- and 14-day windows, not yet in the 30-day one;
    # k2 sent 03-15 (5 days ago) is in none. I1 paid 03-05 (4 days after k1); I2 (k2) not paid yet.
    history = _history(
        [
            ("k1", "A", 1, "friendly", "sent", "I1", "2026-03-01 10:00"),
            ("k2", "A", 1, "friendly", "sent", "I2", "2026-03-15 10:00"),
        ]
    )
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["I1", "I2"],
            Invoices.CUSTOMER_ID: ["A", "A"],
            Invoices.DUE_DATE: ["2026-02-20"] * 2,
            Invoices.AMOUNT: [100.0] * 2,
        }
    )
    payments = pd.DataFrame({Payments.DATE: ["2026-03-05"], Payments.INVOICE_NUMBER: ["I1"], Payments.AMOUNT: [100.0]})
    row = analytics.effectiveness(history, payments, invoices, as_of="2026-03-20").iloc[0]
    assert (row[Effectiveness.REMINDERS], row[Effectiveness.INVOICES]) == (2, 2)
    # 7 days: only k1 matured (1 of 1 paid); without as_of k2 would count as unpaid (1 of 2)
    assert row[Effectiveness.PAID_7_SHARE] == 1.0
    assert (row[Effectiveness.PAID_14_COUNT], row[Effectiveness.PAID_14_BASE]) == (1, 1)
    assert math.isnan(row[Effectiveness.PAID_30_SHARE])
    assert analytics.effectiveness(history, payments, invoices).iloc[0][Effectiveness.PAID_7_SHARE] == 0.5


def test_effectiveness_without_customers_leaves_language_blank() -> None:
    history = _history([("k1", "A", 1, "friendly", "sent", "I1", "2026-03-01 10:00")])
    table = analytics.effectiveness(history, PAYMENTS, INVOICES)
    # I1 was paid on 02-03, before the reminder: a crossing payment counts as day 0
    assert table[
        [Effectiveness.LANGUAGE, Effectiveness.PAID_7_SHARE, Effectiveness.MEDIAN_DAYS_TO_PAY]
    ].values.tolist() == [["", 1.0, 0.0]]
    assert analytics.effectiveness(history.iloc[:0], PAYMENTS, INVOICES).empty


def _variants(a: tuple[int, int, float], b: tuple[int, int, float]) -> pd.DataFrame:
    """Effectiveness rows of level 1 for templates A and B from (reminders, paid within 14 days, median days)."""
    return pd.DataFrame(
        {
            Effectiveness.LEVEL: [1, 1],
            Effectiveness.TEMPLATE: ["A", "B"],
            Effectiveness.LANGUAGE: ["en", "en"],
            Effectiveness.REMINDERS: [a[0], b[0]],
            Effectiveness.INVOICES: [a[0], b[0]],
            Effectiveness.PAID_14_COUNT: [a[1], b[1]],
            Effectiveness.MEDIAN_DAYS_TO_PAY: [a[2], b[2]],
        }
    )


def test_ab_verdict_calls_a_large_difference_significant() -> None:
    # A 80/200 = 40 %, B 120/200 = 60 %; pooled 0.5 → se = sqrt(0.25 × (1/200 + 1/200)) = 0.05 → z = 0.2/0.05 = 4
    verdict = analytics.ab_verdict(_variants((200, 80, 20.0), (200, 120, 15.0)))
    assert (
        verdict
        == "B pays 5 days sooner than A; significant (z = 4.00) — 200 vs 200 reminders, 60% vs 40% paid within 14 days"
    )


def test_ab_verdict_says_not_yet_significant_on_small_samples() -> None:
    # A 19/38 = 0.5, B 24/41 = 0.5854; pooled 43/79 = 0.5443
    # se = sqrt(0.5443 × 0.4557 × (1/41 + 1/38)) = 0.11221 → z = 0.0854/0.11221 = 0.76 < 1.96
    verdict = analytics.ab_verdict(_variants((38, 19, 18.0), (41, 24, 14.0)))
    assert verdict == (
        "B pays 4 days sooner than A; not yet significant (z = 0.76) — 41 vs 38 reminders, "
        "59% vs 50% paid within 14 days"
    )


def test_ab_verdict_needs_two_templates() -> None:
    assert (
        analytics.ab_verdict(_variants((10, 5, 3.0), (10, 5, 3.0)).iloc[:1])
        == "needs two templates to compare; found 1"
    )
