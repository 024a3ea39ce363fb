"""Where a ledger keeps its rows: an SQLite file (the embedded default) or a PostgreSQL database (`postgres`).

    store = SqliteStore(Path("Receivables.ledger.sqlite"))
    with store.transaction() as tx:                       # one serialised write transaction
        tx.execute("UPDATE reminders SET state = ? WHERE key = ?", ("sent", key))
    rows = store.query("SELECT key, state FROM reminders WHERE state = ?", ("sent",))   # list of dicts

The state machine (`arcollect.mail.ledger.core`) speaks to either store through this small interface and the SQL
both understand, with ``?`` placeholders. Write transactions are serialised across processes and machines —
SQLite's ``BEGIN IMMEDIATE`` takes the database's write lock first; PostgreSQL takes a transaction-scoped advisory
lock — so every read-check-write inside one is atomic. One connection per store, guarded by a lock, so the
lease's heartbeat thread can share it.

SQLite journal: on a local disk WAL (readers never wait for the writer) with ``synchronous=FULL``. On a network
file system (SMB/CIFS, NFS: `arcollect.mail.ledger.location`) WAL is unsafe — its index lives in shared memory,
which cannot be shared across computers — so there the ledger uses a rollback journal in exclusive locking mode:
the first run to open it holds the file lock until it closes the ledger, and any other run, on any computer,
waits for it or is told the ledger is in use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from arcollect.errors import ArcollectError
from arcollect.mail.ledger import schema

logger = logging.getLogger(__name__)

REBUILD_HINT = "restore it from a backup, or rebuild it from the workbook: arcollect ledger rebuild BOOK"


class LedgerError(ArcollectError):
    """The ledger cannot do what was asked (unknown key, a forbidden transition, a damaged or busy database)."""


class LedgerMissing(LedgerError):
    """The ledger that should exist is not there (deleted, empty, on a share that is not connected)."""


class LedgerBusy(LedgerError):
    """Another arcollect run holds the ledger (its lease, or the file lock of a ledger on a share).

    ``holder`` names that run where the lease says who it is ("send on pc-ar1 (process 4242, since … UTC)"), else
    it is "" — what the ribbon and the schedule tell the user.
    """

    def __init__(self, message: str, *, holder: object = "") -> None:
        super().__init__(message)
        self.holder = str(holder or "")


class Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class Store:
    """The interface the state machine uses; see the module docstring."""

    dialect = ""
    where = ""
    shared_clock = False  # True when `clock()` is one clock for every client (a database server's)

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def clock(self) -> dt.datetime:
        """Now, by the clock lease expiry is judged by: the database server's when there is one, else this one's."""
        return dt.datetime.now(dt.UTC)

    def after_purge(self) -> None:
        """Make deleted rows unrecoverable from the file (SQLite: checkpoint and truncate the WAL)."""

    def close(self) -> None:
        raise NotImplementedError


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class SqliteStore(Store):
    """An SQLite file. `network` chooses the rollback journal with exclusive locking (see the module docstring);
    `create` False refuses a file that is missing or empty instead of starting a new, empty ledger there."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, network: bool = False, create: bool = True, wait: float = 30.0) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.network = network
        if not create and (not self.path.is_file() or self.path.stat().st_size == 0):
            state = "empty" if self.path.is_file() else "missing"
            raise LedgerMissing(f"The ledger {self.path} is {state} — {REBUILD_HINT}")
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=wait, check_same_thread=False)
        except sqlite3.Error as error:
            raise LedgerError(f"The ledger {self.path} cannot be opened ({error}) — check LedgerPath") from None
        self._db.row_factory = _dict_row
        try:
            if network:
                self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
                self._db.execute("PRAGMA journal_mode=DELETE")
            else:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as error:
            self._db.close()
            raise explain(error, self.where) from None
        except LedgerError:
            self._db.close()
            raise

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()["user_version"]
        if version > schema.VERSION:
            raise LedgerError(
                f"The ledger {self.path} was written by a newer arcollect (schema {version}); update arcollect"
            )
        if version == schema.VERSION:  # up to date; registered extra tables may still be new
            with self.transaction() as tx:
                for statement in schema.statements("INTEGER PRIMARY KEY AUTOINCREMENT"):
                    tx.execute(statement)
            return
        with self.transaction() as tx:
            current = tx.execute("PRAGMA user_version").fetchone()["user_version"]
            if current == 1:
                for column in schema.ADDED_IN_2:
                    tx.execute(f"ALTER TABLE reminders ADD COLUMN {column}")
            if current < schema.VERSION:
                for statement in schema.statements("INTEGER PRIMARY KEY AUTOINCREMENT"):
                    tx.execute(statement)
                tx.execute(f"PRAGMA user_version = {schema.VERSION}")
                logger.info("Ledger %s at schema %d (was %d)", self.path, schema.VERSION, current)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise explain(error, self.where) from None
            try:
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                raise explain(error, self.where) from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as error:
                raise explain(error, self.where) from None

    def pragma(self, name: str) -> Any:
        with self._lock:
            row = self._db.execute(f"PRAGMA {name}").fetchone()
        return next(iter(row.values()))

    def after_purge(self) -> None:
        with self._lock:
            if not self.network:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def secure_delete(self) -> None:
        with self._lock:
            self._db.execute("PRAGMA secure_delete = ON")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def explain(error: Exception, where: str) -> LedgerError:
    """One sentence for a database error; the ledger's place and a way out in it."""
    text = str(error)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return LedgerBusy(
            f"The ledger {where} is in use by another arcollect run (the database is locked) — try again when it "
            "has finished"
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return LedgerError(f"The ledger {where} is damaged ({text}) — {REBUILD_HINT}")
    if "readonly" in lowered or "read-only" in lowered:
        return LedgerError(f"The ledger {where} is read-only ({text}) — give arcollect write access or move LedgerPath")
    if "disk" in lowered and "full" in lowered:
        return LedgerError(f"The disk holding the ledger {where} is full — free some space and run again")
    if "unable to open" in lowered:
        return LedgerError(f"The ledger {where} cannot be opened ({text}) — check LedgerPath and its folder")
    return LedgerError(f"The ledger {where} cannot be used: {text}")
