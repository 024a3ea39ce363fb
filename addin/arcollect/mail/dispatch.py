"""Hand reminders to a transport exactly once, within the mailbox's send-rate limit.

    outcome = dispatch(reminders, ledger, transport, now=now, rate_limit=30)
    outcome.sent, outcome.failed, outcome.unknown, outcome.stopped

Dispatch holds the ledger's lease (`Ledger.hold`) while it sends: one sender per ledger, across processes and
computers. For every chunk of reminders, in this order, each step committed before the next:

1. the rate limiter admits the chunk (it sleeps when the last `window` seconds — earlier runs included, from the
   ledger — already hold `rate_limit` messages; the outbox, a folder, has no limit), and counts it from the moment
   its send completes, so a server's receive times keep within the limit even when the transport retried;
2. the transport pulls the chunk's reminders one at a time; only as it pulls one is that reminder recorded
   ``planned`` (if new) and passed through the ledger's gate to ``sending`` — a reminder the ledger has already
   sent, or holds in doubt, is not handed over at all;
3. each result is recorded (``sent``, ``failed`` or ``unknown``) the moment the transport has it (`on_result`).

So a crash leaves at most the reminder in flight in ``sending`` (a whole request's worth for EWS, which sends a
chunk per request and can look every one of them up); the next run reconciles it before sending anything
(`arcollect.mail.ledger.reconcile`). When the transport raises `TransportError` (server unreachable, login or
sender refused, disk full, quota exhausted) dispatch stops the run there — one reason, not one failure per
reminder: a reminder handed over without an answer is marked ``unknown`` — it may have gone — unless the error
carries the results up to the failure (``error.results``); then a handed-over reminder without a result was
certainly not taken and becomes retryable. Everything not yet pulled stays ``planned``. Ledger times are `now`
plus the time elapsed since the start, so a simulated run (``--now``) stays consistent.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import time
from collections.abc import Callable, Iterator, Sequence
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

    `stop` is asked before each reminder is handed over: when it answers True (SIGTERM, Ctrl-C) dispatch returns
    once the reminder in flight has its result recorded, leaving the rest as they were — nothing half-done for the
    next run to guess about.
    """
    with ledger.hold("send"):
        return _dispatch(
            reminders, ledger, transport, now=now, rate_limit=rate_limit, window=window, chunk_size=chunk_size,
            clock=clock, sleep=sleep, on_result=on_result, progress=progress, stop=stop,
        )  # fmt: skip


def _dispatch(
    reminders: Sequence[Reminder],
    ledger: Ledger,
    transport: Transport,
    *,
    now: dt.datetime,
    rate_limit: int,
    window: float,
    chunk_size: int,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    on_result: Callable[[SendResult], None] | None,
    progress: Callable[[int, int], None] | None,
    stop: Callable[[], bool] | None,
) -> Dispatch:
    outcome = Dispatch()
    started = clock()

    def moment() -> dt.datetime:
        return now + dt.timedelta(seconds=clock() - started)

    limiter = None
    if transport.name not in UNLIMITED:
        history = ledger.sent_times_since(now - dt.timedelta(seconds=window))
        limiter = RateLimiter(rate_limit, window=window, history=history, now=now, clock=clock, sleep=sleep)
        chunk_size = max(1, min(chunk_size, rate_limit))
    streams = _streams(transport)
    try:
        for first in range(0, len(reminders), chunk_size):
            if stop is not None and stop():
                outcome.stopped = "asked to stop"
                break
            chunk = reminders[first : first + chunk_size]
            if limiter is not None:
                limiter.acquire(len(chunk))
            carried_on = _send(chunk, ledger, transport, moment, outcome, on_result, streams, stop)
            if limiter is not None:
                limiter.done(len(chunk))
            if not carried_on or outcome.stopped:
                break
            if progress:
                progress(min(first + chunk_size, len(reminders)), len(reminders))
    finally:
        closing = getattr(transport, "close", None)
        if callable(closing):
            closing()
    outcome.waited = limiter.waited if limiter is not None else 0.0
    logger.info(
        "%s: sent %d, failed %d, unknown %d%s",
        transport.name, len(outcome.sent), len(outcome.failed), len(outcome.unknown),
        f"; stopped: {outcome.stopped}" if outcome.stopped else "",
    )  # fmt: skip
    return outcome


def _streams(transport: Transport) -> bool:
    """True when `transport.send` takes ``on_result`` (and pulls its reminders one at a time)."""
    try:
        return "on_result" in inspect.signature(transport.send).parameters
    except (TypeError, ValueError):
        return False


def _send(
    chunk: Sequence[Reminder],
    ledger: Ledger,
    transport: Transport,
    moment: Callable[[], dt.datetime],
    outcome: Dispatch,
    on_result: Callable[[SendResult], None] | None,
    streams: bool,
    stop: Callable[[], bool] | None = None,
) -> bool:
    """One chunk; False when the transport cannot go on (the run stops there). `stop` is asked before each
    reminder is handed over: the one in flight finishes, nothing after it starts."""
    gated: list[str] = []
    recorded: set[str] = set()

    def gate() -> Iterator[Reminder]:
        for reminder in chunk:
            if stop is not None and stop():
                outcome.stopped = "asked to stop"
                return
            ledger.plan(reminder, now=moment(), transport=transport.name)
            if ledger.begin_send(reminder.key, now=moment(), transport=transport.name):
                gated.append(reminder.key)
                yield reminder
            else:
                outcome.skipped.append(reminder.key)

    def got(result: SendResult) -> None:
        if result.key in recorded or result.key not in gated:
            return
        recorded.add(result.key)
        _record([result], ledger, moment, outcome, on_result)

    try:
        if streams:
            results = transport.send(gate(), on_result=got)
        else:
            batch = list(gate())
            results = transport.send(batch) if batch else []
    except TransportError as error:
        for result in getattr(error, "results", None) or []:
            got(result)
        # With partial results the rest certainly never left; without, the one handed over may have gone.
        rest = "failed" if hasattr(error, "results") else "unknown"
        for key in [key for key in gated if key not in recorded]:
            got(SendResult(key, rest, None, f"transport stopped: {error}", retryable=True))
        outcome.stopped = str(error)
        return False
    for result in results:
        got(result)
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
