"""Month-end KPIs and the headline tiles: receivables, credit sales, DSO (simple, count-back, best possible), ADD,
CEI, and the open and overdue picture at the as-of date, in the base currency.

    >>> from arcollect.engine import analytics
    >>> monthly, headline = analytics.kpis(inv, pay, "2026-03-31", base_currency="EUR", rates=fx)  # doctest: +SKIP
    >>> round(headline["dso"], 2), round(headline["overdue_percent"], 2)  # doctest: +SKIP
    (39.16, 41.67)

The formulas are `arcollect.engine.metrics`; the history they run over is `history`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import aging, fx, metrics
from arcollect.engine.analytics import history
from arcollect.schema import Debtors, Headline, Invoices, Kpi

COUNTBACK_MONTHS = 3
TOP_DEBTORS = 10

_BASE = "_base_open"


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
    today = history.as_of_day(as_of)
    return kpis_of(
        history.typed_invoices(invoices), history.applied_payments(payments), today, base_currency=base_currency,
        rates=rates, months=months,
    )  # fmt: skip


def kpis_of(
    invoice_table: pd.DataFrame,
    payment_table: pd.DataFrame,
    today: pd.Timestamp,
    *,
    base_currency: str,
    rates: fx.Rates | None,
    months: int,
    open_today: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`kpis` over the typed tables; `open_today` is `history.open_at` at `today` when the caller has it already."""
    last_month_end = pd.offsets.MonthEnd().rollback(today).normalize()
    month_ends = pd.date_range(end=last_month_end, periods=months + COUNTBACK_MONTHS, freq="ME")

    open_items, problems = _base_open(
        invoice_table, payment_table, month_ends[COUNTBACK_MONTHS - 1 :], base_currency, rates
    )
    overdue = open_items[Invoices.DUE_DATE] < open_items[history.POINT]
    by_month = open_items.groupby(history.POINT)[_BASE].sum()
    overdue_by_month = open_items[overdue].groupby(history.POINT)[_BASE].sum()
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
    days_past_due = pd.Series(
        (open_items[history.POINT] - open_items[Invoices.DUE_DATE]).dt.days, index=open_items.index
    )
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
    """Open items at each of `points` (column `history.POINT`) with their open amount in base (`_BASE`, point's rate).

    `open_items` is `history.open_at` of these points when the caller has it already.
    """
    if open_items is None:
        open_items = history.open_at(invoice_table, payment_table, points)
    converted, problems = _to_base(open_items, Invoices.OPEN_AMOUNT, history.POINT, base_currency, rates)
    return open_items.assign(**{_BASE: converted}), problems


def _to_base(
    items: pd.DataFrame, amount: str, as_of: str, base_currency: str, rates: fx.Rates | None
) -> tuple[np.ndarray, list[Any]]:
    """`fx.to_base` of one column at each row's date; problems name the caller's invoice row, once each."""
    rows = pd.Index(items[history.ROW].to_numpy())
    converted, problems = fx.to_base(
        pd.Series(items[amount].to_numpy(), index=rows),
        pd.Series(items[Invoices.CURRENCY].to_numpy(), index=rows),
        base_currency,
        rates,
        as_of=pd.Series(items[as_of].to_numpy(), index=rows),
    )
    return np.asarray(converted, dtype="float64"), list(dict.fromkeys(problems))


def _monthly_sales(
    invoice_table: pd.DataFrame, month_ends: pd.DatetimeIndex, base_currency: str, rates: fx.Rates | None
) -> tuple[pd.Series, list[Any]]:
    """Credit sales in base per month end: invoices (and credit notes) dated in that month, at the invoice date."""
    first_day = month_ends[0] - pd.offsets.MonthBegin(1)
    dated = invoice_table[invoice_table[Invoices.INVOICE_DATE].between(first_day, month_ends[-1])]
    converted, problems = _to_base(dated, Invoices.AMOUNT, Invoices.INVOICE_DATE, base_currency, rates)
    month_end = dated[Invoices.INVOICE_DATE] + pd.offsets.MonthEnd(0)
    return pd.Series(converted, index=dated.index).groupby(month_end).sum(), problems
