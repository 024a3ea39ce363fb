"""What every output sheet says about itself (#18): the currency of each money column, why an empty sheet is
empty, and a risk score that does not read "no risk" for a customer nobody has seen pay.

Real workbooks, written by a run and read back with openpyxl.
"""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from arcollect.book import empty_sheets, read, template, write
from arcollect.mail.ledger import identity, rebuild
from arcollect.run import collect
from arcollect.schema import FX, OUTPUT_TABLES, REMINDER_LOG, Kind, Log, Queue

from .workbooks import TUESDAY, customer, invoice, make_book, sheet_rows

# A money column names its currency: the base currency's code, or — where the amount is in each row's own
# currency — says so, with that Currency column beside it.
_BASE = re.compile(r"\(CHF\)$")
_OWN_CURRENCY = re.compile(r"\((invoice|statement) currency\)$")


@pytest.fixture
def swiss_book(tmp_path):
    """A seller whose base currency is CHF, billing in CHF, EUR and GBP (the header is built at run time)."""
    return make_book(
        tmp_path,
        customers=[customer("CH1", country="CH", currency="CHF"), customer("DE1"), customer("GB1", country="GB")],
        invoices=[
            invoice("C-1", "CH1", due="2026-10-30", amount=5000.0, currency="CHF"),
            invoice("E-1", "DE1", due="2026-11-17", amount=1200.5),
            invoice("G-1", "GB1", due="2026-12-20", amount=310.0, currency="GBP"),
        ],
        fx=[{FX.CURRENCY: "EUR", FX.RATE: 0.93}, {FX.CURRENCY: "GBP", FX.RATE: 1.06}],
        settings={"BaseCurrency": "CHF", "InterestStatementPeriod": "2026-07-01..2026-09-30"},
    )


def test_every_money_column_of_every_output_sheet_names_its_currency(swiss_book):
    collect(swiss_book, now=TUESDAY, send=False)

    book = openpyxl.load_workbook(swiss_book)
    for table in OUTPUT_TABLES:
        headers = [cell.value for cell in book[table.sheet][1] if cell.value is not None]
        kinds = {column.header: column.kind for column in table.columns}
        money = [
            header
            for header in headers
            if kinds.get(header, kinds.get(_BASE.sub("(base)", header), Kind.MONEY)) is Kind.MONEY
        ]
        for header in money:
            assert _BASE.search(header) or _OWN_CURRENCY.search(header), f"{table.sheet}: {header!r}"
            if _OWN_CURRENCY.search(header):
                assert "Currency" in headers, f"{table.sheet}: {header!r} without a Currency column"
        assert not any("(base)" in header for header in headers), table.sheet
    assert [cell.value for cell in book["AgingSummary"][1]][2:] == [
        "Current (CHF)", "1-30 (CHF)", "31-60 (CHF)", "61-90 (CHF)", "91-120 (CHF)", "120+ (CHF)", "Total (CHF)",
    ]  # fmt: skip
    assert {str(rule.sqref)[0] for rule in book["AgingSummary"].conditional_formatting} == set("CDEFGH")  # not Total
    dashboard = [cell.value for row in book["Dashboard"].iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not any("(base)" in text for text in dashboard)
    assert {"Amount (CHF)", "Open (CHF)", "Overdue (CHF)", "Total open (CHF)"} <= set(dashboard)


# ---- an empty output sheet says why ------------------------------------------------------------------------------


def _note(sheet) -> str | None:
    """The note in the first cell under the header, or None."""
    return sheet.cell(row=2, column=1).value


def test_every_output_sheet_of_a_new_book_says_why_it_is_empty_and_no_reader_takes_that_for_a_row(tmp_path):
    path = tmp_path / "new.xlsx"
    template.build(path)

    book = openpyxl.load_workbook(path)
    for table in OUTPUT_TABLES:
        cell = book[table.sheet].cell(row=2, column=1)
        assert cell.value == empty_sheets.NOTES[table.name] and cell.font.i, table.name  # grey italics
        assert all(cell.value is None for cell in book[table.sheet][2][1:]), table.name
        assert read.read_output(path, table.name).empty, table.name
    tables, _problems = read.read(path)
    assert all(frame.empty for name, frame in tables.items() if name not in ("Settings", "DunningLevels"))
    assert identity.sent_in_log(identity.log_rows(path)) == 0  # the ledger's count of ReminderLog's sent rows
    assert rebuild._log(identity.log_rows(path)) == []  # and the rows a ledger rebuild would take from it


def test_a_sheet_keeps_its_note_while_empty_and_loses_it_with_its_first_rows(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("DE1")],
        invoices=[invoice("E-1", "DE1", due="2026-11-10", amount=800.0)],
    )
    for _ in range(2):  # refresh twice: a note written by a run is read back as no row, and written again
        collect(path, now=TUESDAY, send=False)
        book = openpyxl.load_workbook(path)
        for name in ("ReminderLog", "Unmatched", "Effectiveness", "Exceptions"):
            assert _note(book[name]) == empty_sheets.NOTES[name], name
            assert book[name].tables[name].ref.endswith("2"), name  # the Excel Table: header and its one row
        for name in ("Aging", "AgingSummary", "ReminderQueue", "NextActions", "CustomerRisk"):
            assert _note(book[name]) not in (None, empty_sheets.NOTES[name]), name
        assert read.read_output(path, "ReminderQueue")[Queue.CUSTOMER_ID].tolist() == ["DE1"]

    collect(path, now=TUESDAY, send=True)  # the reminder goes out: ReminderLog gets its row, the note goes
    book = openpyxl.load_workbook(path)
    log = [[cell.value for cell in row] for row in book["ReminderLog"].iter_rows(min_row=2)]
    assert [row[1] for row in log if any(value is not None for value in row)] == ["DE1"]
    assert not any(empty_sheets.NOTES["ReminderLog"] in map(str, row) for row in log)
    assert _note(book["Unmatched"]) == empty_sheets.NOTES["Unmatched"]


def test_a_run_that_finds_nothing_says_so_on_each_sheet_it_leaves_empty(tmp_path):
    path = make_book(tmp_path, customers=[customer("C1")], invoices=[])
    collect(path, now=TUESDAY, send=False)

    book = openpyxl.load_workbook(path)
    for name in ("Aging", "CustomerRisk", "NextActions", "ReminderQueue", "ReminderLog", "Effectiveness"):
        assert _note(book[name]) == empty_sheets.NOTES[name], name
    assert sheet_rows(path, "Aging") == [] and read.read_output(path, "ReminderQueue").empty


def test_the_note_is_written_alike_when_the_workbook_is_rewritten_whole(tmp_path):
    """openpyxl's own cells (the fallback for a workbook that cannot be kept part for part) carry the same note."""
    book = template.build()
    write.write_table(book, REMINDER_LOG, pd.DataFrame({Log.KEY: ["k" * 64], Log.STATE: ["sent"]}))
    write.write_table(book, REMINDER_LOG, pd.DataFrame())
    path = tmp_path / "whole.xlsx"
    book.save(path)

    sheet = openpyxl.load_workbook(path)["ReminderLog"]
    assert _note(sheet) == empty_sheets.NOTES["ReminderLog"] and sheet.cell(row=2, column=1).font.i
    assert read.read_output(path, "ReminderLog").empty
