"""What is never matched automatically goes to Unmatched with its reason; an overpayment becomes unapplied cash.

Two small hand-made files (tests/data/bank/README.md says what they are based on): a camt.054 credit notification
(an overpayment, a reversal, a returned payment of ours, a pending entry) and a camt.053 statement whose every
credit is one a person must decide (a name two customers share, an invoice already paid, two open invoices of
exactly the amount, invoice numbers of two customers). Each is imported into a real .xlsx and read back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from arcollect.bank import inbox, statements
from arcollect.run import collect
from arcollect.schema import Invoices, Payments, Queue, Unmatched
from tests.integration.workbooks import customer, invoice, make_book, sheet_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
NOTIFICATION = DATA / "camt054_2026-11-24_handmade.xml"
UNSURE_DAY = DATA / "camt053_2026-11-25_unsure_handmade.xml"
NOW = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # 10:30 in Berlin


def _book(tmp_path: Path) -> Path:
    customers = [
        *(customer(f"C{n}") for n in (1, 2, 8, 9)),
        customer("C6", name="Twin Trading GmbH"),
        customer("C7", name="Twin Trading GmbH"),  # two customers, one name
    ]
    invoices = [
        invoice("INV-1001", "C1", due="2026-11-10", amount=1000.0),
        invoice("INV-1002", "C1", due="2026-11-12", amount=80.0),
        invoice("INV-2001", "C2", due="2026-11-03", amount=400.0),
        invoice("INV-6001", "C6", due="2026-11-10", amount=700.0),
        invoice("INV-7001", "C7", due="2026-11-10", amount=700.0),
        invoice("INV-8001", "C8", due="2026-11-05", amount=500.0),
        invoice("INV-8002", "C8", due="2026-11-09", amount=500.0),
        invoice("INV-9001", "C9", due="2026-10-10", amount=600.0, open_amount=0.0, status="Paid"),
        invoice("INV-9002", "C9", due="2026-11-10", amount=300.0),
    ]
    return make_book(tmp_path, customers=customers, invoices=invoices, settings={"IBAN": "DE89370400440532013000"})


def _open(path: Path) -> dict[str, float]:
    """Open amount per invoice as the sheet says it (a blank Open Amount is the whole amount)."""
    rows = sheet_rows(path, "Invoices")
    return {
        row[Invoices.NUMBER]: row[Invoices.AMOUNT] if row[Invoices.OPEN_AMOUNT] is None else row[Invoices.OPEN_AMOUNT]
        for row in rows
    }


def test_a_camt054_notification_is_read_booked_credits_only_with_reversal_and_return_marked():
    credits, problems = statements.read(NOTIFICATION)
    assert problems == []
    assert [(c.amount, c.payer, c.reversal, dict(c.extra)) for c in credits] == [
        (Decimal("1100.00"), "Customer C1 GmbH", False, {}),
        (Decimal("400.00"), "Customer C2 GmbH", True, {}),  # RvslInd
        (Decimal("300.00"), "Customer C9 GmbH", True, {"returned": "AC04"}),  # RtrInf, sub-family RRTN
    ]  # the pending (PDNG) entry is not money yet
    assert credits[0].key == "camt|DE89370400440532013000|NTF-20261124-00001"
    assert credits[0].booking_date == dt.date(2026, 11, 24) and credits[0].remittance == "Rechnung INV-1001"


def test_an_overpayment_is_unapplied_cash_and_a_reversal_or_return_goes_to_a_person(tmp_path):
    path = _book(tmp_path)
    report = inbox.import_files(path, [NOTIFICATION], now=NOW)
    assert report.credits == 3 and report.unmatched == 2 and dict(report.applied) == {"invoice number": 1}
    bank = [
        (row[Payments.INVOICE_NUMBER], row[Payments.CUSTOMER_ID], row[Payments.AMOUNT], row[Payments.MATCHED_BY])
        for row in sheet_rows(path, "Payments")
        if row[Payments.BANK_ENTRY]
    ]
    assert bank == [
        ("INV-1001", "C1", 1000.0, "invoice number (overpayment)"),
        (None, "C1", 100.0, "invoice number (overpayment)"),  # the rest: C1's unapplied cash, on no invoice
    ]
    unmatched = {row[Unmatched.PAYER]: row for row in sheet_rows(path, "Unmatched")}
    assert set(unmatched) == {"Customer C2 GmbH", "Customer C9 GmbH"}
    assert unmatched["Customer C2 GmbH"][Unmatched.REASON].startswith("a reversal of an earlier booking")
    returned = unmatched["Customer C9 GmbH"]
    assert returned[Unmatched.REASON] == (
        "a returned payment (return reason AC04): money of ours coming back, not a customer paying"
    )
    assert returned[Unmatched.AMOUNT] == 300.0
    opened = _open(path)  # C9's 300 open invoice has the returned amount and its name: still not applied
    assert (opened["INV-1001"], opened["INV-1002"], opened["INV-2001"], opened["INV-9002"]) == (0, 80, 400, 300)

    # the next run counts the 100 as C1's credit: it covers INV-1002 (80), so C1 is not chased
    queue = collect(path, now=NEXT_MORNING, send=False, write_back=False).queue
    (c1,) = queue[queue[Queue.CUSTOMER_ID] == "C1"].to_dict("records")
    assert c1[Queue.STATE] == "held" and "unapplied payments cover the open amount" in c1[Queue.REASON]
    assert set(queue.loc[queue[Queue.STATE] == "due", Queue.CUSTOMER_ID]) >= {"C2", "C9"}


def test_each_unsure_credit_goes_to_unmatched_with_its_reason_and_nothing_is_applied(tmp_path):
    path = _book(tmp_path)
    before = _open(path)
    report = inbox.import_files(path, [UNSURE_DAY], now=NOW)
    assert report.credits == 4 and report.unmatched == 4 and not report.applied
    rows = sheet_rows(path, "Unmatched")
    assert [(row[Unmatched.PAYER], row[Unmatched.AMOUNT], row[Unmatched.REASON]) for row in rows] == [
        ("Twin Trading GmbH", 700.0, "the payer fits several customers (name: C6, C7)"),
        ("Customer C9 GmbH", 600.0, "invoice number points to INV-9001 of C9, already paid — a second payment?"),
        ("Customer C8 GmbH", 500.0, "C8: 2 open invoices of exactly this amount — which one?"),
        ("Sammelzahler AG", 900.0, "names invoices of several customers: INV-2001 (C2), INV-8001 (C8)"),
    ]
    assert rows[2][Unmatched.CANDIDATES] == "INV-8001 500.00, INV-8002 500.00"  # what a person chooses from
    assert all(row[Unmatched.ENTRY].startswith("camt|DE89370400440532013000|BANK-20261125-") for row in rows)
    assert not [row for row in sheet_rows(path, "Payments") if row[Payments.BANK_ENTRY]]
    assert _open(path) == before
