"""The ledger: every reminder's state in SQLite, so each one is delivered exactly once across runs and crashes.

    >>> with Ledger(tmp / "ledger.sqlite") as ledger:                        # doctest: +SKIP
    ...     reconcile(ledger, transport, now=now)                          # settle what a crash left in doubt
    ...     ledger.plan(reminder, now=now, transport=transport.name)
    ...     if ledger.begin_send(reminder.key, now=now, transport=transport.name):
    ...         [result] = transport.send([reminder])
    ...         ledger.record(result, now=now)

States and the only transitions allowed::

    planned            ──begin_send──►  sending
    failed (retryable) ──begin_send──►  sending
    sending            ──mark_sent───►  sent       final
    sending            ──mark_failed─►  failed     retryable (nothing delivered, try again) or final
    sending            ──mark_unknown►  unknown    the transport cannot tell whether the message left
    sending | unknown  ──reconcile / resolve──►  sent | failed

- `begin_send` is the exactly-once gate: it moves a row to ``sending`` — committed *before* the transport is called —
  only from ``planned`` or a retryable ``failed``, and returns False for anything else (already sent, in doubt,
  failed for good). Because it runs inside ``BEGIN IMMEDIATE``, two processes can never both win it for one key.
- A crash between `begin_send` and `mark_sent` leaves ``sending``; a timeout leaves ``unknown``. Neither is ever sent
  again blindly: `reconcile` (run before any new send) asks the transport whether the key was handed over. Found →
  ``sent``. Certainly not found → ``failed`` with ``retryable`` set and a note, so the normal gate sends it again,
  once, and the audit trail shows why. Cannot tell (smtp, or a lookup through a different transport than the one
  that sent) → ``unknown``, listed for a person to settle with `resolve` (``arcollect ledger resolve``).
- Any other change (``sent → sending``, ``mark_sent`` on a ``planned`` row …) raises `LedgerError`.

Every change is one committed transaction (WAL, ``synchronous=FULL``) that updates the row and appends to the
``transitions`` audit table, so a crash between any two statements leaves a consistent database. Times are passed
in by the caller (``now``, timezone-aware) and stored as UTC ISO-8601; the ledger never reads the clock.
Bodies are not stored unless ``store_bodies=True`` (Settings ``StoreBodies``, default false — data minimisation):
the ledger keeps recipients, subject, key, level, invoices and times, which is what an audit of "who was chased,
when, for what" needs. No secrets, ever.

Retention (`export`, `purge`; ``arcollect ledger export|purge``): `purge` deletes the rows whose last activity is
before a date, with their audit trail, overwriting the freed pages (``secure_delete``) and truncating the WAL so
the personal data is gone from the file, not just unlinked. It never deletes a reminder in doubt (``sending``,
``unknown``), nor a sent one about an invoice the caller says is still open (the planner's history needs it). A
purged *sent* reminder leaves a tombstone — its key (a sha256 digest, no personal data) and sent time — which
`plan`, `begin_send` and `get` treat as ``sent``: exactly once still holds for that key after the purge.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from arcollect.book.schema import Log
from arcollect.errors import ArcollectError, InputError, TransportError
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult, Transport

logger = logging.getLogger(__name__)

State = Literal["planned", "sending", "sent", "failed", "unknown"]
STATES: tuple[State, ...] = ("planned", "sending", "sent", "failed", "unknown")
IN_DOUBT: tuple[State, ...] = ("sending", "unknown")
SCHEMA_VERSION = 1
LIST_SEPARATOR = "; "

_SCHEMA = f"""
CREATE TABLE reminders (
    key          TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    level        INTEGER NOT NULL,
    template     TEXT NOT NULL,
    variant      TEXT,
    language     TEXT NOT NULL,
    recipients   TEXT NOT NULL,            -- JSON list of addresses
    cc           TEXT NOT NULL,            -- JSON list of addresses
    subject      TEXT NOT NULL,
    invoices     TEXT NOT NULL,            -- JSON list of invoice numbers
    amount_text  TEXT,
    cycle_date   TEXT,
    state        TEXT NOT NULL CHECK (state IN ({", ".join(f"'{state}'" for state in STATES)})),
    retryable    INTEGER NOT NULL DEFAULT 0 CHECK (retryable IN (0, 1)),
    transport    TEXT NOT NULL,
    message_id   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    planned_at   TEXT NOT NULL,
    sending_at   TEXT,
    sent_at      TEXT,
    error        TEXT,
    body         TEXT
);
CREATE INDEX reminders_by_state ON reminders (state, sent_at);
CREATE INDEX reminders_by_customer ON reminders (customer_id, level);
CREATE TABLE transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL REFERENCES reminders (key),
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    at          TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX transitions_by_key ON transitions (key, id);
"""
# Added without a schema version bump: created on open when missing, so a version-1 ledger simply gains it.
_TOMBSTONES = """
CREATE TABLE IF NOT EXISTS tombstones (
    key      TEXT PRIMARY KEY,         -- idempotency key of a purged sent reminder (a digest: no personal data)
    sent_at  TEXT NOT NULL
)"""
EXPORT_COLUMNS = (
    "key", "customer_id", "level", "template", "variant", "language", "recipients", "cc", "subject", "invoices",
    "amount_text", "cycle_date", "state", "retryable", "transport", "message_id", "attempts", "planned_at",
    "sending_at", "sent_at", "error",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class LedgerError(ArcollectError):
    """The ledger cannot make the requested change (unknown key, a transition the state machine forbids)."""


@dataclass(frozen=True)
class Entry:
    """One reminder as the ledger knows it; times are aware UTC datetimes."""

    key: str
    customer_id: str
    level: int
    template: str
    variant: str | None
    language: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    invoices: tuple[str, ...]
    amount_text: str | None
    cycle_date: str | None
    state: State
    retryable: bool
    transport: str
    message_id: str | None
    attempts: int
    planned_at: dt.datetime
    sending_at: dt.datetime | None
    sent_at: dt.datetime | None
    error: str | None
    body: str | None
    purged: bool = False  # a tombstone: only key, state ``sent`` and sent_at are left


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


@dataclass(frozen=True)
class Transition:
    """One line of the audit trail; ``from_state`` is None for the row's creation."""

    key: str
    from_state: State | None
    to_state: State
    at: dt.datetime
    note: str | None


@dataclass(frozen=True)
class ReconcileReport:
    """What `reconcile` did with each in-doubt key.

    ``sent``: found, now ``sent``. ``resend``: certainly not sent, now retryable ``failed`` (the next send picks them
    up). ``unknown``: cannot be looked up — a person must `resolve` them. ``lookup_failed``: the lookup itself
    failed (server unreachable); left as they were, to be reconciled by the next run. ``waiting``: not found, but
    attempted too recently for a "not found" to be trusted (see ``settle``); left as they were.
    """

    sent: tuple[str, ...] = ()
    resend: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    lookup_failed: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()

    @property
    def settled(self) -> bool:
        """True when nothing is left in doubt."""
        return not self.unknown and not self.lookup_failed and not self.waiting


def utc_text(moment: dt.datetime) -> str:
    """`moment` as the ledger stores it: UTC ISO-8601 with microseconds and offset, so text order is time order."""
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise InputError(f"Time {moment!r} must be a timezone-aware date-time")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


class Ledger:
    """An SQLite ledger at `path` (created with its folder if missing); one connection, closed by `close()`.

    Use it as a context manager. Not thread-safe: one `Ledger` per thread; several processes may share the file
    (SQLite locking plus ``BEGIN IMMEDIATE`` keep the state machine intact).
    """

    def __init__(self, path: str | Path, *, store_bodies: bool = False) -> None:
        self.path = Path(path)
        self.store_bodies = store_bodies
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._db.execute(_TOMBSTONES)
        except (sqlite3.DatabaseError, LedgerError):
            self._db.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; every change is already committed."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The ledger {self.path} was written by a newer arcollect (schema {version}); update arcollect"
            )
        if version == 0:
            with self._transaction():
                if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            logger.info("Created ledger %s (schema %d)", self.path, SCHEMA_VERSION)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` takes the write lock first, so read-check-write is atomic."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- state changes -----------------------------------------------------------------------------------------------

    def plan(
        self,
        reminder: Reminder,
        *,
        now: dt.datetime,
        transport: str,
        amount_text: str | None = None,
        cycle_date: dt.date | str | None = None,
    ) -> bool:
        """Record `reminder` as ``planned``; False (and nothing changed) if its key is already known, in any state.

        False is not "do not send": a reminder planned by an earlier preview run is still ``planned`` and
        `begin_send` will let it through. `begin_send` is the gate, `plan` only makes sure the row exists.
        """
        at = utc_text(now)
        body = json.dumps({"text": reminder.text, "html": reminder.html}) if self.store_bodies else None
        cycle = cycle_date.isoformat() if isinstance(cycle_date, dt.date) else cycle_date
        with self._transaction() as db:
            if self._tombstone(reminder.key) is not None:
                logger.debug("Not planning %s: it was sent and purged (tombstone)", reminder.key[:12])
                return False
            inserted = db.execute(
                """INSERT INTO reminders (key, customer_id, level, template, variant, language, recipients, cc,
                       subject, invoices, amount_text, cycle_date, state, transport, planned_at, body)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)
                   ON CONFLICT (key) DO NOTHING""",
                (
                    reminder.key,
                    str(reminder.customer_id),
                    reminder.level,
                    reminder.template,
                    reminder.variant,
                    reminder.language,
                    json.dumps(list(reminder.to), ensure_ascii=False),
                    json.dumps(list(reminder.cc), ensure_ascii=False),
                    reminder.subject,
                    json.dumps(list(reminder.invoices), ensure_ascii=False),
                    amount_text,
                    cycle,
                    transport,
                    at,
                    body,
                ),
            ).rowcount
            if inserted:
                self._audit(reminder.key, None, "planned", at, None)
        if inserted:
            logger.debug(
                "Planned reminder %s (customer %s, level %d)", reminder.key[:12], reminder.customer_id, reminder.level
            )
        return bool(inserted)

    def begin_send(self, key: str, *, now: dt.datetime, transport: str | None = None) -> bool:
        """The exactly-once gate: ``planned`` or retryable ``failed`` → ``sending``, one more attempt; else False.

        Call it, and let it commit, *before* handing the reminder to the transport. It returns False — changing
        nothing — when the reminder is already ``sent``, in doubt (``sending``/``unknown``: reconcile first) or
        ``failed`` for good. `transport` records which transport is making this attempt (reconcile only trusts a
        "not found" from that same transport). Raises `LedgerError` for a key the ledger has never seen.
        """
        at = utc_text(now)
        with self._transaction() as db:
            if self._tombstone(key) is not None:
                logger.debug("Not sending %s: it was sent and purged (tombstone)", key[:12])
                return False
            row = self._state(key)
            if not (row["state"] == "planned" or (row["state"] == "failed" and row["retryable"])):
                logger.debug("Not sending %s: it is %s", key[:12], row["state"])
                return False
            db.execute(
                """UPDATE reminders SET state = 'sending', retryable = 0, attempts = attempts + 1, sending_at = ?,
                       transport = COALESCE(?, transport) WHERE key = ?""",
                (at, transport, key),
            )
            self._audit(key, row["state"], "sending", at, f"attempt {row['attempts'] + 1}")
        return True

    def mark_sent(self, key: str, *, now: dt.datetime, message_id: str | None) -> None:
        """``sending`` → ``sent``: the transport accepted the message. Final."""
        self._change(key, ("sending",), "sent", now, None, message_id=message_id, error=None)

    def mark_failed(self, key: str, *, now: dt.datetime, error: str, retryable: bool) -> None:
        """``sending`` → ``failed``. `retryable` (a temporary refusal, nothing delivered) lets the next run retry it;
        otherwise (bad address, permanent refusal) it stays failed until the data is fixed and a new key is planned.
        """
        self._change(key, ("sending",), "failed", now, error, retryable=retryable, error=error)

    def mark_unknown(self, key: str, *, now: dt.datetime, note: str) -> None:
        """``sending`` → ``unknown``: the transport cannot tell whether the message left. Never resent blindly."""
        self._change(key, ("sending",), "unknown", now, note, error=note)

    def record(self, result: SendResult, *, now: dt.datetime, retry_failed: bool = False) -> None:
        """Apply a transport's `SendResult` to its row in ``sending``: ``sent`` → `mark_sent`, ``unknown`` →
        `mark_unknown`, ``failed`` → `mark_failed`, final unless the result is `retryable` or `retry_failed` is set
        (transports have already retried temporary refusals themselves, so a failure they report is normally one
        that retrying will not fix — except a throttled one, which they mark retryable).
        """
        if result.status == "sent":
            self.mark_sent(result.key, now=now, message_id=result.message_id)
        elif result.status == "failed":
            retryable = retry_failed or result.retryable
            self.mark_failed(result.key, now=now, error=result.error or "failed", retryable=retryable)
        else:
            self.mark_unknown(result.key, now=now, note=result.error or "outcome unknown")

    def resolve(
        self,
        key: str,
        *,
        now: dt.datetime,
        state: Literal["sent", "failed"],
        note: str,
        retryable: bool = True,
    ) -> None:
        """A person's (or `reconcile`'s) verdict on an in-doubt row (``sending``/``unknown``) → ``sent`` or ``failed``.

        ``failed`` is retryable by default — "it did not go out, send it" — pass ``retryable=False`` to drop it.
        """
        if state not in ("sent", "failed"):
            raise LedgerError(f"A reminder can only be resolved as 'sent' or 'failed', not {state!r}")
        fields: dict[str, Any] = {"retryable": state == "failed" and retryable}
        if state == "failed":
            fields["error"] = note
        self._change(key, IN_DOUBT, state, now, note, **fields)

    def _change(
        self,
        key: str,
        allowed: tuple[State, ...],
        to_state: State,
        now: dt.datetime,
        note: str | None,
        **fields: Any,
    ) -> None:
        at = utc_text(now)
        with self._transaction() as db:
            row = self._state(key)
            if row["state"] not in allowed:
                raise LedgerError(
                    f"Reminder {key[:12]} is {row['state']}; it cannot become {to_state} "
                    f"(only from {' or '.join(allowed)})"
                )
            if to_state == "sent":
                fields["sent_at"] = at
            if "retryable" in fields:
                fields["retryable"] = int(bool(fields["retryable"]))
            assignments = ", ".join(f"{name} = ?" for name in ["state", *fields])
            db.execute(f"UPDATE reminders SET {assignments} WHERE key = ?", (to_state, *fields.values(), key))
            self._audit(key, row["state"], to_state, at, note)
        logger.info("Reminder %s: %s → %s", key[:12], row["state"], to_state)

    def _state(self, key: str) -> sqlite3.Row:
        row = self._db.execute("SELECT state, retryable, attempts FROM reminders WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LedgerError(f"No reminder with key {key[:12]}… in the ledger {self.path}")
        return row

    def _tombstone(self, key: str) -> str | None:
        """The sent time of a purged sent reminder with `key`, or None."""
        row = self._db.execute("SELECT sent_at FROM tombstones WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _audit(self, key: str, from_state: str | None, to_state: str, at: str, note: str | None) -> None:
        self._db.execute(
            "INSERT INTO transitions (key, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)",
            (key, from_state, to_state, at, note),
        )

    # -- queries -----------------------------------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        """The reminder with `key`, or None."""
        row = self._db.execute("SELECT * FROM reminders WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return _entry(row)
        sent_at = self._tombstone(key)
        return None if sent_at is None else _tombstone_entry(key, sent_at)

    def in_doubt(self) -> list[Entry]:
        """Reminders in ``sending`` or ``unknown``, oldest attempt first: reconcile these before sending anything."""
        rows = self._db.execute(
            "SELECT * FROM reminders WHERE state IN ('sending', 'unknown') ORDER BY sending_at, key"
        ).fetchall()
        return [_entry(row) for row in rows]

    def transitions(self, key: str) -> list[Transition]:
        """The audit trail of `key`, oldest first."""
        rows = self._db.execute(
            "SELECT key, from_state, to_state, at, note FROM transitions WHERE key = ? ORDER BY id", (key,)
        ).fetchall()
        return [
            Transition(row["key"], row["from_state"], row["to_state"], _time(row["at"]), row["note"]) for row in rows
        ]

    def history(self) -> pd.DataFrame:
        """Every reminder for the ``ReminderLog`` sheet: columns = `schema.Log` keys, oldest first.

        Lists (to, cc, invoices) are joined with ``"; "``; times are naive UTC (Excel has no time zones, the
        headers say UTC).
        """
        rows = self._db.execute(
            """SELECT key, customer_id, level, template, state, subject, recipients, cc, invoices, transport,
                      message_id, planned_at, sent_at, error
               FROM reminders ORDER BY planned_at, key"""
        ).fetchall()
        columns = [
            Log.KEY, Log.CUSTOMER_ID, Log.LEVEL, Log.TEMPLATE, Log.STATE, Log.SUBJECT, Log.TO, Log.CC, Log.INVOICES,
            Log.TRANSPORT, Log.MESSAGE_ID, Log.PLANNED_AT, Log.SENT_AT, Log.ERROR,
        ]  # fmt: skip
        frame = pd.DataFrame([tuple(row) for row in rows], columns=[str(column) for column in columns], dtype=object)
        for column in (Log.TO, Log.CC, Log.INVOICES):
            joined = [LIST_SEPARATOR.join(json.loads(text)) for text in frame[column]]
            frame[column] = pd.Series(joined, index=frame.index, dtype=object)
        for column in (Log.PLANNED_AT, Log.SENT_AT):
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601").dt.tz_localize(None)
        frame[Log.LEVEL] = frame[Log.LEVEL].astype("Int64")
        return frame[[column.value for column in Log]]

    def last_sent(self) -> pd.DataFrame:
        """When each (customer, level) was last sent: columns ``customer_id``, ``level``, ``last_sent_at`` (UTC).

        Only ``sent`` rows count; in-doubt rows are reconciled before planning, so they are settled by then.
        """
        rows = self._db.execute(
            """SELECT customer_id, level, MAX(sent_at) FROM reminders WHERE state = 'sent'
               GROUP BY customer_id, level ORDER BY customer_id, level"""
        ).fetchall()
        frame = pd.DataFrame([tuple(row) for row in rows], columns=["customer_id", "level", "last_sent_at"])
        frame["customer_id"] = frame["customer_id"].astype(object)
        frame["level"] = frame["level"].astype("int64")
        frame["last_sent_at"] = pd.to_datetime(frame["last_sent_at"], utc=True, format="ISO8601")
        return frame

    def sent_count_since(self, since: dt.datetime) -> int:
        """Messages handed to a mail server at or after `since`, for the send-rate limit across runs.

        Counts ``sent`` rows by their sent time and in-doubt rows by their attempt time: a message whose outcome is
        unknown may well have gone out, and the limit must never be exceeded.
        """
        at = utc_text(since)
        return self._db.execute(
            """SELECT COUNT(*) FROM reminders
               WHERE (state = 'sent' AND sent_at >= ?) OR (state IN ('sending', 'unknown') AND sending_at >= ?)""",
            (at, at),
        ).fetchone()[0]

    def sent_times_since(self, since: dt.datetime) -> list[dt.datetime]:
        """When each message counted by `sent_count_since` was handed over (UTC, oldest first)."""
        at = utc_text(since)
        rows = self._db.execute(
            """SELECT CASE WHEN state = 'sent' THEN sent_at ELSE sending_at END AS moment FROM reminders
               WHERE (state = 'sent' AND sent_at >= ?) OR (state IN ('sending', 'unknown') AND sending_at >= ?)
               ORDER BY moment""",
            (at, at),
        ).fetchall()
        return [dt.datetime.fromisoformat(row[0]) for row in rows]

    # -- retention -----------------------------------------------------------------------------------------------

    def export_rows(self) -> list[dict[str, Any]]:
        """Every reminder (oldest first) as a dict of `EXPORT_COLUMNS`, lists as JSON text, plus ``purged``; the
        ``body`` only where the ledger stored one (StoreBodies); tombstones last, with key, state and sent_at only."""
        rows = self._db.execute("SELECT * FROM reminders ORDER BY planned_at, key").fetchall()
        with_body = any(row["body"] is not None for row in rows)
        exported = []
        for row in rows:
            record: dict[str, Any] = {column: row[column] for column in EXPORT_COLUMNS}
            record["purged"] = False
            if with_body:
                record["body"] = row["body"]
            exported.append(record)
        for key, sent_at in self._db.execute("SELECT key, sent_at FROM tombstones ORDER BY sent_at, key"):
            record = dict.fromkeys(EXPORT_COLUMNS)
            record.update(key=key, state="sent", sent_at=sent_at, purged=True)
            if with_body:
                record["body"] = None
            exported.append(record)
        return exported

    def export(self, target: str | Path) -> int:
        """Write `export_rows` to `target` — ``.csv`` (UTF-8 with BOM for Excel, text that Excel would take for a
        formula quote-prefixed) or ``.jsonl`` (one JSON object per line, values as stored) — atomically: a reader
        or a crash sees the previous file or the complete new one. Returns the number of rows written."""
        from arcollect.mail.transports.outbox import atomic_write

        target = Path(target)
        rows = self.export_rows()
        suffix = target.suffix.lower()
        if suffix == ".jsonl":
            data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
        elif suffix == ".csv":
            buffer = io.StringIO()
            columns = list(rows[0]) if rows else [*EXPORT_COLUMNS, "purged"]
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows({name: _csv_cell(value) for name, value in row.items()} for row in rows)
            data = buffer.getvalue().encode("utf-8-sig")
        else:
            raise InputError(f"Export file {target.name!r} must end in .csv or .jsonl")
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
        logger.info("Exported %d ledger rows to %s", len(rows), target)
        return len(rows)

    def purge(
        self,
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
        none. One transaction; afterwards the WAL is checkpointed and truncated, and deleted rows are overwritten
        (``secure_delete``). With `dry_run` nothing changes and the report says what would be done.
        """
        cutoff = utc_text(dt.datetime.combine(before, dt.time(0), tzinfo=dt.UTC))
        still_open = {str(number) for number in open_invoices}
        purged: list[str] = []
        tombstoned: list[str] = []
        in_doubt: list[str] = []
        kept_open: list[str] = []
        self._db.execute("PRAGMA secure_delete = ON")
        with self._transaction() as db:
            rows = db.execute(
                """SELECT r.key, r.state, r.sent_at, r.invoices,
                          MAX(r.planned_at, COALESCE(r.sending_at, ''), COALESCE(r.sent_at, ''),
                              COALESCE((SELECT MAX(t.at) FROM transitions t WHERE t.key = r.key), '')) AS last
                   FROM reminders r ORDER BY r.planned_at, r.key"""
            ).fetchall()
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
                            db.execute(
                                "INSERT OR REPLACE INTO tombstones (key, sent_at) VALUES (?, ?)",
                                (row["key"], row["sent_at"] or row["last"]),
                            )
                    purged.append(row["key"])
                    if not dry_run:
                        db.execute("DELETE FROM transitions WHERE key = ?", (row["key"],))
                        db.execute("DELETE FROM reminders WHERE key = ?", (row["key"],))
        if purged and not dry_run:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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


def _tombstone_entry(key: str, sent_at: str) -> Entry:
    moment = _time(sent_at)
    return Entry(
        key=key, customer_id="", level=0, template="", variant=None, language="", to=(), cc=(), subject="",
        invoices=(), amount_text=None, cycle_date=None, state="sent", retryable=False, transport="", message_id=None,
        attempts=0, planned_at=moment, sending_at=None, sent_at=moment, error=None, body=None, purged=True,
    )  # fmt: skip


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        key=row["key"],
        customer_id=row["customer_id"],
        level=row["level"],
        template=row["template"],
        variant=row["variant"],
        language=row["language"],
        to=tuple(json.loads(row["recipients"])),
        cc=tuple(json.loads(row["cc"])),
        subject=row["subject"],
        invoices=tuple(json.loads(row["invoices"])),
        amount_text=row["amount_text"],
        cycle_date=row["cycle_date"],
        state=row["state"],
        retryable=bool(row["retryable"]),
        transport=row["transport"],
        message_id=row["message_id"],
        attempts=row["attempts"],
        planned_at=_time(row["planned_at"]),
        sending_at=_time(row["sending_at"]),
        sent_at=_time(row["sent_at"]),
        error=row["error"],
        body=row["body"],
    )


def reconcile(
    ledger: Ledger,
    transport: Transport,
    *,
    now: dt.datetime,
    settle: dt.timedelta = dt.timedelta(0),
) -> ReconcileReport:
    """Settle every in-doubt reminder by asking `transport` whether its key was handed over. Run before any send.

    - found (True) → ``sent``, note "found by <transport> lookup";
    - certainly not (False) from the transport that made the attempt → retryable ``failed``, so the normal
      `begin_send` gate sends it once more (it never went out, so this is still exactly once);
    - cannot tell (None), or "not found" from a different transport than the one that attempted → ``unknown``
      (left ``unknown`` if it already was), for a person to `resolve`;
    - the lookup raised `TransportError` → left as it is and reported in ``lookup_failed``;
    - not found, but the attempt is younger than `settle` → left as it is, reported in ``waiting``. Exchange writes
      the Sent Items copy asynchronously, so the ews and graph callers pass a few minutes here; the outbox (atomic,
      synchronous) needs none.

    Assumes no other process is sending at the same time (the caller holds the single-instance lock): a row in
    ``sending`` is taken to be the remains of a crash, not a send in progress.
    """
    sent: list[str] = []
    resend: list[str] = []
    unknown: list[str] = []
    lookup_failed: list[str] = []
    waiting: list[str] = []
    for entry in ledger.in_doubt():
        try:
            found = transport.find_sent(entry.key)
        except TransportError as error:
            logger.warning("Could not look up reminder %s with %s: %s", entry.key[:12], transport.name, error)
            lookup_failed.append(entry.key)
            continue
        if found is True:
            ledger.resolve(
                entry.key, now=now, state="sent", note=f"found by {transport.name} lookup (Sent Items/outbox)"
            )
            sent.append(entry.key)
        elif found is False and entry.transport == transport.name and _older(entry, now, settle):
            ledger.resolve(
                entry.key, now=now, state="failed", retryable=True,
                note=f"not found by {transport.name} lookup: never handed over, will be sent again",
            )  # fmt: skip
            resend.append(entry.key)
        elif found is False and entry.transport == transport.name:
            waiting.append(entry.key)
        else:
            if entry.state == "sending":
                reason = (
                    f"{transport.name} cannot look up sent mail"
                    if found is None
                    else f"attempted via {entry.transport}, cannot be checked through {transport.name}"
                )
                ledger.mark_unknown(entry.key, now=now, note=f"{reason}; confirm with `arcollect ledger resolve`")
            unknown.append(entry.key)
    report = ReconcileReport(tuple(sent), tuple(resend), tuple(unknown), tuple(lookup_failed), tuple(waiting))
    if not (report.settled and not sent and not resend):
        logger.info(
            "Reconciled in-doubt reminders: %d found sent, %d to resend, %d unknown, %d lookups failed, %d waiting",
            len(sent), len(resend), len(unknown), len(lookup_failed), len(waiting),
        )  # fmt: skip
    return report


def _older(entry: Entry, now: dt.datetime, settle: dt.timedelta) -> bool:
    """True when the last attempt is at least `settle` before `now` (or has no recorded time, or no settling is
    asked for: a transport whose lookup is immediate, like the outbox, needs no wait, whatever the clocks say)."""
    return settle <= dt.timedelta(0) or entry.sending_at is None or now - entry.sending_at >= settle
