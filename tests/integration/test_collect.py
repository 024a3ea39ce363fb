"""`run.collect` on real .xlsx files: what a finance user sees in the output sheets and in the outbox.

Each test builds a small workbook from the template the way a user fills it in (Customers, Invoices, Payments,
FX, Settings), runs the collection with a fixed `now`, and reads back the sheets with openpyxl and the .eml files
with the stdlib email parser. The default policy applies: pre-due nudge 5 days before due, friendly at +3,
second at +14, final notice at +30 (with interest), escalation at +60; 7 days between reminders.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from arcollect.engine import interest
from arcollect.engine.policy import default_policy_rows
from arcollect.run import collect
from arcollect.schema import FX, Aging, Customers, DunningLevels, ExceptionsSheet, Invoices, Queue, Queued

from .workbooks import (
    DEFAULT_FX,
    TUESDAY,
    by_customer,
    customer,
    invoice,
    make_book,
    outbox_messages,
    payment,
    replace_rows,
    seed_sent,
    sheet_rows,
    text_of,
    to_address,
)

SUNDAY = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)  # 19:00 in Tokyo; Monday 23 Nov is a holiday in Japan
CENT = Decimal("0.01")


def only(rows: list[dict], customer_id: str) -> dict:
    [row] = by_customer(rows)[customer_id]
    return row


def message_to(folder: Path, address: str):
    [message] = [message for message in outbox_messages(folder) if to_address(message) == address]
    return message


# ---- 1. every hold reason, in plain words ----------------------------------------------------------------------


def test_every_hold_reason_is_shown_in_plain_words_in_the_reminder_queue(tmp_path):
    overdue = "2026-11-10"  # 14 days past due on TUESDAY: the second reminder
    path = make_book(
        tmp_path,
        customers=[
            customer("DISP"),
            customer("PROM"),
            customer("PLAN"),
            customer("DNC", do_not_contact=True),
            customer("AUTO", auto_pay=True),
            customer("NOMAIL", email=None),
            customer("BADMAIL", email="accounts at client dot example"),
            customer("CRED"),
            customer("SMALL"),
            customer("FINE"),
        ],
        invoices=[
            invoice("I-DISP", "DISP", due=overdue, status="Disputed", dispute_reason="goods damaged in transit"),
            invoice("I-PROM", "PROM", due=overdue, status="Promised", promise_date="2026-11-30"),
            invoice("I-PLAN", "PLAN", due=overdue, status="Plan", plan_next_date="2026-12-05"),
            invoice("I-DNC", "DNC", due=overdue),
            invoice("I-AUTO", "AUTO", due="2026-11-21"),  # 3 days: the debit may still be on its way
            invoice("I-NOMAIL", "NOMAIL", due=overdue),
            invoice("I-BADMAIL", "BADMAIL", due=overdue),
            invoice("I-CRED", "CRED", due=overdue, amount=500.0),
            invoice("CN-CRED", "CRED", due=overdue, amount=-600.0),
            invoice("I-SMALL", "SMALL", due=overdue, amount=20.0),
            invoice("I-GHOST", "GHOST", due=overdue),
            invoice("I-FINE", "FINE", due=overdue),
        ],
        settings={"MinimumAmount": "50"},
    )

    report = collect(path, now=TUESDAY, send=True)

    queue = sheet_rows(path, "ReminderQueue")
    reasons = {row[Queue.CUSTOMER_ID]: (row[Queue.STATE], row[Queue.REASON]) for row in queue}
    # The reader rejects the malformed address (an Exceptions row, below); the queue may also quote it.
    state, reason = reasons.pop("BADMAIL")
    assert state == "held" and reason.startswith("no valid email address")
    assert reasons == {
        "DISP": ("held", "disputed: goods damaged in transit"),
        "PROM": ("held", "promised to pay by 2026-11-30"),
        "PLAN": ("held", "payment plan: next instalment due 2026-12-05"),
        "DNC": ("held", "do not contact"),
        "AUTO": ("held", "pays by direct debit (auto-pay): no reminders"),
        "NOMAIL": ("held", "no valid email address"),
        "CRED": ("held", "credit notes and unapplied payments cover the open amount"),
        "SMALL": ("held", "below the minimum amount (50 in the base currency)"),
        "GHOST": ("held", "customer GHOST is not in Customers — add it (see Exceptions)"),
        "FINE": ("sent", None),
    }
    assert [to_address(message) for message in outbox_messages(tmp_path)] == ["ap-fine@client.example"]
    assert len(report.sent) == 1
    exceptions = sheet_rows(path, "Exceptions")
    where = {
        tuple(row[key] for key in (ExceptionsSheet.SHEET, ExceptionsSheet.COLUMN, ExceptionsSheet.VALUE))
        for row in exceptions
    }
    assert where >= {("Customers", "Email", "accounts at client dot example"), ("Invoices", "Customer ID", "GHOST")}


def test_a_broken_promise_moves_the_invoice_to_the_next_level(tmp_path):
    people = [customer("BROK")]
    path = make_book(tmp_path, customers=people, invoices=[invoice("I-1", "BROK", due="2026-11-17")])
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)  # 3 days past due: the friendly reminder
    collect(path, now=friday, send=True)
    assert only(sheet_rows(path, "ReminderQueue"), "BROK")[Queue.LEVEL] == 1

    # The customer promised to pay by Wednesday 25 Nov and did not; a week after the friendly reminder the invoice
    # is only 10 days past due (the second reminder starts at 14), yet the broken promise brings level 2 now.
    replace_rows(
        path, "Invoices", [invoice("I-1", "BROK", due="2026-11-17", status="Promised", promise_date="2026-11-25")]
    )
    next_friday = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
    collect(path, now=next_friday, send=True)

    row = only(sheet_rows(path, "ReminderQueue"), "BROK")
    assert (row[Queue.LEVEL], row[Queue.LEVEL_NAME], row[Queue.STATE]) == (2, "Second reminder", "sent")
    assert len(outbox_messages(tmp_path)) == 2


def test_a_new_overdue_invoice_waits_for_the_minimum_days_since_the_previous_reminder(tmp_path):
    people = [customer("MIN")]
    first = invoice("I-1", "MIN", due="2026-11-17")
    path = make_book(tmp_path, customers=people, invoices=[first])
    collect(path, now=TUESDAY, send=True)  # day 1: I-1 is 7 days past due, the friendly reminder goes out
    assert len(outbox_messages(tmp_path)) == 1

    replace_rows(path, "Invoices", [first, invoice("I-2", "MIN", due="2026-11-20")])
    thursday = TUESDAY + dt.timedelta(days=2)  # day 3: I-2 is now 6 days past due
    report = collect(path, now=thursday, send=True)

    held = {row[Queue.INVOICES]: row for row in sheet_rows(path, "ReminderQueue")}
    assert held["I-2"][Queue.STATE] == "held"
    assert held["I-2"][Queue.REASON] == "last reminder sent on 2026-11-24; the policy waits until 2026-12-01"
    assert held["I-1"][Queue.STATE] == "held" and held["I-1"][Queue.REASON].startswith("already sent")
    assert report.sent == [] and len(outbox_messages(tmp_path)) == 1


# ---- 2. the pre-due nudge offers the discount still available -------------------------------------------------


def test_pre_due_nudge_names_the_discount_still_available_and_its_deadline_in_the_customers_locale(tmp_path):
    # 3/28 net 30 from 29 Oct: due 28 Nov, discount until 26 Nov. On TUESDAY 24 Nov the invoice is due in 4 days,
    # inside the nudge window (5 days), and 3 % of 2,000.00 = 60.00 can still be deducted.
    path = make_book(
        tmp_path,
        customers=[customer("FR1", country="FR", language="fr", name="Ateliers Dubois SARL")],
        invoices=[
            invoice(
                "N-1", "FR1", due="2026-11-28", amount=2000.0, invoice_date="2026-10-29", due_date=None,
                terms="3/28 net 30",
            )
        ],
    )  # fmt: skip

    collect(path, now=TUESDAY, send=True)

    row = only(sheet_rows(path, "ReminderQueue"), "FR1")
    assert (row[Queue.LEVEL], row[Queue.TEMPLATE], row[Queue.STATE]) == (0, "incentive", "sent")
    [aged] = sheet_rows(path, "Aging")
    assert (aged[Aging.DISCOUNT_AVAILABLE], aged[Aging.DISCOUNT_DEADLINE].date()) == (60, dt.date(2026, 11, 26))
    message = message_to(tmp_path, "ap-fr1@client.example")
    assert message["Content-Language"] == "fr"
    text = text_of(message)
    assert format_currency(Decimal("60.00"), "EUR", locale="fr_FR") in text  # "60,00 €"
    assert format_date(dt.date(2026, 11, 26), "medium", locale="fr_FR") in text  # "26 nov. 2026"


# ---- 3. send time in the customer's time zone, skipping that country's public holidays ------------------------


def test_send_time_follows_the_customers_business_hours_and_skips_their_public_holidays(tmp_path):
    path = make_book(
        tmp_path,
        customers=[
            customer("JP1", country="JP", language="ja", currency="JPY"),
            customer("DE1", country="DE", language="de"),
        ],
        invoices=[
            invoice("J-1", "JP1", due="2026-11-10", currency="JPY", amount=150000.0),
            invoice("D-1", "DE1", due="2026-11-10"),
        ],
    )

    sunday = collect(path, now=SUNDAY, send=True)

    assert sunday.sent == [] and outbox_messages(tmp_path) == []
    queue = sheet_rows(path, "ReminderQueue")
    japan = only(queue, "JP1")
    assert japan[Queue.STATE] == "scheduled"
    assert japan[Queue.SEND_AT_LOCAL] == "Tue 2026-11-24 09:00 Asia/Tokyo"  # Mon 23 Nov: Labour Thanksgiving Day
    assert japan[Queue.SEND_AT_UTC] == dt.datetime(2026, 11, 24, 0, 0)
    assert only(queue, "DE1")[Queue.SEND_AT_LOCAL] == "Mon 2026-11-23 09:00 Europe/Berlin"

    tuesday = collect(path, now=TUESDAY, send=True)  # 11:00 in Berlin, 19:00 in Tokyo

    queue = sheet_rows(path, "ReminderQueue")
    assert only(queue, "DE1")[Queue.STATE] == "sent"
    assert only(queue, "JP1")[Queue.STATE] == "scheduled"
    assert len(tuesday.sent) == 1
    assert [to_address(message) for message in outbox_messages(tmp_path)] == ["ap-de1@client.example"]


# ---- 4. language fallback ------------------------------------------------------------------------------------


def test_a_language_without_templates_falls_back_to_english_and_german_gets_german(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("SV1", country="SE", language="sv"), customer("DE1", country="DE", language="de")],
        invoices=[invoice("S-1", "SV1", due="2026-11-17"), invoice("D-1", "DE1", due="2026-11-17")],
    )

    collect(path, now=TUESDAY, send=True)

    swedish = message_to(tmp_path, "ap-sv1@client.example")
    assert swedish["Content-Language"] == "en"
    assert swedish["Subject"] == "Payment reminder – account SV1"
    assert "Dear " in text_of(swedish)
    german = message_to(tmp_path, "ap-de1@client.example")
    assert german["Content-Language"] == "de"
    assert german["Subject"] == "Zahlungserinnerung – Kundenkonto DE1"
    assert "Sehr geehrte Damen und Herren" in text_of(german)


# ---- 5. several currencies -----------------------------------------------------------------------------------


@pytest.fixture
def multi_currency_book(tmp_path) -> Path:
    return make_book(
        tmp_path,
        customers=[customer("MC", country="NL", language="en"), customer("OTHER", country="DE")],
        invoices=[
            invoice("E-1", "MC", due="2026-11-17", amount=1200.5),
            invoice("E-2", "MC", due="2026-11-19", amount=99.5),
            invoice("U-1", "MC", due="2026-11-18", amount=800.25, currency="USD"),
            invoice("G-1", "OTHER", due="2026-09-01", amount=310.0, currency="GBP"),
            invoice("E-3", "OTHER", due="2026-12-20", amount=42.42),
        ],
    )  # FX (to EUR): USD 0.9, GBP 1.15


def test_a_customer_billed_in_two_currencies_gets_one_message_with_a_subtotal_per_currency(multi_currency_book):
    collect(multi_currency_book, now=TUESDAY, send=True)

    row = only(sheet_rows(multi_currency_book, "ReminderQueue"), "MC")
    assert (row[Queue.INVOICES], row[Queue.STATE]) == ("E-1, E-2, U-1", "sent")
    messages = [m for m in outbox_messages(multi_currency_book.parent) if to_address(m) == "ap-mc@client.example"]
    assert len(messages) == 1
    text = text_of(messages[0])
    locale = "en_NL"  # English wording, Dutch number and currency formats
    eur = format_currency(Decimal("1300.00"), "EUR", locale=locale)
    usd = format_currency(Decimal("800.25"), "USD", locale=locale)
    assert "Invoices in EUR" in text and "Invoices in USD" in text
    subtotal_lines = [line for line in text.splitlines() if line.startswith("Subtotal")]
    assert len(subtotal_lines) == 2
    assert subtotal_lines[0].startswith("Subtotal EUR") and subtotal_lines[0].endswith(eur)
    assert subtotal_lines[1].startswith("Subtotal USD") and subtotal_lines[1].endswith(usd)


def test_aging_summary_totals_equal_the_sum_of_open_base_amounts_on_the_aging_sheet(multi_currency_book):
    collect(multi_currency_book, now=TUESDAY, send=False)

    aging = sheet_rows(multi_currency_book, "Aging")
    summary = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(multi_currency_book, "AgingSummary")}
    base = {row[Invoices.NUMBER]: Decimal(str(row[Aging.BASE_OPEN_AMOUNT])) for row in aging}
    assert base["U-1"] == Decimal("720.23")  # 800.25 USD x 0.9, half up
    assert base["G-1"] == Decimal("356.50")  # 310.00 GBP x 1.15
    for customer_id in ("MC", "OTHER"):
        own = sum(base[row[Invoices.NUMBER]] for row in aging if row[Invoices.CUSTOMER_ID] == customer_id)
        assert Decimal(str(summary[customer_id]["Total"])).quantize(CENT) == own
    assert Decimal(str(summary["Total"]["Total"])).quantize(CENT) == sum(base.values()) == Decimal("2419.15")


def test_reminder_queue_shows_the_amount_due_in_each_currency(multi_currency_book):
    collect(multi_currency_book, now=TUESDAY, send=False)

    row = only(sheet_rows(multi_currency_book, "ReminderQueue"), "MC")
    amount_due = row[Queued.AMOUNT_DUE]  # the "Amount due" column a user reads before pressing Send
    assert amount_due, "ReminderQueue 'Amount due' is empty"
    assert "EUR" in amount_due or "€" in amount_due
    assert "USD" in amount_due or "$" in amount_due
    assert row[Queued.CURRENCY] == "EUR + USD"


def test_reminder_queue_amount_due_is_a_number_in_its_currency(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("DE1", language="de")],
        invoices=[invoice("D-1", "DE1", due="2026-11-01", amount=1234.5), invoice("D-2", "DE1", due="2026-11-02")],
    )
    collect(path, now=TUESDAY, send=False)
    row = only(sheet_rows(path, "ReminderQueue"), "DE1")
    assert row[Queued.AMOUNT_DUE] == 2234.5 and row[Queued.CURRENCY] == "EUR", "a number, not English-formatted text"


# ---- 6. bad rows go to Exceptions, the rest is processed -------------------------------------------------------


def test_bad_rows_are_reported_with_sheet_row_and_column_while_the_rest_is_aged_and_reminded(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("C1")],
        invoices=[
            invoice("BAD-DATE", "C1", due="2026-11-17", invoice_date="31/31/2026"),  # sheet row 2
            invoice("BAD-AMOUNT", "C1", due="2026-11-17", amount="twelve hundred"),  # row 3
            invoice("BAD-CURRENCY", "C1", due="2026-11-17", currency="XYZ"),  # row 4
            invoice("GOOD-1", "C1", due="2026-11-17", amount=300.0),  # row 5
            invoice("GOOD-2", "C1", due="2026-11-20", amount=450.0),  # row 6
        ],
    )

    report = collect(path, now=TUESDAY, send=True)

    exceptions = {
        (row[ExceptionsSheet.SHEET], row[ExceptionsSheet.ROW], row[ExceptionsSheet.COLUMN]): row
        for row in sheet_rows(path, "Exceptions")
    }
    assert set(exceptions) == {("Invoices", 2, "Invoice date"), ("Invoices", 3, "Amount"), ("Invoices", 4, "Currency")}
    assert exceptions[("Invoices", 2, "Invoice date")][ExceptionsSheet.VALUE] == "31/31/2026"
    assert exceptions[("Invoices", 3, "Amount")][ExceptionsSheet.VALUE] == "twelve hundred"
    assert exceptions[("Invoices", 4, "Currency")][ExceptionsSheet.VALUE] == "XYZ"
    assert all(row[ExceptionsSheet.REASON] for row in exceptions.values())
    assert [row[Invoices.NUMBER] for row in sheet_rows(path, "Aging")] == ["GOOD-1", "GOOD-2"]
    row = only(sheet_rows(path, "ReminderQueue"), "C1")
    assert (row[Queue.INVOICES], row[Queue.STATE]) == ("GOOD-1, GOOD-2", "sent")
    assert len(report.sent) == 1 and len(outbox_messages(tmp_path)) == 1


# ---- 7. interest keeps running correctly after a partial payment ------------------------------------------------


def test_a_partial_payment_pays_costs_then_interest_then_principal_under_german_law(tmp_path):
    # The policy without the escalation level, so 147 days past due is the final notice (which adds interest).
    policy = default_policy_rows()
    policy = policy[policy[DunningLevels.TONE] != "escalation"]
    path = make_book(
        tmp_path,
        customers=[customer("DE1", country="DE", language="de")],
        invoices=[invoice("R-1", "DE1", due="2026-06-30", amount=10000.0, open_amount=6000.0)],
        payments=[payment("2026-08-31", "DE1", 4000.0, invoice_number="R-1")],
        policy=policy,
    )
    seed_sent(path, [("DE1", 1, ["R-1"], "2026-07-06"), ("DE1", 2, ["R-1"], "2026-07-17")])  # one step at a time

    collect(path, now=TUESDAY, send=True)

    # DE H2-2026: Basiszinssatz 1.52 + 9 points = 10.52 % a year (§ 288 Abs. 2 BGB), from the day after due.
    # 1 Jul - 31 Aug 2026 (62 days) on the 10,000 owed: 10,000 × 10.52 × 62 / 36,500 = 178.6958 -> 178.70.
    # § 367 Abs. 1 BGB: the 4,000 paid on 31 Aug pay the 40 EUR Pauschale (§ 288 Abs. 5), then 178.70 interest,
    # then 3,781.30 principal: 6,218.70 principal stays owed (the ERP's open amount says 6,000).
    # 1 Sep - 24 Nov (85 days) on 6,218.70: 6,218.70 × 10.52 × 85 / 36,500 = 152.3496 -> 152.35.
    assert interest.statutory_rate("DE", "2026-08-01") == Decimal("10.52")
    [aged] = sheet_rows(path, "Aging")
    assert Decimal(str(aged[Aging.LATE_INTEREST])).quantize(CENT) == Decimal("152.35")
    assert Decimal(str(aged[Aging.FIXED_COMPENSATION])).quantize(CENT) == Decimal("0.00")
    assert Decimal(str(aged[Aging.PAID_TO_CHARGES])).quantize(CENT) == Decimal("218.70")
    assert aged[Aging.CHARGE_BASIS] == "§ 288 Abs. 2 BGB; § 288 Abs. 5 BGB (German law)"

    row = only(sheet_rows(path, "ReminderQueue"), "DE1")
    assert (row[Queue.TEMPLATE], row[Queue.STATE]) == ("final", "sent")
    text = re.sub(r"[ \r\n]+", " ", text_of(message_to(tmp_path, "ap-de1@client.example")))  # unwrap, keep NBSPs
    assert format_currency(Decimal("152.35"), "EUR", locale="de_DE") in text
    assert format_currency(Decimal("6371.05"), "EUR", locale="de_DE") in text  # 6,218.70 + 152.35
    assert "Rechtsgrundlage: § 288 Abs. 2 BGB" in text
    assert "Rechtsgrundlage: § 367 Abs. 1 BGB" in text
    assert format_currency(Decimal("218.70"), "EUR", locale="de_DE") in text


# ---- 8. exactly once, and a workbook open in Excel is left alone --------------------------------------------------


def test_sending_twice_on_the_same_day_sends_nothing_new_and_the_queue_says_why(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("C1"), customer("C2", country="GB")],
        invoices=[invoice("A-1", "C1", due="2026-11-17"), invoice("B-1", "C2", due="2026-11-10", currency="GBP")],
    )
    first = collect(path, now=TUESDAY, send=True)
    assert len(first.sent) == 2
    files = sorted(path.parent.glob("outbox/*.eml"))

    again = collect(path, now=TUESDAY + dt.timedelta(minutes=30), send=True)

    assert again.sent == [] and again.failed == []
    assert sorted(path.parent.glob("outbox/*.eml")) == files
    queue = sheet_rows(path, "ReminderQueue")
    assert {row[Queue.STATE] for row in queue} == {"held"}
    reasons = sorted(row[Queue.REASON] for row in queue)  # C2's 14 days allow the second level: it waits its days
    assert reasons == [
        "already sent on 2026-11-24",
        "last reminder sent on 2026-11-24; the policy waits until 2026-12-01",
    ]
    log = sheet_rows(path, "ReminderLog")
    assert sorted(row["state"] for row in log) == ["sent", "sent"]


@pytest.mark.parametrize("owner_name", ["~$collections.xlsx", "~$llections.xlsx"])  # Excel shortens long names
def test_a_workbook_open_in_excel_is_not_modified_and_the_results_go_to_a_side_file(tmp_path, owner_name):
    path = make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("A-1", "C1", due="2026-11-17")])
    owner = path.with_name(owner_name)
    owner.write_bytes(b"\x0cExcel user" + b"\x00" * 40)  # what Excel leaves beside a workbook it has open
    before = path.read_bytes()

    report = collect(path, now=TUESDAY, send=True)

    assert path.read_bytes() == before
    side = path.with_name(f"{path.stem}.results.xlsx")
    assert report.written_to == side and side.exists()
    assert any(side.name in note for note in report.notes), report.notes
    row = only(sheet_rows(side, "ReminderQueue"), "C1")
    assert row[Queue.STATE] == "sent"
    assert len(outbox_messages(tmp_path)) == 1


# ---- what the plain-text part looks like ---------------------------------------------------------------------------


def test_the_text_statement_keeps_a_space_between_column_headings_in_every_language(tmp_path):
    headings = {"de": "Rechnungsdatum", "fr": "Date de facture", "es": "Fecha de factura", "pt": "Data da fatura"}
    path = make_book(
        tmp_path,
        customers=[customer(language.upper(), country=language.upper(), language=language) for language in headings],
        invoices=[invoice(f"I-{language}", language.upper(), due="2026-11-17") for language in headings],
    )

    collect(path, now=TUESDAY, send=True)

    squeezed = {}
    for language, heading in headings.items():
        text = text_of(message_to(tmp_path, f"ap-{language}@client.example"))
        [line] = [line for line in text.splitlines() if heading in line]
        if f"{heading} " not in line:
            squeezed[language] = line.strip()[:48]
    assert squeezed == {}, "column headings run together in the text part"


def test_credit_notes_and_unapplied_payments_are_shown_net_in_the_statement(tmp_path):
    book = make_book(
        tmp_path,
        customers=[customer("NET", language="en", country="GB")],
        invoices=[
            invoice("N-1", "NET", due="2026-11-10", amount=1000.0),
            invoice("CN-1", "NET", due="2026-11-01", amount=-150.0),
        ],
        payments=[payment("2026-11-15", "NET", 200.0, invoice_number=None)],
    )
    collect(book, now=TUESDAY, send=True)

    (message,) = [m for m in outbox_messages(book.parent) if "N-1" in text_of(m)]
    text = text_of(message)
    assert "CN-1" in text and "Credit 2026-11-15" in text  # the payment by the day it came, no English word
    balance = format_currency(Decimal("650.00"), "EUR", locale="en_GB")  # 1,000 − 150 credit − 200 unapplied
    assert balance in text
    row = only(sheet_rows(book, "ReminderQueue"), "NET")
    assert (row[Queued.AMOUNT_DUE], row[Queued.CURRENCY]) == (650.0, "EUR"), "the sheet says what the letter asks"


def test_an_unapplied_payment_without_an_fx_rate_is_reported_not_counted_as_zero_silently(tmp_path):
    """#19: pricing.unapplied_cash summed a payment whose currency has no rate as 0 and said nothing."""
    book = make_book(
        tmp_path,
        customers=[customer("NET", language="en", country="GB")],
        invoices=[invoice("N-1", "NET", due="2026-11-10", amount=1000.0)],
        payments=[payment("2026-11-15", "NET", 200.0, invoice_number=None, currency="CHF")],
    )
    report = collect(book, now=TUESDAY, send=False)

    # One row for the missing rate, at its source (the FX row to add), naming the payment it keeps from counting.
    [problem] = [p for p in report.problems if "CHF" in str(p.value)]
    assert (problem.sheet, problem.value, problem.affects) == ("FX", "CHF", 1)
    assert problem.reason.startswith("no FX rate for CHF — add it on this row")
    assert "Payments row 2 (200.00 CHF): unapplied payment not counted against the balance of NET" in problem.reason
    exceptions = sheet_rows(book, "Exceptions")
    assert [row[ExceptionsSheet.VALUE] for row in exceptions if "CHF" in str(row[ExceptionsSheet.REASON])] == ["CHF"]
    assert not [row for row in exceptions if row[ExceptionsSheet.SHEET] == "Payments"]


def test_an_unapplied_payment_that_cannot_be_counted_holds_the_customers_reminders_with_the_true_reason(tmp_path):
    """#17: NET paid 8,000 CHF on account, with no CHF rate on the FX sheet. Its reminder went out for the full
    10,000 EUR; now what NET owes is unknown, so nothing goes out and the queue says why (not "credit notes …
    cover"). ZERO, whose only payment is convertible and covers its invoice, is still held as covered; with the
    CHF rate NET is reminded again for what is left."""
    people = [customer("NET", language="en", country="GB"), customer("ZERO", language="en", country="GB")]
    invoices = [invoice("N-1", "NET", due="2026-11-10", amount=10000.0), invoice("Z-1", "ZERO", due="2026-11-10")]
    payments = [
        payment("2026-11-15", "NET", 8000.0, invoice_number=None, currency="CHF"),
        payment("2026-11-16", "ZERO", 2000.0, invoice_number=None, currency="USD"),
    ]
    book = make_book(tmp_path, customers=people, invoices=invoices, payments=payments)
    collect(book, now=TUESDAY, send=True)

    queue = {row[Queue.CUSTOMER_ID]: row for row in sheet_rows(book, "ReminderQueue")}
    assert (queue["NET"][Queue.STATE], queue["NET"][Queue.REASON]) == (
        "held",
        "a payment of 8,000.00 CHF received on 2026-11-15 cannot be counted: no FX rate for CHF — add it to the FX "
        "sheet",
    )
    assert queue["ZERO"][Queue.REASON] == "credit notes and unapplied payments cover the open amount"
    assert outbox_messages(tmp_path) == []

    other = tmp_path / "with-rate"
    other.mkdir()
    fx = [*DEFAULT_FX, {FX.CURRENCY: "CHF", FX.RATE: 1.05}]
    book = make_book(other, customers=people, invoices=invoices, payments=payments, fx=fx)
    collect(book, now=TUESDAY, send=True)
    queue = {row[Queue.CUSTOMER_ID]: row for row in sheet_rows(book, "ReminderQueue")}
    assert queue["NET"][Queue.STATE] == "sent" and queue["NET"][Queue.REASON] in (None, "")
    assert [to_address(message) for message in outbox_messages(other)] == [queue["NET"][Queue.TO]]


def test_an_escalation_waits_for_approval_then_puts_the_customer_on_credit_hold_and_writes_an_agency_case_file(
    tmp_path,
):
    from arcollect import escalation
    from arcollect.book import cases
    from arcollect.mail.ledger import Ledger

    book = make_book(
        tmp_path,
        customers=[customer("LATE", country="DE", language="de"), customer("FINE", country="DE", language="de")],
        invoices=[invoice("L-1", "LATE", due="2026-09-01"), invoice("F-1", "FINE", due="2026-11-10")],
    )
    seed_sent(book, [("LATE", 1, ["L-1"], "2026-09-04"), ("LATE", 2, ["L-1"], "2026-09-15"),
                     ("LATE", 3, ["L-1"], "2026-10-01")])  # fmt: skip
    waiting = collect(book, now=TUESDAY, send=True)

    row = only(sheet_rows(book, "ReminderQueue"), "LATE")
    assert (row[Queue.LEVEL], row[Queue.STATE]) == (4, "awaiting approval")
    assert waiting.escalated == [] and waiting.escalation.startswith("1 customer would be put on credit hold")
    assert not cases.case_folder(book).exists()
    assert only(sheet_rows(book, "Customers"), "LATE")[Customers.CREDIT_HOLD] in (None, False)
    assert only(sheet_rows(book, "CustomerRisk"), "LATE")[Customers.CREDIT_HOLD] is False

    with Ledger(book.with_name("collections.ledger.sqlite")) as ledger:
        escalation.record(ledger, "LATE", 4, by="Anna Keller", now=TUESDAY, source="cli")
    report = collect(book, now=TUESDAY + dt.timedelta(minutes=5), send=True)

    assert report.escalated == ["LATE"]
    customers = {row[Customers.ID]: row for row in sheet_rows(book, "Customers")}
    assert customers["LATE"][Customers.CREDIT_HOLD] is True
    assert customers["FINE"][Customers.CREDIT_HOLD] in (None, False)
    risk = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(book, "CustomerRisk")}
    assert risk["LATE"][Customers.CREDIT_HOLD] is True, "CustomerRisk shows the hold this run set, not a stale one"
    assert risk["FINE"][Customers.CREDIT_HOLD] is False
    case = cases.case_folder(book) / cases.file_name("LATE")
    assert case.exists() and not (cases.case_folder(book) / cases.file_name("FINE")).exists()
    sheets = openpyxl.load_workbook(case, read_only=True)
    assert {"Summary", "OpenItems", "ReminderHistory"} <= set(sheets.sheetnames)
    summary = {row[0]: row[1] for row in sheets["Summary"].iter_rows(min_row=1, max_row=5, values_only=True)}
    assert summary["Reminders sent"] == 4 and summary["Escalation approved by"].startswith("Anna Keller on 2026-11-24")


def test_a_reminder_in_doubt_in_the_ledger_is_held_until_reconciled_and_the_queue_says_so(tmp_path):
    """The SMTP server stores the message but answers only after the client's timeout: the ledger cannot know it
    was sent and keeps it `unknown`. A refresh then holds that reminder with the ledger's reason, word for word."""
    from arcollect.mail.transports.smtp import SmtpTransport

    from ..servers.smtp import SmtpServer
    from ..servers.tls import ca_bundle

    path = make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("A-1", "C1", due="2026-11-17")])
    with SmtpServer(users={"ar": "pw"}) as server:
        server.hang_after_data = 3.0
        transport = SmtpTransport(
            server.host, server.port, username="ar", password="pw", verify=ca_bundle(), timeout=0.5, retries=0
        )
        first = collect(path, now=TUESDAY, send=True, transport=transport)
    assert first.sent == [] and len(first.unknown) == 1

    again = collect(path, now=TUESDAY + dt.timedelta(minutes=30), send=False)
    [row] = sheet_rows(path, "ReminderQueue")
    assert row[Queue.STATE] == "held"
    assert row[Queue.REASON] == "in doubt (unknown) in the ledger — reconcile before sending again"
    assert again.queue[Queue.REASON].tolist() == [row[Queue.REASON]]


def test_a_plan_without_rendering_has_the_refreshs_queue_and_no_letters_and_cannot_send(multi_currency_book):
    """`arcollect bank` compares plans before and after an import: it needs the queue, not the letters."""
    planned = collect(multi_currency_book, now=TUESDAY, write_back=False, render=False)
    rendered = collect(multi_currency_book, now=TUESDAY, write_back=False)
    assert planned.reminders == {} and len(rendered.reminders) == 2
    pd.testing.assert_frame_equal(planned.queue, rendered.queue)
    with pytest.raises(ValueError, match="renders what it sends"):
        collect(multi_currency_book, now=TUESDAY, send=True, render=False)
    assert not outbox_messages(multi_currency_book.parent)
