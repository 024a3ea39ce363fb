"""dispatch: stopping between chunks leaves nothing half-done."""

from __future__ import annotations

import datetime as dt

from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger
from arcollect.mail.transports.outbox import OutboxTransport

from .crash_sender import reminders


def test_a_stop_request_finishes_the_chunk_in_flight_and_leaves_the_rest_planned(tmp_path):
    asked = iter([False, False, True])
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        outcome = dispatch(
            reminders(100), ledger, OutboxTransport(tmp_path / "outbox"), now=dt.datetime.now(dt.UTC),
            rate_limit=30, chunk_size=10, stop=lambda: next(asked),
        )  # fmt: skip
        states = ledger.history()["state"].value_counts().to_dict()
    assert len(outcome.sent) == 20 and outcome.stopped == "asked to stop"
    assert states == {"sent": 20} and len(list((tmp_path / "outbox").glob("*.eml"))) == 20
