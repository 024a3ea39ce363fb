"""From a planned row of the reminder queue to a rendered `Reminder`.

    reminder = compose(row, items, customer, settings, renderer, now=now)

The template context follows docs/INTERFACES.md: one section per currency with its invoices and subtotal, the
customer's credit notes shown net, statutory interest and compensation where the level adds them, and the total
in the base currency. Money enters the context as `Decimal`, rounded half up to each currency's minor unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

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
    sections = []
    for currency, group in items.groupby(Invoices.CURRENCY, sort=True):
        digits = _coerce.minor_units(str(currency))
        invoices = [_invoice(record, digits, level.add_interest) for record in group.to_dict("records")]
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
    credit_rows = [
        {
            "number": record[Invoices.NUMBER],
            "currency": record[Invoices.CURRENCY],
            "open_amount": _coerce.to_decimal(
                record[Invoices.OPEN_AMOUNT], _coerce.minor_units(record[Invoices.CURRENCY])
            ),
        }
        for record in credits.to_dict("records")
    ]
    links = items[Invoices.PAYMENT_LINK].dropna() if Invoices.PAYMENT_LINK in items else pd.Series(dtype=object)
    base_digits = _coerce.minor_units(settings.base_currency)
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
        "total_base": _coerce.to_decimal(float(items[Aging.BASE_OPEN_AMOUNT].sum()), base_digits),
        "base_currency": settings.base_currency,
        "payment_link": str(links.iloc[0]) if len(links) else None,
        "interest_law": INTEREST_LAWS.get(jurisdiction) if level.add_interest else None,
    }


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
    values = context(row, items, credits, customer, settings, level)
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


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) or str(value).strip() == "" else str(value)


def _split(addresses: Any) -> list[str]:
    return [part.strip() for part in str(addresses or "").replace(",", ";").split(";") if part.strip()]
