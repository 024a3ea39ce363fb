"""The ledger: the exactly-once state machine, its audit trail, persistence, crash recovery and queries."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

import pandas as pd
import pytest

from arcollect.book.reminder_log import reminder_log
from arcollect.errors import ArcollectError, InputError, TransportError
from arcollect.mail.ledger import Entry, Ledger, LedgerError, reconcile
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult, Transport
from arcollect.schema import Log
from tests import factories

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def reminder(customer: str = "C-001", level: int = 1, invoices: Sequence[str] = ("INV-1",)) -> Reminder:
    return factories.reminder(
        customer, level, invoices, cycle=T0.date(), cc=("am@acme.example",), html="<p>SECRET-BODY-HTML</p>",
        text="SECRET-BODY-TEXT",
    )  # fmt: skip


class FakeTransport:
    """Answers `find_sent` from a fixed set; `None` for keys in `unknowable`."""

    def __init__(self, name: str = "outbox", sent: Sequence[str] = (), unknowable: Sequence[str] = ()) -> None:
        self.name = name
        self.sent = set(sent)
        self.unknowable = set(unknowable)
        self.broken = False

    def send(self, reminders: Sequence[Reminder]) -> list[SendResult]:
        self.sent.update(item.key for item in reminders)
        return [SendResult(item.key, "sent", f"<{item.key[:32]}@arcollect.invalid>") for item in reminders]

    def find_sent(self, key: str) -> bool | None:
        if self.broken:
            raise TransportError("server unreachable")
        if key in self.unknowable:
            return None
        return key in self.sent

    def check(self) -> str:
        return "OK"


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as opened:
        yield opened


def test_fake_transport_satisfies_the_protocol():
    assert isinstance(FakeTransport(), Transport)


def test_database_uses_wal_full_sync_and_a_schema_version(ledger):
    db = sqlite3.connect(ledger.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    assert ledger.store.pragma("synchronous") == 2  # FULL
    db.close()


def test_planning_the_same_key_twice_changes_nothing(ledger):
    item = reminder()
    assert ledger.plan(item, now=at(0), transport="outbox") is True
    assert ledger.plan(item, now=at(5), transport="smtp") is False
    entry = ledger.get(item.key)
    assert entry.state == "planned"
    assert entry.transport == "outbox"
    assert entry.planned_at == at(0)
    assert len(ledger.transitions(item.key)) == 1


def test_plan_records_what_an_audit_needs(ledger):
    item = reminder(invoices=("INV-2", "INV-1"))
    ledger.plan(item, now=at(0), transport="outbox", amount_text="EUR 1,200.00", cycle_date=T0.date())
    entry = ledger.get(item.key)
    assert entry.to == ("c-001@customer.example",)
    assert entry.cc == ("am@acme.example",)
    assert entry.invoices == ("INV-2", "INV-1")
    assert entry.subject == "Reminder for C-001"
    assert (entry.amount_text, entry.cycle_date, entry.attempts) == ("EUR 1,200.00", "2026-11-24", 0)


def test_bodies_are_not_stored_by_default(ledger):
    ledger.plan(reminder(), now=at(0), transport="outbox")
    assert ledger.get(reminder().key).body is None
    raw = ledger.path.read_bytes() + ledger.path.with_name(ledger.path.name + "-wal").read_bytes()
    assert b"SECRET-BODY" not in raw


def test_bodies_are_stored_when_asked(tmp_path):
    with Ledger(tmp_path / "bodies.sqlite", store_bodies=True) as ledger:
        ledger.plan(reminder(), now=at(0), transport="outbox")
        assert "SECRET-BODY-HTML" in ledger.get(reminder().key).body


def test_full_lifecycle_records_transitions_in_order(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    assert ledger.begin_send(key, now=at(1)) is True
    ledger.mark_sent(key, now=at(2), message_id="<m@x>")
    entry = ledger.get(key)
    assert (entry.state, entry.attempts, entry.message_id, entry.sent_at) == ("sent", 1, "<m@x>", at(2))
    trail = ledger.transitions(key)
    assert [(step.from_state, step.to_state) for step in trail] == [
        (None, "planned"),
        ("planned", "sending"),
        ("sending", "sent"),
    ]
    assert [step.at for step in trail] == [at(0), at(1), at(2)]


def test_begin_send_on_a_sent_reminder_is_refused(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    ledger.begin_send(key, now=at(1))
    ledger.mark_sent(key, now=at(2), message_id=None)
    assert ledger.begin_send(key, now=at(3)) is False
    assert ledger.get(key).attempts == 1
    assert len(ledger.transitions(key)) == 3


def test_begin_send_twice_lets_only_the_first_through(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    assert ledger.begin_send(key, now=at(1)) is True
    assert ledger.begin_send(key, now=at(1)) is False


def test_gate_holds_across_two_connections(tmp_path):
    path = tmp_path / "shared.sqlite"
    with Ledger(path) as first, Ledger(path) as second:
        first.plan(reminder(), now=at(0), transport="outbox")
        results = [first.begin_send(reminder().key, now=at(1)), second.begin_send(reminder().key, now=at(1))]
    assert results == [True, False]


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], lambda ledger, key: ledger.mark_sent(key, now=at(5), message_id=None)),
        ([], lambda ledger, key: ledger.mark_unknown(key, now=at(5), note="?")),
        (["send", "sent"], lambda ledger, key: ledger.mark_failed(key, now=at(5), error="x", retryable=True)),
        (["send", "sent"], lambda ledger, key: ledger.mark_sent(key, now=at(5), message_id=None)),
        (["send", "sent"], lambda ledger, key: ledger.resolve(key, now=at(5), state="failed", note="no")),
        ([], lambda ledger, key: ledger.resolve(key, now=at(5), state="sent", note="no")),
        (["send"], lambda ledger, key: ledger.resolve(key, now=at(5), state="planned", note="no")),
    ],
)
def test_illegal_transitions_raise_ledger_error_and_change_nothing(ledger, setup, action):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    if "send" in setup:
        ledger.begin_send(key, now=at(1))
    if "sent" in setup:
        ledger.mark_sent(key, now=at(2), message_id=None)
    before = (ledger.get(key), ledger.transitions(key))
    with pytest.raises(LedgerError) as raised:
        action(ledger, key)
    assert isinstance(raised.value, ArcollectError)
    assert (ledger.get(key), ledger.transitions(key)) == before


def test_unknown_key_raises(ledger):
    with pytest.raises(LedgerError, match="No reminder"):
        ledger.begin_send("0" * 64, now=at(0))


def test_naive_time_is_rejected(ledger):
    with pytest.raises(InputError, match="timezone-aware"):
        ledger.plan(reminder(), now=dt.datetime(2026, 11, 24, 9, 0), transport="outbox")


def test_retryable_failure_can_be_sent_again_permanent_cannot(ledger):
    retry, final = reminder("C-001"), reminder("C-002")
    for item in (retry, final):
        ledger.plan(item, now=at(0), transport="outbox")
        ledger.begin_send(item.key, now=at(1))
    ledger.mark_failed(retry.key, now=at(2), error="451 try later", retryable=True)
    ledger.mark_failed(final.key, now=at(2), error="550 no such user", retryable=False)
    assert ledger.begin_send(final.key, now=at(3)) is False
    assert ledger.begin_send(retry.key, now=at(3)) is True
    ledger.mark_sent(retry.key, now=at(4), message_id=None)
    assert ledger.get(retry.key).attempts == 2
    assert ledger.get(retry.key).error is None
    assert ledger.get(final.key).error == "550 no such user"


def test_record_applies_send_results(ledger):
    items = [reminder("C-001"), reminder("C-002"), reminder("C-003")]
    for item in items:
        ledger.plan(item, now=at(0), transport="smtp")
        ledger.begin_send(item.key, now=at(1))
    results = [
        SendResult(items[0].key, "sent", "<a@b>"),
        SendResult(items[1].key, "failed", None, "550 mailbox unknown"),
        SendResult(items[2].key, "unknown", None, "timeout"),
    ]
    for result in results:
        ledger.record(result, now=at(2))
    assert [ledger.get(item.key).state for item in items] == ["sent", "failed", "unknown"]
    assert ledger.begin_send(items[1].key, now=at(3)) is False


def test_state_persists_after_reopening(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.plan(reminder(), now=at(0), transport="outbox")
        ledger.begin_send(reminder().key, now=at(1))
        ledger.mark_sent(reminder().key, now=at(2), message_id="<m@x>")
    with Ledger(path) as reopened:
        assert reopened.get(reminder().key).state == "sent"
        assert reopened.begin_send(reminder().key, now=at(3)) is False
        assert len(reopened.transitions(reminder().key)) == 3


def test_crash_while_sending_leaves_the_row_in_doubt(tmp_path):
    path = tmp_path / "ledger.sqlite"
    crashed = Ledger(path)
    crashed.plan(reminder(), now=at(0), transport="outbox")
    crashed.begin_send(reminder().key, now=at(1))
    crashed.store.close()  # the process dies: no mark_sent, no orderly close
    with Ledger(path) as ledger:
        assert [entry.key for entry in ledger.in_doubt()] == [reminder().key]
        assert ledger.begin_send(reminder().key, now=at(2)) is False


def test_reconcile_marks_found_reminders_sent(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    ledger.begin_send(key, now=at(1))
    report = reconcile(ledger, FakeTransport(sent=[key]), now=at(5))
    assert report.sent == (key,)
    assert report.settled
    assert ledger.get(key).state == "sent"
    assert "found by outbox lookup" in ledger.transitions(key)[-1].note
    assert ledger.in_doubt() == []


def test_reconcile_makes_a_missing_reminder_sendable_exactly_once(ledger):
    key = reminder().key
    transport = FakeTransport()
    ledger.plan(reminder(), now=at(0), transport="outbox")
    ledger.begin_send(key, now=at(1))
    report = reconcile(ledger, transport, now=at(5))
    assert report.resend == (key,)
    entry = ledger.get(key)
    assert (entry.state, entry.retryable) == ("failed", True)
    assert ledger.begin_send(key, now=at(6)) is True
    [result] = transport.send([reminder()])
    ledger.record(result, now=at(7))
    assert ledger.begin_send(key, now=at(8)) is False
    assert reconcile(ledger, transport, now=at(9)) == type(report)()
    assert [step.to_state for step in ledger.transitions(key)] == ["planned", "sending", "failed", "sending", "sent"]


def test_reconcile_without_lookup_marks_unknown_for_the_user(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="smtp")
    ledger.begin_send(key, now=at(1), transport="smtp")
    transport = FakeTransport(name="smtp", unknowable=[key])
    report = reconcile(ledger, transport, now=at(5))
    assert report.unknown == (key,)
    assert not report.settled
    assert ledger.get(key).state == "unknown"
    assert ledger.begin_send(key, now=at(6)) is False
    again = reconcile(ledger, transport, now=at(7))
    assert again.unknown == (key,)
    assert len(ledger.transitions(key)) == 3
    ledger.resolve(key, now=at(8), state="sent", note="seen in the customer's mailbox")
    assert ledger.get(key).state == "sent"
    assert ledger.in_doubt() == []


def test_not_found_through_another_transport_is_not_trusted(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="ews")
    ledger.begin_send(key, now=at(1), transport="ews")
    report = reconcile(ledger, FakeTransport(name="outbox"), now=at(5))
    assert report.unknown == (key,)
    assert ledger.get(key).state == "unknown"


def test_failed_lookup_leaves_the_row_for_the_next_run(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="outbox")
    ledger.begin_send(key, now=at(1))
    transport = FakeTransport()
    transport.broken = True
    report = reconcile(ledger, transport, now=at(5))
    assert report.lookup_failed == (key,)
    assert ledger.get(key).state == "sending"


def test_resolve_as_failed_is_retryable_unless_told_otherwise(ledger):
    keep, drop = reminder("C-001"), reminder("C-002")
    for item in (keep, drop):
        ledger.plan(item, now=at(0), transport="smtp")
        ledger.begin_send(item.key, now=at(1))
        ledger.mark_unknown(item.key, now=at(2), note="timeout")
    ledger.resolve(keep.key, now=at(3), state="failed", note="not received")
    ledger.resolve(drop.key, now=at(3), state="failed", note="customer paid", retryable=False)
    assert ledger.begin_send(keep.key, now=at(4)) is True
    assert ledger.begin_send(drop.key, now=at(4)) is False


def test_sent_times_since_counts_sent_and_in_doubt_messages(ledger):
    items = [reminder(f"C-{number:03d}") for number in range(5)]
    for item in items:
        ledger.plan(item, now=at(0), transport="outbox")
    for number, item in enumerate(items[:3]):
        ledger.begin_send(item.key, now=at(number))
        ledger.mark_sent(item.key, now=at(number), message_id=None)
    ledger.begin_send(items[3].key, now=at(3))  # in doubt: may have gone out
    assert ledger.sent_times_since(at(1)) == [at(1), at(2), at(3)]
    assert len(ledger.sent_times_since(at(0))) == 4
    assert ledger.sent_times_since(at(3.5)) == []
    assert len(ledger.sent_times_since(at(1).astimezone(dt.timezone(dt.timedelta(hours=-5))))) == 3


def test_history_is_the_ledgers_records_oldest_planned_first(ledger):
    first, second = reminder("C-001", invoices=("INV-1", "INV-2")), reminder("C-002")
    ledger.plan(second, now=at(1), transport="outbox")
    ledger.plan(first, now=at(0), transport="outbox")
    ledger.begin_send(first.key, now=at(2))
    ledger.mark_sent(first.key, now=at(3), message_id="<m@x>")
    history = ledger.history()
    assert all(isinstance(entry, Entry) for entry in history)
    assert [(entry.key, entry.state) for entry in history] == [(first.key, "sent"), (second.key, "planned")]
    assert history[0].invoices == ("INV-1", "INV-2") and history[0].sent_at == at(3)
    assert history[0] == ledger.get(first.key)


def test_the_reminder_log_sheet_is_the_history_in_its_columns(ledger):
    first, second = reminder("C-001", invoices=("INV-1", "INV-2")), reminder("C-002")
    ledger.plan(first, now=at(0), transport="outbox")
    ledger.plan(second, now=at(1), transport="outbox")
    ledger.begin_send(first.key, now=at(2))
    ledger.mark_sent(first.key, now=at(3), message_id="<m@x>")
    frame = reminder_log(ledger.history())
    assert list(frame.columns) == [column.value for column in Log]
    assert frame[Log.KEY].tolist() == [first.key, second.key]
    assert frame[Log.STATE].tolist() == ["sent", "planned"]
    assert frame[Log.INVOICES].iloc[0] == "INV-1; INV-2"
    assert frame[Log.TO].iloc[0] == "c-001@customer.example"
    assert frame[Log.SENT_AT].iloc[0] == pd.Timestamp("2026-11-24 09:03:00")
    assert pd.isna(frame[Log.SENT_AT].iloc[1])
    assert frame[Log.PLANNED_AT].dt.tz is None


def test_the_reminder_log_of_an_empty_ledger_has_the_columns(ledger):
    frame = reminder_log(ledger.history())
    assert frame.empty
    assert list(frame.columns) == [column.value for column in Log]


def test_ledger_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(LedgerError, match="newer arcollect"):
        Ledger(path)


def test_not_found_too_soon_after_the_attempt_waits_for_the_sent_copy(ledger):
    key = reminder().key
    ledger.plan(reminder(), now=at(0), transport="graph")
    ledger.begin_send(key, now=at(1), transport="graph")
    transport = FakeTransport(name="graph")
    early = reconcile(ledger, transport, now=at(3), settle=dt.timedelta(minutes=5))
    assert early.waiting == (key,)
    assert not early.settled
    assert ledger.get(key).state == "sending"
    later = reconcile(ledger, transport, now=at(6), settle=dt.timedelta(minutes=5))
    assert later.resend == (key,)
    assert ledger.get(key).state == "failed"
