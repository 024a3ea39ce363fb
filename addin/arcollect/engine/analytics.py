"""Collections analytics: month-end KPIs, explainable customer risk, predicted pay dates, reminder effectiveness.

    >>> from arcollect.engine import analytics
    >>> monthly, headline = analytics.kpis(inv, pay, "2026-03-31", base_currency="EUR", rates=fx)  # doctest: +SKIP
    >>> round(headline["dso"], 2), round(headline["overdue_percent"], 2)  # doctest: +SKIP
    (39.16, 41.67)
    >>> analytics.risk(inv, pay, "2026-06-30").loc["C042", "risk_reasons"]  # doctest: +SKIP
    'pays 23 days late on average, getting worse (+25 days), 2 broken promises'
    >>> analytics.ab_verdict(analytics.effectiveness(log, pay, inv).query("level == 2"))  # doctest: +SKIP
    'B pays 4 days sooner than A; not yet significant (z = 0.76) — 41 vs 38 reminders, 59% vs 50% paid within 14 days'

Everything here is pure: no I/O and no clock; the as-of date is always passed in. History is reconstructed
from Invoices (every invoice ever issued, with its date, due date, currency and amount) and Payments (matched by
invoice number, in the invoice's currency): the open amount of an invoice at a date is its amount minus its
payments dated on or before that date. Unapplied cash (a payment without an invoice number) is not counted, and
an invoice marked Paid without recorded payments still counts as open in the reconstructed history.

Output columns and keys are named in `arcollect.schema` (`Kpi`, `Headline`, `Debtors`, `Risk`, `Calibration`,
`Effectiveness`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import aging, columns, fx, metrics
from arcollect.schema import (
    Calibration,
    Customers,
    Debtors,
    Effectiveness,
    Headline,
    Invoices,
    Kpi,
    Log,
    PaymentBehaviour,
    Payments,
    Risk,
)

logger = logging.getLogger(__name__)

COUNTBACK_MONTHS = 3
TOP_DEBTORS = 10
HALF_LIFE_DAYS = 90
PAID_WITHIN_DAYS = (7, 14, 30)
SIGNIFICANT_Z = 1.96
SENT = "sent"
LIST_SEPARATOR = ";"

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

_POINT = "_point"
_ROW = "_row"
_BASE = "_base_open"
_SIGNED_DAYS = "_signed_days_late"
_WEIGHT = "_weight"


# ---- everything at once ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """`kpis`, `risk`, `metrics.payment_behaviour` and `predict` of one as-of date (see `overview`)."""

    monthly: pd.DataFrame
    headline: dict[str, Any]
    risk: pd.DataFrame
    behaviour: pd.DataFrame
    predicted: pd.Series
    prediction_notes: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


def overview(
    invoices: pd.DataFrame,
    payments: pd.DataFrame,
    as_of: Any,
    *,
    base_currency: str,
    rates: fx.Rates | None,
    months: int = 12,
    open_items: pd.DataFrame | None = None,
) -> Overview:
    """What a refresh shows, each figure exactly as its own function gives it, at the cost of about one of them.

    ``kpis(…)``, ``risk(…)``, ``metrics.payment_behaviour(…, as_of=as_of)`` and ``predict(…)`` all start from the
    same typed tables, paid history and open items at `as_of`; here those are built once and shared. Payments
    dated after `as_of` are left out once for all: no figure here counts them (month ends fall before `as_of`).

    `open_items`, when given, are the items open at `as_of` as the workbook states them (the aged invoices, with
    their Open amount): today's figures — the headline's open and overdue picture, the risk's overdue share and
    broken promises, the predictions — then come from them, so they agree with Aging even when Payments do not
    explain every open amount (an ERP export lists open amounts, not the payments behind them). The month-end
    history is reconstructed from Payments either way.
    """
    today = _as_of_day(as_of)
    invoice_table = _invoice_table(invoices)
    payment_table = _payment_table(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    paid = _paid_history(invoice_table, payment_table, today)
    if open_items is None:
        open_today = _open_at(invoice_table, payment_table, pd.DatetimeIndex([today]))
    else:
        open_today = _as_open_today(open_items, today)
    behaviour = metrics.payment_behaviour(invoices, payments, as_of=today.date())
    monthly, headline = _kpis(
        invoice_table, payment_table, today, base_currency=base_currency, rates=rates, months=months,
        open_today=open_today,
    )  # fmt: skip
    return Overview(
        monthly=monthly,
        headline=headline,
        risk=_risk(invoice_table, paid, behaviour, open_today, today),
        behaviour=behaviour,
        predicted=_predict(paid, open_today, today),
        prediction_notes=_prediction_notes(paid, open_today, today),
    )


def _as_open_today(open_items: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Open items as `_open_at` gives them (one per invoice number, first kept), from a table with open amounts."""
    items = _invoice_table(open_items)
    first = ~open_items[Invoices.NUMBER].duplicated(keep="first").to_numpy()
    items[Invoices.OPEN_AMOUNT] = open_items[Invoices.OPEN_AMOUNT].to_numpy(dtype="float64")[first]
    items[_POINT] = today
    return items[items[Invoices.OPEN_AMOUNT].abs() > metrics._PAID_TOLERANCE].reset_index(drop=True)


# ---- KPIs -----------------------------------------------------------------------------------------------------


def kpis(
    invoices: pd.DataFrame,
    payments: pd.DataFrame,
    as_of: Any,
    *,
    base_currency: str,
    rates: fx.Rates | None,
    months: int = 12,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Month-end KPIs for the last `months` month ends on or before `as_of`, and the headline tiles.

    Monthly (one row per month end, columns `Kpi`, amounts in the base currency):

    - receivables: open amounts at the month end of invoices dated on or before it (see the module docstring),
      converted at the rate of the month end; current = not yet due (``due date ≥ month end``), overdue = the rest.
    - credit_sales: invoices dated in the month (credit notes reduce it), converted at the invoice date's rate.
    - days_in_month: the actual calendar days of the month; every DSO below uses it as the period length.
    - dso = receivables / credit_sales × days; best_possible_dso = current receivables / credit_sales × days;
      add = dso − best_possible_dso (`metrics`).
    - dso_countback: count-back over this month and the two before, newest first, each with its actual days.
    - cei: ``(beginning AR + sales − ending AR) / (beginning AR + sales − ending current AR) × 100`` with
      beginning AR = receivables at the previous month end and the month's sales whole (``periods=1``).
    A month without sales has NaN DSO figures; a zero CEI denominator gives NaN.

    Headline (keys `Headline`): dso, dso_countback, best_possible_dso, add and cei of the latest month end
    (month-end figures, as reported in a close); open_total, overdue_total and overdue_percent
    (``overdue open / total open × 100``) at `as_of`; overdue_by_bucket (Series by aging bucket, overdue buckets
    only) and overdue_by_currency (Series by currency, in base; a currency without a rate is left out and
    reported); top_debtors (DataFrame of the 10 customers with the largest open balance: `Invoices.CUSTOMER_ID`,
    `Debtors.OPEN_BASE`, `Debtors.OVERDUE_BASE`); problems (missing FX rates, one `Problem` per invoice row).
    """
    today = _as_of_day(as_of)
    return _kpis(
        _invoice_table(invoices), _payment_table(payments), today, base_currency=base_currency, rates=rates,
        months=months,
    )  # fmt: skip


def _kpis(
    invoice_table: pd.DataFrame,
    payment_table: pd.DataFrame,
    today: pd.Timestamp,
    *,
    base_currency: str,
    rates: fx.Rates | None,
    months: int,
    open_today: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`kpis` over the typed tables; `open_today` is `_open_at` at `today` when the caller has it already."""
    last_month_end = pd.offsets.MonthEnd().rollback(today).normalize()
    month_ends = pd.date_range(end=last_month_end, periods=months + COUNTBACK_MONTHS, freq="ME")

    open_items, problems = _base_open(
        invoice_table, payment_table, month_ends[COUNTBACK_MONTHS - 1 :], base_currency, rates
    )
    overdue = open_items[Invoices.DUE_DATE] < open_items[_POINT]
    by_month = open_items.groupby(_POINT)[_BASE].sum()
    overdue_by_month = open_items[overdue].groupby(_POINT)[_BASE].sum()
    sales, sales_problems = _monthly_sales(invoice_table, month_ends, base_currency, rates)

    table = pd.DataFrame({Kpi.MONTH_END: month_ends})
    table[Kpi.DAYS] = month_ends.days_in_month.to_numpy(dtype="float64")
    table[Kpi.CREDIT_SALES] = sales.reindex(month_ends, fill_value=0.0).to_numpy()
    table[Kpi.RECEIVABLES] = by_month.reindex(month_ends, fill_value=0.0).to_numpy()
    table[Kpi.OVERDUE_RECEIVABLES] = overdue_by_month.reindex(month_ends, fill_value=0.0).to_numpy()
    table[Kpi.CURRENT_RECEIVABLES] = table[Kpi.RECEIVABLES] - table[Kpi.OVERDUE_RECEIVABLES]
    table[Kpi.BEGINNING_RECEIVABLES] = table[Kpi.RECEIVABLES].shift(1)

    sales_newest_first = pd.concat(
        [table[Kpi.CREDIT_SALES].shift(lag).rename(lag) for lag in range(COUNTBACK_MONTHS)], axis=1
    ).fillna(0.0)
    days_newest_first = pd.concat(
        [table[Kpi.DAYS].shift(lag).rename(lag) for lag in range(COUNTBACK_MONTHS)], axis=1
    ).fillna(30.0)
    table[Kpi.DSO] = metrics.dso_simple(table[Kpi.RECEIVABLES], table[Kpi.CREDIT_SALES], table[Kpi.DAYS])
    table[Kpi.DSO_COUNTBACK] = metrics.dso_countback(
        table[Kpi.RECEIVABLES], sales_newest_first, days_newest_first.to_numpy()
    )
    table[Kpi.BEST_POSSIBLE_DSO] = metrics.best_possible_dso(
        table[Kpi.CURRENT_RECEIVABLES], table[Kpi.CREDIT_SALES], table[Kpi.DAYS]
    )
    table[Kpi.ADD] = metrics.add(table[Kpi.DSO], table[Kpi.BEST_POSSIBLE_DSO])
    table[Kpi.CEI] = metrics.cei(
        table[Kpi.BEGINNING_RECEIVABLES],
        table[Kpi.CREDIT_SALES],
        table[Kpi.RECEIVABLES],
        table[Kpi.CURRENT_RECEIVABLES],
    )
    monthly = table.iloc[COUNTBACK_MONTHS:].reset_index(drop=True)[[column.value for column in Kpi]]

    headline, today_problems = _headline(
        invoice_table, payment_table, today, monthly, base_currency, rates, open_today=open_today
    )
    headline[Headline.PROBLEMS] = list(dict.fromkeys([*problems, *sales_problems, *today_problems]))
    return monthly, headline


def _headline(
    invoice_table: pd.DataFrame,
    payment_table: pd.DataFrame,
    today: pd.Timestamp,
    monthly: pd.DataFrame,
    base_currency: str,
    rates: fx.Rates | None,
    *,
    open_today: pd.DataFrame | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """The KPI tiles: latest month-end ratios plus the open and overdue picture at `today`."""
    open_items, problems = _base_open(
        invoice_table, payment_table, pd.DatetimeIndex([today]), base_currency, rates, open_items=open_today
    )
    days_past_due = pd.Series((open_items[_POINT] - open_items[Invoices.DUE_DATE]).dt.days, index=open_items.index)
    overdue = days_past_due > 0
    overdue_items = open_items[overdue]
    open_total = float(open_items[_BASE].sum())
    overdue_total = float(overdue_items[_BASE].sum())
    buckets = aging.bucket(days_past_due[overdue].astype("float64"))
    by_bucket = overdue_items[_BASE].groupby(buckets, observed=False).sum().drop(aging.CURRENT)
    by_currency = overdue_items.groupby(Invoices.CURRENCY)[_BASE].sum(min_count=1).dropna()
    debtors = pd.DataFrame(
        {
            Debtors.OPEN_BASE: open_items.groupby(Invoices.CUSTOMER_ID)[_BASE].sum(),
            Debtors.OVERDUE_BASE: overdue_items.groupby(Invoices.CUSTOMER_ID)[_BASE].sum(),
        }
    ).fillna({Debtors.OVERDUE_BASE: 0.0})
    debtors = debtors[debtors[Debtors.OPEN_BASE] > 0].rename_axis(Invoices.CUSTOMER_ID).reset_index()
    debtors = debtors.sort_values([Debtors.OPEN_BASE, Invoices.CUSTOMER_ID], ascending=[False, True], kind="stable")
    latest = monthly.iloc[-1] if len(monthly) else pd.Series(dtype="float64")
    headline: dict[str, Any] = {
        Headline.AS_OF: today,
        Headline.MONTH_END: latest.get(Kpi.MONTH_END),
        Headline.DSO: latest.get(Kpi.DSO),
        Headline.DSO_COUNTBACK: latest.get(Kpi.DSO_COUNTBACK),
        Headline.BEST_POSSIBLE_DSO: latest.get(Kpi.BEST_POSSIBLE_DSO),
        Headline.ADD: latest.get(Kpi.ADD),
        Headline.CEI: latest.get(Kpi.CEI),
        Headline.OPEN_TOTAL: open_total,
        Headline.OVERDUE_TOTAL: overdue_total,
        Headline.OVERDUE_PERCENT: overdue_total / open_total * 100.0 if open_total > 0 else math.nan,
        Headline.OVERDUE_BY_BUCKET: by_bucket.rename(Headline.OVERDUE_BY_BUCKET),
        Headline.OVERDUE_BY_CURRENCY: by_currency.rename(Headline.OVERDUE_BY_CURRENCY),
        Headline.TOP_DEBTORS: debtors.head(TOP_DEBTORS).reset_index(drop=True),
    }
    return headline, problems


def _base_open(
    invoice_table: pd.DataFrame,
    payment_table: pd.DataFrame,
    points: pd.DatetimeIndex,
    base_currency: str,
    rates: fx.Rates | None,
    *,
    open_items: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[Any]]:
    """Open items at each of `points` (column `_POINT`) with their open amount in base (`_BASE`, point's rate).

    `open_items` is `_open_at` of these points when the caller has it already.
    """
    if open_items is None:
        open_items = _open_at(invoice_table, payment_table, points)
    converted, problems = _to_base(open_items, Invoices.OPEN_AMOUNT, _POINT, base_currency, rates)
    return open_items.assign(**{_BASE: converted}), problems


def _to_base(
    items: pd.DataFrame, amount: str, as_of: str, base_currency: str, rates: fx.Rates | None
) -> tuple[np.ndarray, list[Any]]:
    """`fx.to_base` of one column at each row's date; problems name the caller's invoice row, once each."""
    rows = pd.Index(items[_ROW].to_numpy())
    converted, problems = fx.to_base(
        pd.Series(items[amount].to_numpy(), index=rows),
        pd.Series(items[Invoices.CURRENCY].to_numpy(), index=rows),
        base_currency,
        rates,
        as_of=pd.Series(items[as_of].to_numpy(), index=rows),
    )
    return np.asarray(converted, dtype="float64"), list(dict.fromkeys(problems))


def _open_at(invoice_table: pd.DataFrame, payment_table: pd.DataFrame, points: pd.DatetimeIndex) -> pd.DataFrame:
    """Invoices open at each date of `points`: ``amount − payments dated on or before the point``.

    An invoice counts from its invoice date. Overpayment does not make an invoice negative (it is clipped at 0);
    credit notes stay negative until settled. Rows with nothing open are dropped. One row per (invoice, point),
    invoice by invoice in the table's order, points in their order. The (invoice × point) grid is worked out on
    numpy arrays and only open rows become a frame: a year of month ends over 100,000 invoices would otherwise be
    a cross join of 1.3 million rows.
    """
    point_index = pd.DatetimeIndex(points).normalize()
    count = len(point_index)
    point_values = point_index.to_numpy()
    issued = invoice_table[Invoices.INVOICE_DATE].to_numpy()
    invoice_rows, invoice_points = np.nonzero(issued[:, np.newaxis] <= point_values[np.newaxis, :])

    invoice_of = pd.Index(invoice_table[Invoices.NUMBER]).get_indexer(payment_table[Payments.INVOICE_NUMBER])
    dated = payment_table[Payments.DATE].to_numpy()
    payment_rows, payment_points = np.nonzero(
        (dated[:, np.newaxis] <= point_values[np.newaxis, :]) & (invoice_of >= 0)[:, np.newaxis]
    )
    cell = invoice_of[payment_rows] * count + payment_points
    # groupby's sum (compensated, in payment order within each invoice and point), as summing per invoice did
    paid_to_date = pd.Series(payment_table[Payments.AMOUNT].to_numpy()[payment_rows]).groupby(cell).sum()
    paid_grid = np.zeros(len(invoice_table) * count)
    paid_grid[paid_to_date.index.to_numpy()] = paid_to_date.to_numpy()

    amount = invoice_table[Invoices.AMOUNT].to_numpy(dtype="float64")[invoice_rows]
    remaining = amount - paid_grid[invoice_rows * count + invoice_points]
    remaining = np.round(np.where(amount <= 0, remaining, np.clip(remaining, 0.0, None)), 6)
    open_now = np.abs(remaining) > metrics._PAID_TOLERANCE
    items = invoice_table.take(invoice_rows[open_now]).reset_index(drop=True)
    items[_POINT] = point_index[invoice_points[open_now]]
    items[Invoices.OPEN_AMOUNT] = remaining[open_now]
    return items


def _monthly_sales(
    invoice_table: pd.DataFrame, month_ends: pd.DatetimeIndex, base_currency: str, rates: fx.Rates | None
) -> tuple[pd.Series, list[Any]]:
    """Credit sales in base per month end: invoices (and credit notes) dated in that month, at the invoice date."""
    first_day = month_ends[0] - pd.offsets.MonthBegin(1)
    dated = invoice_table[invoice_table[Invoices.INVOICE_DATE].between(first_day, month_ends[-1])]
    converted, problems = _to_base(dated, Invoices.AMOUNT, Invoices.INVOICE_DATE, base_currency, rates)
    month_end = dated[Invoices.INVOICE_DATE] + pd.offsets.MonthEnd(0)
    return pd.Series(converted, index=dated.index).groupby(month_end).sum(), problems


# ---- risk and predicted pay dates --------------------------------------------------------------------------


def risk(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """An explainable risk score (0–100) per customer, with its top reasons in plain words.

    Indexed by customer id, highest score first. The score is the sum of five named features' points; each
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
    today = _as_of_day(as_of)
    invoice_table = _invoice_table(invoices)
    payment_table = _payment_table(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    return _risk(
        invoice_table,
        _paid_history(invoice_table, payment_table, today),
        metrics.payment_behaviour(invoices, payments, as_of=today.date()),
        _open_at(invoice_table, payment_table, pd.DatetimeIndex([today])),
        today,
    )


def _risk(
    invoice_table: pd.DataFrame,
    paid: pd.DataFrame,
    behaviour: pd.DataFrame,
    open_items: pd.DataFrame,
    today: pd.Timestamp,
) -> pd.DataFrame:
    """`risk` from the paid history, `metrics.payment_behaviour` and the open items at `today`."""
    customers = pd.Index(sorted(invoice_table[Invoices.CUSTOMER_ID].dropna().unique()), name=Invoices.CUSTOMER_ID)
    behaviour = behaviour.reindex(customers)
    days_late = _weighted_mean(paid[_SIGNED_DAYS].clip(lower=0), paid[_WEIGHT], paid[Invoices.CUSTOMER_ID])
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
    table[Risk.SCORE] = points.sum(axis=1).round().astype("int64")
    no_history = behaviour[PaymentBehaviour.PAID_COUNT].fillna(0).to_numpy() == 0
    reasons = _top_reasons(points, words)
    # Nothing paid yet: "pays on time" would claim a habit nobody has seen.
    reasons = reasons.where(~no_history, np.where(reasons == ON_TIME, NO_HISTORY, reasons + ", " + NO_HISTORY))
    table[Risk.REASONS] = reasons
    table = table.sort_values(Risk.SCORE, ascending=False, kind="stable")
    return table[[Risk.SCORE, Risk.REASONS, *[column for column in points.columns]]]


def predict(invoices: pd.DataFrame, payments: pd.DataFrame, as_of: Any) -> pd.Series:
    """Predicted pay date per open invoice, indexed by invoice number (`Risk.PREDICTED_PAY_DATE`).

    ``due date + the customer's average signed days late`` (paid − due, early payment counts negative), weighted
    by ``amount × 0.5 ** (days since paid / 90)`` over invoices paid by `as_of`, rounded to whole days. There is no
    prediction (NaT) for a customer without paid history — other customers' habits say nothing about this one —
    nor where that date is before `as_of`: the invoice is still open, so the history no longer tells when it will
    be paid (`_prediction_notes` words both: "no payment history", "overdue — no prediction"). Open = not fully
    paid by `as_of` (payments up to then), amount > 0, with a due date, and Status not Paid.
    """
    today = _as_of_day(as_of)
    invoice_table = _invoice_table(invoices)
    payment_table = _payment_table(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    return _predict(
        _paid_history(invoice_table, payment_table, today),
        _open_at(invoice_table, payment_table, pd.DatetimeIndex([today])),
        today,
    )


def _predict(paid: pd.DataFrame, open_items: pd.DataFrame, today: pd.Timestamp) -> pd.Series:
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


def _prediction_notes(paid: pd.DataFrame, open_items: pd.DataFrame, today: pd.Timestamp) -> pd.Series:
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
    invoice_table = _invoice_table(invoices)
    payment_table = _payment_table(payments)
    everything = _paid_history(invoice_table, payment_table, split)
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


def _paid_history(invoice_table: pd.DataFrame, payment_table: pd.DataFrame, reference: pd.Timestamp) -> pd.DataFrame:
    """Paid invoices with paid date, signed days late and the recency × amount weight seen from `reference`."""
    paid_on = metrics.paid_dates(invoice_table, payment_table)
    paid = invoice_table.merge(
        paid_on.rename(Invoices.PAID_DATE), left_on=Invoices.NUMBER, right_index=True, how="inner"
    )
    paid[Invoices.PAID_DATE] = pd.to_datetime(paid[Invoices.PAID_DATE])
    paid[_SIGNED_DAYS] = (paid[Invoices.PAID_DATE] - paid[Invoices.DUE_DATE]).dt.days.astype("float64")
    age_days = (reference - paid[Invoices.PAID_DATE]).dt.days.clip(lower=0)
    paid[_WEIGHT] = paid[Invoices.AMOUNT].abs() * 0.5 ** (age_days / HALF_LIFE_DAYS)
    return paid


def _offsets(paid: pd.DataFrame) -> tuple[pd.Series, float]:
    """Per-customer and portfolio weighted mean signed days late (the portfolio is 0 without history)."""
    offsets = _weighted_mean(paid[_SIGNED_DAYS], paid[_WEIGHT], paid[Invoices.CUSTOMER_ID])
    total_weight = float(paid[_WEIGHT].sum())
    portfolio = float((paid[_SIGNED_DAYS] * paid[_WEIGHT]).sum() / total_weight) if total_weight > 0 else 0.0
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


# ---- reminder effectiveness ----------------------------------------------------------------------------------


def effectiveness(
    ledger_history: pd.DataFrame,
    payments: pd.DataFrame,
    invoices: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """How soon invoices get paid after each reminder: one row per (level, template, language).

    Counts only reminders in state ``sent`` with a sent time (the ReminderLog frame, `Log` columns). Each reminder
    covers the invoices of its ``"; "``-joined list. For each (reminder, invoice) pair, days to pay = paid date
    (the payment that completes it, `metrics.paid_dates`) − the calendar day of `sent_at`, at least 0 (a payment
    crossing the reminder counts as day 0); unpaid invoices never count as paid. Columns (`Effectiveness`):
    reminders (sent reminders), invoices (pairs), paid_7/14/30_share (share of pairs paid in full within that
    many days), paid_14_count, paid_14_base (the pairs the 14-day share is over), median_days_to_pay (over the
    pairs paid at all; NaN if none).

    With `as_of`, a window counts only the pairs whose reminder went out at least that many days before it: a
    reminder sent 10 days ago is in the 7-day share but not yet in the 14- or 30-day ones, so young reminders
    do not drag the shares down. A share with no such pair is NaN. Without `as_of` every pair counts in every
    window (for a history already cut to reminders old enough).

    The ledger does not record the language; it is taken from `customers` (`Customers.LANGUAGE`, blank =
    "en") when given, else left blank. Reminders sent less than 30 days ago have not had their full window
    yet: pass a history cut to the dates you want compared.
    """
    sent = ledger_history[(ledger_history[Log.STATE] == SENT) & ledger_history[Log.SENT_AT].notna()]
    reminders = pd.DataFrame(
        {
            Log.KEY: sent[Log.KEY].to_numpy(dtype=object),
            Effectiveness.LEVEL: pd.array(sent[Log.LEVEL], dtype="Int64"),
            Effectiveness.TEMPLATE: sent[Log.TEMPLATE].fillna("").astype(str).to_numpy(),
            Log.CUSTOMER_ID: sent[Log.CUSTOMER_ID].to_numpy(dtype=object),
            Log.SENT_AT: pd.to_datetime(sent[Log.SENT_AT]).dt.normalize().to_numpy(),
            Log.INVOICES: sent[Log.INVOICES].fillna("").astype(str).to_numpy(),
        }
    )
    if customers is not None:
        language = customers.set_index(Customers.ID)[Customers.LANGUAGE].fillna("").astype(str).str.strip()
        reminders[Effectiveness.LANGUAGE] = reminders[Log.CUSTOMER_ID].map(language).fillna("").replace("", "en")
    else:
        reminders[Effectiveness.LANGUAGE] = ""
    keys = [Effectiveness.LEVEL, Effectiveness.TEMPLATE, Effectiveness.LANGUAGE]

    pairs = reminders.assign(**{Invoices.NUMBER: reminders[Log.INVOICES].str.split(LIST_SEPARATOR)}).explode(
        Invoices.NUMBER
    )
    pairs[Invoices.NUMBER] = pairs[Invoices.NUMBER].astype(str).str.strip()
    pairs = pairs[pairs[Invoices.NUMBER] != ""]
    paid_on = pd.to_datetime(metrics.paid_dates(invoices, payments)) if len(pairs) else pd.Series()
    paid_at = (  # an empty datetime mapping would make pandas try a float cast
        pd.to_datetime(pairs[Invoices.NUMBER].map(paid_on))
        if len(paid_on)
        else pd.Series(pd.NaT, index=pairs.index, dtype="datetime64[ns]")
    )
    days = (paid_at - pairs[Log.SENT_AT]).dt.days.clip(lower=0)
    pairs = pairs.assign(_days=days)
    for window in PAID_WITHIN_DAYS:
        within = (pairs["_days"] <= window).astype("float64")
        if as_of is not None:
            matured = pairs[Log.SENT_AT] + pd.Timedelta(days=window) <= _as_of_day(as_of)
            within = within.where(matured)
        pairs[f"_within_{window}"] = within

    grouped = pairs.groupby(keys, dropna=False)
    table = pd.DataFrame(
        {
            Effectiveness.REMINDERS: reminders.groupby(keys, dropna=False).size(),
            Effectiveness.INVOICES: grouped.size(),
            Effectiveness.PAID_7_SHARE: grouped["_within_7"].mean(),
            Effectiveness.PAID_14_SHARE: grouped["_within_14"].mean(),
            Effectiveness.PAID_30_SHARE: grouped["_within_30"].mean(),
            Effectiveness.PAID_14_COUNT: grouped["_within_14"].sum(),
            Effectiveness.PAID_14_BASE: grouped["_within_14"].count(),
            Effectiveness.MEDIAN_DAYS_TO_PAY: grouped["_days"].median(),
        }
    )
    counts = [Effectiveness.INVOICES, Effectiveness.PAID_14_COUNT, Effectiveness.PAID_14_BASE]
    table = table.fillna(dict.fromkeys(counts, 0))
    table[counts] = table[counts].astype("int64")
    return table.reset_index()[[column.value for column in Effectiveness]]


def _as_of_day(as_of: Any) -> pd.Timestamp:
    return pd.Timestamp(columns.dates(as_of, "as-of date")[()])


def ab_verdict(rows: pd.DataFrame) -> str:
    """A plain-words comparison of two templates of one dunning level, from `effectiveness` rows.

    Rows of the same template (several languages) are pooled: counts add up, and the median days to pay is
    taken as the invoice-weighted mean of the rows' medians (an approximation when languages differ). Speed is
    the difference in median days to pay; significance is a two-proportion z-test on the 14-day paid share,
    ``z = (p_a − p_b) / sqrt(p (1 − p) (1/n_a + 1/n_b))`` with the pooled share p and n = invoices;
    ``|z| ≥ 1.96`` is significant at 5 %. The 14-day shares are over `Effectiveness.PAID_14_BASE` when the rows
    have it (pairs old enough for the window), else over all invoices. Example: "B pays 4 days sooner than A;
    not yet significant (z = 0.76) — 41 vs 38 reminders, 59% vs 50% paid within 14 days". Other than two
    templates → says so.
    """
    rows = rows.assign(
        _base=rows[Effectiveness.PAID_14_BASE] if Effectiveness.PAID_14_BASE in rows else rows[Effectiveness.INVOICES]
    )
    weighted_median = rows[Effectiveness.MEDIAN_DAYS_TO_PAY] * rows[Effectiveness.INVOICES]
    pooled = (
        rows.assign(
            _weighted=weighted_median, _median_weight=rows[Effectiveness.INVOICES].where(weighted_median.notna(), 0)
        )
        .groupby(Effectiveness.TEMPLATE)[
            [
                Effectiveness.REMINDERS,
                Effectiveness.INVOICES,
                Effectiveness.PAID_14_COUNT,
                "_base",
                "_weighted",
                "_median_weight",
            ]
        ]
        .sum()
    )
    if len(pooled) != 2:
        return f"needs two templates to compare; found {len(pooled)}"
    median = (pooled["_weighted"] / pooled["_median_weight"]).where(pooled["_median_weight"] > 0)
    share = (pooled[Effectiveness.PAID_14_COUNT] / pooled["_base"]).where(pooled["_base"] > 0)
    first, second = pooled.index
    if median.isna().any():
        fast, slow = (first, second) if share.fillna(0)[first] >= share.fillna(0)[second] else (second, first)
        speed = f"{fast} pays more often within 14 days than {slow}"
    elif round(median[first]) == round(median[second]):
        fast, slow = (first, second) if share[first] >= share[second] else (second, first)
        speed = f"{first} and {second} pay equally fast"
    else:
        fast, slow = (first, second) if median[first] < median[second] else (second, first)
        gap = round(median[slow] - median[fast])
        speed = f"{fast} pays {gap} {'day' if gap == 1 else 'days'} sooner than {slow}"
    z = _two_proportion_z(
        pooled.loc[fast, Effectiveness.PAID_14_COUNT],
        pooled.loc[fast, "_base"],
        pooled.loc[slow, Effectiveness.PAID_14_COUNT],
        pooled.loc[slow, "_base"],
    )
    significance = "significant" if abs(z) >= SIGNIFICANT_Z else "not yet significant"
    sizes = f"{pooled.loc[fast, Effectiveness.REMINDERS]} vs {pooled.loc[slow, Effectiveness.REMINDERS]} reminders"
    shares = f"{_percent(share[fast])} vs {_percent(share[slow])} paid within 14 days"
    return f"{speed}; {significance} (z = {z:.2f}) — {sizes}, {shares}"


def _two_proportion_z(successes_a: float, size_a: float, successes_b: float, size_b: float) -> float:
    """Pooled two-proportion z statistic; 0 when either sample is empty or the pooled share is 0 or 1."""
    if size_a <= 0 or size_b <= 0:
        return 0.0
    pooled = (successes_a + successes_b) / (size_a + size_b)
    spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / size_a + 1.0 / size_b))
    if spread == 0:
        return 0.0
    return (successes_a / size_a - successes_b / size_b) / spread


def _percent(share: float) -> str:
    return "n/a" if pd.isna(share) else f"{share * 100:.0f}%"


# ---- input tables --------------------------------------------------------------------------------------------


def _invoice_table(invoices: pd.DataFrame) -> pd.DataFrame:
    """The invoice columns analytics needs, typed; optional Status / Promise date default to blank."""

    def optional(column: str) -> pd.Series:
        return invoices[column] if column in invoices.columns else pd.Series(None, index=invoices.index, dtype=object)

    table = pd.DataFrame(
        {
            _ROW: invoices.index.to_numpy(),
            Invoices.NUMBER: invoices[Invoices.NUMBER].to_numpy(dtype=object),
            Invoices.CUSTOMER_ID: invoices[Invoices.CUSTOMER_ID].to_numpy(dtype=object),
            Invoices.INVOICE_DATE: pd.to_datetime(columns.dates(invoices[Invoices.INVOICE_DATE], "invoice date")),
            Invoices.DUE_DATE: pd.to_datetime(columns.dates(invoices[Invoices.DUE_DATE], "due date")),
            Invoices.CURRENCY: invoices[Invoices.CURRENCY].astype(str).str.strip().str.upper().to_numpy(),
            Invoices.AMOUNT: columns.amounts(invoices[Invoices.AMOUNT], "invoice amount"),
            Invoices.STATUS: optional(Invoices.STATUS).fillna("").astype(str).str.strip().to_numpy(),
            Invoices.PROMISE_DATE: pd.to_datetime(columns.dates(optional(Invoices.PROMISE_DATE), "promise date")),
        }
    )
    return table.drop_duplicates(subset=Invoices.NUMBER, keep="first").reset_index(drop=True)


def _payment_table(payments: pd.DataFrame) -> pd.DataFrame:
    """Applied payments (with an invoice number), typed: invoice number, date, amount, customer."""
    table = pd.DataFrame(
        {
            Payments.INVOICE_NUMBER: payments[Payments.INVOICE_NUMBER].to_numpy(dtype=object),
            Payments.CUSTOMER_ID: payments[Payments.CUSTOMER_ID].to_numpy(dtype=object)
            if Payments.CUSTOMER_ID in payments.columns
            else None,
            Payments.DATE: pd.to_datetime(columns.dates(payments[Payments.DATE], "payment date")),
            Payments.AMOUNT: columns.amounts(payments[Payments.AMOUNT], "payment amount"),
        }
    )
    table = table.dropna(subset=[Payments.INVOICE_NUMBER, Payments.DATE, Payments.AMOUNT])
    applied = table[Payments.INVOICE_NUMBER].astype(str).str.strip() != ""
    return table[applied].reset_index(drop=True)
