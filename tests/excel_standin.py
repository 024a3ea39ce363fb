"""A stand-in for a workbook open in Excel: the part of xlwings' object model arcollect uses, over a real .xlsx.

    book = StandInBook(path, answers=["yes"])    # "opens" the file: loads it with openpyxl, writes Excel's ~$ lock
    ribbon.send(book, now=TUESDAY)               # the ribbon works on it exactly as on xw.Book.caller()
    book.app.alerts[-1].prompt                   # every message box, in order; questions take the queued answers
    book.save()                                  # Ctrl+S: the .xlsx on disk now holds what the ribbon wrote
    book.close()

What it implements — only what `arcollect.book.live` and `arcollect.excel.ribbon` call, nothing more (a call
outside the subset fails loudly, so the product cannot start relying on something untested here):

- Book: ``fullname``, ``name``, ``sheets``, ``names`` (iteration, ``add(name, refers_to)``: the workbook's defined
  names, where arcollect records its ledger), ``app``; App: ``screen_updating`` (every change recorded),
  ``alert(prompt, title=, buttons=)`` (recorded; "yes_no" questions take the next queued answer, an unexpected
  question fails the test).
- Sheets: iteration, ``[name]`` (case-insensitive, as Excel), ``add(name, after=)``; Sheet: ``name``, ``range``,
  ``tables``, ``used_range``, ``activate``.
- Tables: iteration, ``[name]``, ``add(source=, name=, ...)``; Table: ``name``, ``range``, ``header_row_range``,
  ``data_body_range``, ``resize(range)`` with Excel's rules (the header stays in its row, the new range overlaps
  the old and no other Table; column names come from the header cells, as Excel renames them).
- Range: ``value`` get/set, ``options(ndim=, err_to_str=)``, ``address``, ``row``, ``column``, ``shape``,
  ``number_format``, ``column_width`` and ``row_height`` (get/set), ``left`` and ``top`` (points, from the
  column widths and row heights), ``unmerge()``.
- Sheet ``charts`` (ChartObjects): iteration, ``len``/``count``, ``[index or name]``, ``in`` (by name), and
  ``add(left, top, width, height)`` as in xlwings 0.33; Chart: ``name``, ``chart_type`` (one of xlwings' chart
  types; a new chart is Excel's default "column_clustered"), ``set_source_data(range)``, ``left``, ``top``,
  ``width``, ``height``, ``delete()``, ``parent``. The charts a workbook file already holds (openpyxl loads them)
  are on the sheet from the start, as Excel would show them; deleting one removes it from the file's sheet too.
  What the stand-in cannot show through xlwings' API it keeps for the tests: ``chart.source`` is the range last
  given to ``set_source_data``.

Values follow xlwings' conversion rules on Windows: a single cell reads as a scalar and a single row or column as a
flat list unless ``ndim=2``; numbers read as float, dates as ``datetime``, empty cells as None, error cells as
COM's negative error codes unless ``err_to_str=True``. Writing follows what Excel does with a value set through
COM: text starting with ``=`` (and ``+ - @`` text that is not a number) becomes a formula; text that looks like a
number, a date ("2026-03-31", "1-30") or TRUE/FALSE is converted; a leading apostrophe stores the rest as text with
the quote prefix; NaN is written empty (xlwings does that), a time-zone-aware datetime is refused.

Every call into "Excel" is counted in ``book.calls`` so tests can pin that a table is read and written in one
block, whatever its length.

Charts live in the stand-in, not in the .xlsx: ``save`` writes the cells (and drops charts deleted through the
stand-in) but does not turn a chart added through it into a drawing part, so tests read charts from the live book.
Positions in points follow Excel's defaults for Calibri 11 (a column of width w characters is ``int(7w + 5)``
pixels, a pixel ¾ point; rows 15 points unless set).

What it cannot catch: COM marshalling itself (pywin32's VARIANT conversion of each type, 2-D SAFEARRAY limits,
Excel's own number parsing under the user's locale), Excel's ListObject behaviour beyond the rules above
(auto-expansion, calculated columns, structured references, totals rows), formulas (it does not calculate: reading
a formula cell fails), the visual effect of screen updating, real dialogs, macro security and the Trust Center,
RunPython and the VBA side, and anything timing-related (Excel busy, calls rejected while the user edits a cell).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart, LineChart
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table as OpenpyxlTable
from openpyxl.worksheet.table import TableColumn, TableStyleInfo
from xlwings.constants import chart_types as XLWINGS_CHART_TYPES

COM_ERROR_CODES = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}
_NUMBER = re.compile(r"^\s*[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][-+]?\d+)?\s*%?\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})[-/](\d{1,2})\s*$")
_MAX_TEXT = 32_767
_DEFAULT_COLUMN_WIDTH = 8.43  # characters, Excel's default for Calibri 11
_DEFAULT_ROW_HEIGHT = 15.0  # points


@dataclass(frozen=True)
class Alert:
    prompt: str
    title: str | None
    buttons: str
    answer: str
    screen_updating: bool


class StandInApp:
    def __init__(self, book: StandInBook, answers: Sequence[str]) -> None:
        self.book = book
        self.answers = list(answers)
        self.alerts: list[Alert] = []
        self.screen_updating_changes: list[bool] = []
        self._screen_updating = True

    @property
    def screen_updating(self) -> bool:
        self.book.calls.append(("screen_updating", "get"))
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.book.calls.append(("screen_updating", "set"))
        self._screen_updating = bool(value)
        self.screen_updating_changes.append(bool(value))

    def alert(
        self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None, callback: Any = None
    ) -> str:
        if buttons == "ok":
            answer = "ok"
        else:
            assert self.answers, f"unexpected question: {prompt!r}"
            answer = self.answers.pop(0)
            assert answer in buttons.split("_"), f"{answer!r} is not a button of {buttons!r}"
        self.alerts.append(Alert(prompt, title, buttons, answer, self._screen_updating))
        return answer


class StandInBook:
    """A workbook "open in Excel": the .xlsx loaded with openpyxl, Excel's owner file beside it until `close`."""

    def __init__(self, path: str | Path, answers: Sequence[str] = ()) -> None:
        self.path = Path(path).resolve()
        self.workbook = openpyxl.load_workbook(self.path)
        self.calls: list[tuple[str, str]] = []
        self.app = StandInApp(self, answers)
        self.sheets = StandInSheets(self)
        self.names = StandInNames(self)
        self.charts: dict[int, list[StandInChart]] = {}  # by id of the openpyxl worksheet: what Excel holds
        self._owner = self.path.with_name("~$" + self.path.name)
        self._owner.write_bytes(b"stand-in")

    @property
    def fullname(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    def save(self) -> None:
        handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=self.path.parent)
        os.close(handle)
        self.workbook.save(temporary)
        os.replace(temporary, self.path)

    def close(self) -> None:
        self._owner.unlink(missing_ok=True)


class StandInNames:
    """Workbook-level defined names, as xlwings' ``book.names``: iteration gives each name with its ``refers_to``
    formula (``'="abc"'``, ``'=12'``); ``add(name, refers_to)`` replaces a name that exists, as Excel does."""

    def __init__(self, book: StandInBook) -> None:
        self.book = book

    def __iter__(self) -> Iterator[StandInName]:
        self.book.calls.append(("names", "get"))
        defined = self.book.workbook.defined_names.values()
        return iter([StandInName(name.name, f"={name.attr_text}") for name in defined])

    def add(self, name: str, refers_to: str) -> StandInName:
        self.book.calls.append(("names", "add"))
        assert refers_to.startswith("="), f"Names.Add refers_to must be a formula: {refers_to!r}"
        self.book.workbook.defined_names[name] = DefinedName(name, attr_text=refers_to[1:])
        return StandInName(name, refers_to)


@dataclass(frozen=True)
class StandInName:
    name: str
    refers_to: str


class StandInSheets:
    def __init__(self, book: StandInBook) -> None:
        self.book = book

    def __iter__(self) -> Iterator[StandInSheet]:
        return iter([StandInSheet(self.book, worksheet) for worksheet in self.book.workbook.worksheets])

    def __len__(self) -> int:
        return len(self.book.workbook.worksheets)

    def __getitem__(self, key: str | int) -> StandInSheet:
        if isinstance(key, int):
            return StandInSheet(self.book, self.book.workbook.worksheets[key])
        for sheet in self:
            if sheet.name.casefold() == key.casefold():
                return sheet
        raise KeyError(key)

    @property
    def active(self) -> StandInSheet:
        return StandInSheet(self.book, self.book.workbook.active)

    def add(self, name: str | None = None, before: Any = None, after: Any = None) -> StandInSheet:
        assert before is None, "the stand-in adds sheets after another one or at the end"
        position = len(self.book.workbook.worksheets)
        if after is not None:
            position = self.book.workbook.worksheets.index(after.worksheet) + 1
        self.book.calls.append(("sheets.add", name or ""))
        return StandInSheet(self.book, self.book.workbook.create_sheet(name, position))


class StandInSheet:
    def __init__(self, book: StandInBook, worksheet: Any) -> None:
        self.book = book
        self.worksheet = worksheet

    @property
    def name(self) -> str:
        return self.worksheet.title

    def range(self, first: str | tuple[int, int], last: tuple[int, int] | None = None) -> StandInRange:
        if isinstance(first, str):
            assert last is None
            min_column, min_row, max_column, max_row = range_boundaries(first.replace("$", ""))
            return StandInRange(self, min_row, min_column, max_row or min_row, max_column or min_column)
        last = last or first
        return StandInRange(self, first[0], first[1], last[0], last[1])

    @property
    def tables(self) -> StandInTables:
        return StandInTables(self)

    @property
    def used_range(self) -> StandInRange:
        sheet = self.worksheet
        return StandInRange(self, sheet.min_row, sheet.min_column, sheet.max_row, sheet.max_column)

    def activate(self) -> None:
        self.book.calls.append(("activate", self.name))
        self.book.workbook.active = self.worksheet

    @property
    def charts(self) -> StandInCharts:
        return StandInCharts(self)

    def _held_charts(self) -> list[StandInChart]:
        key = id(self.worksheet)
        if key not in self.book.charts:  # first look at this sheet: the charts the file brought with it
            loaded = enumerate(self.worksheet._charts, start=1)
            self.book.charts[key] = [_chart_from_file(self, chart, f"Chart {number}") for number, chart in loaded]
        return self.book.charts[key]

    def _column_points(self, column: int) -> float:
        dimension = self.worksheet.column_dimensions.get(get_column_letter(column))
        width = dimension.width if dimension is not None and dimension.customWidth else _DEFAULT_COLUMN_WIDTH
        return int(7 * width + 5) * 0.75

    def _row_points(self, row: int) -> float:
        dimension = self.worksheet.row_dimensions.get(row)
        return dimension.height if dimension is not None and dimension.height is not None else _DEFAULT_ROW_HEIGHT


class StandInCharts:
    """Sheet.charts: the sheet's charts in the order they were made; numbers index from 0, as in xlwings."""

    def __init__(self, sheet: StandInSheet) -> None:
        self.sheet = sheet

    def __iter__(self) -> Iterator[StandInChart]:
        return iter(list(self.sheet._held_charts()))

    def __len__(self) -> int:
        return len(self.sheet._held_charts())

    @property
    def count(self) -> int:
        return len(self)

    def __getitem__(self, key: int | str) -> StandInChart:
        held = self.sheet._held_charts()
        if isinstance(key, int):
            return held[key]
        for chart in held:
            if chart.name.casefold() == key.casefold():
                return chart
        raise KeyError(key)

    def __contains__(self, name: str) -> bool:
        return any(chart.name.casefold() == name.casefold() for chart in self.sheet._held_charts())

    def add(self, left: float = 0, top: float = 0, width: float = 355, height: float = 211) -> StandInChart:
        held = self.sheet._held_charts()
        self.sheet.book.calls.append(("charts.add", self.sheet.name))
        number = 1 + sum(1 for _ in held)
        while f"Chart {number}" in self:
            number += 1
        chart = StandInChart(self.sheet, f"Chart {number}", float(left), float(top), float(width), float(height))
        held.append(chart)
        return chart


class StandInChart:
    """A chart object on a sheet: where it sits (points), its name, its type and the range it plots."""

    def __init__(
        self,
        sheet: StandInSheet,
        name: str,
        left: float,
        top: float,
        width: float,
        height: float,
        chart_type: str = "column_clustered",
        source: StandInRange | None = None,
        from_file: Any = None,
    ) -> None:
        self._sheet = sheet
        self._name = name
        self._chart_type = chart_type
        self._position = {"left": left, "top": top, "width": width, "height": height}
        self.source = source  # stand-in only: what set_source_data was given, for the tests to read back
        self._from_file = from_file
        self._deleted = False

    def _alive(self) -> None:
        assert not self._deleted, "the chart was deleted: Excel has no such object any more"

    @property
    def parent(self) -> StandInSheet:
        return self._sheet

    @property
    def name(self) -> str:
        self._alive()
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._alive()
        others = [chart for chart in self._sheet._held_charts() if chart is not self]
        assert all(chart.name.casefold() != value.casefold() for chart in others), f"a chart is already {value!r}"
        self._sheet.book.calls.append(("chart.name", value))
        self._name = value

    @property
    def chart_type(self) -> str:
        self._alive()
        return self._chart_type

    @chart_type.setter
    def chart_type(self, value: str) -> None:
        self._alive()
        if value not in XLWINGS_CHART_TYPES:
            raise ValueError(f"{value!r} is not one of xlwings' chart types")
        self._sheet.book.calls.append(("chart.chart_type", value))
        self._chart_type = value

    def set_source_data(self, source: StandInRange) -> None:
        self._alive()
        assert isinstance(source, StandInRange), "set_source_data takes a Range"
        self._sheet.book.calls.append(("chart.set_source_data", f"{source.sheet.name}!{source.address}"))
        self.source = source

    def delete(self) -> None:
        self._alive()
        self._sheet.book.calls.append(("chart.delete", self._name))
        self._sheet._held_charts().remove(self)
        if self._from_file is not None:
            self._sheet.worksheet._charts.remove(self._from_file)
        self._deleted = True

    def _get(self, key: str) -> float:
        self._alive()
        return self._position[key]

    def _set(self, key: str, value: float) -> None:
        self._alive()
        self._position[key] = float(value)

    left = property(lambda self: self._get("left"), lambda self, value: self._set("left", value))
    top = property(lambda self: self._get("top"), lambda self, value: self._set("top", value))
    width = property(lambda self: self._get("width"), lambda self, value: self._set("width", value))
    height = property(lambda self: self._get("height"), lambda self, value: self._set("height", value))


def _chart_from_file(sheet: StandInSheet, chart: Any, name: str) -> StandInChart:
    """A chart of the loaded file as Excel would list it: its type, cell position and plotted range."""
    if isinstance(chart, LineChart):
        marked = any(series.marker is not None and series.marker.symbol != "none" for series in chart.series)
        chart_type = "line_markers" if marked else "line"
    elif isinstance(chart, BarChart):
        chart_type = "column_clustered" if chart.type == "col" else "bar_clustered"
    else:
        chart_type = "xlwings_unknown"
    references = [
        reference.f
        for series in chart.series
        for reference in (
            series.tx.strRef if series.tx is not None else None,
            series.cat.strRef or series.cat.numRef if series.cat is not None else None,
            series.val.numRef if series.val is not None else None,
        )
        if reference is not None
    ]
    source = None
    if references:
        boxes = [range_boundaries(reference.split("!")[-1].replace("$", "")) for reference in references]
        first_column, first_row = min(box[0] for box in boxes), min(box[1] for box in boxes)
        last_column, last_row = max(box[2] for box in boxes), max(box[3] for box in boxes)
        source = StandInRange(sheet, first_row, first_column, last_row, last_column)
    marker = chart.anchor._from
    cell = StandInRange(sheet, marker.row + 1, marker.col + 1, marker.row + 1, marker.col + 1)
    width, height = chart.width / 2.54 * 72, chart.height / 2.54 * 72
    return StandInChart(sheet, name, cell.left, cell.top, width, height, chart_type, source, chart)


class StandInTables:
    def __init__(self, sheet: StandInSheet) -> None:
        self.sheet = sheet

    def __iter__(self) -> Iterator[StandInTable]:
        return iter([StandInTable(self.sheet, table) for table in self.sheet.worksheet.tables.values()])

    def __getitem__(self, name: str) -> StandInTable:
        for table in self:
            if table.name.casefold() == name.casefold():
                return table
        raise KeyError(name)

    def add(
        self,
        source: StandInRange | None = None,
        name: str | None = None,
        source_type: Any = None,
        link_source: Any = None,
        has_headers: bool = True,
        destination: Any = None,
        table_style_name: str = "TableStyleMedium2",
    ) -> StandInTable:
        assert source is not None and name and has_headers is True, "the stand-in adds named tables with headers"
        self.sheet.book.calls.append(("tables.add", name))
        ref = source.address.replace("$", "")
        _refuse_overlap(self.sheet, ref, None)
        table = OpenpyxlTable(displayName=name, name=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=table_style_name, showRowStripes=True)
        table.tableColumns = _columns_from_header(self.sheet, ref)
        self.sheet.worksheet.add_table(table)
        return StandInTable(self.sheet, table)


class StandInTable:
    """An Excel Table (ListObject): a header row and at least one data row."""

    def __init__(self, sheet: StandInSheet, table: OpenpyxlTable) -> None:
        self.sheet = sheet
        self.table = table

    @property
    def name(self) -> str:
        return self.table.displayName

    @property
    def range(self) -> StandInRange:
        return self.sheet.range(self.table.ref)

    @property
    def header_row_range(self) -> StandInRange:
        whole = self.range
        return StandInRange(self.sheet, whole.row, whole.column, whole.row, whole.last_column)

    @property
    def data_body_range(self) -> StandInRange | None:
        whole = self.range
        if whole.last_row == whole.row:
            return None
        return StandInRange(self.sheet, whole.row + 1, whole.column, whole.last_row, whole.last_column)

    def resize(self, target: StandInRange) -> None:
        """Excel's ListObject.Resize: same header row, overlapping the old range, not over another Table."""
        self.sheet.book.calls.append(("resize", target.address))
        old = self.range
        assert target.sheet.worksheet is self.sheet.worksheet, "a Table cannot move to another sheet"
        assert target.row == old.row, "the header row must remain in the same row"
        assert target.last_row > target.row, "a Table needs a data row"
        overlaps = target.column <= old.last_column and old.column <= target.last_column
        assert overlaps, "the new range must overlap the Table's range"
        ref = target.address.replace("$", "")
        _refuse_overlap(self.sheet, ref, self.table)
        self.table.ref = ref
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = ref
        self.table.tableColumns = _columns_from_header(self.sheet, ref)


def _columns_from_header(sheet: StandInSheet, ref: str) -> list[TableColumn]:
    """Excel names a Table's columns after its header cells (text; blanks and repeats get a number)."""
    min_column, min_row, max_column, _ = range_boundaries(ref)
    names: list[str] = []
    for column in range(min_column, max_column + 1):
        cell = sheet.worksheet.cell(row=min_row, column=column)
        name = "" if cell.value is None else str(cell.value)
        if not name:
            name = f"Column{column - min_column + 1}"
        base, suffix = name, 2
        while name.casefold() in (existing.casefold() for existing in names):
            name, suffix = f"{base}{suffix}", suffix + 1
        names.append(name)
        if cell.value != name:
            cell.value = name  # Excel turns header cells into the (text) column names
    return [TableColumn(id=position, name=name) for position, name in enumerate(names, start=1)]


def _refuse_overlap(sheet: StandInSheet, ref: str, own: OpenpyxlTable | None) -> None:
    min_column, min_row, max_column, max_row = range_boundaries(ref)
    for other in sheet.worksheet.tables.values():
        if other is own:
            continue
        o_min_column, o_min_row, o_max_column, o_max_row = range_boundaries(other.ref)
        apart = max_row < o_min_row or o_max_row < min_row or max_column < o_min_column or o_max_column < min_column
        assert apart, f"{ref} would overlap Table {other.displayName} ({other.ref})"


class StandInRange:
    def __init__(
        self, sheet: StandInSheet, row: int, column: int, last_row: int, last_column: int, **options: Any
    ) -> None:
        self.sheet = sheet
        self.row, self.column, self.last_row, self.last_column = row, column, last_row, last_column
        unknown = set(options) - {"ndim", "err_to_str"}
        if unknown:
            raise TypeError(f"the stand-in does not implement Range.options({', '.join(sorted(unknown))})")
        self._options = options

    def options(self, **options: Any) -> StandInRange:
        return StandInRange(self.sheet, self.row, self.column, self.last_row, self.last_column, **options)

    @property
    def shape(self) -> tuple[int, int]:
        return self.last_row - self.row + 1, self.last_column - self.column + 1

    @property
    def address(self) -> str:
        first = f"${get_column_letter(self.column)}${self.row}"
        if self.shape == (1, 1):
            return first
        return f"{first}:${get_column_letter(self.last_column)}${self.last_row}"

    def _cells(self) -> list[list[Any]]:
        sheet = self.sheet.worksheet
        return [
            [sheet.cell(row=row, column=column) for column in range(self.column, self.last_column + 1)]
            for row in range(self.row, self.last_row + 1)
        ]

    @property
    def value(self) -> Any:
        self.sheet.book.calls.append(("read", f"{self.sheet.name}!{self.address}"))
        err_to_str = bool(self._options.get("err_to_str"))
        rows = [[_read_cell(cell, err_to_str) for cell in row] for row in self._cells()]
        if self._options.get("ndim") == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1:
            return rows[0]
        if self.shape[1] == 1:
            return [row[0] for row in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        self.sheet.book.calls.append(("write", f"{self.sheet.name}!{self.address}"))
        if not isinstance(data, list | tuple):
            rows = [[data] * self.shape[1] for _ in range(self.shape[0])]
        elif data and isinstance(data[0], list | tuple):
            rows = [list(row) for row in data]
            assert len({len(row) for row in rows}) == 1, "xlwings writes rectangular 2-D lists only"
        else:
            rows = [list(data)]
        sheet = self.sheet.worksheet
        for row_offset, row in enumerate(rows):
            for column_offset, value in enumerate(row):
                _write_cell(sheet.cell(row=self.row + row_offset, column=self.column + column_offset), value)

    @property
    def number_format(self) -> str | None:
        formats = {cell.number_format for row in self._cells() for cell in row}
        return formats.pop() if len(formats) == 1 else None

    @number_format.setter
    def number_format(self, value: str) -> None:
        self.sheet.book.calls.append(("number_format", f"{self.sheet.name}!{self.address}"))
        for row in self._cells():
            for cell in row:
                cell.number_format = value

    @property
    def column_width(self) -> float | None:
        sheet = self.sheet.worksheet
        widths = set()
        for column in range(self.column, self.last_column + 1):
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            widths.add(dimension.width if dimension is not None and dimension.customWidth else _DEFAULT_COLUMN_WIDTH)
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value: float) -> None:
        assert 0 <= value <= 255, "Excel's column width is 0 to 255 characters"
        self.sheet.book.calls.append(("column_width", f"{self.sheet.name}!{self.address}"))
        for column in range(self.column, self.last_column + 1):
            self.sheet.worksheet.column_dimensions[get_column_letter(column)].width = value

    @property
    def row_height(self) -> float | None:
        heights = {self.sheet._row_points(row) for row in range(self.row, self.last_row + 1)}
        return heights.pop() if len(heights) == 1 else None

    @row_height.setter
    def row_height(self, value: float) -> None:
        assert 0 <= value <= 409.5, "Excel's row height is 0 to 409.5 points"
        self.sheet.book.calls.append(("row_height", f"{self.sheet.name}!{self.address}"))
        for row in range(self.row, self.last_row + 1):
            self.sheet.worksheet.row_dimensions[row].height = value

    @property
    def left(self) -> float:
        return sum(self.sheet._column_points(column) for column in range(1, self.column))

    @property
    def top(self) -> float:
        return sum(self.sheet._row_points(row) for row in range(1, self.row))

    def unmerge(self) -> None:
        """Range.UnMerge: every merged area that overlaps the range becomes single cells again (values stay put)."""
        self.sheet.book.calls.append(("unmerge", f"{self.sheet.name}!{self.address}"))
        sheet = self.sheet.worksheet
        for merged in list(sheet.merged_cells.ranges):
            apart = (
                merged.max_row < self.row
                or self.last_row < merged.min_row
                or merged.max_col < self.column
                or self.last_column < merged.min_col
            )
            if not apart:
                sheet.unmerge_cells(str(merged))


# ---- Excel's value rules -------------------------------------------------------------------------------------


def _read_cell(cell: Any, err_to_str: bool) -> Any:
    value = cell.value
    if cell.data_type == "f":
        raise NotImplementedError(f"the stand-in does not calculate formulas ({cell.coordinate}: {value})")
    if cell.data_type == "e":
        return value if err_to_str else COM_ERROR_CODES.get(value, COM_ERROR_CODES["#VALUE!"])
    if value is None or value == "":
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"the stand-in cannot read {type(value).__name__} from {cell.coordinate}")


def _write_cell(cell: Any, value: Any) -> None:
    if isinstance(cell, MergedCell):
        assert value is None, f"{cell.coordinate} is inside a merged area: Excel cannot change part of it"
        return
    if cell.quotePrefix:
        cell.quotePrefix = False
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int | float | Decimal):
        cell.value = None if isinstance(value, float) and math.isnan(value) else float(value)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("Excel has no time zones: a time-zone-aware datetime cannot be written")
        cell.value = value
    elif isinstance(value, dt.date):
        cell.value = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        _write_text(cell, value)
    else:
        raise TypeError(f"xlwings cannot write a {type(value).__name__} into a cell")


def _write_text(cell: Any, text: str) -> None:
    """What Excel stores when a string is set through COM: it parses it like typed input."""
    if len(text) > _MAX_TEXT:
        raise ValueError("Excel cells hold at most 32,767 characters")
    if text == "":
        cell.value = None
    elif text.startswith("'"):
        cell.value = text[1:]
        cell.data_type = "s"
        cell.quotePrefix = True
    elif text.startswith("="):
        cell.value = text  # openpyxl stores it as a formula, as Excel would
    elif _NUMBER.match(text) and any(character.isdigit() for character in text):
        number = float(text.replace(",", "").replace("%", "").strip())
        cell.value = number / 100 if text.strip().endswith("%") else number
    elif text.strip().casefold() in ("true", "false"):
        cell.value = text.strip().casefold() == "true"
    elif _excel_date(text) is not None:
        cell.value = _excel_date(text)
    elif text.startswith(("+", "-", "@")):
        cell.value = "=" + text
    else:
        cell.value = text


def _excel_date(text: str) -> dt.datetime | None:
    """ISO dates and "month-day" (as Excel in an en-US locale reads "1-30": 30 January of this year)."""
    try:
        if match := _ISO_DATE.match(text):
            return dt.datetime(int(match[1]), int(match[2]), int(match[3]))
        if match := _MONTH_DAY.match(text):
            return dt.datetime(dt.date.today().year, int(match[1]), int(match[2]))
    except ValueError:
        return None
    return None
