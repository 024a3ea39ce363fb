"""Load an open-items export from an ERP or accounting system into the workbook's Invoices and Customers.

    >>> from arcollect.book.importer import import_open_items
    >>> report = import_open_items("arcollect.xlsx", "fbl5n.xlsx")          # full export, mapping auto-detected
    >>> report.mapping_used, report.added, report.updated, report.closed
    ('sap_fbl5n', 4, 2, 3)

The export is a CSV (delimiter sniffed; UTF-8, UTF-8 with BOM or Windows-1252) or the first sheet of an .xlsx.
Title lines above the header row and heading/total lines between the items (QuickBooks groups by aging bucket)
are skipped: the header row is the first row holding the mapping's required source columns, and a row with
neither an invoice number nor an amount is a heading or a total, not an item.

Built-in mappings (source column → Invoices column):

- ``quickbooks`` — QuickBooks Online "A/R Aging Detail" and Xero "Aged Receivables Detail" CSV exports:
  Num / Invoice Number → Invoice, Customer / Contact → Customer ID and customer name, Date / Invoice Date →
  Invoice date, Due Date → Due date, Amount / Total → Amount, Open Balance / Due → Open amount, Currency →
  Currency, Reference / P.O. Number → PO number. Dates are US month first (%m/%d/%Y); ISO dates work too. An
  export without a Currency column (single-currency QuickBooks) takes the workbook's BaseCurrency setting.
- ``sap_fbl5n`` — SAP FBL5N customer line items: Document Number → Invoice, Customer → Customer ID, Name 1 →
  customer name, Document Date → Invoice date, Net due date → Due date, Amount in doc. curr. → Amount and Open
  amount, Document currency → Currency, Reference → PO number; a filled Clearing date marks the item as cleared
  (paid), even in a partial export. Dates dd.mm.yyyy, amounts "1.234,56" or "1,234.56", trailing minus allowed.

Users add or adjust mappings on an optional ``Mappings`` sheet (`schema.MAPPINGS`: Mapping, Target column,
Source column, Fixed value or format). Its rows for a built-in name override that mapping column by column, so a
one-line row (``quickbooks | Invoice | Invoice #``) adapts a built-in to a renamed export column.

What the import does, and why:

- Rows are typed through `book.read.read_rows`, so an export is held to the same rules as the sheet itself; a
  bad row is left out and reported as a `Problem` with the export's file name, its row number there and the
  export's column header. The rest is imported.
- Upsert by invoice number (case-insensitive): new numbers are appended with Status Open; known ones get the
  export's amounts, dates, currency and reference, and the user's own columns (Status, Promise date, Dispute
  reason, payment plan, link, terms override) stay as they are — except that a Paid invoice that is open again
  in the export is set back to Open.
- ``full=True`` (the export lists every open item): open invoices the export does not list are set to Paid with
  open amount 0. ``full=False`` closes nothing. Nothing is ever deleted.
- Customers the workbook does not know are added with ID, name and currency, and reported in Exceptions, since
  the reminder run needs their country and email before it can remind them.
- The workbook's own rows are carried over cell for cell (bad cells included), so an import never drops a row
  the user has yet to fix. The save goes through `book.write.write_tables`: atomic, and to a side file when the
  workbook is open in Excel. Exceptions is rewritten with the import's problems.
- From the ribbon the workbook is open in Excel: the same `merge` reads its sheets and writes the three tables
  through `book.live` (nothing is saved; the user saves), so a live import gives the same rows as the CLI's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from arcollect import schema
from arcollect.book import dates, guard, live
from arcollect.book import settings as book_settings
from arcollect.book.exceptions import sheet as exceptions_sheet
from arcollect.book.read import convert, read, read_rows
from arcollect.book.write import WriteResult, write_tables
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import Customers, Invoices, Kind, Mappings, Table

logger = logging.getLogger(__name__)

CUSTOMER_NAME = "customer_name"
CLEARING_DATE = "clearing_date"
IMPORTED = (
    Invoices.NUMBER,
    Invoices.CUSTOMER_ID,
    Invoices.INVOICE_DATE,
    Invoices.DUE_DATE,
    Invoices.CURRENCY,
    Invoices.AMOUNT,
    Invoices.OPEN_AMOUNT,
    Invoices.PO_NUMBER,
)
"""The Invoices columns an export owns; every other column belongs to the user and is never overwritten."""

_EXTRA_TARGETS = {CUSTOMER_NAME: ("Customer name", Kind.TEXT), CLEARING_DATE: ("Clearing date", Kind.DATE)}
_HEADER_SCAN_ROWS = 30
_ENCODINGS = ("utf-8-sig", "cp1252")
_CURRENCY_SYMBOLS = re.compile(r"[$€£¥]")
_TOTAL_ROW = re.compile(r"(?i)^(?:total|totals|subtotal|gesamt|summe|somme|totaal|totale)\b")


@dataclass(frozen=True)
class Mapping:
    """How one export layout maps to Invoices: target key → candidate source headers, fixed values, date formats.

    `grouped`: the export names the customer in a heading row above its items instead of in a column (Xero's
    Aged Receivables Detail); each item takes the customer of the heading above it.
    """

    name: str
    sources: dict[str, tuple[str, ...]]
    fixed: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    grouped: bool = False

    @property
    def required(self) -> list[str]:
        """Targets the export itself must supply: required Invoices columns without a fixed value or fallback."""
        needed = [c.key for c in schema.INVOICES.columns if c.required and c.key in IMPORTED]
        return [key for key in needed if key not in self.fixed and key != Invoices.CURRENCY and key in self.sources]


BUILT_IN: dict[str, Mapping] = {
    "quickbooks": Mapping(
        "quickbooks",
        {
            Invoices.NUMBER: ("Num", "Invoice Number", "No."),
            Invoices.CUSTOMER_ID: ("Customer", "Contact", "Customer full name"),
            CUSTOMER_NAME: ("Customer", "Contact", "Customer full name"),
            Invoices.INVOICE_DATE: ("Date", "Invoice Date"),
            Invoices.DUE_DATE: ("Due Date",),
            Invoices.AMOUNT: ("Amount", "Total", "Invoice Total"),
            Invoices.OPEN_AMOUNT: ("Open Balance", "Due", "Balance"),
            Invoices.CURRENCY: ("Currency", "Currency Code"),
            Invoices.PO_NUMBER: ("Reference", "P.O. Number"),
        },
        formats={Invoices.INVOICE_DATE: "%m/%d/%Y", Invoices.DUE_DATE: "%m/%d/%Y"},
    ),
    "sap_fbl5n": Mapping(
        "sap_fbl5n",
        {
            Invoices.NUMBER: ("Document Number", "DocumentNo", "Belegnummer", "Belegnr.", "Beleg"),
            Invoices.CUSTOMER_ID: ("Customer", "Account", "Kunde", "Konto", "Debitor"),
            CUSTOMER_NAME: ("Name 1", "Name"),
            Invoices.INVOICE_DATE: ("Document Date", "Belegdatum", "Belegdat."),
            Invoices.DUE_DATE: (
                "Net due date",
                "Net Due Date",
                "Nettofälligkeitsdatum",
                "Nettofälligkeit",
                "Nettofällig",
                "Netto-Fälligkeit",
                "Fälligkeit netto",
                "Fälligkeit",
            ),
            Invoices.AMOUNT: (
                "Amount in doc. curr.",
                "Amount in DC",
                "Betrag in Belegwährung",
                "Betrag in BW",
                "Betrag",
            ),
            Invoices.OPEN_AMOUNT: (
                "Amount in doc. curr.",
                "Amount in DC",
                "Betrag in Belegwährung",
                "Betrag in BW",
                "Betrag",
            ),
            Invoices.CURRENCY: ("Document currency", "Currency", "Belegwährung", "Währung"),
            Invoices.PO_NUMBER: ("Reference", "Referenz"),
            CLEARING_DATE: ("Clearing date", "Ausgleichsdatum", "Ausgleich"),
        },
    ),
    "xero": Mapping(
        "xero",
        {
            Invoices.NUMBER: ("Invoice Number", "Number", "Invoice #"),
            CUSTOMER_NAME: (),
            Invoices.INVOICE_DATE: ("Invoice Date", "Date"),
            Invoices.DUE_DATE: ("Due Date",),
            Invoices.AMOUNT: ("Invoice Total", "Gross", "Total"),
            Invoices.OPEN_AMOUNT: ("Due", "Balance", "Amount Due", "Total"),
            Invoices.CURRENCY: ("Currency", "Currency Code"),
            Invoices.PO_NUMBER: ("Invoice Reference", "Reference"),
        },
        formats={Invoices.INVOICE_DATE: "%d %b %Y", Invoices.DUE_DATE: "%d %b %Y"},
        grouped=True,
    ),
}


@dataclass(frozen=True)
class ImportReport:
    """What an import changed, by invoice number, and the rows it could not use."""

    added: list[str]
    updated: list[str]
    closed: list[str]
    unchanged: list[str]
    problems: list[Problem]
    mapping_used: str
    customers_added: list[str] = field(default_factory=list)
    write: WriteResult | None = None
    customers_matched: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    backup: Path | None = None

    @property
    def imported(self) -> int:
        """Invoices the export gave that the import used (added, updated, closed by clearing date or unchanged)."""
        return self.rows_read

    def summary(self) -> str:
        matched = (
            f", {len(self.customers_matched)} matched to existing customers by name" if self.customers_matched else ""
        )
        return (
            f"{self.mapping_used}: {len(self.added)} added, {len(self.updated)} updated, {len(self.closed)} closed "
            f"(marked Paid), {len(self.unchanged)} unchanged, {len(self.customers_added)} new customer(s){matched}, "
            f"{len(self.problems)} problem(s)"
        )


def import_open_items(
    workbook: str | Path | Any,
    export: str | Path,
    *,
    mapping: str | None = None,
    full: bool = True,
    force: bool = False,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Upsert the open items of `export` into `workbook` and save; see the module doc for the rules.

    `workbook` is a workbook file, or a workbook open in Excel (an xlwings `Book`, as the ribbon passes): then
    its Invoices, Customers, Mappings and Settings are read and Invoices, Customers and Exceptions written back
    through `book.live`, and nothing is saved (the user saves in Excel). Both go through the same `merge`.

    `mapping` names a built-in or Mappings-sheet mapping; None picks the one whose columns the export's header
    matches best. A full import that would mark more than Settings ImportCloseLimit (50 %) of the open invoices
    Paid raises `InputError` unless `force`; nothing is written then. Before a workbook file is written, a copy
    of it is kept beside it (``<stem>.before-import-<YYYYmmdd-HHMMSS>.xlsx``, `ImportReport.backup`). `as_of` is
    only logged. Raises `InputError` when the export cannot be read or no mapping fits.
    """
    export = Path(export)
    if isinstance(workbook, str | Path):
        path = Path(workbook)
        name = path.name
        tables, report = merge(
            export,
            lambda sheet: sheet_rows(path, sheet),
            lambda: read(path)[0][schema.SETTINGS.name],
            mapping=mapping,
            full=full,
            force=force,
        )
        backup = _backup(path, now or dt.datetime.now())
        written = write_tables(path, tables)
        report = replace(report, backup=backup)
    else:
        book = workbook
        name = book.name
        tables, report = merge(
            export,
            lambda sheet: live.sheet_rows(book, sheet),
            lambda: live.read_table(book, schema.SETTINGS.name),
            mapping=mapping,
            full=full,
            force=force,
        )
        written = live.write_tables(book, tables)  # the file on disk is the backup: nothing is saved here
    report = replace(report, write=written)
    logger.info("import %s into %s (as of %s): %s", export.name, name, as_of, report.summary())
    return report


def _backup(path: Path, now: dt.datetime) -> Path:
    """A copy of the workbook as it was before the import, beside it."""
    target = path.with_name(f"{path.stem}.before-import-{now:%Y%m%d-%H%M%S}{path.suffix or '.xlsx'}")
    shutil.copy2(path, target)
    return target


def merge(
    export: Path,
    sheet_rows: Callable[[str], list[list[Any]]],
    settings_table: Callable[[], pd.DataFrame],
    *,
    mapping: str | None = None,
    full: bool = True,
    force: bool = False,
) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    """The import itself, for any workbook: the Invoices, Customers and Exceptions tables to write, and the report.

    `sheet_rows(sheet)` gives a sheet's cells as rows from A1 (empty list when there is no such sheet), bad values
    included; `settings_table()` the typed Settings table (base currency, DateOrder, ImportCloseLimit). Nothing is
    written here.
    """
    mappings = {**BUILT_IN, **user_mappings(sheet_rows(schema.MAPPINGS.sheet))}
    rows = read_export(export)
    chosen, header_index = _choose(mappings, rows, mapping, export.name)
    config = book_settings.parse_settings(settings_table())[0]
    imported, extras, problems = map_rows(
        chosen, rows, header_index, export.name, config.base_currency, date_order=config.date_order
    )

    invoices = _raw_table(sheet_rows(schema.INVOICES.sheet), schema.INVOICES)
    customers = _raw_table(sheet_rows(schema.CUSTOMERS.sheet), schema.CUSTOMERS)
    imported, matched = _match_customers(imported, extras.get(CUSTOMER_NAME), customers)
    invoices, changes, missing = upsert(invoices, imported, extras.get(CLEARING_DATE), full=full)
    _check_close_limit(missing, invoices, export.name, config.import_close_limit, force=force)
    customers, new_customers = _add_customers(customers, imported, extras.get(CUSTOMER_NAME))
    problems += _customer_problems(customers, new_customers, export.name)

    tables = {
        schema.INVOICES.name: invoices,
        schema.CUSTOMERS.name: customers,
        "Exceptions": exceptions_sheet(problems),  # sorted by sheet and row, linked where it is a workbook cell
    }
    report = ImportReport(
        **changes, problems=problems, mapping_used=chosen.name, customers_added=new_customers,
        customers_matched=matched, rows_read=len(imported),
    )  # fmt: skip
    return tables, report


def _check_close_limit(
    missing: int | tuple[int, int], invoices: pd.DataFrame, file_name: str, limit: Any, *, force: bool
) -> None:
    """Refuse a full import that would mark more than `limit` percent of the open invoices Paid (unless `force`)."""
    closing, open_before = missing if isinstance(missing, tuple) else (missing, 0)
    if force or not open_before or closing * 100 <= float(limit) * open_before:
        return
    share = closing * 100 / open_before
    raise InputError(
        f"{file_name} does not list {closing} of the {open_before} open invoices ({share:.0f} %), so a full import "
        f"would mark them Paid — more than Settings ImportCloseLimit ({float(limit):g} %). Nothing was changed. "
        "If the export is not complete, import it with --partial; if those invoices really are paid, run it again "
        "with --force."
    )


# ---- mappings ----------------------------------------------------------------------------------------------


def user_mappings(rows: list[list[Any]]) -> dict[str, Mapping]:
    """Mappings from the rows of the workbook's optional Mappings sheet, merged over the built-in of the same name."""
    if not rows:
        return {}
    frame, problems = read_rows(schema.MAPPINGS, rows)
    for problem in problems:
        logger.warning("Mappings sheet: %s", problem)
    targets = _target_names()
    found: dict[str, Mapping] = {}
    for name, group in frame.groupby(Mappings.NAME, sort=False):
        if any(_normal(target) == "bookingdate" for target in group[Mappings.TARGET]):
            continue  # a bank statement mapping (arcollect bank reads it: bank.inbox.csv_mappings)
        base = BUILT_IN.get(str(name).casefold(), Mapping(str(name), {}))
        sources, fixed, formats = dict(base.sources), dict(base.fixed), dict(base.formats)
        for target_text, source, extra in group[[Mappings.TARGET, Mappings.SOURCE, Mappings.FIXED]].itertuples(
            index=False
        ):
            target = targets.get(_normal(target_text))
            if target is None:
                logger.warning("Mappings sheet: unknown target column %r in mapping %s", target_text, name)
                continue
            if source:
                sources[target] = (source,)
            if extra and "%" in extra:
                formats[target] = extra
            elif extra:
                fixed[target] = extra
        found[base.name] = Mapping(base.name, sources, fixed, formats)
    return found


def _target_names() -> dict[str, str]:
    names = {_normal(c.header): c.key for c in schema.INVOICES.columns if c.key in IMPORTED}
    names.update({_normal(c.key): c.key for c in schema.INVOICES.columns if c.key in IMPORTED})
    names.update({_normal(header): key for key, (header, _) in _EXTRA_TARGETS.items()})
    return names


def _choose(
    mappings: dict[str, Mapping], rows: list[list[Any]], name: str | None, file_name: str
) -> tuple[Mapping, int]:
    """The mapping to use and the index of the export's header row.

    Auto-detection scores each mapping by how many of its source columns appear in one header row; a mapping
    qualifies only when every required source is there, and the highest score wins.
    """
    if name is not None:
        chosen = mappings.get(name) or mappings.get(name.casefold())
        if chosen is None:
            raise InputError(f"no mapping named {name!r} — known: {', '.join(sorted(mappings))}")
        candidates = [chosen]
    else:
        candidates = list(mappings.values())
    best: tuple[int, Mapping, int] | None = None
    for candidate in candidates:
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            header = {_normal(cell) for cell in row if cell is not None}
            if not all(_find(candidate, key, header) for key in candidate.required):
                continue
            score = sum(1 for key in candidate.sources if _find(candidate, key, header))
            if best is None or score > best[0]:
                best = (score, candidate, index)
            break
    if best is None:
        raise InputError(_no_fit(file_name, {candidate.name: candidate for candidate in candidates}, rows))
    return best[1], best[2]


def _no_fit(file_name: str, mappings: dict[str, Mapping], rows: list[list[Any]]) -> str:
    """Why no mapping fits: what the closest one lacks, and what the export's header row holds."""
    closest, index = _closest(mappings, rows)
    header = [str(cell) for cell in rows[index] if cell is not None] if rows else []
    present = {_normal(cell) for cell in header}
    missing = [
        f"{_header(key)} (one of: {', '.join(closest.sources.get(key, ()))})"
        for key in closest.required
        if not _find(closest, key, present)
    ]
    shown = ", ".join(header[:24]) + (" …" if len(header) > 24 else "")
    return (
        f"{file_name}: its columns do not fit a known export. The closest is {closest.name}, which needs "
        f"{'; '.join(missing) or 'its columns in one header row'}. The export's header row (row {index + 1}) has: "
        f"{shown or 'nothing'}. Map the columns on the Mappings sheet, one row per column (Mapping "
        f"{closest.name}, Target column Invoice, Source column: the export's invoice column …); "
        "arcollect import BOOK --from FILE --show-mapping shows the export's headers beside arcollect's columns."
    )


def _find(mapping: Mapping, key: str, header: set[str]) -> str | None:
    return next((source for source in mapping.sources.get(key, ()) if _normal(source) in header), None)


# ---- reading the export ------------------------------------------------------------------------------------


def read_export(path: Path) -> list[list[Any]]:
    """The export's cells as rows (empty cells None): the first sheet of an .xlsx, else a CSV."""
    if not path.is_file():
        raise InputError(f"{path.name}: file not found ({path})")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if path.suffix.lower() != ".xls":
            guard.check(path)
        try:
            with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
                rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except (python_calamine.CalamineError, OSError, ValueError) as exc:
            raise InputError(f"{path.name} cannot be read as a workbook: {exc}") from exc
    else:
        rows = list(csv.reader(io.StringIO(_decode(path)), _dialect(_decode(path))))
    width = max(map(len, rows), default=0)  # CSV heading and total lines are shorter than item lines
    return [
        [None if cell == "" or cell is None else cell for cell in row] + [None] * (width - len(row)) for row in rows
    ]


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}: not UTF-8 or Windows-1252 text")


def _dialect(text: str) -> type[csv.Dialect]:
    """The CSV dialect; lines past any title block are sniffed, because a title line has no delimiters."""
    lines = [line for line in text.splitlines() if line.strip()]
    sample = "\n".join(sorted(lines[:40], key=len, reverse=True)[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def sheet_rows(workbook: Path, sheet: str) -> list[list[Any]]:
    """A sheet's cells as rows from A1 (empty list when the workbook has no such sheet); also read by bank.inbox."""
    guard.check(workbook)
    try:
        with python_calamine.CalamineWorkbook.from_path(str(workbook)) as book:
            names = {name.casefold(): name for name in book.sheet_names}
            if sheet.casefold() not in names:
                return []
            return book.get_sheet_by_name(names[sheet.casefold()]).to_python(skip_empty_area=False)
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{workbook.name} is not an Excel workbook or cannot be opened: {exc}") from exc


# ---- mapping rows ------------------------------------------------------------------------------------------


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
        positions.setdefault(_normal(cell), position)
    body = pd.DataFrame(rows[header_index + 1 :], dtype=object)
    body = body.reindex(columns=range(max(len(header), body.shape[1])))
    body.index = pd.RangeIndex(header_index + 2, header_index + 2 + len(body))  # 1-based row numbers in the file

    columns: dict[str, pd.Series] = {}
    source_headers: dict[str, str] = {}
    for key in (*IMPORTED, *_EXTRA_TARGETS):
        source = _find(mapping, key, set(positions))
        values = body[positions[_normal(source)]] if source else pd.Series(None, index=body.index, dtype=object)
        if key in mapping.fixed:
            values = values.where(values.notna(), mapping.fixed[key])
        columns[key] = values
        source_headers[key] = source or _header(key)
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
            if _required(key):
                reason += "; the row is left out"
            problems.append(Problem(file_name, int(row), source_headers[key], cells.at[row, key], reason))
        if _required(key):
            cells = cells[~failed]
        else:
            cells.loc[failed, key] = None

    export_rows = list(cells.index)
    keys = list(IMPORTED)
    table_rows = [[_header(key) for key in keys], *cells[keys].values.tolist()]
    typed, found = read_rows(schema.INVOICES, table_rows, date_order=date_order)
    by_position = dict(enumerate(export_rows, start=2))
    header_row = header_index + 1
    for problem in found:
        key = next((k for k in keys if _header(k) == problem.column), None)
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


def _required(key: str) -> bool:
    return key in schema.INVOICES.keys and schema.INVOICES.column(key).required


def _header(key: str) -> str:
    if key in _EXTRA_TARGETS:
        return _EXTRA_TARGETS[key][0]
    return schema.INVOICES.column(key).header


def _normal(text: Any) -> str:
    return re.sub(r"[\W_]+", "", str(text)).casefold() if text is not None else ""


# ---- upsert ------------------------------------------------------------------------------------------------


def _raw_table(rows: list[list[Any]], table: Table) -> pd.DataFrame:
    """`table`'s rows from its sheet's cells (`rows`, from A1), bad values too, by schema key; index = Excel row."""
    header = rows[0] if rows else []
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(_normal(cell), position)
    body = pd.DataFrame(rows[1:], dtype=object).reindex(columns=range(max(len(header), 1)))
    body.index = pd.RangeIndex(2, 2 + len(body))
    body = body.map(lambda value: None if value == "" else value)
    columns = {}
    for column in table.columns:
        position = positions.get(_normal(column.header), positions.get(_normal(column.key)))
        columns[column.key] = body[position] if position is not None else pd.Series(None, index=body.index)
    frame = pd.DataFrame(columns, index=body.index, dtype=object)
    return frame[frame.notna().any(axis=1)]


def _keys(values: pd.Series) -> pd.Series:
    text, _ = convert(values.where(values.notna(), None), Kind.TEXT)
    return text.map(lambda value: value.casefold() if isinstance(value, str) else None)


def upsert(
    invoices: pd.DataFrame, imported: pd.DataFrame, cleared: pd.Series | None, *, full: bool
) -> tuple[pd.DataFrame, dict[str, list[str]], tuple[int, int]]:
    """`invoices` (raw workbook rows) with `imported` merged in; the invoice numbers added, updated, closed; and
    how many open invoices a full import closes because the export does not list them, of how many open before.

    An imported row with a clearing date closes its invoice rather than updating it: the ERP says it is paid.
    """
    invoices = invoices.copy()
    existing_keys = _keys(invoices[Invoices.NUMBER])
    imported_keys = imported[Invoices.NUMBER].str.casefold()
    is_cleared = cleared.notna() if cleared is not None else pd.Series(False, index=imported.index)
    open_items = imported[~is_cleared]
    open_keys = imported_keys[~is_cleared]
    cleared_keys = set(imported_keys[is_cleared])

    known = open_keys.isin(set(existing_keys.dropna()))
    new = open_items[~known].copy()
    new[Invoices.STATUS] = "Open"

    row_of = pd.Series(existing_keys.index, index=existing_keys.values)
    row_of = row_of[~row_of.index.duplicated()]
    matched = open_items[known]
    target_rows = row_of.loc[open_keys[known]].to_numpy()
    updated, unchanged = [], []
    for key in IMPORTED:
        kind = schema.INVOICES.column(key).kind
        current, _ = convert(invoices.loc[target_rows, key].where(invoices.loc[target_rows, key].notna(), None), kind)
        incoming = matched[key].set_axis(target_rows)
        differs = ~((current == incoming) | (current.isna() & incoming.isna())) & incoming.notna()
        if key == Invoices.CUSTOMER_ID:
            differs &= current.str.casefold() != incoming.str.casefold()
        matched_changed = differs.to_numpy()
        invoices.loc[target_rows[matched_changed], key] = _cells(incoming[matched_changed], kind)
        updated.append(matched_changed)
    changed = pd.DataFrame(updated).any(axis=0).to_numpy() if updated else []
    status = _keys(invoices[Invoices.STATUS])
    reopened = (status.loc[target_rows] == "paid").to_numpy() & (matched[Invoices.OPEN_AMOUNT] != 0).to_numpy()
    invoices.loc[target_rows[reopened], Invoices.STATUS] = "Open"
    changed = changed | reopened
    updated = list(matched.loc[changed, Invoices.NUMBER])
    unchanged = list(matched.loc[~changed, Invoices.NUMBER])

    status = _keys(invoices[Invoices.STATUS])
    still_open = status.ne("paid") & existing_keys.notna()
    missing = ~existing_keys.isin(set(open_keys)) if full else pd.Series(False, index=invoices.index)
    unlisted = (still_open & missing & ~existing_keys.isin(cleared_keys)).sum()
    closing = still_open & (missing | existing_keys.isin(cleared_keys))
    closed = list(invoices.loc[closing, Invoices.NUMBER].astype(str))
    invoices.loc[closing, Invoices.STATUS] = "Paid"
    invoices.loc[closing, Invoices.OPEN_AMOUNT] = 0.0

    appended = pd.DataFrame({key: _cells(new[key], schema.INVOICES.column(key).kind) for key in IMPORTED})
    appended[Invoices.STATUS] = "Open"
    invoices = pd.concat([invoices, appended.reindex(columns=invoices.columns)], ignore_index=True)
    changes = {"added": list(new[Invoices.NUMBER]), "updated": updated, "closed": closed, "unchanged": unchanged}
    return invoices, changes, (int(unlisted), int(still_open.sum()))


def _cells(values: pd.Series, kind: Kind) -> list[Any]:
    """Typed values as cells for the writer: dates as `datetime.date`, missing as None."""
    if kind is Kind.DATE:
        return [None if pd.isna(value) else pd.Timestamp(value).date() for value in values]
    return [None if value is None or (isinstance(value, float) and pd.isna(value)) else value for value in values]


def _add_customers(
    customers: pd.DataFrame, imported: pd.DataFrame, names: pd.Series | None
) -> tuple[pd.DataFrame, list[str]]:
    """Customers with a minimal row (ID, name, currency) for each customer ID the workbook does not know."""
    known = set(_keys(customers[Customers.ID]).dropna())
    first = imported.drop_duplicates(Invoices.CUSTOMER_ID)
    first = first[~first[Invoices.CUSTOMER_ID].str.casefold().isin(known)]
    if first.empty:
        return customers, []
    name = names.loc[first.index] if names is not None else pd.Series(None, index=first.index)
    rows = pd.DataFrame(
        {
            Customers.ID: first[Invoices.CUSTOMER_ID],
            Customers.NAME: name.where(name.notna(), first[Invoices.CUSTOMER_ID]),
            Customers.CURRENCY: first[Invoices.CURRENCY],
        }
    )
    customers = pd.concat([customers, rows.reindex(columns=customers.columns)], ignore_index=True)
    return customers, list(first[Invoices.CUSTOMER_ID])


def _customer_problems(customers: pd.DataFrame, added: Sequence[str], file_name: str) -> list[Problem]:
    """One problem per new customer: the run needs a country (and an email) before it can remind them."""
    first_new = len(customers) - len(added) + 2  # Excel row of the first appended customer
    header = schema.CUSTOMERS.column(Customers.COUNTRY).header
    reason = "new customer {} added by the import of {} — fill in Country and Email so reminders can go out"
    return [
        Problem("Customers", first_new + i, header, None, reason.format(customer, file_name))
        for i, customer in enumerate(added)
    ]


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


def _normal_name(value: Any) -> str:
    """A customer name compared loosely: case, spaces and punctuation do not matter ("Müller GmbH" = "MÜLLER, GmbH")."""
    return re.sub(r"[\W_]+", "", str(value)).casefold() if value is not None else ""


def _match_customers(
    imported: pd.DataFrame, names: pd.Series | None, customers: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Imported customers the workbook knows under another ID, matched by name, take that ID.

    QuickBooks and Xero exports name customers, they have no customer numbers: without this, a workbook whose
    Customers use their own IDs would get a second customer with the name as its ID. An imported ID that is an
    existing customer ID stays; otherwise its name (or the ID itself) is compared with the existing names and
    IDs, and used only when exactly one existing customer matches. Returns the imported rows and what was matched
    (imported ID → existing ID).
    """
    if customers.empty or imported.empty:
        return imported, {}
    existing_ids = customers[Customers.ID].map(lambda value: None if value is None else str(value).strip())
    known = set(existing_ids.dropna().str.casefold())
    by_name: dict[str, set[str]] = {}
    for customer_id, name in zip(existing_ids, customers[Customers.NAME], strict=True):
        if customer_id is None:
            continue
        for key in {_normal_name(name), _normal_name(customer_id)} - {""}:
            by_name.setdefault(key, set()).add(customer_id)
    matched: dict[str, str] = {}
    ids = imported[Invoices.CUSTOMER_ID]
    for customer_id in pd.unique(ids.dropna()):
        if str(customer_id).casefold() in known:
            continue
        rows = ids == customer_id
        name = names[rows].dropna().iloc[0] if names is not None and names[rows].notna().any() else customer_id
        candidates = by_name.get(_normal_name(name), set()) | by_name.get(_normal_name(customer_id), set())
        if len(candidates) == 1:
            matched[str(customer_id)] = next(iter(candidates))
    if not matched:
        return imported, {}
    imported = imported.assign(**{Invoices.CUSTOMER_ID: ids.map(lambda value: matched.get(value, value))})
    return imported, matched


# ---- the mapping helper --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingView:
    """What `describe` shows: the mapping chosen (or the closest), the export's header row, and per Invoices
    column the export column it is read from with a sample value."""

    mapping: str
    header_row: int
    columns: list[tuple[str, str | None, Any]]
    unused: list[str]
    fits: bool


def describe(
    export: str | Path, *, mapping: str | None = None, user_rows: list[list[Any]] | None = None
) -> MappingView:
    """The export's headers beside arcollect's columns, for ``arcollect import --show-mapping``.

    Uses the mapping named, else the one `import` would choose, else the one matching most of the header (then
    `fits` is False and the unmatched required columns show no source).
    """
    export = Path(export)
    mappings = {**BUILT_IN, **user_mappings(user_rows or [])}
    rows = read_export(export)
    try:
        chosen, index = _choose(mappings, rows, mapping, export.name)
        fits = True
    except InputError:
        if mapping is not None and mapping not in mappings and mapping.casefold() not in mappings:
            raise
        chosen, index = _closest(mappings if mapping is None else {mapping: mappings[mapping]}, rows)
        fits = False
    header = rows[index] if rows else []
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(_normal(cell), position)
    sample = next((row for row in rows[index + 1 :] if sum(cell is not None for cell in row) > 2), [])
    columns, used = [], set()
    for key in (*IMPORTED, *_EXTRA_TARGETS):
        source = _find(chosen, key, set(positions))
        if source is None and chosen.grouped and key in (Invoices.CUSTOMER_ID, CUSTOMER_NAME):
            columns.append((_header(key), "(the contact heading above each group)", None))
            continue
        value = sample[positions[_normal(source)]] if source and positions[_normal(source)] < len(sample) else None
        columns.append((_header(key), source, value))
        if source:
            used.add(_normal(source))
    unused = [str(cell) for cell in header if cell is not None and _normal(cell) not in used]
    return MappingView(chosen.name, index + 1, columns, unused, fits)


def _closest(mappings: dict[str, Mapping], rows: list[list[Any]]) -> tuple[Mapping, int]:
    """The mapping and header row sharing the most columns, even if a required one is missing."""
    best: tuple[int, Mapping, int] | None = None
    for candidate in mappings.values():
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            header = {_normal(cell) for cell in row if cell is not None}
            score = sum(1 for key in candidate.sources if _find(candidate, key, header))
            if best is None or score > best[0]:
                best = (score, candidate, index)
    if best is None:
        return next(iter(mappings.values())), 0
    return best[1], best[2]
