"""Find a workbook's ledger, open it the way its location needs, and check that it is the right one.

    ledger = locate.open_for(Path("Receivables.xlsx"), config, stamp=identity.read_stamp(path), sent_in_log=0)

- Settings ``LedgerUrl`` (``postgresql://user@host/db``) → the team's ledger on PostgreSQL (`postgres`).
- Settings ``LedgerPath`` → that file; its folder must exist (a network drive that is not connected must not
  silently get a fresh, empty ledger on the local disk in its place).
- Otherwise ``<workbook>.ledger.sqlite`` beside the workbook — or, when the workbook was renamed, the ledger beside
  it whose id the workbook records.

A file on a network share is opened with a rollback journal and exclusive locking; one in a synced folder
(OneDrive, SharePoint, Dropbox…) is refused with the alternatives (`location`). Then `identity`'s checks run: a
missing, empty, older or foreign ledger raises `LedgerMissing`/`LedgerError` with one sentence and the way out.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from arcollect.mail.ledger import location
from arcollect.mail.ledger.core import Ledger
from arcollect.mail.ledger.identity import Stamp
from arcollect.mail.ledger.store import REBUILD_HINT, LedgerError, LedgerMissing, SqliteStore

logger = logging.getLogger(__name__)


def ledger_file(workbook: Path, config: Any, stamp: Stamp | None) -> Path:
    """The SQLite file of `workbook`'s ledger (see the module docstring); it may not exist."""
    configured = config.ledger_file(workbook)
    if config.ledger_path is not None or configured.exists() or stamp is None:
        return configured
    for candidate in sorted(workbook.parent.glob("*.ledger.sqlite")):
        if _ledger_id(candidate) == stamp.ledger_id:
            logger.info("Using %s: the ledger of %s before it was renamed", candidate.name, workbook.name)
            return candidate
    return configured


def _ledger_id(path: Path) -> str | None:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        row = db.execute("SELECT value FROM meta WHERE name = 'ledger_id'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return row[0] if row else None


def open_for(
    workbook: Path,
    config: Any,
    *,
    stamp: Stamp | None,
    sent_in_log: int,
    book_name: str | None = None,
) -> Ledger:
    """The checked ledger of `workbook`; raises `LedgerError` (one sentence, a way out) when it must not be used."""
    name = book_name or workbook.name
    remembers = stamp is not None or sent_in_log > 0
    if getattr(config, "ledger_url", ""):
        from arcollect.mail.ledger.postgres import PostgresStore

        ledger = Ledger(PostgresStore(config.ledger_url), store_bodies=config.store_bodies)
    else:
        path = ledger_file(workbook, config, stamp)
        kind, what = location.classify(path)
        if kind == "synced":
            raise LedgerError(location.refusal(path, what, workbook))
        if not path.parent.is_dir():
            raise LedgerMissing(
                f"The folder of the ledger {path} does not exist — connect the network drive or share it is on, or "
                "correct LedgerPath"
            )
        empty = not path.is_file() or path.stat().st_size == 0
        if empty and remembers:
            raise LedgerMissing(_missing(path, name, stamp, sent_in_log))
        ledger = Ledger(SqliteStore(path, network=kind == "network"), store_bodies=config.store_bodies)
        if kind == "network":
            logger.info("Ledger %s is on a %s: rollback journal, exclusive locking", path, what)
    try:
        check(ledger, stamp, sent_in_log, name)
    except BaseException:
        ledger.close()
        raise
    return ledger


def check(ledger: Ledger, stamp: Stamp | None, sent_in_log: int, name: str) -> None:
    """`identity`'s checks of an open ledger against what the workbook remembers."""
    sequence = ledger.sequence
    if stamp is not None and stamp.ledger_id != ledger.ledger_id:
        if sequence == 0:
            raise LedgerMissing(_missing(ledger.where, name, stamp, sent_in_log))
        raise LedgerError(
            f"The ledger {ledger.where} belongs to another workbook (ledger {ledger.ledger_id[:8]}; {name} records "
            f"ledger {stamp.ledger_id[:8]}) — point LedgerPath/LedgerUrl at this workbook's ledger, or {REBUILD_HINT}"
        )
    if stamp is not None and sequence < stamp.sequence:
        raise LedgerError(
            f"The ledger {ledger.where} is older than {name}: it has recorded {sequence} changes, the workbook has "
            f"seen {stamp.sequence} (an older copy put back?) — put the latest copy back, or {REBUILD_HINT}"
        )
    if stamp is None and sent_in_log > 0 and sequence == 0:
        raise LedgerMissing(_missing(ledger.where, name, stamp, sent_in_log))


def _missing(where: Any, name: str, stamp: Stamp | None, sent_in_log: int) -> str:
    seen = f"{stamp.sequence} changes of ledger {stamp.ledger_id[:8]}" if stamp else f"{sent_in_log} sent reminders"
    return (
        f"The ledger of {name} is missing or empty at {where}, but the workbook has seen {seen} — nothing was sent, "
        f"so nothing goes out twice; {REBUILD_HINT}"
    )
