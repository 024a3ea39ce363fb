"""Statement files into the bank ledger and the workbook (``arcollect bank``, the ribbon): `import_files` reads the
credits, leaves out those the ledger already holds, matches the rest against the open items and brings the
workbook up to date (`ImportReport` says what it did); `assign` settles an unmatched credit by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arcollect.bank import matching, statements
from arcollect.bank.inbox.ledger_view import apply, open_amounts, pending, sync
from arcollect.bank.inbox.mappings import csv_mappings, mapping_named, may_be_csv
from arcollect.bank.store import Store, path_for
from arcollect.book import live, read
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import Invoices

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What one import did."""

    files: list[str] = field(default_factory=list)
    credits: int = 0
    already: int = 0
    applied: Counter[str] = field(default_factory=Counter)
    unmatched: int = 0
    invoices_paid: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""

    def summary(self) -> str:
        rules = ", ".join(f"{count} by {rule}" for rule, count in self.applied.most_common())
        applied = sum(self.applied.values())
        text = (
            f"{self.credits} credit{'s' if self.credits != 1 else ''} in {len(self.files)} file(s): "
            f"{applied} applied{f' ({rules})' if rules else ''}, {self.unmatched} to Unmatched for a person, "
            f"{self.already} already imported; {len(self.invoices_paid)} invoice(s) now paid in full"
        )
        return text + (f". {self.message}" if self.message else "")


def read_book(book: Any) -> tuple[dict[str, pd.DataFrame], list[Problem], Path]:
    if isinstance(book, str | Path):
        tables, problems = read.read(Path(book))
        return tables, problems, Path(book)
    tables, problems = live.read(book)
    return tables, problems, live.location(book)


def match_into_store(
    tables: dict[str, pd.DataFrame],
    store: Store,
    credits: Sequence[statements.Credit],
    report: ImportReport,
    *,
    now: dt.datetime,
) -> None:
    known = store.known(credit.key for credit in credits)
    fresh = list({credit.key: credit for credit in credits if credit.key not in known}.values())
    report.credits += len(credits)
    report.already += len(credits) - len(fresh)
    if not fresh:
        return
    current = apply(tables, pending(tables["Payments"], store))
    invoices = current["Invoices"]
    paid_status = invoices[Invoices.STATUS].astype("string").str.casefold().eq("paid").fillna(False)
    open_items = invoices.assign(**{Invoices.OPEN_AMOUNT: open_amounts(invoices).where(~paid_status, 0.0)})
    result = matching.match(
        fresh, open_items, current["Customers"], references=store.references(), payers=store.payers()
    )
    store.record(fresh, result, now=now)
    for rule in (matching.RF_REFERENCE, matching.INVOICE_NUMBER, matching.CUSTOMER_AMOUNT):
        count = len({a.key for a in result.allocations if a.rule.startswith(rule)})
        if count:
            report.applied[rule] += count
    report.unmatched += len(result.unmatched)


def import_files(
    book: Any,
    files: Sequence[Path],
    *,
    now: dt.datetime,
    mapping: str | None = None,
    write_back: bool = True,
) -> ImportReport:
    """Import statement files into the bank ledger and the workbook (a path, or a live book); see the module doc.

    A CSV export is read with the Mappings sheet's bank mapping named `mapping`, else the first that fits its
    header, else by the usual column names (`statements.parse_csv`).
    """
    tables, _problems, location = read_book(book)
    mappings = csv_mappings(book) if any(may_be_csv(path) for path in files) else []
    chosen = mapping_named(mappings, mapping) if mapping else None
    report = ImportReport()
    with Store(path_for(location)) as store:
        for path in files:
            credits, problems = statements.read(Path(path), mapping=chosen, mappings=mappings)
            report.problems += problems
            report.files.append(Path(path).name)
            match_into_store(tables, store, credits, report, now=now)
        if write_back:
            before = set(settled(tables["Invoices"]))
            report.message = sync(book, tables, store)
            after_tables = apply(tables, pending(tables["Payments"], store))
            report.invoices_paid = sorted(set(settled(after_tables["Invoices"])) - before)
    logger.info("bank import %s: %s", location.name, report.summary())
    return report


def settled(invoices: pd.DataFrame) -> pd.Series:
    status = invoices[Invoices.STATUS].astype("string").str.casefold().eq("paid").fillna(False)
    return invoices.loc[status, Invoices.NUMBER].astype(str)


def assign(book: Path, key: str, invoices: Sequence[str], *, now: dt.datetime) -> str:
    """Settle an unmatched credit by hand: apply it to `invoices` (in this order; the rest stays unapplied cash)."""
    tables, _problems, location = read_book(book)
    with Store(path_for(location)) as store:
        entry = store.entry(key)
        if entry is None or entry[0] != "unmatched":
            raise InputError(f"no unmatched bank entry {key!r} — copy it from the Unmatched sheet's Bank entry column")
        _state, amount_text, currency, booked = entry
        current = apply(tables, pending(tables["Payments"], store))
        frame = current["Invoices"].drop_duplicates(Invoices.NUMBER).set_index(Invoices.NUMBER)
        remaining = Decimal(amount_text)
        allocations = []
        for number in invoices:
            if number not in frame.index:
                raise InputError(f"invoice {number} is not in the Invoices sheet")
            row = frame.loc[number]
            if str(row[Invoices.CURRENCY]) != currency:
                raise InputError(f"invoice {number} is in {row[Invoices.CURRENCY]}, the payment in {currency}")
            open_amount = Decimal(str(round(float(np.nan_to_num(open_amounts(frame.loc[[number]]).iloc[0])), 2)))
            part = min(remaining, open_amount)
            if part > 0:
                allocations.append(
                    matching.Allocation(
                        key, str(row[Invoices.CUSTOMER_ID]), number, part, currency, matching.BY_HAND, booked
                    )
                )
                remaining -= part
        if not allocations:
            raise InputError("none of these invoices has anything open")
        if remaining > 0:
            customer = allocations[0].customer_id
            allocations.append(matching.Allocation(key, customer, None, remaining, currency, matching.BY_HAND, booked))
        store.assign(key, allocations, now=now)
        message = sync(book, tables, store)
    applied = ", ".join(f"{a.invoice or 'unapplied'} {a.amount}" for a in allocations)
    return f"{key}: applied by hand — {applied} {currency}" + (f" ({message})" if message else "")
