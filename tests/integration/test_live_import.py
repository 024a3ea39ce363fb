"""Importing ERP exports into a workbook open in Excel (the stand-in) gives what the CLI import gives the file.

The same template workbook is copied twice; one copy gets `arcollect import`'s way (`import_open_items(path, …)`),
the other is opened as a live book and gets the same exports through `import_open_items(book, …)`, saved after
each as the user would. Counts, Invoices, Customers and Exceptions must agree; the sample exports and their
expected counts are those of test_import.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arcollect.book import read, template
from arcollect.book.importer import import_open_items
from arcollect.book.write import write_tables
from arcollect.schema import Customers, ExceptionsSheet, Invoices
from tests.integration.test_import import QBO_APRIL, QBO_MARCH, SAP_APRIL, SAP_MARCH
from tests.integration.workbooks import sheet_rows


def _counts(report) -> tuple:
    return (
        report.mapping_used,
        sorted(report.added),
        sorted(report.updated),
        sorted(report.closed),
        sorted(report.unchanged),
        report.customers_added,
        [(problem.sheet, problem.row, problem.column) for problem in report.problems],
    )


@pytest.fixture
def twins(tmp_path: Path) -> tuple[Path, Path]:
    file_path, live_path = tmp_path / "cli" / "arcollect.xlsx", tmp_path / "live" / "arcollect.xlsx"
    file_path.parent.mkdir()
    live_path.parent.mkdir()
    template.build(file_path)
    shutil.copy(file_path, live_path)
    return file_path, live_path


@pytest.mark.parametrize(
    ("first", "later", "expected_later"),
    [
        (QBO_MARCH, QBO_APRIL, (3, 2, 5)),
        (SAP_MARCH, SAP_APRIL, (3, 2, 2)),
    ],
    ids=["quickbooks", "sap_fbl5n"],
)
def test_a_live_import_gives_the_cli_imports_counts_and_tables(twins, open_book, first, later, expected_later):
    file_path, live_path = twins
    book = open_book(live_path)
    for export in (first, later):
        from_file = import_open_items(file_path, export)
        from_live = import_open_items(book, export)
        book.save()
        assert _counts(from_live) == _counts(from_file)
        assert from_live.write is not None and "open in Excel" in from_live.write.message
    added, updated, closed = expected_later
    assert (len(from_live.added), len(from_live.updated), len(from_live.closed)) == (added, updated, closed)
    for table in ("Invoices", "Customers"):
        pd.testing.assert_frame_equal(read.read(live_path)[0][table], read.read(file_path)[0][table], obj=table)
    # "Go to" is a HYPERLINK formula: the file keeps its text as the cached value, the stand-in (saved by openpyxl,
    # which calculates nothing) leaves it to Excel — so the formulas are compared, and the other columns' values.
    without_link = [
        [
            {key: value for key, value in row.items() if key != ExceptionsSheet.CELL}
            for row in sheet_rows(path, "Exceptions")
        ]
        for path in (live_path, file_path)
    ]
    assert without_link[0] == without_link[1]
    formulas = [
        [
            row[-1]
            for row in openpyxl.load_workbook(path)["Exceptions"].iter_rows(min_row=2, values_only=True)
            if row[0] is not None  # the rows of the table, not blanked cells below it
        ]
        for path in (live_path, file_path)
    ]
    assert formulas[0] == formulas[1] and any(str(formula).startswith("=HYPERLINK(") for formula in formulas[0])
    assert not live_path.with_name("arcollect.results.xlsx").exists()  # written into the open book, not beside it


def test_a_live_import_keeps_the_users_columns_and_closes_by_status_as_the_cli_does(twins, open_book):
    file_path, live_path = twins
    import_open_items(file_path, QBO_MARCH)
    rows = sheet_rows(file_path, "Invoices")
    for row in rows:
        if row[Invoices.NUMBER] in ("1041", "1033"):
            row[Invoices.STATUS], row[Invoices.DISPUTE_REASON] = "Promised", "called AP"
    write_tables(file_path, {"Invoices": pd.DataFrame(rows)})
    shutil.copy(file_path, live_path)

    book = open_book(live_path)
    from_live = import_open_items(book, QBO_APRIL)
    book.save()
    from_file = import_open_items(file_path, QBO_APRIL)
    assert _counts(from_live) == _counts(from_file)
    invoices = {row[Invoices.NUMBER]: row for row in sheet_rows(live_path, "Invoices")}
    assert invoices["1041"][Invoices.STATUS] == "Promised" and invoices["1041"][Invoices.DISPUTE_REASON] == "called AP"
    assert invoices["1033"][Invoices.STATUS] == "Paid" and invoices["1033"][Invoices.OPEN_AMOUNT] == 0
    pd.testing.assert_frame_equal(read.read(live_path)[0]["Invoices"], read.read(file_path)[0]["Invoices"])
    assert sheet_rows(live_path, "Customers")[-1][Customers.ID] == "Cedar Hill Vet Clinic"
    assert sheet_rows(live_path, "Customers") == sheet_rows(file_path, "Customers")
