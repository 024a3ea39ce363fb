"""A bank's CSV export read through a mapping on the workbook's Mappings sheet, as a user types it there.

Two layouts that the usual column names cannot read (tests/data/bank, see its README.md): a German online-banking
export with lines about the account above the header, credits and debits in separate Soll/Haben columns, dates
as 25.11.2026 and amounts as 1.000,00 (cp1252); and a US bank's export whose Details column says CREDIT or DEBIT,
dates as 11/25/2026 and no currency column. Every workbook is a real .xlsx, read back with openpyxl.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from arcollect import schema
from arcollect.bank import inbox, statements
from arcollect.book import read
from arcollect.book.importer.mapping import user_mappings
from arcollect.cli import main
from arcollect.run import collect
from arcollect.schema import Invoices, Payments, Unmatched
from tests.integration.workbooks import add_mappings, customer, invoice, make_book, sheet_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
SOLL_HABEN = DATA / "csv_soll_haben_2026-11-25.csv"
CREDIT_DEBIT = DATA / "csv_credit_debit_2026-11-25.csv"
NOW = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)
GERMAN_BANK = [  # Mapping, Target column, Source column, Fixed value or format — as a clerk types them
    ("Hausbank", "Booking date", "Buchungstag", "DD.MM.YYYY"),
    ("Hausbank", "Value date", "Wert", None),
    ("Hausbank", "Amount", "Haben", "1.234,56"),  # the credits are in Haben; a decimal comma
    ("Hausbank", "Currency", "Währung", None),
    ("Hausbank", "Payer", "Begünstigter/Auftraggeber", None),  # the export spaces it "Begünstigter / Auftraggeber"
    ("Hausbank", "Payer account", "IBAN", None),
    ("Hausbank", "Remittance", "Verwendungszweck", None),
]
US_BANK = [
    ("us-bank", "Booking date", "Posting Date", "%m/%d/%Y"),
    ("us-bank", "Amount", "Amount", None),
    ("us-bank", "Remittance", "Description", None),
    ("us-bank", "Currency", None, "usd"),
    ("us-bank", "Credit/debit", "Details", "CREDIT"),
]


def _book(tmp_path: Path, **settings: str) -> Path:
    customers = [customer(f"C{n}") for n in range(1, 4)] + [customer("U1", country="US", currency="USD")]
    invoices = [
        invoice("INV-2001", "C2", due="2026-11-03", amount=400.0),
        invoice("INV-2002", "C2", due="2026-11-12", amount=600.0),
        invoice("INV-3001", "C3", due="2026-11-10", amount=1000.0),
        invoice("INV-9001", "U1", due="2026-11-10", amount=700.0, currency="USD"),
    ]
    return make_book(
        tmp_path, customers=customers, invoices=invoices, fx=[{"currency": "USD", "rate": 0.9}], settings=settings
    )


def _payments(path: Path) -> list[tuple]:
    return sorted(
        (row[Payments.INVOICE_NUMBER], row[Payments.AMOUNT], row[Payments.CURRENCY], row[Payments.MATCHED_BY])
        for row in sheet_rows(path, "Payments")
        if row[Payments.BANK_ENTRY]
    )


def test_the_mappings_sheet_reads_a_soll_haben_export_found_by_its_header(tmp_path):
    path = _book(tmp_path)
    before = inbox.import_files(path, [SOLL_HABEN], now=NOW)  # no mapping yet: reported, nothing guessed
    assert before.credits == 0 and _payments(path) == []
    assert [problem.value for problem in before.problems] == [SOLL_HABEN.name]

    add_mappings(path, [*GERMAN_BANK, *US_BANK])
    assert inbox.csv_mappings(path) == [
        statements.CsvMapping(
            "Hausbank",
            {
                "booking_date": "Buchungstag",
                "value_date": "Wert",
                "amount": "Haben",
                "currency": "Währung",
                "payer": "Begünstigter/Auftraggeber",
                "payer_account": "IBAN",
                "remittance": "Verwendungszweck",
            },
            date_format="%d.%m.%Y",
            decimal=",",
        ),
        statements.CsvMapping(
            "us-bank",
            {"booking_date": "Posting Date", "amount": "Amount", "remittance": "Description", "direction": "Details"},
            date_format="%m/%d/%Y",
            currency="USD",
            credit_marks=("CREDIT",),
        ),
    ]
    report = inbox.import_files(path, [SOLL_HABEN], now=NOW)  # the mapping whose columns the header holds
    assert report.problems == [] and report.credits == 3  # the direct debit (Soll) is not a payment received
    assert _payments(path) == [
        ("INV-2001", 400.0, "EUR", "invoice number"),  # a combined payment, split oldest due first
        ("INV-2002", 600.0, "EUR", "invoice number"),
        ("INV-3001", 400.0, "EUR", "invoice number (part payment)"),
    ]
    invoices = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Invoices")}
    assert invoices["INV-3001"][Invoices.OPEN_AMOUNT] == 600.0 and invoices["INV-2002"][Invoices.STATUS] == "Paid"
    (unknown,) = sheet_rows(path, "Unmatched")
    assert (unknown[Unmatched.PAYER], unknown[Unmatched.AMOUNT], unknown[Unmatched.PAYER_ACCOUNT]) == (
        "Fremdfirma Süd GmbH",
        55.0,
        "DE27100777770209299700",
    )
    again = inbox.import_files(path, [SOLL_HABEN], now=NOW + dt.timedelta(hours=1))
    assert again.already == 3 and not again.applied and len(_payments(path)) == 3


def test_arcollect_bank_mapping_names_the_mapping_for_a_credit_debit_export(tmp_path, capsys):
    path = _book(tmp_path)
    add_mappings(path, [*GERMAN_BANK, *US_BANK])
    assert main(["bank", str(path), str(CREDIT_DEBIT), "--mapping", "US-Bank", "--now", NOW.isoformat()]) == 0
    assert "2 credits in 1 file(s): 1 applied (1 by invoice number), 1 to Unmatched" in capsys.readouterr().out
    assert _payments(path) == [("INV-9001", 700.0, "USD", "invoice number")]  # the payroll debit is left out
    (deposit,) = sheet_rows(path, "Unmatched")
    assert (deposit[Unmatched.AMOUNT], deposit[Unmatched.CURRENCY]) == (250.0, "USD")

    assert main(["bank", str(path), str(CREDIT_DEBIT), "--mapping", "nosuch", "--now", NOW.isoformat()]) != 0
    said = " ".join("".join(capsys.readouterr()).split())
    assert "no bank statement mapping named 'nosuch' in the Mappings sheet (known: Hausbank, us-bank)" in said


def test_a_bank_mapping_is_not_an_open_items_import_mapping(tmp_path):
    path = _book(tmp_path)
    add_mappings(path, [*GERMAN_BANK, ("datev", "Invoice", "Rechnung", None), ("datev", "Amount", "Betrag", None)])
    rows = read.sheet_rows(path, schema.MAPPINGS.sheet)
    assert "Hausbank" not in user_mappings(rows) and "datev" in user_mappings(rows)
    assert [mapping.name for mapping in inbox.csv_mappings(path)] == ["Hausbank"]


def test_a_credit_column_nobody_named_is_an_error_not_zero_payments():
    text = SOLL_HABEN.read_bytes().decode("cp1252").replace("Kontostand;25.11.2026;;;;;;;26.335,00;;;EUR\r\n", "")
    with pytest.raises(ValueError, match=r"the amount column 'Betrag' is empty in all 4 rows — map the column"):
        statements.parse_csv(text, SOLL_HABEN.name)
    mapping = statements.CsvMapping("Hausbank", {"booking_date": "Buchungstag", "amount": "Haben"}, "%d.%m.%Y")
    credits = statements.parse_csv(text, SOLL_HABEN.name, mapping=mapping)
    assert [(credit.amount, credit.payer, credit.booking_date) for credit in credits] == [
        (Decimal("1000.00"), "Customer C2 GmbH", dt.date(2026, 11, 25)),
        (Decimal("400.00"), "Customer C3 GmbH", dt.date(2026, 11, 25)),
        (Decimal("55.00"), "Fremdfirma Süd GmbH", dt.date(2026, 11, 25)),
    ]


SPARKASSE = """Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Umsatz;S/H;Währung
25.11.26;25.11.26;Customer C3 GmbH;INV-3001;1.000;H;EUR
25.11.26;25.11.26;Stadtwerke;Strom;1.000;S;EUR
26.11.26;26.11.26;Customer C2 GmbH;INV-2001 INV-2002;1.000,00;h;EUR
"""


def test_a_debit_credit_sign_column_decimal_comma_and_two_digit_years(tmp_path):
    path = _book(tmp_path)
    add_mappings(
        path,
        [
            ("Sparkasse", "Booking Date", "Buchungstag", "TT.MM.JJ"),
            ("Sparkasse", "Amount", "Umsatz", ","),
            ("Sparkasse", "Credit / debit", "S/H", "H"),
            ("Sparkasse", "Payer", "Auftraggeber/Empfänger", None),
            ("Sparkasse", "Remittance", "Verwendungszweck", None),
        ],
    )
    (mapping,) = inbox.csv_mappings(path)
    assert (mapping.date_format, mapping.decimal, mapping.credit_marks) == ("%d.%m.%y", ",", ("H",))
    credits = statements.parse_csv(SPARKASSE, "umsaetze.csv", mappings=[mapping])
    assert [(credit.amount, credit.currency, credit.booking_date, credit.payer) for credit in credits] == [
        (Decimal("1000"), "EUR", dt.date(2026, 11, 25), "Customer C3 GmbH"),  # 1.000 with a decimal comma: 1000
        (Decimal("1000.00"), "EUR", dt.date(2026, 11, 26), "Customer C2 GmbH"),  # S (Soll) is a debit: left out
    ]
    with pytest.raises(ValueError, match=r"row 2: date '25.11.26' does not fit the mapping's format '%d.%m.%Y'"):
        statements.parse_csv(SPARKASSE, "umsaetze.csv", mapping=dataclasses.replace(mapping, date_format="%d.%m.%Y"))


def test_1_500_is_refused_without_a_number_format_and_read_as_fifteen_hundred_with_one():
    text = 'Date,Amount,Currency,Description\n2026-11-25,"1,500",USD,INV-9001\n2026-11-25,"1,500.25",USD,x\n'
    with pytest.raises(ValueError, match=r"row 2: amount '1,500' could be read two ways — give the mapping's Amount"):
        statements.parse_csv(text, "us.csv")  # 1.5 or 1500: never guessed
    mapping = statements.CsvMapping("us", {"booking_date": "Date", "amount": "Amount"}, decimal=".")
    assert [credit.amount for credit in statements.parse_csv(text, "us.csv", mapping=mapping)] == [
        Decimal("1500"),
        Decimal("1500.25"),
    ]


def test_a_csv_in_the_watched_folder_is_read_once_the_user_maps_its_columns(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")
    shutil.copy(SOLL_HABEN, folder / SOLL_HABEN.name)
    first = collect(path, now=NOW, send=False, write_back=False)
    assert [p.value for p in first.problems if p.sheet == statements.SHEET] == [SOLL_HABEN.name]
    again = collect(path, now=NOW, send=False, write_back=False)
    assert not [p for p in again.problems if p.sheet == statements.SHEET]  # reported once, not every run
    add_mappings(path, GERMAN_BANK)  # the clerk maps the export's columns: the same file is read now
    mapped = collect(path, now=NOW, send=False)  # a refresh: the workbook shows what the ledger now holds
    assert not [p for p in mapped.problems if p.sheet == statements.SHEET]
    assert _payments(path) == [
        ("INV-2001", 400.0, "EUR", "invoice number"),
        ("INV-2002", 600.0, "EUR", "invoice number"),
        ("INV-3001", 400.0, "EUR", "invoice number (part payment)"),
    ]
    assert mapped.outputs["Unmatched"][Unmatched.PAYER].tolist() == ["Fremdfirma Süd GmbH"]


def test_the_ribbon_reads_a_csv_with_the_open_books_mapping(tmp_path, open_book):
    from arcollect.excel import ribbon

    path = _book(tmp_path)
    add_mappings(path, GERMAN_BANK)
    book = open_book(path)
    ribbon.import_bank_statement(book, pick_files=lambda _app: [str(SOLL_HABEN)])
    (alert,) = book.app.alerts
    assert alert.prompt.startswith("3 credits in 1 file(s): 2 applied (2 by invoice number), 1 to Unmatched")
    book.save()
    assert _payments(path) == [
        ("INV-2001", 400.0, "EUR", "invoice number"),
        ("INV-2002", 600.0, "EUR", "invoice number"),
        ("INV-3001", 400.0, "EUR", "invoice number (part payment)"),
    ]


def test_arcollect_bank_without_files_reads_the_bank_folder_and_counts_the_reminders_it_stops(tmp_path, capsys):
    folder = tmp_path / "bank"
    folder.mkdir()
    path = _book(tmp_path, BankFolder="bank")
    add_mappings(path, GERMAN_BANK)
    shutil.copy(SOLL_HABEN, folder / SOLL_HABEN.name)
    assert main(["bank", str(path), "--now", NOW.isoformat()]) == 0
    said = " ".join(capsys.readouterr().out.split())
    # the plan before the import does not read the folder itself (it would count the payments as already there)
    assert "3 credits in 1 file(s): 2 applied (2 by invoice number), 1 to Unmatched for a person, 0 already" in said
    assert "Reminders stopped: 1 no longer go out (everything they chased is paid); 1 now ask for less." in said
