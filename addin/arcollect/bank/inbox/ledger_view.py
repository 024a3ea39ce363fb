"""The workbook's view of the bank ledger: the ledger's payments the Payments sheet does not list yet (`pending`),
their Payments rows, the open amounts they reduce (in memory, `apply`; as cell updates, `invoice_updates`), the
Unmatched sheet, and `sync`, which writes all of it into the workbook (a path, or a live book).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from arcollect.bank.store import Store
from arcollect.book import live, write
from arcollect.schema import PAYMENTS, UNMATCHED, Invoices, Payments, Unmatched

METHOD = "Bank transfer"


def entries_in(payments: pd.DataFrame) -> set[str]:
    if Payments.BANK_ENTRY not in payments:
        return set()
    return set(payments[Payments.BANK_ENTRY].dropna().astype(str))


def pending(payments: pd.DataFrame, store: Store) -> pd.DataFrame:
    """The ledger's payments whose credit the workbook's Payments sheet does not list yet."""
    allocations = store.allocations()
    return allocations[~allocations["key"].isin(entries_in(payments))]


def payment_rows(allocations: pd.DataFrame) -> pd.DataFrame:
    """Payments-sheet rows for these payments (unapplied cash: no invoice)."""
    return pd.DataFrame(
        {
            Payments.DATE: pd.to_datetime(allocations["booking_date"]),
            Payments.CUSTOMER_ID: allocations["customer_id"].astype(object),
            Payments.INVOICE_NUMBER: allocations["invoice"].astype(object).where(allocations["invoice"].notna(), None),
            Payments.AMOUNT: allocations["amount"].astype(float),
            Payments.CURRENCY: allocations["currency"].astype(object),
            Payments.METHOD: METHOD,
            Payments.REFERENCE: None,
            Payments.BANK_ENTRY: allocations["key"].astype(object),
            Payments.MATCHED_BY: allocations["rule"].astype(object),
        },
        columns=PAYMENTS.keys,
    )


def open_amounts(invoices: pd.DataFrame) -> pd.Series:
    return invoices[Invoices.OPEN_AMOUNT].fillna(invoices[Invoices.AMOUNT]).astype(float)


def paid_per_invoice(allocations: pd.DataFrame) -> pd.DataFrame:
    applied = allocations[allocations["invoice"].notna()]
    if applied.empty:
        return pd.DataFrame({"paid": pd.Series(dtype=float), "last_date": pd.Series(dtype=object)})
    return (
        applied.assign(paid=applied["amount"].astype(float))
        .groupby("invoice")
        .agg(paid=("paid", "sum"), last_date=("booking_date", "max"))
    )


def apply(tables: dict[str, pd.DataFrame], allocations: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`tables` with these payments applied: invoices' open amounts reduced (Paid at zero), Payments rows added."""
    if allocations.empty:
        return tables
    invoices = tables["Invoices"].copy()
    paid = paid_per_invoice(allocations)
    row_paid = invoices[Invoices.NUMBER].astype(str).map(paid["paid"]).fillna(0.0)
    touched = row_paid > 0
    remaining = (open_amounts(invoices) - row_paid).round(6)
    invoices.loc[touched, Invoices.OPEN_AMOUNT] = remaining[touched].clip(lower=0).round(2)
    settled = touched & (remaining <= 0.004)
    invoices.loc[settled, Invoices.STATUS] = "Paid"
    added = payment_rows(allocations)
    payments = pd.concat([tables["Payments"], added.set_axis(new_labels(tables["Payments"], len(added)))])
    return {**tables, "Invoices": invoices, "Payments": payments}


def new_labels(frame: pd.DataFrame, count: int) -> pd.Index:
    start = int(frame.index.max()) + 1 if len(frame) else 2
    return pd.RangeIndex(start, start + count)


def invoice_updates(invoices: pd.DataFrame, allocations: pd.DataFrame) -> list[write.CellUpdate]:
    """The Invoices cells a bank import changes: Open amount of each paid invoice, Status Paid where settled."""
    paid = paid_per_invoice(allocations)
    if paid.empty:
        return []
    known = invoices.drop_duplicates(Invoices.NUMBER).set_index(
        invoices.drop_duplicates(Invoices.NUMBER)[Invoices.NUMBER].astype(str)
    )
    hit = known.index.intersection(paid.index)
    remaining = (open_amounts(known.loc[hit]) - paid.loc[hit, "paid"]).round(6)
    open_values = {number: round(max(value, 0.0), 2) for number, value in remaining.items()}
    settled = {number: "Paid" for number, value in remaining.items() if value <= 0.004}
    updates = [write.CellUpdate("Invoices", Invoices.NUMBER, Invoices.OPEN_AMOUNT, open_values)]
    if settled:
        updates.append(write.CellUpdate("Invoices", Invoices.NUMBER, Invoices.STATUS, settled))
    return updates


def unmatched_table(store: Store, payments: pd.DataFrame) -> pd.DataFrame:
    """The Unmatched sheet: credits left to a person that no Payments row has settled by hand yet."""
    rows = store.unmatched()
    rows = rows[~rows["key"].isin(entries_in(payments))]
    return pd.DataFrame(
        {
            Unmatched.BOOKING_DATE: pd.to_datetime(rows["booking_date"]).astype("datetime64[s]"),
            Unmatched.AMOUNT: rows["amount"].astype(float),
            Unmatched.CURRENCY: rows["currency"],
            Unmatched.PAYER: rows["payer"],
            Unmatched.PAYER_ACCOUNT: rows["payer_account"],
            Unmatched.REMITTANCE: (rows["reference"] + " " + rows["remittance"]).str.strip(),
            Unmatched.REASON: rows["reason"],
            Unmatched.CANDIDATES: rows["candidates"],
            Unmatched.ENTRY: rows["key"],
            Unmatched.SOURCE: rows["source"],
        },
        columns=UNMATCHED.keys,
    )


def no_unmatched() -> pd.DataFrame:
    """The Unmatched sheet of a workbook without a bank ledger: no rows, the same column types as with one."""
    return pd.DataFrame(columns=UNMATCHED.keys).astype(
        {Unmatched.BOOKING_DATE: "datetime64[s]", Unmatched.AMOUNT: "float64"}
    )


def sync(book: Any, tables: dict[str, pd.DataFrame], store: Store) -> str:
    """Bring the workbook up to date with the ledger: Payments rows, Invoices cells, the Unmatched sheet."""
    new = pending(tables["Payments"], store)
    payments = tables["Payments"]
    if not new.empty:
        payments = pd.concat([payments, payment_rows(new).set_axis(new_labels(payments, len(new)))])
    out = {"Unmatched": unmatched_table(store, payments)}
    if not new.empty:
        out["Payments"] = payments
    updates = invoice_updates(tables["Invoices"], new)
    if isinstance(book, str | Path):
        result = write.write_tables(Path(book), out, updates=updates)
    else:
        result = live.write_tables(book, out, updates=updates)
    return result.message if result.side_file else ""
