"""Read and write the tables of a workbook that is open in Excel, through xlwings — one block per table.

    >>> import xlwings as xw
    >>> from arcollect.book import live
    >>> book = xw.Book.caller()                          # the workbook whose ribbon button was clicked
    >>> tables, problems = live.read(book)               # the same tables and problems as book.read.read(path)
    >>> live.write_tables(book, {"Aging": aged})         # the same rows and formats as book.write.write_tables

This is `arcollect.book.read` and `arcollect.book.write` for a live book. Every Excel Table (ListObject) is read
with one call (its whole range, header included) and written with one call (header and rows as one 2-D list), plus
one call per date/money column for its number format and one to resize the Table: a call into Excel costs about as
much as a thousand cells, so per-cell calls would make a 50,000-row refresh take minutes. The raw rows go through
`read.read_rows`, so a live book and the same book saved to disk give identical DataFrames and problems; the rows
written come from the same conversion as `write.py`.

What differs from the file reader, and why:

- Only the Excel Table is read (the file reader reads the whole sheet from A1). A sheet that has no Table of the
  schema name is read from its used range, so both readers agree on a sheet without one. The DataFrame index is
  still the Excel row number, wherever the Table starts.
- Cells holding an Excel error (``#N/A``) are read as their text: xlwings would otherwise hand over the COM error
  code (a negative integer), which reads as a plausible amount or date serial. The row is kept or left out as the
  file reader does (which sees such a cell as empty), and the problem names the error ("#N/A: not an amount").
- Text that Excel would take for a formula (``= + - @``, tab, CR) is written with a leading apostrophe, which is
  how Excel, through COM, is told "this is text" (the cell shows the text, the apostrophe is its prefix character).
  So is text Excel would silently turn into a number, date or TRUE/FALSE ("00123", "2026-03-31", "TRUE"), which
  would otherwise lose its leading zeros or change type.
- Nothing is saved: the workbook stays open in Excel with the new rows, and the user saves it. The ledger and the
  outbox, which must survive, live beside the workbook's file (`location`).

`write_dashboard` draws the Dashboard in the open book: the cells of `book.dashboard.draft` (the file's layout)
and native Excel charts over its data block, replacing the charts already on the sheet.

The module uses only the xlwings object model (`book.sheets`, `sheet.tables`, `Range.value`, `Range.options`,
`Range.number_format`, `Table.resize`; for the Dashboard `sheet.charts`, `Chart.set_source_data`,
`Chart.chart_type`, `Chart.name`, `Chart.delete`, `Range.column_width`, `Range.row_height`, `Range.left`/`top`,
`Range.unmerge`, as in xlwings 0.33) and never imports xlwings itself, so it runs wherever a book-like object
does — in Excel on Windows/macOS, and in the tests against a stand-in backed by a real .xlsx.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import column_index_from_string

from arcollect import schema
from arcollect.book import cell_updates, dashboard, empty_sheets, template
from arcollect.book import read as file_read
from arcollect.book import write as file_write
from arcollect.errors import ArcollectError, InputError
from arcollect.problems import Problem
from arcollect.schema import Kind, Table

logger = logging.getLogger(__name__)

QUOTE = "'"
"""Excel's text prefix: a value written as ``'=1+1`` is stored as the text ``=1+1``."""
_EXCEL_WOULD_CONVERT = re.compile(
    r"^\s*[-+(]?[\d.,\s/:'%$€£¥-]*\d[\d.,\s/:'%)$€£¥-]*$|^\s*(true|false)\s*$", re.IGNORECASE
)


def location(book: Any) -> Path:
    """The workbook's file on disk; its ledger, outbox, preview and log live beside it.

    A workbook that has never been saved has no folder, so arcollect refuses to run rather than put the ledger —
    the record of what was sent — somewhere the user would not find it again.
    """
    path = Path(str(book.fullname))
    if not path.is_file():
        raise ArcollectError(
            f"Save {book.name} to a folder first: arcollect keeps its ledger and outbox beside the workbook."
        )
    return path.resolve()


def read(book: Any) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every input table of the open workbook as a typed DataFrame, and the problems found (as `read.read`)."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    settings, settings_problems = _read_one(book, schema.SETTINGS)  # its DateOrder says how slash dates read
    order = file_read.date_order(settings)
    for table in schema.INPUT_TABLES:
        frame, found = (settings, settings_problems) if table is schema.SETTINGS else _read_one(book, table, order)
        tables[table.name] = frame
        problems.extend(found)
    logger.info("read %s: %s; %d problem(s)", book.name, {k: len(v) for k, v in tables.items()}, len(problems))
    return tables, problems


def read_table(book: Any, name: str) -> pd.DataFrame:
    """One input table (e.g. ``FX`` for ``=AR_FX``) as `read` types it; its problems are logged, not returned."""
    if name not in schema.TABLES:
        raise InputError(f"no table named {name} — known tables: {', '.join(schema.TABLES)}")
    frame, problems = _read_one(book, schema.TABLES[name])
    for problem in problems:
        logger.info("%s", problem)
    return frame


def sheet_rows(book: Any, name: str) -> list[list[Any]]:
    """A sheet's cells as rows from A1, as `book.read.sheet_rows` reads the file (python-calamine); [] without it.

    Error cells read as their text (``#N/A``), as for `read`; cells are as Excel holds them, bad values included.
    """
    sheet = _sheet(book, name)
    if sheet is None:
        return []
    return _from_a1(sheet.used_range)


def write_tables(
    book: Any, tables: Mapping[str, pd.DataFrame], *, updates: Sequence[file_write.CellUpdate] = ()
) -> file_write.WriteResult:
    """Replace the rows of each named table in the open workbook and apply the cell `updates` (not saved: the
    user saves in Excel), as `book.write.write_tables` does for a file.

    Unknown table names raise `InputError` before anything is written. A missing sheet or Table is created.
    """
    unknown = [name for name in tables if name not in schema.TABLES]
    if unknown:
        raise InputError(f"no table named {', '.join(unknown)} — known tables: {', '.join(schema.TABLES)}")
    for name, frame in tables.items():
        write_table(book, schema.TABLES[name], frame)
    for update in updates:
        update_cells(book, update)
    message = f"{', '.join(tables)} written to {book.name} (open in Excel; save it to keep them)"
    logger.info(message)
    return file_write.WriteResult(path_written=Path(str(book.fullname)), side_file=False, message=message)


# ---- reading -----------------------------------------------------------------------------------------------


def _sheet(book: Any, name: str) -> Any | None:
    """The sheet called `name`, compared as Excel compares sheet names (case-insensitively), as the file path does."""
    sheets = {sheet.name: sheet for sheet in book.sheets}
    found = cell_updates.sheet_named(sheets, name)
    return sheets[found] if found is not None else None


def _excel_table(sheet: Any, name: str) -> Any | None:
    return next((table for table in sheet.tables if table.name.casefold() == name.casefold()), None)


def _read_one(book: Any, table: Table, date_order: str = "") -> tuple[pd.DataFrame, list[Problem]]:
    sheet = _sheet(book, table.sheet)
    if sheet is None:
        reason = f"sheet '{table.sheet}' is missing — add it back"
        return file_read.empty_table(table), [Problem(table.name, None, "", None, reason)]
    rows, first_row, _first_column = _table_rows(sheet, table)
    frame, problems = file_read.read_rows(table, rows, date_order=date_order)
    if first_row == 1:
        return frame, problems
    offset = first_row - 1
    frame.index = frame.index + offset
    return frame, [problem._replace(row=_shifted(problem.row, offset)) for problem in problems]


def _shifted(row: Any, offset: int) -> Any:
    return row + offset if isinstance(row, int) else row


def _table_rows(sheet: Any, table: Table) -> tuple[list[list[Any]], int, int]:
    """The Excel Table's rows, header first, and where it starts; a sheet without the Table is read from A1."""
    excel_table = _excel_table(sheet, table.name)
    if excel_table is None:
        return _from_a1(sheet.used_range), 1, 1
    block = excel_table.range
    return _block(block), block.row, block.column


def _block(block: Any) -> list[list[Any]]:
    # ndim=2: a one-row block (a header-only Table) would otherwise come back as a flat list of headers.
    return block.options(ndim=2, err_to_str=True).value


def _from_a1(block: Any) -> list[list[Any]]:
    """The block's rows padded to start at A1, as a file reader sees a sheet (one call into Excel)."""
    rows = [[None] * (block.column - 1) + row for row in _block(block)]
    return [[] for _ in range(block.row - 1)] + rows


# ---- writing -----------------------------------------------------------------------------------------------


def write_table(book: Any, table: Table, frame: pd.DataFrame) -> None:
    """Replace `table`'s header and rows in the open workbook: one block of values, then resize the Table."""
    frame = file_write.with_index_column(table, frame)
    keys, headers = file_write.layout(table, frame)
    kinds = template.column_kinds(table, keys)
    sheet = _sheet(book, table.sheet) or _new_sheet(book, table)
    excel_table = _excel_table(sheet, table.name)
    if excel_table is not None:
        whole = excel_table.range
        first_row, first_column = whole.row, whole.column
        old_rows, old_columns = whole.shape
    else:
        first_row, first_column, old_rows, old_columns = 1, 1, 1, len(headers)

    columns = [
        _excel_values(frame[key], kind) if key in frame.columns else [None] * len(frame)
        for key, kind in zip(keys, kinds, strict=True)
    ]
    body = [list(row) for row in zip(*columns, strict=True)] or [[None] * len(headers)]
    if len(frame) == 0 and empty_sheets.note(table):  # an empty output table says why, as in a file
        body[0][0] = empty_sheets.note(table)
    block = [[_text(header) for header in headers], *body]
    # Rows and columns the previous, larger table used are blanked in the same call, so nothing stale remains.
    height, width = max(len(block), old_rows), max(len(headers), old_columns)
    block = [row + [None] * (width - len(row)) for row in block]
    block += [[None] * width for _ in range(height - len(block))]
    sheet.range((first_row, first_column), (first_row + height - 1, first_column + width - 1)).value = block

    last_row, last_column = first_row + len(body), first_column + len(headers) - 1
    target = sheet.range((first_row, first_column), (last_row, last_column))
    if excel_table is None:
        sheet.tables.add(source=target, name=table.name, table_style_name=template.TABLE_STYLE, has_headers=True)
    else:
        excel_table.resize(target)
    for offset, kind in enumerate(kinds):
        number_format = template.NUMBER_FORMATS.get(kind)
        if number_format is not None:
            column = first_column + offset
            sheet.range((first_row + 1, column), (last_row, column)).number_format = number_format
    logger.debug("%s: %d row(s) written, table %s", table.name, len(frame), target.address)


def update_cells(book: Any, update: file_write.CellUpdate) -> int:
    """Apply one `CellUpdate` in the open book, as `book.write.update_cells` does in a file; returns the count.

    Only the changed cells are written, one call each (escalations are a handful of customers): rewriting the
    column would turn the user's formulas there into values.
    """
    table = schema.TABLES[update.table]
    sheet = _sheet(book, table.sheet)
    if sheet is None:
        return 0
    rows, first_row, first_column = _table_rows(sheet, table)
    target = cell_updates.locate(update, rows[0]) if rows else None  # the file path's rule (book.write)
    if target is None:
        return 0
    changed = 0
    for offset, row in enumerate(rows[1:], start=1):
        found, value = target.value_for(row[target.key] if target.key < len(row) else None)
        if found:
            sheet.range((first_row + offset, first_column + target.column)).value = _excel_value(value)
            changed += 1
    return changed


def _new_sheet(book: Any, table: Table) -> Any:
    sheets = list(book.sheets)
    sheet = book.sheets.add(table.sheet, after=sheets[-1] if sheets else None)
    logger.info("sheet %s was missing and has been added", table.sheet)
    return sheet


def _excel_values(series: pd.Series, kind: Kind) -> list[Any]:
    """One column as the values written through xlwings: as `write.py` writes them, with text made safe."""
    values = file_write.cell_values(series, kind)
    return [_excel_value(value) for value in values]


def _excel_value(value: Any) -> Any:
    if isinstance(value, file_write.Link):
        return value.formula  # the one formula arcollect writes: a link to a cell of this workbook
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Decimal):
        return float(value)  # Excel holds doubles; COM has no portable decimal type
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)  # the type every xlwings engine passes as a date
    return value


def _text(value: Any) -> Any:
    """Text Excel must keep as text: quote-prefixed when Excel would read it as a formula, number or date."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value:
        return None
    if value.startswith((*file_write.FORMULA_STARTS, QUOTE)) or _EXCEL_WOULD_CONVERT.match(value):
        return QUOTE + value
    return value


# ---- the Dashboard -----------------------------------------------------------------------------------------

CHART_TYPES = {"bar": "column_clustered", "line": "line_markers"}
"""xlwings' chart type for each kind of `dashboard.Chart`."""
_POINTS_PER_CM = 72 / 2.54


def write_dashboard(book: Any, **keywords: Any) -> list[Any]:
    """Rebuild the Dashboard sheet of the open book from `dashboard.build`'s keywords; returns the charts drawn.

    The cells come from `dashboard.draft`, so the tiles, the "Chart data" block, the top debtors and the A/B
    lines hold the same values in the same cells as a file's Dashboard: one call writes them all (blanking what
    the previous dashboard left beyond them), one call per run of cells sharing a number format, column width or
    row height. Each chart is a native Excel chart (``sheet.charts.add``) over the same data block, header row
    and category column included, of the same kind and at the same cell; the charts already on the sheet are
    deleted first, so a second refresh replaces them rather than stacking more. Fonts, fills and merged tiles
    are not copied: the live Dashboard is plain cells with native charts (a refresh of the saved file restyles it).
    """
    draft, charts = dashboard.draft(**keywords)
    sheet = _sheet(book, dashboard.SHEET)
    if sheet is None:
        first = next(iter(book.sheets), None)
        sheet = book.sheets.add(dashboard.SHEET, after=first)
    for chart in list(sheet.charts):
        chart.delete()
    old = sheet.used_range
    height = max(draft.max_row, old.row + old.shape[0] - 1)
    width = max(draft.max_column, old.column + old.shape[1] - 1)
    whole = sheet.range((1, 1), (height, width))
    whole.unmerge()  # the tiles and top debtors of a file refresh are merged cells, which Excel will not overwrite
    whole.number_format = "General"
    cells = draft.iter_rows(min_row=1, max_row=height, max_col=width)
    whole.value = [[_excel_value(cell.value) for cell in row] for row in cells]
    for (column, first_row, last_row), number_format in _runs(draft).items():
        sheet.range((first_row, column), (last_row, column)).number_format = number_format
    for (first_column, last_column), column_width in _column_widths(draft):
        sheet.range((1, first_column), (1, last_column)).column_width = column_width
    for row, dimension in sorted(draft.row_dimensions.items()):
        if dimension.height is not None:
            sheet.range((row, 1)).row_height = dimension.height
    drawn = []
    for chart in charts:
        anchor = sheet.range(chart.anchor)
        excel_chart = sheet.charts.add(
            left=anchor.left,
            top=anchor.top,
            width=chart.width_cm * _POINTS_PER_CM,
            height=chart.height_cm * _POINTS_PER_CM,
        )
        excel_chart.set_source_data(sheet.range(chart.source))
        excel_chart.chart_type = CHART_TYPES[chart.kind]
        excel_chart.name = chart.title
        drawn.append(excel_chart)
    logger.info("Dashboard drawn in %s: %d chart(s)", book.name, len(drawn))
    return drawn


def _runs(sheet: Any) -> dict[tuple[int, int, int], str]:
    """Cells with a number format other than General, as runs down one column: (column, first, last) → format."""
    runs: dict[tuple[int, int, int], str] = {}
    open_runs: dict[int, tuple[int, int, str]] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.number_format == "General":
                continue
            start = open_runs.get(cell.column)
            if start is not None and start[1] == cell.row - 1 and start[2] == cell.number_format:
                open_runs[cell.column] = (start[0], cell.row, cell.number_format)
                continue
            if start is not None:
                runs[(cell.column, start[0], start[1])] = start[2]
            open_runs[cell.column] = (cell.row, cell.row, cell.number_format)
    for column, (first, last, number_format) in open_runs.items():
        runs[(column, first, last)] = number_format
    return runs


def _column_widths(sheet: Any) -> list[tuple[tuple[int, int], float]]:
    """The sheet's set column widths as runs of neighbouring columns of the same width."""
    widths = sorted(
        (column_index_from_string(letter), dimension.width)
        for letter, dimension in sheet.column_dimensions.items()
        if dimension.customWidth
    )
    runs: list[tuple[tuple[int, int], float]] = []
    for column, column_width in widths:
        if runs and runs[-1][0][1] == column - 1 and runs[-1][1] == column_width:
            runs[-1] = ((runs[-1][0][0], column), column_width)
        else:
            runs.append(((column, column), column_width))
    return runs
