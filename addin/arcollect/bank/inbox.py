"""Bank statements into a workbook, the watched folder, and payments a run has not seen yet.

    report = inbox.import_files(Path("Receivables.xlsx"), [Path("camt053.xml")], now=now)   # arcollect bank
    report.summary()      # "12 credits: 9 applied (6 by RF reference, …), 3 to Unmatched, 0 already imported"

An import reads the statements, leaves out every credit the bank ledger (`store.Store`) already holds, matches the
rest (`matching.match`) against the open items — after the payments the ledger holds and the workbook does not yet
show — records everything in the ledger in one transaction, and then brings the workbook up to date: a Payments
row per payment (Bank entry = the credit's key, Matched by = the rule), the paid invoices' Open amount reduced
(Status Paid when nothing is left) and the Unmatched sheet rewritten. A workbook open in Excel gets a side file,
as every write does; the ledger already holds the import, and the next refresh of the workbook catches up.

`apply` is what every run does first: the ledger's payments that the workbook's Payments sheet does not list
(imported by the unattended schedule, or not yet saved) are applied in memory, so a payment booked at 09:00 stops
the 10:00 reminder whether or not anyone has opened the workbook. `watch` reads new files from the BankFolder
(each file once, by its SHA-256) into the ledger; `recheck` runs right before sending and holds a reminder whose
invoices have been paid since it was planned ("paid on 2026-11-24 (bank)").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arcollect.bank import matching, statements
from arcollect.bank.store import Store, path_for
from arcollect.book import live, read, settings, write
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import PAYMENTS, UNMATCHED, Invoices, Payments, Unmatched

logger = logging.getLogger(__name__)
METHOD = "Bank transfer"
STATEMENT_SUFFIXES = (".xml", ".053", ".054", ".sta", ".940", ".mt940", ".txt", ".csv")
_NOT_CSV = (".xml", ".053", ".054", ".sta", ".940", ".mt940")  # no Mappings sheet is read for these


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


# ---- the workbook's view of the ledger --------------------------------------------------------------------------


def _entries_in(payments: pd.DataFrame) -> set[str]:
    if Payments.BANK_ENTRY not in payments:
        return set()
    return set(payments[Payments.BANK_ENTRY].dropna().astype(str))


def pending(payments: pd.DataFrame, store: Store) -> pd.DataFrame:
    """The ledger's payments whose credit the workbook's Payments sheet does not list yet."""
    allocations = store.allocations()
    return allocations[~allocations["key"].isin(_entries_in(payments))]


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


def _open_amounts(invoices: pd.DataFrame) -> pd.Series:
    return invoices[Invoices.OPEN_AMOUNT].fillna(invoices[Invoices.AMOUNT]).astype(float)


def _paid_per_invoice(allocations: pd.DataFrame) -> pd.DataFrame:
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
    paid = _paid_per_invoice(allocations)
    row_paid = invoices[Invoices.NUMBER].astype(str).map(paid["paid"]).fillna(0.0)
    touched = row_paid > 0
    remaining = (_open_amounts(invoices) - row_paid).round(6)
    invoices.loc[touched, Invoices.OPEN_AMOUNT] = remaining[touched].clip(lower=0).round(2)
    settled = touched & (remaining <= 0.004)
    invoices.loc[settled, Invoices.STATUS] = "Paid"
    added = payment_rows(allocations)
    payments = pd.concat([tables["Payments"], added.set_axis(_new_labels(tables["Payments"], len(added)))])
    return {**tables, "Invoices": invoices, "Payments": payments}


def _new_labels(frame: pd.DataFrame, count: int) -> pd.Index:
    start = int(frame.index.max()) + 1 if len(frame) else 2
    return pd.RangeIndex(start, start + count)


def invoice_updates(invoices: pd.DataFrame, allocations: pd.DataFrame) -> list[write.CellUpdate]:
    """The Invoices cells a bank import changes: Open amount of each paid invoice, Status Paid where settled."""
    paid = _paid_per_invoice(allocations)
    if paid.empty:
        return []
    known = invoices.drop_duplicates(Invoices.NUMBER).set_index(
        invoices.drop_duplicates(Invoices.NUMBER)[Invoices.NUMBER].astype(str)
    )
    hit = known.index.intersection(paid.index)
    remaining = (_open_amounts(known.loc[hit]) - paid.loc[hit, "paid"]).round(6)
    open_values = {number: round(max(value, 0.0), 2) for number, value in remaining.items()}
    settled = {number: "Paid" for number, value in remaining.items() if value <= 0.004}
    updates = [write.CellUpdate("Invoices", Invoices.NUMBER, Invoices.OPEN_AMOUNT, open_values)]
    if settled:
        updates.append(write.CellUpdate("Invoices", Invoices.NUMBER, Invoices.STATUS, settled))
    return updates


def unmatched_table(store: Store, payments: pd.DataFrame) -> pd.DataFrame:
    """The Unmatched sheet: credits left to a person that no Payments row has settled by hand yet."""
    rows = store.unmatched()
    rows = rows[~rows["key"].isin(_entries_in(payments))]
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


def _no_unmatched() -> pd.DataFrame:
    """The Unmatched sheet of a workbook without a bank ledger: no rows, the same column types as with one."""
    return pd.DataFrame(columns=UNMATCHED.keys).astype(
        {Unmatched.BOOKING_DATE: "datetime64[s]", Unmatched.AMOUNT: "float64"}
    )


# ---- importing -------------------------------------------------------------------------------------------------


def _read_book(book: Any) -> tuple[dict[str, pd.DataFrame], list[Problem], Path]:
    if isinstance(book, str | Path):
        tables, problems = read.read(Path(book))
        return tables, problems, Path(book)
    tables, problems = live.read(book)
    return tables, problems, live.location(book)


def _match_into_store(
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
    open_items = invoices.assign(**{Invoices.OPEN_AMOUNT: _open_amounts(invoices).where(~paid_status, 0.0)})
    result = matching.match(
        fresh, open_items, current["Customers"], references=store.references(), payers=store.payers()
    )
    store.record(fresh, result, now=now)
    for rule in (matching.RF_REFERENCE, matching.INVOICE_NUMBER, matching.CUSTOMER_AMOUNT):
        count = len({a.key for a in result.allocations if a.rule.startswith(rule)})
        if count:
            report.applied[rule] += count
    report.unmatched += len(result.unmatched)


def csv_mappings(book: Any) -> list[statements.CsvMapping]:
    """The bank statement mappings of the workbook's Mappings sheet (a path, or a live book), in sheet order.

    A mapping is a bank statement mapping when one of its rows has the target column "Booking date"; its rows map
    the targets of `statements.BANK_TARGETS` (Booking date, Value date, Amount, Currency, Payer, Payer account,
    Remittance, Creditor reference, Entry reference, Credit/debit; case, spaces and punctuation ignored) to the
    export's headers. "Fixed value or format" holds the date format on a date row (``%d/%m/%Y`` or
    ``DD/MM/YYYY``), the number format on the Amount row (``1.234,56``: decimal comma), the currency of every row
    on the Currency row, and the values that mean a credit on the Credit/debit row (``H`` or ``CR; Credit``).
    Unknown targets are logged and left out.
    """
    from arcollect import schema
    from arcollect.schema import Mappings

    if isinstance(book, str | Path):
        rows = read.sheet_rows(Path(book), schema.MAPPINGS.sheet)
    else:
        rows = live.sheet_rows(book, schema.MAPPINGS.sheet)
    if not rows:
        return []
    frame, problems = read.read_rows(schema.MAPPINGS, rows)
    for problem in problems:
        logger.warning("Mappings sheet: %s", problem)
    found = []
    for name, group in frame.groupby(Mappings.NAME, sort=False):
        targets = [statements.header_key(target) for target in group[Mappings.TARGET]]
        if statements.header_key("Booking date") not in targets:
            continue  # an open-items import mapping (book.importer)
        columns: dict[str, str] = {}
        options: dict[str, Any] = {}
        for target, source, extra in zip(targets, group[Mappings.SOURCE], group[Mappings.FIXED], strict=True):
            field_name = statements.BANK_TARGETS.get(target)
            if field_name is None:
                logger.warning("Mappings sheet: unknown target column %r in bank mapping %s", target, name)
                continue
            if isinstance(source, str) and source.strip():
                columns[field_name] = source.strip()
            extra = extra.strip() if isinstance(extra, str) else ""
            if not extra:
                continue
            if field_name == "booking_date" or (field_name == "value_date" and "date_format" not in options):
                options["date_format"] = statements.date_format(extra)  # one format; the booking date's wins
            elif field_name == "amount":
                options["decimal"] = statements.decimal_separator(extra)
            elif field_name == "currency":
                options["currency"] = extra.upper()
            elif field_name == "direction":
                marks = (part.strip() for part in extra.replace(",", ";").split(";"))
                options["credit_marks"] = tuple(mark for mark in marks if mark)
        found.append(statements.CsvMapping(str(name), columns, **options))
    return found


def mapping_named(mappings: Sequence[statements.CsvMapping], name: str) -> statements.CsvMapping:
    """The bank mapping `name` (case ignored) of `mappings` (`csv_mappings`); InputError naming the known ones."""
    for mapping in mappings:
        if mapping.name.casefold() == name.strip().casefold():
            return mapping
    known = ", ".join(mapping.name for mapping in mappings) or "none"
    raise InputError(
        f"no bank statement mapping named {name!r} in the Mappings sheet (known: {known}) — a bank mapping has a "
        "row with the target column Booking date"
    )


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
    tables, _problems, location = _read_book(book)
    mappings = csv_mappings(book) if any(Path(path).suffix.lower() not in _NOT_CSV for path in files) else []
    chosen = mapping_named(mappings, mapping) if mapping else None
    report = ImportReport()
    with Store(path_for(location)) as store:
        for path in files:
            credits, problems = statements.read(Path(path), mapping=chosen, mappings=mappings)
            report.problems += problems
            report.files.append(Path(path).name)
            _match_into_store(tables, store, credits, report, now=now)
        if write_back:
            before = set(_settled(tables["Invoices"]))
            report.message = sync(book, tables, store)
            after_tables = apply(tables, pending(tables["Payments"], store))
            report.invoices_paid = sorted(set(_settled(after_tables["Invoices"])) - before)
    logger.info("bank import %s: %s", location.name, report.summary())
    return report


def _settled(invoices: pd.DataFrame) -> pd.Series:
    status = invoices[Invoices.STATUS].astype("string").str.casefold().eq("paid").fillna(False)
    return invoices.loc[status, Invoices.NUMBER].astype(str)


def sync(book: Any, tables: dict[str, pd.DataFrame], store: Store) -> str:
    """Bring the workbook up to date with the ledger: Payments rows, Invoices cells, the Unmatched sheet."""
    new = pending(tables["Payments"], store)
    payments = tables["Payments"]
    if not new.empty:
        payments = pd.concat([payments, payment_rows(new).set_axis(_new_labels(payments, len(new)))])
    out = {"Unmatched": unmatched_table(store, payments)}
    if not new.empty:
        out["Payments"] = payments
    updates = invoice_updates(tables["Invoices"], new)
    if isinstance(book, str | Path):
        result = write.write_tables(Path(book), out, updates=updates)
    else:
        result = live.write_tables(book, out, updates=updates)
    return result.message if result.side_file else ""


def _statement_files(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in STATEMENT_SUFFIXES and not path.name.startswith(("~", "."))
    ]


def new_files(workbook: Path, config: settings.Settings | None) -> list[Path]:
    """The BankFolder's statement files the ledger has not read yet (cheap: a directory listing and hashes)."""
    folder = config.bank_folder_path(workbook) if config is not None else None
    if folder is None or not folder.is_dir():
        return []
    files = _statement_files(folder)
    if not files or not path_for(workbook).exists():
        return files
    with Store(path_for(workbook)) as store:
        return [path for path in files if not store.file_seen(hashlib.sha256(path.read_bytes()).hexdigest())]


def watch(
    workbook: Path,
    config: settings.Settings,
    *,
    now: dt.datetime,
    tables: dict[str, pd.DataFrame],
    problems: list[Problem] | None = None,
) -> int:
    """Import the BankFolder's new statement files into the ledger (not the workbook); how many credits were new.

    Each file is read once, by its content's SHA-256: a file that cannot be read is reported (in `problems`) once
    and tried again only when its content changes (a statement still being written is read when it is complete)
    or, for a CSV export, when the Mappings sheet's bank mappings change (the user mapped its columns).
    """
    folder = config.bank_folder_path(workbook)
    if folder is None or not folder.is_dir():
        return 0
    report = ImportReport()
    mappings: list[statements.CsvMapping] | None = None  # the Mappings sheet, read once a new file may be a CSV
    with Store(path_for(workbook)) as store:
        for path in _statement_files(folder):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if store.file_seen(digest):
                continue
            retry = digest  # the key an unread file is recorded under: read again when it changes
            if path.suffix.lower() not in _NOT_CSV:
                if mappings is None:
                    mappings = _workbook_mappings(workbook)
                retry = f"{digest}|{hashlib.sha256(repr(mappings).encode()).hexdigest()}"  # … or the mappings do
                if store.file_seen(retry):
                    continue
            credits, found = statements.read(path, mappings=mappings or ())
            _match_into_store(tables, store, credits, report, now=now)
            store.file_read(retry if found else digest, path.name, len(credits) if not found else -1, now=now)
            for problem in found:
                logger.warning("%s", problem)
            if problems is not None:
                problems += found
    new = report.credits - report.already
    if new:
        logger.info("watched folder %s: %s", folder, report.summary())
    return new


def _workbook_mappings(workbook: Path) -> list[statements.CsvMapping]:
    try:
        return csv_mappings(workbook)
    except InputError as error:  # the run reads the workbook itself and says what is wrong with it
        logger.warning("bank mappings not read: %s", error)
        return []


def ledger_keys(store_path: Path) -> set[str]:
    if not store_path.exists():
        return set()
    with Store(store_path) as store:
        return set(store.allocations()["key"])


def assign(book: Path, key: str, invoices: Sequence[str], *, now: dt.datetime) -> str:
    """Settle an unmatched credit by hand: apply it to `invoices` (in this order; the rest stays unapplied cash)."""
    tables, _problems, location = _read_book(book)
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
            open_amount = Decimal(str(round(float(np.nan_to_num(_open_amounts(frame.loc[[number]]).iloc[0])), 2)))
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


# ---- inside a run ------------------------------------------------------------------------------------------------


@dataclass
class RunBank:
    """The bank side of one run: what the ledger held at the start, and what the workbook still lacks."""

    workbook: Path
    config: settings.Settings
    seen: set[str] = field(default_factory=set)
    pending: pd.DataFrame = field(default_factory=pd.DataFrame)
    invoices: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmatched: pd.DataFrame | None = None
    held: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def store_path(self) -> Path:
        return path_for(self.workbook)

    def sheets(self, tables: Mapping[str, pd.DataFrame], *, into_workbook: bool) -> dict[str, pd.DataFrame]:
        """Unmatched always; Payments too when the run writes into the workbook and the ledger has new rows."""
        out = {"Unmatched": self.unmatched if self.unmatched is not None else _no_unmatched()}
        if into_workbook and not self.pending.empty:
            out["Payments"] = tables["Payments"]
        return out

    def updates(self) -> list[write.CellUpdate]:
        return invoice_updates(self.invoices, self.pending) if not self.pending.empty else []

    def paid_since_start(self, tables: dict[str, pd.DataFrame], now: dt.datetime) -> dict[str, tuple[str, bool]]:
        """Invoices paid by credits that reached the ledger after this run began (the watched folder re-read):
        invoice → (booking date, paid in full)."""
        watch(self.workbook, self.config, now=now, tables=tables, problems=self.problems)
        if not self.store_path.exists():
            return {}
        with Store(self.store_path) as store:
            allocations = store.allocations()
        fresh = allocations[~allocations["key"].isin(self.seen) & allocations["invoice"].notna()]
        if fresh.empty:
            return {}
        paid = _paid_per_invoice(fresh)
        invoices = tables["Invoices"].drop_duplicates(Invoices.NUMBER)
        open_now = pd.Series(_open_amounts(invoices).to_numpy(), index=invoices[Invoices.NUMBER].astype(str))
        left = open_now.reindex(paid.index).fillna(0.0) - paid["paid"]
        return {number: (str(paid.at[number, "last_date"]), bool(left[number] <= 0.004)) for number in paid.index}


def before_run(
    workbook: Path,
    config: settings.Settings,
    tables: dict[str, pd.DataFrame],
    *,
    now: dt.datetime,
    folder: bool = True,
) -> tuple[dict[str, pd.DataFrame], RunBank]:
    """Read the watched folder (unless `folder` is False), then apply the ledger's payments the workbook does not
    show yet (in memory)."""
    bank = RunBank(workbook, config, invoices=tables["Invoices"])
    if folder:
        watch(workbook, config, now=now, tables=tables, problems=bank.problems)
    if not bank.store_path.exists():
        return tables, bank
    with Store(bank.store_path) as store:
        bank.pending = pending(tables["Payments"], store)
        bank.seen = set(store.allocations()["key"])
        applied = apply(tables, bank.pending)
        bank.unmatched = unmatched_table(store, applied["Payments"])
    if not bank.pending.empty:
        logger.info("%d bank payment(s) from the ledger applied that the workbook does not show yet", len(bank.pending))
    return applied, bank


def hold_paid(queue: pd.DataFrame, paid: Mapping[str, tuple[str, bool]]) -> int:
    """Hold every due reminder that chases an invoice paid since it was planned: "paid on … (bank)"; one whose
    invoices are only partly paid is held too ("part paid on …"): the next run asks for what is left."""
    from arcollect.engine import dunning
    from arcollect.schema import Queue

    if queue.empty or not paid:
        return 0
    held = 0
    for position in queue.index[queue[Queue.STATE] == dunning.DUE]:
        numbers = [str(number) for number in queue.at[position, dunning.INVOICE_LIST]]
        hits = [number for number in numbers if number in paid]
        if hits:
            queue.at[position, Queue.STATE] = dunning.HELD
            day = max(paid[number][0] for number in hits)
            if len(hits) == len(numbers) and all(paid[number][1] for number in hits):
                queue.at[position, Queue.REASON] = f"paid on {day} (bank)"
            else:
                queue.at[position, Queue.REASON] = (
                    f"part paid on {day} (bank): {', '.join(hits)} — the next run asks for what is left"
                )
            held += 1
    return held


def remember(workbook: Path, issued: Mapping[str, tuple[str, Sequence[str]]], *, now: dt.datetime | None) -> None:
    """Record the references a run's reminders carry, so that a bank line quoting one is matched by look-up."""
    with Store(path_for(workbook)) as store:
        store.remember_references(issued, now=now or dt.datetime.now(dt.UTC))
