"""Importing European and grouped ERP exports, and the guards around a full import (issue #18).

SAP FBL5N exported with German headers (semicolons, Windows-1252, "1.234,56-"), Xero's "Aged Receivables Detail"
grouped by contact with "20 Nov 2026" dates, a full import that would close most open items (refused without
--force, a backup kept when it goes ahead), customer names matched to existing customers, the mapping helper, and
the command line's exit status.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arcollect import cli
from arcollect.book import template
from arcollect.book.importer import describe, import_open_items
from arcollect.book.write import write_tables
from arcollect.errors import InputError
from arcollect.schema import Customers, Invoices
from tests.integration.workbooks import sheet_rows

DATA = Path(__file__).resolve().parents[1] / "data"
SAP_GERMAN = DATA / "sap_fbl5n_de_2026-11-20.csv"
XERO = DATA / "xero_aged_receivables_detail_2026-11-30.csv"
QBO_MARCH = DATA / "qbo_aged_receivables_2026-03-31.csv"
NOW = "2026-11-30T10:00:00+00:00"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "Receivables.xlsx"
    template.build(path)
    return path


def _invoices(path: Path) -> dict[str, dict]:
    return {str(row[Invoices.NUMBER]): row for row in sheet_rows(path, "Invoices")}


def test_sap_fbl5n_with_german_headers_is_recognised_and_read(book):
    report = import_open_items(book, SAP_GERMAN)
    assert report.mapping_used == "sap_fbl5n"
    assert sorted(report.added) == ["1800007001", "1800007002", "1800007003", "1800007005", "1800007010"]
    assert "1800007004" not in report.added, "an item with an Ausgleichsdatum is cleared, not open"
    invoices = _invoices(book)
    assert invoices["1800007001"][Invoices.AMOUNT] == 12480.40
    assert invoices["1800007010"][Invoices.AMOUNT] == -450.0, "a trailing minus is a credit note"
    assert str(invoices["1800007003"][Invoices.DUE_DATE])[:10] == "2026-11-19"  # Nettofälligkeitsdatum
    assert invoices["1800007005"][Invoices.CURRENCY] == "GBP"
    names = {row[Customers.ID]: row[Customers.NAME] for row in sheet_rows(book, "Customers")}
    assert names["200100"] == "Müller Maschinenbau GmbH"
    bad = [(p.row, p.column) for p in report.problems if p.sheet == SAP_GERMAN.name]
    assert bad == [(8, "Betrag in Belegwährung")], "the export's own header names the bad cell"


def test_xero_aged_receivables_detail_grouped_by_contact(book):
    report = import_open_items(book, XERO)
    assert report.mapping_used == "xero"
    assert sorted(report.added) == ["CN-0009", "INV-0077", "INV-0101", "INV-0117", "INV-0118"]
    invoices = _invoices(book)
    assert invoices["INV-0101"][Invoices.CUSTOMER_ID] == "Bluebird Cafe"
    assert invoices["INV-0077"][Invoices.CUSTOMER_ID] == "Harbor Dental Group"
    assert invoices["CN-0009"][Invoices.CUSTOMER_ID] == "Harbor Dental Group"
    assert invoices["INV-0118"][Invoices.CUSTOMER_ID] == "Maple Street Books"
    assert str(invoices["INV-0117"][Invoices.INVOICE_DATE])[:10] == "2026-11-20"  # "20 Nov 2026"
    assert invoices["INV-0101"][Invoices.OPEN_AMOUNT] == 1250.0
    assert invoices["CN-0009"][Invoices.AMOUNT] == -150.0
    problems = [(p.row, p.column, p.value) for p in report.problems if p.sheet == XERO.name]
    assert problems == [(16, "Invoice Date", "31 Nov 2026")], "totals are not items; the one bad date is reported"
    assert sorted(report.customers_added) == ["Bluebird Cafe", "Harbor Dental Group", "Maple Street Books"]


def test_a_full_import_that_would_close_most_open_items_is_refused_without_force(book, tmp_path):
    import_open_items(book, QBO_MARCH)
    open_before = [row for row in sheet_rows(book, "Invoices") if row[Invoices.STATUS] == "Open"]
    one_left = tmp_path / "one_invoice.csv"
    one_left.write_text(
        "Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance,Currency\n"
        "03/02/2026,Invoice,1041,Bluebird Cafe,04/01/2026,1250.00,1250.00,USD\n",
        encoding="utf-8",
    )
    before = book.read_bytes()
    backups = set(book.parent.glob("*.before-import-*"))  # the first import's
    with pytest.raises(InputError, match=r"ImportCloseLimit \(50 %\).*--partial.*--force") as refused:
        import_open_items(book, one_left, full=True, now=dt.datetime(2026, 4, 1, 9, 0))
    assert f"{len(open_before) - 1} of the {len(open_before)} open invoices" in str(refused.value)
    assert book.read_bytes() == before, "nothing was changed"
    assert set(book.parent.glob("*.before-import-*")) == backups, "no new backup either: nothing was written"

    report = import_open_items(book, one_left, full=True, force=True, now=dt.datetime(2026, 4, 1, 9, 0))
    assert len(report.closed) == len(open_before) - 1
    assert report.backup is not None and report.backup.exists()
    kept = {str(row[Invoices.NUMBER]): row for row in sheet_rows(report.backup, "Invoices")}
    assert all(row[Invoices.STATUS] == "Open" for row in kept.values()), "the backup is the workbook before"


def test_names_that_only_look_alike_are_not_guessed_to_be_the_same_customer(book):
    customers = pd.DataFrame(
        {
            Customers.ID: ["C1001", "C1002"],
            Customers.NAME: ["Bluebird Café", "Harbor Dental Group Inc."],
            Customers.COUNTRY: ["US", "US"],
        }
    )
    write_tables(book, {"Customers": customers.reindex(columns=[str(key) for key in Customers])})
    report = import_open_items(book, XERO)
    assert report.customers_matched == {}, "an accent or a legal suffix apart is not the same name"
    assert _invoices(book)["INV-0101"][Invoices.CUSTOMER_ID] == "Bluebird Cafe"


def test_an_exact_name_match_reuses_the_existing_customer_id(book):
    customers = pd.DataFrame(
        {Customers.ID: ["C1001"], Customers.NAME: ["Bluebird cafe"], Customers.COUNTRY: ["US"]}
    ).reindex(columns=[str(key) for key in Customers])
    write_tables(book, {"Customers": customers})
    report = import_open_items(book, XERO)
    assert report.customers_matched == {"Bluebird Cafe": "C1001"}
    invoices = _invoices(book)
    assert invoices["INV-0101"][Invoices.CUSTOMER_ID] == "C1001"
    ids = [row[Customers.ID] for row in sheet_rows(book, "Customers")]
    assert ids.count("C1001") == 1 and "Bluebird Cafe" not in ids


def test_the_mapping_helper_shows_the_exports_headers_beside_ours():
    view = describe(SAP_GERMAN)
    columns = {target: source for target, source, _value in view.columns}
    assert view.fits and view.mapping == "sap_fbl5n" and view.header_row == 1
    assert columns["Invoice"] == "Belegnummer" and columns["Due date"] == "Nettofälligkeitsdatum"
    assert view.unused == ["Belegart", "Text"]


def test_an_export_no_mapping_fits_is_refused_with_its_headers_and_what_is_missing(book, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Rechnung;Kunde;Datum;Summe\nR-1;K1;01.11.2026;100,00\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        import_open_items(book, odd)
    message = str(refused.value)
    assert "header row (row 1) has: Rechnung, Kunde, Datum, Summe" in message
    assert "--show-mapping" in message and "Mappings sheet" in message


def test_cli_import_asks_for_full_or_partial_and_exits_non_zero_when_nothing_came_in(book, tmp_path, capsys):
    assert cli.main(["import", str(book), "--from", str(SAP_GERMAN), "--now", NOW]) == 1
    assert "--full" in capsys.readouterr().out, "no terminal to ask: the user must say --full or --partial"

    assert cli.main(["import", str(book), "--from", str(SAP_GERMAN), "--full", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "5 added" in out and "before-import-20261130-100000" in out

    empty = tmp_path / "empty.csv"
    empty.write_text(
        "Customer;Name 1;Document Number;Document Date;Net due date;Amount in doc. curr.;Document currency\n"
        "200100;Müller;1800009999;32.13.2026;01.12.2026;abc;EUR\n",
        encoding="utf-8",
    )
    assert cli.main(["import", str(book), "--from", str(empty), "--partial", "--now", NOW]) == 1
    assert "Nothing imported" in capsys.readouterr().out

    assert cli.main(["import", str(book), "--from", str(XERO), "--show-mapping", "--now", NOW]) == 0
    shown = capsys.readouterr().out
    assert "Invoice Number" in shown and "contact heading" in shown


def test_the_backup_is_a_real_workbook_beside_the_original(book):
    report = import_open_items(book, SAP_GERMAN)
    assert report.backup.parent == book.parent and report.backup.name.startswith("Receivables.before-import-")
    openpyxl.load_workbook(report.backup).close()
