"""A clerk's first day: a workbook pasted from an ERP, full of the usual mess, refreshed from the command line.

One total everywhere (console, AgingSummary, Aging, CustomerRisk, Dashboard) with the same "not in totals" line,
each source problem once on Exceptions (at its cell, with the rows it affects), plausibility checks, hold reasons
that name the real cause, and a Dashboard that says what needs a person today. The workbook: `messy.py`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from arcollect import cli
from arcollect.book import template
from arcollect.cli import shell
from arcollect.schema import Aging, Debtors, ExceptionsSheet, Invoices, NextAction, Queue, Risk
from tests.integration import messy
from tests.integration.workbooks import OUTPUT_SHEETS, clipped_values, sheet_rows

CENT = Decimal("0.01")
NOW = messy.NOW.isoformat()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The messy workbook after `arcollect refresh`, and what the command printed."""
    path = messy.build(tmp_path_factory.mktemp("messy"))
    from io import StringIO

    from rich.console import Console

    printed = StringIO()
    original = shell.console
    shell.console = Console(file=printed, width=200, highlight=False)
    try:
        assert cli.main(["refresh", str(path), "--now", NOW]) == 0
    finally:
        shell.console = original
    return path, printed.getvalue()


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _dashboard_cells(path: Path) -> list[list[object]]:
    book = openpyxl.load_workbook(path, data_only=True)
    try:
        return [list(row) for row in book["Dashboard"].iter_rows(min_row=1, max_row=40, max_col=12, values_only=True)]
    finally:
        book.close()


def _tile(cells: list[list[object]], label: str) -> object:
    """The value under a tile's label (labels on row 4, values on row 5)."""
    return cells[4][cells[3].index(label)]


# ---- one total -------------------------------------------------------------------------------------------------


def test_one_total_in_the_console_agingsummary_aging_customerrisk_and_dashboard(refreshed):
    path, printed = refreshed
    total = _money(messy.TOTAL)

    summary = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(path, "AgingSummary")}
    aging = sheet_rows(path, "Aging")
    risk = [row for row in sheet_rows(path, "CustomerRisk") if row[Invoices.CUSTOMER_ID] != "Not in totals"]
    cells = _dashboard_cells(path)

    assert _money(summary["Total"]["Total"]) == total
    assert sum(_money(row[Aging.BASE_OPEN_AMOUNT] or 0) for row in aging) == total
    assert sum(_money(row[Debtors.OPEN_BASE] or 0) for row in risk) == total  # blank: nothing of it counted
    assert _money(_tile(cells, "Total open (EUR)")) == total
    assert "23,580.00 EUR" in printed, "the console prints the same total"
    assert re.search(r"Total\s*│\s*23,580\.00 EUR", printed)


def test_what_the_total_leaves_out_is_said_in_the_same_words_everywhere(refreshed):
    path, printed = refreshed
    line = messy.NOT_IN_TOTALS_LINE

    summary = sheet_rows(path, "AgingSummary")
    assert summary[-1][Invoices.CUSTOMER_ID] == "Not in totals" and summary[-1][Queue.CUSTOMER_NAME] == line
    risk = sheet_rows(path, "CustomerRisk")
    assert risk[-1][Queue.CUSTOMER_NAME] == line
    assert _dashboard_cells(path)[2][0] == line[0].upper() + line[1:]
    assert "Not in totals" in printed and "9 invoices, 7,410.00 EUR + 17,500.00 PLN (no FX rate)" in printed
    # on Aging, each left-out item that could be aged says why, with a blank Open (EUR)
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    for number in ("R-1008", "R-1013", "R-1019"):
        assert aging[number][Aging.BASE_OPEN_AMOUNT] is None and aging[number][Aging.NOT_IN_TOTALS]
    assert aging["R-1008"][Aging.NOT_IN_TOTALS] == "no FX rate for PLN"
    assert set(aging) & messy.NOT_IN_TOTALS == {"R-1008", "R-1009", "R-1010", "R-1013", "R-1014", "R-1015", "R-1019"}
    assert not (set(aging) & {"R-1026", "R-1028"}), "rows the reader left out are not aged"


def test_open_amount_is_honoured_without_any_payments(refreshed):
    path, _printed = refreshed
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    assert aging["R-1002"][Invoices.OPEN_AMOUNT] == 400.0 and aging["R-1002"][Aging.BASE_OPEN_AMOUNT] == 400.0
    risk = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(path, "CustomerRisk")}
    assert _money(risk["K1001"][Debtors.OPEN_BASE]) == _money(2500 + 400 + 800 + 990)
    # K1004 bills only in PLN, which has no rate: its open total in EUR is unknown, not 0.00 (as on NextActions)
    assert risk["K1004"][Debtors.OPEN_BASE] is None and risk["K1004"][Debtors.OVERDUE_BASE] is None


# ---- problems once, at their source ----------------------------------------------------------------------------


def test_each_source_problem_is_one_exceptions_row_at_its_cell(refreshed):
    path, _printed = refreshed
    rows = sheet_rows(path, "Exceptions")
    where = [(row[ExceptionsSheet.SHEET], row[ExceptionsSheet.ROW], row[ExceptionsSheet.COLUMN]) for row in rows]
    values = [row[ExceptionsSheet.VALUE] for row in rows]
    assert len(where) == len(set(zip(where, values, strict=True))), "a problem is listed once"
    assert set(where) == messy.EXPECTED_EXCEPTIONS
    accounts = {
        value for place, value in zip(where, values, strict=True) if place[0] == "Settings" and place[2] == "Key"
    }
    assert accounts == messy.NO_ACCOUNT
    order = {"Customers": 0, "Invoices": 1, "FX": 3, "Settings": 4}
    assert where == sorted(where, key=lambda key: (order[key[0]], key[1] or 0)), "sorted by sheet and row"
    by_place = {key: row for key, row in zip(where, rows, strict=True)}

    fx = by_place[("FX", 4, "Currency")]
    assert fx[ExceptionsSheet.VALUE] == "PLN" and fx[ExceptionsSheet.AFFECTS] == 3
    assert (
        "3 open invoices, 17,500.00 PLN" in fx[ExceptionsSheet.REASON] and "not in totals" in fx[ExceptionsSheet.REASON]
    )
    dropped = by_place[("Customers", messy.customer_row("K1006"), "Country")]
    assert dropped[ExceptionsSheet.AFFECTS] == 4
    assert (
        "4 invoices of K1006 (Invoices rows 13, 14, 15, 16) get no reminders; without the customer's payment terms "
        "3 of them have no due date: not aged, not in totals; the other 1 is aged and in totals"
    ) in dropped[ExceptionsSheet.REASON]
    stranger = by_place[("Invoices", messy.row_of("R-1022"), "Customer ID")]
    assert (
        stranger[ExceptionsSheet.AFFECTS] == 2
        and "customer ID K9999 is not in Customers" in stranger[ExceptionsSheet.REASON]
    )
    terms = by_place[("Customers", messy.customer_row("K1009"), "Payment terms")]
    assert terms[ExceptionsSheet.VALUE] == "nach Vereinbarung" and terms[ExceptionsSheet.AFFECTS] == 2
    assert "1 of them has no due date: not aged, not in totals" in terms[ExceptionsSheet.REASON]


def test_each_exceptions_row_links_to_its_cell(refreshed):
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["Exceptions"]
        headers = [cell.value for cell in sheet[1]]
        links = [row[headers.index("Go to")].value for row in sheet.iter_rows(min_row=2)]
    finally:
        book.close()
    assert f'=HYPERLINK("#\'Invoices\'!C{messy.row_of("R-1027")}","Invoices!C{messy.row_of("R-1027")}")' in links
    assert '=HYPERLINK("#\'FX\'!A4","FX!A4")' in links
    assert (
        f'=HYPERLINK("#\'Customers\'!J{messy.customer_row("K1009")}","Customers!J{messy.customer_row("K1009")}")'
        in links
    )


def test_implausible_values_are_reported_and_kept_out_of_harm(refreshed):
    path, _printed = refreshed
    reasons = {
        (row[ExceptionsSheet.SHEET], row[ExceptionsSheet.ROW]): row[ExceptionsSheet.REASON]
        for row in sheet_rows(path, "Exceptions")
    }
    assert "could be 3 April 2026 or 4 March 2026" in reasons[("Invoices", messy.row_of("R-1024"))]
    assert "DateOrder" in reasons[("Invoices", messy.row_of("R-1024"))]
    assert "before the invoice date 2026-10-15 — not used" in reasons[("Invoices", messy.row_of("R-1025"))]
    assert "more than the invoice amount 1,000.00" in reasons[("Invoices", messy.row_of("R-1026"))]
    values = {
        (row[ExceptionsSheet.SHEET], row[ExceptionsSheet.ROW]): row[ExceptionsSheet.VALUE]
        for row in sheet_rows(path, "Exceptions")
    }
    assert values[("Invoices", messy.row_of("R-1026"))] == "1,200.00", "the amount as the reason writes it, not 1200.0"
    assert "after today (2026-11-24)" in reasons[("Invoices", messy.row_of("R-1027"))]
    assert "more than a year" in reasons[("Customers", messy.customer_row("K1010"))]
    assert reasons[("Invoices", messy.row_of("R-1028"))].endswith("the row is left out")
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    # R-1025's due date (before its invoice date) is not used: "30 jours fin de mois" gives Oct 31 + 30 = Nov 30
    assert aging["R-1025"][Invoices.DUE_DATE].date().isoformat() == "2026-11-30"
    # R-1024's ambiguous due date is not guessed: the customer's "30 Tage netto" gives 2026-01-04
    assert aging["R-1024"][Invoices.DUE_DATE].date().isoformat() == "2026-01-04"


def test_hold_reasons_name_the_real_cause(refreshed):
    path, printed = refreshed
    assert "customer K1006 was left out of Customers" in printed and "(row 7" not in printed, "no half parenthesis"
    queue = sheet_rows(path, "ReminderQueue")
    reasons = {row[Queue.CUSTOMER_ID]: row[Queue.REASON] for row in queue if row[Queue.STATE] == "held"}
    assert reasons["K1004"].startswith("no FX rate for PLN"), "not 'credit notes … cover the open amount'"
    assert "K9999 is not in Customers" in reasons["K9999"]
    assert reasons["K1006"].startswith("customer K1006 was left out of Customers (row 7: Country")


def test_european_terms_and_email_lists_are_understood(refreshed):
    path, _printed = refreshed
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    assert aging["R-1001"][Invoices.DUE_DATE].date().isoformat() == "2026-10-05"  # 30 Tage netto
    assert aging["R-1006"][Invoices.DUE_DATE].date().isoformat() == "2026-10-30"  # 30 jours fin de mois
    assert aging["R-1018"][Invoices.DUE_DATE].date().isoformat() == "2026-11-02"  # Zahlbar sofort ohne Abzug
    assert aging["R-1005"][Aging.DISCOUNT_AVAILABLE] == 70.0  # 14 Tage 2 % Skonto: until 2026-12-04
    assert aging["R-1005"][Aging.DISCOUNT_DEADLINE].date().isoformat() == "2026-12-04"
    queue = [row for row in sheet_rows(path, "ReminderQueue") if row[Queue.CUSTOMER_ID] == "K1002"]
    assert queue[0][Queue.TO] == "buchhaltung@schmidt-logistik.example; rechnungen@schmidt-logistik.example"
    assert queue[0][Queue.STATE] != "held"


# ---- honest analytics and the dashboard --------------------------------------------------------------------------


def test_analytics_say_when_there_is_no_history_instead_of_guessing(refreshed):
    path, _printed = refreshed
    risk = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(path, "CustomerRisk")}
    assert risk["K1008"][Risk.REASONS].endswith("no payment history")
    assert risk["K1008"][Risk.NEXT_PAY_DATE] == "no payment history"
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    assert aging["R-1001"][Risk.PREDICTED_PAY_DATE] == "no payment history"
    cells = _dashboard_cells(path)
    assert _tile(cells, "DSO (days)") == "n/a" and "no payments recorded" in cells[5][cells[3].index("DSO (days)")]


def test_the_action_panel_counts_what_needs_a_person_today(refreshed):
    path, _printed = refreshed
    cells = _dashboard_cells(path)
    start = next(index for index, row in enumerate(cells) if row[0] == "Needs a person today")
    panel = {row[0]: (row[5], row[8]) for row in cells[start + 2 :] if row[0] and row[5] is not None}
    # each line says what it counts: customers, or invoices (a customer can have several promises or disputes)
    assert all(
        label.startswith(("Customers ", "Invoices ", "Escalations ", "New credit ", "Problems ")) for label in panel
    )
    assert panel["Invoices promised to be paid in the next 7 days"][0] == 1  # R-1016, promised for 27.11.
    assert panel["Invoices with a broken promise (date passed, still open)"][0] == 1  # R-1017
    assert panel["Invoices in dispute"][0] == 1  # R-1007
    assert panel["Customers with open items and no valid email"][0] == 1  # K1005
    assert panel["Customers over their credit limit (amount: by how much)"][0] == 1  # K1002: 7,500 of 5,000
    exceptions = len(sheet_rows(path, "Exceptions"))
    assert panel["Problems in the data to fix (9 open invoices not in totals)"] == (
        exceptions,
        panel["Problems in the data to fix (9 open invoices not in totals)"][1],
    )
    assert all(where for _count, where in panel.values()), "each item says where to look"
    risk = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(path, "CustomerRisk")}
    assert risk["K1002"][Debtors.LIMIT_USED] == pytest.approx(1.5)


def test_the_top_debtors_header_has_room_for_its_wrapped_labels(refreshed):
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["Dashboard"]
        (cell,) = [cell for row in sheet.iter_rows(max_col=12) for cell in row if cell.value == "Overdue (EUR)"]
        assert sheet.column_dimensions[cell.column_letter].width < len("Overdue (EUR)") + 2, "it does wrap"
        assert (sheet.row_dimensions[cell.row].height or 15) >= 30, "two lines: '(EUR)' is not cut off"
    finally:
        book.close()


def test_next_actions_has_one_row_per_customer_with_open_items(refreshed):
    path, _printed = refreshed
    rows = sheet_rows(path, "NextActions")
    customers = [row[NextAction.CUSTOMER_ID] for row in rows]
    assert len(customers) == len(set(customers))
    assert set(customers) == {row[Invoices.CUSTOMER_ID] for row in sheet_rows(path, "Aging")}
    by_id = {row[NextAction.CUSTOMER_ID]: row for row in rows}
    assert by_id["K1004"][NextAction.ACTION].startswith("held — no FX rate for PLN")
    assert by_id["K1004"][NextAction.WHERE] == "FX (see Exceptions)"


# ---- DateOrder -------------------------------------------------------------------------------------------------


def test_settings_date_order_reads_the_slash_dates_and_brings_their_rows_back(tmp_path):
    path = messy.build(tmp_path, settings={"DateOrder": "MDY"})
    assert cli.main(["refresh", str(path), "--now", NOW]) == 0
    places = {(row[ExceptionsSheet.SHEET], row[ExceptionsSheet.ROW]) for row in sheet_rows(path, "Exceptions")}
    assert ("Invoices", messy.row_of("R-1024")) not in places
    assert ("Invoices", messy.row_of("R-1028")) not in places
    aging = {row[Invoices.NUMBER]: row for row in sheet_rows(path, "Aging")}
    assert aging["R-1024"][Invoices.DUE_DATE].date().isoformat() == "2026-03-04"
    assert aging["R-1028"][Invoices.INVOICE_DATE].date().isoformat() == "2026-04-05"
    summary = {row[Invoices.CUSTOMER_ID]: row for row in sheet_rows(path, "AgingSummary")}
    assert _money(summary["Total"]["Total"]) == _money(messy.TOTAL + 560)


def test_no_output_value_is_cut_off_by_its_column(refreshed) -> None:
    path, _printed = refreshed
    assert clipped_values(path) == []


def test_a_missing_rate_a_law_needs_too_is_still_one_exceptions_row(tmp_path) -> None:
    """Under a governing law, the missing PLN rate also holds back the law's fixed compensation: one more
    consequence on the FX row, not a second row for the same rate."""
    import datetime as dt

    from arcollect.run import collect

    path = messy.build(tmp_path, settings={"GoverningLaw": "DE"})
    report = collect(path, now=dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), send=False)
    (fx,) = [problem for problem in report.problems if problem.sheet == "FX"]
    assert fx.value == "PLN" and fx.row == 2 + len(messy.FX)
    assert "not in totals" in fx.reason and "under DE law 2 invoice(s) are charged no compensation" in fx.reason


# ---- what a user sees on screen and on paper -------------------------------------------------------------------


def _defined_names(path: Path) -> list[tuple[str, str]]:
    import zipfile

    with zipfile.ZipFile(path) as package:
        workbook = package.read("xl/workbook.xml").decode()
    return re.findall(r'<definedName name="(_xlnm\.[A-Za-z_]+)" localSheetId="(\d+)"', workbook)


def test_every_output_sheet_prints_landscape_fitted_to_its_width_with_its_header_on_each_page(refreshed):
    """Printed portrait at 100 %, Exceptions' Reason column ran off an A4 page and Aging spread over five pages
    with no header after the first."""
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        for title in OUTPUT_SHEETS:
            sheet = book[title]
            setup = sheet.page_setup
            assert setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage, title
            assert setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$1", title
            width = sum(sheet.column_dimensions[cell.column_letter].width or 8.43 for cell in sheet[1] if cell.value)
            assert setup.fitToWidth == max(1, -(-width // template.PRINT_PAGE_WIDTH)) <= 2, (title, width)
            # a sheet two pages wide repeats its key column (Invoice, Customer ID) on the right-hand page
            assert sheet.print_title_cols == ("$A:$A" if setup.fitToWidth > 1 else None), title
        assert book["Exceptions"].page_setup.fitToWidth == 1, "the whole reason on the page"
        dashboard = book["Dashboard"]
        assert dashboard.page_setup.orientation == "landscape" and dashboard.page_setup.scale == 85
        assert not dashboard.sheet_properties.pageSetUpPr.fitToPage, "not shrunk to a quarter page with its data"
        assert [brk.id for brk in dashboard.col_breaks.brk] == [12], "the chart data prints on pages of its own"
        assert len(dashboard.row_breaks.brk) == 1, "the second row of charts starts a page"
    finally:
        book.close()
    names = _defined_names(path)
    assert len(names) == len(set(names)), "one print title per sheet, not one more per refresh"


def test_print_titles_survive_a_second_refresh_once(tmp_path):
    path = messy.build(tmp_path)
    for _ in range(2):
        assert cli.main(["refresh", str(path), "--now", NOW]) == 0
    names = _defined_names(path)
    assert len(names) == len(set(names))
    book = openpyxl.load_workbook(path)
    try:
        assert all(book[title].print_title_rows == "$1:$1" for title in OUTPUT_SHEETS)
    finally:
        book.close()


def _fits(header: str, width: float, lines: int) -> bool:
    """`header` fits `lines` lines of `width - 1` characters, breaking only at spaces (words are never split)."""
    words, count, used = header.split(), 1, 0
    for word in words:
        if len(word) > width - 1:
            return False
        if used and used + 1 + len(word) > width - 1:
            count, used = count + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return count <= lines


def test_no_header_is_cut_off_by_its_column_or_its_row(refreshed):
    """ "Open amount (invoice currency)" wrapped onto three lines of a two-line header row; "Customer ID" onto two
    lines of a one-line row."""
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        for title in OUTPUT_SHEETS:
            sheet = book[title]
            lines = round((sheet.row_dimensions[1].height or 15) / 15)
            for cell in sheet[1]:
                if cell.value:
                    width = sheet.column_dimensions[cell.column_letter].width or 8.43
                    assert _fits(str(cell.value), width, lines), (title, cell.value, width, lines)
                    assert cell.font.name == "Calibri", "LibreOffice draws a nameless font in a wider serif"
        for row in book["Dashboard"].iter_rows(max_row=30, max_col=12):
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == "Calibri", cell.coordinate
    finally:
        book.close()


def test_a_reason_that_fits_its_column_keeps_its_row_one_line_high(refreshed):
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["Aging"]
        headers = [cell.value for cell in sheet[1]]
        basis = headers.index("Basis of charges") + 1
        width = sheet.column_dimensions[sheet.cell(row=1, column=basis).column_letter].width
        short = [
            row[0].row
            for row in sheet.iter_rows(min_row=2)
            if all(not isinstance(cell.value, str) or len(cell.value) <= width for cell in row)
        ]
        assert short and all(sheet.row_dimensions[row].height is None for row in short)
    finally:
        book.close()


def test_next_actions_add_up_to_the_same_total_and_leave_what_it_leaves_out_blank(refreshed):
    path, _printed = refreshed
    rows = {row[NextAction.CUSTOMER_ID]: row for row in sheet_rows(path, "NextActions")}
    assert sum(_money(row[NextAction.OPEN_BASE] or 0) for row in rows.values()) == _money(messy.TOTAL)
    assert _money(rows["K1006"][NextAction.OPEN_BASE]) == _money(1100), "its 3 undated invoices are not in totals"
    # K1004 bills only in PLN, which has no rate: no amount in EUR — not "0.00 overdue" for 17,500 PLN 54 days late
    assert rows["K1004"][NextAction.OPEN_BASE] is None and rows["K1004"][NextAction.OVERDUE_BASE] is None


def test_true_and_false_read_as_words_in_libreoffice_too(refreshed):
    path, _printed = refreshed
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["CustomerRisk"]
        column = [cell.value for cell in sheet[1]].index("Credit hold")
        cells = [row[column] for row in sheet.iter_rows(min_row=2) if isinstance(row[column].value, bool)]
        assert cells and all(cell.number_format == '"TRUE";"TRUE";"FALSE"' for cell in cells)
    finally:
        book.close()
