"""dispatch: a stop request (SIGTERM, Ctrl-C) finishes the reminder in flight and leaves nothing half-done."""

from __future__ import annotations

import datetime as dt

from arcollect.book.reminder_log import reminder_log
from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger
from arcollect.mail.transports.outbox import OutboxTransport

from .crash_sender import reminders


def test_a_stop_request_finishes_the_reminder_in_flight_and_hands_over_nothing_more(tmp_path):
    outbox = tmp_path / "outbox"
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        outcome = dispatch(
            reminders(100), ledger, OutboxTransport(outbox), now=dt.datetime.now(dt.UTC), rate_limit=30,
            chunk_size=10, stop=lambda: len(list(outbox.glob("*.eml"))) >= 13,  # mid-chunk: the 14th is not taken
        )  # fmt: skip
        states = reminder_log(ledger.history())["state"].value_counts().to_dict()
    assert len(outcome.sent) == 13 and outcome.stopped == "asked to stop"
    assert states == {"sent": 13} and len(list(outbox.glob("*.eml"))) == 13
