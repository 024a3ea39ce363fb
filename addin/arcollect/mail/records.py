"""A run's invoices, credits, customers and sent reminders as plain records: what each reminder's context reads.

    records = Records(items, credits, customers, reminders=rows, accounts=open_items, history=sent)  # once per run
    invoices = records.invoices(numbers)          # `Item`s: each invoice converted for the template context once

`mail.compose` builds one reminder's context from these with dictionary look-ups, not pandas operations on a
two-row frame per reminder. Money becomes `Decimal` here, rounded half up to each currency's minor unit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from arcollect.engine import dunning, pricing
from arcollect.engine.law import claims
from arcollect.engine.money import minor_units, to_decimal
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

_NO_CHARGES = {"interest": Decimal(0), "compensation": Decimal(0), "paid_to_charges": Decimal(0)}
# The columns a reminder's context reads (`Item.of`, `_context`, `_credit_rows`): records hold only these.
_ITEM_COLUMNS = (
    Invoices.NUMBER, Invoices.CURRENCY, Invoices.INVOICE_DATE, Invoices.DUE_DATE, Invoices.OPEN_AMOUNT,
    Invoices.PAYMENT_LINK, Invoices.PO_NUMBER, Aging.DAYS_PAST_DUE, Aging.BASE_OPEN_AMOUNT, Aging.DISCOUNT_AVAILABLE,
    Aging.DISCOUNT_DEADLINE, Aging.LATE_INTEREST, Aging.FIXED_COMPENSATION, Aging.PAID_TO_CHARGES, claims.KIND,
    claims.GOVERNING, claims.CONSUMER, claims.LATE_CHARGE, claims.NOTICE_COSTS, Invoices.PAID_DATE,
    claims.COST_DEBT, claims.COST_RATE,
)  # fmt: skip
# What the statement section shows of the account's other open items.
_ACCOUNT_COLUMNS = (
    Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.DUE_DATE, Invoices.OPEN_AMOUNT,
    Aging.DAYS_PAST_DUE, Invoices.STATUS, Invoices.PROMISE_DATE, Invoices.PLAN_NEXT_DATE,
)  # fmt: skip
_CREDIT_COLUMNS = (Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT)
_CUSTOMER_COLUMNS = (Customers.ID, Customers.NAME, Customers.CURRENCY, dunning.COUNTRY, pricing.JURISDICTION)


class Records:
    """A run's invoices, credit notes and customers as plain records, converted to context values on first use.

    `items` are the invoices reminders list (the first row of a repeated number wins, as the run's look-up does);
    `credits` the credit notes and unapplied payments, by customer. `reminders`, the queue rows to be composed,
    limits the records to their invoices and customers. `accounts` are the open items of every customer (the
    statement section lists those a reminder does not chase; default: none) and
    `history` the sent reminders, one row per (reminder, invoice) as `run` hands them to the planner, with
    `level_names` naming their levels (only those levels are cited as earlier reminders). A record's money and
    dates are converted once per run, not once per reminder; a value that cannot be converted (an unknown
    currency) raises when a reminder uses it, so only that reminder fails.
    """

    def __init__(
        self,
        items: pd.DataFrame,
        credits: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        reminders: pd.DataFrame | None = None,
        accounts: pd.DataFrame | None = None,
        history: pd.DataFrame | None = None,
        level_names: Mapping[int, str] | None = None,
    ) -> None:
        unique = items.drop_duplicates(Invoices.NUMBER)
        people = customers.drop_duplicates(Customers.ID) if customers is not None else None
        if accounts is None:
            accounts = unique.iloc[0:0]
        else:
            accounts = accounts[accounts[Invoices.OPEN_AMOUNT] > 0].drop_duplicates(Invoices.NUMBER)
        if reminders is not None:  # only what these queue rows name: their invoices, customers and credits
            named = reminders[dunning.INVOICE_LIST].explode().dropna()
            unique = unique[unique[Invoices.NUMBER].isin(named)]
            credits = credits[credits[Invoices.CUSTOMER_ID].isin(reminders[Queue.CUSTOMER_ID])]
            accounts = accounts[accounts[Invoices.CUSTOMER_ID].isin(reminders[Queue.CUSTOMER_ID])]
            people = people[people[Customers.ID].isin(reminders[Queue.CUSTOMER_ID])] if people is not None else None
            if history is not None and not history.empty:
                history = history[history[Invoices.NUMBER].isin(named)]
        self._items = dict(zip(unique[Invoices.NUMBER].tolist(), _records(unique, _ITEM_COLUMNS), strict=True))
        self._credit_records = _records(credits, _CREDIT_COLUMNS)
        self._credit_rows = credits.groupby(Invoices.CUSTOMER_ID, sort=False).indices
        accounts = _by_due_date(accounts)
        self._account_records = _records(accounts, _ACCOUNT_COLUMNS)
        self._account_rows = accounts.groupby(Invoices.CUSTOMER_ID, sort=False).indices
        self.customers: dict[Any, dict[str, Any]] = {}
        if people is not None:
            self.customers = dict(zip(people[Customers.ID].tolist(), _records(people, _CUSTOMER_COLUMNS), strict=True))
        self._history = _history_by_invoice(history, level_names)
        self._level_names = dict(level_names or {})
        self._invoices: dict[Any, Item] = {}
        self._credits: dict[Any, list[dict[str, Any]]] = {}
        self._accounts: dict[Any, list[dict[str, Any]]] = {}

    def invoices(self, numbers: Sequence[Any]) -> list[Item]:
        """The converted invoices named `numbers`, in that order; KeyError for a number not in the run."""
        found = []
        for number in numbers:
            item = self._invoices.get(number)
            if item is None:
                item = self._invoices[number] = Item.of(self._items[number])
            found.append(item)
        return found

    def credits(self, customer_id: Any) -> list[dict[str, Any]]:
        """The customer's credit notes and unapplied payments as context rows (a new list each time)."""
        rows = self._credits.get(customer_id)
        if rows is None:
            positions = self._credit_rows.get(customer_id, ())
            rows = self._credits[customer_id] = _credit_rows(self._credit_records[i] for i in positions)
        return list(rows)

    def others(self, customer_id: Any, chased: Iterable[Any]) -> list[dict[str, Any]]:
        """The customer's open items that a reminder chasing `chased` does not list, oldest due date first."""
        rows = self._accounts.get(customer_id)
        if rows is None:
            positions = self._account_rows.get(customer_id, ())
            rows = self._accounts[customer_id] = [_account_row(self._account_records[i]) for i in positions]
        skip = {str(number) for number in chased}
        return [row for row in rows if row["number"] not in skip]

    def history(self, numbers: Iterable[Any], zone: Any = None) -> list[dict[str, Any]]:
        """The earlier reminders about `numbers` (of the levels named), one per day and level, oldest first."""
        sent: set[tuple[dt.datetime, int]] = set()
        for number in numbers:
            sent.update(self._history.get(str(number), ()))
        return _history_rows(sent, self._level_names, zone)

    def reminded(self, numbers: Iterable[Any], zone: Any = None) -> dict[str, list[dt.date]]:
        """Per invoice of `numbers`, the local days of the earlier reminders about it (as `history` cites them)."""
        return _reminded_days({str(number): self._history.get(str(number), ()) for number in numbers}, zone)


def _by_due_date(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or Invoices.DUE_DATE not in frame.columns:
        return frame
    return frame.sort_values([Invoices.DUE_DATE, Invoices.NUMBER], kind="stable", na_position="last")


def _history_by_invoice(
    history: pd.DataFrame | None, level_names: Mapping[int, str] | None
) -> dict[str, list[tuple[dt.datetime, int]]]:
    if history is None or history.empty or not level_names:
        return {}
    wanted = history[history[Log.LEVEL].isin(list(level_names))]
    moments = pd.to_datetime(wanted[Log.SENT_AT], utc=True).dt.to_pydatetime()
    found: dict[str, list[tuple[dt.datetime, int]]] = {}
    for number, level, moment in zip(wanted[Invoices.NUMBER].astype(str), wanted[Log.LEVEL], moments, strict=True):
        if moment is not None and not pd.isna(moment):
            found.setdefault(number, []).append((moment, int(level)))
    return found


def _history_rows(sent: Iterable[tuple[dt.datetime, int]], names: Mapping[int, str], zone: Any) -> list[dict]:
    """One row per (local day, level), oldest first: what the templates cite ("we wrote to you on …")."""
    where = _zone(zone)
    days = sorted({(moment.astimezone(where).date(), level) for moment, level in sent})
    return [{"date": day, "level": level, "name": names.get(level, "")} for day, level in days]


def _reminded_days(sent: Mapping[str, Iterable[tuple[dt.datetime, int]]], zone: Any) -> dict[str, list[dt.date]]:
    where = _zone(zone)
    return {number: sorted({moment.astimezone(where).date() for moment, _ in rows}) for number, rows in sent.items()}


@functools.lru_cache(maxsize=256)
def _zone_named(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


def _zone(zone: Any) -> dt.tzinfo:
    return dt.UTC if missing(zone) or not str(zone).strip() else _zone_named(str(zone).strip())


class Item:
    """One invoice converted for the template context, with what sections and totals need beside it.

    `basis` is (kind, governing law, consumer, contractual rule text) of its late charges: what the letter cites.
    `cost` is (debt, rate): the debt a scale of collection costs was applied to, in the statute's currency, and the
    rate back into the invoice's currency (NaN, NaN without a scale) — `compose._on_the_claim`.
    """

    __slots__ = ("base_amount", "basis", "cost", "currency", "invoice", "link", "notice_costs", "open_amount")

    def __init__(
        self,
        invoice: dict[str, Any],
        currency: Any,
        base_amount: Any,
        link: Any,
        open_amount: Any,
        basis: tuple[str, str, bool, str] = ("", "", False, ""),
        notice_costs: Decimal = Decimal(0),
        cost: tuple[float, float] = (float("nan"), float("nan")),
    ) -> None:
        self.invoice, self.currency, self.base_amount, self.link = invoice, currency, base_amount, link
        self.open_amount, self.basis, self.notice_costs, self.cost = open_amount, basis, notice_costs, cost

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Item:
        currency = record.get(Invoices.CURRENCY)
        grouped = not missing(currency)
        digits = minor_digits(str(currency)) if grouped else 2
        invoice = _invoice(record, digits, True) if grouped else {}
        link, open_amount = record.get(Invoices.PAYMENT_LINK), record.get(Invoices.OPEN_AMOUNT)
        basis = (
            str(record.get(claims.KIND) or ""),
            str(record.get(claims.GOVERNING) or ""),
            bool(record.get(claims.CONSUMER) or False),
            str(record.get(claims.LATE_CHARGE) or ""),
        )
        notice = record.get(claims.NOTICE_COSTS)
        notice_costs = to_decimal(float(notice), digits) if grouped and not missing(notice) else Decimal(0)
        cost = tuple(float("nan") if missing(record.get(key)) else float(record[key])
                     for key in (claims.COST_DEBT, claims.COST_RATE))  # fmt: skip
        return cls(
            invoice, currency if grouped else None, record[Aging.BASE_OPEN_AMOUNT], link, open_amount, basis,
            notice_costs, cost,
        )  # fmt: skip

    def for_level(self, with_interest: bool) -> dict[str, Any]:
        """The invoice as this level shows it: with charges, the principal the law still counts as owed."""
        if not with_interest:
            return {**self.invoice, **_NO_CHARGES}
        shown = dict(self.invoice)
        if shown.get("paid_to_charges"):
            shown["open_amount"] = shown["open_amount"] + shown["paid_to_charges"]
        return shown


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """`frame`'s rows as dicts of those of `columns` it has (a missing column reads as absent, as before)."""
    return frame[[column for column in columns if column in frame.columns]].to_dict("records")


def _credit_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "number": record[Invoices.NUMBER],
            "currency": record[Invoices.CURRENCY],
            "open_amount": to_decimal(record[Invoices.OPEN_AMOUNT], minor_digits(record[Invoices.CURRENCY])),
        }
        for record in records
    ]


def _account_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One open item of the statement section: what it is, how much, and why this reminder does not chase it."""
    currency = str(record.get(Invoices.CURRENCY) or "")
    digits = minor_digits(currency) if currency else 2
    days = record.get(Aging.DAYS_PAST_DUE)
    status = str(record.get(Invoices.STATUS) or "Open")
    return {
        "number": str(record[Invoices.NUMBER]),
        "currency": currency,
        "due_date": _date(record.get(Invoices.DUE_DATE)),
        "days_past_due": None if missing(days) else int(days),
        "open_amount": to_decimal(float(record[Invoices.OPEN_AMOUNT]), digits),
        "status": status,
        "promise_date": _date(record.get(Invoices.PROMISE_DATE)),
        "plan_date": _date(record.get(Invoices.PLAN_NEXT_DATE)),
    }


@functools.lru_cache(maxsize=256)
def minor_digits(currency: str) -> int:
    return minor_units(currency)


def _invoice(record: Mapping[str, Any], digits: int, with_interest: bool) -> dict[str, Any]:
    def money(key: str) -> Decimal | None:
        value = record.get(key)
        return None if value is None or pd.isna(value) else to_decimal(float(value), digits)

    deadline = record.get(Aging.DISCOUNT_DEADLINE)
    discount = money(Aging.DISCOUNT_AVAILABLE)
    return {
        "number": str(record[Invoices.NUMBER]),
        "invoice_date": _date(record.get(Invoices.INVOICE_DATE)),
        "due_date": _date(record.get(Invoices.DUE_DATE)),
        "days_past_due": int(record[Aging.DAYS_PAST_DUE]),
        "open_amount": money(Invoices.OPEN_AMOUNT) or Decimal(0),
        "discount": discount if discount else None,
        "discount_deadline": _date(deadline) if discount else None,
        "interest": (money(Aging.LATE_INTEREST) or Decimal(0)) if with_interest else Decimal(0),
        "compensation": (money(Aging.FIXED_COMPENSATION) or Decimal(0)) if with_interest else Decimal(0),
        "paid_to_charges": (money(Aging.PAID_TO_CHARGES) or Decimal(0)) if with_interest else Decimal(0),
        "payment_link": _text(record.get(Invoices.PAYMENT_LINK)),
        "po_number": _text(record.get(Invoices.PO_NUMBER)),
        "paid_date": _date(record.get(Invoices.PAID_DATE)),
    }


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) or str(value).strip() == "" else str(value)
