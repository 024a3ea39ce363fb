"""Write tables back into a workbook: replace their rows, keep everything else, save atomically.

    >>> from arcollect.book.write import write_tables
    >>> result = write_tables("arcollect.xlsx", {"Aging": aged, "Exceptions": exceptions})
    >>> result.side_file, result.path_written
    (False, PosixPath('arcollect.xlsx'))

Each named table (input or output, by `schema` name) gets its sheet's data region rewritten: the header row from
the schema, then the DataFrame's rows, number formats per `Kind`, and the Excel Table resized to fit (a table or
sheet that is missing is created the way `arcollect.book.template` builds it). Everything below the header in
the table's columns is cleared first, so rows left over from a longer previous run disappear. Every other sheet,
cell, formula, style, defined name and data validation is kept as openpyxl loaded it (openpyxl does not keep
charts or images of a workbook it rewrites).

DataFrame columns are schema keys, in any order; schema columns the frame lacks are written empty and columns
the schema does not know are ignored — except for AgingSummary, whose bucket columns follow the frame: its known
keys get their headers, other column names (the buckets and Total, amounts in the base currency) are written with
that currency when the frame names it ("Current (EUR)"). A named index that is a schema key of the
table (``aging.summary`` indexes by customer) becomes a column.

Text is never evaluated by Excel: a value starting with ``= + - @``, a tab or a carriage return is stored as a
string cell with the quote prefix (what Excel does when you type ``'=1+1``), so a customer called
``=HYPERLINK(...)`` stays a name and not a formula. The one formula written is a column of kind LINK (the
Exceptions sheet's "Go to"): a cell reference such as ``Invoices!D12``, checked against a strict pattern, becomes
``=HYPERLINK("#'Invoices'!D12","Invoices!D12")`` with its text as the cached value; anything else stays text.

Output sheets are laid out to be read: header cells wrap, each column is at least as wide as the longest word of
its header, and a header saying "(base)" names the base currency when the frame says which (``frame.attrs
["base_currency"]``: "Open (base)" is written "Open (EUR)").

Large workbooks are not round-tripped cell by cell: the cell data of the schema's sheets is set aside before
openpyxl loads the rest (`arcollect.book.parts`), the input sheets' cells are copied back byte for byte, and the
output tables' rows are written as sheet XML — the same values, styles and number formats openpyxl would write.
A 100,000-invoice refresh saves in seconds instead of minutes. Whatever that path cannot vouch for (a sheet with
the user's cells beside an output table, an unusual package) goes the plain openpyxl way.

The save is atomic: a temporary file in the same folder, then `os.replace`. When Excel has the workbook open
(an owner file ``~$…`` lies beside it) the workbook is not touched: the results go to ``<stem>.results.xlsx``
(or `out`) and `WriteResult` says so.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from arcollect import schema
from arcollect.book import cells, empty_sheets, guard, parts, template
from arcollect.book.cell_updates import CellUpdate, key_text, locate, sheet_named
from arcollect.book.files import atomic_file, owner_file
from arcollect.errors import InputError
from arcollect.schema import Kind, Table

logger = logging.getLogger(__name__)
_LINK_FONT = template.font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True)  # bottom-aligned like the cells beside it: their text lines up with its last line

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_OPEN_ENDED = {schema.AGING_SUMMARY.name}
_CELL_REFERENCE = re.compile(r"^([A-Za-z][A-Za-z0-9 _]{0,30})!([A-Z]{1,3}[1-9][0-9]{0,6})$")
BASE_LABEL = "(base)"


@dataclass(frozen=True)
class Link:
    """A link to a cell of this workbook (`Kind.LINK`): ``=HYPERLINK("#'Sheet'!D12", "Sheet!D12")``."""

    sheet: str
    cell: str

    @classmethod
    def of(cls, reference: Any) -> Link | str | None:
        """A `Link` for text like ``Invoices!D12``; other text stays text, blanks are None."""
        if reference is None or (isinstance(reference, float) and math.isnan(reference)) or reference is pd.NA:
            return None
        match = _CELL_REFERENCE.match(str(reference))
        return cls(match[1], match[2]) if match else str(reference)

    @property
    def text(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def formula(self) -> str:
        return f'=HYPERLINK("#\'{self.sheet}\'!{self.cell}","{self.text}")'


@dataclass(frozen=True)
class WriteResult:
    """Where the tables went: `side_file` is True when the workbook itself was left alone."""

    path_written: Path
    side_file: bool
    message: str


def write_tables(
    path: str | Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    out: str | Path | None = None,
    updates: Sequence[CellUpdate] = (),
    also: Callable[[Workbook], Any] | None = None,
    names: Mapping[str, str] | None = None,
) -> WriteResult:
    """Replace the rows of each named table in the workbook at `path`, apply the cell `updates`, and save.

    Saves into `path` itself unless `out` is given or Excel or LibreOffice holds the workbook open; then the whole
    workbook with the new rows goes to `out` (default ``<stem>.results.xlsx`` beside it) and `path` is left byte
    for byte as it was. Unknown table names raise `InputError`; nothing is written then. A workbook whose package
    cannot be kept part for part (`parts.Unsupported`) is not rewritten either: the results go to the side file,
    and the message says why.
    """
    path = Path(path)
    unknown = [name for name in tables if name not in schema.TABLES]
    if unknown:
        raise InputError(f"no table named {', '.join(unknown)} — known tables: {', '.join(schema.TABLES)}")
    owner = owner_file(path)
    side = path.with_name(f"{path.stem}.results{path.suffix or '.xlsx'}")
    target = Path(out) if out is not None else side if owner is not None else path
    guard.check(path)  # before any zip or XML reader sees the user's file
    try:
        _write_by_parts(path, target, tables, updates, also, names or {})
        reason = None
    except parts.Unsupported as error:
        reason = str(error)
        if target == path:
            target = side
        logger.warning("%s cannot be rewritten part for part (%s): results go to %s", path.name, reason, target.name)
        book = load_workbook(path)
        for name, frame in tables.items():
            write_table(book, schema.TABLES[name], frame)
        for update in updates:
            update_cells(book, update)
        if also is not None:  # e.g. the Dashboard: built in the same load and save, not a second round trip
            also(book)
        set_names(book, names or {})
        save_atomic(book, target)
    if owner is not None:
        program = "Excel" if owner.name.startswith("~$") else "LibreOffice"
        message = f"{path.name} is open in {program}, so it was not changed; the results are in {target.name}"
    elif reason is not None and out is None:
        message = (
            f"{path.name} was not changed: arcollect cannot rewrite it without losing part of it ({reason}); "
            f"the results are in {target.name} — open and save the workbook in Excel once, then run again"
        )
    elif target != path:
        message = f"results written to {target.name}; {path.name} was not changed"
    else:
        message = f"{', '.join(tables) or 'the workbook'} written to {path.name}"
    logger.info(message)
    return WriteResult(path_written=target, side_file=target != path, message=message)


def update_cells(book: Workbook, update: CellUpdate) -> int:
    """Apply one `CellUpdate` in place; returns how many cells changed. The sheet, columns and rows are found by
    `cell_updates.locate`, as `book.live` finds them in Excel and the reader reads the headers."""
    title = sheet_named(book.sheetnames, schema.TABLES[update.table].sheet)
    if title is None:
        return 0
    sheet = book[title]
    target = locate(update, [cell.value for cell in sheet[1]])
    if target is None:
        return 0
    changed = 0
    for row in range(2, sheet.max_row + 1):
        found, value = target.value_for(sheet.cell(row=row, column=target.key + 1).value)
        if found:
            set_cell(sheet.cell(row=row, column=target.column + 1), value)
            changed += 1
    return changed


def save_atomic(book: Workbook, target: Path) -> None:
    """Save to a temporary file beside `target`, then move it over `target` in one step (`files.atomic_file`)."""
    with atomic_file(Path(target)) as handle:
        book.save(handle)


def load_workbook(path: Path) -> Workbook:
    """The workbook at `path` with everything openpyxl can keep (links, and VBA for .xlsm); `InputError` if unusable."""
    if not path.is_file():
        raise InputError(f"{path.name}: file not found ({path})")
    guard.check(path)
    try:
        return openpyxl.load_workbook(path, keep_links=True, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a file it cannot open
        raise InputError(f"{path.name} is not an Excel workbook (.xlsx) or cannot be opened: {exc}") from exc


def _write_by_parts(
    path: Path,
    target: Path,
    tables: Mapping[str, pd.DataFrame],
    updates: Sequence[CellUpdate],
    also: Callable[[Workbook], Any] | None,
    names: Mapping[str, str],
) -> None:
    """`write_tables` keeping every part of the workbook that arcollect does not own: see `arcollect.book.parts`.

    Raises `parts.Unsupported` before anything is written when the workbook is not one this path can vouch for.
    """
    package = parts.Package(path)
    try:
        book = _load(package.skeleton(), path)
        loaded = {title: (book[title], _fingerprint(book[title])) for title in book.sheetnames}
        plan = parts.Plan(widen={table.name for table in schema.INPUT_TABLES} - set(tables), names=dict(names))
        tables = _with_updates(tables, updates)
        updates = [update for update in updates if update.table not in tables]
        for name, frame in tables.items():
            table = schema.TABLES[name]
            existed = table.sheet in package.sheets
            written = write_table(book, table, frame, as_xml=True)
            if written is None:  # pragma: no cover - as_xml always returns rows
                continue
            area = cells.Area(written.first_row, written.first_column, written.clear_to_column)
            if existed and not table.output:
                plan.rewritten[table.sheet] = parts.Rewritten([area], written.rows, [table.name], written.dimension)
            else:
                plan.owned[table.sheet] = parts.Owned([area] if existed else None, written.rows, written.dimension)
        for update in updates:
            sheet = sheet_named(package.sheets, schema.TABLES[update.table].sheet)
            if sheet is not None:
                plan.updates.setdefault(sheet, {}).update(_update_positions(path, update))
        if also is not None:
            also(book)
        for title in book.sheetnames:
            sheet = book[title]
            before = loaded.get(title)
            if (before is None or before[0] is not sheet) and title not in plan.owned:
                plan.owned[title] = parts.Owned(None)  # new, or replaced as a whole (the Dashboard)
            elif title not in plan.owned and title not in plan.rewritten and _fingerprint(sheet) != before[1]:
                raise parts.Unsupported(f"{title} was changed outside its table")
        staged = io.BytesIO()
        book.save(staged)
        with atomic_file(target) as handle:
            parts.assemble(package, staged.getvalue(), plan, handle)
    finally:
        package.close()


def set_names(book: Workbook, names: Mapping[str, str]) -> None:
    """Workbook-level hidden defined names, name → formula text (``'"text"'``, ``'42'``), set or replaced."""
    from openpyxl.workbook.defined_name import DefinedName

    for name, value in names.items():
        if name in book.defined_names:
            del book.defined_names[name]
        book.defined_names[name] = DefinedName(name, attr_text=value, hidden=True)


def _with_updates(tables: Mapping[str, pd.DataFrame], updates: Sequence[CellUpdate]) -> dict[str, pd.DataFrame]:
    """`tables` with the cell updates aimed at a table written in the same save applied to its rows first."""
    tables = dict(tables)
    for update in updates:
        if update.table not in tables:
            continue
        frame = with_index_column(schema.TABLES[update.table], tables[update.table]).copy()
        if update.key not in frame.columns:
            continue
        keys = frame[update.key].map(key_text)
        wanted = {key_text(key): value for key, value in update.values.items() if key_text(key)}
        hits = keys.isin(list(wanted))
        if hits.any():
            if update.column not in frame.columns:
                frame[update.column] = None
            frame[update.column] = frame[update.column].astype(object)
            frame.loc[hits, update.column] = keys[hits].map(wanted)
        tables[update.table] = frame
    return tables


def _fingerprint(sheet: Any) -> tuple[int, ...]:
    """What `also` could change in a sheet (a chart sheet has only charts)."""
    return tuple(len(getattr(sheet, name, ())) for name in ("_cells", "_charts", "_images", "tables"))


def _update_positions(path: Path, update: CellUpdate) -> dict[tuple[int, int], Any]:
    """The (row, column) of each cell `update` sets in the file at `path`, found as `update_cells` finds them."""
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        title = sheet_named(book.sheet_names, schema.TABLES[update.table].sheet)
        if title is None:
            return {}
        rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    target = locate(update, rows[0]) if rows else None
    if target is None:
        return {}
    found = {}
    for number, row in enumerate(rows[1:], start=2):
        hit, value = target.value_for(row[target.key] if target.key < len(row) else None)
        if hit:
            found[(number, target.column + 1)] = _python_value(value, Kind.TEXT)
    return found


def _load(stream: Any, path: Path) -> Workbook:
    try:
        return openpyxl.load_workbook(stream, keep_links=True, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:  # the workbook cannot be loaded even without its cells: not one to rewrite
        raise parts.Unsupported(str(exc)) from exc


# ---- one table ---------------------------------------------------------------------------------------------


class XmlRows(NamedTuple):
    """A table's data rows as ``<row>`` XML (`write_table` with `as_xml`) and the area its old cells occupied."""

    dimension: str
    rows: list[bytes]
    first_row: int  # the header row
    first_column: int
    clear_to_column: int  # the old cells of these columns, from the header row down, are replaced


def write_table(book: Workbook, table: Table, frame: pd.DataFrame, *, as_xml: bool = False) -> XmlRows | None:
    """Replace `table`'s header and rows on its sheet in `book` (in memory) with `frame`.

    With `as_xml` the data rows are not made openpyxl cells but returned as ``<row>`` XML with the sheet's new
    dimension, for `parts.assemble`; the header, the Excel Table and the formats are set on `book` either way.
    """
    frame = with_index_column(table, frame)
    keys, headers = layout(table, frame)
    sheet = book[table.sheet] if table.sheet in book.sheetnames else _new_sheet(book, table)
    excel_table = _find_table(sheet, table.name)
    if excel_table is not None:
        first_column, first_row, old_last_column, old_last_row = range_boundaries(excel_table.ref)
    else:
        first_column, first_row, old_last_column, old_last_row = 1, 1, len(headers), 1
    last_column = first_column + len(headers) - 1
    clear_to_column = max(old_last_column, last_column)
    _clear(sheet, first_row, first_column, clear_to_column, max(old_last_row, sheet.max_row))

    for offset, header in enumerate(headers):
        set_cell(sheet.cell(row=first_row, column=first_column + offset), header)
    template.style_header(sheet, len(headers), first_row, first_column)
    if not table.output:  # an input table keeps its widths; its header row keeps room for its wrapped headers
        widths = [sheet.column_dimensions[get_column_letter(first_column + offset)].width or 8.43 for offset in
                  range(len(headers))]  # fmt: skip
        lines = max(template.header_lines(header, width) for header, width in zip(headers, widths, strict=True))
        sheet.row_dimensions[first_row].height = template.HEADER_TWO_LINES * lines / 2 if lines > 1 else None
    if table.output:  # sized to headers and values on every write, so older workbooks read as well as new ones
        content = {
            key: _content_width(frame[key], kind)
            for key, kind in zip(keys, template.column_kinds(table, keys), strict=True)
            if key in frame.columns
        }
        template.apply_column_formats(sheet, table, keys, first_column, headers=headers, content=content)
        template.set_print_layout(sheet, template.table_width(sheet, len(headers), first_column), title_row=first_row)

    kinds = template.column_kinds(table, keys)
    known = set(table.keys)
    sentence = empty_sheets.note(table) if len(frame) == 0 else ""  # an empty output table says why
    if sentence and not as_xml:
        empty_sheets.write_note(sheet.cell(row=first_row + 1, column=first_column), sentence)
    xml_columns: list[list[str]] = []
    for offset, (key, kind) in enumerate(zip(keys, kinds, strict=True)):
        column = first_column + offset
        number_format = template.NUMBER_FORMATS.get(kind)
        wrap = key in known and table.column(key).wrap  # long text: the whole reason shows, the row grows
        if as_xml:
            letter = get_column_letter(column)
            series = frame[key] if key in frame.columns else None
            fast = None if wrap else _xml_fast_column(sheet, letter, first_row + 1, series, kind, number_format)
            if fast is None:
                values = cell_values(series, kind) if series is not None else [None] * len(frame)
                fast = _xml_cells(sheet, letter, first_row + 1, values, number_format, wrap=wrap)
            xml_columns.append(fast)
            continue
        values = cell_values(frame[key], kind) if key in frame.columns else [None] * len(frame)
        for row, value in enumerate(values, start=first_row + 1):
            cell = sheet.cell(row=row, column=column)
            set_cell(cell, value)
            if number_format is not None:
                cell.number_format = number_format
            if wrap:
                cell.alignment = _WRAP

    heights = _wrapped_heights(sheet, table, keys, frame, first_column)
    if heights is not None and not as_xml:
        for offset in np.flatnonzero(heights).tolist():
            sheet.row_dimensions[first_row + 1 + offset].height = float(heights[offset])
    last_row = first_row + max(len(frame), 1)
    ref = f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{last_row}"
    layout_changed = _resize_table(sheet, excel_table, table.name, ref, headers)
    if layout_changed and table.name in _OPEN_ENDED:
        sheet.conditional_formatting = type(sheet.conditional_formatting)()
        template.apply_conditional_formats(sheet, table, headers, first_column)
        template.apply_column_formats(sheet, table, keys, first_column)
    logger.debug("%s: %d row(s) written, table %s", table.name, len(frame), ref)
    if not as_xml:
        return None
    tall = heights.tolist() if heights is not None else [0] * len(frame)
    rows = [
        (f'<row r="{row}" ht="{height}" customHeight="1">' if height else f'<row r="{row}">').encode()
        + "".join(cells).encode()
        + b"</row>"
        for row, cells, height in zip(
            itertools.count(first_row + 1), zip(*xml_columns, strict=True), tall, strict=False
        )
    ] or ([empty_sheets.note_row(sheet, first_row + 1, first_column, sentence)] if sentence else [])
    dimension = f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{first_row + len(rows)}"
    return XmlRows(dimension, rows, first_row, first_column, clear_to_column)


_LINE_POINTS = 15  # the height of one line of the default 11-point font
# Words do not fill a line to its last character, but letters are narrower than the digit a column's width is
# counted in: together about one character of text per character of width. A text no longer than its column's
# width stays on one line (rows twice as tall as their text made every sheet look double-spaced).
_WORD_WRAP_SLACK = 1.0


def _wrapped_heights(
    sheet: Worksheet, table: Table, keys: Sequence[str], frame: pd.DataFrame, first_column: int
) -> np.ndarray | None:
    """Per data row, the height (points) its longest wrapped text needs, 0 where one line is enough; None when the
    table has no wrapping column. Row heights are set explicitly: neither Excel nor LibreOffice fits rows to
    wrapped text when a workbook opens, so without them the second line would be drawn over the next row."""
    known = set(table.keys)
    wrapping = [(offset, key) for offset, key in enumerate(keys) if key in known and table.column(key).wrap]
    if not wrapping or frame.empty:
        return None
    lines = np.ones(len(frame), dtype="int64")
    for offset, key in wrapping:
        if key not in frame.columns:
            continue
        width = sheet.column_dimensions[get_column_letter(first_column + offset)].width or 14
        length = frame[key].astype("string").str.len().fillna(0).to_numpy(dtype="float64")
        wrapped = np.ceil(length * _WORD_WRAP_SLACK / max(width - 1, 1)).astype("int64")
        lines = np.maximum(lines, np.where(length <= width, 1, wrapped))
    return np.where(lines > 1, lines * _LINE_POINTS, 0)


_SAMPLE_ROWS = 2_000
_DATE_WIDTH = {Kind.DATE: 10, Kind.DATETIME: 16}


def _content_width(series: pd.Series, kind: Kind) -> int:
    """About how many characters the widest of the first rows of `series` shows (numbers as formatted)."""
    sample = series.head(_SAMPLE_ROWS)
    if sample.empty:
        return 0
    if kind in _DATE_WIDTH:
        if sample.dtype != object:
            return _DATE_WIDTH[kind]
        words = [len(value) for value in sample.tolist() if isinstance(value, str)]  # "no payment history"
        return max([_DATE_WIDTH[kind], *words])
    if pd.api.types.is_bool_dtype(sample.dtype):
        return 5
    if pd.api.types.is_numeric_dtype(sample.dtype):
        largest = pd.to_numeric(sample, errors="coerce").abs().max()
        if pd.isna(largest):
            return 0
        decimals = 2 if kind is Kind.MONEY else 0
        return len(f"{largest:,.{decimals}f}") + 1
    text = sample.dropna().map(lambda value: "; ".join(map(str, value)) if isinstance(value, tuple) else str(value))
    return int(text.str.len().max()) if len(text) else 0


def with_index_column(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its index as a column when the index is one of the table's keys (AgingSummary's customer)."""
    if frame.index.name in table.keys and frame.index.name not in frame.columns:
        return frame.reset_index()
    return frame


def layout(table: Table, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Column keys and headers in sheet order; "(base)" in a header names the frame's base currency, if given."""
    base = frame.attrs.get("base_currency")
    if table.name not in _OPEN_ENDED:
        keys, headers = table.keys, table.headers
    else:  # the bucket and Total columns are amounts in the base currency: their headers say which
        known = set(table.keys)
        extra = [column for column in frame.columns if column not in known]
        keys = [*table.keys, *extra]
        headers = [*table.headers, *(template.in_currency(str(column), base) for column in extra)]
    if base:
        headers = [header.replace(BASE_LABEL, f"({base})") for header in headers]
    return keys, headers


def _new_sheet(book: Workbook, table: Table) -> Worksheet:
    sheet = book.create_sheet(table.sheet)
    sheet.freeze_panes = "A2"
    template.apply_column_formats(sheet, table, table.keys)
    template.apply_conditional_formats(sheet, table, table.headers)
    logger.info("sheet %s was missing and has been added", table.sheet)
    return sheet


def _find_table(sheet: Worksheet, name: str) -> ExcelTable | None:
    for excel_table in sheet.tables.values():
        if excel_table.displayName.casefold() == name.casefold():
            return excel_table
    return None


def _clear(sheet: Worksheet, first_row: int, first_column: int, last_column: int, last_row: int) -> None:
    """Remove the cells (values and styles) of the old table area, header included."""
    # Worksheet._cells is openpyxl's cell store; popping keeps cells outside the area and is fast for 100k rows.
    cells = sheet._cells
    for row in range(first_row, last_row + 1):
        for column in range(first_column, last_column + 1):
            cells.pop((row, column), None)
    for row in [row for row in sheet.row_dimensions if first_row < row <= last_row]:
        sheet.row_dimensions[row].height = None  # a wrapped row of the last run does not keep its height


def _resize_table(
    sheet: Worksheet, excel_table: ExcelTable | None, name: str, ref: str, headers: Sequence[str]
) -> bool:
    """Point the Excel Table at `ref`; True when the columns changed (or the table is new)."""
    if excel_table is None:
        excel_table = template.add_table(sheet, name, ref)
        excel_table.tableColumns = _table_columns(headers)
        return True
    excel_table.ref = ref
    if excel_table.autoFilter is not None:
        excel_table.autoFilter.ref = ref
    else:
        excel_table.autoFilter = AutoFilter(ref=ref)
    names = [column.name for column in excel_table.tableColumns]
    if names != list(headers):
        excel_table.tableColumns = _table_columns(headers)
        return True
    return False


def _table_columns(headers: Sequence[str]) -> list[TableColumn]:
    """The Table's columns named as the header cells (openpyxl would read every cell of the table to find them)."""
    return [TableColumn(id=number, name=str(header)) for number, header in enumerate(headers, start=1)]


# ---- values ------------------------------------------------------------------------------------------------


def set_cell(cell: Any, value: Any) -> None:
    """Store `value`; text that Excel could take for a formula is stored as a quote-prefixed string."""
    if isinstance(value, Link):
        cell.value = value.formula
        cell.font = _LINK_FONT
        return
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
            return
    cell.value = value


def cell_values(series: pd.Series, kind: Kind) -> list[Any]:
    """One column as Python values openpyxl writes: dates, datetimes, numbers, bools, text; None when missing."""
    if kind is Kind.LINK:
        return [Link.of(value) for value in series.tolist()]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None) if series.dt.tz is not None else series
        if kind is Kind.DATE:
            return [None if pd.isna(v) else v.date() for v in stamps]
        return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]
    if pd.api.types.is_float_dtype(series.dtype) and not pd.api.types.is_extension_array_dtype(series.dtype):
        array = series.to_numpy(dtype="float64")
        return [None if np.isnan(v) else v for v in array.tolist()]
    if pd.api.types.is_integer_dtype(series.dtype):  # int64 or Int64: Python ints, None for <NA>
        return series.astype(object).where(series.notna(), None).tolist()
    array = series.to_numpy(dtype=object)
    blank = pd.isna(array)
    if set(map(type, array[~blank])) == {str}:  # plain text and blanks: what `_python_value` gives, column-wise
        blank[~blank] = array[~blank] == ""
        return np.where(blank, None, array).tolist()
    return [_python_value(value, kind) for value in series.tolist()]


def _python_value(value: Any, kind: Kind) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, tuple | list | set | frozenset):
        return "; ".join(str(item) for item in value) or None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return stamp.date() if kind is Kind.DATE else stamp.to_pydatetime()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else _python_value(pd.Timestamp(value), kind)
    if isinstance(value, dt.date | dt.time | bool | int | Decimal):
        return value
    if isinstance(value, np.generic):
        return _python_value(value.item(), kind)
    if isinstance(value, float):
        return None if np.isnan(value) else value
    return str(value)


# ---- values as sheet XML -------------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_DEFAULT_DATE_FORMATS = {dt.datetime: "yyyy-mm-dd h:mm:ss", dt.date: "yyyy-mm-dd", dt.time: "h:mm:ss"}


def _style_id(
    sheet: Worksheet, number_format: str | None, *, quote: bool = False, link: bool = False, wrap: bool = False
) -> int:
    """The cell-format index openpyxl gives a cell with this number format (and quote prefix) in this workbook."""
    cell = Cell(sheet)
    if number_format is not None:
        cell.number_format = number_format
    if quote:
        cell.quotePrefix = True
    if link:
        cell.font = _LINK_FONT
    if wrap:
        cell.alignment = _WRAP
    return cell.style_id


def _xml_fast_column(
    sheet: Worksheet, letter: str, first_row: int, series: pd.Series | None, kind: Kind, number_format: str | None
) -> list[str] | None:
    """A float or date column's cells without a Python object per value (None: let `_xml_cells` do it).

    Dates become their Excel serial day number, as openpyxl's `to_excel` computes it (including the 1900 leap-year
    shift before 1900-03-01); missing values get the styled empty cell that `set_cell` leaves.
    """
    if series is None or number_format is None:
        return None
    style = _style_id(sheet, number_format)
    if pd.api.types.is_float_dtype(series.dtype) and not pd.api.types.is_extension_array_dtype(series.dtype):
        values = series.to_numpy(dtype="float64")
        missing = ~np.isfinite(values)
        numbers = values.tolist()  # floats: repr below, the shortest text that reads back the same
    elif pd.api.types.is_datetime64_any_dtype(series.dtype) and kind is Kind.DATE:
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None) if series.dt.tz is not None else series
        days = stamps.to_numpy().astype("datetime64[D]")
        missing = np.isnat(days)
        serial = (days - np.datetime64("1899-12-30", "D")).astype("int64")
        numbers = np.where((serial > 0) & (serial <= 60), serial - 1, serial).tolist()
    else:
        return None
    cells = [
        f'<c r="{letter}{row}" s="{style}"><v>{number!r}</v></c>' for row, number in enumerate(numbers, start=first_row)
    ]
    for position in np.flatnonzero(missing).tolist():
        cells[position] = f'<c r="{letter}{first_row + position}" s="{style}"/>'
    return cells


def _xml_cells(
    sheet: Worksheet,
    letter: str,
    first_row: int,
    values: list[Any],
    number_format: str | None,
    *,
    wrap: bool = False,
) -> list[str]:
    """One column's cells as ``<c>`` XML, as `set_cell` plus the column's number format would store them.

    A cell's XML is its reference plus a body that depends on the value alone, so each distinct value's body is
    made once (a column of 100,000 customer ids holds about a thousand) and the rows only join reference and body.
    """
    plain = _style_id(sheet, number_format, wrap=wrap) if number_format is not None or wrap else 0
    style = f' s="{plain}"' if plain else ""
    codes, distinct = _distinct(values)
    quoted: list[str] = []  # the quote-prefixed style, looked up once if a text needs it
    linked: list[str] = []  # the link style, likewise

    def body(value: Any) -> str:
        """What follows ``<c r="A2"`` for `value`; "" when the cell is left out altogether."""
        kind = type(value)
        if kind is float:
            return f"{style}><v>{value!r}</v></c>" if math.isfinite(value) else ""
        if kind is str:
            text = ILLEGAL_CHARACTERS_RE.sub("", value)[: schema.MAX_TEXT]
            if not text:
                return f"{style}/>" if plain else ""
            attribute = style
            if text.startswith(FORMULA_STARTS):
                if not quoted:
                    quoted.append(f' s="{_style_id(sheet, number_format, quote=True, wrap=wrap)}"')
                attribute = quoted[0]
            space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
            return f'{attribute} t="inlineStr"><is><t{space}>{text.translate(_ESCAPES)}</t></is></c>'
        if value is None:
            return f"{style}/>" if plain else ""
        if kind is Link:
            if not linked:
                linked.append(f' s="{_style_id(sheet, number_format, link=True)}"')
            formula = value.formula[1:].translate(_ESCAPES)
            return f'{linked[0]} t="str"><f>{formula}</f><v>{value.text.translate(_ESCAPES)}</v></c>'
        if kind is bool or isinstance(value, bool | np.bool_):
            return f'{style} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | Decimal):
            return f"{style}><v>{value}</v></c>"
        if isinstance(value, dt.date | dt.time):
            if number_format is None:
                date_kind = next(kind for kind in _DEFAULT_DATE_FORMATS if isinstance(value, kind))
                attribute = f' s="{_style_id(sheet, _DEFAULT_DATE_FORMATS[date_kind])}"'
            else:
                attribute = style
            return f"{attribute}><v>{to_excel(value)}</v></c>"
        return f'{style} t="inlineStr"><is><t>{str(value).translate(_ESCAPES)}</t></is></c>'

    bodies = [body(value) for value in distinct]
    return [
        f'<c r="{letter}{row}"{bodies[code]}' if bodies[code] else ""
        for row, code in enumerate(codes.tolist(), start=first_row)
    ]


def _distinct(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes into a list of distinct values such that ``distinct[codes[i]]`` is ``values[i]``.

    Only a column whose values are all of one type — str, int or bool — besides None is folded, where equal means
    the same cell: across types ``1 == 1.0 == True`` would merge values that are written differently.
    """
    types = set(map(type, values)) - {type(None)}
    if len(types) > 1 or not types <= {str, int, bool}:
        return np.arange(len(values)), values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    codes, uniques = pd.factorize(array, use_na_sentinel=True)  # None is the only blank value here
    return np.where(codes < 0, len(uniques), codes), [*uniques.tolist(), None]
