"""The send-rate limit holds in every window, counting earlier runs from the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arcollect.mail.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_messages_within_the_limit_go_at_once():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    for _ in range(30):
        limiter.acquire()
    assert time.now == 1000.0 and limiter.waited == 0


def test_the_thirty_first_message_waits_for_the_first_to_leave_the_window():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    for _ in range(31):
        limiter.acquire()
    assert time.now == pytest.approx(1060.0)


def test_messages_of_an_earlier_run_count():
    time = FakeTime()
    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    earlier = [now - dt.timedelta(seconds=50)] * 30  # a run 50 s ago sent 30
    limiter = RateLimiter(30, history=earlier, now=now, clock=time.clock, sleep=time.sleep)
    limiter.acquire()
    assert time.now == pytest.approx(1010.0)  # the earlier 30 leave the window 10 s from now


def test_a_slow_send_is_counted_from_when_it_completed():
    time = FakeTime()
    limiter = RateLimiter(2, window=10, clock=time.clock, sleep=time.sleep)
    limiter.acquire(2)
    time.now += 8  # the server was busy; the transport retried for 8 s before both were accepted
    limiter.done(2)
    limiter.acquire(1)
    assert time.now == pytest.approx(1018.0)  # 10 s after they were accepted, not after they were started


def test_a_batch_larger_than_the_limit_is_refused():
    with pytest.raises(ValueError, match="cannot fit"):
        RateLimiter(5).acquire(6)


@given(st.integers(1, 12), st.lists(st.integers(1, 5), min_size=1, max_size=60), st.lists(st.floats(0, 3), max_size=60))
def test_no_window_ever_holds_more_than_the_limit(limit, batches, gaps):
    time = FakeTime()
    limiter = RateLimiter(limit, window=10, clock=time.clock, sleep=time.sleep)
    stamps: list[float] = []
    for position, batch in enumerate(batches):
        batch = min(batch, limit)
        limiter.acquire(batch)
        stamps += [time.now] * batch
        time.now += gaps[position] if position < len(gaps) else 0
    for start in stamps:
        assert sum(1 for stamp in stamps if start <= stamp < start + 10) <= limit
