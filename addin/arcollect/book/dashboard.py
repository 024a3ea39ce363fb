"""The Dashboard sheet: KPI tiles and native Excel charts, rebuilt from the analytics on every write.

    >>> from arcollect.book import dashboard
    >>> dashboard.write(
    ...     "arcollect.xlsx",
    ...     tiles={"DSO": 41.2, "Best possible DSO": 28.0, "CEI": "87 %"},
    ...     aging=aging_by_bucket,  # bucket -> open amount in the base currency
    ...     dso_trend=trend,  # month, DSO simple, DSO count-back, best possible DSO
    ...     overdue_by_currency=overdue,  # currency -> overdue amount in the base currency
    ...     effectiveness=paid_within_14_days,  # level -> share paid within 14 days (0..1)
    ...     base_currency="EUR",
    ... )
    PosixPath('arcollect.xlsx')

The sheet holds a title, one row of tiles (label above a big number), four charts (aging by bucket, DSO trend,
overdue by currency, reminder effectiveness by level) and, to their right, the "Chart data" block the charts
point at. The charts are native openpyxl charts over real cells, so Excel and LibreOffice draw them without
arcollect and a user can read or copy the numbers behind each one; the block sits near the top so a print of
the first rows (``scripts/render_workbook.py``) keeps it.

openpyxl reads charts back only as far as it models them (3.1 keeps the series and references; older releases
and anything it does not model — styles Excel adds, a chart a user edited — are dropped when it saves again). So
the sheet is never updated in place: it is deleted and rebuilt, charts included, on every call, and a refresh
calls `write` *after* `book.write.write_tables`, so the last save is the one that drew the charts.

Each frame gives its categories either as the index (a named or non-default index) or, with a default
RangeIndex, as its first column; the remaining numeric columns are the series, their column names the legend.
An empty frame leaves a "no data yet" note where its chart would be. Everything from data is written the way
`book.write` writes it: text that looks like a formula stays text. A float tile shows with one decimal; pass
text for any other presentation ("87 %", "EUR 1.2m").

The save follows `book.write`'s rules: atomic, and never over a workbook Excel holds open — then the dashboard
goes into ``<stem>.results.xlsx`` (built on that side file when `write_tables` already put results there).

A workbook open in Excel gets the same sheet through `draft`: it builds the Dashboard alone in an in-memory
workbook and lists where each chart goes (`Chart`), and `book.live.write_dashboard` copies the cells into Excel
and draws the charts natively over the same data block — one layout, two writers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from arcollect.book import template
from arcollect.book.files import owner_file
from arcollect.book.write import set_cell, write_tables

logger = logging.getLogger(__name__)

SHEET = "Dashboard"
DATA_TITLE = "Chart data"

_TILE_COLUMNS = 2  # each tile spans two columns
_COLUMN_WIDTH = 13
_CHART_WIDTH_CM = 15.0  # six columns of 13 characters: a chart never covers the next one's first column
_CHART_HEIGHT_CM = 7.5
_CHART_ROWS = 17  # rows a chart of that height covers at the default row height, plus a gap
_TILE_ROWS = (4, 5, 6)  # label with its unit, the value, the change since last month (or why it is n/a)
_PANEL_ROW = 8
_CHART_COLUMNS = ("A", "G")
_SHEET_COLUMNS = 12
_DATA_ROW = 3
_DATA_COLUMN = _SHEET_COLUMNS + 2
_PRINT_COLUMNS = _SHEET_COLUMNS  # tiles, action panel, charts and top debtors
_PRINT_SCALE = 85  # 12 columns of 13 characters on a landscape A4 or Letter page
_TILE_FILL = PatternFill("solid", fgColor="DDEBF7")
_PANEL_FILL = PatternFill("solid", fgColor="FFF2CC")
_PANEL_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_COUNT_COLUMN, _AMOUNT_COLUMN, _WHERE_COLUMN = 6, 7, 9
_TILE_BORDER = Side(style="thin", color="9BC2E6")
_MONEY = template.NUMBER_FORMATS[template.Kind.MONEY]


@dataclass(frozen=True)
class _Block:
    """Where one chart's data landed: categories in `first_row+1..last_row` of column `column`, series to its right."""

    column: int
    first_row: int
    last_row: int
    series: int


@dataclass(frozen=True)
class Tile:
    """One KPI tile: the label, the value (None: "n/a"), its unit, number format, and a small line under it —
    the change since the previous month end, or why the value is n/a."""

    label: str
    value: float | str | None
    unit: str = ""
    number_format: str = "#,##0.0"
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """One chart as `build` places it, for a live book to draw natively over the same cells (`book.live`)."""

    title: str
    kind: str  # "bar" (clustered columns) or "line" (lines with markers)
    anchor: str  # the cell under its top-left corner
    source: str  # its data with the header row and the category column, e.g. "N5:O11"
    width_cm: float
    height_cm: float


def write(
    path: str | Path,
    *,
    tiles: Sequence[Tile] | Mapping[str, str | float],
    aging: pd.DataFrame | pd.Series,
    dso_trend: pd.DataFrame,
    overdue_by_currency: pd.DataFrame | pd.Series,
    effectiveness: pd.DataFrame | pd.Series,
    base_currency: str,
    top_debtors: pd.DataFrame | None = None,
    verdicts: Sequence[str] = (),
    actions: Sequence[Any] = (),
    not_in_totals: str = "",
    as_of: Any = None,
    month_end: Any = None,
) -> Path:
    """Rebuild the Dashboard sheet of the workbook at `path` and save; returns the file written.

    Returns `path` itself unless Excel holds it open (an owner file ``~$…`` beside it); then `path` is left byte
    for byte as it was and the returned side file ``<stem>.results.xlsx`` carries the dashboard.
    """
    path = Path(path)
    source, out = path, None
    if owner_file(path) is not None:
        out = path.with_name(f"{path.stem}.results{path.suffix or '.xlsx'}")
        source = out if out.is_file() else path
    charts = {
        "tiles": tiles,
        "aging": aging,
        "dso_trend": dso_trend,
        "overdue_by_currency": overdue_by_currency,
        "effectiveness": effectiveness,
        "base_currency": base_currency,
        "top_debtors": top_debtors,
        "verdicts": verdicts,
        "actions": actions,
        "not_in_totals": not_in_totals,
        "as_of": as_of,
        "month_end": month_end,
    }
    # The same part-for-part save as every write (`book.write`): the rest of the workbook stays as it was.
    result = write_tables(source, {}, out=out, also=lambda book: build(book, **charts))
    logger.info("dashboard written to %s", result.path_written.name)
    return result.path_written


def build(
    book: Workbook,
    *,
    tiles: Mapping[str, str | float],
    aging: pd.DataFrame | pd.Series,
    dso_trend: pd.DataFrame,
    overdue_by_currency: pd.DataFrame | pd.Series,
    effectiveness: pd.DataFrame | pd.Series,
    base_currency: str,
    top_debtors: pd.DataFrame | None = None,
    verdicts: Sequence[str] = (),
    actions: Sequence[Any] = (),
    not_in_totals: str = "",
    as_of: Any = None,
    month_end: Any = None,
) -> Worksheet:
    """Replace the Dashboard sheet of `book` in memory (kept in its place, or second after README when new)."""
    sheet, _charts = _build(
        book,
        tiles=tiles,
        aging=aging,
        dso_trend=dso_trend,
        overdue_by_currency=overdue_by_currency,
        effectiveness=effectiveness,
        base_currency=base_currency,
        top_debtors=top_debtors,
        verdicts=verdicts,
        actions=actions,
        not_in_totals=not_in_totals,
        as_of=as_of,
        month_end=month_end,
    )
    return sheet


def draft(**keywords: Any) -> tuple[Worksheet, list[Chart]]:
    """The Dashboard built on its own in a new in-memory workbook: its cells, formats and where its charts go.

    Takes `build`'s keywords. A live book copies this sheet's values, number formats, column widths and row
    heights into Excel and draws each `Chart` natively (`book.live.write_dashboard`), so the live Dashboard shows
    the same numbers in the same cells as the file's.
    """
    return _build(Workbook(), **keywords)


def _build(
    book: Workbook,
    *,
    tiles: Mapping[str, str | float],
    aging: pd.DataFrame | pd.Series,
    dso_trend: pd.DataFrame,
    overdue_by_currency: pd.DataFrame | pd.Series,
    effectiveness: pd.DataFrame | pd.Series,
    base_currency: str,
    top_debtors: pd.DataFrame | None = None,
    verdicts: Sequence[str] = (),
    actions: Sequence[Any] = (),
    not_in_totals: str = "",
    as_of: Any = None,
    month_end: Any = None,
) -> tuple[Worksheet, list[Chart]]:
    position = book.sheetnames.index(SHEET) if SHEET in book.sheetnames else min(1, len(book.sheetnames))
    if SHEET in book.sheetnames:
        book.remove(book[SHEET])
    sheet = book.create_sheet(SHEET, position)
    sheet.sheet_properties.tabColor = "1F4E78"
    sheet.sheet_view.showGridLines = False
    for column in range(1, _DATA_COLUMN + 16):
        sheet.column_dimensions[get_column_letter(column)].width = _COLUMN_WIDTH
    _set_print_layout(sheet)
    sheet["A1"] = "Collections dashboard"
    sheet["A1"].font = template.font(bold=True, size=16, color="1F4E78")
    when = f" as of {pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
    closing = f"; DSO, ADD and CEI at the month end {pd.Timestamp(month_end):%Y-%m-%d}" if _present(month_end) else ""
    set_cell(
        sheet["A2"],
        f"Amounts in {base_currency}{when}{closing}. Rebuilt by every refresh; edits on this sheet are not kept.",
    )
    sheet["A2"].font = template.font(italic=True, color="595959")
    if not_in_totals:  # what the totals below leave out, where nobody can miss it
        set_cell(sheet["A3"], not_in_totals[0].upper() + not_in_totals[1:])
        sheet["A3"].font = template.font(bold=True, color="C00000")
    _write_tiles(sheet, _as_tiles(tiles))
    first_chart_row = _write_actions(sheet, _PANEL_ROW, actions, base_currency) + 2

    specs = [
        (f"Open amount by aging bucket ({base_currency})", aging, f"Open ({base_currency})", _MONEY, _bar),
        ("DSO trend, month ends (days)", dso_trend, "Days", "0.0", _line),
        (f"Overdue by currency ({base_currency})", overdue_by_currency, f"Overdue ({base_currency})", _MONEY, _bar),
        ("Paid within 14 days of the reminder, by level", effectiveness, "Share paid", "0%", _bar),
    ]
    charts: list[Chart] = []
    data_title = sheet.cell(row=_DATA_ROW, column=_DATA_COLUMN, value=DATA_TITLE)
    data_title.font = template.font(bold=True, size=12, color="1F4E78")
    data_column = _DATA_COLUMN
    for index, (title, frame, axis_title, number_format, make) in enumerate(specs):
        anchor = f"{_CHART_COLUMNS[index % 2]}{first_chart_row + (index // 2) * _CHART_ROWS}"
        labels, values = _categories(frame, axis_title)
        block = _write_block(sheet, data_column, title, labels, values, number_format)
        data_column += len(values.columns) + 2
        if block is None:
            note = sheet[anchor]
            note.value = f"{title}: no data yet"
            note.font = template.font(italic=True, color="808080")
            continue
        chart = make(sheet, block, title, axis_title, number_format)
        chart.width, chart.height = _CHART_WIDTH_CM, _CHART_HEIGHT_CM
        sheet.add_chart(chart, anchor)
        source = f"{get_column_letter(block.column)}{block.first_row}:"
        source += f"{get_column_letter(block.column + block.series)}{block.last_row}"
        kind = "line" if make is _line else "bar"
        charts.append(Chart(title, kind, anchor, source, _CHART_WIDTH_CM, _CHART_HEIGHT_CM))
    sheet.row_breaks.append(Break(id=first_chart_row + _CHART_ROWS - 1))  # a chart is never cut by a page end
    row = first_chart_row + 2 * _CHART_ROWS
    row = _write_debtors(sheet, row, top_debtors if top_debtors is not None else pd.DataFrame())
    _write_lines(sheet, row + 1, "A/B tests", verdicts or ["No dunning level names two templates yet."])
    return sheet, charts


def _set_print_layout(sheet: Worksheet) -> None:
    """Print the dashboard readable: landscape at a fixed scale that fits its columns (tiles, panel, both charts)
    on the page, a page break before the chart data block, which prints on pages of its own. Fitting the whole
    sheet on one page, as before, shrank it with the data block to a quarter of the page's width."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.scale = _PRINT_SCALE
    sheet.sheet_properties.pageSetUpPr.fitToPage = False
    sheet.col_breaks.append(Break(id=_PRINT_COLUMNS))  # left of the column after them
    template.set_print_margins(sheet)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NaT


# ---- the action panel ----------------------------------------------------------------------------------------


def _write_actions(sheet: Worksheet, row: int, actions: Sequence[Any], base_currency: str) -> int:
    """ "Needs a person today": one line per item — what, how many, how much, where to look. Returns the last row.

    `actions` are `arcollect.today.Item` (label, count, amount, where); a zero count is shown greyed, so the
    panel always lists the same things in the same places and an empty one reads as "nothing to do".
    """
    heading = sheet.cell(row=row, column=1)
    set_cell(heading, "Needs a person today")
    heading.font = template.font(bold=True, size=13, color="1F4E78")
    if not actions:
        set_cell(sheet.cell(row=row + 1, column=1), "Nothing to look at.")
        return row + 1
    header = row + 1
    for column, text in ((1, "What"), (_COUNT_COLUMN, "How many"), (_AMOUNT_COLUMN, f"Amount ({base_currency})")):
        set_cell(sheet.cell(row=header, column=column), text)
    set_cell(sheet.cell(row=header, column=_WHERE_COLUMN), "Where to look")
    for column in range(1, _SHEET_COLUMNS + 1):
        cell = sheet.cell(row=header, column=column)
        cell.font = template.font(bold=True, color="FFFFFF")
        cell.fill = _PANEL_HEADER_FILL
    for offset, item in enumerate(actions, start=1):
        line = header + offset
        quiet = not item.count
        colour = "A6A6A6" if quiet else "000000"
        label = sheet.cell(row=line, column=1)
        set_cell(label, str(item.label))
        label.font = template.font(color=colour, bold=not quiet)
        count = sheet.cell(row=line, column=_COUNT_COLUMN)
        count.value = int(item.count)
        count.number_format = "#,##0"
        count.font = template.font(color=colour, bold=not quiet, size=12)
        count.alignment = Alignment(horizontal="center")
        amount = sheet.cell(row=line, column=_AMOUNT_COLUMN)
        amount.value = None if item.amount is None or quiet else float(item.amount)
        amount.number_format = _MONEY
        amount.font = template.font(color=colour)
        where = sheet.cell(row=line, column=_WHERE_COLUMN)
        set_cell(where, str(item.where))
        where.font = template.font(color="808080" if quiet else "1F4E78", italic=True)
        if not quiet:
            for column in range(1, _SHEET_COLUMNS + 1):
                sheet.cell(row=line, column=column).fill = _PANEL_FILL
    return header + len(actions)


# ---- top debtors and A/B verdicts --------------------------------------------------------------------------


def _write_debtors(sheet: Worksheet, row: int, debtors: pd.DataFrame) -> int:
    """The top debtors as a small table under the charts; returns the first row after it.

    Text columns take their width from the frame's column order: the first (the customer) spans two columns,
    numbers one column each, and the last (the reasons) the rest of the sheet's width.
    """
    title = sheet.cell(row=row, column=1)
    set_cell(title, f"Top {len(debtors)} debtors" if len(debtors) else "Top debtors")
    title.font = template.font(bold=True, size=12, color="1F4E78")
    if debtors.empty:
        set_cell(sheet.cell(row=row + 1, column=1), "No open balances.")
        return row + 2
    spans = _spans(len(debtors.columns))
    header_row = row + 1
    for (first, last), name in zip(spans, debtors.columns, strict=True):
        if last > first:
            sheet.merge_cells(start_row=header_row, start_column=first, end_row=header_row, end_column=last)
        set_cell(sheet.cell(row=header_row, column=first), str(name))
    template.style_header(sheet, spans[-1][1], header_row, 1)
    narrow = [str(name) for (first, last), name in zip(spans, debtors.columns, strict=True) if first == last]
    if any(len(name) > _COLUMN_WIDTH - 2 for name in narrow):
        sheet.row_dimensions[header_row].height = 30  # "Overdue (EUR)" wraps in a bold header: two lines, not one
    for offset, values in enumerate(debtors.itertuples(index=False), start=1):
        for (first, last), value, column in zip(spans, values, debtors.columns, strict=True):
            if last > first:
                sheet.merge_cells(
                    start_row=header_row + offset, start_column=first, end_row=header_row + offset, end_column=last
                )
            cell = sheet.cell(row=header_row + offset, column=first)
            # a number stays a number also in a column of numbers and words (a score, or "no payment history")
            number = isinstance(value, Real) and not isinstance(value, bool | np.bool_)
            if number or (pd.api.types.is_numeric_dtype(debtors[column].dtype) and not isinstance(value, bool | str)):
                cell.value = None if pd.isna(value) else float(value)
                whole = not pd.api.types.is_float_dtype(debtors[column].dtype) and not isinstance(value, float)
                cell.number_format = "0" if whole else _MONEY
                if whole:  # a score between money and words reads best centred
                    cell.alignment = Alignment(horizontal="center")
            else:
                set_cell(cell, "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
    return header_row + len(debtors) + 1


def _spans(columns: int) -> list[tuple[int, int]]:
    """Sheet columns per frame column: two for the first, one for each middle one, the rest for the last."""
    spans = [(1, 2), *[(2 + index, 2 + index) for index in range(1, columns - 1)]]
    if columns > 1:
        start = spans[-1][1] + 1
        spans.append((start, max(start, _SHEET_COLUMNS)))
    return spans


def _write_lines(sheet: Worksheet, row: int, title: str, lines: Sequence[str]) -> None:
    heading = sheet.cell(row=row, column=1)
    set_cell(heading, title)
    heading.font = template.font(bold=True, size=12, color="1F4E78")
    for offset, line in enumerate(lines, start=1):
        set_cell(sheet.cell(row=row + offset, column=1), line)


# ---- tiles -------------------------------------------------------------------------------------------------


def _as_tiles(tiles: Sequence[Tile] | Mapping[str, str | float]) -> list[Tile]:
    """Tiles as given, or from a plain mapping label → value (numbers with one decimal, text as it is)."""
    if isinstance(tiles, Mapping):
        return [Tile(str(label), value, "", "#,##0.0") for label, value in tiles.items()]
    return list(tiles)


def _write_tiles(sheet: Worksheet, tiles: Sequence[Tile]) -> None:
    """One tile per KPI on rows 4-6: the label with its unit, the value big and bold ("n/a" when there is none),
    and a small line under it — the change since the previous month end, or why the value is n/a."""
    label_row, value_row, note_row = _TILE_ROWS
    for index, tile in enumerate(tiles):
        first = 1 + index * _TILE_COLUMNS
        last = first + _TILE_COLUMNS - 1
        for row in _TILE_ROWS:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            for column in range(first, last + 1):
                cell = sheet.cell(row=row, column=column)
                cell.fill = _TILE_FILL
                cell.border = Border(
                    left=_TILE_BORDER if column == first else None,
                    right=_TILE_BORDER if column == last else None,
                    top=_TILE_BORDER if row == label_row else None,
                    bottom=_TILE_BORDER if row == note_row else None,
                )
        label_cell = sheet.cell(row=label_row, column=first)
        set_cell(label_cell, f"{tile.label} ({tile.unit})" if tile.unit else tile.label)
        label_cell.font = template.font(size=10, bold=True, color="1F4E78")
        label_cell.alignment = Alignment(horizontal="center")
        value_cell = sheet.cell(row=value_row, column=first)
        value = _tile_value(tile.value)
        set_cell(value_cell, "n/a" if value == "–" else value)
        missing = value == "–"
        value_cell.font = template.font(size=20, bold=True, color="A6A6A6" if missing else "1F4E78")
        value_cell.alignment = Alignment(horizontal="center", vertical="center")
        if isinstance(value_cell.value, float):
            value_cell.number_format = tile.number_format or "#,##0.0"
        note_cell = sheet.cell(row=note_row, column=first)
        set_cell(note_cell, tile.note)
        note_cell.font = template.font(size=8, italic=True, color="595959")
        note_cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
    sheet.row_dimensions[value_row].height = 34
    sheet.row_dimensions[note_row].height = 24


def _tile_value(value: Any) -> Any:
    """Numbers stay numbers (blank when missing); anything else is shown as text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if hasattr(value, "item"):  # numpy scalar
        return _tile_value(value.item())
    return str(value)


# ---- data block and charts ---------------------------------------------------------------------------------


def _categories(frame: pd.DataFrame | pd.Series, default_name: str) -> tuple[list[str], pd.DataFrame]:
    """Split `frame` into category labels (text) and numeric series columns (see the module docstring)."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(default_name if frame.name is None else str(frame.name))
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None and len(frame.columns) > 1:
        frame = frame.set_index(frame.columns[0])
    labels = [_label(value) for value in frame.index]
    values = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    values.columns = [str(column) for column in values.columns]
    return labels, values


def _label(value: Any) -> str:
    """Category text: months as ``2026-03``, dates as ISO, everything else as written."""
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m") if value.day == 1 else value.strftime("%Y-%m-%d")
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _write_block(
    sheet: Worksheet, column: int, title: str, labels: list[str], values: pd.DataFrame, number_format: str
) -> _Block | None:
    """Write one chart's numbers under the "Chart data" title: a caption, a header row, one row per category."""
    caption = sheet.cell(row=_DATA_ROW + 1, column=column)
    set_cell(caption, title)
    caption.font = template.font(italic=True, color="595959")
    header_row = _DATA_ROW + 2
    for offset, name in enumerate(values.columns, start=1):
        set_cell(sheet.cell(row=header_row, column=column + offset), name)
    template.style_header(sheet, len(values.columns) + 1, header_row, column)
    for row, (label, numbers) in enumerate(zip(labels, values.itertuples(index=False), strict=True), header_row + 1):
        set_cell(sheet.cell(row=row, column=column), label)
        for offset, number in enumerate(numbers, start=1):
            cell = sheet.cell(row=row, column=column + offset)
            cell.value = None if pd.isna(number) else float(number)
            cell.number_format = number_format
    if not labels or values.columns.empty:
        return None
    return _Block(column=column, first_row=header_row, last_row=header_row + len(labels), series=len(values.columns))


def _references(sheet: Worksheet, block: _Block) -> tuple[Reference, Reference]:
    data = Reference(
        sheet,
        min_col=block.column + 1,
        max_col=block.column + block.series,
        min_row=block.first_row,
        max_row=block.last_row,
    )
    categories = Reference(sheet, min_col=block.column, min_row=block.first_row + 1, max_row=block.last_row)
    return data, categories


def _bar(sheet: Worksheet, block: _Block, title: str, axis_title: str, number_format: str) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.varyColors = False
    data, categories = _references(sheet, block)
    chart.add_data(data, titles_from_data=True)
    _text_categories(chart, categories)
    if block.series == 1:
        chart.legend = None
    _dress(chart, title, axis_title, number_format)
    return chart


def _line(sheet: Worksheet, block: _Block, title: str, axis_title: str, number_format: str) -> LineChart:
    chart = LineChart()
    data, categories = _references(sheet, block)
    chart.add_data(data, titles_from_data=True)
    _text_categories(chart, categories)
    for series in chart.series:
        series.smooth = False
        series.marker.symbol = "circle"
    chart.legend.position = "b"
    _dress(chart, title, axis_title, number_format)
    return chart


def _dress(chart: BarChart | LineChart, title: str, axis_title: str, number_format: str) -> None:
    """Title, axis title and number format; axes shown (openpyxl ≥ 3.1 hides them unless told otherwise)."""
    chart.title = title
    chart.style = 10
    chart.y_axis.title = axis_title
    chart.y_axis.number_format = "#,##0" if number_format == _MONEY else number_format  # no cents on an axis
    chart.y_axis.majorGridlines = ChartLines()
    chart.y_axis.scaling.min = 0  # a bar or a DSO read against an axis that starts at 60 % exaggerates
    if number_format.endswith("%"):
        chart.y_axis.scaling.max = 1
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _text_categories(chart: BarChart | LineChart, categories: Reference) -> None:
    """Category labels as text references: openpyxl's `set_categories` makes number references, and Excel then
    shows the buckets "1-30", "31-60" … as 1, 2, 3."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
