"""The customers of an import: matching exported names to the workbook's customers, and adding the new ones.

QuickBooks and Xero exports name customers rather than number them: an imported customer the workbook knows under
another ID is matched by name (`match_customers`). Customers the workbook does not know are added with ID, name
and currency, and reported in Exceptions, since the reminder run needs their country and email before it can
remind them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from arcollect import schema
from arcollect.book.importer.upsert import keys
from arcollect.problems import Problem
from arcollect.schema import Customers, Invoices


def add_customers(
    customers: pd.DataFrame, imported: pd.DataFrame, names: pd.Series | None
) -> tuple[pd.DataFrame, list[str]]:
    """Customers with a minimal row (ID, name, currency) for each customer ID the workbook does not know."""
    known = set(keys(customers[Customers.ID]).dropna())
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


def new_customer_problems(customers: pd.DataFrame, added: Sequence[str], file_name: str) -> list[Problem]:
    """One problem per new customer: the run needs a country (and an email) before it can remind them."""
    first_new = len(customers) - len(added) + 2  # Excel row of the first appended customer
    header = schema.CUSTOMERS.column(Customers.COUNTRY).header
    reason = "new customer {} added by the import of {} — fill in Country and Email so reminders can go out"
    return [
        Problem("Customers", first_new + i, header, None, reason.format(customer, file_name))
        for i, customer in enumerate(added)
    ]


def _normal_name(value: Any) -> str:
    """A customer name compared loosely: case, spaces and punctuation do not matter ("Müller GmbH" = "MÜLLER, GmbH")."""
    return re.sub(r"[\W_]+", "", str(value)).casefold() if value is not None else ""


def match_customers(
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
