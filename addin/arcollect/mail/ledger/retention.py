"""Retention: the ledger's rows exported for an audit, and purged when they are no longer needed.

    rows = export(ledger, Path("ledger-2026.csv"))                    # arcollect ledger export --out …
    report = purge(ledger, date(2025, 1, 1), open_invoices=open_numbers)   # arcollect ledger purge --before …

`purge` deletes the rows whose last activity is before a date, with their audit trail, overwriting the freed pages
(``secure_delete``) and truncating the WAL so the personal data is gone from the file, not just unlinked. It never
deletes a reminder in doubt (``sending``, ``unknown``), nor a sent one about an invoice the caller says is still
open (the planner's history needs it). A purged *sent* reminder leaves a tombstone — its key (a sha256 digest, no
personal data) and sent time — which the state machine (`core`) treats as ``sent``: exactly once still holds for
that key after the purge. `Ledger.export`/`Ledger.purge` call these.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcollect.errors import InputError
from arcollect.files import atomic_write
from arcollect.mail.ledger.core import IN_DOUBT, utc_text
from arcollect.mail.ledger.store import SqliteStore

if TYPE_CHECKING:
    from arcollect.mail.ledger.core import Ledger

logger = logging.getLogger(__name__)

EXPORT_COLUMNS = (
    "key", "customer_id", "level", "template", "variant", "language", "recipients", "cc", "subject", "invoices",
    "amount_text", "cycle_date", "state", "retryable", "transport", "message_id", "attempts", "planned_at",
    "sending_at", "sent_at", "error",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class PurgeReport:
    """What `purge` did: keys deleted (``tombstoned``: the sent ones, remembered by key and date only) and kept."""

    purged: tuple[str, ...] = ()
    tombstoned: tuple[str, ...] = ()
    kept_in_doubt: tuple[str, ...] = ()
    kept_open_invoices: tuple[str, ...] = ()
    kept_recent: int = 0

    def summary(self) -> str:
        """One paragraph for the command line."""
        return (
            f"Purged {len(self.purged)} reminder(s) ({len(self.tombstoned)} sent ones kept as a tombstone: key and "
            f"sent date only, so they are never sent again). Kept {len(self.kept_in_doubt)} in doubt (settle them "
            f"with arcollect ledger resolve first), {len(self.kept_open_invoices)} about invoices still open (the "
            f"dunning history needs them) and {self.kept_recent} with activity on or after the date."
        )


def export_rows(ledger: Ledger) -> list[dict[str, Any]]:
    """Every reminder (oldest first) as a dict of `EXPORT_COLUMNS`, lists as JSON text, plus ``purged``; the
    ``body`` only where the ledger stored one (StoreBodies); tombstones last, with key, state and sent_at only."""
    rows = ledger.store.query("SELECT * FROM reminders ORDER BY planned_at, key")
    with_body = any(row["body"] is not None for row in rows)
    exported = []
    for row in rows:
        record: dict[str, Any] = {column: row[column] for column in EXPORT_COLUMNS}
        record["purged"] = False
        if with_body:
            record["body"] = row["body"]
        exported.append(record)
    for tomb in ledger.store.query("SELECT key, sent_at FROM tombstones ORDER BY sent_at, key"):
        record = dict.fromkeys(EXPORT_COLUMNS)
        record.update(key=tomb["key"], state="sent", sent_at=tomb["sent_at"], purged=True)
        if with_body:
            record["body"] = None
        exported.append(record)
    return exported


def export(ledger: Ledger, target: str | Path) -> int:
    """Write `export_rows` to `target` — ``.csv`` (UTF-8 with BOM for Excel, text that Excel would take for a
    formula quote-prefixed) or ``.jsonl`` (one JSON object per line, values as stored) — atomically: a reader
    or a crash sees the previous file or the complete new one. Returns the number of rows written."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InputError(f"Export file {target.name!r} must end in .csv or .jsonl")
    rows = export_rows(ledger)
    if suffix == ".jsonl":
        data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    else:
        buffer = io.StringIO()
        columns = list(rows[0]) if rows else [*EXPORT_COLUMNS, "purged"]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({name: _csv_cell(value) for name, value in row.items()} for row in rows)
        data = buffer.getvalue().encode("utf-8-sig")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data, mode=0o600)  # a new export is the user's alone: it holds customer data
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"The export cannot be written to {target} ({reason}) — choose another --out") from None
    logger.info("Exported %d ledger rows to %s", len(rows), target)
    return len(rows)


def purge(
    ledger: Ledger,
    before: dt.date,
    *,
    open_invoices: Collection[str] = (),
    dry_run: bool = False,
) -> PurgeReport:
    """Delete the reminders whose last activity (any state change) is before `before` (00:00 UTC).

    Kept: reminders in doubt (``sending``/``unknown``) whatever their age; sent reminders naming an invoice in
    `open_invoices` (the planner's "already sent / minimum days since the last level" rules read them); and
    everything with activity on or after the date. A purged sent reminder becomes a tombstone (key and sent
    time), so it can never be planned or sent again; a purged planned or failed one never left, so it needs
    none. One transaction; afterwards deleted rows are overwritten (SQLite ``secure_delete``, and its WAL is
    checkpointed and truncated). With `dry_run` nothing changes and the report says what would be done.
    """
    cutoff = utc_text(dt.datetime.combine(before, dt.time(0), tzinfo=dt.UTC))
    still_open = {str(number) for number in open_invoices}
    purged: list[str] = []
    tombstoned: list[str] = []
    in_doubt: list[str] = []
    kept_open: list[str] = []
    if isinstance(ledger.store, SqliteStore):
        ledger.store.secure_delete()
    with ledger._transaction() as tx:
        rows = tx.execute(
            """SELECT r.key, r.state, r.sent_at, r.invoices, r.planned_at, r.sending_at,
                      (SELECT MAX(t.at) FROM transitions t WHERE t.key = r.key) AS last_change
               FROM reminders r ORDER BY r.planned_at, r.key"""
        ).fetchall()
        for row in rows:
            row["last"] = max(
                row["planned_at"], row["sending_at"] or "", row["sent_at"] or "", row["last_change"] or ""
            )
        recent = sum(row["last"] >= cutoff for row in rows)
        for row in (row for row in rows if row["last"] < cutoff):
            if row["state"] in IN_DOUBT:
                in_doubt.append(row["key"])
            elif row["state"] == "sent" and still_open.intersection(json.loads(row["invoices"])):
                kept_open.append(row["key"])
            else:
                if row["state"] == "sent":
                    tombstoned.append(row["key"])
                    if not dry_run:
                        tx.execute(
                            """INSERT INTO tombstones (key, sent_at) VALUES (?, ?)
                               ON CONFLICT (key) DO UPDATE SET sent_at = excluded.sent_at""",
                            (row["key"], row["sent_at"] or row["last"]),
                        )
                purged.append(row["key"])
                if not dry_run:
                    tx.execute("DELETE FROM transitions WHERE key = ?", (row["key"],))
                    tx.execute("DELETE FROM reminders WHERE key = ?", (row["key"],))
    if purged and not dry_run:
        ledger.store.after_purge()
    report = PurgeReport(tuple(purged), tuple(tombstoned), tuple(in_doubt), tuple(kept_open), recent)
    logger.info(
        "Ledger purge before %s%s: %d purged (%d tombstones), kept %d in doubt, %d open invoices, %d recent",
        before, " (dry run)" if dry_run else "", len(purged), len(tombstoned), len(in_doubt), len(kept_open),
        recent,
    )  # fmt: skip
    return report


def _csv_cell(value: Any) -> Any:
    """A value for the CSV export: text Excel would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
