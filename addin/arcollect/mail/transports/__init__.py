"""The one interface every mail transport (outbox, smtp, ews, graph) implements.

    >>> from arcollect.mail.transports.outbox import OutboxTransport
    >>> transport: Transport = OutboxTransport(Path("outbox"))      # doctest: +SKIP
    >>> [result.status for result in transport.send(reminders)]   # doctest: +SKIP
    ['sent', 'sent', 'failed']

Contract, relied on by `arcollect.mail.ledger` for exactly-once delivery:

- `send` returns one `SendResult` per reminder, in the same order. A problem with one reminder (a recipient the
  server refuses) is a ``failed`` result, not an exception. ``unknown`` means the transport cannot tell whether the
  message left (a timeout after the request was written): the ledger keeps such a reminder out of any resend until
  it is reconciled. A transport raises `TransportError` only when it cannot go on at all (server unreachable, quota
  exhausted); reminders it had not reported on are then treated as in doubt by the caller.
- `find_sent(key)` answers True when a message with this idempotency key was handed over (found in Sent Items or in
  the outbox), False only when the transport is *certain* it was not, and None when it cannot look (smtp) or cannot
  be sure yet (a Sent Items copy may appear with a delay). False makes the ledger send the reminder again, so a
  transport must never answer False on a guess.
- `check()` returns one plain sentence: "OK …" or what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from arcollect.mail.message import Reminder

__all__ = ["SendResult", "SendStatus", "Transport"]

SendStatus = Literal["sent", "failed", "unknown"]


@dataclass(frozen=True)
class SendResult:
    """What happened to one reminder: ``sent`` (with the Message-ID used), ``failed`` (with why) or ``unknown``."""

    key: str
    status: SendStatus
    message_id: str | None = None
    error: str | None = None


@runtime_checkable
class Transport(Protocol):
    """A way out for reminders; see the module docstring for the exactly-once contract."""

    name: str

    def send(self, reminders: Sequence[Reminder]) -> list[SendResult]:
        """Deliver `reminders`; one result per reminder, same order; per-reminder errors are results."""
        ...

    def find_sent(self, key: str) -> bool | None:
        """True if a message with `key` was handed over, False if certainly not, None if it cannot tell."""
        ...

    def check(self) -> str:
        """One plain sentence: OK, or what is wrong with the set-up."""
        ...
