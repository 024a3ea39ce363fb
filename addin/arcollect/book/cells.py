"""Cells of a worksheet part (``xl/worksheets/sheetN.xml``) edited as XML, every other cell left byte for byte.

    >>> inner = sheet_data(part)                                   # the bytes inside <sheetData>
    >>> rows = parse_rows(inner)                                   # [Row(number, attributes, cells)]
    >>> kept = without_area(rows, [Area(first_row=1, first_column=1, last_column=16)])
    >>> set_cells(part, {(5, 17): True})                           # Q5 becomes TRUE, its style stays
    >>> unreadable_cells(part)                 # {(3, 4): Unreadable("C3+30", None)}: a formula with no saved value

Why XML and not openpyxl: openpyxl rebuilds every cell of a sheet it saves and drops what it does not model — a
formula's cached value above all (``<f>C3+30</f><v></v>``), which is what every reader sees until the workbook is
recalculated. A sheet arcollect does not own therefore never goes through openpyxl: `arcollect.book.parts` copies
it as it is, and the few cells arcollect changes in it (an escalation's Credit hold, an input table rewritten by
``config`` or ``import``) are edited here.

A cell is found by its ``r`` attribute; a sheet whose cells do not all carry one (the format allows that, Excel
and LibreOffice always write it) raises `parts.Unsupported` through `CellsUnsupported`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import column_index_from_string, get_column_letter

_ROW = re.compile(rb"<row\b([^>]*?)(/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_STYLE = re.compile(rb'\ss="(\d+)"')
_TYPE = re.compile(rb'\st="([a-zA-Z]+)"')
_FORMULA = re.compile(rb"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.DOTALL)
_VALUE = re.compile(rb"<v>(.*?)</v>|<v/>", re.DOTALL)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class CellsUnsupported(Exception):
    """The sheet's cells are not laid out the way this module edits them."""


@dataclass
class Row:
    """One ``<row>``: its number, its attributes (bytes, ``r`` and ``spans`` included) and its cells by column."""

    number: int
    attributes: bytes
    cells: list[tuple[int, bytes]]


@dataclass(frozen=True)
class Area:
    """Rows `first_row` and below, columns `first_column`..`last_column`: what rewriting a table clears."""

    first_row: int
    first_column: int
    last_column: int

    def holds(self, row: int, column: int) -> bool:
        return row >= self.first_row and self.first_column <= column <= self.last_column


# ---- the <sheetData> element ---------------------------------------------------------------------------------


def sheet_data_span(part: bytes) -> tuple[int, int, int, int]:
    """(start, inner start, inner end, end) of the ``<sheetData>`` element; inner start == inner end when empty."""
    start = part.find(b"<sheetData")
    if start < 0:
        raise CellsUnsupported("no <sheetData>")
    opened = part.index(b">", start) + 1
    if part[opened - 2 : opened] == b"/>":
        return start, opened, opened, opened
    end = part.rfind(b"</sheetData>")
    if end < 0:
        raise CellsUnsupported("<sheetData> is not closed")
    return start, opened, end, end + len(b"</sheetData>")


def sheet_data(part: bytes) -> bytes:
    """The bytes inside ``<sheetData>``: the rows."""
    _start, inner, inner_end, _end = sheet_data_span(part)
    return part[inner:inner_end]


def with_sheet_data(part: bytes, inner: bytes, dimension: str | None = None) -> bytes:
    """`part` with its rows replaced by `inner` and, given, its ``<dimension ref>`` set."""
    start, _inner, _inner_end, end = sheet_data_span(part)
    head = part[:start]
    if dimension is not None:
        head = re.sub(rb"<dimension\b[^>]*/>", b'<dimension ref="%s"/>' % dimension.encode(), head, count=1)
    return b"".join((head, b"<sheetData>", inner, b"</sheetData>", part[end:]))


def dimension(part: bytes) -> tuple[int, int, int, int] | None:
    """The sheet's ``<dimension ref>`` as (min column, min row, max column, max row); None when absent or odd."""
    found = re.search(rb'<dimension\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', part[: part.find(b"<sheetData")])
    if found is None:
        return None
    first_column, first_row = column_index_from_string(found.group(1).decode()), int(found.group(2))
    if found.group(3) is None:
        return first_column, first_row, first_column, first_row
    return first_column, first_row, column_index_from_string(found.group(3).decode()), int(found.group(4))


# ---- rows and cells ------------------------------------------------------------------------------------------


def parse_rows(inner: bytes) -> list[Row]:
    """The rows of a ``<sheetData>``'s inner bytes, each cell with its column number."""
    rows = []
    for found in _ROW.finditer(inner):
        attributes = found.group(1)
        number = _ROW_NUMBER.search(attributes)
        if number is None:
            raise CellsUnsupported("a row without its number (r)")
        cells = []
        for cell in _CELL.finditer(found.group(3) or b""):
            reference = _REFERENCE.search(cell.group(1))
            if reference is None:
                raise CellsUnsupported("a cell without its reference (r)")
            cells.append((column_index_from_string(reference.group(1).decode()), cell.group(0)))
        rows.append(Row(int(number.group(1)), attributes, cells))
    return rows


def join_rows(rows: Iterable[Row]) -> bytes:
    """``<row>`` elements again; `spans` (a loading hint that may no longer be true) is left out."""
    out = []
    for row in rows:
        attributes = _SPANS.sub(b"", row.attributes)
        if row.cells:
            out.append(b"<row%s>%s</row>" % (attributes, b"".join(cell for _column, cell in row.cells)))
        else:
            out.append(b"<row%s/>" % attributes)
    return b"".join(out)


def without_area(rows: list[Row], areas: Iterable[Area]) -> list[Row]:
    """`rows` without the cells inside any of `areas`; a row left empty stays only if it carries formatting."""
    areas = list(areas)
    kept = []
    for row in rows:
        cells = [(column, cell) for column, cell in row.cells if not any(a.holds(row.number, column) for a in areas)]
        if cells or _formatted(row.attributes):
            kept.append(Row(row.number, row.attributes, cells))
    return kept


def _formatted(attributes: bytes) -> bool:
    """True when a row element says more than its number and spans (height, style, hidden, outline …)."""
    return bool(_SPANS.sub(b"", _ROW_NUMBER.sub(b"", attributes)).strip())


def merge(rows: list[Row], new_rows: list[Row]) -> list[Row]:
    """`rows` with `new_rows`' cells added by row and column; a new cell replaces an old one in the same place."""
    by_number = {row.number: Row(row.number, row.attributes, list(row.cells)) for row in rows}
    for new in new_rows:
        old = by_number.get(new.number)
        if old is None:
            by_number[new.number] = new
            continue
        columns = {column for column, _cell in new.cells}
        cells = [(column, cell) for column, cell in old.cells if column not in columns] + new.cells
        cells.sort(key=lambda item: item[0])
        by_number[new.number] = Row(new.number, old.attributes, cells)
    return [by_number[number] for number in sorted(by_number)]


def used_range(rows: list[Row]) -> str | None:
    """The A1 range the cells of `rows` span, for ``<dimension ref>``; None when there is no cell."""
    columns = [column for row in rows for column, _cell in row.cells]
    numbers = [row.number for row in rows if row.cells]
    if not columns:
        return None
    first = f"{get_column_letter(min(columns))}{min(numbers)}"
    last = f"{get_column_letter(max(columns))}{max(numbers)}"
    return first if first == last else f"{first}:{last}"


# ---- one cell's value --------------------------------------------------------------------------------------


def cell_xml(row: int, column: int, value: Any, style: bytes | None) -> bytes:
    """A ``<c>`` element holding `value` (bool, number, text or None) with the style index `style` kept."""
    reference = f"{get_column_letter(column)}{row}".encode()
    attributes = b' r="%s"' % reference + (b' s="%s"' % style if style else b"")
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return b"<c%s/>" % attributes
    if isinstance(value, bool):
        return b'<c%s t="b"><v>%d</v></c>' % (attributes, int(value))
    if isinstance(value, int | float):
        return b"<c%s><v>%s</v></c>" % (attributes, repr(value).encode())
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    body = f"<is><t{space}>{text.translate(_ESCAPES)}</t></is>".encode()
    return b'<c%s t="inlineStr">%s</c>' % (attributes, body)


def set_cells(part: bytes, values: Mapping[tuple[int, int], Any]) -> bytes:
    """`part` with the cells at (row, column) set to the given values; each keeps its style, nothing else moves."""
    if not values:
        return part
    rows = parse_rows(sheet_data(part))
    wanted: dict[int, dict[int, Any]] = {}
    for (row, column), value in values.items():
        wanted.setdefault(row, {})[column] = value
    by_number = {row.number: row for row in rows}
    for number, columns in wanted.items():
        row = by_number.get(number)
        if row is None:
            row = Row(number, b' r="%d"' % number, [])
            by_number[number] = row
        styles = {column: _style(cell) for column, cell in row.cells}
        new = [(column, cell_xml(number, column, value, styles.get(column))) for column, value in columns.items()]
        row.cells = merge([row], [Row(number, row.attributes, sorted(new))])[0].cells
    merged = [by_number[number] for number in sorted(by_number)]
    return with_sheet_data(part, join_rows(merged), used_range(merged))


def _style(cell: bytes) -> bytes | None:
    found = _STYLE.search(cell[: cell.find(b">")])
    return found.group(1) if found else None


# ---- what the reader needs to know ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreadable:
    """A cell whose value no reader can take: an error (``#N/A``), or a formula with no saved result."""

    formula: str | None  # the formula text without "=", when the cell has one
    error: str | None  # the error value Excel or LibreOffice saved (``#N/A``, ``#DIV/0!``); None: no saved result


def unreadable_cells(part: bytes) -> dict[tuple[int, int], Unreadable]:
    """The cells of a sheet whose saved value cannot be read, by (row, column).

    python-calamine (like most readers) gives such a cell as empty, so a flag computed by ``=NA()`` or a due date
    ``=C3+30`` saved without its result would silently read as blank. Two kinds are found: error values
    (``t="e"``), and formulas with no saved result — a workbook saved by openpyxl (or by arcollect before 0.2)
    keeps ``<f>C3+30</f><v></v>``, the formula without the value a spreadsheet computed. An empty text result
    (``t="str"`` with an empty ``<v>``) is a saved value, not a missing one.
    """
    _start, inner, inner_end, _end = sheet_data_span(part)
    found: dict[tuple[int, int], Unreadable] = {}
    for marker in (b"<f", b't="e"'):
        position = part.find(marker, inner, inner_end)
        while position >= 0:
            cell_start = part.rfind(b"<c ", inner, position)
            cell_end = part.find(b"</c>", position, inner_end)
            if cell_start < 0 or cell_end < 0:
                break
            cell = part[cell_start:cell_end]
            head = cell[: cell.find(b">")]
            reference = _REFERENCE.search(head)
            if reference is not None:
                kind = _TYPE.search(head)
                formula = _FORMULA.search(cell)
                value = _VALUE.search(cell)
                saved = (value.group(1) or b"") if value is not None else None
                text = (formula.group(2) or b"").decode("utf-8", "replace") if formula is not None else None
                key = (int(reference.group(2)), column_index_from_string(reference.group(1).decode()))
                if kind is not None and kind.group(1) == b"e":
                    found[key] = Unreadable(text, _unescape((saved or b"").decode("utf-8", "replace")) or "#N/A")
                elif formula is not None and b"<is>" not in cell:
                    text_result = kind is not None and kind.group(1) in (b"str", b"inlineStr")
                    if not (saved or b"").strip() and not (text_result and saved is not None):
                        found[key] = Unreadable(_unescape(text or ""), None)
            position = part.find(marker, cell_end, inner_end)
    return found


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def last_row_with_data(part: bytes, first_column: int, last_column: int, after: int) -> int | None:
    """The last row below `after` with a non-empty cell in the columns `first_column`..`last_column`, or None.

    Looks backwards for the last saved value, text or formula (a byte search, not a walk over rows: a sheet may
    carry a million formatted but empty rows) and stops at `after`, so a table whose ``ref`` is up to date costs
    one look at its last row.
    """
    _start, inner, inner_end, _end = sheet_data_span(part)
    end = inner_end
    while True:
        position = max(
            part.rfind(b"</v>", inner, end), part.rfind(b"</is>", inner, end), part.rfind(b"</f>", inner, end)
        )
        if position < 0:
            return None
        cell_start = part.rfind(b"<c ", inner, position)
        if cell_start < 0:
            return None
        reference = _REFERENCE.search(part, cell_start, part.find(b">", cell_start))
        if reference is None:
            return None
        row = int(reference.group(2))
        if row <= after:
            return None
        if first_column <= column_index_from_string(reference.group(1).decode()) <= last_column:
            body = part[cell_start : part.find(b"</c>", cell_start)]
            value = _VALUE.search(body)
            if b"<is>" in body or b"<f" in body or (value is not None and (value.group(1) or b"").strip()):
                return row
        end = cell_start
