"""The ledger's lease (one sender per ledger), its workbook identity and where it may live (#15)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arcollect.mail.ledger import LeaseLost, Ledger, LedgerBusy, LedgerError, LedgerMissing, identity, location
from arcollect.mail.ledger.core import utc_text
from arcollect.mail.message import Reminder
from tests import factories

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def reminder(number: int = 1, to: str = "ap@customer.example") -> Reminder:
    return factories.reminder(
        f"C{number}", 1, [f"INV-{number}"], cycle=T0.date(), to=(to,), subject="Reminder", html="<p>x</p>", text="x"
    )


def test_a_second_ledger_on_the_same_file_is_told_who_holds_the_lease(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as first, Ledger(tmp_path / "l.sqlite") as second:
        with first.hold("schedule"), pytest.raises(LedgerBusy, match=r"in use by schedule on .* \(process \d+"):
            second.lease.acquire("send", wait=0.2)
        with second.hold("send"):
            assert second.lease.holder() is not None


def test_the_gate_refuses_a_sender_without_the_lease_while_another_run_holds_it(tmp_path):
    item = reminder()
    with Ledger(tmp_path / "l.sqlite") as holder, Ledger(tmp_path / "l.sqlite") as intruder:
        intruder.plan(item, now=T0, transport="outbox")
        with holder.hold("send"):
            with pytest.raises(LedgerBusy):
                intruder.begin_send(item.key, now=T0, transport="outbox")
            assert holder.begin_send(item.key, now=T0, transport="outbox")
        assert holder.get(item.key).owner is not None and holder.get(item.key).machine


def test_a_lease_taken_over_fences_its_old_holder_at_the_gate(tmp_path):
    item = reminder()
    with Ledger(tmp_path / "l.sqlite", lease_ttl=0.3) as stalled, Ledger(tmp_path / "l.sqlite") as other:
        stalled.plan(item, now=T0, transport="outbox")
        stalled.lease.acquire("send")
        stalled.lease._stop.set()  # frozen: no more heartbeats
        time.sleep(0.5)
        with other.hold("send"):  # same machine, process alive, heartbeat older than its time to live
            assert other.lease.took_over is not None
            with pytest.raises(LeaseLost, match="taken over"):
                stalled.begin_send(item.key, now=T0, transport="outbox")
        assert other.get(item.key).state == "planned"


def test_a_dead_process_on_this_machine_loses_its_lease_at_once(tmp_path):
    script = (
        "import sys, os; from arcollect.mail.ledger import Ledger; "
        "l = Ledger(sys.argv[1]); l.lease.acquire('send'); os._exit(0)"  # dies holding it
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "l.sqlite")], check=True, timeout=60)
    with Ledger(tmp_path / "l.sqlite") as ledger:
        started = time.monotonic()
        with ledger.hold("send"):
            assert ledger.lease.took_over is not None
        assert time.monotonic() - started < 2, "no waiting for the time to live"


def test_another_machine_lease_expires_by_watching_its_heartbeat_not_by_comparing_clocks(tmp_path, monkeypatch):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with ledger.write() as tx:  # a holder on another machine whose clock runs a day ahead, dead now
            ahead = utc_text(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
            tx.execute(
                """INSERT INTO lease (id, token, host, machine, pid, purpose, acquired_at, heartbeat_at, beats,
                       ttl_seconds) VALUES (1, 'elsewhere', 'pc-ar2', 'pc-ar2', 4242, 'send', ?, ?, 7, 1)""",
                (ahead, ahead),
            )
        with pytest.raises(LedgerBusy, match="pc-ar2"):
            ledger.lease.acquire("send", wait=0.2)  # its clock says "fresh": not trusted, but not yet watched long
        with ledger.hold("send", wait=5):  # unchanged for its time to live (1 s) on this machine's clock
            assert ledger.lease.took_over == "elsewhere"


def test_sequence_counts_every_change_and_purge_does_not_lower_it(tmp_path):
    item = reminder()
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.sequence == 0 and len(ledger.ledger_id) == 32
        ledger.plan(item, now=T0, transport="outbox")
        with ledger.hold("send"):
            ledger.begin_send(item.key, now=T0, transport="outbox")
        ledger.mark_sent(item.key, now=T0, message_id=None)
        assert ledger.sequence == 3
        ledger.purge(dt.date(2027, 1, 1))
        assert ledger.sequence == 3


def test_a_failed_reminder_goes_again_when_its_address_was_corrected_or_a_person_says_so(tmp_path):
    wrong, right = reminder(to="ap@typo.example"), reminder(to="ap@customer.example")
    with Ledger(tmp_path / "l.sqlite") as ledger, ledger.hold("send"):
        ledger.plan(wrong, now=T0, transport="smtp")
        ledger.begin_send(wrong.key, now=T0, transport="smtp")
        ledger.mark_failed(wrong.key, now=T0, error="550 5.1.1 user unknown", retryable=False)
        ledger.plan(wrong, now=T0, transport="smtp")
        assert not ledger.begin_send(wrong.key, now=T0, transport="smtp"), "same address: failed for good"
        ledger.plan(right, now=T0, transport="smtp")
        assert ledger.begin_send(right.key, now=T0, transport="smtp"), "corrected address: tried again"
        ledger.mark_failed(right.key, now=T0, error="552 too big", retryable=False)
        ledger.retry(right.key, now=T0)
        assert ledger.begin_send(right.key, now=T0, transport="smtp")


def test_workbook_stamp_round_trip_through_a_saved_workbook(tmp_path):
    from arcollect.book import template, write

    path = tmp_path / "Book.xlsx"
    template.build(path)
    assert identity.read_stamp(path) is None
    write.write_tables(path, {}, names=identity.names("ab" * 16, 41))
    assert identity.read_stamp(path) == identity.Stamp("ab" * 16, 41)
    write.write_tables(path, {"Exceptions": pd.DataFrame()}, names=identity.names("ab" * 16, 42))
    assert identity.read_stamp(path).sequence == 42
    assert len(openpyxl.load_workbook(path).defined_names) >= 2, "the names survive a load by another reader"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/ana/OneDrive - Acme GmbH/AR/Receivables.ledger.sqlite", "synced"),
        ("/Users/ana/Library/CloudStorage/OneDrive-Acme/AR/x.sqlite", "synced"),
        ("/Users/ana/Library/CloudStorage/SharePoint-Finance/x.sqlite", "synced"),
        ("/home/ana/Dropbox/AR/x.sqlite", "synced"),
        ("/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/x.sqlite", "synced"),
        ("//fileserver/finance/AR/x.sqlite", "network"),
        ("\\\\fileserver\\finance\\AR\\x.sqlite", "network"),
        ("/mnt/finance/AR/x.sqlite", "network"),
        ("/srv/nfs/ar/x.sqlite", "network"),
        ("/home/ana/AR/x.sqlite", "local"),
    ],
)
def test_network_shares_and_synced_folders_are_told_apart(path, kind):
    mounts = (
        "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
        "40 22 0:50 / /mnt/finance rw,relatime - cifs //fileserver/finance rw,vers=3.1.1\n"
        "41 22 0:51 / /srv/nfs rw,relatime - nfs4 nas:/export rw\n"
    )
    assert location.classify(Path(path), mounts=mounts)[0] == kind


def test_a_missing_ledger_folder_is_never_created_silently(tmp_path):
    from arcollect.book.settings import Settings
    from arcollect.mail.ledger import locate

    config = Settings(ledger_path=tmp_path / "unmounted-share" / "ar.ledger.sqlite")
    with pytest.raises(LedgerMissing, match="does not exist — connect the network drive"):
        locate.open_for(tmp_path / "Book.xlsx", config, stamp=None, sent_in_log=0)
    assert not (tmp_path / "unmounted-share").exists()


def test_a_ledger_in_a_synced_folder_is_refused_with_the_alternatives(tmp_path):
    from arcollect.book.settings import Settings
    from arcollect.mail.ledger import locate

    book = tmp_path / "OneDrive - Acme" / "Book.xlsx"
    book.parent.mkdir()
    with pytest.raises(LedgerError, match=r"LedgerPath to a folder on this computer .* LedgerUrl"):
        locate.open_for(book, Settings(), stamp=None, sent_in_log=0)


def test_network_ledger_uses_a_rollback_journal_with_exclusive_locking(tmp_path):
    from arcollect.mail.ledger.store import SqliteStore

    with Ledger(SqliteStore(tmp_path / "l.sqlite", network=True)) as ledger:
        assert ledger.store.pragma("journal_mode") == "delete"
        assert ledger.store.pragma("locking_mode") == "exclusive"
        ledger.plan(reminder(), now=T0, transport="outbox")
        with pytest.raises(LedgerBusy, match="in use by another arcollect run"):
            Ledger(SqliteStore(tmp_path / "l.sqlite", network=True, wait=0.2))


def test_ledger_url_with_a_password_is_refused_and_never_repeated():
    from arcollect.book.settings import set_value
    from arcollect.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        set_value("LedgerUrl", "postgresql://ar:Secret123@db.acme.example/arcollect")
    assert "Secret123" not in str(refused.value) and "ARCOLLECT_LEDGER_PASSWORD" in str(refused.value)
    assert set_value("LedgerUrl", "postgresql://ar@db.acme.example/arcollect") == (
        "postgresql://ar@db.acme.example/arcollect"
    )


def test_extra_tables_registered_by_another_module_exist_in_every_ledger(tmp_path):
    from arcollect.mail.ledger import schema

    schema.register(
        "test_approvals",
        "CREATE TABLE IF NOT EXISTS test_approvals (key TEXT PRIMARY KEY, by_whom TEXT NOT NULL, at TEXT NOT NULL)",
    )
    try:
        with Ledger(tmp_path / "l.sqlite") as ledger:
            with ledger.write() as tx:
                tx.execute("INSERT INTO test_approvals (key, by_whom, at) VALUES (?, ?, ?)", ("k", "ana", "now"))
            assert ledger.read("SELECT by_whom FROM test_approvals WHERE key = ?", ("k",)) == [{"by_whom": "ana"}]
    finally:
        schema._EXTRA.pop("test_approvals")


def test_hostname_override_names_the_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("ARCOLLECT_HOSTNAME", "pc-ar7")
    with Ledger(tmp_path / "l.sqlite") as ledger, ledger.hold("ribbon"):
        assert str(ledger.lease.holder()).startswith(f"ribbon on pc-ar7 (process {os.getpid()}")
