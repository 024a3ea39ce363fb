"""From a planned row of the reminder queue to a rendered `Reminder`.

    records = Records(items, credits, customers, reminders=rows)   # once per run: plain records
    reminder = compose_from(row, records, settings, level, renderer)

The template context follows docs/INTERFACES.md: one section per currency with its invoices and subtotal, the
customer's credit notes shown net, statutory interest and compensation where the level adds them, and the total
in the base currency. Money enters the context as `Decimal`, rounded half up to each currency's minor unit.

`context` and `compose` take one reminder's invoices and credits as DataFrames (a single reminder, tests); a run
uses `Records`, which turns the invoices, credits and customers into plain records once, so that each reminder
costs dictionary look-ups rather than pandas operations on two-row frames. Both give the same context.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from arcollect.book.schema import Aging, Customers, Invoices, Queue
from arcollect.engine import _coerce, dunning, pricing
from arcollect.mail.message import Attachment, Reminder, idempotency_key
from arcollect.mail.render import Renderer

INTEREST_LAWS = {
    "DE": "§ 288 BGB",
    "FR": "art. L441-10 Code de commerce",
    "GB": "Late Payment of Commercial Debts (Interest) Act 1998",
    "NL": "art. 6:119a BW",
    "IT": "D.Lgs. 231/2002",
    "ES": "Ley 3/2004",
    "IE": "S.I. No. 580/2012",
    "EU": "Directive 2011/7/EU",
}
_NO_CHARGES = {"interest": Decimal(0), "compensation": Decimal(0)}
# The columns a reminder's context reads (`_Item.of`, `_context`, `_credit_rows`): records hold only these.
_ITEM_COLUMNS = (
    Invoices.NUMBER, Invoices.CURRENCY, Invoices.INVOICE_DATE, Invoices.DUE_DATE, Invoices.OPEN_AMOUNT,
    Invoices.PAYMENT_LINK, Invoices.PO_NUMBER, Aging.DAYS_PAST_DUE, Aging.BASE_OPEN_AMOUNT, Aging.DISCOUNT_AVAILABLE,
    Aging.DISCOUNT_DEADLINE, Aging.LATE_INTEREST, Aging.FIXED_COMPENSATION,
)  # fmt: skip
_CREDIT_COLUMNS = (Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT)
_CUSTOMER_COLUMNS = (Customers.ID, Customers.NAME, Customers.CURRENCY, dunning.COUNTRY, pricing.JURISDICTION)


class Records:
    """A run's invoices, credit notes and customers as plain records, converted to context values on first use.

    `items` are the invoices reminders list (the first row of a repeated number wins, as the run's look-up does);
    `credits` the credit notes and unapplied payments, by customer. `reminders`, the queue rows to be composed,
    limits the records to their invoices and customers. A record's money and dates are converted once per run, not
    once per reminder; a value that cannot be converted (an unknown currency) raises when a reminder uses it, so
    only that reminder fails.
    """

    def __init__(
        self,
        items: pd.DataFrame,
        credits: pd.DataFrame,
        customers: pd.DataFrame | None = None,
        *,
        reminders: pd.DataFrame | None = None,
    ) -> None:
        unique = items.drop_duplicates(Invoices.NUMBER)
        people = customers.drop_duplicates(Customers.ID) if customers is not None else None
        if reminders is not None:  # only what these queue rows name: their invoices, customers and credits
            unique = unique[unique[Invoices.NUMBER].isin(reminders[dunning.INVOICE_LIST].explode().dropna())]
            credits = credits[credits[Invoices.CUSTOMER_ID].isin(reminders[Queue.CUSTOMER_ID])]
            people = people[people[Customers.ID].isin(reminders[Queue.CUSTOMER_ID])] if people is not None else None
        self._items = dict(zip(unique[Invoices.NUMBER].tolist(), _records(unique, _ITEM_COLUMNS), strict=True))
        self._credit_records = _records(credits, _CREDIT_COLUMNS)
        self._credit_rows = credits.groupby(Invoices.CUSTOMER_ID, sort=False).indices
        self.customers: dict[Any, dict[str, Any]] = {}
        if people is not None:
            self.customers = dict(zip(people[Customers.ID].tolist(), _records(people, _CUSTOMER_COLUMNS), strict=True))
        self._invoices: dict[Any, _Item] = {}
        self._credits: dict[Any, list[dict[str, Any]]] = {}

    def invoices(self, numbers: Sequence[Any]) -> list[_Item]:
        """The converted invoices named `numbers`, in that order; KeyError for a number not in the run."""
        found = []
        for number in numbers:
            item = self._invoices.get(number)
            if item is None:
                item = self._invoices[number] = _Item.of(self._items[number])
            found.append(item)
        return found

    def credits(self, customer_id: Any) -> list[dict[str, Any]]:
        """The customer's credit notes and unapplied payments as context rows (a new list each time)."""
        rows = self._credits.get(customer_id)
        if rows is None:
            positions = self._credit_rows.get(customer_id, ())
            rows = self._credits[customer_id] = _credit_rows(self._credit_records[i] for i in positions)
        return list(rows)


class _Item:
    """One invoice converted for the template context, with what sections and totals need beside it."""

    __slots__ = ("base_amount", "currency", "invoice", "link")

    def __init__(self, invoice: dict[str, Any], currency: Any, base_amount: Any, link: Any) -> None:
        self.invoice, self.currency, self.base_amount, self.link = invoice, currency, base_amount, link

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> _Item:
        currency = record.get(Invoices.CURRENCY)
        grouped = not _missing(currency)
        invoice = _invoice(record, _minor_units(str(currency)), True) if grouped else {}
        link = record.get(Invoices.PAYMENT_LINK)
        return cls(invoice, currency if grouped else None, record[Aging.BASE_OPEN_AMOUNT], link)

    def for_level(self, with_interest: bool) -> dict[str, Any]:
        return dict(self.invoice) if with_interest else {**self.invoice, **_NO_CHARGES}


def key_for(row: Mapping[str, Any]) -> str:
    """The idempotency key of a queue row: customer, level, its invoices and the customer's local date."""
    return idempotency_key(
        row[Queue.CUSTOMER_ID], int(row[Queue.LEVEL]), row[dunning.INVOICE_LIST], pd.Timestamp(row[dunning.LOCAL_DATE])
    )


def context(
    row: Mapping[str, Any],
    items: pd.DataFrame,
    credits: pd.DataFrame,
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
) -> dict[str, Any]:
    """The template context of one reminder: `items` are its invoices, `credits` the customer's credit notes."""
    invoices = [_Item.of(record) for record in items.to_dict("records")]
    return _context(row, invoices, _credit_rows(credits.to_dict("records")), customer, settings, level)


def context_from(row: Mapping[str, Any], records: Records, settings: Any, level: Any) -> dict[str, Any]:
    """The template context of the reminder of queue `row`, from the run's `records` (same as `context`)."""
    customer_id = row[Queue.CUSTOMER_ID]
    invoices = records.invoices(row[dunning.INVOICE_LIST])
    return _context(row, invoices, records.credits(customer_id), records.customers[customer_id], settings, level)


def compose(
    row: Mapping[str, Any],
    items: pd.DataFrame,
    credits: pd.DataFrame,
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
    renderer: Renderer,
) -> Reminder:
    """Render the reminder of one queue row; raises `RenderError` when its template fails."""
    return _compose(row, context(row, items, credits, customer, settings, level), settings, level, renderer)


def compose_from(row: Mapping[str, Any], records: Records, settings: Any, level: Any, renderer: Renderer) -> Reminder:
    """`compose` for a run: the reminder of queue `row` from the run's `records`; raises `RenderError` likewise."""
    return _compose(row, context_from(row, records, settings, level), settings, level, renderer)


def _compose(row: Mapping[str, Any], values: dict[str, Any], settings: Any, level: Any, renderer: Renderer) -> Reminder:
    rendered = renderer.render(str(row[Queue.TEMPLATE]), str(row[Queue.LANGUAGE]), values)
    attachments = (_statement(values),) if level.attach_statement else ()
    send_at = row[Queue.SEND_AT_UTC]
    return Reminder(
        key=key_for(row),
        customer_id=str(row[Queue.CUSTOMER_ID]),
        level=int(row[Queue.LEVEL]),
        template=str(row[Queue.TEMPLATE]),
        language=rendered.language,
        sender=settings.sender_mailbox or "reminders@arcollect.invalid",
        to=tuple(_split(row[Queue.TO])),
        cc=tuple(_split(row[Queue.CC])),
        reply_to=settings.reply_to or None,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        attachments=attachments,
        invoices=tuple(row[dunning.INVOICE_LIST]),
        variant=str(row[Queue.TEMPLATE]) if len(getattr(level, "templates", ())) > 1 else None,
        send_at=pd.Timestamp(send_at).to_pydatetime() if pd.notna(send_at) else None,
    )


def _context(
    row: Mapping[str, Any],
    items: list[_Item],
    credit_rows: list[dict[str, Any]],
    customer: Mapping[str, Any],
    settings: Any,
    level: Any,
) -> dict[str, Any]:
    by_currency: dict[Any, list[dict[str, Any]]] = {}
    for item in items:  # one section per currency, sorted by code, invoices in the reminder's order
        if item.currency is not None:
            by_currency.setdefault(item.currency, []).append(item.for_level(level.add_interest))
    sections = []
    for currency in sorted(by_currency):
        invoices = by_currency[currency]
        subtotal = sum((invoice["open_amount"] for invoice in invoices), Decimal(0))
        interest = sum((invoice["interest"] for invoice in invoices), Decimal(0))
        compensation = sum((invoice["compensation"] for invoice in invoices), Decimal(0))
        discount = sum((invoice["discount"] or Decimal(0) for invoice in invoices), Decimal(0))
        sections.append(
            {
                "currency": str(currency),
                "invoices": invoices,
                "subtotal": subtotal,
                "discount_total": discount,
                "interest_total": interest,
                "compensation_total": compensation,
                "total_with_charges": subtotal + interest + compensation,
            }
        )
    link = next((item.link for item in items if not _missing(item.link)), None)
    base_digits = _minor_units(settings.base_currency)
    jurisdiction = str(customer.get(pricing.JURISDICTION) or settings.default_jurisdiction)
    return {
        "customer": {
            "id": str(customer[Customers.ID]),
            "name": str(customer[Customers.NAME]),
            "email": str(row[Queue.TO]),
            "country": str(customer.get(dunning.COUNTRY) or ""),
            "language": str(row[Queue.LANGUAGE]),
            "currency": str(customer.get(Customers.CURRENCY) or settings.base_currency),
        },
        "company": {
            "name": settings.company_name,
            "bank_details": settings.bank_details,
            "reply_to": settings.reply_to,
            "sender": settings.sender_mailbox,
        },
        "level": {"number": int(level.level), "name": level.name, "tone": level.tone},
        "as_of": pd.Timestamp(row[dunning.LOCAL_DATE]).date(),
        "sections": sections,
        "credits": credit_rows,
        "total_base": _coerce.to_decimal(_total(item.base_amount for item in items), base_digits),
        "base_currency": settings.base_currency,
        "payment_link": str(link) if link is not None else None,
        "interest_law": INTEREST_LAWS.get(jurisdiction) if level.add_interest else None,
    }


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """`frame`'s rows as dicts of those of `columns` it has (a missing column reads as absent, as before)."""
    return frame[[column for column in columns if column in frame.columns]].to_dict("records")


def _total(amounts: Iterable[Any]) -> float:
    """The sum pandas' `Series.sum` gives (missing amounts skipped, numpy's summation order), as a float."""
    values = np.fromiter(amounts, dtype="float64")
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _credit_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "number": record[Invoices.NUMBER],
            "currency": record[Invoices.CURRENCY],
            "open_amount": _coerce.to_decimal(record[Invoices.OPEN_AMOUNT], _minor_units(record[Invoices.CURRENCY])),
        }
        for record in records
    ]


@functools.lru_cache(maxsize=256)
def _minor_units(currency: str) -> int:
    return _coerce.minor_units(currency)


def _invoice(record: Mapping[str, Any], digits: int, with_interest: bool) -> dict[str, Any]:
    def money(key: str) -> Decimal | None:
        value = record.get(key)
        return None if value is None or pd.isna(value) else _coerce.to_decimal(float(value), digits)

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
        "payment_link": _text(record.get(Invoices.PAYMENT_LINK)),
        "po_number": _text(record.get(Invoices.PO_NUMBER)),
    }


def _statement(values: Mapping[str, Any]) -> Attachment:
    """A CSV statement of the reminder's invoices, for the levels that attach one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Invoice", "Invoice date", "Due date", "Days past due", "Currency", "Open amount"])
    for section in values["sections"]:
        for invoice in section["invoices"]:
            writer.writerow(
                [
                    invoice["number"],
                    invoice["invoice_date"],
                    invoice["due_date"],
                    invoice["days_past_due"],
                    section["currency"],
                    invoice["open_amount"],
                ]
            )
    name = f"statement-{values['customer']['id']}-{values['as_of']:%Y-%m-%d}.csv"
    return Attachment(name, buffer.getvalue().encode("utf-8"), "text/csv")


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) or str(value).strip() == "" else str(value)


def _split(addresses: Any) -> list[str]:
    return [part.strip() for part in str(addresses or "").replace(",", ";").split(";") if part.strip()]
