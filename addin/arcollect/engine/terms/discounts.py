"""What payment terms are worth: the discount earned on a payment date, the annual cost of skipping a discount
(APR), and a sliding-scale (dynamic) discount — over whole columns, rounded half up to the minor unit.

    >>> import datetime as dt
    >>> discount(1000, "2/10 n/30", dt.date(2026, 3, 5), dt.date(2026, 3, 15))
    Decimal('20.00')
    >>> round(discount_apr("3/10 2/20 net 45"), 1)
    37.6

The deadlines come from `deadlines`; the rules (which tier applies, the APR between tiers) are listed in
`arcollect.engine.terms`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arcollect.engine.columns import Shape, amounts, broadcast, dates, is_scalar
from arcollect.engine.money import minor_units, minor_units_array, round_money, to_decimal
from arcollect.engine.terms.deadlines import NAT_DAY, distinct_terms, prepare, tier_deadlines
from arcollect.engine.terms.parser import net_day
from arcollect.errors import InputError


def _digits(currency: Any) -> int | np.ndarray:
    if currency is None:
        return 2
    if is_scalar(currency):
        return minor_units(currency)
    return minor_units_array(currency)


def discount(
    amount: Any,
    t: Any,
    invoice_date: Any,
    pay_date: Any,
    *,
    currency: Any = None,
    cutoff_day: int | None = None,
) -> Any:
    """The discount earned if `amount` is paid on `pay_date`: amount × pct of the tier still open, else 0.

    Paying on a deadline earns that tier; the day after does not. Amounts ≤ 0 (credit notes) earn nothing.
    Rounded half up to the currency's minor unit (2 places without a currency). Missing amount, dates or terms
    give None (NaN in columns).
    """
    shape = Shape.of(amount, t, invoice_date, pay_date, currency)
    rows, (money, invoice, paid, digits), dims = prepare(
        t,
        amounts(amount),
        dates(invoice_date, "invoice date"),
        dates(pay_date, "payment date"),
        np.asarray(_digits(currency)),
    )
    paid_day = paid.view("int64")
    percent = np.zeros(len(money))
    deadlines = tier_deadlines(invoice, rows, cutoff_day)
    for deadline, tier_percent in reversed(list(zip(deadlines, rows.tier_percent, strict=True))):
        percent = np.where((paid_day <= deadline) & (deadline != NAT_DAY), tier_percent, percent)
    value = np.where(money > 0, money * percent / 100, 0.0)
    missing = np.isnan(money) | np.isnat(invoice) | np.isnat(paid) | (rows.dating < 0)
    value = round_money(np.where(missing, np.nan, value), digits).reshape(dims)
    if shape.scalar:
        return to_decimal(float(value.reshape(-1)[0]), int(digits[0]))
    return shape.wrap(value, kind="float")


def discount_apr(t: Any, basis: int = 365, method: str = "simple", *, tier: int = 1) -> Any:
    """Annual cost, in percent, of skipping discount tier `tier` (1 = the first) for the next option; None (NaN in
    columns) for terms without that tier.

    The next option is the next tier, or the net due date after the last one (see the module rules): for
    "3/10 2/20 net 45" the first tier costs (3 − 2)/97 over 10 days, the second 2/98 over 25 days. method
    "simple": rate × basis / days × 100; "compound": ((1 + rate) ^ (basis / days) − 1) × 100.
    """
    if method not in ("simple", "compound"):
        raise InputError(f"APR method '{method}' is not known — use 'simple' or 'compound'")
    if not basis or basis <= 0:
        raise InputError(f"day-count basis {basis!r} must be a positive number of days, e.g. 365 or 360")
    if tier < 1:
        raise InputError(f"discount tier {tier!r} does not exist — tiers count from 1")
    shape = Shape.of(t)
    codes, distinct = distinct_terms(t)
    table = np.full(len(distinct) + 1, np.nan)
    for row, terms_value in enumerate(distinct):
        tiers = terms_value.discounts
        if len(tiers) < tier:
            continue
        here = tiers[tier - 1]
        percent = float(here.percent)
        if tier < len(tiers):
            later = tiers[tier]
            rate = (percent - float(later.percent)) / (100 - percent)
            days = later.days - here.days
        else:
            rate = percent / (100 - percent)
            days = net_day(terms_value) - here.days
        periods = basis / days
        if method == "simple":
            table[row] = rate * periods * 100
        else:  # 99.999/1 net 2 compounds past the largest float: infinite, not an OverflowError
            with np.errstate(over="ignore"):
                table[row] = (np.power(1 + rate, periods) - 1) * 100
    return shape.wrap(table[codes], kind="float")


def dynamic_discount(amount: Any, days_early: Any, apr_pct: Any, basis: int = 360, *, currency: Any = None) -> Any:
    """Sliding-scale discount: amount × apr/100 × days_early / basis, rounded half up to the minor unit.

    0 when not paid early (days_early ≤ 0) and for amounts ≤ 0; None (NaN in columns) for missing inputs.
    """
    if not basis or basis <= 0:
        raise InputError(f"day-count basis {basis!r} must be a positive number of days, e.g. 360 or 365")
    shape = Shape.of(amount, days_early, apr_pct, currency)
    money, days, apr, digits = broadcast(
        amounts(amount), amounts(days_early, "days early"), amounts(apr_pct, "APR"), np.asarray(_digits(currency))
    )
    value = np.where((money > 0) & (days > 0), money * apr / 100 * days / basis, 0.0)
    value = round_money(np.where(np.isnan(money) | np.isnan(days) | np.isnan(apr), np.nan, value), digits)
    if shape.scalar:
        return to_decimal(float(value.reshape(-1)[0]), int(digits.reshape(-1)[0]))
    return shape.wrap(value, kind="float")
