"""Writing tables into real workbooks: values round-trip, everything else survives, text never becomes a formula."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.utils import get_column_letter

from arcollect import schema
from arcollect.book import template
from arcollect.book.read import read
from arcollect.book.write import write_tables
from arcollect.errors import InputError
from arcollect.schema import Aging, Customers, ExceptionsSheet, Invoices, Queue

AGING_LAST = get_column_letter(len(schema.AGING.keys))  # the Aging table's last column
HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB", "=1+1"]


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "arcollect.xlsx"
    book = template.build()
    invoices = book["Invoices"]
    invoices.delete_rows(2)
    invoices.append(["10023", "C1", dt.date(2026, 1, 5), dt.date(2026, 2, 4), "EUR", 1200.5, 1200.5])
    invoices.append(["10024", "C2", dt.date(2026, 1, 9), None, "USD", 99.0, None, None, "Disputed"])
    invoices.tables["Invoices"].ref = "A1:N3"
    notes = book.create_sheet("My notes")
    notes["A1"] = "Total invoiced"
    notes["B1"] = "=SUM(Invoices!F2:F10)"
    notes["A2"] = "Checked by"
    notes["B2"] = "Mia"
    book.save(path)
    return path


def aging_rows(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            Invoices.NUMBER: [f"INV-{i}" for i in range(count)],
            Invoices.CUSTOMER_ID: ["C1"] * count,
            Queue.CUSTOMER_NAME: ["Alpha GmbH"] * count,
            Invoices.DUE_DATE: pd.to_datetime(["2026-02-04"] * count),
            Invoices.OPEN_AMOUNT: [100.25 + i for i in range(count)],
            Aging.DAYS_PAST_DUE: pd.array(list(range(count)), dtype="Int64"),
            Aging.BUCKET: ["1-30"] * count,
            Aging.LATE_INTEREST: [Decimal("1.05")] * count,
            Aging.DISCOUNT_DEADLINE: [None] * count,
        }
    )


def sheet_xml(path: Path, sheet_name: str) -> str:
    """The XML part of one worksheet, found through the workbook's relationships."""
    with zipfile.ZipFile(path) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rel_id = re.search(rf'<sheet[^>]*name="{re.escape(sheet_name)}"[^>]*r:id="(rId\d+)"', workbook_xml).group(1)
        target = re.search(rf'<Relationship[^>]*Id="{rel_id}"[^>]*Target="([^"]+)"', rels) or re.search(
            rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rel_id}"', rels
        )
        part = target.group(1).lstrip("/")
        return archive.read(part if part.startswith("xl/") else f"xl/{part}").decode()


def cell_xml(xml: str, reference: str) -> str:
    match = re.search(rf'<c r="{reference}"[^>]*?(/>|>.*?</c>)', xml, re.S)
    assert match, reference
    return match.group(0)


def test_output_tables_are_written_and_read_back_with_openpyxl_and_calamine(book_path):
    result = write_tables(book_path, {"Aging": aging_rows(3)})
    assert result.path_written == book_path and not result.side_file
    sheet = openpyxl.load_workbook(book_path)["Aging"]
    assert sheet.tables["Aging"].ref == f"A1:{AGING_LAST}4"
    assert [cell.value for cell in sheet[1]] == schema.AGING.headers
    assert sheet["A2"].value == "INV-0"
    assert sheet["E2"].value == dt.datetime(2026, 2, 4) and sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet["H3"].value == pytest.approx(101.25) and sheet["H3"].number_format == "#,##0.00"
    assert sheet["I4"].value == 2 and sheet["N2"].value == pytest.approx(1.05)
    assert sheet["M2"].value is None and sheet["D2"].value is None
    rows = python_calamine.CalamineWorkbook.from_path(str(book_path)).get_sheet_by_name("Aging").to_python()
    assert rows[0] == schema.AGING.headers
    assert rows[1][0] == "INV-0" and rows[1][4] in (dt.date(2026, 2, 4), dt.datetime(2026, 2, 4))


def test_input_sheets_and_a_users_sheet_with_formulas_survive(book_path):
    before = openpyxl.load_workbook(book_path)
    expected = {
        name: [[cell.value for cell in row] for row in before[name].iter_rows()]
        for name in ("Invoices", "Customers", "Settings", "DunningLevels", "My notes")
    }
    write_tables(book_path, {"Aging": aging_rows(2), "Exceptions": pd.DataFrame()})
    after = openpyxl.load_workbook(book_path)
    for name, values in expected.items():
        assert [[cell.value for cell in row] for row in after[name].iter_rows()] == values, name
    assert after["My notes"]["B1"].value == "=SUM(Invoices!F2:F10)"
    assert after["Invoices"].data_validations.dataValidation  # validation lists kept
    assert "Lists" in after.sheetnames and after["Lists"].sheet_state == "hidden"
    assert "<f>SUM(Invoices!F2:F10)</f>" in sheet_xml(book_path, "My notes")
    tables, problems = read(book_path)
    assert tables["Invoices"].index.tolist() == [2, 3] and problems == []


def test_text_that_looks_like_a_formula_stays_text(book_path):
    customers = pd.DataFrame(
        {
            Customers.ID: [f"C{i}" for i in range(len(HOSTILE))],
            Customers.NAME: HOSTILE,
            Customers.COUNTRY: ["DE"] * len(HOSTILE),
        }
    )
    exceptions = pd.DataFrame(
        {
            ExceptionsSheet.SHEET: ["Customers"],
            ExceptionsSheet.ROW: [2],
            ExceptionsSheet.COLUMN: ["Name"],
            ExceptionsSheet.VALUE: ["=cmd|' /C calc'!A0"],
            ExceptionsSheet.REASON: ["-bad"],
        }
    )
    write_tables(book_path, {"Customers": customers, "Exceptions": exceptions})
    xml = sheet_xml(book_path, "Customers")
    for row in range(2, 2 + len(HOSTILE)):
        cell = cell_xml(xml, f"B{row}")
        assert "<f>" not in cell and ('t="inlineStr"' in cell or 't="s"' in cell), cell
    assert "<f>" not in sheet_xml(book_path, "Exceptions")
    book = openpyxl.load_workbook(book_path)
    names = [book["Customers"].cell(row=row, column=2) for row in range(2, 2 + len(HOSTILE))]
    assert [cell.value for cell in names] == HOSTILE
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)
    with zipfile.ZipFile(book_path) as archive:
        assert 'quotePrefix="1"' in archive.read("xl/styles.xml").decode()
    tables, _ = read(book_path)
    assert tables["Customers"][Customers.NAME].tolist() == [text.strip() for text in HOSTILE]


def test_rewriting_a_smaller_table_clears_old_rows_and_shrinks_the_table(book_path):
    write_tables(book_path, {"Aging": aging_rows(50)})
    assert openpyxl.load_workbook(book_path)["Aging"].tables["Aging"].ref == f"A1:{AGING_LAST}51"
    write_tables(book_path, {"Aging": aging_rows(2)})
    sheet = openpyxl.load_workbook(book_path)["Aging"]
    assert sheet.tables["Aging"].ref == f"A1:{AGING_LAST}3"
    assert sheet.max_row == 3
    assert all(cell.value is None for row in sheet.iter_rows(min_row=4, max_row=51) for cell in row)
    write_tables(book_path, {"Aging": aging_rows(0)})
    assert openpyxl.load_workbook(book_path)["Aging"].tables["Aging"].ref == f"A1:{AGING_LAST}2"


def test_aging_summary_columns_follow_the_frame(book_path):
    summary = pd.DataFrame(
        {"Current": [10.0, 10.0], "1-45": [5.0, 5.0], "45+": [1.0, 1.0], "Total": [16.0, 16.0]},
        index=pd.Index(["C1", "Total"], name=Invoices.CUSTOMER_ID),
    )
    summary.attrs["base_currency"] = "CHF"  # the amounts' currency, named in each bucket's header
    write_tables(book_path, {"AgingSummary": summary})
    sheet = openpyxl.load_workbook(book_path)["AgingSummary"]
    assert [cell.value for cell in sheet[1]] == [
        "Customer ID", "Customer", "Current (CHF)", "1-45 (CHF)", "45+ (CHF)", "Total (CHF)"
    ]  # fmt: skip
    assert sheet.tables["AgingSummary"].ref == "A1:F3"
    assert [column.name for column in sheet.tables["AgingSummary"].tableColumns][-1] == "Total (CHF)"
    assert sheet["A2"].value == "C1" and sheet["F3"].value == 16
    assert sorted(str(cf.sqref) for cf in sheet.conditional_formatting) == [
        f"{letter}2:{letter}{template.LAST_ROW}" for letter in "CDE"
    ]


def test_datetimes_are_written_in_utc_without_time_zone(book_path):
    queue = pd.DataFrame(
        {
            Queue.CUSTOMER_ID: ["C1", "C2"],
            Queue.LEVEL: pd.array([1, None], dtype="Int64"),
            Queue.SEND_AT_UTC: pd.to_datetime(["2026-03-02 10:00", None]).tz_localize("Europe/Berlin"),
        }
    )
    write_tables(book_path, {"ReminderQueue": queue})
    sheet = openpyxl.load_workbook(book_path)["ReminderQueue"]
    letter = get_column_letter(schema.REMINDER_QUEUE.keys.index(Queue.SEND_AT_UTC) + 1)
    assert sheet[f"{letter}2"].value == dt.datetime(2026, 3, 2, 9, 0)
    assert sheet[f"{letter}2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet[f"{letter}3"].value is None and sheet["C3"].value is None


def test_an_open_workbook_gets_a_side_file_and_stays_untouched(book_path):
    owner = book_path.with_name("~$" + book_path.name)
    owner.write_bytes(b"Mia")
    original = book_path.read_bytes()
    result = write_tables(book_path, {"Aging": aging_rows(2)})
    assert result.side_file
    assert result.path_written == book_path.with_name("arcollect.results.xlsx")
    assert "open in Excel" in result.message
    assert book_path.read_bytes() == original
    assert openpyxl.load_workbook(result.path_written)["Aging"]["A3"].value == "INV-1"


def test_out_sends_the_results_elsewhere(book_path, tmp_path):
    original = book_path.read_bytes()
    result = write_tables(book_path, {"Aging": aging_rows(1)}, out=tmp_path / "copy.xlsx")
    assert result.side_file and result.path_written == tmp_path / "copy.xlsx"
    assert book_path.read_bytes() == original


def test_atomic_save_leaves_no_temporary_files(book_path):
    write_tables(book_path, {"Aging": aging_rows(3)})
    assert sorted(p.name for p in book_path.parent.iterdir()) == ["arcollect.xlsx"]


def test_a_missing_sheet_is_created_with_its_table(book_path):
    book = openpyxl.load_workbook(book_path)
    del book["Exceptions"]
    book.save(book_path)
    frame = pd.DataFrame({ExceptionsSheet.SHEET: ["Invoices"], ExceptionsSheet.ROW: [7], ExceptionsSheet.REASON: ["x"]})
    write_tables(book_path, {"Exceptions": frame})
    sheet = openpyxl.load_workbook(book_path)["Exceptions"]
    assert sheet.tables["Exceptions"].ref == "A1:G2"
    assert [sheet["A2"].value, sheet["B2"].value, sheet["E2"].value] == ["Invoices", 7, "x"]


def test_unknown_table_names_are_refused_before_anything_is_written(book_path):
    original = book_path.read_bytes()
    with pytest.raises(InputError, match="no table named Agin"):
        write_tables(book_path, {"Agin": aging_rows(1)})
    assert book_path.read_bytes() == original


def test_a_rewritten_input_table_keeps_a_header_row_tall_enough_for_its_wrapped_headers(book_path: Path) -> None:
    """`arcollect demo` and `import` rewrite Invoices: its header row fell back to one line and "Plan next
    instalment" was cut off; an invoice number like INV-2025-004711 was cut off by the Customer ID beside it."""
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["INV-2025-004711"],
            Invoices.CUSTOMER_ID: ["C10008"],
            Invoices.INVOICE_DATE: [dt.date(2026, 9, 3)],
            Invoices.DUE_DATE: [dt.date(2026, 11, 2)],
            Invoices.CURRENCY: ["EUR"],
            Invoices.AMOUNT: [264.56],
        }
    )
    write_tables(book_path, {"Invoices": invoices})
    book = openpyxl.load_workbook(book_path)
    try:
        sheet = book["Invoices"]
        headers = {cell.value: cell.column_letter for cell in sheet[1]}
        assert (sheet.row_dimensions[1].height or 15) >= 30, "two lines: 'Plan next / instalment'"
        assert sheet.column_dimensions[headers["Invoice"]].width >= len("INV-2025-004711") + 2
    finally:
        book.close()
