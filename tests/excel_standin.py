"""A stand-in for a workbook open in Excel: the part of xlwings' object model arcollect uses, over a real .xlsx.

    book = StandInBook(path, answers=["yes"])    # "opens" the file: loads it with openpyxl, writes Excel's ~$ lock
    ribbon.send(book, now=TUESDAY)               # the ribbon works on it exactly as on xw.Book.caller()
    book.app.alerts[-1].prompt                   # every message box, in order; questions take the queued answers
    book.save()                                  # Ctrl+S: the .xlsx on disk now holds what the ribbon wrote
    book.close()

What it implements — only what `arcollect.book.live` and `arcollect.excel.ribbon` call, nothing more (a call
outside the subset fails loudly, so the product cannot start relying on something untested here):

- Book: ``fullname``, ``name``, ``sheets``, ``app``; App: ``screen_updating`` (every change recorded),
  ``alert(prompt, title=, buttons=)`` (recorded; "yes_no" questions take the next queued answer, an unexpected
  question fails the test).
- Sheets: iteration, ``[name]`` (case-insensitive, as Excel), ``add(name, after=)``; Sheet: ``name``, ``range``,
  ``tables``, ``used_range``, ``activate``.
- Tables: iteration, ``[name]``, ``add(source=, name=, ...)``; Table: ``name``, ``range``, ``header_row_range``,
  ``data_body_range``, ``resize(range)`` with Excel's rules (the header stays in its row, the new range overlaps
  the old and no other Table; column names come from the header cells, as Excel renames them).
- Range: ``value`` get/set, ``options(ndim=, err_to_str=)``, ``address``, ``row``, ``column``, ``shape``,
  ``number_format``.

Values follow xlwings' conversion rules on Windows: a single cell reads as a scalar and a single row or column as a
flat list unless ``ndim=2``; numbers read as float, dates as ``datetime``, empty cells as None, error cells as
COM's negative error codes unless ``err_to_str=True``. Writing follows what Excel does with a value set through
COM: text starting with ``=`` (and ``+ - @`` text that is not a number) becomes a formula; text that looks like a
number, a date ("2026-03-31", "1-30") or TRUE/FALSE is converted; a leading apostrophe stores the rest as text with
the quote prefix; NaN is written empty (xlwings does that), a time-zone-aware datetime is refused.

Every call into "Excel" is counted in ``book.calls`` so tests can pin that a table is read and written in one
block, whatever its length.

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
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table as OpenpyxlTable
from openpyxl.worksheet.table import TableColumn, TableStyleInfo

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
