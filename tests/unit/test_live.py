"""`book.live` over a workbook open in "Excel" (the stand-in of tests/excel_standin.py, backed by a real .xlsx).

The file reader/writer (`book.read`, `book.write`) is the reference: a live book must give the same tables and
problems, and what live writes must read back the same through independent readers (openpyxl, calamine).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine

from arcollect.book import empty_sheets, live, read, template, write
from arcollect.demo import data as demo
from arcollect.errors import ArcollectError, InputError
from arcollect.schema import TABLES, Customers, Invoices
from tests.excel_standin import COM_ERROR_CODES
from tests.integration.workbooks import customer, invoice, make_book, sheet_rows

AS_OF = dt.date(2026, 11, 24)
TRICKY_TEXTS = ["=HYPERLINK(\"http://x.example\")", "+49 30 1234", "-minus", "@SUM(A1)", "00123", "2026-03-31",
                "TRUE", "'quoted", "1-30", "\tTab"]  # fmt: skip


def small_book(folder: Path) -> Path:
    return make_book(
        folder,
        customers=[customer("C1"), customer("C2", name='=HYPERLINK("http://evil.example")')],
        invoices=[
            invoice("00123", "C1", due="2026-11-10"),
            invoice("INV-2", "C2", due="2026-10-01", amount="12,34,5x"),
            invoice("INV-3", "C2", due="2026-09-01", status="Opne"),
            invoice("00123", "C2", due="2026-09-01"),
        ],
    )


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


# ---- reading ---------------------------------------------------------------------------------------------------


def test_live_read_gives_the_file_readers_tables_and_problems_for_the_demo_workbook(tmp_path, open_book):
    path = tmp_path / "demo.xlsx"
    template.build(path)
    write.write_tables(path, demo.tables(AS_OF))
    from_file = read.read(path)
    from_live = live.read(open_book(path))
    assert_same_tables(from_file[0], from_live[0])
    assert from_file[1] == from_live[1]
    assert len(from_live[1]) >= 4  # the reader's share of the demo's deliberately bad rows


def test_live_read_reports_bad_values_unknown_status_and_duplicates_like_the_file_reader(tmp_path, open_book):
    path = small_book(tmp_path)
    tables, problems = live.read(open_book(path))
    assert (tables, problems)[1] == read.read(path)[1]
    reasons = {(problem.row, problem.column): problem.reason for problem in problems if problem.sheet == "Invoices"}
    assert reasons[(3, "Amount")].startswith("not an amount")
    assert reasons[(4, "Status")].startswith("not one of")
    assert reasons[(5, "Invoice")].startswith("duplicate Invoice")
    assert list(tables["Invoices"][Invoices.NUMBER]) == ["00123"]


def test_each_table_is_read_in_one_call_whatever_its_length(tmp_path, open_book):
    few_folder, many_folder = tmp_path / "few", tmp_path / "many"
    few_folder.mkdir()
    many_folder.mkdir()
    few = open_book(small_book(few_folder))
    many = open_book(
        make_book(
            many_folder,
            customers=[customer(f"C{n}") for n in range(300)],
            invoices=[invoice(f"I-{n}", f"C{n % 300}", due="2026-11-01") for n in range(2_000)],
        )
    )
    live.read(few)
    live.read(many)
    reads = [[call for call in book.calls if call[0] == "read"] for book in (few, many)]
    assert len(reads[0]) == len(reads[1]) == 6  # Customers, Invoices, Payments, FX, Settings, DunningLevels


def test_an_error_cell_is_a_problem_not_a_com_error_code_read_as_an_amount(tmp_path, open_book):
    path = small_book(tmp_path)
    book = openpyxl.load_workbook(path)
    cell = book["Invoices"]["F2"]  # Amount of invoice 00123
    cell.value, cell.data_type = "#N/A", "e"
    book.save(path)
    tables, problems = live.read(open_book(path))
    assert (2, "Amount", "#N/A") in {(problem.row, problem.column, problem.value) for problem in problems}
    assert COM_ERROR_CODES["#N/A"] not in tables["Invoices"][Invoices.AMOUNT].tolist()
    # The file reader (calamine) sees an error cell as empty: same rows kept, but its problem cannot name "#N/A".
    assert_same_tables(tables, read.read(path)[0])


def test_a_sheet_without_its_excel_table_is_read_from_its_used_range_like_the_file(tmp_path, open_book):
    path = small_book(tmp_path)
    book = openpyxl.load_workbook(path)
    del book["Customers"].tables["Customers"]
    book.save(path)
    assert_same_tables(read.read(path)[0], live.read(open_book(path))[0])


def test_a_table_that_does_not_start_at_a1_keeps_excel_row_numbers(tmp_path, open_book):
    path = tmp_path / "shifted.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "FX"
    sheet["B3"], sheet["C3"] = "Currency", "Rate to base"
    sheet["B4"], sheet["C4"] = "USD", 0.9
    sheet["B5"], sheet["C5"] = "GBP", "lots"
    template.add_table(sheet, "FX", "B3:C5")
    book.save(path)
    tables, problems = live.read(open_book(path))
    assert list(tables["FX"].index) == [4]
    assert [(problem.sheet, problem.row, problem.column) for problem in problems if problem.sheet == "FX"] == [
        ("FX", 5, "Rate to base")
    ]


def test_read_table_gives_one_typed_table(tmp_path, open_book):
    fx = live.read_table(open_book(small_book(tmp_path)), "FX")
    assert fx.set_index("currency")["rate"].to_dict() == {"USD": 0.9, "GBP": 1.15, "JPY": 0.006}
    with pytest.raises(InputError):
        live.read_table(open_book(small_book(tmp_path)), "Nope")


def test_a_workbook_never_saved_is_refused_in_plain_words():
    class Unsaved:
        name = fullname = "Book1"

    with pytest.raises(ArcollectError, match="Save Book1 to a folder first"):
        live.location(Unsaved())


# ---- writing ---------------------------------------------------------------------------------------------------


def test_text_excel_would_evaluate_or_convert_is_written_as_text(tmp_path, open_book):
    path = small_book(tmp_path)
    book = open_book(path)
    rows = [customer(f"C{n}", name=text) for n, text in enumerate(TRICKY_TEXTS)]
    live.write_tables(book, {"Customers": pd.DataFrame(rows).rename(columns=str)})
    book.save()
    sheet = openpyxl.load_workbook(path)["Customers"]
    cells = [sheet.cell(row=row, column=2) for row in range(2, 2 + len(TRICKY_TEXTS))]
    assert [cell.value for cell in cells] == TRICKY_TEXTS
    assert {cell.data_type for cell in cells} == {"s"}
    with python_calamine.CalamineWorkbook.from_path(str(path)) as calamine:
        names = [row[1] for row in calamine.get_sheet_by_name("Customers").to_python()[1:]]
    assert names == TRICKY_TEXTS
    assert list(live.read(book)[0]["Customers"][Customers.NAME]) == [text.strip() for text in TRICKY_TEXTS]


def test_live_writes_what_the_file_writer_writes(tmp_path, open_book):
    path = small_book(tmp_path)
    twin = tmp_path / "twin.xlsx"
    shutil.copy(path, twin)
    outputs = {
        "Aging": pd.DataFrame(
            {
                Invoices.NUMBER: ["00123", "INV-9"],
                Invoices.DUE_DATE: pd.to_datetime(["2026-11-10", None]),
                Invoices.OPEN_AMOUNT: [1000.5, float("nan")],
                "days_past_due": pd.array([14, None], dtype="Int64"),
            }
        ),
        "Exceptions": pd.DataFrame({"sheet": ["Invoices"], "row": [3], "reason": ["=not a formula"]}),
    }
    book = open_book(path)
    live.write_tables(book, outputs)
    book.save()
    write.write_tables(twin, outputs)
    for name in outputs:
        assert sheet_rows(path, name) == sheet_rows(twin, name)
    sheet = openpyxl.load_workbook(path)["Aging"]
    assert sheet["E2"].number_format == template.NUMBER_FORMATS[TABLES["Aging"].column(Invoices.DUE_DATE).kind]
    assert sheet["H2"].number_format == "#,##0.00"


def test_a_shorter_table_shrinks_the_excel_table_and_leaves_no_old_rows(tmp_path, open_book):
    path = small_book(tmp_path)
    book = open_book(path)
    long = pd.DataFrame({"sheet": ["Invoices"] * 5, "row": [2, 3, 4, 5, 6], "reason": ["bad"] * 5})
    live.write_tables(book, {"Exceptions": long})
    live.write_tables(book, {"Exceptions": long.head(2)})
    live.write_tables(book, {"Exceptions": long.head(0)})
    assert live.read_table(book, "Exceptions").empty  # the note that says why is not read as a row
    book.save()
    sheet = openpyxl.load_workbook(path)["Exceptions"]
    assert sheet.tables["Exceptions"].ref == "A1:G2"
    cells = [cell.value for row in sheet.iter_rows(min_row=2, max_row=6) for cell in row]
    assert cells == [empty_sheets.NOTES["Exceptions"]] + [None] * 34  # no old row left, only why it is empty


def test_each_table_is_written_in_one_block_whatever_its_length(tmp_path, open_book):
    book = open_book(small_book(tmp_path))
    for rows in (3, 3_000):
        book.calls.clear()
        frame = pd.DataFrame({"sheet": ["Invoices"] * rows, "row": range(rows), "reason": ["bad"] * rows})
        live.write_tables(book, {"Exceptions": frame})
        # one block of values, the Table resized, then one number format per formatted column (Row, Rows affected)
        assert [call[0] for call in book.calls] == ["write", "resize", "number_format", "number_format"]


def test_a_missing_output_sheet_is_created_with_its_table(tmp_path, open_book):
    path = small_book(tmp_path)
    workbook = openpyxl.load_workbook(path)
    del workbook["Exceptions"]
    workbook.save(path)
    book = open_book(path)
    live.write_tables(book, {"Exceptions": pd.DataFrame({"sheet": ["Invoices"], "row": [2], "reason": ["bad"]})})
    book.save()
    assert openpyxl.load_workbook(path)["Exceptions"].tables["Exceptions"].ref == "A1:G2"
    assert sheet_rows(path, "Exceptions")[0]["reason"] == "bad"


def test_unknown_table_names_write_nothing(tmp_path, open_book):
    book = open_book(small_book(tmp_path))
    with pytest.raises(InputError, match="no table named Nope"):
        live.write_tables(book, {"Aging": pd.DataFrame(), "Nope": pd.DataFrame()})
    assert not [call for call in book.calls if call[0] == "write"]


# ---- raw rows, cell updates ------------------------------------------------------------------------------------


def test_sheet_rows_are_the_cells_the_file_importer_reads_from_a1(tmp_path, open_book):
    path = small_book(tmp_path)
    with python_calamine.CalamineWorkbook.from_path(str(path)) as workbook:
        from_file = workbook.get_sheet_by_name("Invoices").to_python(skip_empty_area=False)

    def as_excel_hands_them_over(value):  # COM gives dates as datetimes and empty cells as None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime(value.year, value.month, value.day)
        return None if value == "" else value

    rows = live.sheet_rows(open_book(path), "Invoices")
    assert rows == [[as_excel_hands_them_over(value) for value in row] for row in from_file]
    assert rows[2][5] == "12,34,5x"  # a bad amount is carried as the cell holds it
    assert live.sheet_rows(open_book(path), "NoSuchSheet") == []


def test_cell_updates_set_credit_hold_in_the_live_book_as_in_the_file(tmp_path, open_book):
    path = small_book(tmp_path)
    update = write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"C2": True})
    twin = tmp_path / "twin.xlsx"
    shutil.copy(path, twin)
    write.write_tables(twin, {}, updates=[update])
    book = open_book(path)
    live.write_tables(book, {}, updates=[update])
    book.save()
    assert sheet_rows(path, "Customers") == sheet_rows(twin, "Customers")
    assert [row[Customers.CREDIT_HOLD] for row in sheet_rows(path, "Customers")] == [None, True]
    assert [call[0] for call in book.calls].count("write") == 1  # one cell, not the whole column


# ---- the stand-in's charts (what the live Dashboard relies on) --------------------------------------------------


def test_the_stand_ins_charts_behave_as_xlwings_documents(tmp_path, open_book):
    book = open_book(small_book(tmp_path))
    sheet = book.sheets["Customers"]
    first = sheet.charts.add(left=10, top=20, width=300, height=200)
    second = sheet.charts.add()
    assert (first.name, second.name) == ("Chart 1", "Chart 2")
    assert (first.left, first.top, first.width, first.height) == (10.0, 20.0, 300.0, 200.0)
    assert (second.width, second.height) == (355.0, 211.0)  # xlwings' default size
    assert first.chart_type == "column_clustered"  # Excel's default chart type
    first.set_source_data(sheet.range("A1:B3"))
    first.chart_type = "line_markers"
    first.name = "Trend"
    assert "Trend" in sheet.charts and sheet.charts["trend"] is first and sheet.charts[1] is second
    assert sheet.charts.count == len(sheet.charts) == 2
    assert first.source.address == "$A$1:$B$3"
    with pytest.raises(ValueError, match="chart types"):
        first.chart_type = "pie chart"
    with pytest.raises(AssertionError, match="already"):
        second.name = "trend"
    first.delete()
    assert [chart.name for chart in sheet.charts] == ["Chart 2"]
    with pytest.raises(AssertionError, match="deleted"):
        first.chart_type = "line"


def test_range_positions_follow_column_widths_and_row_heights(tmp_path, open_book):
    book = open_book(small_book(tmp_path))
    sheet = book.sheets.add("Blank")
    assert (sheet.range("B2").left, sheet.range("B2").top) == (48.0, 15.0)  # 8.43 characters = 64 pixels
    sheet.range("A1:C1").column_width = 13
    sheet.range("A1").row_height = 34
    assert sheet.range("A1:C1").column_width == 13 and sheet.range("D1").column_width == 8.43
    assert (sheet.range("D2").left, sheet.range("D2").top) == (3 * 72.0, 34.0)
