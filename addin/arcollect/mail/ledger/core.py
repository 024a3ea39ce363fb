"""The ledger's state machine: every reminder's state, so each one is delivered exactly once across runs and crashes.

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

Every change is one committed, serialised transaction of the ledger's store (SQLite or PostgreSQL: `store`) that
updates the row, appends to the ``transitions`` audit table and counts the ledger's sequence (`sequence`, which the
workbook records), so a crash between any two statements leaves a consistent database. While this ledger holds
the lease (`hold`, `lease`), the gate also checks that it still does. Each attempt records its owner (the
lease's token) and machine, which `reconcile` uses to judge an in-doubt row's age without comparing two
computers' clocks. Times are passed
in by the caller (``now``, timezone-aware) and stored as UTC ISO-8601; the ledger never reads the clock.
Bodies are not stored unless ``store_bodies=True`` (Settings ``StoreBodies``, default false — data minimisation):
the ledger keeps recipients, subject, key, level, invoices and times, which is what an audit of "who was chased,
when, for what" needs. No secrets, ever.

Retention (`export`, `purge`; ``arcollect ledger export|purge``) lives in `retention`. A purged *sent* reminder
leaves a tombstone — its key and sent time — which `plan`, `begin_send` and `get` treat as ``sent``: exactly once
still holds for that key after the purge.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from arcollect.errors import InputError
from arcollect.mail.ledger import schema
from arcollect.mail.ledger.lease import DEFAULT_TTL, Lease
from arcollect.mail.ledger.store import LedgerError, SqliteStore, Store, Tx
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult

if TYPE_CHECKING:
    from arcollect.mail.ledger.retention import PurgeReport

logger = logging.getLogger(__name__)

State = Literal["planned", "sending", "sent", "failed", "unknown"]
STATES: tuple[State, ...] = ("planned", "sending", "sent", "failed", "unknown")
IN_DOUBT: tuple[State, ...] = ("sending", "unknown")
SCHEMA_VERSION = schema.VERSION
LIST_SEPARATOR = "; "


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
    owner: str | None = None  # the lease token of the run that made the last attempt
    machine: str | None = None  # the machine that made it (`lease.machine_id`)
    checked_by: str | None = None  # a machine that found the row in doubt but too young to judge …
    checked_at: dt.datetime | None = None  # … and when, by its own clock


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
    """A ledger in `target`: an SQLite file path (created with its folder if missing) or an open `Store`.

    Use it as a context manager; `close()` gives back the lease if it is held and closes the store. One `Ledger`
    per process and thread of work; several processes and machines may share one ledger: the store serialises
    the state machine's transactions and the lease (`hold`) keeps to one sender at a time.
    """

    def __init__(
        self, target: str | Path | Store, *, store_bodies: bool = False, lease_ttl: float = DEFAULT_TTL
    ) -> None:
        if isinstance(target, Store):
            self.store = target
        else:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.store = SqliteStore(path)
        self.path = getattr(self.store, "path", None)
        self.store_bodies = store_bodies
        self.lease = Lease(self.store, ttl=lease_ttl)
        try:
            self._identity()
        except BaseException:
            self.store.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Give back the lease (if held) and close the store; every change is already committed."""
        while self.lease.token is not None:
            self.lease.release()
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        """The ledger's place, for messages: a file path or a database address without its password."""
        return self.store.where

    def _identity(self) -> None:
        with self.store.transaction() as tx:
            if tx.execute("SELECT value FROM meta WHERE name = 'ledger_id'").fetchone() is None:
                tx.execute("INSERT INTO meta (name, value) VALUES ('ledger_id', ?)", (uuid.uuid4().hex,))
                count = tx.execute("SELECT COUNT(*) AS n FROM transitions").fetchone()["n"]
                tx.execute("INSERT INTO sequence (id, value) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", (count,))
        identity = self.store.query_one("SELECT value FROM meta WHERE name = 'ledger_id'")
        self.ledger_id: str = identity["value"] if identity else ""

    @property
    def sequence(self) -> int:
        """How many state changes the ledger has recorded, ever: it only grows (purge does not lower it)."""
        row = self.store.query_one("SELECT value FROM sequence WHERE id = 1")
        return int(row["value"]) if row else 0

    # -- the lease and the extension hook ----------------------------------------------------------------------------

    @contextmanager
    def hold(
        self, purpose: str, *, wait: float = 0.0, waiting: Callable[[str], None] | None = None
    ) -> Iterator[Ledger]:
        """Hold the ledger's lease for the block (re-entrant): the one sender. `LedgerBusy` after `wait` seconds."""
        self.lease.acquire(purpose, wait=wait, waiting=waiting)
        try:
            yield self
        finally:
            self.lease.release()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One serialised write transaction for a module's own tables (`schema.register`): ``tx.execute(sql,
        params)`` with ``?`` placeholders, rows as dicts; committed at the end of the block, rolled back on error."""
        with self.store.transaction() as tx:
            yield tx

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows (dicts) of a query with ``?`` placeholders."""
        return self.store.query(sql, params)

    def _transaction(self) -> Any:
        return self.store.transaction()

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
        `begin_send` will let it through. `begin_send` is the gate, `plan` only makes sure the row exists. One
        exception: a reminder that failed for good is given another try when its recipients are no longer the
        ones that were refused (the address was corrected in the workbook) — it becomes retryable again.
        """
        at = utc_text(now)
        body = json.dumps({"text": reminder.text, "html": reminder.html}) if self.store_bodies else None
        cycle = cycle_date.isoformat() if isinstance(cycle_date, dt.date) else cycle_date
        to = json.dumps(list(reminder.to), ensure_ascii=False)
        invoices = json.dumps(list(reminder.invoices), ensure_ascii=False)
        cc = json.dumps(list(reminder.cc), ensure_ascii=False)
        with self._transaction() as tx:
            if self._tombstone(tx, reminder.key) is not None:
                logger.debug("Not planning %s: it was sent and purged (tombstone)", reminder.key[:12])
                return False
            inserted = tx.execute(
                """INSERT INTO reminders (key, customer_id, level, template, variant, language, recipients, cc,
                       subject, invoices, amount_text, cycle_date, state, transport, planned_at, body)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)
                   ON CONFLICT (key) DO NOTHING""",
                (
                    reminder.key, str(reminder.customer_id), reminder.level, reminder.template, reminder.variant,
                    reminder.language, to, cc, reminder.subject, invoices,
                    amount_text, cycle, transport, at, body,
                ),
            ).rowcount  # fmt: skip
            if inserted:
                self._audit(tx, reminder.key, None, "planned", at, None)
            else:
                row = tx.execute(
                    "SELECT state, retryable, recipients, cc FROM reminders WHERE key = ?", (reminder.key,)
                ).fetchone()
                if row["state"] == "failed" and not row["retryable"] and (row["recipients"], row["cc"]) != (to, cc):
                    tx.execute(
                        "UPDATE reminders SET retryable = 1, recipients = ?, cc = ? WHERE key = ?",
                        (to, cc, reminder.key),
                    )
                    self._audit(tx, reminder.key, "failed", "failed", at, "recipients changed: retryable again")
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
        "not found" from that same transport). Raises `LedgerError` for a key the ledger has never seen,
        `LeaseLost` when this ledger's lease was taken over, and `LedgerBusy` when this ledger holds no lease
        while another live run does.
        """
        at = utc_text(now)
        with self._transaction() as tx:
            self._fence(tx)
            if self._tombstone(tx, key) is not None:
                logger.debug("Not sending %s: it was sent and purged (tombstone)", key[:12])
                return False
            row = self._state(tx, key)
            if not (row["state"] == "planned" or (row["state"] == "failed" and row["retryable"])):
                logger.debug("Not sending %s: it is %s", key[:12], row["state"])
                return False
            tx.execute(
                """UPDATE reminders SET state = 'sending', retryable = 0, attempts = attempts + 1, sending_at = ?,
                       transport = COALESCE(?, transport), owner = ?, machine = ?, checked_by = NULL,
                       checked_at = NULL WHERE key = ?""",
                (at, transport, self.lease.token, self.lease.machine, key),
            )
            self._audit(tx, key, row["state"], "sending", at, f"attempt {row['attempts'] + 1}")
        return True

    def _fence(self, tx: Tx) -> None:
        """The gate's lease check: still ours when held; when not held, nobody else may be sending."""
        if self.lease.token is not None:
            self.lease.check(tx)
            return
        row = tx.execute("SELECT * FROM lease WHERE id = 1").fetchone()
        if row is not None and row["token"] and not self.lease._expired(row):
            from arcollect.mail.ledger.lease import Holder
            from arcollect.mail.ledger.store import LedgerBusy

            holder = Holder(row["host"], row["pid"], row["purpose"], row["acquired_at"], row["heartbeat_at"])
            raise LedgerBusy(
                f"The ledger {self.where} is in use by {holder} — try again when it has finished", holder=holder
            )

    def mark_sent(self, key: str, *, now: dt.datetime, message_id: str | None) -> None:
        """``sending`` → ``sent``: the transport accepted the message. Final."""
        self._change(key, ("sending",), "sent", now, None, message_id=message_id, error=None)

    def mark_failed(self, key: str, *, now: dt.datetime, error: str, retryable: bool) -> None:
        """``sending`` → ``failed``. `retryable` (a temporary refusal, a local problem: nothing delivered) lets the
        next run retry it; otherwise (the recipient's server refused it for good) it stays failed until the
        address is corrected (`plan`) or a person says to try again (`retry`)."""
        self._change(key, ("sending",), "failed", now, error, retryable=retryable, error=error)

    def mark_unknown(self, key: str, *, now: dt.datetime, note: str) -> None:
        """``sending`` → ``unknown``: the transport cannot tell whether the message left. Never resent blindly."""
        self._change(key, ("sending",), "unknown", now, note, error=note)

    def record(self, result: SendResult, *, now: dt.datetime, retry_failed: bool = False) -> None:
        """Apply a transport's `SendResult` to its row in ``sending``: ``sent`` → `mark_sent`, ``unknown`` →
        `mark_unknown`, ``failed`` → `mark_failed`, final unless the result is `retryable` or `retry_failed` is set.
        A ``sent`` result with an ``error`` (delivered, but a Cc refused) keeps that note on the row.
        """
        if result.status == "sent":
            self._change(
                result.key, ("sending",), "sent", now, result.error, message_id=result.message_id, error=result.error
            )
        elif result.status == "failed":
            retryable = retry_failed or result.retryable
            self.mark_failed(result.key, now=now, error=result.error or "failed", retryable=retryable)
        else:
            self.mark_unknown(result.key, now=now, note=result.error or "outcome unknown")

    def retry(self, key: str, *, now: dt.datetime, note: str = "retry asked for by hand") -> None:
        """A failed reminder (retryable or not) becomes retryable: the next send tries it once more."""
        self._change(key, ("failed",), "failed", now, note, retryable=True)

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

    def note_checked(self, key: str, *, now: dt.datetime, machine: str) -> None:
        """Remember that `machine` found this in-doubt row too young to judge (at `now`, its own clock)."""
        with self._transaction() as tx:
            tx.execute(
                "UPDATE reminders SET checked_by = ?, checked_at = ? WHERE key = ? AND state IN ('sending', 'unknown')",
                (machine, utc_text(now), key),
            )

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
        with self._transaction() as tx:
            row = self._state(tx, key)
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
            tx.execute(f"UPDATE reminders SET {assignments} WHERE key = ?", (to_state, *fields.values(), key))
            self._audit(tx, key, row["state"], to_state, at, note)
        logger.info("Reminder %s: %s → %s", key[:12], row["state"], to_state)

    def _state(self, tx: Tx, key: str) -> dict[str, Any]:
        row = tx.execute("SELECT state, retryable, attempts FROM reminders WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LedgerError(f"No reminder with key {key[:12]}… in the ledger {self.where}")
        return row

    @staticmethod
    def _tombstone(tx: Tx, key: str) -> str | None:
        """The sent time of a purged sent reminder with `key`, or None."""
        row = tx.execute("SELECT sent_at FROM tombstones WHERE key = ?", (key,)).fetchone()
        return None if row is None else row["sent_at"]

    @staticmethod
    def _audit(tx: Tx, key: str, from_state: str | None, to_state: str, at: str, note: str | None) -> None:
        tx.execute(
            "INSERT INTO transitions (key, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)",
            (key, from_state, to_state, at, note),
        )
        tx.execute("UPDATE sequence SET value = value + 1 WHERE id = 1")

    # -- queries -----------------------------------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        """The reminder with `key`, or None."""
        row = self.store.query_one("SELECT * FROM reminders WHERE key = ?", (key,))
        if row is not None:
            return _entry(row)
        tomb = self.store.query_one("SELECT sent_at FROM tombstones WHERE key = ?", (key,))
        return None if tomb is None else _tombstone_entry(key, tomb["sent_at"])

    def states(self, keys: Collection[str]) -> dict[str, Entry]:
        """The entries of those `keys` the ledger knows (tombstones as sent), in one pass."""
        wanted = set(keys)
        found: dict[str, Entry] = {}
        for row in self.store.query("SELECT * FROM reminders"):
            if row["key"] in wanted:
                found[row["key"]] = _entry(row)
        for row in self.store.query("SELECT key, sent_at FROM tombstones"):
            if row["key"] in wanted and row["key"] not in found:
                found[row["key"]] = _tombstone_entry(row["key"], row["sent_at"])
        return found

    def in_doubt(self) -> list[Entry]:
        """Reminders in ``sending`` or ``unknown``, oldest attempt first: reconcile these before sending anything."""
        rows = self.store.query(
            "SELECT * FROM reminders WHERE state IN ('sending', 'unknown') ORDER BY sending_at, key"
        )
        return [_entry(row) for row in rows]

    def failed(self) -> list[Entry]:
        """Reminders that failed (retryable or for good), latest attempt first."""
        rows = self.store.query("SELECT * FROM reminders WHERE state = 'failed' ORDER BY sending_at DESC, key")
        return [_entry(row) for row in rows]

    def transitions(self, key: str) -> list[Transition]:
        """The audit trail of `key`, oldest first."""
        rows = self.store.query(
            "SELECT key, from_state, to_state, at, note FROM transitions WHERE key = ? ORDER BY id", (key,)
        )
        return [
            Transition(row["key"], row["from_state"], row["to_state"], _time(row["at"]), row["note"]) for row in rows
        ]

    def history(self) -> list[Entry]:
        """Every reminder the ledger holds, oldest planned first (then by key); tombstones are not listed.

        Records, not a sheet: `arcollect.book.reminder_log` gives them the ReminderLog sheet's shape.
        """
        return [_entry(row) for row in self.store.query("SELECT * FROM reminders ORDER BY planned_at, key")]

    def sent_times_since(self, since: dt.datetime) -> list[dt.datetime]:
        """When each message handed to a mail server at or after `since` was handed over (UTC, oldest first), for
        the send-rate limit across runs.

        Counts ``sent`` rows by their sent time and in-doubt rows by their attempt time: a message whose outcome is
        unknown may well have gone out, and the limit must never be exceeded.
        """
        at = utc_text(since)
        rows = self.store.query(
            """SELECT CASE WHEN state = 'sent' THEN sent_at ELSE sending_at END AS moment FROM reminders
               WHERE (state = 'sent' AND sent_at >= ?) OR (state IN ('sending', 'unknown') AND sending_at >= ?)
               ORDER BY moment""",
            (at, at),
        )
        return [dt.datetime.fromisoformat(row["moment"]) for row in rows]

    # -- retention -----------------------------------------------------------------------------------------------

    def export_rows(self) -> list[dict[str, Any]]:
        """Every reminder (oldest first) as a dict of `EXPORT_COLUMNS`, plus ``purged`` (`retention.export_rows`)."""
        from arcollect.mail.ledger import retention

        return retention.export_rows(self)

    def export(self, target: str | Path) -> int:
        """Write every reminder to a ``.csv`` or ``.jsonl`` file, atomically (`retention.export`)."""
        from arcollect.mail.ledger import retention

        return retention.export(self, target)

    def purge(self, before: dt.date, *, open_invoices: Collection[str] = (), dry_run: bool = False) -> PurgeReport:
        """Delete the reminders whose last activity is before `before`, keeping what must stay (`retention.purge`)."""
        from arcollect.mail.ledger import retention

        return retention.purge(self, before, open_invoices=open_invoices, dry_run=dry_run)


def _tombstone_entry(key: str, sent_at: str) -> Entry:
    moment = _time(sent_at)
    return Entry(
        key=key, customer_id="", level=0, template="", variant=None, language="", to=(), cc=(), subject="",
        invoices=(), amount_text=None, cycle_date=None, state="sent", retryable=False, transport="", message_id=None,
        attempts=0, planned_at=moment, sending_at=None, sent_at=moment, error=None, body=None, purged=True,
    )  # fmt: skip


def _entry(row: dict[str, Any]) -> Entry:
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
        owner=row.get("owner"),
        machine=row.get("machine"),
        checked_by=row.get("checked_by"),
        checked_at=_time(row.get("checked_at")),
    )
