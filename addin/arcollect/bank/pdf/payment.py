"""How to pay, on the PDF statement: per currency the amount, the account, the RF reference and the QR code
(EPC069-12 for EUR) — for CHF a Swiss QR-bill payment part and receipt at the foot of the page (`qr_bill`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from qrbill.bill import LABELS as QR_BILL_LABELS

from arcollect.bank import accounts, qr
from arcollect.bank.pdf.page import Writer
from arcollect.book.settings import Settings

MM_QR = 40.0
QR_BILL_TOP = 192.0  # the payment part is the bottom 105 mm of an A4 page


def payment_part(
    pdf: FPDF, write: Writer, words: Mapping[str, Any], block: Mapping[str, Any], reference: str, money: Any,
    settings: Settings, customer: Mapping[str, Any], language: str,
) -> None:  # fmt: skip
    currency = block["currency"]
    account = accounts.for_currency(settings, currency)
    code = block["qr"]["code"] if block.get("qr") else None  # the letter's own code: one amount, one reference
    if code is not None and code.kind == "swiss":
        qr_bill(pdf, write, code, account, block, reference, language, customer)
        return
    if pdf.get_y() > 230:
        pdf.add_page()
    top = pdf.get_y()
    left_text = pdf.l_margin + (MM_QR + 6 if code is not None else 0)
    if code is not None:
        draw_code(pdf, code, pdf.l_margin, top, MM_QR)
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


def draw_code(pdf: FPDF, code: qr.PaymentCode, x: float, y: float, size: float) -> None:
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


def qr_bill(
    pdf: FPDF, write: Writer, code: qr.PaymentCode, account: Any, block: Mapping[str, Any], reference: str,
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
    draw_code(pdf, code, 67, QR_BILL_TOP + 17, 46)
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
