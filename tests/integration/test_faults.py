"""Transient faults and the send-rate limit: 1,000 reminders, a fifth of the requests refused for a moment.

Every reminder must arrive exactly once, and the server's own receive times must never hold more than the limit
in any window — retries included. The limit here is short (100 per second) so the test runs in seconds; the
mechanism is the one that keeps Exchange Online's 30 per minute.
"""

from __future__ import annotations

import datetime as dt
import time

from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger

from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.smtp import SmtpServer
from ..servers.tls import ca_bundle
from .crash_sender import reminders

COUNT, LIMIT, WINDOW = 1000, 100, 1.0


def busiest_window(stamps: list[float], window: float) -> int:
    ordered = sorted(stamps)
    start, most = 0, 0
    for end, stamp in enumerate(ordered):
        while ordered[start] <= stamp - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def send_all(tmp_path, transport) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        outcome = dispatch(
            reminders(COUNT), ledger, transport, now=dt.datetime.now(dt.UTC), rate_limit=LIMIT, window=WINDOW
        )
        assert len(outcome.sent) == COUNT and not outcome.failed and not outcome.unknown


def test_smtp_with_a_fifth_of_messages_deferred_delivers_each_once_within_the_limit(tmp_path):
    from arcollect.mail.transports.smtp import SmtpTransport

    with SmtpServer(users={"ar": "pw"}, fail_ratio=0.2, seed=7) as server:
        transport = SmtpTransport(
            server.host, server.port, username="ar", password="pw", verify=ca_bundle(), backoff=0.01, retries=8
        )
        send_all(tmp_path, transport)
        stamps = [message.received_at for message in server.messages]
        keys = server.keys()
    assert len(keys) == COUNT and max(keys.values()) == 1
    assert busiest_window(stamps, WINDOW) <= LIMIT


def test_graph_with_a_fifth_of_requests_throttled_delivers_each_once_within_the_limit(tmp_path):
    from arcollect.mail.transports.graph import GraphTransport

    with GraphServer(fail_ratio=0.2, seed=7) as graph:
        transport = GraphTransport(
            graph.mailbox, tenant_id=graph.tenant, client_id=graph.client_id, client_secret=graph.client_secret,
            authority=graph.authority, endpoint=graph.endpoint, verify=ca_bundle(), max_retries=10,
            sleep=lambda seconds: time.sleep(min(seconds, 0.01)),
        )  # fmt: skip
        send_all(tmp_path, transport)
        stamps = [item.at for item in graph.received]
        keys = graph.keys()
    assert len(keys) == COUNT and len(set(keys)) == COUNT
    assert busiest_window(stamps, WINDOW) <= LIMIT


def test_ews_with_a_fifth_of_requests_answered_server_busy_delivers_each_once_within_the_limit(tmp_path):
    from arcollect.mail.transports.ews import EwsTransport

    with EwsServer(tls=True, users={"svc-ar": "pw"}, fail_ratio=0.2, busy_back_off_ms=10, seed=7) as ews:
        transport = EwsTransport(
            ews.url, mailbox=ews.mailbox, auth="basic", username="svc-ar", password="pw", verify=ca_bundle(),
            chunk_size=10, max_wait=30,
        )  # fmt: skip
        send_all(tmp_path, transport)
        stamps = [item.received_at for item in ews.received]
        keys = [item.key for item in ews.received]
    assert len(keys) == COUNT and len(set(keys)) == COUNT
    assert busiest_window(stamps, WINDOW) <= LIMIT


def test_a_limit_of_10_a_minute_below_the_batch_size_sends_all_25_and_never_11_in_a_minute(tmp_path):
    """SendRatePerMinute 10 with the default chunk of 25 (every other test uses 30 or more): the chunks shrink to
    the limit. The clock is the dispatcher's injectable one, so three minutes pass without waiting for them."""
    from arcollect.mail.transports.smtp import SmtpTransport

    clock, handed_over = [0.0], []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with SmtpServer(users={"ar": "pw"}) as server, Ledger(tmp_path / "ledger.sqlite") as ledger:
        transport = SmtpTransport(server.host, server.port, username="ar", password="pw", verify=ca_bundle())
        outcome = dispatch(
            reminders(25), ledger, transport, now=dt.datetime.now(dt.UTC), rate_limit=10, window=60.0,
            clock=lambda: clock[0], sleep=sleep, on_result=lambda _result: handed_over.append(clock[0]),
        )  # fmt: skip
        keys = server.keys()
    assert len(outcome.sent) == 25 and not outcome.failed and not outcome.unknown
    assert len(keys) == 25 and max(keys.values()) == 1
    assert busiest_window(handed_over, 60.0) == 10
    assert clock[0] >= 120.0  # 10 now, 10 a minute later, 5 a minute after that
