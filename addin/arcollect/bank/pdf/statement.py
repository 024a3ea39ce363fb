"""The PDF statement's content: the letter's lines per currency (invoices, subtotal, the charges that are charged,
credit notes, the credit carried forward, the balance due), how to pay it (`payment`), and the account's other
open items for information; its labels from the template strings of the letter's language (`strings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pickle
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from arcollect.bank.pdf.fonts import CJK, FACE, fonts
from arcollect.bank.pdf.page import Statement, Writer
from arcollect.bank.pdf.payment import payment_part
from arcollect.book.settings import Settings
from arcollect.mail.formats import letter_locale
from arcollect.mail.message import Attachment

logger = logging.getLogger(__name__)


# Column widths (mm) of the invoice table: without charges, with one of interest and compensation, with both.
_WIDTHS = {0: (34, 32, 32, 30, 52), 1: (30, 27, 27, 24, 36, 36), 2: (26, 25, 25, 22, 27, 27, 28)}


def strings(renderer: Any, language: str) -> Mapping[str, Any]:
    """The customer's language's template strings (a user's TemplateDir first), English for what is missing."""
    english = renderer.environment.get_template("en/_strings.j2").module if renderer is not None else None
    try:
        own = renderer.environment.get_template(f"{language}/_strings.j2").module if renderer is not None else None
    except Exception:  # a language without strings: English
        own = None
    found: dict[str, Any] = {}
    for name in _WORDS:
        value = getattr(own, name, None) if own is not None else None
        found[name] = value if isinstance(value, str) else getattr(english, name, name)
    return found


_WORDS = (
    "statement_title", "statement_page", "statement_scan", "account", "col_invoice", "col_invoice_date",
    "col_due_date", "col_days", "col_amount", "col_interest", "col_compensation", "subtotal", "interest_total",
    "compensation_total", "credit", "credit_carried", "balance", "other_credits", "other_heading", "other_note",
    "other_disputed", "other_promised", "other_plan", "days_overdue_one", "days_overdue_other", "due_today",
    "due_in_one", "due_in_other", "pay_amount", "pay_reference_label", "pay_reference_rf", "pay_no_account",
    "qr_epc", "qr_swiss", "team",
)  # fmt: skip


def statement_attachment(
    values: Mapping[str, Any], settings: Settings, renderer: Any, language: str | None = None
) -> Attachment:
    """The PDF statement of a reminder (its template context `values`, with the payment block ``pay``), in
    `language` — the language the letter was rendered in (default: the customer's)."""
    customer = values["customer"]
    name = f"statement-{customer['id']}-{values['as_of']:%Y-%m-%d}.pdf"
    return Attachment(name, render(values, settings, renderer, language), "application/pdf")


# What of the letter's context a statement shows: render reads nothing else of it, so a statement made before from
# the same parts (and Settings, labels and fonts) is the same statement.
_SHOWN = ("customer", "as_of", "pay", "sections", "credits", "other_items")
_KEPT = 512  # statements kept per process: a run's worth, so the next run over the book finds them again
_made: OrderedDict[bytes, bytes] = OrderedDict()
_made_lock = threading.Lock()


def render(values: Mapping[str, Any], settings: Settings, renderer: Any, language: str | None = None) -> bytes:
    """The statement as PDF bytes (see the module docstring for fonts and labels).

    Its lines are the letter's: per currency the invoices, the subtotal, interest and compensation where the
    letter adds them, each credit note, the credit carried forward and the amount due (`section.amount_due`, the
    one `mail.compose` computes); then how to pay it, and the account's other open items for information.

    A statement is made once per process for what it shows (`_SHOWN` of `values`, Settings, the labels, the
    fonts): when a customer's letter is rendered again in the process — a preview, then the send; the demo's plan
    before the morning's bank statement, then its send — it gets the bytes made the first time, the PDF's creation
    date with them.
    """
    customer = values["customer"]
    language = re.split(r"[-_]", str(language or customer["language"] or "en"))[0].lower() or "en"
    shown = language if (language not in CJK or fonts(language)[2]) else "en"
    words = strings(renderer, shown)
    letter = {part: values[part] for part in _SHOWN if part in values}
    key = _fingerprint(letter, settings, words, language, fonts(language))
    with _made_lock:
        made = _made.get(key) if key is not None else None
        if made is not None:
            _made.move_to_end(key)
            return made
    made = _write(letter, settings, words, language, shown)
    if key is not None:
        with _made_lock:
            _made[key] = made
            while len(_made) > _KEPT:
                _made.popitem(last=False)
    return made


def _fingerprint(*parts: Any) -> bytes | None:
    """A digest of everything a statement is made from; None when a part cannot be pickled (then it is not kept)."""
    try:
        return hashlib.sha256(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)).digest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


def _write(
    values: Mapping[str, Any], settings: Settings, words: Mapping[str, Any], language: str, written_in: str
) -> bytes:
    """The statement made: fonts for `language`, labels `words` and number formats of `written_in` (English
    where a CJK language has no font)."""
    customer = values["customer"]
    regular, bold, cjk = fonts(language)
    locale = letter_locale(written_in, customer)
    pdf = Statement(words["statement_page"])
    # A font file is added once: where bold has no file of its own (the CJK collections, a machine without a bold
    # face), bold text is set in that one font — the glyphs a second copy of it would draw, embedded once.
    bold_style = ""
    if cjk is not None:  # Japanese and Chinese: the CJK font for everything (it carries Latin letters and digits)
        pdf.add_font("Body", "", str(cjk), collection_font_number=FACE.get((language, cjk.name), 0))
        family = "Body"
    elif regular is not None:
        pdf.add_font("Body", "", str(regular))
        if bold is not None and bold != regular:
            pdf.add_font("Body", "B", str(bold))
            bold_style = "B"
        family = "Body"
    else:
        logger.warning("no Unicode font found for the PDF statement: Helvetica, characters outside Latin-1 shown as ?")
        family, bold_style = "helvetica", "B"
    pdf.set_title(f"{words['statement_title']} {customer['id']}")
    pdf.set_author(settings.company_name or "")
    pdf.set_creator("arcollect")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(family, "", 10)
    write = Writer(pdf, family, family == "Body", bold_style)

    def money(amount: Any, currency: str) -> str:
        return format_currency(Decimal(amount), currency, locale=locale)

    def day(value: Any, style: str = "medium") -> str:
        return format_date(value, style, locale=locale) if isinstance(value, dt.date) else ""

    fields = {"customer": customer["name"], "customer_id": customer["id"], "company": settings.company_name}
    write.text(settings.company_name, size=16, bold=True)
    if settings.company_address:
        write.text(settings.company_address, size=9)
    pdf.ln(4)
    write.text(words["statement_title"], size=14, bold=True)
    write.text(f"{words['account'].format(**fields)} · {day(values['as_of'], 'long')}", size=9)
    write.text(customer["name"], size=11, bold=True)
    pay = values.get("pay") or {"sections": [], "reference": ""}
    if pay.get("reference"):
        pdf.ln(1)
        write.text(words["pay_reference_rf"].format(reference=pay["reference"]), size=9)
    pdf.ln(3)
    sections = values["sections"]
    # Only the charges that are charged, as the letter shows them (`_common.j2` show_interest / show_compensation):
    # a contractual late charge has no fixed compensation, so no column of zeros names one.
    shown = [
        (column, total, label)
        for column, total, label in (
            ("interest", "interest_total", "col_interest"),
            ("compensation", "compensation_total", "col_compensation"),
        )
        if any(section[total] for section in sections)
    ]
    widths = _WIDTHS[len(shown)]
    total_width = sum(widths)
    for index, section in enumerate(sections):
        currency = section["currency"]
        heads = [words["col_invoice"], words["col_invoice_date"], words["col_due_date"], words["col_days"]]
        heads += [words[label] for _column, _total, label in shown]
        heads.append(words["col_amount"])
        write.row(heads, widths, bold=True, border="B")
        for invoice in section["invoices"]:
            cells = [
                str(invoice["number"]), day(invoice["invoice_date"]), day(invoice["due_date"]),
                str(max(int(invoice["days_past_due"]), 0)),
            ]  # fmt: skip
            cells += [money(invoice[column], currency) for column, _total, _label in shown]
            cells.append(money(invoice["open_amount"], currency))
            write.row(cells, widths)
        write.line(words["subtotal"].format(currency=currency), money(section["subtotal"], currency), total_width)
        for _column, total, _label in shown:
            write.line(words[total], money(section[total], currency), total_width)
        for item in (c for c in values["credits"] if c["currency"] == currency):
            amount = -abs(Decimal(item["open_amount"]))
            write.line(words["credit"].format(number=item["number"]), money(amount, currency), total_width)
        if section.get("credit_carried"):
            write.line(words["credit_carried"], money(section["credit_carried"], currency), total_width)
        due = section["amount_due"]  # compose's amount due: the letter's, the QR code's and the link's
        write.line(words["balance"].format(currency=currency), money(due, currency), total_width, bold=True)
        pdf.ln(4)
        block = pay["sections"][index] if index < len(pay["sections"]) else None
        if block is not None:
            payment_part(pdf, write, words, block, pay["reference"], money, settings, customer, language)
    _others(write, words, values, money, day, total_width)
    return bytes(pdf.output())


def _others(write: Writer, words: Mapping[str, Any], values: Mapping[str, Any], money: Any, day: Any,
            width: float) -> None:  # fmt: skip
    """For information, as the letter lists them: credits in other currencies and the account's other open items
    (not part of the amount due)."""
    currencies = {section["currency"] for section in values["sections"]}
    credits = [item for item in values["credits"] if item["currency"] not in currencies]
    if credits:
        write.text(words["other_credits"], size=10, bold=True)
        for item in credits:
            amount = -abs(Decimal(item["open_amount"]))
            write.line(words["credit"].format(number=item["number"]), money(amount, item["currency"]), width)
        write.pdf.ln(3)
    others = values.get("other_items") or []
    if not others:
        return
    write.text(words["other_heading"], size=10, bold=True)
    write.text(words["other_note"], size=8)
    for item in others:
        status = item["status"]
        if status == "Disputed":
            note = words["other_disputed"]
        elif status == "Promised" and item["promise_date"] and item["promise_date"] >= values["as_of"]:
            note = words["other_promised"].format(date=day(item["promise_date"]))
        elif status == "Plan":
            note = words["other_plan"]
        else:
            note = _days(words, item["days_past_due"])
        label = " · ".join(part for part in (item["number"], day(item["due_date"]), note) if part)
        write.line(label, money(item["open_amount"], item["currency"]), width)


def _days(words: Mapping[str, Any], days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return (words["due_in_one"] if days == -1 else words["due_in_other"]).format(n=-days)
    if days == 0:
        return words["due_today"]
    return (words["days_overdue_one"] if days == 1 else words["days_overdue_other"]).format(n=days)
