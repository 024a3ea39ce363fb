"""Invoices made ready for collection and priced: due dates from terms, discounts, statutory interest.

    customers = pricing.resolve_jurisdictions(customers, "EU")
    invoices, problems = pricing.prepare(invoices, customers)
    aged, problems = pricing.price(aging.age(pricing.open_items(invoices), as_of)[0], customers, payments, fx,
                                   as_of, base_currency="EUR", default_jurisdiction="EU")

Pure functions over the workbook's typed tables (no I/O, no clock), used by `arcollect.run.collect`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from arcollect.book.schema import FX, Aging, Customers, Invoices, Payments
from arcollect.engine import _coerce, fx, interest, phrases, terms
from arcollect.errors import ArcollectError
from arcollect.problems import Problem

JURISDICTION = "_jurisdiction"  # the customer's late-interest law, resolved
PARSED_TERMS = "_parsed_terms"  # the invoice's payment terms, parsed (None when missing or not understood)


def resolve_jurisdictions(customers: pd.DataFrame, default_jurisdiction: str) -> pd.DataFrame:
    """Customers with the late-interest jurisdiction resolved (column `JURISDICTION`): their own, else their
    country's when arcollect knows its law, else the default (Settings DefaultJurisdiction)."""
    known = set(interest.JURISDICTIONS)
    own = _upper_text(customers[Customers.JURISDICTION])
    country = _upper_text(customers[Customers.COUNTRY])
    chosen = np.where(own.isin(known), own, np.where(country.isin(known), country, default_jurisdiction))
    return customers.assign(**{JURISDICTION: chosen})


def _upper_text(column: pd.Series) -> pd.Series:
    """The column as upper-cased text, blank for missing (cased once per distinct value)."""
    return _coerce.per_distinct(column, lambda values: values.astype("string").fillna("").str.upper())


def prepare(invoices: pd.DataFrame, customers: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Open amount defaults to the amount; a missing due date comes from the terms (invoice's, else customer's).

    Rows in a currency that is not ISO 4217 are left out and reported; invoices of an unknown customer are kept
    (the planner holds them) and reported.
    """
    found: list[Problem] = []
    invoices = invoices.copy(deep=False)  # copy-on-write: columns set below are this frame's own
    invoices[Invoices.OPEN_AMOUNT] = invoices[Invoices.OPEN_AMOUNT].fillna(invoices[Invoices.AMOUNT])
    # Each invoice's row in Customers, found once (hashing a million IDs) for both the terms and the check below.
    where = pd.Index(customers[Customers.ID]).get_indexer(invoices[Invoices.CUSTOMER_ID])
    customer_terms = pd.Series(
        pd.api.extensions.take(customers[Customers.TERMS].array, where, allow_fill=True), index=invoices.index
    )
    text = invoices[Invoices.TERMS].where(invoices[Invoices.TERMS].notna(), customer_terms).fillna("")
    parsed, errors = phrases.parse_column(text.where(text != "", None))  # German, French … phrases too
    for label, value, message in errors:
        found.append(Problem("Invoices", label, "Terms override", value, message))
    usable = parsed.notna()
    derived = terms.due_date(parsed[usable], invoices.loc[usable, Invoices.INVOICE_DATE]) if usable.any() else None
    due = pd.to_datetime(invoices[Invoices.DUE_DATE])
    if derived is not None:
        due = due.fillna(pd.to_datetime(derived).reindex(due.index))
    invoices[Invoices.DUE_DATE] = due
    invoices[PARSED_TERMS] = parsed
    not_iso = ~_is_iso_currency(invoices[Invoices.CURRENCY])
    found += [
        Problem("Invoices", label, "Currency", value, "not an ISO 4217 currency code (EUR, USD, GBP …); row left out")
        for label, value in invoices.loc[not_iso, Invoices.CURRENCY].items()
    ]
    invoices = invoices[~not_iso]
    unknown = where[~not_iso] < 0
    found += [
        Problem("Invoices", label, "Customer ID", value, "customer ID not found in Customers")
        for label, value in invoices.loc[unknown, Invoices.CUSTOMER_ID].items()
    ]
    return invoices, found


def _is_iso_currency(column: pd.Series) -> np.ndarray:
    """True where the currency is an ISO 4217 code (any case); checked once per distinct text, not per row."""
    codes, distinct = pd.factorize(column)
    known = pd.Index(distinct).astype("string").str.upper().isin(list(_coerce.currency_codes()))
    return np.append(np.asarray(known, dtype=bool), False)[codes]  # code −1 (missing) picks the False


def open_items(invoices: pd.DataFrame) -> pd.DataFrame:
    """The invoices still to collect: not Paid and with an open amount (credit notes included)."""
    paid = _coerce.equals(invoices[Invoices.STATUS], "Paid")  # a blank status is Open
    return invoices[~paid & (invoices[Invoices.OPEN_AMOUNT].fillna(0) != 0)]


def price(
    aged: pd.DataFrame,
    customers: pd.DataFrame,
    payments: pd.DataFrame,
    rates: pd.DataFrame,
    as_of: dt.date,
    *,
    base_currency: str,
    default_jurisdiction: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Discount still available today, its deadline, statutory interest and compensation per invoice.

    Interest is computed per open-amount segment: the amount still open runs from the due date to today, and each
    payment received late carries interest from the due date to its own date (simple interest is linear in the
    principal, so the sum of the segments is exactly the interest on the declining balance). The fixed
    compensation is set in the statute's currency (EUR, GBP) and shown in the invoice's currency at the FX
    table's cross rate; without a rate it is left out (0) — the missing rate is already an Exceptions row.
    """
    problems: list[Problem] = []
    aged = aged.copy(deep=False)  # copy-on-write: the columns added below are this frame's own
    with_terms = aged[PARSED_TERMS].notna() & (aged[Invoices.OPEN_AMOUNT] > 0)
    aged[Aging.DISCOUNT_AVAILABLE] = np.nan
    aged[Aging.DISCOUNT_DEADLINE] = pd.NaT
    if with_terms.any():
        subset = aged.loc[with_terms, [Invoices.OPEN_AMOUNT, PARSED_TERMS, Invoices.INVOICE_DATE]]  # not all columns
        aged.loc[with_terms, Aging.DISCOUNT_AVAILABLE] = terms.discount(
            subset[Invoices.OPEN_AMOUNT], subset[PARSED_TERMS], subset[Invoices.INVOICE_DATE], as_of
        )
        aged.loc[with_terms, Aging.DISCOUNT_DEADLINE] = pd.to_datetime(
            terms.discount_deadline(subset[PARSED_TERMS], subset[Invoices.INVOICE_DATE])
        )
        expired = aged[Aging.DISCOUNT_AVAILABLE] == 0  # shown blank: nothing to take any more
        aged.loc[expired, [Aging.DISCOUNT_AVAILABLE, Aging.DISCOUNT_DEADLINE]] = [np.nan, pd.NaT]
    aged[Aging.LATE_INTEREST] = 0.0
    aged[Aging.FIXED_COMPENSATION] = 0.0
    late = (aged[Aging.DAYS_PAST_DUE].fillna(0) > 0) & (aged[Invoices.OPEN_AMOUNT] > 0)
    if late.any():
        jurisdiction = aged.loc[late, Invoices.CUSTOMER_ID].map(customers.set_index(Customers.ID)[JURISDICTION])
        jurisdiction = jurisdiction.fillna(default_jurisdiction)
        needed = [Invoices.NUMBER, Invoices.OPEN_AMOUNT, Invoices.AMOUNT, Invoices.DUE_DATE, Invoices.CURRENCY]
        subset = aged.loc[late, needed]
        try:
            open_part = interest.late_interest(
                subset[Invoices.OPEN_AMOUNT], subset[Invoices.DUE_DATE], as_of, jurisdiction,
                currency=subset[Invoices.CURRENCY],
            )  # fmt: skip
            paid_part = _interest_on_late_payments(subset, payments, jurisdiction, as_of)
            aged.loc[late, Aging.LATE_INTEREST] = open_part.to_numpy() + paid_part.to_numpy()
            compensation, currency = interest.fixed_compensation(subset[Invoices.AMOUNT], jurisdiction)
            factor = _cross_rates(
                pd.Series(currency, index=subset.index), subset[Invoices.CURRENCY], rates, base_currency
            )
            aged.loc[late, Aging.FIXED_COMPENSATION] = _coerce.round_money(
                np.asarray(compensation, dtype="float64") * factor, _coerce.minor_units_array(subset[Invoices.CURRENCY])
            )
        except ArcollectError as error:
            problems.append(
                Problem("Settings", None, "DefaultJurisdiction", None, f"late interest not computed: {error}")
            )
    return aged, problems


def _cross_rates(source: pd.Series, target: pd.Series, rates: pd.DataFrame, base_currency: str) -> np.ndarray:
    """Units of `target` currency per unit of `source` currency, through the base currency; NaN → 0 (left out)."""
    latest = fx.rate_table(rates).drop_duplicates(FX.CURRENCY, keep="last").set_index(FX.CURRENCY)[FX.RATE]
    latest[base_currency] = 1.0
    rate = np.append(latest.to_numpy(dtype="float64"), np.nan)  # the last slot serves a currency without a rate
    factor = rate[latest.index.get_indexer(source)] / rate[latest.index.get_indexer(target)]
    return np.where(source.to_numpy() == target.to_numpy(), 1.0, np.nan_to_num(factor, nan=0.0))


def _interest_on_late_payments(
    invoices: pd.DataFrame, payments: pd.DataFrame, jurisdiction: pd.Series, as_of: dt.date
) -> pd.Series:
    # One lookup of each payment's invoice row (the last of a duplicated number, as `map` would take it), then
    # positions: hashing a million invoice numbers once instead of once per looked-up column.
    numbers = pd.Index(invoices[Invoices.NUMBER])
    unique = numbers.is_unique
    if not unique:
        numbers = numbers.where(~numbers.duplicated(keep="last"), None)
    row = numbers.get_indexer(payments[Payments.INVOICE_NUMBER])
    applied, row = payments[row >= 0], row[row >= 0]
    if applied.empty:
        return pd.Series(0.0, index=invoices.index)
    due = pd.Series(pd.to_datetime(invoices[Invoices.DUE_DATE]).to_numpy()[row], index=applied.index)
    paid = pd.to_datetime(applied[Payments.DATE])
    late = (paid > due).to_numpy()
    if not late.any():
        return pd.Series(0.0, index=invoices.index)
    applied, due, paid, row = applied[late], due[late], paid[late], row[late]
    amounts = interest.late_interest(
        applied[Payments.AMOUNT], due, paid.clip(upper=pd.Timestamp(as_of)),
        pd.Series(jurisdiction.to_numpy()[row], index=applied.index),
        currency=pd.Series(invoices[Invoices.CURRENCY].to_numpy()[row], index=applied.index),
    )  # fmt: skip
    per_row = np.bincount(row, weights=np.nan_to_num(np.asarray(amounts, dtype="float64")), minlength=len(invoices))
    if not unique:  # every row of a repeated number shows the interest of all its payments
        per_row = pd.Series(per_row).groupby(invoices[Invoices.NUMBER].to_numpy()).transform("sum").to_numpy()
    return pd.Series(per_row, index=invoices.index)


def with_base_amount(invoices: pd.DataFrame, base_currency: str, rates: Any) -> pd.DataFrame:
    """Invoices with their whole amount in the base currency, as a thank-you covers what was paid.

    A missing rate is already an Exceptions row for open invoices; a paid one without a rate keeps a blank base
    amount, which only the queue's base-amount column shows.
    """
    base, _problems = fx.to_base(invoices[Invoices.AMOUNT], invoices[Invoices.CURRENCY], base_currency, rates)
    return invoices.assign(**{Aging.BASE_OPEN_AMOUNT: np.asarray(base, dtype="float64")})


def unapplied_cash(payments: pd.DataFrame, base_currency: str, rates: Any) -> pd.Series:
    """Payments not applied to any invoice, per customer, in the base currency (they reduce what is owed)."""
    loose = payments[payments[Payments.INVOICE_NUMBER].isna()]
    if loose.empty:
        return pd.Series(dtype="float64")
    base, _problems = fx.to_base(loose[Payments.AMOUNT], loose[Payments.CURRENCY], base_currency, rates)
    return base.groupby(loose[Payments.CUSTOMER_ID]).sum()
