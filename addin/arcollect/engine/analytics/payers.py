"""How each customer pays: an explainable risk score, predicted pay dates, and how well those predictions hold.

    >>> from arcollect.engine import analytics
    >>> analytics.risk(inv, pay, "2026-06-30").loc["C042", "risk_reasons"]  # doctest: +SKIP
    'pays 23 days late on average, getting worse (+25 days), 2 broken promises'

Built on the paid history of `history` (recency × amount weights, half-life `history.HALF_LIFE_DAYS`) and on
`metrics.payment_behaviour`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import columns, metrics
from arcollect.engine.analytics import history
from arcollect.schema import Calibration, Invoices, PaymentBehaviour, Payments, Risk

# Risk points: each feature scores linearly up to its saturation value; the maxima add up to 100.
DAYS_LATE_POINTS, DAYS_LATE_FULL = 35.0, 30.0
TREND_POINTS, TREND_FULL = 20.0, 20.0
PROMISE_POINTS, PROMISES_FULL = 20.0, 2.0
LATE_SHARE_POINTS = 10.0
OVERDUE_POINTS = 15.0
_REASON_MIN_POINTS = 0.5

NO_HISTORY = "no payment history"
ON_TIME = "pays on time"
OVERDUE_NO_PREDICTION = "overdue — no prediction"
EXPECTED_ALREADY = "expected by now — no prediction"


def risk(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """An explainable risk score (0–100) per customer, with its top reasons in plain words.

    Indexed by customer id, highest score first; a customer none of whose invoices has been paid yet has no score
    (<NA>, last): its reasons say "no payment history". The score is the sum of five named features' points; each
    feature scores linearly from 0 up to its maximum at a saturation value:

    ========================  ==========================================================  ======  ==========
    feature (column `Risk`)   definition                                                  max     saturates
    ========================  ==========================================================  ======  ==========
    weighted days late        mean of ``max(paid − due, 0)`` over paid invoices, weighted  35      30 days
                              by ``amount × 0.5 ** (days since paid / 90)``
    days_late_trend           `metrics.payment_behaviour` trend: last quarter − the one     20      +20 days
                              before (only getting worse scores)
    broken_promises           open invoices with Status Promised and promise date < as_of  20      2
    late_share                share of paid invoices paid after the due date               10      100 %
    overdue_share             overdue open / total open at as_of (invoice currencies)      15      100 %
    ========================  ==========================================================  ======  ==========

    `Risk.REASONS` lists the (up to) three features with the most points, largest first, e.g. "pays 23 days late
    on average, getting worse (+25 days), 2 broken promises"; a customer with no points reads "pays on time" — or
    "no payment history" when none of its invoices has been paid yet (added after the reasons when it has some).
    Only payments dated on or before `as_of` count. Amounts in different currencies weight as plain numbers.
    """
    today = history.as_of_day(as_of)
    invoice_table = history.typed_invoices(invoices)
    payment_table = history.applied_payments(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    return risk_of(
        invoice_table,
        history.paid_history(invoice_table, payment_table, today),
        metrics.payment_behaviour(invoices, payments, as_of=today.date()),
        history.open_at(invoice_table, payment_table, pd.DatetimeIndex([today])),
        today,
    )


def risk_of(
    invoice_table: pd.DataFrame,
    paid: pd.DataFrame,
    behaviour: pd.DataFrame,
    open_items: pd.DataFrame,
    today: pd.Timestamp,
) -> pd.DataFrame:
    """`risk` from the paid history, `metrics.payment_behaviour` and the open items at `today`."""
    customers = pd.Index(sorted(invoice_table[Invoices.CUSTOMER_ID].dropna().unique()), name=Invoices.CUSTOMER_ID)
    behaviour = behaviour.reindex(customers)
    days_late = _weighted_mean(
        paid[history.SIGNED_DAYS].clip(lower=0), paid[history.WEIGHT], paid[Invoices.CUSTOMER_ID]
    )
    overdue_open = open_items[Invoices.OPEN_AMOUNT].where(open_items[Invoices.DUE_DATE] < today, 0.0)
    total_open = open_items.groupby(Invoices.CUSTOMER_ID)[Invoices.OPEN_AMOUNT].sum()
    overdue_share = (overdue_open.groupby(open_items[Invoices.CUSTOMER_ID]).sum() / total_open).where(total_open > 0)
    promised = open_items[(open_items[Invoices.STATUS] == "Promised") & (open_items[Invoices.PROMISE_DATE] < today)]

    table = pd.DataFrame(index=customers)
    table[Risk.WEIGHTED_DAYS_LATE] = days_late.reindex(customers)
    table[Risk.DAYS_LATE_TREND] = behaviour[PaymentBehaviour.DAYS_LATE_TREND]
    table[Risk.LATE_SHARE] = 1.0 - behaviour[PaymentBehaviour.ON_TIME_SHARE]
    table[Risk.BROKEN_PROMISES] = promised.groupby(Invoices.CUSTOMER_ID).size().reindex(customers, fill_value=0)
    table[Risk.OVERDUE_SHARE] = overdue_share.reindex(customers).clip(0.0, 1.0)

    filled = table.fillna(0.0)
    points = pd.DataFrame(
        {
            Risk.WEIGHTED_DAYS_LATE: DAYS_LATE_POINTS * (filled[Risk.WEIGHTED_DAYS_LATE] / DAYS_LATE_FULL).clip(0, 1),
            Risk.DAYS_LATE_TREND: TREND_POINTS * (filled[Risk.DAYS_LATE_TREND] / TREND_FULL).clip(0, 1),
            Risk.BROKEN_PROMISES: PROMISE_POINTS * (filled[Risk.BROKEN_PROMISES] / PROMISES_FULL).clip(0, 1),
            Risk.LATE_SHARE: LATE_SHARE_POINTS * filled[Risk.LATE_SHARE].clip(0, 1),
            Risk.OVERDUE_SHARE: OVERDUE_POINTS * filled[Risk.OVERDUE_SHARE].clip(0, 1),
        }
    )
    words = pd.DataFrame(
        {
            Risk.WEIGHTED_DAYS_LATE: "pays " + _whole(filled[Risk.WEIGHTED_DAYS_LATE]) + " days late on average",
            Risk.DAYS_LATE_TREND: "getting worse (+" + _whole(filled[Risk.DAYS_LATE_TREND]) + " days)",
            Risk.BROKEN_PROMISES: _whole(filled[Risk.BROKEN_PROMISES])
            + np.where(filled[Risk.BROKEN_PROMISES] == 1, " broken promise", " broken promises"),
            Risk.LATE_SHARE: _whole(filled[Risk.LATE_SHARE] * 100) + "% of invoices paid late",
            Risk.OVERDUE_SHARE: _whole(filled[Risk.OVERDUE_SHARE] * 100) + "% of the open balance overdue",
        }
    )
    no_history = behaviour[PaymentBehaviour.PAID_COUNT].fillna(0).to_numpy() == 0
    # Nothing paid yet: four of the five features are unknown, so no score — a 0 would read "no risk" — and
    # "pays on time" would claim a habit nobody has seen.
    table[Risk.SCORE] = points.sum(axis=1).round().astype("Int64").mask(no_history)
    reasons = _top_reasons(points, words)
    reasons = reasons.where(~no_history, np.where(reasons == ON_TIME, NO_HISTORY, reasons + ", " + NO_HISTORY))
    table[Risk.REASONS] = reasons
    table = table.sort_values(Risk.SCORE, ascending=False, kind="stable", na_position="last")
    return table[[Risk.SCORE, Risk.REASONS, *[column for column in points.columns]]]


def predict(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: Any) -> pd.Series:
    """Predicted pay date per open invoice, indexed by invoice number (`Risk.PREDICTED_PAY_DATE`).

    ``due date + the customer's average signed days late`` (paid − due, early payment counts negative), weighted
    by ``amount × 0.5 ** (days since paid / 90)`` over invoices paid by `as_of`, rounded to whole days. There is no
    prediction (NaT) for a customer without paid history — other customers' habits say nothing about this one —
    nor where that date is before `as_of`: the invoice is still open, so the history no longer tells when it will
    be paid (`prediction_notes` words both: "no payment history", "overdue — no prediction"). Open = not fully
    paid by `as_of` (payments up to then), amount > 0, with a due date, and Status not Paid.
    """
    today = history.as_of_day(as_of)
    invoice_table = history.typed_invoices(invoices)
    payment_table = history.applied_payments(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    return predict_of(
        history.paid_history(invoice_table, payment_table, today),
        history.open_at(invoice_table, payment_table, pd.DatetimeIndex([today])),
        today,
    )


def predict_of(paid: pd.DataFrame, open_items: pd.DataFrame, today: pd.Timestamp) -> pd.Series:
    """`predict` from the paid history and the open items at `today`."""
    offsets, _portfolio = _offsets(paid)
    open_items = _predictable(open_items)
    days = open_items[Invoices.CUSTOMER_ID].map(offsets).astype("float64").round()
    predicted = open_items[Invoices.DUE_DATE] + pd.to_timedelta(days, unit="D")
    predicted = predicted.where(predicted >= today)
    return pd.Series(predicted.to_numpy(), index=open_items[Invoices.NUMBER].to_numpy(), name=Risk.PREDICTED_PAY_DATE)


def _predictable(open_items: pd.DataFrame) -> pd.DataFrame:
    return open_items[
        (open_items[Invoices.AMOUNT] > 0)
        & open_items[Invoices.DUE_DATE].notna()
        & (open_items[Invoices.STATUS] != "Paid")
    ]


def prediction_notes(paid: pd.DataFrame, open_items: pd.DataFrame, today: pd.Timestamp) -> pd.Series:
    """Why an open invoice has no predicted pay date: `NO_HISTORY`, `OVERDUE_NO_PREDICTION` (its date has
    passed and it is overdue) or `EXPECTED_ALREADY` (its date has passed, not yet due); "" where it has one."""
    offsets, _portfolio = _offsets(paid)
    open_items = _predictable(open_items)
    days = open_items[Invoices.CUSTOMER_ID].map(offsets).astype("float64").round()
    predicted = open_items[Invoices.DUE_DATE] + pd.to_timedelta(days, unit="D")
    overdue = (open_items[Invoices.DUE_DATE] < today).to_numpy()
    notes = np.select(
        [days.isna().to_numpy(), (predicted < today).to_numpy() & overdue, (predicted < today).to_numpy()],
        [NO_HISTORY, OVERDUE_NO_PREDICTION, EXPECTED_ALREADY],
        "",
    )
    return pd.Series(notes, index=open_items[Invoices.NUMBER].to_numpy(), dtype=object, name=Risk.PREDICTED_PAY_DATE)


def calibration(invoices: pd.DataFrame, payments: pd.DataFrame, split_date: Any) -> dict[str, float]:
    """How well `predict` would have done: fit before `split_date`, test on invoices paid from it on.

    Fit: invoices fully paid before `split_date` (payments before it). Holdout: invoices fully paid on or after
    `split_date`; each is predicted as `predict` would have done on `split_date` (not earlier than it) and
    compared with its actual paid date. The naive baseline predicts payment on the due date. Keys
    (`Calibration`): fit_count, holdout_count, mae_days and within_7_share (share with ``|error| ≤ 7`` days) for
    the model, and baseline_mae_days, baseline_within_7_share. An empty holdout gives NaN figures.
    """
    split = pd.Timestamp(columns.dates(split_date, "split date")[()])
    invoice_table = history.typed_invoices(invoices)
    payment_table = history.applied_payments(payments)
    everything = history.paid_history(invoice_table, payment_table, split)
    fit = everything[everything[Invoices.PAID_DATE] < split]
    offsets, portfolio = _offsets(fit)
    holdout = everything[everything[Invoices.PAID_DATE] >= split]
    predicted = _predicted_dates(holdout, offsets, portfolio, split)
    error = (predicted - holdout[Invoices.PAID_DATE]).dt.days.abs()
    baseline_error = (holdout[Invoices.DUE_DATE] - holdout[Invoices.PAID_DATE]).dt.days.abs()
    return {
        Calibration.FIT_COUNT: float(len(fit)),
        Calibration.HOLDOUT_COUNT: float(len(holdout)),
        Calibration.MAE_DAYS: float(error.mean()),
        Calibration.WITHIN_7_SHARE: float((error <= 7).mean()) if len(error) else math.nan,
        Calibration.BASELINE_MAE_DAYS: float(baseline_error.mean()),
        Calibration.BASELINE_WITHIN_7_SHARE: float((baseline_error <= 7).mean()) if len(error) else math.nan,
    }


def _offsets(paid: pd.DataFrame) -> tuple[pd.Series, float]:
    """Per-customer and portfolio weighted mean signed days late (the portfolio is 0 without history)."""
    offsets = _weighted_mean(paid[history.SIGNED_DAYS], paid[history.WEIGHT], paid[Invoices.CUSTOMER_ID])
    total_weight = float(paid[history.WEIGHT].sum())
    portfolio = (
        float((paid[history.SIGNED_DAYS] * paid[history.WEIGHT]).sum() / total_weight) if total_weight > 0 else 0.0
    )
    return offsets, portfolio


def _predicted_dates(items: pd.DataFrame, offsets: pd.Series, portfolio: float, floor: pd.Timestamp) -> pd.Series:
    days = items[Invoices.CUSTOMER_ID].map(offsets).astype("float64").fillna(portfolio).round()
    predicted = items[Invoices.DUE_DATE] + pd.to_timedelta(days, unit="D")
    return predicted.where(predicted >= floor, floor)


def _weighted_mean(values: pd.Series, weights: pd.Series, by: pd.Series) -> pd.Series:
    totals = weights.groupby(by).sum()
    return ((values * weights).groupby(by).sum() / totals).where(totals > 0)


def _whole(values: pd.Series) -> pd.Series:
    return values.round().astype("int64").astype(str)


def _top_reasons(points: pd.DataFrame, words: pd.DataFrame, top: int = 3) -> pd.Series:
    """The words of the `top` features with the most points per row, largest first, joined with ", "."""
    order = np.argsort(-points.to_numpy(), axis=1, kind="stable")[:, :top]
    chosen_points = np.take_along_axis(points.to_numpy(), order, axis=1)
    chosen_words = np.take_along_axis(words.to_numpy(dtype=object), order, axis=1)
    keep = chosen_points >= _REASON_MIN_POINTS
    text = pd.Series(np.where(keep[:, 0], chosen_words[:, 0], ""), index=points.index, dtype=object)
    for position in range(1, order.shape[1]):
        text = text + np.where(keep[:, position], ", " + chosen_words[:, position].astype(str), "")
    return text.where(text != "", ON_TIME)
