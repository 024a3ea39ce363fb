"""Applying an export to a workbook: the import as a whole, its safety checks, and what it reports.

`import_open_items` reads the workbook (a file, or a book open in Excel through `book.live`), `merge`s the export
into its Invoices and Customers, and writes them back with the import's problems on Exceptions. A full import that
would mark more than Settings ImportCloseLimit of the open invoices Paid is refused unless forced, and a workbook
file is copied beside itself before it is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from arcollect import schema
from arcollect.book import live
from arcollect.book import settings as book_settings
from arcollect.book.exceptions import sheet as exceptions_sheet
from arcollect.book.importer.customers import add_customers, match_customers, new_customer_problems
from arcollect.book.importer.export import read_export
from arcollect.book.importer.layouts import BUILT_IN, CLEARING_DATE, CUSTOMER_NAME
from arcollect.book.importer.mapping import choose, user_mappings
from arcollect.book.importer.rows import map_rows
from arcollect.book.importer.upsert import raw_table, upsert
from arcollect.book.read import read, sheet_rows
from arcollect.book.write import WriteResult, write_tables
from arcollect.errors import InputError
from arcollect.problems import Problem

logger = logging.getLogger(__name__)


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
    chosen, header_index = choose(mappings, rows, mapping, export.name)
    config = book_settings.parse_settings(settings_table())[0]
    imported, extras, problems = map_rows(
        chosen, rows, header_index, export.name, config.base_currency, date_order=config.date_order
    )

    invoices = raw_table(sheet_rows(schema.INVOICES.sheet), schema.INVOICES)
    customers = raw_table(sheet_rows(schema.CUSTOMERS.sheet), schema.CUSTOMERS)
    imported, matched = match_customers(imported, extras.get(CUSTOMER_NAME), customers)
    invoices, changes, missing = upsert(invoices, imported, extras.get(CLEARING_DATE), full=full)
    _check_close_limit(missing, invoices, export.name, config.import_close_limit, force=force)
    customers, new_customers = add_customers(customers, imported, extras.get(CUSTOMER_NAME))
    problems += new_customer_problems(customers, new_customers, export.name)

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
