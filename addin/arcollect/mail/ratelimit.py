"""The mailbox's send-rate limit: never more than `limit` messages in any `window` seconds, across runs.

    limiter = RateLimiter(30, history=ledger.sent_times_since(now - timedelta(minutes=1)), now=now)
    limiter.acquire(10)          # blocks (sleeps) until 10 more messages fit in the window
    ...send them...
    limiter.done(10)             # they are counted from the moment the send completed

Exchange Online accepts 30 messages a minute per mailbox on SMTP submission and rejects the rest; through EWS and
Graph it queues and slows delivery. arcollect keeps under the limit on its own side: the window starts with the
messages the ledger says were handed over in the last `window` seconds (earlier runs included), and every
`acquire` waits until the new messages fit. Time is injectable (`clock` in seconds, `sleep`), so tests drive it
without waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)


class RateLimiter:
    """A sliding-window limit: at most `limit` acquisitions in any `window` seconds."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = 60.0,
        history: Iterable[dt.datetime] = (),
        now: dt.datetime | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError("a send-rate limit must allow at least one message")
        self.limit, self.window, self._clock, self._sleep = int(limit), float(window), clock, sleep
        started = clock()
        reference = now or dt.datetime.now(dt.UTC)
        self._sent: deque[float] = deque(sorted(started - (reference - moment).total_seconds() for moment in history))
        self.waited = 0.0

    def acquire(self, count: int = 1) -> None:
        """Wait until `count` more messages fit into the window, then count them as sent now."""
        if count > self.limit:
            raise ValueError(f"a batch of {count} cannot fit a limit of {self.limit} per window")
        while True:
            current = self._clock()
            while self._sent and self._sent[0] <= current - self.window:
                self._sent.popleft()
            if len(self._sent) + count <= self.limit:
                self._sent.extend([current] * count)
                return
            pause = self._sent[len(self._sent) + count - self.limit - 1] + self.window - current
            logger.info("Send-rate limit %d per %.0f s: waiting %.1f s", self.limit, self.window, pause)
            self.waited += max(pause, 0.0)
            self._sleep(max(pause, 0.001))

    def done(self, count: int = 1) -> None:
        """The last `count` acquired messages have been handed over: count them at this moment instead.

        A transport may retry for a while (server busy, 429) before a message is accepted; stamping messages
        when their send completes — a moment no earlier than their arrival at the server — keeps every window
        of the server's own receive times within the limit, retries included.
        """
        current = self._clock()
        for _ in range(min(count, len(self._sent))):
            self._sent.pop()
        self._sent.extend([current] * count)
