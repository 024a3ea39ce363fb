"""What the analytics sheets and the Dashboard show, from one run's tables and ledger history.

    >>> from arcollect import insight
    >>> view = insight.build(tables, all_invoices, counted, log, customers, as_of, base_currency="EUR", policy=policy)
    >>> view.sheets["CustomerRisk"].iloc[0][Risk.REASONS]  # doctest: +SKIP
    'pays 23 days late on average, getting worse (+25 days), 2 broken promises'
    >>> dashboard.build(book, **view.dashboard)  # doctest: +SKIP

`run.collect` calls `build` once per written run; the numbers come from `engine.analytics` (pure functions) and
this module only shapes them into the output tables `CustomerRisk` and `Effectiveness`, the Aging sheet's
predicted pay date and the Dashboard's keywords (tiles, charts, the action panel of `arcollect.today`).

One total: `aged` are the open items *in the run's totals* (`engine.totals`) with their Open amount, and every
figure about money open today comes from them — CustomerRisk's open and overdue balances, the Dashboard's total
tile, its aging chart (all buckets, Current included: the Total row of AgingSummary), overdue by currency and top
debtors. The month-end KPIs (DSO, CEI …) are reconstructed from Invoices and Payments (`engine.analytics`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from arcollect import today
from arcollect.book.dashboard import Tile
from arcollect.engine import analytics, dunning, fx, money
from arcollect.engine.policy import DunningLevel
from arcollect.engine.totals import Totals
from arcollect.schema import (
    CUSTOMER_RISK,
    EFFECTIVENESS,
    TOTAL,
    Aging,
    Customers,
    Debtors,
    Effectiveness,
    EffectivenessSheet,
    Headline,
    Invoices,
    Kpi,
    PaymentBehaviour,
    Payments,
    Queue,
    Risk,
)

TOP_DEBTORS = analytics.TOP_DEBTORS
_DAYS_DECIMALS = 1


@dataclass(frozen=True)
class View:
    """The analytics of one run: output sheets by name, predicted pay dates by invoice, Dashboard keywords."""

    sheets: dict[str, pd.DataFrame]
    predicted: pd.Series
    dashboard: dict[str, Any] = field(default_factory=dict)
    prediction_notes: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


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
    queue: pd.DataFrame | None = None,
    totals: Totals | None = None,
    holds: Iterable[str] = (),
    exceptions: int = 0,
) -> View:
    """Risk, predicted pay dates, reminder effectiveness with A/B verdicts, and the Dashboard's tiles and charts.

    `invoices` is every invoice (paid ones too: the history), `aged` the open items in the run's totals (Aging's
    Open (base) column), `log` the ledger history after this run's sends, `queue` the run's ReminderQueue, `holds`
    the customers this run puts on credit hold, `exceptions` the number of rows on the Exceptions sheet.
    """
    payments = tables["Payments"]
    rates = tables["FX"]
    seen = analytics.overview(
        invoices, payments, as_of, base_currency=base_currency, rates=rates, open_items=aged if len(aged) else None
    )
    holds = set(map(str, holds))
    left_out = totals.left_out[Invoices.CUSTOMER_ID] if totals is not None else pd.Series(dtype=object)
    risk = _risk_sheet(seen, invoices, aged, customers, base_currency, rates, as_of, holds, left_out)
    effect = _effectiveness(log, payments, invoices, customers, as_of, policy)
    queue = queue if queue is not None else pd.DataFrame()
    panel = today.panel(
        aged, queue, customers, risk, as_of,
        new_holds=_new_holds(customers, holds), exceptions=exceptions,
        not_in_totals=len(totals.left_out) if totals is not None else 0,
    )  # fmt: skip
    board = _dashboard(seen, risk, effect, base_currency, totals, payments, aged, as_of)
    return View(
        sheets={CUSTOMER_RISK.name: risk, EFFECTIVENESS.name: effect[EFFECTIVENESS.keys]},
        predicted=seen.predicted,
        dashboard={**board, "actions": panel},
        prediction_notes=seen.prediction_notes,
    )


def predicted_column(view: View, numbers: pd.Series) -> pd.Series:
    """The Aging sheet's Predicted pay date per invoice: the date, or why there is none ("no payment history")."""
    predicted = view.predicted[~view.predicted.index.duplicated()]
    notes = view.prediction_notes[~view.prediction_notes.index.duplicated()]
    dates = pd.Series(numbers.map(predicted).to_numpy(), index=numbers.index) if len(predicted) else None
    words = numbers.map(notes) if len(notes) else pd.Series(None, index=numbers.index, dtype=object)
    if dates is None or dates.isna().all():
        if not words.fillna("").astype(str).str.len().gt(0).any():  # an empty datetime column, not a text one
            return pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
        return words.where(words.fillna("") != "", None).astype(object)
    dates = pd.to_datetime(dates)
    if not words.fillna("").astype(str).str.len().gt(0).any():
        return dates
    column = dates.astype(object).where(dates.notna(), words.where(words.fillna("") != "", None))
    return column


def _new_holds(customers: pd.DataFrame, holds: set[str]) -> set[str]:
    """The customers this run puts on credit hold that were not on hold already."""
    if not holds or customers.empty:
        return holds
    held = customers[customers[Customers.CREDIT_HOLD].fillna(False).astype(bool)][Customers.ID].astype(str)
    return holds - set(held)


# ---- CustomerRisk --------------------------------------------------------------------------------------------


def _risk_sheet(
    seen: analytics.Overview,
    invoices: pd.DataFrame,
    aged: pd.DataFrame,
    customers: pd.DataFrame,
    base_currency: str,
    rates: Any,
    as_of: dt.date,
    holds: set[str],
    left_out: pd.Series,
) -> pd.DataFrame:
    """One row per customer with invoices, highest risk score first, then largest open balance.

    Open and overdue amounts are sums of the Aging sheet's base amounts, rounded half up to the base currency's
    minor unit (a float sum of cents is not always a whole number of cents). The credit limit (in the customer's
    Currency, else the base currency) is converted at today's rate; Credit limit used = open / limit. Credit hold
    shows the holds this run sets too. `left_out` holds the customers of the invoices the totals leave out
    (`Totals.left_out`): one with nothing counted has no open total, not 0.00.
    """
    by_customer = aged[Invoices.CUSTOMER_ID]
    base = aged[Aging.BASE_OPEN_AMOUNT].astype("float64")
    digits = money.minor_units(base_currency)
    open_base = base.groupby(by_customer).sum()
    overdue_base = base.where(aged[Aging.DAYS_PAST_DUE] > 0, 0.0).groupby(by_customer).sum()
    open_base[:] = money.round_money(open_base.to_numpy(), digits)
    overdue_base[:] = money.round_money(overdue_base.to_numpy(), digits)
    number_to_customer = (
        invoices[[Invoices.NUMBER, Invoices.CUSTOMER_ID]]
        .drop_duplicates(Invoices.NUMBER)
        .set_index(Invoices.NUMBER)[Invoices.CUSTOMER_ID]
    )
    predicted = seen.predicted
    next_date = (
        pd.Series(pd.to_datetime(predicted.to_numpy()), index=predicted.index).groupby(number_to_customer).min()
        if len(predicted)
        else pd.Series(dtype="datetime64[ns]")
    )
    directory = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)
    sheet = seen.risk.copy()
    sheet[Queue.CUSTOMER_NAME] = directory[Customers.NAME].reindex(sheet.index)
    # a customer with open invoices none of which is in the totals (no FX rate, no due date …) has no open total
    # here, not 0.00: Aging and Exceptions say why; a customer with nothing open has 0
    nothing_counted = sheet.index.isin(left_out) & ~sheet.index.isin(open_base.index)
    sheet[Debtors.OPEN_BASE] = open_base.reindex(sheet.index).fillna(0.0).where(~nothing_counted)
    sheet[Debtors.OVERDUE_BASE] = overdue_base.reindex(sheet.index).fillna(0.0).where(~nothing_counted)
    limit = _credit_limits(directory, base_currency, rates, as_of).reindex(sheet.index)
    sheet[Debtors.CREDIT_LIMIT_BASE] = limit
    sheet[Debtors.LIMIT_USED] = (sheet[Debtors.OPEN_BASE] / limit).where(limit > 0)
    sheet[Risk.NEXT_PAY_DATE] = _next_payment(next_date, seen.prediction_notes, number_to_customer, sheet.index)
    behaviour = seen.behaviour
    sheet[PaymentBehaviour.PAID_COUNT] = behaviour[PaymentBehaviour.PAID_COUNT].reindex(sheet.index).fillna(0)
    sheet[PaymentBehaviour.ON_TIME_SHARE] = behaviour[PaymentBehaviour.ON_TIME_SHARE].reindex(sheet.index)
    for column in (Risk.WEIGHTED_DAYS_LATE, Risk.DAYS_LATE_TREND):
        sheet[column] = sheet[column].round(_DAYS_DECIMALS)
    on_hold = directory[Customers.CREDIT_HOLD].reindex(sheet.index).fillna(False).astype(bool)
    sheet[Customers.CREDIT_HOLD] = on_hold | sheet.index.astype(str).isin(holds)
    sheet = sheet.sort_values([Risk.SCORE, Debtors.OPEN_BASE], ascending=False, kind="stable", na_position="last")
    sheet[Risk.SCORE] = scores_in_words(sheet[Risk.SCORE])
    sheet = sheet.rename_axis(Invoices.CUSTOMER_ID).reset_index()
    return sheet[CUSTOMER_RISK.keys]


def scores_in_words(scores: pd.Series) -> pd.Series:
    """The Risk score column as a person reads it: the number, or "no payment history" where there is none (as the
    predicted pay dates say it), never a 0 that reads "no risk"."""
    if scores.notna().all():
        return scores
    return scores.astype(object).where(scores.notna(), analytics.NO_HISTORY)


def _credit_limits(directory: pd.DataFrame, base_currency: str, rates: Any, as_of: dt.date) -> pd.Series:
    """Each customer's credit limit in the base currency (its own Currency, blank = base); NaN where none."""
    limit = directory[Customers.CREDIT_LIMIT].astype("float64")
    limit = limit.where(limit > 0)
    if limit.isna().all():
        return limit
    currency = directory[Customers.CURRENCY].fillna(base_currency).astype(str).replace("", base_currency)
    known = limit.notna()
    converted, _problems = fx.to_base(limit[known], currency[known], base_currency, rates, as_of=as_of)
    return pd.Series(np.asarray(converted, dtype="float64"), index=limit.index[known]).reindex(limit.index)


def _next_payment(
    next_date: pd.Series, notes: pd.Series, number_to_customer: pd.Series, customers: pd.Index
) -> pd.Series:
    """The earliest predicted pay date per customer, else the reason there is none."""
    dates = next_date.reindex(customers)
    if notes.empty:
        return pd.to_datetime(dates)
    wording = notes[notes != ""]
    why = wording.groupby(number_to_customer.reindex(wording.index).to_numpy()).first().reindex(customers)
    if why.isna().all():
        return pd.to_datetime(dates)
    return pd.to_datetime(dates).astype(object).where(dates.notna(), why.where(why.notna(), None))


# ---- Effectiveness ---------------------------------------------------------------------------------------------


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
    pooled), written once: on the level's first row (the others leave it blank, so a sheet of 18 rows does not
    repeat one sentence 18 times). Other levels leave the verdict blank.
    """
    effect = analytics.effectiveness(log, payments, invoices, customers=customers, as_of=as_of)
    effect[EffectivenessSheet.VERDICT] = ""
    for level in policy:
        rows = effect[effect[Effectiveness.LEVEL] == level.level]
        if len(level.templates) > 1 and not rows.empty:
            effect.loc[rows.index[0], EffectivenessSheet.VERDICT] = analytics.ab_verdict(
                rows[rows[Effectiveness.TEMPLATE].isin(level.templates)]
            )
    effect[Effectiveness.MEDIAN_DAYS_TO_PAY] = effect[Effectiveness.MEDIAN_DAYS_TO_PAY].round(_DAYS_DECIMALS)
    return effect


# ---- the Dashboard ----------------------------------------------------------------------------------------------


def _dashboard(
    seen: analytics.Overview,
    risk: pd.DataFrame,
    effect: pd.DataFrame,
    base_currency: str,
    totals: Totals | None,
    payments: pd.DataFrame,
    aged: pd.DataFrame,
    as_of: dt.date,
) -> dict[str, Any]:
    """The `dashboard.build` keywords: KPI tiles, chart data, top debtors, the A/B verdicts and the totals line."""
    monthly, headline = seen.monthly, seen.headline
    pooled = effect.groupby(Effectiveness.LEVEL)[[Effectiveness.PAID_14_COUNT, Effectiveness.PAID_14_BASE]].sum()
    by_level = pooled[Effectiveness.PAID_14_COUNT] / pooled[Effectiveness.PAID_14_BASE]
    by_level = by_level[pooled[Effectiveness.PAID_14_BASE] > 0].astype("float64")
    failed = dunning.COLLECTION_FAILED  # not a level of the policy: named, not "Level 99"
    by_level.index = [failed.name if level == failed.level else f"Level {int(level)}" for level in by_level.index]
    trend = monthly.set_index(Kpi.MONTH_END)[[Kpi.DSO, Kpi.DSO_COUNTBACK, Kpi.BEST_POSSIBLE_DSO]]
    trend.index = pd.to_datetime(trend.index).strftime("%Y-%m")
    trend.columns = ["DSO", "DSO count-back", "Best possible DSO"]
    history = _has_payment_history(payments)
    if not history:  # without payments the reconstructed history is every invoice open forever: not a trend
        trend = trend.iloc[0:0]
    buckets = (
        pd.Series({bucket: amount for bucket, amount in totals.by_bucket.items() if bucket != TOTAL}, dtype="float64")
        if totals is not None
        else headline[Headline.OVERDUE_BY_BUCKET]
    )
    debtors = risk[risk[Debtors.OPEN_BASE] > 0].sort_values(Debtors.OPEN_BASE, ascending=False, kind="stable")
    top = debtors.head(TOP_DEBTORS)
    verdicts = effect[effect[EffectivenessSheet.VERDICT] != ""].drop_duplicates(Effectiveness.LEVEL)
    return {
        "tiles": _tiles(monthly, headline, base_currency, totals, history, _explained(payments, aged, as_of)),
        "aging": buckets.rename(f"Open ({base_currency})"),
        "dso_trend": trend,
        "overdue_by_currency": headline[Headline.OVERDUE_BY_CURRENCY].rename(f"Overdue ({base_currency})"),
        "effectiveness": by_level.rename("Paid within 14 days"),
        "top_debtors": pd.DataFrame(
            {
                "Customer": (top[Queue.CUSTOMER_NAME].fillna(top[Invoices.CUSTOMER_ID])).astype(str).to_numpy(),
                f"Open ({base_currency})": top[Debtors.OPEN_BASE].to_numpy(),
                f"Overdue ({base_currency})": top[Debtors.OVERDUE_BASE].to_numpy(),
                # n/a as the tiles say it: "no payment history" is cut off in the narrow column, and Why says it
                "Risk score": top[Risk.SCORE].replace({analytics.NO_HISTORY: "n/a"}).to_numpy(),
                "Why": top[Risk.REASONS].to_numpy(),
            }
        ),
        "verdicts": [
            f"Level {level}: {verdict}"
            for level, verdict in zip(verdicts[Effectiveness.LEVEL], verdicts[EffectivenessSheet.VERDICT], strict=True)
        ],
        "base_currency": base_currency,
        "not_in_totals": totals.line if totals is not None else "",
        "as_of": as_of,
        "month_end": headline.get(Headline.MONTH_END),
    }


def _has_payment_history(payments: pd.DataFrame) -> bool:
    """True when at least one payment is applied to an invoice: the month-end history means something."""
    if payments.empty:
        return False
    applied = payments[Payments.INVOICE_NUMBER].dropna().astype(str).str.strip()
    return bool((applied != "").any())


def _explained(payments: pd.DataFrame, aged: pd.DataFrame, as_of: dt.date) -> bool:
    """True when Payments explain today's open amounts (amount − payments = Open amount for every open item).

    Only then is today's total comparable with the month-end receivables reconstructed from Payments.
    """
    if aged.empty:
        return True
    if payments.empty:
        return bool((aged[Invoices.OPEN_AMOUNT] - aged[Invoices.AMOUNT]).abs().max() < 0.005)
    dated = payments[pd.to_datetime(payments[Payments.DATE]) <= pd.Timestamp(as_of)]
    paid = dated.groupby(Payments.INVOICE_NUMBER)[Payments.AMOUNT].sum()
    expected = aged[Invoices.AMOUNT] - aged[Invoices.NUMBER].map(paid).fillna(0.0)
    return bool((expected - aged[Invoices.OPEN_AMOUNT]).abs().max() < 0.005)


def _tiles(
    monthly: pd.DataFrame,
    headline: dict[str, Any],
    base_currency: str,
    totals: Totals | None,
    history: bool,
    explained: bool,
) -> list[Tile]:
    """Six tiles, each with its unit, the change since the month end before, and "n/a" with the reason."""
    last = monthly.iloc[-1] if len(monthly) else pd.Series(dtype="float64")
    previous = monthly.iloc[-2] if len(monthly) > 1 else pd.Series(dtype="float64")
    month = _month(last.get(Kpi.MONTH_END))
    before = _month(previous.get(Kpi.MONTH_END))
    missing = "n/a — no payments recorded yet" if not history else ""

    def month_end(label: str, key: str, unit: str, number_format: str) -> Tile:
        value = _number(last.get(key))
        if missing or value is None:
            why = missing or f"n/a — no credit sales in {month or 'the month'}"
            return Tile(label, None, unit, number_format, why)
        change = _change(value, _number(previous.get(key)), "points" if unit == "%" else unit, before)
        return Tile(
            label, value, unit, number_format, f"month end {month}; {change}" if change else f"month end {month}"
        )

    open_total = totals.total if totals is not None else _number(headline.get(Headline.OPEN_TOTAL)) or 0.0
    overdue_percent = _number(headline.get(Headline.OVERDUE_PERCENT))
    comparable = history and explained and len(monthly)
    receivables = _number(last.get(Kpi.RECEIVABLES)) if comparable else None
    overdue_then = _number(last.get(Kpi.OVERDUE_RECEIVABLES)) if comparable else None
    percent_then = overdue_then / receivables * 100 if receivables and overdue_then is not None else None
    why = "no payments recorded yet" if not history else "Payments do not explain the open amounts"
    not_comparable = f"today; no change figure — {why}" if not comparable else ""
    return [
        month_end("DSO", Kpi.DSO, "days", "0.0"),
        month_end("Best possible DSO", Kpi.BEST_POSSIBLE_DSO, "days", "0.0"),
        month_end("ADD", Kpi.ADD, "days", "0.0"),
        month_end("CEI", Kpi.CEI, "%", "0.0"),
        Tile(
            "Overdue",
            overdue_percent,
            "% of open",
            "0.0",
            not_comparable or _today(_change(overdue_percent, percent_then, "points", month + " end"))
            if overdue_percent is not None
            else "n/a — nothing open",
        ),
        Tile(
            "Total open",
            open_total,
            base_currency,
            "#,##0",
            not_comparable or _today(_change(open_total, receivables, base_currency, month + " end", whole=True)),
        ),
    ]


def _today(change: str) -> str:
    return f"today; {change}" if change else "today"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _month(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%b %Y}"


def _change(value: float | None, earlier: float | None, unit: str, month: str, *, whole: bool = False) -> str:
    """ "+2.1 days vs Sep 2026", or "" when there is nothing to compare with."""
    if value is None or earlier is None or not month:
        return ""
    delta = value - earlier
    amount = f"{delta:+,.0f}" if whole else f"{delta:+.1f}"
    return f"{amount} {unit} vs {month}"


__all__ = ["View", "build", "predicted_column"]
