"""The ribbon's Dashboard on the demo workbook "open in Excel" (the stand-in) against a file refresh of the same book.

One demo workbook (template, demo tables, a year of seeded reminder history) is copied twice: `arcollect refresh`'s
way (`collect` on the file) draws the reference Dashboard with openpyxl; the copy opened as a live book gets the
ribbon's Dashboard button pressed twice. The live book is saved afterwards, as the user would, so its cells are
read back from the file with openpyxl exactly like the reference; its charts are read from the live book (the
stand-in keeps them, see tests/excel_standin.py), the reference's from the file opened as a live book, which lists
the charts the file holds as Excel would.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arcollect.book import dashboard, live, read, settings, template, write
from arcollect.demo import data as demo
from arcollect.demo import history as demo_history
from arcollect.excel import ribbon
from arcollect.run import collect
from arcollect.schema import Risk
from tests.excel_standin import StandInBook, StandInChart
from tests.integration.workbooks import sheet_rows

NOW = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
CHART_TYPES = ["column_clustered", "line_markers", "column_clustered", "column_clustered"]  # the four, in order


@dataclass(frozen=True)
class Demo:
    file: Path  # refreshed the CLI's way
    live: Path  # refreshed twice from the ribbon, then saved
    first_press: list[tuple[str, str, str]]  # (name, type, source) of the charts after the first press
    second_press: list[StandInChart]
    book: StandInBook


@pytest.fixture(scope="module")
def demo_books(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("live_dashboard")
    built = folder / "built" / "demo.xlsx"
    built.parent.mkdir()
    template.build(built)
    write.write_tables(built, demo.tables(NOW.date()))
    demo_history.seed(settings.Settings().ledger_file(built), read.read(built)[0], now=NOW)
    copies = {}
    for kind in ("file", "live"):
        (folder / kind).mkdir()
        copies[kind] = folder / kind / built.name
        shutil.copy(built, copies[kind])
        shutil.copy(settings.Settings().ledger_file(built), settings.Settings().ledger_file(copies[kind]))
    collect(copies["file"], now=NOW)
    book = StandInBook(copies["live"])
    ribbon.dashboard(book, now=NOW)
    first = [(chart.name, chart.chart_type, chart.source.address) for chart in book.sheets["Dashboard"].charts]
    ribbon.dashboard(book, now=NOW)
    book.save()
    yield Demo(copies["file"], copies["live"], first, list(book.sheets["Dashboard"].charts), book)
    book.close()


def _rounded(rows: list[dict]) -> list[dict]:
    """Floats to 9 decimals: the stand-in saves through openpyxl, which writes 16 significant digits, so an unrounded
    sum such as 40034.340000000004 comes back as 40034.34 (Excel itself would keep all 17)."""
    return [{key: round(value, 9) if isinstance(value, float) else value for key, value in row.items()} for row in rows]


@dataclass(frozen=True)
class Dashboard:
    """The Dashboard sheet of a saved book as openpyxl reads it back, and the book's active sheet. Read-only: only
    this sheet is parsed (a full load parses every sheet of the 5,400-invoice demo), once per book (`_dashboard`)."""

    cells: dict[tuple[int, int], tuple[str, object, str, str]]  # (row, column) → (coordinate, value, format, type)
    active: str

    def value(self, row: int, column: int) -> object:
        return self.cells.get((row, column), ("", None, "General", "n"))[1]


@functools.cache
def _dashboard(path: Path) -> Dashboard:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        cells = {
            (cell.row, cell.column): (cell.coordinate, cell.value, cell.number_format, cell.data_type)
            for row in book["Dashboard"].iter_rows()
            for cell in row
            if cell.value is not None
        }
        return Dashboard(cells, book.active.title)
    finally:
        book.close()


def _cells(path: Path) -> dict[str, object]:
    return {coordinate: value for coordinate, value, _format, _type in _dashboard(path).cells.values()}


def _number_formats(path: Path) -> dict[str, str]:
    return {
        coordinate: number_format
        for coordinate, value, number_format, _type in _dashboard(path).cells.values()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def test_the_live_dashboard_shows_the_file_dashboards_tiles_with_the_same_figures(demo_books):
    file_sheet, live_sheet = _dashboard(demo_books.file), _dashboard(demo_books.live)
    tiles = [(file_sheet.value(4, column), file_sheet.value(5, column)) for column in range(1, 13, 2)]
    assert [label for label, _ in tiles] == [
        "DSO (days)", "Best possible DSO (days)", "ADD (days)", "CEI (%)", "Overdue (% of open)", "Total open (EUR)"
    ]  # fmt: skip
    assert all(isinstance(value, float) for _, value in tiles)  # the demo's history gives every KPI a value
    assert [(live_sheet.value(4, column), live_sheet.value(5, column)) for column in range(1, 13, 2)] == tiles
    _coordinate, _value, number_format, data_type = live_sheet.cells[(5, 11)]
    assert data_type == "n" and number_format == "#,##0"  # a number
    notes = [live_sheet.value(6, column) for column in range(1, 13, 2)]
    assert notes == [file_sheet.value(6, column) for column in range(1, 13, 2)] and all(notes)


def test_every_cell_of_the_live_dashboard_holds_what_the_file_dashboard_holds(demo_books):
    assert _cells(demo_books.live) == _cells(demo_books.file)
    assert _number_formats(demo_books.live) == _number_formats(demo_books.file)
    assert _dashboard(demo_books.live).active == "Dashboard"  # the button shows it


def test_the_live_refresh_writes_the_files_analytics_sheets_and_predicted_pay_dates(demo_books):
    live_rows = {sheet: sheet_rows(demo_books.live, sheet) for sheet in ("CustomerRisk", "Effectiveness", "Aging")}
    for sheet, rows in live_rows.items():
        assert _rounded(rows) == _rounded(sheet_rows(demo_books.file, sheet)), sheet
    predicted = [row[Risk.PREDICTED_PAY_DATE] for row in live_rows["Aging"]]
    assert sum(value is not None for value in predicted) > len(predicted) / 2


def test_four_native_charts_of_the_right_types_over_the_file_dashboards_data_ranges(demo_books):
    reference = StandInBook(demo_books.file)  # the file's charts, as Excel opening it would list them
    try:
        expected = [
            (chart.chart_type, chart.source.address, chart.left, chart.top)
            for chart in reference.sheets["Dashboard"].charts
        ]
    finally:
        reference.close()
    charts = demo_books.second_press
    assert [(chart.chart_type, chart.source.address, chart.left, chart.top) for chart in charts] == expected
    assert [chart.chart_type for chart in charts] == CHART_TYPES
    assert [chart.name for chart in charts] == [
        "Open amount by aging bucket (EUR)",
        "DSO trend, month ends (days)",
        "Overdue by currency (EUR)",
        "Paid within 14 days of the reminder, by level",
    ]
    assert all(chart.source.sheet.name == "Dashboard" for chart in charts)
    assert all(round(chart.width) == 425 and round(chart.height) == 213 for chart in charts)  # 15.0 cm × 7.5 cm


def test_each_charts_source_range_holds_its_categories_and_series(demo_books):
    [aging, trend, _currency, _effectiveness] = demo_books.second_press
    trend_rows = trend.source.options(ndim=2).value
    assert trend_rows[0] == [None, "DSO", "DSO count-back", "Best possible DSO"]
    assert all(isinstance(value, float) for row in trend_rows[1:] for value in row[1:] if value is not None)
    buckets = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert [row[0] for row in aging.source.options(ndim=2).value[1:]] == buckets


def test_a_second_press_replaces_the_charts_rather_than_adding_four_more(demo_books):
    assert [(chart.name, chart.chart_type, chart.source.address) for chart in demo_books.second_press] == (
        demo_books.first_press
    )
    assert demo_books.book.sheets["Dashboard"].charts.count == 4
    deleted = [call[1] for call in demo_books.book.calls if call[0] == "chart.delete"]
    assert deleted == [name for name, _type, _source in demo_books.first_press]


def test_the_charts_and_merged_tiles_of_a_file_refresh_are_replaced_in_the_live_book(tmp_path, open_book):
    path = tmp_path / "refreshed.xlsx"
    template.build(path)
    keywords = {
        "tiles": {"DSO": 41.2, "Total open (EUR)": "93,000"},
        "aging": pd.Series([52000.0, 18000.0], index=["Current", "1-30"], name="Open"),
        "dso_trend": pd.DataFrame({"month": ["2026-09", "2026-10"], "DSO": [45.0, 43.0]}),
        "overdue_by_currency": pd.Series([15000.0], index=["USD"], name="Overdue"),
        "effectiveness": pd.Series([0.42], index=["1"], name="Paid within 14 days"),
        "base_currency": "EUR",
    }
    dashboard.write(path, **keywords)  # what `arcollect refresh` leaves: openpyxl charts, merged tiles
    book = open_book(path)
    sheet = book.sheets[dashboard.SHEET]
    assert [chart.chart_type for chart in sheet.charts] == CHART_TYPES
    file_charts = [(chart.source.address, chart.left, chart.top) for chart in sheet.charts]
    live.write_dashboard(book, **keywords)
    assert [call[1] for call in book.calls if call[0] == "chart.delete"] == [f"Chart {n}" for n in range(1, 5)]
    assert [(chart.source.address, chart.left, chart.top) for chart in sheet.charts] == file_charts
    assert not sheet.worksheet.merged_cells.ranges and not sheet.worksheet._charts
    assert sheet.range("A4:D5").value == [["DSO", None, "Total open (EUR)", None], [41.2, None, "93,000", None]]


def test_an_empty_workbook_gets_notes_instead_of_charts_and_a_new_dashboard_sheet_second(tmp_path, open_book):
    path = tmp_path / "empty.xlsx"
    template.build(path)
    workbook = openpyxl.load_workbook(path)
    if dashboard.SHEET in workbook.sheetnames:
        del workbook[dashboard.SHEET]
    workbook.save(path)
    book = open_book(path)
    keywords = {
        "tiles": {"DSO": float("nan"), "Total open (EUR)": "0"},
        "aging": _empty(),
        "dso_trend": _empty().to_frame(),
        "overdue_by_currency": _empty(),
        "effectiveness": _empty(),
        "base_currency": "EUR",
    }
    drawn = live.write_dashboard(book, **keywords)
    assert drawn == [] and book.sheets[dashboard.SHEET].charts.count == 0
    assert [sheet.name for sheet in book.sheets][1] == dashboard.SHEET
    draft, _charts = dashboard.draft(**keywords)
    sheet = book.sheets[dashboard.SHEET]
    note = next(cell for row in draft.iter_rows() for cell in row if str(cell.value).endswith("no data yet"))
    assert sheet.range(note.coordinate).value == note.value == "Open amount by aging bucket (EUR): no data yet"
    assert sheet.range("A5").value == "n/a"


def _empty() -> pd.Series:
    return pd.Series([], dtype="float64", name="Overdue")
