"""Collections KPIs: DSO (simple and count-back), best possible DSO, ADD, CEI and per-customer payment behaviour.

    >>> from arcollect.engine import metrics
    >>> metrics.dso_simple(150_000, 1_800_000, 365)
    30.416666666666664
    >>> metrics.dso_countback(212_000, [100_000, 80_000, 70_000], 30)
    73.71428571428571
    >>> metrics.cei(6_200, 10_890, 6_340, 3_590, periods=3)    # monthly-average variant
    55.92948717948718

The ratio KPIs take scalars or columns (one value per customer, say) and answer in the same shape. Figures are
not rounded; rounding is for display. A period without credit sales (or a CEI with a zero denominator) has no
meaningful figure: it comes back as ``None`` for scalars and NaN in columns, never as a ZeroDivisionError.
Amounts are plain numbers: give every argument of one call in the same currency.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import Shape, amounts, broadcast, dates
from arcollect.schema import Invoices, PaymentBehaviour, Payments

logger = logging.getLogger(__name__)

QUARTER_DAYS = 90
# Payments are compared with invoice amounts as floats; half a minor unit absorbs binary rounding of their sum.
_PAID_TOLERANCE = 0.005


def dso_simple(receivables: Any, credit_sales: Any, days: Any) -> Any:
    """Days sales outstanding, simple method: ``receivables / credit_sales × days``.

    `receivables` is the AR at the end of the period, `credit_sales` the credit sales of the period and `days`
    its length (365 for a year). Source: https://trymesha.com/blog/the-2-dso-calculation-formulas-simple-vs-countback-method-explained/
    (150,000 / 1,800,000 × 365 = 30.4). Zero credit sales → None / NaN.
    """
    return _ratio_times(receivables, credit_sales, days, ("receivables", "credit sales", "days"))


def dso_countback(receivables: Any, monthly_sales_newest_first: Any, days_in_months: Any) -> Any:
    """Days sales outstanding, count-back (exhaustion) method.

    Starting from the ending `receivables`, take away each month's credit sales, newest month first, counting
    that month's days while AR remains; the month that is not fully used up adds
    ``remaining AR / that month's sales × that month's days``. Source:
    https://support.benjipays.com/support/solutions/articles/150000179580-mastering-dso-calculation-the-count-back-method-explained
    (AR 212,000 over sales 100k, 80k, 70k in 30-day months: 30 + 30 + 32/70 × 30 = 73.7).

    Shapes: months run along the last axis. One customer: a scalar AR with a list of monthly sales. Several:
    a column of AR with a 2-D array or DataFrame of sales (one row per customer, newest month first).
    `days_in_months` is one number for every month, one per month, or one per customer and month.

    When AR exceeds all the sales given, every month counts in full and the answer is the sum of all their days:
    a lower bound of the true figure (give more months for the exact one). AR of zero or less is 0 days.
    No sales at all in the months given → None / NaN, like the other DSO measures.
    """
    index = None
    if isinstance(monthly_sales_newest_first, pd.DataFrame):
        index = monthly_sales_newest_first.index
        sales = monthly_sales_newest_first.to_numpy(dtype="float64")
    else:
        sales = np.atleast_1d(amounts(_as_list(monthly_sales_newest_first), "monthly sales"))
    month_days = amounts(_as_list(days_in_months), "days in months")
    shape = Shape.of(receivables)
    if isinstance(receivables, pd.Series):
        index = receivables.index
    receivable = amounts(receivables, "receivables")
    sales, month_days = broadcast(sales, month_days)
    receivable, _ = broadcast(receivable, sales[..., 0])
    receivable = receivable[..., np.newaxis]

    sales_through_month = np.cumsum(sales, axis=-1)
    sales_before_month = sales_through_month - sales
    with np.errstate(divide="ignore", invalid="ignore"):
        share_of_month = np.where(
            sales > 0,
            (receivable - sales_before_month) / np.where(sales > 0, sales, 1.0),
            np.where(receivable > sales_before_month, 1.0, 0.0),
        )
    counted_days = np.sum(np.clip(share_of_month, 0.0, 1.0) * month_days, axis=-1)
    no_sales = ~(sales_through_month[..., -1] > 0)
    result = np.where(no_sales, np.nan, counted_days)
    if shape.scalar and result.ndim == 0:
        return shape.wrap(result, kind="float")
    if index is not None:
        return pd.Series(result, index=index)
    return result


def best_possible_dso(current_receivables: Any, credit_sales: Any, days: Any) -> Any:
    """Best possible DSO: ``current (not yet due) receivables / credit_sales × days``.

    What DSO would be if every customer paid exactly on time. Source:
    https://apruve.com/faq/what-is-best-possible-days-sales-outstanding (creditguru: 4,000 / 10,000 × 30 = 12).
    Zero credit sales → None / NaN.
    """
    return _ratio_times(current_receivables, credit_sales, days, ("current receivables", "credit sales", "days"))


def add(dso: Any, best_possible_dso: Any) -> Any:
    """Average days delinquent: ``DSO − best possible DSO``, the days beyond terms that customers take.

    Source: https://www.creditguru.com/index.php/collection-management/collection-metrics/average-days-delinquent-add
    (DSO 45 − BPDSO 12 = 33). A missing input gives None / NaN.
    """
    shape = Shape.of(dso, best_possible_dso)
    total, best = broadcast(amounts(dso, "DSO"), amounts(best_possible_dso, "best possible DSO"))
    return shape.wrap(total - best, kind="float")


def cei(
    beginning_receivables: Any,
    credit_sales: Any,
    ending_receivables: Any,
    ending_current_receivables: Any,
    *,
    periods: Any = 1,
) -> Any:
    """Collection effectiveness index, percent:

    ``(beginning AR + credit sales / periods − ending total AR) / (beginning AR + credit sales / periods −
    ending current AR) × 100``.

    With ``periods=1`` (default) `credit_sales` is used whole, as in https://gaviti.com/?p=3708 (98 %) and the
    creditguru sample (79.63 %). ``periods=N`` is the monthly-average variant of
    http://www.creditguru.com/index.php/collection-management/collection-metrics/collection-effectiveness-index-cei
    and Oracle's collections documentation: `credit_sales` of an N-month period divided by N (55.9 % for the
    same creditguru figures with N = 3). "Current" AR means not yet due. A zero denominator → None / NaN.
    """
    shape = Shape.of(beginning_receivables, credit_sales, ending_receivables, ending_current_receivables, periods)
    beginning, sales, ending, ending_current, period_count = broadcast(
        amounts(beginning_receivables, "beginning receivables"),
        amounts(credit_sales, "credit sales"),
        amounts(ending_receivables, "ending receivables"),
        amounts(ending_current_receivables, "ending current receivables"),
        amounts(periods, "periods"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        sales_per_period = np.where(period_count > 0, sales / period_count, np.nan)
        available = beginning + sales_per_period
        collectable = available - ending_current
        result = np.where(collectable != 0, (available - ending) / collectable * 100.0, np.nan)
    return shape.wrap(result, kind="float")


def payment_behaviour(invoices: pd.DataFrame, payments: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """How each customer pays: one row per customer of `invoices`, indexed by customer id.

    An invoice is paid on the date its payments (matched by invoice number) first add up to its amount; with
    partial payments that is the date of the payment that completes it. Invoices not yet fully paid, and credit
    notes (amount ≤ 0), are left out. Payments dated after `as_of` are ignored; `as_of` defaults to the latest
    payment date. Amounts are compared as given, so pay and invoice in the same currency; the amount weighting
    below mixes currencies as plain numbers, which is good enough to weight and is documented as such.

    Columns (`PaymentBehaviour`):
    - paid_count: invoices fully paid by `as_of`.
    - on_time_share: share of those paid on or before the due date (0–1).
    - average_days_late: mean of ``max(paid date − due date, 0)``; early payment counts as 0 days late, so
      paying early never offsets paying late.
    - weighted_days_late: the same, weighted by invoice amount.
    - days_late_trend: average days late of invoices paid in the last quarter (the 90 days ending `as_of`)
      minus that of the 90 days before; positive means the customer is paying later. NaN when either quarter has
      no paid invoice.
    Customers without a paid invoice have paid_count 0 and NaN elsewhere.
    """
    invoice_table, payment_table = _tables(invoices, payments)
    cutoff = _as_of(as_of, payment_table[Payments.DATE])
    if not np.isnat(cutoff):
        payment_table = payment_table[payment_table[Payments.DATE] <= cutoff]

    paid = _paid_invoices(invoice_table, payment_table)
    customer = paid[Invoices.CUSTOMER_ID]
    days_late = np.maximum((paid[Invoices.PAID_DATE] - paid[Invoices.DUE_DATE]).dt.days, 0).rename(Invoices.DAYS_LATE)
    on_time = paid[Invoices.PAID_DATE] <= paid[Invoices.DUE_DATE]
    amount = paid[Invoices.AMOUNT]

    summary = pd.DataFrame(
        {
            PaymentBehaviour.PAID_COUNT: customer.groupby(customer).size(),
            PaymentBehaviour.ON_TIME_SHARE: on_time.groupby(customer).mean(),
            PaymentBehaviour.AVERAGE_DAYS_LATE: days_late.groupby(customer).mean(),
            PaymentBehaviour.WEIGHTED_DAYS_LATE: (days_late * amount).groupby(customer).sum()
            / amount.groupby(customer).sum(),
            PaymentBehaviour.DAYS_LATE_TREND: _days_late_trend(days_late, customer, paid[Invoices.PAID_DATE], cutoff),
        }
    )
    customers = pd.Index(pd.unique(invoice_table[Invoices.CUSTOMER_ID].dropna()), name=Invoices.CUSTOMER_ID)
    summary = summary.reindex(customers.sort_values())
    summary[PaymentBehaviour.PAID_COUNT] = summary[PaymentBehaviour.PAID_COUNT].fillna(0).astype("int64")
    for column in list(PaymentBehaviour)[1:]:
        summary[column] = summary[column].astype("float64")
    return summary


def paid_dates(invoices: pd.DataFrame, payments: pd.DataFrame) -> pd.Series:
    """The date each invoice became fully paid, indexed by invoice number (`Invoices.PAID_DATE`).

    The same rule as `payment_behaviour`: the date its payments (matched by invoice number) first add up to its
    amount, i.e. the date of the payment that completes it. Invoices not fully paid, credit notes (amount ≤ 0)
    and invoices without a due date are left out. Amounts are compared as given (same currency).
    """
    invoice_table, payment_table = _tables(invoices, payments)
    paid = _paid_invoices(invoice_table, payment_table)
    return pd.Series(
        pd.to_datetime(paid[Invoices.PAID_DATE]).to_numpy(),
        index=paid[Invoices.NUMBER].to_numpy(),
        name=Invoices.PAID_DATE,
    )


# ---- helpers --------------------------------------------------------------------------------------------------


def _tables(invoices: pd.DataFrame, payments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoice and payment columns the paid-date rule needs, typed (dates as days, amounts as floats)."""
    invoice_table = pd.DataFrame(
        {
            Invoices.NUMBER: invoices[Invoices.NUMBER].to_numpy(dtype=object),
            Invoices.CUSTOMER_ID: invoices[Invoices.CUSTOMER_ID].to_numpy(dtype=object),
            Invoices.DUE_DATE: dates(invoices[Invoices.DUE_DATE], "due date"),
            Invoices.AMOUNT: amounts(invoices[Invoices.AMOUNT], "invoice amount"),
        }
    ).drop_duplicates(subset=Invoices.NUMBER, keep="first")
    payment_table = pd.DataFrame(
        {
            Payments.INVOICE_NUMBER: payments[Payments.INVOICE_NUMBER].to_numpy(dtype=object),
            Payments.DATE: dates(payments[Payments.DATE], "payment date"),
            Payments.AMOUNT: amounts(payments[Payments.AMOUNT], "payment amount"),
        }
    ).dropna(subset=[Payments.DATE, Payments.AMOUNT])
    return invoice_table, payment_table


def _ratio_times(numerator: Any, denominator: Any, factor: Any, names: tuple[str, str, str]) -> Any:
    """``numerator / denominator × factor`` in the callers' shape; a zero denominator gives NaN / None."""
    shape = Shape.of(numerator, denominator, factor)
    top, bottom, scale = broadcast(
        *(amounts(value, name) for value, name in zip((numerator, denominator, factor), names, strict=True))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(bottom != 0, top / np.where(bottom != 0, bottom, 1.0) * scale, np.nan)
    return shape.wrap(result, kind="float")


def _as_list(value: Any) -> Any:
    """Tuples and ranges as lists so that `amounts` treats them as columns, not scalars."""
    if isinstance(value, tuple | range):
        return list(value)
    return value


def _as_of(as_of: Any, payment_dates: pd.Series) -> np.datetime64:
    """The given as-of date, else the latest payment date (NaT when there are no payments)."""
    if as_of is not None:
        return dates(as_of, "as of date")[()]
    if payment_dates.empty:
        return np.datetime64("NaT", "D")
    return payment_dates.max().to_datetime64().astype("datetime64[D]")


def _paid_invoices(invoice_table: pd.DataFrame, payment_table: pd.DataFrame) -> pd.DataFrame:
    """Invoices (amount > 0) fully paid, with `Invoices.PAID_DATE`: the date of the payment that completes each."""
    ordered = payment_table.sort_values([Payments.INVOICE_NUMBER, Payments.DATE], kind="stable")
    amount_by_number = invoice_table.set_index(Invoices.NUMBER)[Invoices.AMOUNT]
    invoice_amount = ordered[Payments.INVOICE_NUMBER].map(amount_by_number)
    paid_so_far = ordered.groupby(Payments.INVOICE_NUMBER, sort=False)[Payments.AMOUNT].cumsum()
    completing = ordered[paid_so_far >= invoice_amount - _PAID_TOLERANCE]
    paid_date = completing.groupby(Payments.INVOICE_NUMBER)[Payments.DATE].min()
    paid = invoice_table.assign(**{Invoices.PAID_DATE: paid_date.reindex(invoice_table[Invoices.NUMBER]).to_numpy()})
    paid = paid[paid[Invoices.AMOUNT] > 0]
    return paid.dropna(subset=[Invoices.PAID_DATE, Invoices.DUE_DATE])


def _days_late_trend(
    days_late: pd.Series, customer: pd.Series, paid_date: pd.Series, cutoff: np.datetime64
) -> pd.Series:
    """Per customer: mean days late of invoices paid in the 90 days ending `cutoff` minus the 90 days before."""
    if np.isnat(cutoff) or days_late.empty:
        return pd.Series(np.nan, index=pd.Index(customer.unique()), dtype="float64")
    days_before_cutoff = (pd.Timestamp(cutoff) - paid_date).dt.days
    recent = days_before_cutoff.between(0, QUARTER_DAYS - 1)
    previous = days_before_cutoff.between(QUARTER_DAYS, 2 * QUARTER_DAYS - 1)
    recent_mean = days_late[recent].groupby(customer[recent]).mean()
    previous_mean = days_late[previous].groupby(customer[previous]).mean()
    return recent_mean.sub(previous_mean)
