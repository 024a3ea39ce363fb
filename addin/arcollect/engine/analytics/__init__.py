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
`Effectiveness`). By topic: `kpi` (month-end KPIs and the headline tiles), `payers` (risk score, predicted pay
dates, their calibration), `reminders` (effectiveness and the A/B verdict), over the history of `history`; this
package's namespace is the public API, and `overview` computes a refresh's figures at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from arcollect.engine import fx, metrics
from arcollect.engine.analytics import history
from arcollect.engine.analytics.kpi import COUNTBACK_MONTHS, TOP_DEBTORS, kpis, kpis_of
from arcollect.engine.analytics.payers import (
    EXPECTED_ALREADY,
    NO_HISTORY,
    ON_TIME,
    OVERDUE_NO_PREDICTION,
    calibration,
    predict,
    predict_of,
    prediction_notes,
    risk,
    risk_of,
)
from arcollect.engine.analytics.reminders import PAID_WITHIN_DAYS, ab_verdict, effectiveness
from arcollect.schema import Invoices, Payments

__all__ = [
    "COUNTBACK_MONTHS",
    "EXPECTED_ALREADY",
    "NO_HISTORY",
    "ON_TIME",
    "OVERDUE_NO_PREDICTION",
    "PAID_WITHIN_DAYS",
    "TOP_DEBTORS",
    "Overview",
    "ab_verdict",
    "calibration",
    "effectiveness",
    "kpis",
    "overview",
    "predict",
    "risk",
]


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
    today = history.as_of_day(as_of)
    invoice_table = history.typed_invoices(invoices)
    payment_table = history.applied_payments(payments)
    payment_table = payment_table[payment_table[Payments.DATE] <= today]
    paid = history.paid_history(invoice_table, payment_table, today)
    if open_items is None:
        open_today = history.open_at(invoice_table, payment_table, pd.DatetimeIndex([today]))
    else:
        open_today = _as_open_today(open_items, today)
    behaviour = metrics.payment_behaviour(invoices, payments, as_of=today.date())
    monthly, headline = kpis_of(
        invoice_table, payment_table, today, base_currency=base_currency, rates=rates, months=months,
        open_today=open_today,
    )  # fmt: skip
    return Overview(
        monthly=monthly,
        headline=headline,
        risk=risk_of(invoice_table, paid, behaviour, open_today, today),
        behaviour=behaviour,
        predicted=predict_of(paid, open_today, today),
        prediction_notes=prediction_notes(paid, open_today, today),
    )


def _as_open_today(open_items: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Open items as `history.open_at` gives them (one per invoice number, first kept), from a table with open
    amounts."""
    items = history.typed_invoices(open_items)
    first = ~open_items[Invoices.NUMBER].duplicated(keep="first").to_numpy()
    items[Invoices.OPEN_AMOUNT] = open_items[Invoices.OPEN_AMOUNT].to_numpy(dtype="float64")[first]
    items[history.POINT] = today
    return items[items[Invoices.OPEN_AMOUNT].abs() > metrics._PAID_TOLERANCE].reset_index(drop=True)
