"""Stop chasing when the money is there: statements in the published formats → Payments, Unmatched, fewer reminders.

Files (tests/data/bank, sources in its README.md): ISO 20022's business example of a camt.053 statement
(AAAASESS-FP-STAT001), a camt.053.001.02 day of payments laid out as a SEPA bank statement, the MT940 example of
the German banks' specification (DFÜ-Abkommen, Anlage 3, 8.2.5) and an MT940 day in its :86: layout. Every
workbook is a real .xlsx, read back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import mt940
import pytest

from arcollect.bank import inbox, statements
from arcollect.bank.store import Store, path_for
from arcollect.cli import main
from arcollect.run import collect
from arcollect.schema import Invoices, Payments, Queue, Unmatched
from tests.integration.workbooks import customer, invoice, make_book, sheet_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
ISO_SAMPLE = DATA / "iso20022_camt.053.001.04_business_sample.xml"
DAY = DATA / "camt053_2026-11-24.xml"
MT940 = DATA / "mt940_2026-11-25.sta"
DK_EXAMPLE = DATA / "dk_dfue_anlage3_mt940_example.sta"  # the German banks' own MT940 example (README.md)
NOW = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)  # 10:30 in Berlin: reminders go out


def _book(tmp_path: Path, **settings: str) -> Path:
    customers = [customer(f"C{n}") for n in range(1, 6)]
    invoices = [
        invoice("INV-1001", "C1", due="2026-11-10", amount=1000.0),
        invoice("INV-2001", "C2", due="2026-11-03", amount=400.0),
        invoice("INV-2002", "C2", due="2026-11-12", amount=600.0),
        invoice("INV-3001", "C3", due="2026-11-10", amount=1000.0),
        invoice("INV-4001", "C4", due="2026-11-10", amount=700.0),
        invoice("INV-5001", "C5", due="2026-10-20", amount=800.0, open_amount=500.0),
        invoice("INV-5002", "C5", due="2026-11-05", amount=900.0),
        invoice("INV-5003", "C5", due="2026-11-09", amount=600.0),
    ]
    path = make_book(tmp_path, customers=customers, invoices=invoices, settings=settings)
    with Store(path_for(path)) as store:  # what earlier reminders carried (compose records them on each run)
        store.remember_references(
            {"RF42C1UQBKHYIB": ("C1", ["INV-1001"]), "RF93C59SX7QLEV": ("C5", ["INV-5002", "INV-5003"])}, now=NOW
        )
    return path


def _by_invoice(path: Path) -> dict[str, dict]:
    return {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Invoices")}


def test_the_iso_20022_business_example_gives_its_two_booked_credits_and_skips_the_debit():
    credits, problems = statements.read(ISO_SAMPLE)
    assert problems == []
    assert [(c.amount, c.currency, c.booking_date, c.payer, c.remittance) for c in credits] == [
        (Decimal("105678.50"), "SEK", dt.date(2010, 10, 18), "MUELLER", "MUELL/FINP/RA12345"),
        (Decimal("30000"), "SEK", dt.date(2010, 10, 18), "", "AAAASS1085FINPSS"),
    ]
    assert credits[0].key == "camt|50000000054910000003|AAAASESS-FP-CN_98765/01"


def test_an_unknown_payer_goes_to_unmatched_never_guessed(tmp_path):
    path = _book(tmp_path)
    report = inbox.import_files(path, [ISO_SAMPLE], now=NOW)
    assert report.credits == 2 and report.unmatched == 2 and not report.applied
    rows = sheet_rows(path, "Unmatched")
    assert [row[Unmatched.PAYER] for row in rows] == ["MUELLER", None]
    assert all(row[Unmatched.REASON].startswith("unknown payer") for row in rows)
    assert all(row[Payments.BANK_ENTRY] is None for row in sheet_rows(path, "Payments"))  # ticks never write it


def test_a_day_of_payments_is_applied_by_each_rule_and_the_rest_left_to_a_person(tmp_path):
    path = _book(tmp_path)
    report = inbox.import_files(path, [DAY], now=NOW)
    assert report.credits == 5 and report.already == 0 and report.unmatched == 1
    assert dict(report.applied) == {"RF reference": 1, "invoice number": 2, "customer + exact amount": 1}
    payments = [
        (row[Payments.INVOICE_NUMBER], row[Payments.CUSTOMER_ID], row[Payments.AMOUNT], row[Payments.MATCHED_BY])
        for row in sheet_rows(path, "Payments")
    ]
    assert payments == [
        ("INV-1001", "C1", 1000.0, "RF reference"),
        ("INV-2001", "C2", 400.0, "invoice number"),  # a combined payment, split oldest due first
        ("INV-2002", "C2", 600.0, "invoice number"),
        ("INV-3001", "C3", 250.0, "invoice number (part payment)"),
        ("INV-4001", "C4", 700.0, "customer + exact amount"),
    ]
    invoices = _by_invoice(path)
    assert [invoices[n][Invoices.STATUS] for n in ("INV-1001", "INV-2001", "INV-2002", "INV-4001")] == ["Paid"] * 4
    assert invoices["INV-3001"][Invoices.OPEN_AMOUNT] == 750.0 and invoices["INV-3001"][Invoices.STATUS] == "Open"
    assert sorted(report.invoices_paid) == ["INV-1001", "INV-2001", "INV-2002", "INV-4001"]
    (unmatched,) = sheet_rows(path, "Unmatched")
    assert unmatched[Unmatched.PAYER] == "Fremdfirma AG" and unmatched[Unmatched.AMOUNT] == 123.45
    assert "unknown payer" in unmatched[Unmatched.REASON]


def test_importing_the_same_statement_again_adds_nothing(tmp_path):
    path = _book(tmp_path)
    inbox.import_files(path, [DAY], now=NOW)
    before = sheet_rows(path, "Payments"), _by_invoice(path), sheet_rows(path, "Unmatched")
    copy = tmp_path / "same-statement-renamed.xml"
    shutil.copy(DAY, copy)
    again = inbox.import_files(path, [DAY, copy], now=NOW + dt.timedelta(hours=1))
    assert again.credits == 10 and again.already == 10 and not again.applied and again.unmatched == 0
    assert (sheet_rows(path, "Payments"), _by_invoice(path), sheet_rows(path, "Unmatched")) == before


def test_mt940_combined_payment_by_reference_partial_remainder_and_debits_left_out(tmp_path):
    path = _book(tmp_path)
    report = inbox.import_files(path, [MT940], now=NOW)
    assert report.credits == 3  # the direct debit is not a customer's payment
    applied = [
        (row[Payments.INVOICE_NUMBER], row[Payments.AMOUNT], row[Payments.MATCHED_BY])
        for row in sheet_rows(path, "Payments")
        if row[Payments.BANK_ENTRY]
    ]
    assert applied == [
        ("INV-5001", 500.0, "invoice number"),
        ("INV-5002", 900.0, "RF reference"),  # one reference for a reminder of two invoices
        ("INV-5003", 600.0, "RF reference"),
    ]
    assert [row[Unmatched.PAYER] for row in sheet_rows(path, "Unmatched")] == ["Max Mustermann"]
    with Store(path_for(path)) as store:  # a certain match teaches arcollect the payer's account
        assert store.payers() == {"DE75512108001245126199": "C5"}


def test_the_german_banks_own_mt940_example_is_read_field_by_field():
    """DFÜ-Abkommen Anlage 3, 8.2.5, as printed: every field of the statement as the parser sees it."""
    statement = mt940.models.Transactions(options=statements.MT940_OPTIONS, tags=statements.MT940_TAGS)
    statement.parse(DK_EXAMPLE.read_text(encoding="ascii"))
    data = statement.data
    assert (data["transaction_reference"], data["related_reference"]) == ("1234567", "9876543210")  # :20: :21:
    assert data["account_identification"] == "10020030/1234567"  # :25: bank code / account
    assert (data["statement_number"], data["sequence_number"]) == ("5", "1")  # :28C:
    opening, closing = data["final_opening_balance"], data["final_closing_balance"]  # :60F: :62F:
    assert (opening.status, opening.amount.amount, opening.amount.currency, opening.date) == (
        "C", Decimal("2187.95"), "EUR", dt.date(2002, 11, 1),
    )  # fmt: skip
    assert (closing.status, closing.amount.amount, closing.date) == ("C", Decimal("4387.95"), dt.date(2002, 11, 30))
    debit, credit = (transaction.data for transaction in statement)  # :61: + :86: twice
    fields = ("status", "funds_code", "id", "customer_reference", "bank_reference", "transaction_code")
    assert [tuple(line[name] for name in fields) for line in (debit, credit)] == [
        ("D", "R", "NSTO", "NONREF", "55555", "008"),  # a standing order (Dauerauftrag)
        ("C", "R", "NTRF", "NONREF", "55555", "051"),  # a credit transfer received (Überweisung)
    ]
    assert [(line["date"], line["entry_date"], line["amount"].amount) for line in (debit, credit)] == [
        (dt.date(2002, 11, 1), dt.date(2002, 11, 2), Decimal("-800")),
        (dt.date(2002, 11, 2), dt.date(2002, 11, 2), Decimal("3000")),
    ]
    assert [(line["posting_text"], line["prima_nota"], line["applicant_name"]) for line in (debit, credit)] == [
        ("DAUERAUFTRAG", "0599", "MUELLER"),
        ("UEBERWEISUNG", "0599", "MUELLER"),
    ]
    assert (credit["applicant_bin"], credit["applicant_iban"]) == ("50060400", "0847564700")  # ?30 ?31 over a break
    assert opening.amount.amount + credit["amount"].amount + debit["amount"].amount == closing.amount.amount

    credits, problems = statements.read(DK_EXAMPLE)  # its closing balance is dated 31 November: still read
    assert problems == []
    assert credits == [  # the standing order of 800,00 is a debit: left out
        statements.Credit(
            key="mt940|10020030/1234567|5/1|2|2002-11-02|3000",  # account, statement/sequence, line, value date
            booking_date=dt.date(2002, 11, 2),
            value_date=dt.date(2002, 11, 2),
            amount=Decimal("3000"),
            currency="EUR",  # the line carries the funds code R, not a currency: the opening balance's
            payer="MUELLER",  # ?32
            payer_account="0847564700",  # ?31 (an account number from before IBAN)
            reference="",
            remittance="Gehalt Oktober Firma Mustermann GmbH",  # ?20 "Gehalt Oktob" + "er" (line break), ?21
            account="10020030/1234567",
            source=DK_EXAMPLE.name,
            reversal=False,
        )
    ]


def test_the_german_banks_own_mt940_example_pays_an_invoice_once(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("M1", name="Mueller"), customer("M2", name="Mustermann GmbH")],
        invoices=[invoice("RE-2002-311", "M1", due="2002-10-31", amount=3000.0)],
        settings={},
    )
    report = inbox.import_files(path, [DK_EXAMPLE], now=NOW)
    assert dict(report.applied) == {"customer + exact amount": 1} and report.unmatched == 0
    (paid,) = [row for row in sheet_rows(path, "Payments") if row[Payments.BANK_ENTRY]]
    assert (paid[Payments.INVOICE_NUMBER], paid[Payments.CUSTOMER_ID], paid[Payments.AMOUNT]) == (
        "RE-2002-311",
        "M1",
        3000.0,
    )
    assert inbox.import_files(path, [DK_EXAMPLE], now=NOW).already == 1


def test_after_the_import_a_run_chases_only_what_is_still_open(tmp_path):
    path = _book(tmp_path)
    before = collect(path, now=NEXT_MORNING, send=False, write_back=False).queue
    assert set(before[before[Queue.STATE] == "due"][Queue.CUSTOMER_ID]) >= {"C1", "C2", "C3", "C4"}
    assert main(["bank", str(path), str(DAY), "--now", NOW.isoformat()]) == 0
    after = collect(path, now=NEXT_MORNING, send=True).queue
    going = after[after[Queue.STATE] == "sent"]
    assert "C1" not in set(going[Queue.CUSTOMER_ID]) and "C2" not in set(going[Queue.CUSTOMER_ID])
    assert "C4" not in set(going[Queue.CUSTOMER_ID])
    (c3,) = going[going[Queue.CUSTOMER_ID] == "C3"].to_dict("records")
    assert c3[Queue.BASE_AMOUNT] == pytest.approx(750.0)


def test_the_check_before_sending_drops_a_reminder_paid_while_the_run_was_rendering(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")

    def statement_arrives(label: str, done: int = 0, total: int = 0) -> None:
        if label == "Rendering reminders" and not (folder / DAY.name).exists():
            shutil.copy(DAY, folder / DAY.name)

    report = collect(path, now=NEXT_MORNING, send=True, progress=statement_arrives)
    rows = [
        row for row in report.queue.to_dict("records") if row[Queue.STATE] == "sent" or "(bank)" in row[Queue.REASON]
    ]
    outcome = {(row[Queue.CUSTOMER_ID], row[Queue.STATE], row[Queue.REASON].split(":")[0]) for row in rows}
    assert outcome == {
        ("C1", "held", "paid on 2026-11-24 (bank)"),
        ("C2", "held", "paid on 2026-11-24 (bank)"),
        ("C3", "held", "part paid on 2026-11-24 (bank)"),
        ("C4", "held", "paid on 2026-11-24 (bank)"),
        ("C5", "sent", ""),
    }
    assert len(report.sent) == sum(row[Queue.CUSTOMER_ID] == "C5" for row in rows)
    # the schedule never writes the workbook; the ledger holds the import and the next refresh shows it
    refreshed = collect(path, now=NEXT_MORNING, send=False)
    assert refreshed.outputs["Unmatched"][Unmatched.PAYER].tolist() == ["Fremdfirma AG"]
    assert sum(1 for row in sheet_rows(path, "Payments") if row[Payments.BANK_ENTRY]) == 5


def test_a_person_settles_an_unmatched_credit_by_hand(tmp_path, capsys):
    path = _book(tmp_path)
    inbox.import_files(path, [DAY], now=NOW)
    (row,) = sheet_rows(path, "Unmatched")
    assert main(["bank", str(path), "--assign", row[Unmatched.ENTRY], "INV-3001", "--now", NOW.isoformat()]) == 0
    assert "applied by hand" in capsys.readouterr().out
    assert sheet_rows(path, "Unmatched") == []
    assert _by_invoice(path)["INV-3001"][Invoices.OPEN_AMOUNT] == pytest.approx(626.55)
    by_hand = [r for r in sheet_rows(path, "Payments") if r[Payments.MATCHED_BY] == "by hand"]
    assert [(r[Payments.INVOICE_NUMBER], r[Payments.AMOUNT]) for r in by_hand] == [("INV-3001", 123.45)]


def test_a_file_that_is_not_a_statement_is_reported_and_the_others_go_on(tmp_path):
    path = _book(tmp_path)
    broken = tmp_path / "broken.xml"
    broken.write_text("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Document>&a;</Document>")
    report = inbox.import_files(path, [broken, DAY], now=NOW)
    assert len(report.problems) == 1 and "broken.xml" in str(report.problems[0])
    assert report.credits == 5


def test_the_schedule_reads_the_watched_folder_so_a_payment_at_nine_stops_the_ten_oclock_reminder(tmp_path):
    from arcollect.scheduler import Schedule

    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")
    clock = [dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)]  # 07:30 in Berlin: before business hours
    schedule = Schedule(path, clock=lambda: clock[0])
    first = schedule.tick()
    waiting = first.report.queue[first.report.queue[Queue.STATE] == "scheduled"]
    assert {"C1", "C2", "C4"} <= set(waiting[Queue.CUSTOMER_ID])
    clock[0] += dt.timedelta(minutes=15)
    assert schedule.tick().ran is False  # nothing changed: the tick is skipped
    shutil.copy(DAY, folder / DAY.name)  # the bank's file lands at 08:00 in Berlin
    clock[0] += dt.timedelta(minutes=15)
    assert schedule.tick().ran is True  # a new statement is worth a run: it is read into the bank ledger
    clock[0] = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
    sending = schedule.tick().report
    queue = sending.queue
    sent = set(queue[queue[Queue.STATE] == "sent"][Queue.CUSTOMER_ID])
    assert sent == {"C3", "C5"}
    c3 = queue[(queue[Queue.CUSTOMER_ID] == "C3") & (queue[Queue.STATE] == "sent")]
    assert c3[Queue.BASE_AMOUNT].tolist() == [pytest.approx(750.0)]
    assert all(row[Payments.BANK_ENTRY] is None for row in sheet_rows(path, "Payments"))  # ticks never write it


def test_the_ribbon_imports_statements_into_the_open_book_and_says_what_it_did(tmp_path, open_book):
    from arcollect.excel import ribbon

    path = _book(tmp_path)
    book = open_book(path)
    ribbon.import_bank_statement(book, pick_files=lambda _app: [str(DAY), str(MT940)])
    ribbon.import_bank_statement(book, pick_files=lambda _app: [str(DAY)])  # the same file again: nothing new
    first, again = (alert.prompt for alert in book.app.alerts)
    assert first.startswith("8 credits in 2 file(s): 6 applied") and "2 to Unmatched for a person" in first
    assert again.startswith("5 credits in 1 file(s): 0 applied") and "5 already imported" in again
    book.save()
    assert sum(1 for row in sheet_rows(path, "Payments") if row[Payments.BANK_ENTRY]) == 8
    assert {row[Unmatched.PAYER] for row in sheet_rows(path, "Unmatched")} == {"Fremdfirma AG", "Max Mustermann"}


def test_a_broken_file_in_the_watched_folder_is_reported_once_and_read_again_when_it_changes(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")
    (folder / "half-written.xml").write_text("<Document><BkToCstmrStmt><Stmt>")
    first = collect(path, now=NOW, send=False, write_back=False)
    assert [p.value for p in first.problems if p.sheet == statements.SHEET] == ["half-written.xml"]
    again = collect(path, now=NOW, send=False, write_back=False)
    assert not [p for p in again.problems if p.sheet == statements.SHEET]  # reported once, not every run
    shutil.copy(DAY, folder / "half-written.xml")  # the transfer finished: the same file, now complete
    done = collect(path, now=NOW, send=False, write_back=False)
    assert done.outputs["Unmatched"][Unmatched.PAYER].tolist() == ["Fremdfirma AG"]


def test_a_dry_run_applies_the_watched_folder_and_records_nothing(tmp_path, capsys):
    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")
    shutil.copy(DAY, folder / DAY.name)
    before = {entry.name: entry.read_bytes() for entry in tmp_path.rglob("*") if entry.is_file()}
    assert main(["send", str(path), "--dry-run", "--now", NEXT_MORNING.isoformat()]) == 0
    said = capsys.readouterr().out
    after = {entry.name: entry.read_bytes() for entry in tmp_path.rglob("*") if entry.is_file()}
    assert after == before  # the bank ledger is unchanged (the folder's file not recorded), nothing new beside it
    planned = {name for name in ("C1", "C2", "C3", "C4", "C5") if f"Customer {name}" in said}
    assert planned == {"C3", "C5"}  # yet the statement was applied: C1, C2 and C4 paid, C3 asked for the rest
    assert "750.00" in said
