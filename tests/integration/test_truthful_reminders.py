"""Every sentence a reminder says must be true for that customer — read back from the sent emails.

One workbook, one send (Tuesday 24 November 2026, business hours in Europe), and what the customers receive:

- a final notice in four languages whose subtotal, interest, compensation, credit and balance due — in the table
  and in the sentence asking for payment — match an independent computation from the invoices and the statutory
  rate, in the customer's number format; its statement attachment (the PDF statement) is in the customer's
  language and format and ends with the same balance;
- a pre-due note that offers a discount only where the terms still give one (amount and deadline), else a
  courteous "coming due" note without a word about discounts;
- a second reminder that cites the date of the first, taken from the ledger; a catch-up start at the second level
  that claims no earlier reminder;
- no button paying one invoice under a balance of several: each invoice has its own link in the table;
- plain-text lines of at most 78 columns.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from arcollect.engine import interest
from arcollect.run import collect

from .workbooks import (
    TUESDAY,
    customer,
    invoice,
    make_book,
    outbox_messages,
    ready_to_escalate,
    seed_sent,
    text_of,
)

CENT = Decimal("0.01")
FINAL = {"DE1": ("de", "DE", "de_DE"), "FR1": ("fr", "FR", "fr_FR"), "GB1": ("en", "GB", "en_GB"),
         "NL1": ("nl", "NL", "nl_NL")}  # fmt: skip
LABELS = {  # the language's words for the statement lines (templates/<lang>/_strings.j2)
    "de": ("Zwischensumme EUR", "Verzugszinsen", "Verzugspauschale", "Gutschrift CN-", "Offener Saldo (EUR)"),
    "fr": ("Sous-total EUR", "Intérêts de retard", "Indemnité forfaitaire", "Avoir CN-", "Solde dû (EUR)"),
    "en": ("Subtotal EUR", "Late-payment interest", "Fixed compensation", "Credit CN-", "Balance due (EUR)"),
    "nl": ("Subtotaal EUR", "Vertragingsrente", "Vergoeding voor", "Creditnota CN-", "Openstaand saldo (EUR)"),
}


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EmailMessage]:
    folder = tmp_path_factory.mktemp("truthful")
    people, items, earlier = [], [], []
    for customer_id, (language, country, _locale) in FINAL.items():
        people.append(customer(customer_id, language=language, country=country, jurisdiction="DE"))
        items += [
            invoice(f"{customer_id}-A", customer_id, due="2026-08-31", amount=5000.0),
            invoice(f"{customer_id}-B", customer_id, due="2026-10-15", amount=1234.56),
            invoice(f"CN-{customer_id}", customer_id, due="2026-11-01", amount=-300.0),
        ]
        numbers = [f"{customer_id}-A", f"{customer_id}-B"]
        earlier += [(customer_id, 1, numbers, "2026-10-19"), (customer_id, 2, numbers, "2026-11-02")]
    people += [
        customer("P1", terms="3/28 net 30"),  # due in 4 days, the 3 % discount runs until 26 November
        customer("P2", language="de", terms="2/10 net 30"),  # due in 4 days, its discount ended on 8 November
        customer("H1"),  # had the friendly reminder on 10 November
        customer("K1", language="de"),  # 98 days overdue, never reminded: the catch-up start
    ]
    items += [
        invoice("P1-1", "P1", due="2026-11-28", invoice_date="2026-10-29", due_date=None, amount=2000.0),
        invoice("P2-1", "P2", due="2026-11-28", invoice_date="2026-10-29", due_date=None, amount=2000.0),
        invoice("H1-1", "H1", due="2026-11-01", payment_link="https://pay.acme.example/i/H1-1"),
        invoice("H1-2", "H1", due="2026-11-02", payment_link="https://pay.acme.example/i/H1-2"),
        invoice("K1-1", "K1", due="2026-08-18"),
    ]
    earlier.append(("H1", 1, ["H1-1", "H1-2"], "2026-11-10"))
    path = make_book(folder, customers=people, invoices=items, settings={"CatchUpDays": "60"})
    seed_sent(path, earlier)
    report = collect(path, now=TUESDAY, send=True)
    assert report.failed == []
    return {message["To"].addresses[0].username.removeprefix("ap-").upper(): message
            for message in outbox_messages(folder)}  # fmt: skip


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _expected_final() -> dict[str, Decimal]:
    """The final notice's amounts, computed here from the invoices and the statutory rate (§ 288 (2) BGB)."""
    rate = interest.statutory_rate("DE", "2026-08-01") / 100  # H2 2026: one rate for both periods
    late = {Decimal("5000.00"): (TUESDAY.date() - dt.date(2026, 8, 31)).days,
            Decimal("1234.56"): (TUESDAY.date() - dt.date(2026, 10, 15)).days}  # fmt: skip
    assert list(late.values()) == [85, 40]
    charged = sum((_cents(amount * rate * days / 365) for amount, days in late.items()), Decimal(0))
    subtotal = sum(late, Decimal(0))
    compensation = Decimal("80.00")  # 40 EUR per invoice, § 288 (5) BGB
    balance = subtotal + charged + compensation - Decimal("300.00")
    return {"subtotal": subtotal, "interest": charged, "compensation": compensation, "balance": balance}


@pytest.mark.parametrize("customer_id", list(FINAL))
def test_the_final_notice_asks_for_principal_plus_interest_and_compensation_less_credit_in_every_language(
    sent, customer_id
):
    language, _country, locale = FINAL[customer_id]
    message = sent[customer_id]
    text = _plain(text_of(message))
    expected = _expected_final()
    money = {key: _plain(format_currency(value, "EUR", locale=locale)) for key, value in expected.items()}
    lines = {line.split("  ")[0].strip(): line for line in text.splitlines() if "  " in line.strip()}
    subtotal, charged, compensation, credit, balance = LABELS[language]
    assert lines[subtotal].endswith(money["subtotal"])
    assert next(line for label, line in lines.items() if label.startswith(charged)).endswith(money["interest"])
    assert next(line for label, line in lines.items() if label.startswith(compensation)).endswith(money["compensation"])
    assert next(line for label, line in lines.items() if label.startswith(credit)).endswith(
        _plain(format_currency(Decimal("-300.00"), "EUR", locale=locale))
    )
    assert lines[balance].endswith(money["balance"])
    body = " ".join(text.split())
    assert money["balance"] in body.split(balance)[-1]  # the sentence asking for payment names the same total
    assert money["interest"] in body and money["compensation"] in body
    html = _plain(message.get_body(preferencelist=("html",)).get_content())
    assert money["balance"] in html and money["interest"] in html


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make test installs it)")
@pytest.mark.parametrize("customer_id", list(FINAL))
def test_the_statement_attachment_is_in_the_customers_language_and_format_and_ends_with_the_letters_balance(
    sent, customer_id, tmp_path
):
    """The one statement a reminder attaches is the PDF (bank.pdf): its lines are the letter's, read back from
    the bytes a mail client saves with pdftotext."""
    language, _country, locale = FINAL[customer_id]
    [attachment] = list(sent[customer_id].iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename().endswith(".pdf")
    saved = tmp_path / attachment.get_filename()
    saved.write_bytes(attachment.get_payload(decode=True))
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], check=True, capture_output=True, text=True)
    lines = [" ".join(_plain(line).split()) for line in text.stdout.splitlines() if line.strip()]
    header = {"de": "Rechnung", "fr": "Facture", "en": "Invoice", "nl": "Factuur"}[language]
    assert any(line.startswith(header) for line in lines)
    expected = _expected_final()
    subtotal, charged, compensation, credit, balance = LABELS[language]

    def amount(value: Decimal) -> str:
        return " ".join(_plain(format_currency(value, "EUR", locale=locale)).split())

    assert next(line for line in lines if line.startswith(subtotal)).endswith(amount(expected["subtotal"]))
    assert next(line for line in lines if line.startswith(charged)).endswith(amount(expected["interest"]))
    assert next(line for line in lines if line.startswith(compensation)).endswith(amount(expected["compensation"]))
    assert next(line for line in lines if line.startswith(credit)).endswith(amount(Decimal("-300.00")))
    assert next(line for line in lines if line.startswith(balance)).endswith(amount(expected["balance"]))
    invoice_date = " ".join(_plain(format_date(dt.date(2026, 8, 1), "medium", locale=locale)).split())
    assert any(line.startswith(f"{customer_id}-A {invoice_date}") for line in lines)  # the invoice date, local


def test_a_pre_due_note_offers_a_discount_only_where_one_is_left(sent):
    offered = sent["P1"]
    assert "discount" in offered["Subject"].lower()
    text = _plain(text_of(offered))
    assert _plain(format_currency(Decimal("60.00"), "EUR", locale="en_DE")) in text  # English, German customer
    assert format_date(dt.date(2026, 11, 26), "medium", locale="en_DE") in text

    coming = sent["P2"]  # the German customer whose discount ran out: a courteous note, no discount anywhere
    assert coming["Subject"] == "Bald fällige Rechnung (Kundenkonto P2)"  # one invoice: singular
    text = text_of(coming) + coming.get_body(preferencelist=("html",)).get_content()
    assert "Skonto" not in text and "40,00" not in text


def test_a_second_reminder_cites_the_first_from_the_ledger_and_a_catch_up_start_claims_none(sent):
    cited = " ".join(text_of(sent["H1"]).split())
    assert "We wrote to you on 10 November 2026 about the invoices below" in cited
    assert sent["H1"]["Subject"].startswith("Second reminder")

    first = sent["K1"]  # 98 days late, nothing in the ledger, CatchUpDays 60: the second level, told as a first
    text = " ".join(text_of(first).split())
    assert first["Subject"] == "Mahnung – offene Rechnung, Kundenkonto K1"  # one invoice: singular
    assert "erinnert" not in text and "Fälligkeit verstrichen" in text


MIXED = {  # an escalation listing invoices reminded on different days and one never reminded: what it says of each
    # (every customer in Berlin time, so that all three go out on this Tuesday morning)
    "E1": ("en", "GB", [
        "We wrote to you about invoice E1-A on 5, 15 and 30 October 2026.",
        "We wrote to you about invoice E1-B on 30 October 2026.",
        "Invoice E1-C is also overdue; this is our first reminder about it.",
        "As the invoices we reminded you about remain unpaid, we regret to inform you",
    ]),
    "E2": ("de", "DE", [
        "wir haben Sie am 5., 15. und 30. Oktober 2026 an die Rechnung E2-A erinnert.",
        "Wir haben Sie am 30. Oktober 2026 an die Rechnung E2-B erinnert.",
        "Auch die Rechnung E2-C ist überfällig; an sie erinnern wir Sie hiermit zum ersten Mal.",
        "Da die Rechnungen, an die wir Sie erinnert haben, weiterhin nicht beglichen sind,",
    ]),
    "E3": ("ja", "JP", [
        "請求書E3-Aにつきましては、2026年10月5日、15日、30日にご案内申し上げました。",
        "請求書E3-Bにつきましては、2026年10月30日にご案内申し上げました。",
        "請求書E3-Cもお支払期日を過ぎております。こちらにつきましては、今回が初めてのご案内となります。",
    ]),
}  # fmt: skip


def test_an_escalation_says_which_invoices_were_reminded_when_and_which_never_were(tmp_path):
    """An escalation lists everything overdue, also invoices no earlier reminder named: "we reminded you on 5, 15
    and 30 October about the invoices below" would be untrue for E-B (reminded once) and E-C (never)."""
    people, items = [], []
    for customer_id, (language, country, _) in MIXED.items():
        people.append(customer(customer_id, language=language, country=country, time_zone="Europe/Berlin"))
        items += [
            invoice(f"{customer_id}-A", customer_id, due="2026-08-18", amount=5000.0),
            invoice(f"{customer_id}-B", customer_id, due="2026-09-30", amount=700.0),
            invoice(f"{customer_id}-C", customer_id, due="2026-11-20", amount=300.0),  # 4 days overdue
        ]
    path = make_book(tmp_path, customers=people, invoices=items)
    for customer_id in MIXED:
        ready_to_escalate(path, customer_id, [f"{customer_id}-A"])  # 5, 15 and 30 October, approved
        seed_sent(path, [(customer_id, 1, [f"{customer_id}-B"], "2026-10-30")])
    report = collect(path, now=TUESDAY, send=True)
    assert report.failed == []
    sent = {message["To"].addresses[0].username.removeprefix("ap-").upper(): message
            for message in outbox_messages(tmp_path)}  # fmt: skip
    for customer_id, (language, _country, sentences) in MIXED.items():
        message = sent[customer_id]
        joiner = "" if language == "ja" else " "
        text = _plain(joiner.join(line.strip() for line in text_of(message).splitlines()))
        html = " ".join(_plain(message.get_body(preferencelist=("html",)).get_content()).split())
        for sentence in sentences:
            assert sentence in text and sentence in html, (customer_id, sentence, text)
        untrue = ("about the invoices below on", "an die folgenden Rechnungen erinnert", "下記のご請求につきましては")
        for words in untrue:
            assert words not in text and words not in html


def test_each_invoice_has_its_own_pay_link_and_no_button_pays_part_of_a_balance(sent):
    message = sent["H1"]
    text = text_of(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    for number in ("H1-1", "H1-2"):
        link = f"https://pay.acme.example/i/{number}"
        assert f'href="{link}"' in html and link in text
        assert text.index(number) < text.index(link) < text.index("Subtotal")  # in the table, under its invoice
    assert "Pay online" not in text and "Pay online" not in html


def test_plain_text_lines_fit_78_columns(sent):
    for customer_id, message in sent.items():
        for line in text_of(message).splitlines():
            width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            assert width <= 78, (customer_id, line)


def test_no_reminder_shows_a_negative_amount_due(sent):
    for message in sent.values():
        for line in _plain(text_of(message)).splitlines():
            if any(label in line for labels in LABELS.values() for label in labels[4:]):
                assert "-" not in line.split("  ")[-1], line
