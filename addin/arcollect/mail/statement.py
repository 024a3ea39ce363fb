"""The reminder's statement as a CSV attachment, in the customer's language and number format.

    attachment = statement(values, language, renderer)   # `values`: the reminder's template context

`mail.compose` attaches it where the level attaches a statement and no payment block (`bank.letters`) gives the
PDF statement instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol

from arcollect.mail.message import Attachment
from arcollect.mail.records import minor_digits
from arcollect.mail.render import Renderer

_STATEMENT_WORDS = {  # English, for a user's own _strings.j2 that lacks a word
    "col_invoice": "Invoice", "col_invoice_date": "Invoice date", "col_due_date": "Due date",
    "col_days": "Days overdue", "col_currency": "Currency", "col_amount": "Amount",
    "subtotal": "Subtotal {currency}", "interest_total": "Late-payment interest",
    "compensation_total": "Fixed compensation for recovery costs", "credit": "Credit {number}",
    "credit_carried": "Remaining credit, carried forward", "balance": "Balance due ({currency})",
}  # fmt: skip


def statement(values: Mapping[str, Any], language: str, renderer: Renderer) -> Attachment:
    """The reminder's statement as a CSV file in the customer's language and number format.

    Headers and row labels come from the language's ``_strings.j2`` (the words the email uses), dates and amounts
    are formatted in the customer's locale, and the separator is ``;`` where the decimal mark is a comma (as
    Excel expects there). The rows add up to the same amount due, per currency, as the letter.
    """
    words = _words(renderer, language)
    country = str(values["customer"].get("country") or "")
    locale = _locale(language, country)
    separator = ";" if get_decimal_symbol(locale) == "," else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    headers = ("col_invoice", "col_invoice_date", "col_due_date", "col_days", "col_currency", "col_amount")
    writer.writerow([words[key] for key in headers])
    for section in values["sections"]:
        currency = section["currency"]

        def amount(value: Decimal, currency: str = currency) -> str:
            return _number(value, currency, locale)

        def total(label: str, value: Decimal, currency: str = currency) -> None:
            writer.writerow([label, "", "", "", currency, amount(value)])

        for invoice in section["invoices"]:
            writer.writerow(
                [
                    invoice["number"],
                    _local_date(invoice["invoice_date"], locale),
                    _local_date(invoice["due_date"], locale),
                    max(int(invoice["days_past_due"]), 0),
                    currency,
                    amount(invoice["open_amount"]),
                ]
            )
        total(words["subtotal"].format(currency=currency), section["subtotal"])
        if section["interest_total"]:
            total(words["interest_total"], section["interest_total"])
        if section["compensation_total"]:
            total(words["compensation_total"], section["compensation_total"])
        for credit in values["credits"]:
            if credit["currency"] == currency:
                total(words["credit"].format(number=credit["number"]), -abs(credit["open_amount"]))
        if section["credit_carried"]:
            total(words["credit_carried"], section["credit_carried"])
        total(words["balance"].format(currency=currency), section["amount_due"])
    name = f"statement-{values['customer']['id']}-{values['as_of']:%Y-%m-%d}.csv"
    return Attachment(name, ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv")


def _words(renderer: Renderer, language: str) -> dict[str, str]:
    try:
        module = renderer.environment.get_template(f"{language}/_strings.j2").module
    except Exception:  # a user's folder without the file: the built-in English words
        module = None
    return {key: str(getattr(module, key, default)) for key, default in _STATEMENT_WORDS.items()}


@functools.lru_cache(maxsize=256)
def _locale(language: str, country: str) -> Locale:
    for identifier in (f"{language}_{country}" if country else "", language, "en"):
        try:
            return Locale.parse(identifier) if identifier else Locale.parse("en")
        except (ValueError, LookupError):
            continue
    return Locale.parse("en")


def _number(value: Decimal, currency: str, locale: Locale) -> str:
    digits = minor_digits(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=False)


def _local_date(value: dt.date | None, locale: Locale) -> str:
    return "" if value is None else format_date(value, format="short", locale=locale)
