"""Invoices made ready for collection and priced: due dates from terms, discounts, late charges by governing law.

    customers, problems = pricing.resolve_jurisdictions(customers, "DE")
    invoices, problems = pricing.prepare(invoices, customers)
    aged, problems = pricing.price(aging.age(pricing.open_items(invoices), as_of)[0], customers, payments, fx,
                                   as_of, base_currency="EUR")

Pure functions over the workbook's typed tables (no I/O, no clock), used by `arcollect.run.collect`. The late
charges themselves — which law governs, interest, compensation, payment allocation, the basis each letter names —
are `arcollect.engine.law.claims`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import columns, fx, money, phrases, terms
from arcollect.engine.law import claims
from arcollect.problems import Problem
from arcollect.schema import Aging, Customers, Invoices, Payments

JURISDICTION = claims.GOVERNING  # the customer's governing law, resolved ("" when none is known)
PARSED_TERMS = "_parsed_terms"  # the invoice's payment terms, parsed (None when missing or not understood)


def resolve_jurisdictions(
    customers: pd.DataFrame, governing_law: str | None, late_charge: str | None = None
) -> pd.DataFrame:
    """Customers with their governing law, consumer flag and late-charge rule resolved (`claims.govern`).

    Problems (an ``EU`` Jurisdiction, a late charge not understood) are kept in ``.attrs["problems"]``.
    """
    resolved, problems = claims.govern(customers, governing_law, late_charge)
    resolved.attrs["problems"] = problems
    return resolved


def _upper_text(column: pd.Series) -> pd.Series:
    """The column as upper-cased text, blank for missing (cased once per distinct value)."""
    return columns.per_distinct(column, lambda values: values.astype("string").fillna("").str.upper())


def prepare(
    invoices: pd.DataFrame, customers: pd.DataFrame, *, cutoff_day: int | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Open amount defaults to the amount; a missing due date comes from the terms (invoice's, else customer's).

    `cutoff_day` (Settings EomCutoffDay): EOM and prox invoices dated after that day count from the next month.

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
    derived = (
        terms.due_date(parsed[usable], invoices.loc[usable, Invoices.INVOICE_DATE], cutoff_day=cutoff_day)
        if usable.any()
        else None
    )
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
    known = pd.Index(distinct).astype("string").str.upper().isin(list(money.currency_codes()))
    return np.append(np.asarray(known, dtype=bool), False)[codes]  # code −1 (missing) picks the False


def open_items(invoices: pd.DataFrame) -> pd.DataFrame:
    """The invoices still to collect: not Paid and with an open amount (credit notes included)."""
    paid = columns.equals(invoices[Invoices.STATUS], "Paid")  # a blank status is Open
    return invoices[~paid & (invoices[Invoices.OPEN_AMOUNT].fillna(0) != 0)]


def price(
    aged: pd.DataFrame,
    customers: pd.DataFrame,
    payments: pd.DataFrame,
    rates: pd.DataFrame,
    as_of: dt.date,
    *,
    base_currency: str,
    governing_law: str | None = None,
    default_jurisdiction: str | None = None,
    history: pd.DataFrame | None = None,
    cutoff_day: int | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Discount still available today, its deadline, and the late charges per invoice under its governing law.

    `customers` come from `resolve_jurisdictions` (else they are resolved here with `governing_law`, or its
    founding name `default_jurisdiction`). The late charges, their basis and the first day of interest are the
    columns of `claims.charges`; `history` (sent reminders per invoice) is what NL's 14-day letter needs.
    """
    problems: list[Problem] = []
    aged = aged.copy(deep=False)  # copy-on-write: the columns added below are this frame's own
    with_terms = aged[PARSED_TERMS].notna() & (aged[Invoices.OPEN_AMOUNT] > 0)
    aged[Aging.DISCOUNT_AVAILABLE] = np.nan
    aged[Aging.DISCOUNT_DEADLINE] = pd.NaT
    if with_terms.any():
        subset = aged.loc[with_terms, [Invoices.OPEN_AMOUNT, PARSED_TERMS, Invoices.INVOICE_DATE]]  # not all columns
        aged.loc[with_terms, Aging.DISCOUNT_AVAILABLE] = terms.discount(
            subset[Invoices.OPEN_AMOUNT], subset[PARSED_TERMS], subset[Invoices.INVOICE_DATE], as_of,
            cutoff_day=cutoff_day,
        )  # fmt: skip
        aged.loc[with_terms, Aging.DISCOUNT_DEADLINE] = pd.to_datetime(
            terms.discount_deadline(subset[PARSED_TERMS], subset[Invoices.INVOICE_DATE], cutoff_day=cutoff_day)
        )
        expired = aged[Aging.DISCOUNT_AVAILABLE] == 0  # shown blank: nothing to take any more
        aged.loc[expired, [Aging.DISCOUNT_AVAILABLE, Aging.DISCOUNT_DEADLINE]] = [np.nan, pd.NaT]
    if JURISDICTION not in customers.columns:
        customers, more = claims.govern(customers, governing_law or default_jurisdiction)
        problems += more
    charged, more = claims.charges(
        aged, customers, payments, rates, as_of, base_currency=base_currency, history=history
    )
    problems += more
    for column in charged.columns:
        aged[column] = charged[column].to_numpy()
    return aged, problems


def with_base_amount(invoices: pd.DataFrame, base_currency: str, rates: Any) -> pd.DataFrame:
    """Invoices with their whole amount in the base currency, as a thank-you covers what was paid.

    A missing rate is already an Exceptions row for open invoices; a paid one without a rate keeps a blank base
    amount, which only the queue's base-amount column shows.
    """
    base, _problems = fx.to_base(invoices[Invoices.AMOUNT], invoices[Invoices.CURRENCY], base_currency, rates)
    return invoices.assign(**{Aging.BASE_OPEN_AMOUNT: np.asarray(base, dtype="float64")})


def unapplied_cash(payments: pd.DataFrame, base_currency: str, rates: Any) -> tuple[pd.Series, list[Problem]]:
    """Payments not applied to any invoice, per customer, in the base currency (they reduce what is owed).

    A payment whose currency has no rate cannot be counted, and is not counted as 0 silently either: it is left
    out of its customer's sum and reported on its Payments row (the customer's balance is then too high by it).
    """
    loose = payments[payments[Payments.INVOICE_NUMBER].isna()]
    if loose.empty:
        return pd.Series(dtype="float64"), []
    base, missing = fx.to_base(
        loose[Payments.AMOUNT], loose[Payments.CURRENCY], base_currency, rates, sheet="Payments",
        column=Payments.CURRENCY,
    )  # fmt: skip
    whose = loose[Payments.CUSTOMER_ID]
    problems = [
        problem._replace(
            reason=f"unapplied payment not counted against the balance of {whose.get(problem.row)}, so any reminder "
            f"to {whose.get(problem.row)} is held: {problem.reason}"
        )
        for problem in missing
    ]
    return base.groupby(loose[Payments.CUSTOMER_ID]).sum(), problems


def uncounted_cash(payments: pd.DataFrame, base_currency: str, rates: Any) -> pd.Series:
    """Per customer with an unapplied payment that `unapplied_cash` could not count (no FX rate), why its balance
    is unknown: "a payment of 8,000.00 CHF received on 2026-11-15 cannot be counted: no FX rate for CHF — add it to
    the FX sheet". The planner holds that customer's reminders with this reason (`arcollect.engine.dunning`)."""
    loose = payments[payments[Payments.INVOICE_NUMBER].isna()]
    if loose.empty:
        return pd.Series(dtype=object)
    base, _problems = fx.to_base(loose[Payments.AMOUNT], loose[Payments.CURRENCY], base_currency, rates)
    lost = loose[pd.isna(np.asarray(base, dtype="float64"))]
    if lost.empty:
        return pd.Series(dtype=object)
    codes = lost[Payments.CURRENCY].astype("string").fillna("").str.strip().str.upper()
    digits = money.minor_units_array(codes.to_numpy(dtype=object))
    amounts = money.round_money(pd.to_numeric(lost[Payments.AMOUNT], errors="coerce").to_numpy(dtype="float64"), digits)
    days = pd.to_datetime(lost[Payments.DATE], errors="coerce")
    described = [
        f"{amount:,.{int(digit)}f} {code}" + (f" received on {day.date().isoformat()}" if not pd.isna(day) else "")
        for amount, digit, code, day in zip(amounts, digits, codes, days, strict=True)
    ]
    frame = pd.DataFrame({"customer": lost[Payments.CUSTOMER_ID].to_numpy(dtype=object), "text": described,
                          "code": codes.to_numpy(dtype=object)})  # fmt: skip

    def reason(group: pd.DataFrame) -> str:
        texts, codes = group["text"].tolist(), sorted(set(group["code"]))
        which = f"a payment of {texts[0]}" if len(texts) == 1 else "payments of " + ", ".join(texts)
        it = "it" if len(codes) == 1 else "them"
        return f"{which} cannot be counted: no FX rate for {', '.join(codes)} — add {it} to the FX sheet"

    return pd.Series({customer: reason(group) for customer, group in frame.groupby("customer", sort=False)})
