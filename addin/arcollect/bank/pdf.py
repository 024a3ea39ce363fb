"""The PDF statement a reminder attaches: the customer's open items in their language and number formats, the
balance the letter states, and how to pay it — account, RF reference and the QR code (with a Swiss QR-bill
payment part for CHF).

    attachment = pdf.statement_attachment(values, settings, renderer, language)  # values: the letter's context

It is the reminder's one statement (`bank.letters` attaches it where the level says so; `mail.compose` falls back
to a CSV statement only for a context without a payment block). Its lines and amounts are the letter's — the
sections' ``amount_due`` as `mail.compose` computes it — so the balance, the QR code and the letter agree.
fpdf2 writes it (pure Python, installs on Windows without system packages). Labels come from the template strings
of the language the letter was rendered in (``templates/<lang>/_strings.j2``: a user's TemplateDir overrides them
too); amounts and dates are formatted with Babel in the letter's locale (`render.letter_locale`).
Fonts: a Unicode TrueType font found on the machine — Arial on Windows and macOS, DejaVu Sans on Linux — and, for
Japanese and Chinese customers, a CJK font for the whole statement (Windows: Yu Gothic / MS Gothic, Microsoft YaHei
/ SimSun; macOS: Hiragino / PingFang; Linux: Noto Sans CJK), which carries Latin letters and digits too. (Not a
fallback font beside a Latin one: with fpdf2 2.8.9 that mixed digits up in bold cells and page numbers — seen, and
avoided.) The environment variables ``ARCOLLECT_PDF_FONT``, ``ARCOLLECT_PDF_BOLD_FONT`` and
``ARCOLLECT_PDF_CJK_FONT`` name other files. Without any Unicode font the statement is written with the PDF core
font Helvetica, and characters it cannot show become "?" (logged as a warning); without a CJK font, Japanese or
Chinese labels fall back to English.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from fpdf import FPDF
from qrbill.bill import LABELS as QR_BILL_LABELS

from arcollect.bank import accounts, qr
from arcollect.book.settings import Settings
from arcollect.mail.message import Attachment
from arcollect.mail.render import letter_locale

logger = logging.getLogger(__name__)

_LATIN = (
    "C:/Windows/Fonts/arial.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
_LATIN_BOLD = (
    "C:/Windows/Fonts/arialbd.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
)
_CJK = {
    "ja": (
        "C:/Windows/Fonts/YuGothM.ttc",
        "C:/Windows/Fonts/msgothic.ttc",
        "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    ),
    "zh": (
        "C:/Windows/Fonts/msyh.ttc",
        "C:/Windows/Fonts/simsun.ttc",
        "/System/Library/Fonts/PingFang.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    ),
}
# Face of each collection to use: in Noto Sans CJK Regular.ttc 0 = JP, 2 = SC; in the Windows files 0 is the one.
_FACE = {("ja", "NotoSansCJK-Regular.ttc"): 0, ("zh", "NotoSansCJK-Regular.ttc"): 2}
MM_QR = 40.0
# Column widths (mm) of the invoice table: without charges, with one of interest and compensation, with both.
_WIDTHS = {0: (34, 32, 32, 30, 52), 1: (30, 27, 27, 24, 36, 36), 2: (26, 25, 25, 22, 27, 27, 28)}
QR_BILL_TOP = 192.0  # the payment part is the bottom 105 mm of an A4 page


def _first(paths: tuple[str, ...], variable: str) -> Path | None:
    chosen = os.environ.get(variable)
    for candidate in ((chosen,) if chosen else ()) + paths:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.lru_cache(maxsize=8)
def fonts(language: str) -> tuple[Path | None, Path | None, Path | None]:
    """(regular, bold, CJK fallback) font files for a statement in `language`; None where none was found."""
    cjk = _first(_CJK[language], "ARCOLLECT_PDF_CJK_FONT") if language in _CJK else None
    return _first(_LATIN, "ARCOLLECT_PDF_FONT"), _first(_LATIN_BOLD, "ARCOLLECT_PDF_BOLD_FONT"), cjk


class _Statement(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, "", 8)
        self.cell(0, 5, self.footer_text.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}"), align="C")


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


def render(values: Mapping[str, Any], settings: Settings, renderer: Any, language: str | None = None) -> bytes:
    """The statement as PDF bytes (see the module docstring for fonts and labels).

    Its lines are the letter's: per currency the invoices, the subtotal, interest and compensation where the
    letter adds them, each credit note, the credit carried forward and the amount due (`section.amount_due`, the
    one `mail.compose` computes); then how to pay it, and the account's other open items for information.
    """
    customer = values["customer"]
    language = re.split(r"[-_]", str(language or customer["language"] or "en"))[0].lower() or "en"
    regular, bold, cjk = fonts(language)
    shown = language if (language not in _CJK or cjk) else "en"
    words = strings(renderer, shown)
    locale = letter_locale(shown, customer)
    pdf = _Statement(words["statement_page"])
    if cjk is not None:  # Japanese and Chinese: the CJK font for everything (it carries Latin letters and digits)
        face = _FACE.get((language, cjk.name), 0)
        pdf.add_font("Body", "", str(cjk), collection_font_number=face)
        pdf.add_font("Body", "B", str(cjk), collection_font_number=face)
        family = "Body"
    elif regular is not None:
        pdf.add_font("Body", "", str(regular))
        pdf.add_font("Body", "B", str(bold or regular))
        family = "Body"
    else:
        logger.warning("no Unicode font found for the PDF statement: Helvetica, characters outside Latin-1 shown as ?")
        family = "helvetica"
    pdf.set_title(f"{words['statement_title']} {customer['id']}")
    pdf.set_author(settings.company_name or "")
    pdf.set_creator("arcollect")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(family, "", 10)
    write = _Writer(pdf, family, family == "Body")

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
            _payment(pdf, write, words, block, pay["reference"], money, settings, customer, language)
    _others(write, words, values, money, day, total_width)
    return bytes(pdf.output())


def _others(write: _Writer, words: Mapping[str, Any], values: Mapping[str, Any], money: Any, day: Any,
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


def _payment(
    pdf: FPDF, write: _Writer, words: Mapping[str, Any], block: Mapping[str, Any], reference: str, money: Any,
    settings: Settings, customer: Mapping[str, Any], language: str,
) -> None:  # fmt: skip
    currency = block["currency"]
    account = accounts.for_currency(settings, currency)
    code = block["qr"]["code"] if block.get("qr") else None  # the letter's own code: one amount, one reference
    if code is not None and code.kind == "swiss":
        _qr_bill(pdf, write, code, account, block, reference, language, customer)
        return
    if pdf.get_y() > 230:
        pdf.add_page()
    top = pdf.get_y()
    left_text = pdf.l_margin + (MM_QR + 6 if code is not None else 0)
    if code is not None:
        _draw_code(pdf, code, pdf.l_margin, top, MM_QR)
        pdf.set_xy(pdf.l_margin, top + MM_QR + 1)
        write.text(words["statement_scan"], size=8, width=MM_QR, align="C")
    pdf.set_xy(left_text, top)
    write.text(
        words["pay_amount"].format(currency=currency, amount=money(block["amount"], currency)), bold=True, x=left_text
    )
    for line in block["account_lines"] or [words["pay_no_account"].format(currency=currency)]:
        write.text(line, size=9, x=left_text)
    write.text(f"{words['pay_reference_label']}: {reference}", size=9, bold=True, x=left_text)
    if code is not None:
        write.text(words["qr_epc"], size=8, x=left_text)
    pdf.set_y(max(pdf.get_y(), top + (MM_QR + 8 if code is not None else 0)) + 4)


def _draw_code(pdf: FPDF, code: qr.PaymentCode, x: float, y: float, size: float) -> None:
    """The QR matrix as filled rectangles (vector, sharp at any zoom), one per run of dark modules."""
    modules = len(code.matrix)
    unit = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(code.matrix):
        column = 0
        while column < modules:
            if cells[column]:
                start = column
                while column < modules and cells[column]:
                    column += 1
                pdf.rect(x + start * unit, y + row * unit, (column - start) * unit, unit, style="F")
            column += 1
    if code.kind == "swiss":  # the Swiss cross, 7 mm on the 46 mm code (SIX style guide)
        side = size * qr.SWISS_CROSS_SHARE
        unit_cross = side / 19
        left, top = x + size / 2 - 10 * unit_cross, y + size / 2 - 10 * unit_cross

        def box(bx: float, by: float, w: float, h: float, white: bool) -> None:
            pdf.set_fill_color(*((255, 255, 255) if white else (0, 0, 0)))
            pdf.rect(left + bx * unit_cross, top + by * unit_cross, w * unit_cross, h * unit_cross, style="F")

        box(0, 0, 19.8, 19.8, True)
        box(1.4, 1.4, 17, 17, False)
        box(8.3, 4, 3.3, 11, True)
        box(4.4, 7.9, 11, 3.3, True)
        pdf.set_fill_color(0, 0, 0)


def _qr_bill(
    pdf: FPDF, write: _Writer, code: qr.PaymentCode, account: Any, block: Mapping[str, Any], reference: str,
    language: str, customer: Mapping[str, Any],
) -> None:  # fmt: skip
    """The QR-bill payment part and receipt at the foot of a page (SIX layout: 62 mm receipt, 148 mm payment part)."""
    lang = language if language in qr.QR_BILL_LANGUAGES else "en"

    def label(text: str) -> str:
        return text if lang == "en" else QR_BILL_LABELS[text][lang]

    if pdf.get_y() > QR_BILL_TOP - 2:
        pdf.add_page()
    auto = pdf.auto_page_break
    pdf.set_auto_page_break(False)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(0, QR_BILL_TOP, 210, QR_BILL_TOP)
    pdf.line(62, QR_BILL_TOP, 62, 297)
    pdf.set_dash_pattern()
    fields = code.payload.split("\r\n")
    creditor = [account.holder, f"{fields[6]} {fields[7]}".strip(), f"{fields[8]} {fields[9]}".strip()]
    amount = f"{Decimal(fields[18]):,.2f}".replace(",", " ")
    printed_iban = account.printed_iban
    # receipt
    pdf.set_xy(5, QR_BILL_TOP + 5)
    write.text(label("Receipt"), size=11, bold=True, x=5, width=52)
    for head, lines in ((label("Account / Payable to"), [printed_iban, *creditor]), (label("Reference"), [reference])):
        write.text(head, size=6, bold=True, x=5, width=52)
        for line in lines:
            write.text(line, size=8, x=5, width=52)
        pdf.ln(1)
    write.text(label("Payable by (name/address)"), size=6, bold=True, x=5, width=52)
    write.text(customer["name"], size=8, x=5, width=52)
    pdf.set_xy(5, QR_BILL_TOP + 68)
    write.text(f"{label('Currency')}     {label('Amount')}", size=6, bold=True, x=5, width=52)
    write.text(f"{fields[19]}        {amount}", size=8, x=5, width=52)
    # payment part
    pdf.set_xy(67, QR_BILL_TOP + 5)
    write.text(label("Payment part"), size=11, bold=True, x=67, width=50)
    _draw_code(pdf, code, 67, QR_BILL_TOP + 17, 46)
    pdf.set_xy(67, QR_BILL_TOP + 68)
    write.text(f"{label('Currency')}     {label('Amount')}", size=8, bold=True, x=67, width=50)
    write.text(f"{fields[19]}        {amount}", size=10, x=67, width=50)
    pdf.set_xy(118, QR_BILL_TOP + 5)
    for head, lines in (
        (label("Account / Payable to"), [printed_iban, *creditor]),
        (label("Reference"), [reference]),
        (label("Additional information"), [fields[29]] if len(fields) > 29 and fields[29] else []),
        (label("Payable by"), [customer["name"]]),
    ):
        if not lines:
            continue
        write.text(head, size=8, bold=True, x=118, width=87)
        for line in lines:
            write.text(line, size=10, x=118, width=87)
        pdf.ln(1.5)
    pdf.set_auto_page_break(auto, margin=20)
    pdf.set_y(QR_BILL_TOP - 4)
    del block


class _Writer:
    """Text helpers: one paragraph, one table row, one label-and-amount line; Latin-1 only without a TTF font."""

    def __init__(self, pdf: FPDF, family: str, unicode: bool) -> None:
        self.pdf, self.family, self.unicode = pdf, family, unicode

    def _safe(self, text: Any) -> str:
        text = str(text)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def text(
        self, text: Any, *, size: float = 10, bold: bool = False, x: float | None = None, width: float = 0,
        align: str = "L",
    ) -> None:  # fmt: skip
        self.pdf.set_font(self.family, "B" if bold else "", size)
        if x is not None:
            self.pdf.set_x(x)
        self.pdf.multi_cell(width, size * 0.45, self._safe(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def row(self, cells: list[str], widths: tuple[float, ...], *, bold: bool = False, border: str = "") -> None:
        self.pdf.set_font(self.family, "B" if bold else "", 8 if bold else 9)
        for position, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            align = "R" if position == len(cells) - 1 or (position >= 4 and len(cells) > 5) else "L"
            self.pdf.cell(width, 6, self._safe(cell), border=border, align=align)
        self.pdf.ln(6)

    def line(self, label: str, amount: str, width: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", 9)
        self.pdf.cell(width - 40, 6, self._safe(label))
        self.pdf.cell(40, 6, self._safe(amount), align="R", border="T" if bold else "")
        self.pdf.ln(6)
