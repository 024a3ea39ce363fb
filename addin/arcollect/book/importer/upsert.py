"""Merging imported invoices into the workbook's Invoices rows: upsert by invoice number, close what is paid.

Upsert by invoice number (case-insensitive): new numbers are appended with Status Open; known ones get the
export's amounts, dates, currency and reference, and the user's own columns (Status, Promise date, Dispute
reason, payment plan, link, terms override) stay as they are — except that a Paid invoice that is open again in
the export is set back to Open. A full import closes (Paid, open amount 0) the open invoices the export does not
list; a cleared item (SAP's clearing date) closes its invoice. Nothing is ever deleted, and the workbook's own
rows are carried cell for cell (bad cells included), so an import never drops a row the user has yet to fix.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from arcollect import schema
from arcollect.book.importer.layouts import IMPORTED, normal
from arcollect.book.values import convert
from arcollect.schema import Invoices, Kind, Table


def raw_table(rows: list[list[Any]], table: Table) -> pd.DataFrame:
    """`table`'s rows from its sheet's cells (`rows`, from A1), bad values too, by schema key; index = Excel row."""
    header = rows[0] if rows else []
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(normal(cell), position)
    body = pd.DataFrame(rows[1:], dtype=object).reindex(columns=range(max(len(header), 1)))
    body.index = pd.RangeIndex(2, 2 + len(body))
    body = body.map(lambda value: None if value == "" else value)
    columns = {}
    for column in table.columns:
        position = positions.get(normal(column.header), positions.get(normal(column.key)))
        columns[column.key] = body[position] if position is not None else pd.Series(None, index=body.index)
    frame = pd.DataFrame(columns, index=body.index, dtype=object)
    return frame[frame.notna().any(axis=1)]


def keys(values: pd.Series) -> pd.Series:
    """Key cells (invoice numbers, customer IDs) as they are compared: text, case-folded; None when missing."""
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
    existing_keys = keys(invoices[Invoices.NUMBER])
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
    status = keys(invoices[Invoices.STATUS])
    reopened = (status.loc[target_rows] == "paid").to_numpy() & (matched[Invoices.OPEN_AMOUNT] != 0).to_numpy()
    invoices.loc[target_rows[reopened], Invoices.STATUS] = "Open"
    changed = changed | reopened
    updated = list(matched.loc[changed, Invoices.NUMBER])
    unchanged = list(matched.loc[~changed, Invoices.NUMBER])

    status = keys(invoices[Invoices.STATUS])
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
