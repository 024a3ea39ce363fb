"""Targeted cell updates in a user's input table: only the named cells change, found by one rule on every path."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd

from arcollect.book import live, read, template, write
from arcollect.schema import Customers, Invoices
from tests.integration.workbooks import customer, invoice, make_book


def test_credit_hold_is_set_for_the_named_customers_only_and_the_users_own_column_survives(tmp_path):
    path = tmp_path / "book.xlsx"
    template.build(path)
    customers = pd.DataFrame(
        {Customers.ID: ["C1", "C2", "C3"], Customers.NAME: ["A", "B", "C"], Customers.COUNTRY: ["DE", "FR", "GB"]}
    )
    write.write_tables(path, {"Customers": customers})
    book = openpyxl.load_workbook(path)
    sheet = book["Customers"]
    extra = sheet.max_column + 1
    sheet.cell(row=1, column=extra, value="My notes")
    sheet.cell(row=3, column=extra, value="call Tuesdays")
    book.save(path)

    update = write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"C2": True})
    write.write_tables(path, {}, updates=[update])

    rows = list(openpyxl.load_workbook(path)["Customers"].iter_rows(values_only=True))
    header = rows[0]
    hold = header.index("Credit hold")
    assert [row[hold] for row in rows[1:4]] == [None, True, None]
    assert rows[2][header.index("My notes")] == "call Tuesdays"


# ---- one matcher: the file (by parts and through openpyxl) and the live book find the same cells ----------------

# Headers as users type them: case, spaces and punctuation differ from the template's (the reader reads them all).
ODD_HEADERS = {
    "Customers": {"Customer ID": " customer-ID ", "Credit hold": "CREDIT_HOLD"},
    "Invoices": {"Invoice number": "invoice  NUMBER", "Status": "Status:"},
}
UPDATES = [
    # "1001" is a number in its cell (Excel and calamine hand it over as 1001.0); " C2 " has spaces around it
    write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"1001": True, "C2": True}),
    # an update's key may be a number as well, or carry spaces; a blank key never matches a blank cell
    write.CellUpdate("Invoices", Invoices.NUMBER, Invoices.STATUS, {1002: "Paid", "INV-3 ": "Disputed", "": "Paid"}),
]


def _odd_book(folder: Path) -> Path:
    path = make_book(
        folder,
        customers=[customer("1001"), customer("C2"), customer("C3")],
        invoices=[
            invoice("INV-1", "1001", due="2026-11-10"),
            invoice("1002", "C2", due="2026-11-10"),
            invoice("INV-3", "C3", due="2026-11-10"),
            invoice("", "C3", due="2026-11-10"),
        ],
    )
    book = openpyxl.load_workbook(path)
    for name, renames in ODD_HEADERS.items():
        sheet = book[name]
        (table,) = sheet.tables.values()
        for cell, column in zip(sheet[1], table.tableColumns, strict=False):
            if cell.value in renames:
                cell.value = column.name = renames[cell.value]
    customers, invoices = book["Customers"], book["Invoices"]
    customers["A2"] = 1001  # a number, as Excel keeps a typed 1001
    customers["A3"] = " C2 "
    invoices["A3"] = 1002
    book.save(path)
    return path


def _cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {name: [row for row in book[name].iter_rows(values_only=True)] for name in ODD_HEADERS}


def test_the_file_and_the_live_book_update_the_same_cells_under_odd_headers_and_keys(tmp_path, open_book):
    original = _odd_book(tmp_path)
    by_parts, by_openpyxl, live_copy = (tmp_path / f"{name}.xlsx" for name in ("parts", "openpyxl", "live"))
    for copy in (by_parts, by_openpyxl, live_copy):
        shutil.copy(original, copy)

    write.write_tables(by_parts, {}, updates=UPDATES)  # the file path: cells set in the package's XML
    book = openpyxl.load_workbook(by_openpyxl)  # the fallback for a package that cannot be kept part for part
    assert [write.update_cells(book, update) for update in UPDATES] == [2, 2]
    book.save(by_openpyxl)
    live_book = open_book(live_copy)  # the workbook open in Excel (the stand-in over a real .xlsx)
    assert [live.update_cells(live_book, update) for update in UPDATES] == [2, 2]
    live_book.save()

    expected = _cells(original)
    for sheet, header, changes in (
        ("Customers", "CREDIT_HOLD", ((1, True), (2, True))),  # 1001 and " C2 "; C3 stays as it was
        ("Invoices", "Status:", ((2, "Paid"), (3, "Disputed"))),  # 1002, INV-3; INV-1 and the blank number stay
    ):
        column = expected[sheet][0].index(header)
        for row, value in changes:
            expected[sheet][row] = tuple(value if i == column else v for i, v in enumerate(expected[sheet][row]))
    assert _cells(by_parts) == _cells(by_openpyxl) == _cells(live_copy) == expected
    # and the reader, which matches headers by the same rule, reads what was set
    tables, _problems = read.read(by_parts)
    people = tables["Customers"]
    pairs = zip(people[Customers.ID], people[Customers.CREDIT_HOLD], strict=True)
    holds = {key: bool(hold) if pd.notna(hold) else None for key, hold in pairs}
    assert holds == {"1001": True, "C2": True, "C3": None}
    statuses = dict(zip(tables["Invoices"][Invoices.NUMBER], tables["Invoices"][Invoices.STATUS], strict=True))
    assert (statuses["INV-1"], statuses["1002"], statuses["INV-3"]) == ("Open", "Paid", "Disputed")
