"""The template workbook: Excel Tables from the schema, validation, formats, README, and the committed file."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from arcollect import schema
from arcollect.book import template
from arcollect.schema import TABLES, Customers, DunningLevels, Invoices, Kind

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "workbook" / "arcollect.xlsx"
SHEET_ORDER = [
    "README",
    "Customers",
    "Invoices",
    "Payments",
    "FX",
    "Settings",
    "DunningLevels",
    "Mappings",
    "Aging",
    "AgingSummary",
    "CustomerRisk",
    "NextActions",
    "ReminderQueue",
    "ReminderLog",
    "Effectiveness",
    "Unmatched",
    "InterestStatement",
    "Exceptions",
]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("template") / "arcollect.xlsx"
    template.build(path)
    return openpyxl.load_workbook(path)


def _validations(sheet) -> dict[str, str]:
    """Column letter of each validated range → formula1."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1
    return found


def _letter(table: schema.Table, key: str) -> str:
    return openpyxl.utils.get_column_letter(table.keys.index(key) + 1)


def test_sheets_come_in_workflow_order_with_the_code_lists_hidden_last(book):
    assert book.sheetnames == [*SHEET_ORDER, template.LISTS]
    assert book[template.LISTS].sheet_state == "hidden"


def test_every_schema_table_is_an_excel_table_with_the_schema_headers(book):
    for table in TABLES.values():
        sheet = book[table.sheet]
        assert table.name in sheet.tables, table.name
        excel_table = sheet.tables[table.name]
        assert excel_table.displayName == table.name
        assert excel_table.tableStyleInfo is not None
        first_row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
        headers = template.aging_summary_headers() if table is schema.AGING_SUMMARY else table.headers
        assert list(first_row[: len(headers)]) == headers
        assert excel_table.ref.startswith("A1:")
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold


def test_aging_summary_has_a_column_per_default_bucket_and_a_total(book):
    assert template.aging_summary_headers()[2:] == [
        "Current (EUR)", "1-30 (EUR)", "31-60 (EUR)", "61-90 (EUR)", "91-120 (EUR)", "120+ (EUR)", "Total (EUR)",
    ]  # fmt: skip
    assert [cell.value for cell in book["AgingSummary"][1]] == template.aging_summary_headers()
    assert book["AgingSummary"].tables["AgingSummary"].ref == "A1:I2"


def test_empty_input_tables_hold_one_blank_row_and_settings_hold_defaults(book):
    assert book["Invoices"].tables["Invoices"].ref == "A1:N2"
    assert all(cell.value is None for cell in book["Invoices"][2])
    keys = [row[0] for row in book["Settings"].iter_rows(min_row=2, values_only=True)]
    assert "BaseCurrency" in keys and "BucketEdges" in keys
    levels = [row[0] for row in book["DunningLevels"].iter_rows(min_row=2, values_only=True)]
    assert levels and all(isinstance(level, int) for level in levels)


def test_drop_down_lists_for_language_status_tone_and_yes_no_columns(book):
    customers = _validations(book["Customers"])
    assert customers[_letter(schema.CUSTOMERS, Customers.LANGUAGE)] == '"' + ",".join(schema.LANGUAGES) + '"'
    assert customers[_letter(schema.CUSTOMERS, Customers.DO_NOT_CONTACT)] == '"TRUE,FALSE"'
    assert "Lists" in customers[_letter(schema.CUSTOMERS, Customers.CURRENCY)]
    assert "Lists" in customers[_letter(schema.CUSTOMERS, Customers.COUNTRY)]
    invoices = _validations(book["Invoices"])
    assert invoices[_letter(schema.INVOICES, Invoices.STATUS)] == '"' + ",".join(schema.STATUSES) + '"'
    levels = _validations(book["DunningLevels"])
    assert levels[_letter(schema.DUNNING_LEVELS, DunningLevels.TONE)] == '"' + ",".join(schema.TONES) + '"'
    for key in (DunningLevels.ESCALATE, DunningLevels.ADD_INTEREST):
        assert levels[_letter(schema.DUNNING_LEVELS, key)] == '"TRUE,FALSE"'


def test_code_lists_hold_iso_currencies_and_countries(book):
    lists = book[template.LISTS]
    currencies = {row[0] for row in lists.iter_rows(min_row=2, values_only=True) if row[0]}
    countries = {row[1] for row in lists.iter_rows(min_row=2, values_only=True) if row[1]}
    assert {"EUR", "USD", "GBP", "JPY", "CHF"} <= currencies
    assert {"DE", "FR", "GB", "US", "JP"} <= countries
    assert "EU" not in countries and "001" not in countries


def test_columns_are_formatted_by_kind(book):
    invoices = book["Invoices"]
    date_letter = _letter(schema.INVOICES, Invoices.INVOICE_DATE)
    money_letter = _letter(schema.INVOICES, Invoices.AMOUNT)
    assert invoices[f"{date_letter}2"].number_format == "yyyy-mm-dd"
    assert invoices[f"{money_letter}2"].number_format == "#,##0.00"
    assert invoices.column_dimensions[date_letter].number_format == "yyyy-mm-dd"
    assert invoices.column_dimensions["B"].width == schema.INVOICES.columns[1].width
    log_letter = _letter(schema.REMINDER_LOG, schema.Log.SENT_AT)
    assert book["ReminderLog"][f"{log_letter}2"].number_format == "yyyy-mm-dd hh:mm"


def test_aging_buckets_are_coloured(book):
    aging_ranges = [str(rule.sqref) for rule in book["Aging"].conditional_formatting]
    letter = _letter(schema.AGING, schema.Aging.BUCKET)
    assert aging_ranges == [f"{letter}2:{letter}{template.LAST_ROW}"]
    summary_ranges = {str(rule.sqref)[0] for rule in book["AgingSummary"].conditional_formatting}
    assert summary_ranges == set("CDEFGH")


def test_readme_explains_every_sheet_how_to_run_and_where_passwords_go(book):
    text = "\n".join(str(row[0]) for row in book["README"].iter_rows(values_only=True) if row[0])
    for name in SHEET_ORDER[1:]:
        assert f"{name} — " in text
    for column in schema.INVOICES.columns:
        assert column.header in text
    assert "arcollect refresh" in text and "ribbon" in text
    assert "Passwords never go in this workbook" in text


def test_build_is_deterministic(tmp_path):
    template.build(tmp_path / "one.xlsx")
    template.build(tmp_path / "two.xlsx")
    assert content(tmp_path / "one.xlsx") == content(tmp_path / "two.xlsx")


@pytest.mark.locked_build
def test_committed_workbook_matches_what_build_produces(tmp_path):
    assert COMMITTED.is_file(), "run: python -m arcollect.book.template workbook/arcollect.xlsx"
    template.build(tmp_path / "fresh.xlsx")
    assert content(COMMITTED) == content(tmp_path / "fresh.xlsx"), (
        "workbook/arcollect.xlsx is stale — run: python -m arcollect.book.template workbook/arcollect.xlsx"
    )


def test_money_and_date_kinds_have_formats():
    assert set(template.NUMBER_FORMATS) == {Kind.DATE, Kind.DATETIME, Kind.MONEY, Kind.INTEGER, Kind.PERCENT, Kind.BOOL}
    assert template.NUMBER_FORMATS[Kind.PERCENT] == "0%"
    # LibreOffice prints an unformatted FALSE as 0: the policy's flags read TRUE/FALSE there as in Excel
    assert template.NUMBER_FORMATS[Kind.BOOL] == '"TRUE";"TRUE";"FALSE"'


@pytest.mark.parametrize(
    ("header", "width", "lines"),
    [
        ("Customer ID", 14, 1),
        ("Open amount (invoice currency)", 14, 3),  # "Open amount" / "(invoice" / "currency)": cut off in 2 lines
        ("Open amount (invoice currency)", 19, 2),  # "Open amount" / "(invoice currency)"
        ("Days late (recent-weighted)", 12, 3),
        ("Currency", 9, 1),
        ("Amount (EUR)", 12, 2),
        ("Reminder", 4, 3),  # a word longer than the column is broken
    ],
)
def test_header_lines_counts_the_lines_a_spreadsheet_wraps_a_header_onto(header, width, lines):
    assert template.header_lines(header, width) == lines


@pytest.mark.parametrize(
    "header",
    ["Open amount (invoice currency)", "Days late (recent-weighted)", "Discount if paid today (invoice currency)",
     "Fixed compensation (invoice currency)", "Oldest (days past due)", "Currency", "Level"],
)  # fmt: skip
def test_a_header_column_is_wide_enough_for_two_lines_at_most(header):
    width = template.header_width(header, 8)
    words = header.split()
    # the header in two lines of at most width - 1 characters, split at a space
    assert any(
        len(" ".join(words[:cut])) <= width - 1 and len(" ".join(words[cut:])) <= width - 1
        for cut in range(len(words) + 1)
    )
    assert max(map(len, words)) + 2 <= width


def test_every_font_the_template_writes_names_its_typeface(book):
    """A font without a name is drawn in a serif by LibreOffice: wider than the widths allow ("Currenc/y")."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows(max_row=3):
            for cell in row:
                if cell.has_style and cell.value is not None:
                    assert cell.font.name == "Calibri", (sheet.title, cell.coordinate)


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(book):
    for sheet in book.worksheets:
        if sheet.sheet_state == "hidden":
            continue
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title  # as many pages down as the rows need
        assert "&P" in sheet.oddFooter.center.text, sheet.title
        if sheet.title == "README":
            assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.fitToWidth == 1
            continue
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        width = sum(sheet.column_dimensions[cell.column_letter].width or 8.43 for cell in sheet[1] if cell.value)
        assert sheet.page_setup.fitToWidth == math.ceil(width / template.PRINT_PAGE_WIDTH), sheet.title
        assert sheet.page_setup.fitToWidth <= 2, sheet.title
        assert sheet.print_title_cols == ("$A:$A" if sheet.page_setup.fitToWidth > 1 else None), sheet.title
    for title in ("Exceptions", "Settings", "AgingSummary", "Effectiveness", "FX"):
        assert book[title].page_setup.fitToWidth == 1, title  # the Reason / Description column on the page


def content(path: Path) -> dict:
    """What a user sees and what the add-in relies on, without zip timestamps."""
    book = openpyxl.load_workbook(path)
    result: dict = {"sheets": book.sheetnames}
    for sheet in book.worksheets:
        result[sheet.title] = {
            "state": sheet.sheet_state,
            "cells": [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()],
            "tables": sorted((t.displayName, t.ref, t.tableStyleInfo.name) for t in sheet.tables.values()),
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.errorStyle) for v in sheet.data_validations.dataValidation
            ),
            "conditional": sorted(
                (str(cf.sqref), rule.operator, tuple(rule.formula), rule.dxf.fill.bgColor.rgb)
                for cf in sheet.conditional_formatting
                for rule in cf.rules
            ),
            "columns": sorted((k, d.width, d.number_format) for k, d in sheet.column_dimensions.items()),
            "freeze": sheet.freeze_panes,
        }
    return result


def test_every_money_column_of_an_output_sheet_says_its_currency():
    """Interest in the invoice's currency beside amounts in the base currency, unlabelled, is misread."""
    for table in schema.OUTPUT_TABLES:
        headers = [column.header for column in table.columns]
        for column in table.columns:
            if column.kind is Kind.MONEY:
                labelled = "(base)" in column.header or "(invoice currency)" in column.header
                beside = (
                    "Currency" in headers[max(0, headers.index(column.header) - 1) : headers.index(column.header) + 2]
                )
                assert labelled or beside, (table.name, column.header)


def test_every_readme_paragraph_has_rows_for_all_its_lines(book):
    """LibreOffice sized README rows to its screen's wrap and printed two lines of a three-line paragraph."""
    sheet = book["README"]
    width = sheet.column_dimensions["A"].width
    for (cell,) in sheet.iter_rows(max_col=1):
        if isinstance(cell.value, str) and len(cell.value) > width:
            assert (sheet.row_dimensions[cell.row].height or 15) >= 15 * math.ceil(len(cell.value) / width), cell.row
