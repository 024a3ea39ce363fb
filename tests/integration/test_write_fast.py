"""Writing by parts (`arcollect.book.parts`): the user's workbook survives exactly as the openpyxl round trip keeps it.

Each test writes the same tables once by parts (the default) and once the plain openpyxl way, and compares: values,
formulas, styles, number formats, defined names, Excel Tables, data validation and conditional formats.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName

from arcollect.book import parts, template, write
from arcollect.book.write import write_tables
from arcollect.schema import Aging, Customers, Invoices, Queue

HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB"]


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    """A template workbook with input rows, shared strings, a user's styled cell, sheet, formula and defined name."""
    path = tmp_path / "book.xlsx"
    book = template.build()
    invoices = book["Invoices"]
    invoices.delete_rows(2)
    for number in range(40):
        invoices.append(
            [f"INV-{number}", f"C{number % 3}", dt.date(2026, 1, 5), dt.date(2026, 2, 4), "EUR", 100.0 + number]
        )
    invoices.tables["Invoices"].ref = "A1:N41"
    invoices["A2"].font = Font(bold=True, color="C00000")
    invoices["B3"].fill = PatternFill("solid", fgColor="FFFF00")
    invoices["P2"] = "=F2*2"  # the user's own column beside the table
    notes = book.create_sheet("My notes")
    notes["A1"] = "Total invoiced"
    notes["B1"] = "=SUM(Invoices!F2:F41)"
    notes["A2"] = "Straße & <Co>"
    notes["B2"].number_format = "0.000%"
    notes["B2"] = 0.125
    book.defined_names["OpenTotal"] = DefinedName("OpenTotal", attr_text="'My notes'!$B$1")
    book.save(path)
    return path


def aging_rows(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            Invoices.NUMBER: [f"INV-{i}" for i in range(count)],
            Invoices.CUSTOMER_ID: ["C1"] * count,
            Queue.CUSTOMER_NAME: [
                HOSTILE[i % len(HOSTILE)] if i % 7 == 0 else f" Kunde {i} & <Söhne> " for i in range(count)
            ],
            Invoices.INVOICE_DATE: pd.to_datetime(["1900-02-15", "2262-04-01", *["2026-01-05"] * (count - 2)][:count]),
            Invoices.DUE_DATE: pd.to_datetime(["2026-02-04"] * count),
            Invoices.OPEN_AMOUNT: [100.25 + i if i % 5 else float("nan") for i in range(count)],
            Aging.DAYS_PAST_DUE: pd.array([None if i == 3 else i for i in range(count)], dtype="Int64"),
            Aging.BUCKET: ["1-30"] * count,
            Invoices.STATUS: ["Open"] * count,
        }
    )


def customers(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            Customers.ID: [f"C{i}" for i in range(count)],
            Customers.NAME: [f"Kunde {i}\nzweite Zeile" for i in range(count)],
            Customers.DO_NOT_CONTACT: [i % 2 == 0 for i in range(count)],
        }
    )


def snapshot(path: Path) -> dict[str, object]:
    """Everything a user would notice, per sheet, as openpyxl reads it."""
    book = openpyxl.load_workbook(path)
    sheets = {}
    for sheet in book.worksheets:
        cells = {
            cell.coordinate: (cell.value, cell.number_format, cell.font.b, cell.font.color and cell.font.color.rgb,
                              cell.fill.fgColor.rgb, cell.quotePrefix, cell.data_type)
            for row in sheet.iter_rows() for cell in row
            if cell.value is not None or cell.has_style
        }  # fmt: skip
        sheets[sheet.title] = {
            "cells": cells,
            "tables": {
                table.displayName: (table.ref, [column.name for column in table.tableColumns])
                for table in sheet.tables.values()
            },
            "validations": sorted(str(v.sqref) + str(v.formula1) for v in sheet.data_validations.dataValidation),
            "conditional": sorted(str(rule.sqref) for rule in sheet.conditional_formatting),
            "widths": {key: dimension.width for key, dimension in sheet.column_dimensions.items()},
            "freeze": sheet.freeze_panes,
            "state": sheet.sheet_state,
        }
    return {"sheets": sheets, "order": book.sheetnames, "names": sorted(book.defined_names)}


def both_ways(path: Path, tmp_path: Path, tables: dict, monkeypatch, **keywords) -> tuple[dict, dict]:
    """Snapshots of `path` after writing `tables` by parts and the plain openpyxl way (on a copy)."""
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(path.read_bytes())
    write_tables(path, tables, **keywords)
    with monkeypatch.context() as patch:
        patch.setattr(write, "_write_by_parts", _refuse)
        result = write_tables(plain, tables, **keywords)
    assert result.side_file  # a workbook that cannot be kept part for part is never rewritten
    return snapshot(path), snapshot(result.path_written)


def _refuse(*_args, **_kwargs):
    raise parts.Unsupported("the plain openpyxl way, for comparison")


def test_writing_by_parts_gives_the_same_workbook_as_the_openpyxl_round_trip(book_path, tmp_path, monkeypatch, caplog):
    tables = {"Aging": aging_rows(30), "Exceptions": pd.DataFrame(), "ReminderQueue": pd.DataFrame()}
    with caplog.at_level(logging.INFO, logger="arcollect.book.write"):
        by_parts, plain = both_ways(book_path, tmp_path, tables, monkeypatch)
    assert not [record for record in caplog.records if "openpyxl way" in record.message and "comparison" not in
                record.message]  # fmt: skip
    assert by_parts == plain
    invoices = by_parts["sheets"]["Invoices"]["cells"]
    assert invoices["A2"][0] == "INV-0" and invoices["A2"][2] is True and invoices["A2"][3] == "00C00000"
    assert invoices["B3"][4] == "00FFFF00" and invoices["P2"][0] == "=F2*2"
    assert by_parts["sheets"]["My notes"]["cells"]["B1"][0] == "=SUM(Invoices!F2:F41)"
    assert by_parts["sheets"]["My notes"]["cells"]["B2"][:2] == (0.125, "0.000%")
    assert "OpenTotal" in by_parts["names"]


def test_repeated_values_of_different_types_keep_their_own_cells(book_path, tmp_path, monkeypatch):
    """Each distinct value's cell is made once; True, 1, 1.0 and "1" are still four different cells."""
    values = [True, 1, 1.0, "1", None, "", "=1+1", "=1+1", 1, True, "1", 2.5]
    exceptions = pd.DataFrame(
        {
            "sheet": ["Invoices"] * len(values),
            "row": pd.array([None if i == 4 else i + 2 for i in range(len(values))], dtype="Int64"),
            "value": pd.Series(values, dtype=object),
        }
    )
    by_parts, plain = both_ways(book_path, tmp_path, {"Exceptions": exceptions}, monkeypatch)
    assert by_parts == plain
    cells = by_parts["sheets"]["Exceptions"]["cells"]
    written = [cells.get(f"D{row}", (None,) * 7) for row in range(2, 2 + len(values))]
    assert [(cell[0], cell[6]) for cell in written[:4]] == [(True, "b"), (1, "n"), (1, "n"), ("1", "s")]
    assert written[4][0] is None and written[5][0] is None
    assert written[6][0] == written[7][0] == "=1+1" and written[6][5] and written[7][5]  # quoted text, twice
    assert [(cell[0], cell[6]) for cell in written[8:]] == [(1, "n"), (True, "b"), ("1", "s"), (2.5, "n")]
    assert cells["B6"][0] is None and cells["B7"][0] == 7


def test_input_cells_are_copied_byte_for_byte_and_read_back_by_calamine(book_path):
    before = python_calamine.CalamineWorkbook.from_path(str(book_path))
    expected = {name: before.get_sheet_by_name(name).to_python() for name in ("Invoices", "Settings", "My notes")}
    write_tables(book_path, {"Aging": aging_rows(12)})
    after = python_calamine.CalamineWorkbook.from_path(str(book_path))
    for name, rows in expected.items():
        assert after.get_sheet_by_name(name).to_python() == rows, name
    aging = after.get_sheet_by_name("Aging").to_python()
    assert aging[2][2] == " Kunde 1 & <Söhne> " and aging[1][2] == HOSTILE[0]


def test_text_that_looks_like_a_formula_is_written_as_quoted_text(book_path):
    write_tables(book_path, {"Aging": aging_rows(36)})
    sheet = openpyxl.load_workbook(book_path)["Aging"]
    names = [sheet.cell(row=2 + i, column=3) for i in range(0, 36, 7)]
    assert [cell.value for cell in names] == [HOSTILE[i % len(HOSTILE)] for i in range(0, 36, 7)]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)
    with zipfile.ZipFile(book_path) as archive:
        aging_part = parts.sheet_parts(archive)["Aging"]
        assert b"<f>" not in archive.read(aging_part)


def test_an_input_table_rewritten_and_updated_cells_match_the_openpyxl_way(book_path, tmp_path, monkeypatch):
    tables = {"Customers": customers(5), "Aging": aging_rows(3)}
    update = write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"C1": True, "C3": True})
    by_parts, plain = both_ways(book_path, tmp_path, tables, monkeypatch, updates=[update])
    assert by_parts == plain
    assert by_parts["sheets"]["Customers"]["cells"]["B2"][0] == "Kunde 0\nzweite Zeile"


def test_the_users_cells_beside_an_output_table_survive(book_path, tmp_path, monkeypatch):
    write_tables(book_path, {"Aging": aging_rows(5)})
    book = openpyxl.load_workbook(book_path)
    book["Aging"]["Z1"] = "my note"
    book["Aging"]["Z2"] = "=COUNTA(A:A)"
    book.save(book_path)
    by_parts, plain = both_ways(book_path, tmp_path, {"Aging": aging_rows(3)}, monkeypatch)
    assert by_parts == plain
    assert by_parts["sheets"]["Aging"]["cells"]["Z2"][0] == "=COUNTA(A:A)"


def test_a_missing_output_sheet_is_created_and_a_chart_lands_in_the_same_save(book_path):
    book = openpyxl.load_workbook(book_path)
    del book["Exceptions"]
    book.save(book_path)

    def chart(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.create_sheet("Charts")
        sheet.append(["Bucket", "Amount"])
        sheet.append(["1-30", 10.0])
        bar = BarChart()
        bar.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2), titles_from_data=True)
        sheet.add_chart(bar, "D2")

    write_tables(book_path, {"Exceptions": pd.DataFrame({"sheet": ["Invoices"], "row": [2]}),
                             "Aging": aging_rows(2)}, also=chart)  # fmt: skip
    with zipfile.ZipFile(book_path) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())
    book = openpyxl.load_workbook(book_path)
    assert "Exceptions" in book.sheetnames and book["Exceptions"]["A2"].value == "Invoices"
    assert book["Charts"]["B2"].value == 10.0


def test_a_workbook_that_is_not_a_zip_still_gets_the_finance_users_message(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(Exception, match="not an Excel workbook"):
        write_tables(path, {"Aging": aging_rows(1)})


def test_a_link_to_a_cell_is_the_one_formula_written_and_anything_else_stays_text(book_path, tmp_path, monkeypatch):
    """Exceptions' "Go to": a cell reference becomes =HYPERLINK(…) with its text cached; hostile text stays text."""
    links = ["Invoices!D12", HOSTILE[0], "FX!A4", None, "My notes!B1"]
    exceptions = pd.DataFrame({"sheet": ["Invoices"] * len(links), "reason": ["x"] * len(links), "cell": links})
    by_parts, plain = both_ways(book_path, tmp_path, {"Exceptions": exceptions}, monkeypatch)
    assert by_parts == plain
    cells = by_parts["sheets"]["Exceptions"]["cells"]
    column = "G"  # Go to
    assert cells[f"{column}2"][0] == '=HYPERLINK("#\'Invoices\'!D12","Invoices!D12")' and cells[f"{column}2"][6] == "f"
    assert cells[f"{column}3"][0] == HOSTILE[0] and cells[f"{column}3"][5], "a formula in the data stays quoted text"
    assert cells[f"{column}4"][0] == '=HYPERLINK("#\'FX\'!A4","FX!A4")'
    assert cells[f"{column}6"][0] == '=HYPERLINK("#\'My notes\'!B1","My notes!B1")'
    cached = python_calamine.CalamineWorkbook.from_path(str(book_path)).get_sheet_by_name("Exceptions").to_python()
    assert [row[6] for row in cached[1:]] == ["Invoices!D12", HOSTILE[0], "FX!A4", "", "My notes!B1"]
