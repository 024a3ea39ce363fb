"""Fuzzing `book.read`: rows of any cells, and whole generated workbooks, never raise, and every value the reader
rejects is a problem naming its sheet, Excel row and column."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcollect import schema
from arcollect.book import read, template
from arcollect.book.cell_updates import header_key
from arcollect.schema import Kind, Table
from tests.fuzz import rawbook
from tests.fuzz.conftest import scaled
from tests.fuzz.test_fuzz_values import CELLS


def _present(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _missing(value: Any, kind: Kind) -> bool:
    if kind is Kind.EMAILS:
        return value == ()
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


@st.composite
def sheets(draw: st.DrawFn, table: Table) -> list[list[Any]]:
    """A header of the table's columns (shuffled, some left out, odd spellings, extra ones) and rows of any cells."""
    headers = [
        draw(
            st.sampled_from([column.header, column.header.upper(), f" {column.key} ", column.header.replace(" ", "_")])
        )
        for column in table.columns
        if column.required or draw(st.booleans())
    ]
    headers += draw(st.lists(st.sampled_from(["Notes", "", None, "=SUM(A:A)", 42]), max_size=2))
    headers = draw(st.permutations(headers))
    width = len(headers)
    rows = draw(st.lists(st.lists(CELLS, max_size=width + 1), max_size=8))
    return [headers, *rows]


def check_read_rows(table: Table, rows: list[list[Any]]) -> None:
    frame, problems = read.read_rows(table, rows)
    assert list(frame.columns) == table.keys
    headers = set(table.headers)
    for problem in problems:
        assert problem.sheet == table.name and isinstance(problem.row, int) and problem.row >= 1
        assert problem.column and problem.reason
        assert problem.row == 1 or set(problem.column.split(", ")) <= headers
    if any(problem.row == 1 for problem in problems):
        assert frame.empty  # a required column is missing: the sheet is reported once and ignored
        return
    reported = {(problem.row, problem.column) for problem in problems}
    reported_rows = {problem.row for problem in problems}
    header = [header_key(cell) for cell in rows[0]]
    for number, cells in enumerate(rows[1:], start=2):
        present = {}
        for column in table.columns:
            names = (header_key(column.header), header_key(column.key))
            position = next((header.index(name) for name in names if name in header), None)
            if position is not None and position < len(cells) and _present(cells[position]):
                present[column.key] = cells[position]
        if not present:
            continue
        if number not in frame.index:
            assert number in reported_rows, f"row {number} left out without a problem: {present}"
            continue
        for key, raw in present.items():
            column = table.column(key)
            if _missing(frame.loc[number, key], column.kind):
                assert (number, column.header) in reported, f"{table.name} row {number} {column.header}={raw!r} lost"


@scaled(40)
@given(st.data())
@pytest.mark.parametrize("table", schema.INPUT_TABLES, ids=lambda table: table.name)
def test_read_rows_types_or_reports_every_cell_of_any_sheet(table: Table, data: st.DataObject) -> None:
    check_read_rows(table, data.draw(sheets(table)))


@pytest.fixture(scope="session")
def template_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-read") / "template.xlsx"
    template.build(path)
    return path


@scaled(15)
@given(customers=sheets(schema.CUSTOMERS), invoices=sheets(schema.INVOICES), settings=sheets(schema.SETTINGS))
def test_read_of_generated_workbooks_never_raises_and_locates_every_problem(
    template_book: Path, tmp_path_factory: pytest.TempPathFactory, customers: list, invoices: list, settings: list
) -> None:
    replace = {
        rawbook.sheet_part(template_book, table.sheet): rawbook.with_rows(template_book, table.sheet, rows_xml(rows))
        for table, rows in ((schema.CUSTOMERS, customers), (schema.INVOICES, invoices), (schema.SETTINGS, settings))
    }
    path = rawbook.rebuild(template_book, tmp_path_factory.mktemp("book") / "generated.xlsx", replace=replace)
    tables, problems = read.read(path)
    assert set(tables) == {table.name for table in schema.INPUT_TABLES}
    for problem in problems:
        assert problem.sheet in tables and problem.reason
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1)


def rows_xml(rows: list[list[Any]]) -> list[str]:
    """Rows as sheet XML; values a cell cannot hold (times, durations, aware datetimes) as their text."""
    return [rawbook.row_xml(number, [_cell_value(value) for value in row]) for number, row in enumerate(rows, 1)]


def _cell_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            return str(value)
        return "".join(character for character in value if _xml_char(character)) if isinstance(value, str) else value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _xml_char(character: str) -> bool:
    code = ord(character)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000
