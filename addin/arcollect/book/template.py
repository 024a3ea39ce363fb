"""Build the workbook users start from: one sheet and one Excel Table per schema table, styled and validated.

    >>> from arcollect.book import template
    >>> book = template.build("arcollect.xlsx")       # also returns the openpyxl Workbook
    >>> book.sheetnames[:3]
    ['README', 'Customers', 'Invoices']

or, from a shell, ``python -m arcollect.book.template workbook/arcollect.xlsx`` regenerates the committed template.

Everything comes from `arcollect.schema`: sheet and table names, headers, number formats per `Kind`, drop-down
lists for columns with allowed values, TRUE/FALSE for yes/no columns and ISO code lists (currencies from Babel's
ISO 4217 list, countries from Babel's territory names) for currency and country columns. The code lists live on a
hidden ``Lists`` sheet because Excel limits an inline list to 255 characters.

Input tables start empty except Settings and DunningLevels, which hold the defaults of `arcollect.book.settings`.
Output tables start empty; `arcollect.book.write` fills them and reuses the helpers here (`add_table`,
`style_header`, `apply_column_formats`, `apply_conditional_formats`) so a rewritten sheet looks like a new one.

The build is deterministic: the same code gives the same cell values, tables, validations and formats every time
(the zip timestamps inside the saved file differ, the content does not).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import babel
import pandas as pd
from babel.numbers import list_currencies
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.print_settings import ColRange
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from arcollect import schema
from arcollect.book import settings
from arcollect.engine import aging
from arcollect.engine.policy import default_policy_rows
from arcollect.schema import TABLES, TOTAL, Aging, Customers, Debtors, Kind, Table

logger = logging.getLogger(__name__)

README = "README"
LISTS = "Lists"
LAST_ROW = 1_048_576
"""Validations and conditional formats cover every row below the header, so tables of any length keep them."""

NUMBER_FORMATS: dict[Kind, str] = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.MONEY: "#,##0.00",
    Kind.INTEGER: "0",
    Kind.PERCENT: "0%",
    # Excel shows a TRUE/FALSE cell as TRUE or FALSE whatever its format; LibreOffice prints FALSE as 0 unless
    # the cell says how: DunningLevels and Credit hold read TRUE/FALSE in both
    Kind.BOOL: '"TRUE";"TRUE";"FALSE"',
}
TABLE_STYLE = "TableStyleMedium2"
BODY_FONT = "Calibri"  # the workbook's default font (styles.xml font 0)


def font(**style: object) -> Font:
    """A cell font in the workbook's typeface: a font without a name is drawn in a serif by LibreOffice (wider than
    the column widths assume: "Currenc/y", clipped headers), so every font arcollect writes names it."""
    return Font(name=BODY_FONT, **{"size": 11, **style})


HEADER_FONT = font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
HEADER_TWO_LINES = 30.0  # points: two lines of the default 11-point font
MAX_CONTENT_WIDTH = 50  # a column widens to its values up to this many characters (wider text is cut off)
BUILT_ON = dt.datetime(2026, 1, 1)  # fixed document dates keep the build deterministic

_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
_CURRENT_FILL = "C6EFCE"
_OVERDUE_FILLS = ("FFF2CC", "FFD966", "F8CBAD", "F4B084", "F8696B", "E0393E")


@cache
def currency_codes() -> tuple[str, ...]:
    """ISO 4217 codes known to Babel, sorted."""
    return tuple(sorted(list_currencies()))


@cache
def country_codes() -> tuple[str, ...]:
    """ISO 3166 alpha-2 country codes known to Babel, sorted (regions such as EU or 001 left out)."""
    territories = babel.Locale("en").territories
    codes = (code for code in territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)
    return tuple(sorted(codes))


def jurisdiction_codes() -> tuple[str, ...]:
    """Country codes: the law governing a contract is a country's (``EU`` is not a law between companies)."""
    return country_codes()


def aging_summary_headers(edges: Sequence[int] = aging.DEFAULT_EDGES, base_currency: str = "EUR") -> list[str]:
    """AgingSummary's headers: the schema columns, one column per aging bucket, then Total — each amount column
    naming the base currency it is in ("Current (EUR)")."""
    return [
        *schema.AGING_SUMMARY.headers,
        *(in_currency(label, base_currency) for label in [*aging.labels(edges), TOTAL]),
    ]


def in_currency(label: str, currency: str | None) -> str:
    """A money column's header naming its currency: "Current" in EUR is "Current (EUR)" (`label` without one)."""
    return f"{label} ({currency})" if currency else label


def _is_total(header: str) -> bool:
    """AgingSummary's Total column, with or without its currency ("Total", "Total (EUR)")."""
    return header == TOTAL or header.startswith(f"{TOTAL} (")


def build(path: str | Path | None = None, *, settings_values: dict[str, str] | None = None) -> Workbook:
    """A new arcollect workbook from the schema; saved to `path` when given. Returns the openpyxl Workbook.

    `settings_values` fill Settings rows (canonical key → value text), e.g. the GoverningLaw `arcollect new` asks.
    """
    book = Workbook()
    book.properties.creator = "arcollect"
    book.properties.created = BUILT_ON
    book.properties.modified = BUILT_ON
    readme = book.active
    readme.title = README
    _write_readme(readme)
    from arcollect.book import empty_sheets  # it writes its notes in this module's font

    base_currency = (settings_values or {}).get("BaseCurrency") or settings.Settings().base_currency
    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        headers = aging_summary_headers(base_currency=base_currency) if table is schema.AGING_SUMMARY else table.headers
        rows = _default_rows(table)
        if table is schema.SETTINGS and settings_values:
            keys = rows[schema.SettingsSheet.KEY]
            rows[schema.SettingsSheet.VALUE] = [
                settings_values.get(k, v) for k, v in zip(keys, rows[schema.SettingsSheet.VALUE], strict=True)
            ]
        _fill_sheet(sheet, table, headers, rows)
        if empty_sheets.note(table):  # an output sheet before the first refresh says what fills it
            empty_sheets.write_note(sheet.cell(row=2, column=1), empty_sheets.note(table))
        _add_validations(sheet, table)
    mappings = book.create_sheet(schema.MAPPINGS.name, book.sheetnames.index(schema.DUNNING_LEVELS.name) + 1)
    _fill_sheet(mappings, schema.MAPPINGS, schema.MAPPINGS.headers, None)
    _add_lists_sheet(book)
    if path is not None:
        book.save(Path(path))
        logger.info("template written to %s", path)
    return book


# ---- shared with book.write --------------------------------------------------------------------------------


def style_header(sheet: Worksheet, width: int, row: int = 1, first_column: int = 1) -> None:
    """Bold white text on dark blue for the header cells of a table, wrapped so that no header is cut off."""
    for column in range(first_column, first_column + width):
        cell = sheet.cell(row=row, column=column)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT


def header_lines(header: str, width: float) -> int:
    """How many lines `header` wraps onto in a column `width` characters wide: words fill a line as a spreadsheet
    fills it (a word that does not fit starts the next line; one longer than a line is broken), one character of
    the width left for the cell's padding and the bold face."""
    room = max(int(width) - 1, 1)
    lines, used = 0, room
    for word in str(header).split():
        if used + 1 + len(word) <= room:
            used += 1 + len(word)
        else:
            lines += math.ceil(len(word) / room)
            used = len(word) - (math.ceil(len(word) / room) - 1) * room
    return max(lines, 1)


def header_width(header: str, width: float) -> float:
    """The column width a header needs: its schema width, at least its longest word, and wide enough that the
    header wraps onto no more than two lines (`header_lines`)."""
    words = str(header).split()
    longest = max((len(word) for word in words), default=0)
    needed = max(math.ceil(width), longest + 2)
    while header_lines(header, needed) > 2:
        needed += 1
    return float(max(width, needed))


PRINT_PAGE_WIDTH = 200  # column-width characters a landscape A4 or Letter page holds at about 70 % scale


def set_print_layout(sheet: Worksheet, width: float, *, landscape: bool = True, title_row: int | None = 1) -> None:
    """Page setup for printing `sheet` as a controller prints a report: landscape, fitted to as many pages across
    as its columns (`width`, in characters) need at a scale that still reads — one for most sheets, never a column
    cut off at the page edge at 100 % — and as many pages down as its rows need; narrow margins; the sheet's name
    and "page n of m" in the footer; the header row (`title_row`) repeated on every page, and the first column
    on every page of a sheet more than a page wide. Without it a sheet
    printed portrait at 100 %: its columns spread over up to eight pages, a long reason cut at the page edge."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = max(1, math.ceil(width / PRINT_PAGE_WIDTH))
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    set_print_margins(sheet)
    if title_row:
        sheet.print_title_rows = f"{title_row}:{title_row}"  # the header on every printed page
        # and the key column on every strip of a sheet wider than a page (openpyxl's setter cannot unset it)
        sheet._print_cols = ColRange("A:A") if sheet.page_setup.fitToWidth > 1 else None


def set_print_margins(sheet: Worksheet) -> None:
    """Narrow margins (Excel's "Narrow"), and the sheet's name with "page n of m" in the footer."""
    sheet.page_margins = PageMargins(left=0.25, right=0.25, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    sheet.oddFooter.center.text = "&A — page &P of &N"


def table_width(sheet: Worksheet, columns: int, first_column: int = 1) -> float:
    """The printed width of a table's `columns` (in characters), as `apply_column_formats` set them."""
    return float(
        sum(
            sheet.column_dimensions[get_column_letter(column)].width or 8.43
            for column in range(first_column, first_column + columns)
        )
    )


def add_table(sheet: Worksheet, name: str, ref: str) -> ExcelTable:
    """Add an Excel Table (ListObject) named `name` over `ref`, header in its first row, banded rows."""
    table = ExcelTable(displayName=name, name=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True, showColumnStripes=False)
    sheet.add_table(table)
    return table


def column_kinds(table: Table, keys: Sequence[str]) -> list[Kind]:
    """The `Kind` of each of `keys` on `table`; keys the schema does not know (bucket columns) are money."""
    known = set(table.keys)
    return [table.column(key).kind if key in known else Kind.MONEY for key in keys]


def apply_column_formats(
    sheet: Worksheet,
    table: Table,
    keys: Sequence[str],
    first_column: int = 1,
    *,
    headers: Sequence[str] | None = None,
    content: Mapping[str, int] | None = None,
) -> None:
    """Column widths (at least what the header needs, `header_width`, and what the values need when `content`
    gives their width in characters, up to `MAX_CONTENT_WIDTH` or the schema's width) and whole-column number
    formats, so rows users add later look like the rest. A header row that wraps gets the height of two lines."""
    known = set(table.keys)
    if headers is None:
        headers = [table.column(key).header if key in known else str(key) for key in keys]
    lines = 1
    for offset, (key, kind, header) in enumerate(zip(keys, column_kinds(table, keys), headers, strict=True)):
        letter = get_column_letter(first_column + offset)
        dimension = sheet.column_dimensions[letter]
        schema_width = table.column(key).width if key in known else 14
        width = header_width(header, schema_width)
        if content and content.get(key) and (key not in known or table.column(key).fit):
            width = max(width, float(min(content[key] + 2, max(schema_width, MAX_CONTENT_WIDTH))))
        dimension.width = width
        lines = max(lines, header_lines(header, width))
        if kind in NUMBER_FORMATS:
            dimension.number_format = NUMBER_FORMATS[kind]
    if lines > 1:
        sheet.row_dimensions[1].height = HEADER_TWO_LINES


def apply_conditional_formats(sheet: Worksheet, table: Table, headers: Sequence[str], first_column: int = 1) -> None:
    """Colour aging buckets: Current green, then paler to stronger red as buckets get older.

    Aging colours its Bucket column by label; AgingSummary colours each bucket column's non-zero amounts;
    CustomerRisk flags a Credit limit used over 100 %. Other tables get nothing.
    """
    if table is schema.AGING:
        labels = aging.labels()
        index = table.keys.index(Aging.BUCKET)
        letter = get_column_letter(first_column + index)
        area = f"{letter}2:{letter}{LAST_ROW}"
        for label, colour in zip(labels, _bucket_colours(len(labels)), strict=True):
            rule = CellIsRule(operator="equal", formula=[f'"{label}"'], fill=PatternFill("solid", bgColor=colour))
            sheet.conditional_formatting.add(area, rule)
    elif table is schema.AGING_SUMMARY:
        buckets = [h for h in headers[len(table.headers) :] if not _is_total(h)]
        for offset, colour in enumerate(_bucket_colours(len(buckets))):
            letter = get_column_letter(first_column + len(table.headers) + offset)
            rule = CellIsRule(operator="notEqual", formula=["0"], fill=PatternFill("solid", bgColor=colour))
            sheet.conditional_formatting.add(f"{letter}2:{letter}{LAST_ROW}", rule)
    elif table is schema.CUSTOMER_RISK:  # over the credit limit: flagged red where the share used passes 100 %
        letter = get_column_letter(first_column + table.keys.index(Debtors.LIMIT_USED))
        rule = CellIsRule(
            operator="greaterThan", formula=["1"], fill=PatternFill("solid", bgColor=_OVERDUE_FILLS[-1]),
            font=Font(bold=True, color="FFFFFF"),
        )  # fmt: skip
        sheet.conditional_formatting.add(f"{letter}2:{letter}{LAST_ROW}", rule)


def _bucket_colours(count: int) -> list[str]:
    """`count` fills: green for Current, then spread over the palette so the oldest bucket is the reddest."""
    if count <= 0:
        return []
    overdue = count - 1
    last = len(_OVERDUE_FILLS) - 1
    picks = [_OVERDUE_FILLS[int(i * last / max(overdue - 1, 1) + 0.5)] for i in range(overdue)]
    return [_CURRENT_FILL, *picks]


# ---- building ----------------------------------------------------------------------------------------------


def _default_rows(table: Table) -> pd.DataFrame | None:
    if table is schema.SETTINGS:
        return settings.default_settings_rows()
    if table is schema.DUNNING_LEVELS:
        return default_policy_rows()
    return None


def _fill_sheet(sheet: Worksheet, table: Table, headers: list[str], rows: pd.DataFrame | None) -> None:
    sheet.append(headers)
    style_header(sheet, len(headers))
    keys = [*table.keys, *headers[len(table.keys) :]]
    kinds = column_kinds(table, keys)
    rows = rows.reindex(columns=table.keys) if rows is not None else pd.DataFrame(columns=table.keys)
    for values in rows.itertuples(index=False):
        sheet.append([_cell_value(value, kind) for value, kind in zip(values, kinds, strict=True)])
    last_row = 1 + max(len(rows), 1)
    for offset, kind in enumerate(kinds, start=1):
        if kind in NUMBER_FORMATS:
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=offset).number_format = NUMBER_FORMATS[kind]
    add_table(sheet, table.name, f"A1:{get_column_letter(len(headers))}{last_row}")
    apply_column_formats(sheet, table, keys, headers=headers)
    apply_conditional_formats(sheet, table, headers)
    set_print_layout(sheet, table_width(sheet, len(headers)))
    sheet.freeze_panes = "A2"


def _cell_value(value: object, kind: Kind) -> object:
    if isinstance(value, str):
        return value or None
    if value is None or pd.isna(value):
        return None
    if kind is Kind.BOOL:
        return bool(value)
    if kind is Kind.INTEGER:
        return int(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _add_lists_sheet(book: Workbook) -> Worksheet:
    sheet = book.create_sheet(LISTS)
    sheet.sheet_state = "hidden"
    columns = {"Currency": currency_codes(), "Country": country_codes(), "Jurisdiction": jurisdiction_codes()}
    for column, (header, codes) in enumerate(columns.items(), start=1):
        sheet.cell(row=1, column=column, value=header)
        for row, code in enumerate(codes, start=2):
            sheet.cell(row=row, column=column, value=code)
    return sheet


def _list_range(column: int, codes: Sequence[str]) -> str:
    letter = get_column_letter(column)
    return f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(codes) + 1}"


_CURRENCY_KEYS = {"currency"}
_COUNTRY_KEYS = {Customers.COUNTRY}
_JURISDICTION_KEYS = {Customers.JURISDICTION}


def _validation_for(table: Table, key: str) -> DataValidation | None:
    column = table.column(key)
    if column.allowed:
        validation = DataValidation(type="list", formula1=f'"{",".join(column.allowed)}"', allow_blank=True)
        validation.error = f"{column.header} must be one of: {', '.join(column.allowed)}"
    elif column.kind is Kind.BOOL:
        validation = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        validation.error = f"{column.header} is TRUE or FALSE"
    elif column.kind is Kind.CODE and key in _CURRENCY_KEYS:
        validation = DataValidation(type="list", formula1=_list_range(1, currency_codes()), allow_blank=True)
        validation.error = f"{column.header}: use an ISO 4217 currency code such as EUR, USD, GBP, JPY"
        validation.errorStyle = "warning"
    elif column.kind is Kind.CODE and key in _COUNTRY_KEYS:
        validation = DataValidation(type="list", formula1=_list_range(2, country_codes()), allow_blank=True)
        validation.error = f"{column.header}: use an ISO 3166 country code such as DE, FR, GB, US"
        validation.errorStyle = "warning"
    elif column.kind is Kind.CODE and key in _JURISDICTION_KEYS:
        validation = DataValidation(type="list", formula1=_list_range(3, jurisdiction_codes()), allow_blank=True)
        validation.error = f"{column.header}: a country code (DE, FR, GB …) or EU"
        validation.errorStyle = "warning"
    else:
        return None
    validation.errorTitle = column.header
    validation.showErrorMessage = True
    return validation


def _add_validations(sheet: Worksheet, table: Table) -> None:
    if table.output:
        return
    for index, key in enumerate(table.keys, start=1):
        validation = _validation_for(table, key)
        if validation is None:
            continue
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
        sheet.add_data_validation(validation)


# ---- README ------------------------------------------------------------------------------------------------

_INTRO = (
    "arcollect — accounts-receivable collections in this workbook",
    "",
    "You keep your customers, open invoices, payments and exchange rates in the input sheets. A refresh ages every "
    "invoice, works out discounts and late interest, and plans reminders by your dunning policy. The results are "
    "written to the output sheets; nothing in the input sheets is changed by a refresh.",
    "",
    "How to run",
    "  • In Excel: the Collections tab on the ribbon — Refresh, Preview reminders, Send reminders.",
    "  • From a command prompt: arcollect refresh arcollect.xlsx (arcollect --help lists every command).",
    "  • Reminders are only sent when you press Send (or run arcollect send); Refresh and Preview never send mail.",
    "",
    "Passwords never go in this workbook. The mail password or client secret is read from the environment "
    "(ARCOLLECT_SMTP_PASSWORD, ARCOLLECT_EWS_PASSWORD, ARCOLLECT_GRAPH_CLIENT_SECRET) or from the Windows "
    "credential store (keyring).",
    "",
    "Every value a refresh cannot use is listed on the Exceptions sheet with its sheet, row, column and the reason. "
    "Fix the cell and refresh again. Dates are written as YYYY-MM-DD; amounts as plain numbers.",
    "",
    "Input sheets (you fill these in; add rows at the bottom of each table and they extend automatically)",
)


def readme_lines() -> list[str]:
    """The README sheet's text, one line per row: what each sheet is for and what each column means."""
    lines = list(_INTRO)
    for table in schema.INPUT_TABLES:
        lines.extend(_table_lines(table))
    lines.extend(_table_lines(schema.MAPPINGS))
    lines.extend(["", "Output sheets (rewritten by every refresh — do not type into them; an empty one says why)"])
    for table in schema.OUTPUT_TABLES:
        lines.extend(_table_lines(table))
    lines.extend(["", f"{LISTS} (hidden) — the currency, country and jurisdiction codes behind the drop-down lists."])
    return lines


def _table_lines(table: Table) -> list[str]:
    lines = ["", f"{table.name} — {table.doc}"]
    if table is schema.AGING_SUMMARY:
        lines.append(
            f"  Buckets: {', '.join(aging.labels())}, {TOTAL} (days past due; Settings BucketEdges), each in the base "
            "currency its header names, e.g. Current (EUR)."
        )
    for column in table.columns:
        notes = []
        if not table.output and column.required:
            notes.append("required")
        if column.allowed:
            notes.append("one of " + ", ".join(column.allowed))
        elif column.kind is Kind.BOOL:
            notes.append("TRUE or FALSE")
        elif column.kind is Kind.DATE:
            notes.append("date")
        text = "; ".join(filter(None, [column.doc, ", ".join(notes)]))
        lines.append(f"  {column.header}" + (f": {text}" if text else ""))
    return lines


_README_WIDTH = 100  # a portrait page at 100 %: wrapped lines are not cut at its edge


def _write_readme(sheet: Worksheet) -> None:
    for row, line in enumerate(readme_lines(), start=1):
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = font(bold=True, size=14)
        elif line and not line.startswith(" ") and (" — " in line or line in ("How to run",)):
            cell.font = font(bold=True)
        lines = math.ceil(len(line) / _README_WIDTH)  # Calibri letters are narrower than the digit a width counts
        if lines > 1:  # explicit: LibreOffice fits rows to the screen's wrap and printed the third line of none
            sheet.row_dimensions[row].height = 15.0 * lines
    sheet.column_dimensions["A"].width = _README_WIDTH
    set_print_layout(sheet, PRINT_PAGE_WIDTH, landscape=False, title_row=None)  # one page wide: no line cut off


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m arcollect.book.template PATH``: write a fresh template to PATH."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m arcollect.book.template PATH.xlsx", file=sys.stderr)
        return 2
    build(args[0])
    print(f"template written to {args[0]}")
    return 0


__all__ = [
    "LISTS",
    "NUMBER_FORMATS",
    "README",
    "add_table",
    "aging_summary_headers",
    "apply_column_formats",
    "apply_conditional_formats",
    "build",
    "column_kinds",
    "country_codes",
    "currency_codes",
    "jurisdiction_codes",
    "readme_lines",
    "style_header",
]

if __name__ == "__main__":
    raise SystemExit(main())
