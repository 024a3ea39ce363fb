"""Escalation: agency case files, one workbook per debtor (the credit hold is set by `arcollect.escalation`).

    >>> from arcollect.book import cases
    >>> folder = cases.case_folder(Path("arcollect.xlsx"))  # arcollect.xlsx's folder / "cases"
    >>> cases.write_case(folder, customer=row, invoices=open_items, history=ledger_rows, as_of=date(2026, 11, 24))
    PosixPath('cases/C-1001.xlsx')

A case file is what a collections agency or a lawyer needs to take a debt over: who the debtor is and how to
reach them, every open item, every reminder sent (from the ledger) and what may be claimed on top of the
principal — statutory late interest and the fixed compensation, per invoice currency, never converted, because a
claim is made in the currency of the invoice. Nothing is sent anywhere; the files are for a person to forward.

Writing a case file again replaces it (same name, same content for the same input), so escalating on every run
keeps one current file per debtor. The file name is the customer id with anything unsafe for a file name
replaced; when that changed the id, a short hash of the id is added so two ids never share a file.

Text from the data is written the way `book.write` writes it: a customer called ``=HYPERLINK(...)`` stays a name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from arcollect import schema
from arcollect.book import template
from arcollect.book.write import owner_file, save_atomic, set_cell, write_table
from arcollect.schema import Aging, Customers, Invoices, Kind, Log, Table

logger = logging.getLogger(__name__)

FOLDER = "cases"
SUMMARY = "Summary"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_INVOICE_COLUMNS = {column.key: column for column in schema.INVOICES.columns}
_AGING_COLUMNS = {column.key: column for column in schema.AGING.columns}
_OPEN_ITEM_KEYS = (
    Invoices.NUMBER,
    Invoices.INVOICE_DATE,
    Invoices.DUE_DATE,
    Invoices.CURRENCY,
    Invoices.AMOUNT,
    Invoices.OPEN_AMOUNT,
    Aging.DAYS_PAST_DUE,
    Invoices.STATUS,
    Invoices.DISPUTE_REASON,
    Invoices.PO_NUMBER,
    Aging.LATE_INTEREST,
    Aging.FIXED_COMPENSATION,
)
OPEN_ITEMS = Table(
    "OpenItems",
    tuple(_AGING_COLUMNS.get(key) or _INVOICE_COLUMNS[key] for key in _OPEN_ITEM_KEYS),
    "The debtor's open items with the late interest and fixed compensation claimable on each.",
    output=True,
)
REMINDER_HISTORY = Table(
    "ReminderHistory",
    schema.REMINDER_LOG.columns,
    "Every reminder the ledger holds for the debtor, oldest first.",
    output=True,
)
_TOTAL_HEADERS = (
    "Currency",
    "Open items",
    "Principal",
    "Statutory interest",
    "Fixed compensation",
    "Total claimable",
)
_CONTACT_KEYS = (
    Customers.ID,
    Customers.NAME,
    Customers.EMAIL,
    Customers.CC,
    Customers.COUNTRY,
    Customers.JURISDICTION,
    Customers.LANGUAGE,
    Customers.CURRENCY,
    Customers.TERMS,
    Customers.ACCOUNT_MANAGER,
    Customers.ENTITY,
)


def case_folder(workbook: str | Path) -> Path:
    """The ``cases`` folder beside the workbook: case files stay with the data they were made from."""
    return Path(workbook).parent / FOLDER


def file_name(customer_id: Any) -> str:
    """A safe, stable ``.xlsx`` name for `customer_id` (see the module docstring)."""
    text = str(customer_id).strip()
    safe = _UNSAFE.sub("_", text).strip("._") or "customer"
    if safe != text:
        safe = f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return f"{safe}.xlsx"


def write_case(
    folder: str | Path,
    *,
    customer: Mapping[str, Any],
    invoices: pd.DataFrame,
    history: pd.DataFrame,
    as_of: dt.date | dt.datetime | pd.Timestamp,
    approval: Mapping[str, Any] | None = None,
) -> Path:
    """Write the case file of one debtor into `folder` (created when missing); returns the file written.

    `approval` (``approved_by``, ``approved_at``, ``source``) is the finance user's approval of the escalation,
    shown on the Summary sheet.

    `customer` is one Customers row (schema keys), `invoices` the debtor's rows of the priced Aging frame (open
    items with late interest and fixed compensation; rows of other customers are left out), `history` ledger
    rows (`book.reminder_log`, filtered to the debtor here too). A case file open in Excel is left alone: the new
    one goes beside it as ``<name>.new.xlsx`` — a case file is read by people, so it is often open.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    customer_id = str(customer.get(Customers.ID, "")).strip()
    target = folder / file_name(customer_id)
    if owner_file(target) is not None:
        target = target.with_name(f"{target.stem}.new.xlsx")
        logger.warning("case file for %s is open in Excel; the new one is %s", customer_id, target.name)

    items = _of_customer(invoices, Invoices.CUSTOMER_ID, customer_id)
    reminders = _of_customer(history, Log.CUSTOMER_ID, customer_id)
    if Log.PLANNED_AT in reminders.columns:
        reminders = reminders.sort_values(Log.PLANNED_AT, kind="stable")

    book = openpyxl.Workbook()
    book.properties.creator = "arcollect"
    stamp = pd.Timestamp(as_of).to_pydatetime().replace(tzinfo=None)
    book.properties.created = book.properties.modified = stamp  # the same input gives the same file
    summary = book.active
    summary.title = SUMMARY
    sent = reminders[reminders[Log.STATE] == "sent"] if Log.STATE in reminders.columns else reminders
    _write_summary(summary, customer, totals(items), pd.Timestamp(as_of).date(), len(sent), approval)
    for table, frame in ((OPEN_ITEMS, items), (REMINDER_HISTORY, reminders)):
        sheet = book.create_sheet(table.sheet)
        sheet.freeze_panes = "A2"
        template.apply_column_formats(sheet, table, table.keys)
        write_table(book, table, frame)
    save_atomic(book, target)
    logger.info("case file for %s written: %d open item(s), %d reminder(s)", customer_id, len(items), len(reminders))
    return target


def totals(items: pd.DataFrame) -> pd.DataFrame:
    """Claimable amounts per invoice currency: count, principal (open amount), interest, compensation, total.

    Only positive open amounts are claimed; credit notes are listed on OpenItems but a debtor's credit is not
    netted against a claim here — the person filing the case decides that.
    """
    columns = [Invoices.CURRENCY, "count", Invoices.OPEN_AMOUNT, Aging.LATE_INTEREST, Aging.FIXED_COMPENSATION]
    if items.empty:
        return pd.DataFrame(columns=[*columns, "total"])
    frame = pd.DataFrame(
        {
            Invoices.CURRENCY: items[Invoices.CURRENCY].astype("string").fillna(""),
            Invoices.OPEN_AMOUNT: _money(items, Invoices.OPEN_AMOUNT).clip(lower=0),
            Aging.LATE_INTEREST: _money(items, Aging.LATE_INTEREST),
            Aging.FIXED_COMPENSATION: _money(items, Aging.FIXED_COMPENSATION),
        }
    )
    grouped = frame.groupby(Invoices.CURRENCY, sort=True).agg(
        count=(Invoices.OPEN_AMOUNT, "size"),
        **{key: (key, "sum") for key in (Invoices.OPEN_AMOUNT, Aging.LATE_INTEREST, Aging.FIXED_COMPENSATION)},
    )
    grouped = grouped.round(2)
    grouped["total"] = (
        grouped[Invoices.OPEN_AMOUNT] + grouped[Aging.LATE_INTEREST] + grouped[Aging.FIXED_COMPENSATION]
    ).round(2)
    return grouped.reset_index()


# ---- Summary sheet -----------------------------------------------------------------------------------------


def _write_summary(
    sheet: Worksheet,
    customer: Mapping[str, Any],
    claim: pd.DataFrame,
    as_of: dt.date,
    reminder_count: int,
    approval: Mapping[str, Any] | None = None,
) -> None:
    sheet.column_dimensions["A"].width = 24
    for column in "BCDEF":
        sheet.column_dimensions[column].width = 20
    name = customer.get(Customers.NAME) or customer.get(Customers.ID)
    set_cell(sheet["A1"], f"Case file: {_text(name)}")
    sheet["A1"].font = Font(bold=True, size=14, color="1F4E78")
    set_cell(sheet["A2"], "Prepared by arcollect for a collections agency; nothing has been sent automatically.")
    sheet["A2"].font = Font(italic=True, color="595959")
    sheet["A3"] = "As of"
    sheet["B3"] = as_of
    sheet["B3"].number_format = template.NUMBER_FORMATS[Kind.DATE]
    sheet["A4"] = "Reminders sent"
    sheet["B4"] = reminder_count
    if approval:
        when = pd.Timestamp(approval.get("approved_at")).strftime("%Y-%m-%d %H:%M UTC")
        sheet["A5"] = "Escalation approved by"
        set_cell(sheet["B5"], f"{_text(approval.get('approved_by'))} on {when} ({_text(approval.get('source'))})")

    row = 6
    sheet.cell(row=row, column=1, value="Debtor and contacts").font = Font(bold=True, color="1F4E78")
    for key in _CONTACT_KEYS:
        row += 1
        sheet.cell(row=row, column=1, value=schema.CUSTOMERS.column(key).header).font = Font(bold=True)
        set_cell(sheet.cell(row=row, column=2), _text(customer.get(key)))

    row += 2
    sheet.cell(row=row, column=1, value="Claimable by currency").font = Font(bold=True, color="1F4E78")
    row += 1
    for offset, header in enumerate(_TOTAL_HEADERS, start=1):
        sheet.cell(row=row, column=offset, value=header)
    template.style_header(sheet, len(_TOTAL_HEADERS), row)
    money = template.NUMBER_FORMATS[Kind.MONEY]
    for values in claim.itertuples(index=False):
        row += 1
        set_cell(sheet.cell(row=row, column=1), str(values[0]))
        sheet.cell(row=row, column=2, value=int(values[1]))
        for column, amount in enumerate(values[2:], start=3):
            cell = sheet.cell(row=row, column=column, value=float(amount))
            cell.number_format = money
            if column == len(_TOTAL_HEADERS):
                cell.font = Font(bold=True)
    if claim.empty:
        sheet.cell(row=row + 1, column=1, value="No open items.")
    sheet.page_setup.orientation = "landscape"
    last = get_column_letter(len(_TOTAL_HEADERS))
    sheet.print_area = f"A1:{last}{max(row, 1) + 1}"


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


# ---- frames ------------------------------------------------------------------------------------------------


def _of_customer(frame: pd.DataFrame, key: str, customer_id: str) -> pd.DataFrame:
    if frame is None or frame.empty or key not in frame.columns:
        return frame.iloc[0:0] if frame is not None else pd.DataFrame()
    mine = frame[key].astype("string").str.strip().eq(customer_id).fillna(False).astype(bool)
    return frame[mine].reset_index(drop=True)


def _money(frame: pd.DataFrame, key: str) -> pd.Series:
    if key not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[key], errors="coerce").fillna(0.0).astype("float64")
