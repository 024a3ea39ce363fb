"""The bank ledger beside the workbook (``<workbook>.bank.sqlite``): what the bank said, once, for good.

    with Store(path) as store:
        store.known(keys)                  # entry keys already imported: importing them again adds nothing
        store.record(credits, result, now=now)
        store.allocations()                # every payment applied, with its rule (a DataFrame)

It holds every imported credit under its entry key (primary key: a second import of the same statement adds
nothing), the payments it became and the rule that matched, the credits left to a person, every RF reference a
reminder or statement carried (so a reference is matched by look-up, never decoded), the payer accounts learned
from certain matches, and the statement files already read from the watched folder. The workbook's Payments and
Unmatched sheets are views of it: the unattended schedule, which never writes into the workbook, still stops
chasing paid invoices because every run applies what the store holds and the workbook does not yet show.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import pandas as pd

from arcollect.bank.matching import Allocation, Result
from arcollect.bank.statements import Credit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, source TEXT, booking_date TEXT, amount TEXT, currency TEXT, payer TEXT,
    payer_account TEXT, reference TEXT, remittance TEXT, state TEXT, reason TEXT, candidates TEXT, imported_at TEXT
);
CREATE TABLE IF NOT EXISTS allocations (
    key TEXT, position INTEGER, customer_id TEXT, invoice TEXT, amount TEXT, currency TEXT, rule TEXT,
    booking_date TEXT, imported_at TEXT, PRIMARY KEY (key, position)
);
CREATE TABLE IF NOT EXISTS issued (reference TEXT PRIMARY KEY, customer_id TEXT, invoices TEXT, issued_at TEXT);
CREATE TABLE IF NOT EXISTS payers (account TEXT PRIMARY KEY, customer_id TEXT, learned_at TEXT);
CREATE TABLE IF NOT EXISTS files (digest TEXT PRIMARY KEY, name TEXT, credits INTEGER, read_at TEXT);
"""
ALLOCATION_COLUMNS = ["key", "customer_id", "invoice", "amount", "currency", "rule", "booking_date", "imported_at"]


_SCRATCH: contextvars.ContextVar[Path | None] = contextvars.ContextVar("bank_scratch", default=None)


def path_for(workbook: Path | str) -> Path:
    """The bank ledger of `workbook` — inside `scratch()`, a throw-away copy of it."""
    workbook = Path(workbook)
    real = workbook.parent / f"{workbook.stem}.bank.sqlite"
    folder = _SCRATCH.get()
    if folder is None:
        return real
    copy = folder / real.name
    if not copy.exists() and real.is_file() and real.stat().st_size:
        with contextlib.closing(sqlite3.connect(real)) as original, contextlib.closing(sqlite3.connect(copy)) as into:
            original.backup(into)  # a consistent snapshot, even while a schedule writes
    return copy


@contextlib.contextmanager
def scratch() -> Iterator[None]:
    """Inside, every bank ledger is a copy in a temporary folder, dropped at the end: a run that must change
    nothing (`send --dry-run`) still reads the watched folder and applies the statements there, without recording
    them or creating a ledger beside the workbook."""
    with tempfile.TemporaryDirectory(prefix="arcollect-bank-dry-run-") as folder:
        token = _SCRATCH.set(Path(folder))
        try:
            yield
        finally:
            _SCRATCH.reset(token)


class Store:
    """The bank ledger; one SQLite transaction per `record` call, so a crash never leaves half an import."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.executescript(_SCHEMA)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # ---- what came in ----------------------------------------------------------------------------------------

    def known(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found |= {row[0] for row in self._db.execute(f"SELECT key FROM entries WHERE key IN ({marks})", chunk)}
        return found

    def record(self, credits: Iterable[Credit], result: Result, *, now: dt.datetime) -> None:
        """Store the credits of one import, their payments and the unmatched ones, in one transaction."""
        stamp = now.isoformat()
        unmatched = {item.credit.key: item for item in result.unmatched}
        by_key: dict[str, list[Allocation]] = {}
        for allocation in result.allocations:
            by_key.setdefault(allocation.key, []).append(allocation)
        with self._db:
            for credit in credits:
                item = unmatched.get(credit.key)
                self._db.execute(
                    "INSERT OR IGNORE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        credit.key, credit.source, credit.booking_date.isoformat(), str(credit.amount),
                        credit.currency, credit.payer, credit.payer_account, credit.reference, credit.remittance,
                        "unmatched" if item else "matched", item.reason if item else "",
                        item.candidates if item else "", stamp,
                    ),
                )  # fmt: skip
                for position, allocation in enumerate(by_key.get(credit.key, ()), start=1):
                    self._add(allocation, position, stamp)
            for account, customer in result.learned_payers.items():
                self._db.execute("INSERT OR IGNORE INTO payers VALUES (?,?,?)", (account, customer, stamp))

    def assign(self, key: str, allocations: list[Allocation], *, now: dt.datetime) -> None:
        """A person's decision for an unmatched credit: its payments (rule "by hand")."""
        with self._db:
            for position, allocation in enumerate(allocations, start=1):
                self._add(allocation, position, now.isoformat())
            self._db.execute("UPDATE entries SET state='assigned', reason='' WHERE key=?", (key,))

    def _add(self, allocation: Allocation, position: int, stamp: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO allocations VALUES (?,?,?,?,?,?,?,?,?)",
            (
                allocation.key, position, allocation.customer_id, allocation.invoice, str(allocation.amount),
                allocation.currency, allocation.rule, str(allocation.booking_date), stamp,
            ),
        )  # fmt: skip

    def allocations(self) -> pd.DataFrame:
        """Every payment applied from the bank (amounts as Decimal), oldest import first."""
        rows = self._db.execute(
            "SELECT key, customer_id, invoice, amount, currency, rule, booking_date, imported_at FROM allocations "
            "ORDER BY imported_at, key, position"
        ).fetchall()
        frame = pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)
        frame["amount"] = [Decimal(value) for value in frame["amount"]]
        return frame

    def unmatched(self) -> pd.DataFrame:
        rows = self._db.execute(
            "SELECT key, source, booking_date, amount, currency, payer, payer_account, reference, remittance, reason, "
            "candidates FROM entries WHERE state='unmatched' ORDER BY imported_at, key"
        ).fetchall()
        columns = ["key", "source", "booking_date", "amount", "currency", "payer", "payer_account", "reference",
                   "remittance", "reason", "candidates"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def entry(self, key: str) -> tuple[str, str, str, str] | None:
        """(state, amount, currency, booking date) of one imported credit, or None."""
        row = self._db.execute("SELECT state, amount, currency, booking_date FROM entries WHERE key=?", (key,))
        return row.fetchone()

    # ---- references and payers -------------------------------------------------------------------------------

    def remember_references(self, issued: Mapping[str, tuple[str, Iterable[str]]], *, now: dt.datetime) -> None:
        """Record references that reminders or statements carried: reference → (customer, invoices)."""
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO issued VALUES (?,?,?,?)",
                [
                    (ref, customer, json.dumps(sorted(map(str, numbers))), now.isoformat())
                    for ref, (customer, numbers) in issued.items()
                ],
            )

    def references(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        rows = self._db.execute("SELECT reference, customer_id, invoices FROM issued")
        return {ref: (customer, tuple(json.loads(numbers))) for ref, customer, numbers in rows}

    def payers(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT account, customer_id FROM payers"))

    # ---- watched folder ---------------------------------------------------------------------------------------

    def file_seen(self, digest: str) -> bool:
        return self._db.execute("SELECT 1 FROM files WHERE digest=?", (digest,)).fetchone() is not None

    def file_read(self, digest: str, name: str, credits: int, *, now: dt.datetime) -> None:
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO files VALUES (?,?,?,?)", (digest, name, credits, now.isoformat()))
