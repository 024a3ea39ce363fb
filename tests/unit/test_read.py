"""Reading the input tables: every accepted spelling of dates, amounts and flags, and every rejected value."""

from __future__ import annotations

import datetime as dt
import zipfile
import zoneinfo
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arcollect import schema
from arcollect.book.read import read, read_rows
from arcollect.book.values import convert
from arcollect.errors import InputError
from arcollect.schema import FX, MAX_TEXT, Customers, Invoices, Kind, Payments

INVOICE_HEADERS = ["Invoice", "Customer ID", "Invoice date", "Due date", "Currency", "Amount", "Open amount", "Status"]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A plain .xlsx with the given sheets (first row = header), written by openpyxl."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def invoices(tmp_path: Path, *rows: list) -> tuple[pd.DataFrame, list]:
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Invoices": [INVOICE_HEADERS, *rows]}))
    return tables["Invoices"], [p for p in problems if p.sheet == "Invoices"]


def test_dates_are_read_from_real_dates_serials_iso_text_day_first_text_and_month_names(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", dt.date(2026, 3, 31), None, "EUR", 10],
        ["A2", "C1", 46112, None, "EUR", 10],
        ["A3", "C1", "2026-03-31", None, "EUR", 10],
        ["A4", "C1", "31.03.2026", None, "EUR", 10],
        ["A5", "C1", "31/03/2026", "31 Mar 2026", "EUR", 10],  # only one reading of the slash date is a date
        ["A6", "C1", dt.datetime(2026, 3, 31, 15, 45), "31. März 2026", "EUR", 10],
    )
    assert problems == []
    assert (frame[Invoices.INVOICE_DATE] == pd.Timestamp("2026-03-31")).all()
    assert pd.api.types.is_datetime64_any_dtype(frame[Invoices.INVOICE_DATE])
    assert frame.loc[[6, 7], Invoices.DUE_DATE].tolist() == [pd.Timestamp("2026-03-31")] * 2


def settings_and_invoices(tmp_path: Path, date_order: str | None, *rows: list) -> tuple[pd.DataFrame, list]:
    settings = [["Key", "Value"], *([["DateOrder", date_order]] if date_order is not None else [])]
    path = workbook(tmp_path / "book.xlsx", {"Settings": settings, "Invoices": [INVOICE_HEADERS, *rows]})
    tables, problems = read(path)
    return tables["Invoices"], [p for p in problems if p.sheet == "Invoices"]


def test_a_slash_date_that_is_a_date_both_ways_is_not_guessed_without_a_date_order(tmp_path):
    frame, problems = settings_and_invoices(
        tmp_path, None, ["A1", "C1", "2025-12-05", "03/04/2026", "EUR", 10], ["A2", "C1", "03/04/2026", None, "EUR", 5]
    )
    assert pd.isna(frame.loc[2, Invoices.DUE_DATE]), "an ambiguous optional date is left blank, not guessed"
    assert list(frame.index) == [2], "an ambiguous required date leaves its row out"
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "Due date", "03/04/2026"),
        (3, "Invoice date", "03/04/2026"),
    ]
    assert "could be 3 April 2026 or 4 March 2026" in problems[0].reason and "DateOrder" in problems[0].reason
    assert problems[1].reason.endswith("the row is left out")
    assert dict(problems[1].left_out)[Invoices.AMOUNT] == 5.0, "a left-out row says what it held"


@pytest.mark.parametrize(("order", "due"), [("DMY", "2026-04-03"), ("mdy", "2026-03-04")])
def test_settings_date_order_decides_how_slash_dates_are_read(tmp_path, order, due):
    frame, problems = settings_and_invoices(
        tmp_path, order, ["A1", "C1", "2025-12-05", "03/04/2026", "EUR", 10], ["A2", "C1", "25.12.2025", None, "EUR", 5]
    )
    assert problems == []
    assert frame.loc[2, Invoices.DUE_DATE] == pd.Timestamp(due)
    assert frame.loc[3, Invoices.INVOICE_DATE] == pd.Timestamp("2025-12-25"), "dots are day first in any order"


def test_a_date_impossible_in_the_date_order_set_is_reported_not_read_the_other_way(tmp_path):
    frame, problems = settings_and_invoices(tmp_path, "MDY", ["A1", "C1", "2025-12-05", "25/03/2026", "EUR", 10])
    assert pd.isna(frame.loc[2, Invoices.DUE_DATE])
    assert "not a date in the order MDY" in problems[0].reason


def test_email_takes_a_list_of_addresses_like_cc(tmp_path):
    rows = [
        ["Customer ID", "Name", "Email", "Country"],
        ["K1", "One", "AP@one.example; buchhaltung@one.example", "DE"],
        ["K2", "Two", "ap@two.example, ", "DE"],
        ["K3", "Three", "ap@three.example; not-an-address", "DE"],
    ]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Customers": rows}))
    email = tables["Customers"][Customers.EMAIL]
    assert email[2] == "ap@one.example; buchhaltung@one.example"
    assert email[3] == "ap@two.example"
    assert email[4] is None
    assert [(p.row, p.column) for p in problems if p.sheet == "Customers"] == [(4, "Email")]


def test_amounts_with_thousands_separators_and_decimal_commas(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", "2026-01-01", None, "EUR", "1,234.56", "1 234.56"],
        ["A2", "C1", "2026-01-01", None, "EUR", "1.234,56", "12,5"],
        ["A3", "C1", "2026-01-01", None, "EUR", 1234.56, "1,234"],
        ["A4", "C1", "2026-01-01", None, "EUR", "(12.50)", "12.50-"],
        ["A5", "C1", "2026-01-01", None, "EUR", "1.234.567", "1'234.56"],
    )
    assert problems == []
    assert frame[Invoices.AMOUNT].tolist() == [1234.56, 1234.56, 1234.56, -12.5, 1234567.0]
    assert frame[Invoices.OPEN_AMOUNT].tolist() == [1234.56, 12.5, 1234.0, -12.5, 1234.56]


def test_numeric_ids_come_back_as_text_without_a_decimal_part(tmp_path):
    frame, _ = invoices(tmp_path, [10023, 4711.0, "2026-01-01", None, "eur ", 5])
    assert frame.loc[2, Invoices.NUMBER] == "10023"
    assert frame.loc[2, Invoices.CUSTOMER_ID] == "4711"
    assert frame.loc[2, Invoices.CURRENCY] == "EUR"


def test_bad_date_is_reported_with_sheet_row_column_and_value_and_the_other_rows_are_read(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", "2026-01-01", None, "EUR", 10],
        ["A2", "C1", "31st of March", None, "EUR", 10],
        ["A3", "C1", "2026-01-03", "soon", "EUR", 10],
    )
    assert [(p.sheet, p.row, p.column, p.value) for p in problems] == [
        ("Invoices", 3, "Invoice date", "31st of March"),
        ("Invoices", 4, "Due date", "soon"),
    ]
    assert "not a date" in problems[0].reason and "2026-03-31" in problems[0].reason
    assert frame.index.tolist() == [2, 4]  # required column → row left out; optional → value missing
    assert pd.isna(frame.loc[4, Invoices.DUE_DATE])


def test_missing_required_column_gives_one_problem_and_an_empty_table(tmp_path):
    rows = [["Invoice", "Customer ID", "Currency", "Amount"], ["A1", "C1", "EUR", 10]]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Invoices": rows}))
    assert tables["Invoices"].empty
    assert list(tables["Invoices"].columns) == schema.INVOICES.keys
    mine = [p for p in problems if p.sheet == "Invoices"]
    assert len(mine) == 1 and mine[0].column == "Invoice date"


def test_missing_sheet_gives_a_problem_and_an_empty_table_with_all_columns(tmp_path):
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Invoices": [INVOICE_HEADERS]}))
    assert set(tables) == {table.name for table in schema.INPUT_TABLES}
    assert list(tables["Payments"].columns) == schema.PAYMENTS.keys and tables["Payments"].empty
    assert {p.sheet for p in problems} == {"Customers", "Payments", "FX", "Settings", "DunningLevels"}


def test_duplicate_invoice_numbers_keep_the_first_and_report_the_rest(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", "2026-01-01", None, "EUR", 10],
        ["A1", "C2", "2026-01-02", None, "EUR", 20],
        ["A1", "C3", "2026-01-03", None, "EUR", 30],
    )
    assert frame.index.tolist() == [2]
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "Invoice", "A1"), (4, "Invoice", "A1")]
    assert "row 2" in problems[0].reason


def test_status_matches_case_insensitively_and_an_unknown_status_leaves_the_invoice_out(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", "2026-01-01", None, "EUR", 10, None, "disputed"],
        ["A2", "C1", "2026-01-01", None, "EUR", 10, None, "Dispted"],
        ["A3", "C1", "2026-01-01", None, "EUR", 10, None, None],
    )
    assert frame[Invoices.STATUS].tolist() == ["Disputed", None]
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "Status", "Dispted")]
    assert "Open, Disputed" in problems[0].reason


def test_empty_rows_are_ignored_and_index_is_the_excel_row_number(tmp_path):
    frame, problems = invoices(
        tmp_path,
        ["A1", "C1", "2026-01-01", None, "EUR", 10],
        [None, None, None],
        ["", "  ", None, None, None, None],
        ["A2", "C1", "2026-01-01", None, "EUR", 10],
    )
    assert problems == []
    assert frame.index.tolist() == [2, 5]


def test_user_columns_are_ignored_and_headers_match_loosely(tmp_path):
    rows = [
        ["invoice", "My notes", "CUSTOMER  ID", "invoice_date", "currency", "Amount", "Status"],
        ["A1", "call Monday", "C1", "2026-01-01", "EUR", 10, "OPEN"],
    ]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Invoices": rows}))
    frame = tables["Invoices"]
    assert list(frame.columns) == schema.INVOICES.keys
    assert frame.loc[2, Invoices.CUSTOMER_ID] == "C1" and frame.loc[2, Invoices.STATUS] == "Open"
    assert not [p for p in problems if p.sheet == "Invoices"]


def test_flags_emails_and_codes(tmp_path):
    headers = ["Customer ID", "Name", "Country", "Email", "Cc", "Language", "Do not contact", "Auto-pay"]
    rows = [
        headers,
        ["C1", "Alpha", "de", " AP@Alpha.DE ", "a@x.de; B@y.de,c@z.de", "DE", "yes", "x"],
        ["C2", "Beta", "fr", "not an address", None, "French", "FALSE", 0],
        ["C3", "Gamma", "gb", None, None, None, True, "maybe"],
    ]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Customers": rows}))
    frame = tables["Customers"]
    assert frame[Customers.COUNTRY].tolist() == ["DE", "FR", "GB"]
    assert frame.loc[2, Customers.EMAIL] == "ap@alpha.de"
    assert frame.loc[2, Customers.CC] == ("a@x.de", "b@y.de", "c@z.de")
    assert frame.loc[3, Customers.CC] == ()
    assert frame.loc[2, Customers.LANGUAGE] == "de"
    assert frame[Customers.DO_NOT_CONTACT].tolist() == [True, False, True]
    assert frame.loc[2, Customers.AUTO_PAY] and not frame.loc[3, Customers.AUTO_PAY]
    reported = {(p.row, p.column) for p in problems if p.sheet == "Customers"}
    assert reported == {(3, "Email"), (3, "Language"), (4, "Auto-pay")}
    assert frame.index.tolist() == [2, 3, 4]  # none of those columns is required


def test_numbers_and_whole_numbers(tmp_path):
    fx_rows = [["Currency", "Rate to base", "Rate date"], ["usd", "0,9215", None], ["GBP", "abc", None]]
    level_rows = [
        ["Level", "Name", "Days after due", "Template", "Repeat every days"],
        [1, "Friendly", "3", "friendly", 2.5],
        ["two", "Firm", 14, "firm", None],
    ]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"FX": fx_rows, "DunningLevels": level_rows}))
    assert tables["FX"][FX.RATE].tolist() == [0.9215]
    levels = tables["DunningLevels"]
    assert levels.index.tolist() == [2] and str(levels["level"].dtype) == "Int64"
    assert pd.isna(levels.loc[2, "repeat_every_days"])
    assert {(p.sheet, p.row, p.column) for p in problems if p.sheet in ("FX", "DunningLevels")} == {
        ("FX", 3, "Rate to base"),
        ("DunningLevels", 2, "Repeat every days"),
        ("DunningLevels", 3, "Level"),
    }


def test_required_blank_cell_leaves_the_row_out(tmp_path):
    rows = [
        ["Date", "Customer ID", "Amount", "Currency"],
        ["2026-01-01", None, 5, "EUR"],
        ["2026-01-02", "C", 5, "EUR"],
    ]
    tables, problems = read(workbook(tmp_path / "book.xlsx", {"Payments": rows}))
    assert tables["Payments"].index.tolist() == [3]
    assert tables["Payments"].loc[3, Payments.DATE] == pd.Timestamp("2026-01-02")
    assert [(p.row, p.column) for p in problems if p.sheet == "Payments"] == [(2, "Customer ID")]


def test_the_template_reads_without_problems(tmp_path):
    from arcollect.book import template

    template.build(tmp_path / "t.xlsx")
    tables, problems = read(tmp_path / "t.xlsx")
    assert problems == []
    assert tables["Invoices"].empty and len(tables["Settings"]) > 10 and len(tables["DunningLevels"]) > 1


def test_a_file_that_is_not_a_workbook_raises_input_error_naming_it(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text("this is not a zip file")
    with pytest.raises(InputError, match=r"ledger\.xlsx is not an Excel workbook"):
        read(path)


def test_a_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read(tmp_path / "nowhere.xlsx")


# ---- whole-column fast paths: the same values as the cell-by-cell way ------------------------------------------

ROWS_HEADER = ["Invoice", "Customer ID", "Invoice date", "Due date", "Currency", "Amount", "Terms override"]


def test_a_date_column_of_real_dates_keeps_the_day_and_refuses_days_a_ns_column_cannot_hold():
    frame, problems = read_rows(
        schema.INVOICES,
        [
            ROWS_HEADER,
            ["A1", "C1", dt.date(2026, 3, 31), dt.date(2026, 4, 30), "EUR", 10],
            ["A2", "C1", dt.datetime(2026, 3, 31, 23, 59, 59), dt.datetime(2262, 4, 11, 8, 0), "EUR", 10],
            ["A3", "C1", dt.date(1677, 9, 22), dt.date(9999, 12, 31), "EUR", 10],
            ["A4", "C1", dt.date(1677, 9, 21), None, "EUR", 10],
        ],
    )
    assert frame[Invoices.INVOICE_DATE].dtype == "datetime64[ns]" and frame[Invoices.DUE_DATE].dtype == "datetime64[ns]"
    assert frame[Invoices.INVOICE_DATE].tolist() == [
        pd.Timestamp("2026-03-31"),
        pd.Timestamp("2026-03-31"),  # a DATE column drops the time of day
        pd.Timestamp("1677-09-22"),
    ]
    assert frame.loc[3, Invoices.DUE_DATE] == pd.Timestamp("2262-04-11")
    assert pd.isna(frame.loc[4, Invoices.DUE_DATE])  # after 2262-04-11: a bad value, and the optional cell is empty
    assert [(p.row, p.column, p.value) for p in problems] == [
        (4, "Due date", dt.date(9999, 12, 31)),
        (5, "Invoice date", dt.date(1677, 9, 21)),  # before what datetime64[ns] holds: bad, and required
    ]
    assert "not a date" in problems[0].reason and problems[1].reason.endswith("the row is left out")


def test_a_date_column_mixing_dates_serials_iso_and_day_first_text_reads_each_as_its_own_kind():
    frame, problems = read_rows(
        schema.INVOICES,
        [
            ROWS_HEADER,
            ["A1", "C1", dt.date(2026, 3, 31), dt.datetime(2026, 4, 5, 14, 30), "EUR", 10],
            ["A2", "C1", 46112, "  ", "EUR", 10],
            ["A3", "C1", " 2026-03-31 ", 46112.75, "EUR", 10],
            ["A4", "C1", "31.03.2026", "05/04/2026", "EUR", 10],
            ["A5", "C1", "2026-03-31T23:30+02:00", "", "EUR", 10],
            ["A6", "C1", dt.date(2026, 3, 31), "soon", "EUR", 10],
        ],
        date_order="DMY",
    )
    assert frame[Invoices.INVOICE_DATE].tolist() == [pd.Timestamp("2026-03-31")] * 6
    due = frame[Invoices.DUE_DATE]
    assert due[[2, 4, 5]].tolist() == [pd.Timestamp(day) for day in ("2026-04-05", "2026-03-31", "2026-04-05")]
    assert due[[3, 6, 7]].isna().all()  # blank, empty, and "soon" (a bad value in an optional column)
    assert [(p.row, p.column, p.value) for p in problems] == [(7, "Due date", "soon")]


def test_datetimes_with_a_time_zone_keep_their_wall_clock_time_even_when_zones_differ():
    berlin, tokyo = zoneinfo.ZoneInfo("Europe/Berlin"), zoneinfo.ZoneInfo("Asia/Tokyo")
    cells = pd.Series(
        [dt.datetime(2026, 3, 31, 9, 15, tzinfo=berlin), dt.datetime(2026, 3, 31, 9, 15, tzinfo=tokyo), None],
        dtype=object,
    )
    values, bad = convert(cells, Kind.DATETIME)
    assert values.tolist()[:2] == [pd.Timestamp("2026-03-31 09:15")] * 2 and pd.isna(values[2])
    assert not bad.any()
    naive = pd.Series([dt.datetime(2026, 3, 31, 9, 15), pd.Timestamp("2026-03-31 09:15:00.5")], dtype=object)
    expected = [pd.Timestamp("2026-03-31 09:15"), pd.Timestamp("2026-03-31 09:15:00.5")]
    assert convert(naive, Kind.DATETIME)[0].tolist() == expected


def test_a_text_column_is_stripped_and_blank_text_is_an_empty_cell_as_numbers_become_identifiers():
    frame, problems = read_rows(
        schema.INVOICES,
        [
            ROWS_HEADER,
            [" A1 ", "C1", "2026-01-01", None, "eur", 10, "  net 30\t"],
            ["A2", 4711.0, "2026-01-01", None, " usd ", 10, "   "],
            [10023, "C1", "2026-01-01", None, "EUR", 10, ""],
            ["\u00a0", "", "", "\t", " ", "", "\n"],  # nothing but spaces: an empty row, not a problem
        ],
    )
    assert problems == []
    assert frame[Invoices.NUMBER].tolist() == ["A1", "A2", "10023"]
    assert frame[Invoices.CUSTOMER_ID].tolist() == ["C1", "4711", "C1"]
    assert frame[Invoices.CURRENCY].tolist() == ["EUR", "USD", "EUR"]
    assert frame[Invoices.TERMS].tolist() == ["net 30", None, None]


def test_text_longer_than_a_cell_holds_is_a_bad_value_in_any_column_and_the_limit_itself_is_not():
    longest = "x" * MAX_TEXT
    frame, problems = read_rows(
        schema.INVOICES,
        [
            ROWS_HEADER,
            ["A1", "C1", "2026-01-01", None, "EUR", 10, longest],
            ["A2", "C1", "2026-01-01", None, "EUR", 10, longest + "x"],
            ["A3" + longest, "C1", "2026-01-01", None, "EUR", 10],
            ["A4", "C1", "2026-01-01", None, "EUR", " " * (MAX_TEXT + 1)],
        ],
    )
    assert frame.index.tolist() == [2, 3]
    assert frame.loc[2, Invoices.TERMS] == longest and frame.loc[3, Invoices.TERMS] is None
    assert [(p.row, p.column) for p in problems] == [(3, "Terms override"), (4, "Invoice"), *[(5, "Amount")] * 2]
    assert all("32,767 characters" in p.reason for p in problems[:3])
    assert problems[3].reason.startswith("required")  # nothing but spaces: too long, and empty as well
    assert problems[0].value.endswith("(32,768 characters)") and len(problems[0].value) < 300


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
@pytest.mark.parametrize("shift", [-12, -5, -1, 0, 1])
def test_a_document_type_split_across_the_guards_reading_steps_is_still_refused(tmp_path, encoding, shift):
    base = workbook(tmp_path / "base.xlsx", {"Invoices": [INVOICE_HEADERS]})
    marker = "<!ENTITY lol 'lol'>".encode(encoding)
    boundary = 1 << 16  # the guard reads a stored part 64 KiB at a time
    part = b" " * (boundary + shift) + marker + b" " * 100
    target = tmp_path / "split.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info.filename), compress_type=zipfile.ZIP_STORED)
        copy.writestr("xl/extra.xml", part, compress_type=zipfile.ZIP_STORED)
    with pytest.raises(InputError, match="declares an XML document type"):
        read(target)
