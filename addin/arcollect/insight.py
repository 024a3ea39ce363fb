"""What the analytics sheets and the Dashboard show, from one run's tables and ledger history.

    >>> from arcollect import insight
    >>> view = insight.build(tables, all_invoices, aged, log, customers, as_of, base_currency="EUR", policy=policy)
    >>> view.sheets["CustomerRisk"].iloc[0][Risk.REASONS]  # doctest: +SKIP
    'pays 23 days late on average, getting worse (+25 days), 2 broken promises'
    >>> dashboard.build(book, **view.dashboard)  # doctest: +SKIP

`run.collect` calls `build` once per written run; the numbers come from `engine.analytics` (pure functions) and
this module only shapes them into the output tables `CustomerRisk` and `Effectiveness`, the Aging sheet's
predicted pay date and the Dashboard's keywords. Open and overdue balances per customer are taken from the aged
open items (the Aging sheet), so CustomerRisk, the Dashboard's top debtors and Aging always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from arcollect.book.schema import (
    CUSTOMER_RISK,
    EFFECTIVENESS,
    Aging,
    Customers,
    Debtors,
    Effectiveness,
    EffectivenessSheet,
    Headline,
    Invoices,
    Kpi,
    PaymentBehaviour,
    Queue,
    Risk,
)
from arcollect.book.settings import DunningLevel
from arcollect.engine import _coerce, analytics

TOP_DEBTORS = analytics.TOP_DEBTORS
_DAYS_DECIMALS = 1


@dataclass(frozen=True)
class View:
    """The analytics of one run: output sheets by name, predicted pay dates by invoice, Dashboard keywords."""

    sheets: dict[str, pd.DataFrame]
    predicted: pd.Series
    dashboard: dict[str, Any] = field(default_factory=dict)


def build(
    tables: dict[str, pd.DataFrame],
    invoices: pd.DataFrame,
    aged: pd.DataFrame,
    log: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: dt.date,
    *,
    base_currency: str,
    policy: Sequence[DunningLevel] = (),
) -> View:
    """Risk, predicted pay dates, reminder effectiveness with A/B verdicts, and the Dashboard's tiles and charts.

    `invoices` is every invoice (paid ones too: the history), `aged` the open items as on the Aging sheet, `log`
    the ledger history after this run's sends.
    """
    payments = tables["Payments"]
    seen = analytics.overview(invoices, payments, as_of, base_currency=base_currency, rates=tables["FX"])
    risk = _risk_sheet(seen.risk, seen.behaviour, invoices, aged, customers, seen.predicted, base_currency)
    effect = _effectiveness(log, payments, invoices, customers, as_of, policy)
    return View(
        sheets={CUSTOMER_RISK.name: risk, EFFECTIVENESS.name: effect[EFFECTIVENESS.keys]},
        predicted=seen.predicted,
        dashboard=_dashboard(seen.monthly, seen.headline, risk, effect, base_currency),
    )


def _risk_sheet(
    scores: pd.DataFrame,
    behaviour: pd.DataFrame,
    invoices: pd.DataFrame,
    aged: pd.DataFrame,
    customers: pd.DataFrame,
    predicted: pd.Series,
    base_currency: str,
) -> pd.DataFrame:
    """One row per customer with invoices, highest risk score first, then largest open balance.

    Open and overdue amounts are sums of the Aging sheet's base amounts, rounded half up to the base currency's
    minor unit (a float sum of cents is not always a whole number of cents).

    `scores` are `analytics.risk`, `behaviour` `metrics.payment_behaviour` at the same as-of date.
    """
    by_customer = aged[Invoices.CUSTOMER_ID]
    base = aged[Aging.BASE_OPEN_AMOUNT].astype("float64")
    digits = _coerce.minor_units(base_currency)
    open_base = base.groupby(by_customer).sum()
    overdue_base = base.where(aged[Aging.DAYS_PAST_DUE] > 0, 0.0).groupby(by_customer).sum()
    open_base[:] = _coerce.round_money(open_base.to_numpy(), digits)
    overdue_base[:] = _coerce.round_money(overdue_base.to_numpy(), digits)
    next_date = (
        pd.Series(pd.to_datetime(predicted.to_numpy()), index=predicted.index)
        .groupby(
            invoices[[Invoices.NUMBER, Invoices.CUSTOMER_ID]]
            .drop_duplicates(Invoices.NUMBER)
            .set_index(Invoices.NUMBER)[Invoices.CUSTOMER_ID]
        )
        .min()
        if len(predicted)
        else pd.Series(dtype="datetime64[ns]")
    )
    directory = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)
    sheet = scores.copy()
    sheet[Queue.CUSTOMER_NAME] = directory[Customers.NAME].reindex(sheet.index)
    sheet[Debtors.OPEN_BASE] = open_base.reindex(sheet.index).fillna(0.0)
    sheet[Debtors.OVERDUE_BASE] = overdue_base.reindex(sheet.index).fillna(0.0)
    sheet[Risk.NEXT_PAY_DATE] = next_date.reindex(sheet.index)
    sheet[PaymentBehaviour.PAID_COUNT] = behaviour[PaymentBehaviour.PAID_COUNT].reindex(sheet.index).fillna(0)
    sheet[PaymentBehaviour.ON_TIME_SHARE] = behaviour[PaymentBehaviour.ON_TIME_SHARE].reindex(sheet.index)
    for column in (Risk.WEIGHTED_DAYS_LATE, Risk.DAYS_LATE_TREND):
        sheet[column] = sheet[column].round(_DAYS_DECIMALS)
    sheet[Customers.CREDIT_HOLD] = directory[Customers.CREDIT_HOLD].reindex(sheet.index).fillna(False).astype(bool)
    sheet = sheet.sort_values([Risk.SCORE, Debtors.OPEN_BASE], ascending=False, kind="stable")
    sheet = sheet.rename_axis(Invoices.CUSTOMER_ID).reset_index()
    return sheet[CUSTOMER_RISK.keys]


def _effectiveness(
    log: pd.DataFrame,
    payments: pd.DataFrame,
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: dt.date,
    policy: Sequence[DunningLevel],
) -> pd.DataFrame:
    """`analytics.effectiveness` with each window counting only reminders old enough, plus A/B verdicts.

    A level whose policy names two or more templates gets `analytics.ab_verdict` over its rows (all languages
    pooled) on each of its rows; other levels leave the verdict blank.
    """
    effect = analytics.effectiveness(log, payments, invoices, customers=customers, as_of=as_of)
    effect[EffectivenessSheet.VERDICT] = ""
    for level in policy:
        rows = effect[effect[Effectiveness.LEVEL] == level.level]
        if len(level.templates) > 1 and not rows.empty:
            effect.loc[rows.index, EffectivenessSheet.VERDICT] = analytics.ab_verdict(
                rows[rows[Effectiveness.TEMPLATE].isin(level.templates)]
            )
    effect[Effectiveness.MEDIAN_DAYS_TO_PAY] = effect[Effectiveness.MEDIAN_DAYS_TO_PAY].round(_DAYS_DECIMALS)
    return effect


def _dashboard(
    monthly: pd.DataFrame,
    headline: dict[str, Any],
    risk: pd.DataFrame,
    effect: pd.DataFrame,
    base_currency: str,
) -> dict[str, Any]:
    """The `dashboard.build` keywords: KPI tiles, chart data, top debtors and the A/B verdicts."""
    pooled = effect.groupby(Effectiveness.LEVEL)[[Effectiveness.PAID_14_COUNT, Effectiveness.PAID_14_BASE]].sum()
    by_level = pooled[Effectiveness.PAID_14_COUNT] / pooled[Effectiveness.PAID_14_BASE]
    by_level = by_level[pooled[Effectiveness.PAID_14_BASE] > 0].astype("float64")
    trend = monthly.set_index(Kpi.MONTH_END)[[Kpi.DSO, Kpi.DSO_COUNTBACK, Kpi.BEST_POSSIBLE_DSO]]
    trend.index = pd.to_datetime(trend.index).strftime("%Y-%m")
    trend.columns = ["DSO", "DSO count-back", "Best possible DSO"]

    def number(key: str) -> float | str:
        value = headline.get(key)
        return "–" if value is None or pd.isna(value) else float(value)

    tiles = {
        "DSO": number(Headline.DSO),
        "Best possible DSO": number(Headline.BEST_POSSIBLE_DSO),
        "ADD": number(Headline.ADD),
        "CEI %": number(Headline.CEI),
        "% overdue": number(Headline.OVERDUE_PERCENT),
        f"Total open ({base_currency})": f"{float(headline.get(Headline.OPEN_TOTAL) or 0):,.0f}",
    }
    debtors = risk[risk[Debtors.OPEN_BASE] > 0].sort_values(Debtors.OPEN_BASE, ascending=False, kind="stable")
    top = debtors.head(TOP_DEBTORS)
    verdicts = effect[effect[EffectivenessSheet.VERDICT] != ""].drop_duplicates(Effectiveness.LEVEL)
    return {
        "tiles": tiles,
        "aging": headline[Headline.OVERDUE_BY_BUCKET].rename("Overdue"),
        "dso_trend": trend,
        "overdue_by_currency": headline[Headline.OVERDUE_BY_CURRENCY].rename("Overdue"),
        "effectiveness": by_level.rename("Paid within 14 days"),
        "top_debtors": pd.DataFrame(
            {
                "Customer": (top[Queue.CUSTOMER_NAME].fillna(top[Invoices.CUSTOMER_ID])).astype(str).to_numpy(),
                f"Open ({base_currency})": top[Debtors.OPEN_BASE].to_numpy(),
                f"Overdue ({base_currency})": top[Debtors.OVERDUE_BASE].to_numpy(),
                "Risk score": top[Risk.SCORE].to_numpy(),
                "Why": top[Risk.REASONS].to_numpy(),
            }
        ),
        "verdicts": [
            f"Level {level}: {verdict}"
            for level, verdict in zip(verdicts[Effectiveness.LEVEL], verdicts[EffectivenessSheet.VERDICT], strict=True)
        ],
        "base_currency": base_currency,
    }
