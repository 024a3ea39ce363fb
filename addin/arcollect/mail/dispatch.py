"""Hand reminders to a transport exactly once, within the mailbox's send-rate limit.

    outcome = dispatch(reminders, ledger, transport, now=now, rate_limit=30)
    outcome.sent, outcome.failed, outcome.unknown, outcome.stopped

For every chunk of reminders, in this order, each step committed before the next:

1. the rate limiter admits the chunk (it sleeps when the last `window` seconds — earlier runs included, from the
   ledger — already hold `rate_limit` messages; the outbox, a folder, has no limit), and counts it from the moment
   its send completes, so a server's receive times keep within the limit even when the transport retried;
2. each reminder is recorded ``planned`` (if new) and passes the ledger's gate to ``sending`` — a reminder the
   ledger has already sent, or holds in doubt, does not pass and is skipped;
3. the transport sends the chunk and each result is recorded (``sent``, ``failed`` or ``unknown``).

A crash anywhere leaves at most one chunk in ``sending``; the next run reconciles those before sending anything
(`arcollect.mail.ledger.reconcile`). When the transport raises `TransportError` (server unreachable, quota
exhausted) dispatch stops: the chunk in flight is marked ``unknown`` — it may partly have gone — unless the error
carries the results up to the failure (``error.results``); then those are recorded and the rest of the chunk,
certainly not handed over, becomes retryable. Everything not yet attempted stays ``planned``. Ledger times are
`now` plus the time elapsed since the start, so a simulated run (``--now``) stays consistent.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from arcollect.errors import TransportError
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import Reminder
from arcollect.mail.ratelimit import RateLimiter
from arcollect.mail.transports import SendResult, Transport

logger = logging.getLogger(__name__)
UNLIMITED = ("outbox",)


@dataclass
class Dispatch:
    """What one dispatch did; `stopped` says why it ended early, if it did."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stopped: str | None = None
    waited: float = 0.0


def dispatch(
    reminders: Sequence[Reminder],
    ledger: Ledger,
    transport: Transport,
    *,
    now: dt.datetime,
    rate_limit: int,
    window: float = 60.0,
    chunk_size: int = 25,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_result: Callable[[SendResult], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Dispatch:
    """Send `reminders` in order through `transport`; see the module docstring for the guarantees.

    `stop` is asked before each chunk: when it answers True (SIGTERM, Ctrl-C) dispatch returns after the chunk in
    flight has been recorded, leaving the rest ``planned`` — nothing half-done for the next run to guess about.
    """
    outcome = Dispatch()
    started = clock()

    def moment() -> dt.datetime:
        return now + dt.timedelta(seconds=clock() - started)

    limiter = None
    if transport.name not in UNLIMITED:
        history = ledger.sent_times_since(now - dt.timedelta(seconds=window))
        limiter = RateLimiter(rate_limit, window=window, history=history, now=now, clock=clock, sleep=sleep)
        chunk_size = max(1, min(chunk_size, rate_limit))
    for first in range(0, len(reminders), chunk_size):
        if stop is not None and stop():
            outcome.stopped = "asked to stop"
            break
        chunk = reminders[first : first + chunk_size]
        if limiter is not None:
            limiter.acquire(len(chunk))
        batch = []
        for reminder in chunk:
            ledger.plan(reminder, now=moment(), transport=transport.name)
            if ledger.begin_send(reminder.key, now=moment(), transport=transport.name):
                batch.append(reminder)
            else:
                outcome.skipped.append(reminder.key)
        carried_on = not batch or _send(batch, ledger, transport, moment, outcome, on_result)
        if limiter is not None:
            limiter.done(len(chunk))
        if not carried_on:
            break
        if progress:
            progress(min(first + chunk_size, len(reminders)), len(reminders))
    outcome.waited = limiter.waited if limiter is not None else 0.0
    logger.info(
        "%s: sent %d, failed %d, unknown %d%s",
        transport.name, len(outcome.sent), len(outcome.failed), len(outcome.unknown),
        f"; stopped: {outcome.stopped}" if outcome.stopped else "",
    )  # fmt: skip
    return outcome


def _send(
    batch: list[Reminder],
    ledger: Ledger,
    transport: Transport,
    moment: Callable[[], dt.datetime],
    outcome: Dispatch,
    on_result: Callable[[SendResult], None] | None,
) -> bool:
    """One chunk; False when the transport cannot go on (the chunk is then in doubt)."""
    try:
        results = transport.send(batch)
    except TransportError as error:
        reported = list(getattr(error, "results", None) or [])
        settled = {result.key for result in reported}
        # With partial results the rest certainly never left; without, any of the chunk may have gone.
        rest = "failed" if hasattr(error, "results") else "unknown"
        reported += [
            SendResult(reminder.key, rest, None, f"transport stopped: {error}", retryable=True)
            for reminder in batch
            if reminder.key not in settled
        ]
        _record(reported, ledger, moment, outcome, on_result)
        outcome.stopped = str(error)
        return False
    _record(results, ledger, moment, outcome, on_result)
    return True


def _record(
    results: Sequence[SendResult],
    ledger: Ledger,
    moment: Callable[[], dt.datetime],
    outcome: Dispatch,
    on_result: Callable[[SendResult], None] | None,
) -> None:
    for result in results:
        ledger.record(result, now=moment())
        {"sent": outcome.sent, "failed": outcome.failed}.get(result.status, outcome.unknown).append(result.key)
        if on_result:
            on_result(result)
