"""Importing ERP open-item exports: both built-in layouts, re-import of a later export, bad rows, user mappings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from arcollect.book import template
from arcollect.book.importer import import_open_items
from arcollect.book.write import write_tables
from arcollect.schema import Invoices
from tests.integration.workbooks import add_mappings, sheet_rows

DATA = Path(__file__).resolve().parents[1] / "data"
QBO_MARCH = DATA / "qbo_aged_receivables_2026-03-31.csv"
QBO_APRIL = DATA / "qbo_aged_receivables_2026-04-30.csv"
SAP_MARCH = DATA / "sap_fbl5n_2026-03-31.xlsx"
SAP_APRIL = DATA / "sap_fbl5n_2026-04-30.csv"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "arcollect.xlsx"
    template.build(path)
    return path


def _invoices(path: Path) -> dict[str, dict]:
    return {str(row[Invoices.NUMBER]): row for row in sheet_rows(path, "Invoices")}


def _exceptions(path: Path) -> list[tuple]:
    return [(row["sheet"], row["row"], row["column"]) for row in sheet_rows(path, "Exceptions")]


def test_quickbooks_export_into_a_fresh_workbook_adds_every_good_item_and_its_customers(book):
    report = import_open_items(book, QBO_MARCH)
    assert report.mapping_used == "quickbooks"
    assert len(report.added) == 13 and not report.updated and not report.closed
    assert len(report.customers_added) == 6
    invoices = _invoices(book)
    assert set(invoices) == set(report.added)
    assert invoices["1031"][Invoices.OPEN_AMOUNT] == 1700.0 and invoices["1031"][Invoices.AMOUNT] == 3400.0
    assert str(invoices["1041"][Invoices.DUE_DATE])[:10] == "2026-04-01"  # US month-first dates
    assert invoices["CM-1035"][Invoices.AMOUNT] == -150.0
    assert {row[Invoices.STATUS] for row in invoices.values()} == {"Open"}


def test_bad_export_rows_land_in_exceptions_with_the_export_row_and_column(book):
    import_open_items(book, QBO_MARCH)
    exceptions = _exceptions(book)
    assert (QBO_MARCH.name, 26, "Date") in exceptions
    assert (QBO_MARCH.name, 27, "Amount") in exceptions
    assert (QBO_MARCH.name, 27, "Open Balance") in exceptions
    assert sum(1 for sheet, *_ in exceptions if sheet == QBO_MARCH.name) == 3  # headings and totals are not items
    assert ("Customers", 2, "Country") in exceptions  # the new customer still needs a country


def test_reimporting_the_later_quickbooks_export_adds_updates_and_closes_and_keeps_user_columns(book):
    import_open_items(book, QBO_MARCH)
    rows = sheet_rows(book, "Invoices")
    for row in rows:
        if row[Invoices.NUMBER] in ("1041", "1033"):
            row[Invoices.STATUS] = "Promised"
            row[Invoices.PROMISE_DATE] = "2026-04-20"
            row[Invoices.DISPUTE_REASON] = "called AP"
    write_tables(book, {"Invoices": pd.DataFrame(rows)})

    report = import_open_items(book, QBO_APRIL)
    assert sorted(report.added) == ["1051", "1052", "1053"]
    assert sorted(report.updated) == ["1031", "1041"]
    assert sorted(report.closed) == ["1011", "1014", "1025", "1033", "1034"]
    assert len(report.unchanged) == 6
    assert report.customers_added == ["Cedar Hill Vet Clinic"]
    invoices = _invoices(book)
    assert len(invoices) == 16  # 13 + 3: nothing deleted
    assert invoices["1041"][Invoices.OPEN_AMOUNT] == 650.0
    assert invoices["1041"][Invoices.STATUS] == "Promised" and invoices["1041"][Invoices.DISPUTE_REASON] == "called AP"
    assert invoices["1033"][Invoices.STATUS] == "Paid" and invoices["1033"][Invoices.OPEN_AMOUNT] == 0
    assert invoices["1033"][Invoices.DISPUTE_REASON] == "called AP"


def test_sap_export_then_later_export_counts_and_clearing_date_closes(book):
    first = import_open_items(book, SAP_MARCH)
    assert first.mapping_used == "sap_fbl5n"
    assert len(first.added) == 11 and "1800004778" not in first.added  # already cleared in the export
    assert [(p.row, p.column) for p in first.problems if p.sheet == SAP_MARCH.name] == [
        (11, "Document Date"),
        (15, "Document Number"),
    ]
    names = {row["customer_id"]: row["name"] for row in sheet_rows(book, "Customers")}
    assert names["100245"] == "Müller Maschinenbau GmbH"

    later = import_open_items(book, SAP_APRIL)  # semicolon CSV, Windows-1252, German numbers
    assert later.mapping_used == "sap_fbl5n"
    assert sorted(later.added) == ["1800004850", "1800004851", "1800004866"]
    assert sorted(later.updated) == ["1800004740", "1800004777"]
    assert sorted(later.closed) == ["1800004711", "1800004803"]
    assert len(later.unchanged) == 7
    assert [(p.row, p.column) for p in later.problems if p.sheet == SAP_APRIL.name] == [(15, "Amount in doc. curr.")]
    invoices = _invoices(book)
    assert invoices["1800004740"][Invoices.OPEN_AMOUNT] == 5215.0
    assert invoices["1800004761"][Invoices.AMOUNT] == -450.0
    assert len(invoices) == 14


def test_partial_export_closes_nothing(book):
    import_open_items(book, QBO_MARCH)
    report = import_open_items(book, QBO_APRIL, full=False)
    assert report.closed == [] and len(report.added) == 3
    assert {row[Invoices.STATUS] for row in sheet_rows(book, "Invoices")} == {"Open"}


def test_both_systems_into_one_workbook_when_the_second_is_partial(book):
    import_open_items(book, QBO_MARCH)
    report = import_open_items(book, SAP_MARCH, full=False)
    assert len(report.added) == 11 and report.closed == []
    assert len(_invoices(book)) == 24


def test_a_user_mapping_from_the_mappings_sheet_is_detected_and_used(book, tmp_path):
    export = tmp_path / "custom.csv"
    export.write_text(
        "Rechnung;Kunde;Datum;Fällig;Betrag;Währung\nR-1;K1;2026-03-01;2026-03-31;100,50;EUR\n"
        "R-2;K2;2026-03-02;2026-04-01;2.000,00;CHF\n",
        encoding="cp1252",
    )
    add_mappings(
        book,
        [
            ("datev", "Invoice", "Rechnung", None),
            ("datev", "Customer ID", "Kunde", None),
            ("datev", "Invoice date", "Datum", None),
            ("datev", "Due date", "Fällig", None),
            ("datev", "Amount", "Betrag", None),
            ("datev", "Currency", "Währung", None),
        ],
    )
    report = import_open_items(book, export)
    assert report.mapping_used == "datev"
    assert sorted(report.added) == ["R-1", "R-2"]
    assert _invoices(book)["R-2"][Invoices.AMOUNT] == 2000.0


def test_a_user_row_overrides_one_column_of_a_built_in_mapping(book, tmp_path):
    export = tmp_path / "qbo.csv"
    export.write_text(QBO_MARCH.read_text().replace(",Num,", ",Invoice #,"))
    add_mappings(book, [("quickbooks", "Invoice", "Invoice #", None)])
    report = import_open_items(book, export, mapping="quickbooks")
    assert len(report.added) == 13
