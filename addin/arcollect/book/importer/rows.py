"""An export's item rows as typed Invoices columns, through a mapping, with every bad cell a `Problem`.

Title lines above the header row and heading/total lines between the items (QuickBooks groups by aging bucket)
are skipped: a row with neither an invoice number nor an amount is a heading or a total, not an item. In a
grouped export (Xero) a heading holding one text names the customer of the items under it. Rows are typed
through `book.read.read_rows`, so an export is held to the same rules as the sheet itself; a bad row is left out
and reported with the export's file name, its row number there and the export's column header.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from arcollect import schema
from arcollect.book import dates
from arcollect.book.importer.layouts import (
    CLEARING_DATE,
    CUSTOMER_NAME,
    EXTRA_TARGETS,
    IMPORTED,
    Mapping,
    find,
    header_of,
    is_required,
    normal,
)
from arcollect.book.read import read_rows
from arcollect.book.values import convert
from arcollect.problems import Problem
from arcollect.schema import Invoices, Kind

_CURRENCY_SYMBOLS = re.compile(r"[$€£¥]")
_TOTAL_ROW = re.compile(r"(?i)^(?:total|totals|subtotal|gesamt|summe|somme|totaal|totale)\b")


def map_rows(
    mapping: Mapping,
    rows: list[list[Any]],
    header_index: int,
    file_name: str,
    base_currency: str | None = None,
    *,
    date_order: str = "",
) -> tuple[pd.DataFrame, dict[str, pd.Series], list[Problem]]:
    """The export's item rows as typed Invoices columns (index = the export's row number), extras, problems.

    A row without an invoice number and without an amount or an invoice date is a heading or a total, not an item.
    For a `Mapping.grouped` export, such a heading row holding one text (not "Total …") names the customer of the
    items under it. Dates in the mapping's format, else as the reader reads them (ISO, dotted, month names, slash
    dates by Settings DateOrder).
    """
    header = rows[header_index]
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(normal(cell), position)
    body = pd.DataFrame(rows[header_index + 1 :], dtype=object)
    body = body.reindex(columns=range(max(len(header), body.shape[1])))
    body.index = pd.RangeIndex(header_index + 2, header_index + 2 + len(body))  # 1-based row numbers in the file

    columns: dict[str, pd.Series] = {}
    source_headers: dict[str, str] = {}
    for key in (*IMPORTED, *EXTRA_TARGETS):
        source = find(mapping, key, set(positions))
        values = body[positions[normal(source)]] if source else pd.Series(None, index=body.index, dtype=object)
        if key in mapping.fixed:
            values = values.where(values.notna(), mapping.fixed[key])
        columns[key] = values
        source_headers[key] = source or header_of(key)
    if base_currency and Invoices.CURRENCY not in mapping.fixed:
        columns[Invoices.CURRENCY] = columns[Invoices.CURRENCY].where(columns[Invoices.CURRENCY].notna(), base_currency)
    cells = pd.DataFrame(columns)
    first = body.bfill(axis=1).iloc[:, 0] if body.shape[1] else pd.Series(None, index=body.index, dtype=object)
    total = first.map(lambda value: isinstance(value, str) and _TOTAL_ROW.match(value.strip()) is not None)
    headings = cells[Invoices.NUMBER].isna() & (
        cells[Invoices.AMOUNT].isna() | cells[Invoices.INVOICE_DATE].isna() | total.astype(bool)
    )
    if mapping.grouped:
        contact = _group_headings(body, headings)
        cells[Invoices.CUSTOMER_ID] = cells[Invoices.CUSTOMER_ID].where(cells[Invoices.CUSTOMER_ID].notna(), contact)
        cells[CUSTOMER_NAME] = cells[CUSTOMER_NAME].where(cells[CUSTOMER_NAME].notna(), contact)
        source_headers[Invoices.CUSTOMER_ID] = source_headers[CUSTOMER_NAME] = "(contact heading)"
    cells = cells[~headings]

    problems: list[Problem] = []
    for key in (Invoices.AMOUNT, Invoices.OPEN_AMOUNT):
        text = cells[key].map(lambda value: isinstance(value, str))
        cells.loc[text, key] = cells.loc[text, key].str.replace(_CURRENCY_SYMBOLS, "", regex=True)
    for key, fmt in mapping.formats.items():
        cells[key], failed = _dates_in_format(cells[key], fmt, date_order)
        for row in cells.index[failed]:
            reason = f"not a date in the export's format {fmt} — fix the export or the Mappings format"
            if is_required(key):
                reason += "; the row is left out"
            problems.append(Problem(file_name, int(row), source_headers[key], cells.at[row, key], reason))
        if is_required(key):
            cells = cells[~failed]
        else:
            cells.loc[failed, key] = None

    export_rows = list(cells.index)
    keys = list(IMPORTED)
    table_rows = [[header_of(key) for key in keys], *cells[keys].values.tolist()]
    typed, found = read_rows(schema.INVOICES, table_rows, date_order=date_order)
    by_position = dict(enumerate(export_rows, start=2))
    header_row = header_index + 1
    for problem in found:
        key = next((k for k in keys if header_of(k) == problem.column), None)
        row = header_row if problem.row == 1 else by_position[problem.row]
        column = source_headers.get(key, problem.column) if key else problem.column
        problems.append(problem._replace(sheet=file_name, row=row, column=column))
    typed.index = [by_position[position] for position in typed.index]
    typed = typed[keys]
    typed[Invoices.OPEN_AMOUNT] = typed[Invoices.OPEN_AMOUNT].fillna(typed[Invoices.AMOUNT])
    extras = {
        CUSTOMER_NAME: convert(cells[CUSTOMER_NAME].where(cells[CUSTOMER_NAME].notna(), None), Kind.TEXT)[0],
        CLEARING_DATE: convert(cells[CLEARING_DATE].where(cells[CLEARING_DATE].notna(), None), Kind.DATE)[0],
    }
    extras = {key: series.loc[typed.index] for key, series in extras.items()}
    unique: dict[tuple[Any, ...], Problem] = {}
    for problem in problems:  # Amount and Open amount may read the same source column: report the cell once
        unique.setdefault((problem.row, problem.column), problem)
    problems = list(unique.values())
    problems.sort(key=lambda problem: problem.row or 0)
    return typed, extras, problems


def _dates_in_format(values: pd.Series, fmt: str, date_order: str = "") -> tuple[pd.Series, pd.Series]:
    """Text dates parsed with `fmt`, else as `book.dates` reads them; a mask of text that is neither.

    A slash format names the export's order (%m/%d/%Y is MDY), which decides slash dates it does not match.
    """
    text = values.map(lambda value: isinstance(value, str))
    strings = values[text].str.strip()
    parsed = pd.to_datetime(strings, format=fmt, errors="coerce")
    order = "MDY" if fmt.startswith("%m") else "DMY" if fmt.startswith("%d") and "/" in fmt else date_order
    parsed = parsed.fillna(dates.parse_text(strings, order)[0])
    result = values.copy()
    result[text] = parsed.where(parsed.notna(), None).astype(object)
    failed = text.copy()
    failed[text] = parsed.isna()
    result[failed] = values[failed]
    return result, failed


def _group_headings(body: pd.DataFrame, headings: pd.Series) -> pd.Series:
    """For a grouped export: each row's customer, from the nearest heading row above it holding one text."""
    filled = body.notna().sum(axis=1)
    first = body.bfill(axis=1).iloc[:, 0] if body.shape[1] else pd.Series(None, index=body.index, dtype=object)
    text = first.map(lambda value: value.strip() if isinstance(value, str) else None)
    is_total = text.map(lambda value: value is not None and _TOTAL_ROW.match(value) is not None).astype(bool)
    names = text.where(headings & (filled == 1) & ~is_total & text.notna())
    ended = headings & is_total  # a group's total row ends it: items after it without a heading have no customer
    marks = names.where(~ended, "")
    return marks.ffill().replace("", None)
