"""Booked credits → payments per invoice, by rules in a fixed order, or to a person when anything is unsure.

    result = matching.match(credits, invoices, customers, references=issued, payers=known)
    result.allocations   # one row per (credit, invoice): amount applied and the rule that matched
    result.unmatched     # credits no rule could apply with certainty, each with the reason and what it could be

The rules, tried in this order for each credit (docs/PAYMENTS.md):

1. **RF reference** — an RF creditor reference in the structured reference or anywhere in the remittance text that
   a reminder or statement of ours carried (`references`: reference → customer and invoices).
2. **Invoice number** — open invoice numbers written in the remittance text (as whole tokens, at least 4
   characters), all of one customer.
3. **Customer + exact amount** — the payer is one customer (an account that paid one of its invoices before, its
   customer ID in the text, or exactly its name), and the amount equals exactly one of its open invoices, or all
   of its open invoices in that currency together.

When a rule names invoices, the credit is applied to those still open, oldest due date first: the exact sum pays
them all; less pays them in that order and leaves the last one part-paid ("part payment"); more pays them all and
the rest stays with the customer as unapplied cash ("overpayment"). A credit is never applied when the rule's
invoices are in another currency, already paid, or belong to several customers, when the payer or amount fits
more than one invoice, for reversals and returned payments, and for a payer no rule recognises — those go to
`unmatched`, with the reason and the open items that fit in part ("Could be"), for a person to decide. Nothing is
ever guessed.

Credits are taken one by one in statement order against open amounts that earlier credits of the same import have
already reduced (so the same invoice is not paid twice); the invoices and look-ups are built once per import with
whole-column operations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from arcollect.bank import references as rf
from arcollect.bank.statements import Credit
from arcollect.engine import money
from arcollect.schema import Customers, Invoices

RF_REFERENCE = "RF reference"
INVOICE_NUMBER = "invoice number"
CUSTOMER_AMOUNT = "customer + exact amount"
BY_HAND = "by hand"
MIN_NUMBER_LENGTH = 4
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]")
_NAME_NOISE = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Allocation:
    """Part (or all) of one credit applied to one invoice — or, with `invoice` None, unapplied cash of a customer."""

    key: str
    customer_id: str
    invoice: str | None
    amount: Decimal
    currency: str
    rule: str
    booking_date: Any


@dataclass(frozen=True)
class Unmatched:
    credit: Credit
    reason: str
    candidates: str = ""


@dataclass
class Result:
    allocations: list[Allocation] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    learned_payers: dict[str, str] = field(default_factory=dict)

    def count(self, rule: str) -> int:
        return len({allocation.key for allocation in self.allocations if allocation.rule.startswith(rule)})


def normal_number(value: object) -> str:
    """An invoice number as the text search compares it: letters and digits only, upper-cased."""
    return _SEPARATORS.sub("", str(value)).upper()


def _normal_name(value: object) -> str:
    return " ".join(_NAME_NOISE.sub(" ", str(value).casefold()).split())


class _Book:
    """The open items of an import: open amount per invoice (reduced as credits are applied) and the look-ups."""

    def __init__(self, invoices: pd.DataFrame, customers: pd.DataFrame) -> None:
        iso = set(money.currency_codes())
        usable = invoices[invoices[Invoices.CURRENCY].astype(str).isin(iso)]  # a bad currency is a reader problem
        positive = usable[usable[Invoices.OPEN_AMOUNT].fillna(0) > 0]
        digits = money.minor_units_array(positive[Invoices.CURRENCY])
        amounts = [
            Decimal(str(value)).quantize(Decimal(1).scaleb(-int(d)))
            for value, d in zip(positive[Invoices.OPEN_AMOUNT].tolist(), digits.tolist(), strict=True)
        ]
        due = pd.to_datetime(positive[Invoices.DUE_DATE]).fillna(pd.Timestamp.max)
        self.open: dict[str, Decimal] = dict(zip(positive[Invoices.NUMBER].astype(str), amounts, strict=True))
        self.customer: dict[str, str] = dict(
            zip(invoices[Invoices.NUMBER].astype(str), invoices[Invoices.CUSTOMER_ID].astype(str), strict=True)
        )
        self.currency: dict[str, str] = dict(
            zip(invoices[Invoices.NUMBER].astype(str), invoices[Invoices.CURRENCY].astype(str), strict=True)
        )
        self.due: dict[str, Any] = dict(zip(positive[Invoices.NUMBER].astype(str), due.tolist(), strict=True))
        numbers = invoices[Invoices.NUMBER].astype(str)
        normal = numbers.map(normal_number)
        keep = normal.str.len() >= MIN_NUMBER_LENGTH
        self.by_normal: dict[str, list[str]] = {}
        for key, number in zip(normal[keep].tolist(), numbers[keep].tolist(), strict=True):
            self.by_normal.setdefault(key, []).append(number)
        ids = customers[Customers.ID].astype(str)
        self.by_id = {normal_number(value): value for value in ids if len(normal_number(value)) >= MIN_NUMBER_LENGTH}
        names = customers[Customers.NAME].map(_normal_name)
        self.by_name: dict[str, list[str]] = {}
        for name, customer_id in zip(names.tolist(), ids.tolist(), strict=True):
            if name:
                self.by_name.setdefault(name, []).append(customer_id)
        self.per_customer: dict[str, list[str]] = {}
        for number in self.open:
            self.per_customer.setdefault(self.customer[number], []).append(number)

    def still_open(self, numbers: Iterable[str]) -> list[str]:
        return sorted((n for n in numbers if self.open.get(n, Decimal(0)) > 0), key=lambda n: (self.due[n], n))


def match(
    credits: Sequence[Credit],
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    references: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
    payers: Mapping[str, str] | None = None,
) -> Result:
    """Apply each credit by the first rule that is certain, else hand it to a person (module docstring)."""
    book = _Book(invoices, customers)
    issued = dict(references or {})
    known = dict(payers or {})
    result = Result()
    for credit in credits:
        outcome = _one(credit, book, issued, known)
        if isinstance(outcome, Unmatched):
            result.unmatched.append(outcome)
            continue
        result.allocations += outcome
        sure = outcome[0].rule.split(" (")[0] in (RF_REFERENCE, INVOICE_NUMBER)
        if sure and credit.payer_account and credit.payer_account not in known:
            known[credit.payer_account] = outcome[0].customer_id
            result.learned_payers[credit.payer_account] = outcome[0].customer_id
    return result


def _one(
    credit: Credit, book: _Book, issued: Mapping[str, tuple[str, tuple[str, ...]]], known: Mapping[str, str]
) -> list[Allocation] | Unmatched:
    if "returned" in credit.extra:
        code = credit.extra["returned"]
        why = f" (return reason {code})" if code else ""
        return Unmatched(credit, f"a returned payment{why}: money of ours coming back, not a customer paying")
    if credit.reversal:
        return Unmatched(credit, "a reversal of an earlier booking — check it against the payment it reverses")
    text = f"{credit.reference} {credit.remittance}"
    found = [ref for ref in dict.fromkeys([*_valid(credit.reference), *rf.found_in(text)]) if ref in issued]
    if found:
        owners = {issued[ref][0] for ref in found}
        numbers = [number for ref in found for number in issued[ref][1]]
        if len(owners) > 1:
            return Unmatched(credit, f"references of several customers: {', '.join(sorted(owners))}")
        return _apply(credit, book, owners.pop(), numbers, RF_REFERENCE)
    named = _named_invoices(text, book)
    if named:
        owners = {book.customer[number] for number in named}
        if len(owners) > 1:
            listed = ", ".join(f"{n} ({book.customer[n]})" for n in named)
            return Unmatched(credit, f"names invoices of several customers: {listed}")
        return _apply(credit, book, owners.pop(), named, INVOICE_NUMBER)
    return _by_customer_and_amount(credit, book, known, text)


def _valid(reference: str) -> list[str]:
    try:
        return [rf.compact(reference)] if reference and reference.upper().startswith("RF") else []
    except ValueError:
        return []


def _named_invoices(text: str, book: _Book) -> list[str]:
    tokens = {normal_number(token) for token in _TOKEN.findall(text)}
    tokens |= {normal_number(part) for token in _TOKEN.findall(text) for part in re.split(r"[/_.-]", token)}
    named = [number for token in tokens for number in book.by_normal.get(token, ())]
    return sorted(set(named))


def _apply(
    credit: Credit, book: _Book, customer: str, numbers: Sequence[str], rule: str
) -> list[Allocation] | Unmatched:
    in_currency = [n for n in numbers if book.currency.get(n) == credit.currency]
    if numbers and not in_currency:
        currencies = ", ".join(sorted({book.currency.get(n, "?") for n in numbers}))
        return Unmatched(
            credit, f"{rule} points to {customer}'s invoices in {currencies}, but the payment is in {credit.currency}"
        )
    targets = book.still_open(in_currency)
    if not targets:
        listed = ", ".join(sorted(set(in_currency)))
        return Unmatched(credit, f"{rule} points to {listed} of {customer}, already paid — a second payment?")
    remaining = credit.amount
    allocations = []
    total = sum((book.open[n] for n in targets), Decimal(0))
    for number in targets:
        if remaining <= 0:
            break
        part = min(remaining, book.open[number])
        book.open[number] -= part
        remaining -= part
        allocations.append(Allocation(credit.key, customer, number, part, credit.currency, rule, credit.booking_date))
    suffix = ""
    if credit.amount < total:
        suffix = " (part payment)"
    elif remaining > 0:
        suffix = " (overpayment)"
        allocations.append(
            Allocation(credit.key, customer, None, remaining, credit.currency, rule, credit.booking_date)
        )
    return [Allocation(a.key, a.customer_id, a.invoice, a.amount, a.currency, a.rule + suffix, a.booking_date)
            for a in allocations]  # fmt: skip


def _by_customer_and_amount(
    credit: Credit, book: _Book, known: Mapping[str, str], text: str
) -> list[Allocation] | Unmatched:
    signals = {}
    if credit.payer_account and credit.payer_account in known:
        signals["account"] = {known[credit.payer_account]}
    ids = {book.by_id[normal_number(token)] for token in _TOKEN.findall(text) if normal_number(token) in book.by_id}
    if ids:
        signals["customer ID"] = ids
    by_name = set(book.by_name.get(_normal_name(credit.payer), ())) if credit.payer else set()
    if by_name:
        signals["name"] = by_name
    if not signals:
        who = f"payer '{credit.payer}'" if credit.payer else "a payer without a name"
        return Unmatched(credit, f"unknown payer: {who}, no reference, invoice number or customer ID in the text")
    everyone = set().union(*signals.values())
    if len(everyone) > 1:
        detail = "; ".join(f"{how}: {', '.join(sorted(found))}" for how, found in signals.items())
        return Unmatched(credit, f"the payer fits several customers ({detail})")
    customer = everyone.pop()
    open_here = [
        n for n in book.per_customer.get(customer, ()) if book.open[n] > 0 and book.currency[n] == credit.currency
    ]
    exact = [n for n in open_here if book.open[n] == credit.amount]
    if len(exact) == 1:
        return _apply(credit, book, customer, exact, CUSTOMER_AMOUNT)
    total = sum((book.open[n] for n in open_here), Decimal(0))
    if open_here and len(exact) == 0 and total == credit.amount:
        return _apply(credit, book, customer, open_here, CUSTOMER_AMOUNT + " (whole balance)")
    listed = ", ".join(f"{n} {book.open[n]}" for n in book.still_open(open_here)[:8])
    if len(exact) > 1:
        return Unmatched(credit, f"{customer}: {len(exact)} open invoices of exactly this amount — which one?", listed)
    if not open_here:
        return Unmatched(credit, f"{customer} has nothing open in {credit.currency}", "")
    return Unmatched(
        credit,
        f"{customer}: no open invoice and not the open total ({total} {credit.currency}) equals the amount",
        listed,
    )
