"""The outbox transport on a real folder: .eml files a mail client opens, the preview, lookups and recovery."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
from pathlib import Path

import pytest

from arcollect.book.reminder_log import reminder_log
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import KEY_HEADER, Attachment, Reminder, message_id
from arcollect.mail.transports import Transport
from arcollect.mail.transports.outbox import INDEX, OutboxTransport
from tests import factories

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def reminder(customer: str = "C-001", level: int = 1, **changes: object) -> Reminder:
    french = {
        "language": "fr",
        "sender": "Acme Recouvrement <ar@acme.example>",
        "to": ("Émilie Dubois <emilie@client.example>",),
        "cc": ("am@acme.example",),
        "reply_to": "compta@acme.example",
        "subject": "Rappel : facture INV-1 échue",
        "html": "<p>Bonjour Émilie,</p><p>Facture INV-1 : 1 200,00 €</p>",
        "text": "Bonjour Émilie,\nFacture INV-1 : 1 200,00 €",
        "attachments": (Attachment("relevé.pdf", b"%PDF-1.7 releve", "application/pdf"),),
    }
    return factories.reminder(customer, level, ["INV-1"], cycle=NOW.date(), **{**french, **changes})


@pytest.fixture
def outbox(tmp_path) -> OutboxTransport:
    return OutboxTransport(tmp_path / "outbox", clock=lambda: NOW)


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def test_outbox_implements_the_transport_protocol(outbox):
    assert isinstance(outbox, Transport)
    assert outbox.name == "outbox"


def test_written_eml_parses_back_with_every_field(outbox):
    item = reminder()
    [result] = outbox.send([item])
    assert (result.key, result.status, result.message_id, result.error) == (
        item.key,
        "sent",
        message_id(item.key, "acme.example"),
        None,
    )
    [path] = eml_files(outbox.folder)
    assert path.name == f"20261124-C-001-L1-{item.key[:12]}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].display_name == "Émilie Dubois"
    assert message["To"].addresses[0].addr_spec == "emilie@client.example"
    assert str(message["Cc"]) == "am@acme.example"
    assert str(message["Reply-To"]) == "compta@acme.example"
    assert message["Subject"] == "Rappel : facture INV-1 échue"
    assert message["Message-ID"] == message_id(item.key, "acme.example")
    assert message[KEY_HEADER] == item.key
    assert message["Content-Language"] == "fr"
    assert message.get_body(("plain",)).get_content().startswith("Bonjour Émilie,")
    assert "1 200,00 €" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("relevé.pdf", b"%PDF-1.7 releve")


def test_message_id_is_the_same_for_the_same_key(tmp_path):
    ids = []
    for name in ("one", "two"):
        transport = OutboxTransport(tmp_path / name, clock=lambda: NOW)
        transport.send([reminder()])
        [path] = eml_files(transport.folder)
        ids.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Message-ID"])
    assert ids[0] == ids[1] == message_id(reminder().key, "acme.example")


def test_find_sent_is_false_before_and_true_after_sending(outbox):
    first, second = reminder("C-001"), reminder("C-002")
    assert outbox.find_sent(first.key) is False
    outbox.send([first])
    assert outbox.find_sent(first.key) is True
    assert outbox.find_sent(second.key) is False


def test_find_sent_checks_the_key_header_not_just_the_file_name(outbox):
    item = reminder()
    outbox.folder.mkdir(parents=True)
    (outbox.folder / f"20261124-X-L1-{item.key[:12]}.eml").write_bytes(b"X-Arcollect-Key: something-else\r\n\r\nhi")
    assert outbox.find_sent(item.key) is False


def test_a_file_without_key_header_is_found_by_its_message_id_whatever_the_senders_domain(outbox):
    """SenderMailbox changed between a crash and the rerun: the Message-ID's domain differs, the reminder doesn't."""
    item = reminder()
    outbox.folder.mkdir(parents=True)
    path = outbox.folder / f"20261124-X-L1-{item.key[:12]}.eml"
    path.write_bytes(f"Message-ID: <{item.key[:32]}@old-domain.example>\r\n\r\nhi".encode())
    assert outbox.find_sent(item.key) is True
    path.write_bytes(f"Message-ID: <{'0' * 32}@acme.example>\r\n\r\nhi".encode())  # another reminder's
    assert outbox.find_sent(item.key) is False


def test_sending_a_key_already_in_the_outbox_writes_no_second_file(outbox):
    item = reminder()
    outbox.send([item])
    [again] = OutboxTransport(outbox.folder, clock=lambda: NOW + dt.timedelta(days=1)).send([item])
    assert again.status == "sent"
    assert len(eml_files(outbox.folder)) == 1


def test_a_bad_reminder_fails_alone_and_the_others_are_written(outbox):
    good, bad = reminder("C-001"), reminder("C-002", to=("victim@example.com\r\nBcc: evil@example.com",))
    results = outbox.send([bad, good])
    assert [result.status for result in results] == ["failed", "sent"]
    assert [result.key for result in results] == [bad.key, good.key]
    assert "line break" in results[0].error
    assert len(eml_files(outbox.folder)) == 1


def test_index_lists_every_message_escaped(outbox):
    hostile = reminder("C-666", subject="<script>alert(1)</script> & more", text="<b>not bold</b>")
    outbox.send([reminder("C-001", 1), reminder("C-002", 3)])
    outbox.send([hostile])
    page = (outbox.folder / INDEX).read_text(encoding="utf-8")
    assert page.count("<tr><td>") == 3
    assert "Rappel : facture INV-1 échue" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>" not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "Émilie Dubois" in page
    for path in eml_files(outbox.folder):
        assert f'href="{path.name}"' in page
    assert "default-src 'none'" in page


def test_a_new_run_parses_only_messages_it_has_not_listed_and_drops_rows_of_removed_files(outbox):
    """The schedule builds a transport per tick: re-parsing the whole outbox each time made a week of ticks
    quadratic. A later transport takes a row from index.html while its file's name, time and size are unchanged."""
    outbox.send([reminder("C-001"), reminder("C-002"), reminder("C-003")])
    first, second, third = eml_files(outbox.folder)
    kept = first.stat()
    # Same length and time, other subject: only a row taken from the index still shows the old subject.
    first.write_bytes(first.read_bytes().replace(b"?q?Rappel", b"?q?Xappel"))
    os.utime(first, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    second.write_bytes(second.read_bytes().replace(b"?q?Rappel", b"?q?Longer_Rappel"))  # size changes
    third.unlink()

    later = OutboxTransport(outbox.folder, clock=lambda: NOW)
    later.send([reminder("C-004")])
    page = (outbox.folder / INDEX).read_text(encoding="utf-8")
    rows = page.split("<tr><td>")[1:]
    assert len(rows) == 3  # C-001, C-002 and the new C-004; the removed C-003 is gone
    assert first.read_bytes() != second.read_bytes() and b"Xappel" in first.read_bytes()
    assert ">Rappel : facture INV-1 échue<" in rows[0] and "Xappel" not in page
    assert ">Longer Rappel : facture INV-1 échue<" in rows[1]
    assert "C-003" not in page
    assert page.count("<!--arcollect:") == 3


def test_no_temporary_files_are_left_behind(outbox):
    outbox.send([reminder(f"C-{number:03d}") for number in range(5)])
    names = sorted(path.name for path in outbox.folder.iterdir())
    assert len(names) == 6
    assert [name for name in names if not name.endswith(".eml")] == [INDEX]


def test_stale_temporary_files_of_a_crashed_write_are_removed(outbox):
    outbox.folder.mkdir(parents=True)
    stale = outbox.folder / ".arcollect-crashed.tmp"
    stale.write_bytes(b"half a mess")
    os.utime(stale, (0, 0))
    outbox.send([reminder()])
    assert not stale.exists()


def test_a_temporary_file_of_a_killed_write_is_removed_unless_a_write_still_holds_it(outbox):
    import fcntl

    outbox.folder.mkdir(parents=True)
    killed = outbox.folder / ".~arcollect.20261124-C-009-L1-0123456789ab.eml.k1ll3d.tmp"
    killed.write_bytes(b"half a message")
    busy = outbox.folder / ".~arcollect.20261124-C-008-L1-0123456789ab.eml.busy01.tmp"
    with busy.open("wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # another process writing right now
        outbox.send([reminder()])
    assert not killed.exists()
    assert busy.exists()
    assert len(eml_files(outbox.folder)) == 1


def test_messages_and_the_index_are_readable_by_the_user_only(outbox):
    outbox.send([reminder()])
    [path] = eml_files(outbox.folder)
    assert path.stat().st_mode & 0o777 == 0o600
    assert (outbox.folder / INDEX).stat().st_mode & 0o777 == 0o600


def test_non_ascii_customer_and_subject_round_trip(outbox):
    item = reminder("Société Générale/Zürich", subject="Relance — 请付款 — Zahlungserinnerung für Jörg")
    outbox.send([item])
    [path] = eml_files(outbox.folder)
    assert path.name == f"20261124-Societe_Generale_Zurich-L1-{item.key[:12]}.eml"
    assert path.read_bytes().isascii()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Relance — 请付款 — Zahlungserinnerung für Jörg"
    assert outbox.find_sent(item.key) is True


def test_check_reports_a_usable_folder_in_one_sentence(outbox, tmp_path):
    assert outbox.check().startswith("OK")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    message = OutboxTransport(blocker / "outbox").check()
    assert "cannot be written" in message
    assert message.count(".") >= 1
    assert "\n" not in message


def test_reconcile_with_the_outbox_after_a_crash_sends_each_reminder_exactly_once(tmp_path, outbox):
    """Two reminders die in `sending`: one was written before the crash, one was not."""
    written, lost = reminder("C-001"), reminder("C-002")
    path = tmp_path / "ledger.sqlite"
    crashed = Ledger(path)
    for item in (written, lost):
        crashed.plan(item, now=NOW, transport=outbox.name)
        crashed.begin_send(item.key, now=NOW, transport=outbox.name)
    outbox.send([written])  # handed over, then the process dies before mark_sent
    crashed.store.close()

    later = NOW + dt.timedelta(minutes=10)
    with Ledger(path) as ledger:
        assert {entry.key for entry in ledger.in_doubt()} == {written.key, lost.key}
        report = reconcile(ledger, outbox, now=later)
        assert report.sent == (written.key,)
        assert report.resend == (lost.key,)
        assert ledger.get(written.key).state == "sent"

        for _ in range(2):  # a rerun, then another: only the lost one goes out, once
            due = [item for item in (written, lost) if ledger.begin_send(item.key, now=later, transport=outbox.name)]
            for result in outbox.send(due):
                ledger.record(result, now=later)
        assert ledger.get(lost.key).state == "sent"
        assert ledger.get(lost.key).attempts == 2
        assert ledger.in_doubt() == []

    keys = [
        email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)[KEY_HEADER]
        for eml in eml_files(outbox.folder)
    ]
    assert sorted(keys) == sorted([written.key, lost.key])


_CHILD = """
import datetime as dt, sys
from pathlib import Path
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import Reminder, idempotency_key
from arcollect.mail.transports.outbox import OutboxTransport

folder, count = Path(sys.argv[1]), int(sys.argv[2])
now = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
outbox = OutboxTransport(folder / "outbox", clock=lambda: now)
with Ledger(folder / "ledger.sqlite") as ledger:
    reconcile(ledger, outbox, now=now)
    for number in range(count):
        customer = f"C-{number:04d}"
        item = Reminder(idempotency_key(customer, 1, ["INV-1"], now.date()), customer, 1, "friendly", "en",
                        "ar@acme.example", (f"{number}@customer.example",), (), None, f"Reminder {number}",
                        "<p>Please pay.</p>", "Please pay.", (), ("INV-1",))
        ledger.plan(item, now=now, transport=outbox.name)
        if ledger.begin_send(item.key, now=now, transport=outbox.name):
            for result in outbox.send([item]):
                ledger.record(result, now=now)
print("done")
"""


@pytest.mark.slow
def test_killed_runs_still_deliver_every_reminder_exactly_once(tmp_path):
    """SIGKILL a sending process at five points; reruns finish the job and no key reaches the outbox twice."""
    import random
    import subprocess
    import sys

    count = 150
    command = [sys.executable, "-c", _CHILD, str(tmp_path), str(count)]
    delays = random.Random(7).sample([0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6], 5)
    for delay in delays:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            child.kill()  # SIGKILL on POSIX: no cleanup, no close
            child.wait()
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert finished.stdout.strip() == "done"

    keys = [
        email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)[KEY_HEADER]
        for eml in eml_files(tmp_path / "outbox")
    ]
    assert len(keys) == count
    assert len(set(keys)) == count
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        history = reminder_log(ledger.history())
        assert len(history) == count
        assert set(history["state"]) == {"sent"}
        assert ledger.in_doubt() == []
    leftovers = {path.name for path in (tmp_path / "outbox").iterdir() if path.suffix != ".eml"} - {INDEX}
    assert all(name.startswith(".~arcollect.") and name.endswith(".tmp") for name in leftovers)  # removed when stale
