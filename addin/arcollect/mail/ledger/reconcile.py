"""Settle what a crash or a timeout left in doubt, before anything new is sent.

    with ledger.hold("send"):
        report = reconcile(ledger, transport, now=now, settle=dt.timedelta(minutes=2))

Only the lease holder reconciles (`reconcile` takes the lease when its ledger does not hold it yet), so a row in
``sending`` never belongs to a live run: the lease of the run that wrote it has been released or has expired.
"""

from __future__ import annotations

import datetime as dt
import logging

from arcollect.errors import TransportError
from arcollect.mail.ledger.core import Entry, Ledger, ReconcileReport
from arcollect.mail.transports import Transport

logger = logging.getLogger(__name__)


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
    - not found, but the attempt may be younger than `settle` → left as it is, reported in ``waiting``. Exchange
      writes the Sent Items copy asynchronously, so the ews and graph callers pass a few minutes here; the outbox
      (atomic, synchronous) needs none.

    How old an attempt is, is never judged by comparing two computers' clocks: an attempt made on this machine is
    aged by this machine's clock; one made by a run whose lease expired before this run took it over is at least
    two thirds of the lease's time to live old (`arcollect.mail.ledger.lease`); any other attempt from another
    machine is aged from the moment this machine first found it in doubt (`Ledger.note_checked`).
    """
    with ledger.hold("reconcile"):
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
            elif found is False and entry.transport == transport.name and _old_enough(ledger, entry, now, settle):
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


def _old_enough(ledger: Ledger, entry: Entry, now: dt.datetime, settle: dt.timedelta) -> bool:
    """True when the last attempt is certainly at least `settle` old (see `reconcile` for how that is judged)."""
    if settle <= dt.timedelta(0) or entry.sending_at is None:
        return True
    lease = ledger.lease
    if entry.machine in (None, lease.machine):
        return now - entry.sending_at >= settle
    if entry.owner is not None and entry.owner == lease.took_over and lease.ttl >= 1.5 * settle.total_seconds():
        return True
    if entry.checked_by == lease.machine and entry.checked_at is not None:
        return now - entry.checked_at >= settle
    ledger.note_checked(entry.key, now=now, machine=lease.machine)
    return False
