"""Sending failures a user can fix (#16, #15), against the real local SMTP server and a really full disk.

- A sender address the server refuses: `test-connection` says so (a real MAIL FROM), `send` stops at the first
  refusal and prints the server's reason once — not once per reminder, not after minutes of retries — and after
  the fix a rerun the same day sends every reminder once.
- A Cc deferred with 451: asked again; deferred for longer, the reminder goes to the customer and the refused Cc is
  recorded on it, in ReminderLog and ReminderQueue.
- A full disk under the outbox: the run stops with one line; after space is freed the rerun sends the rest the
  same day, each reminder once, none failed for good.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from rich.console import Console

from arcollect.cli import main, shell
from arcollect.mail.message import KEY_HEADER

from ..servers.ews import EwsServer
from ..servers.smtp import SmtpServer
from ..servers.tls import ca_bundle
from .workbooks import TUESDAY, customer, invoice, make_book, sheet_rows

NOW = TUESDAY.isoformat()
LATER = TUESDAY.replace(hour=11).isoformat()
PASSWORD = "s3cret-for-tests"
CUSTOMERS = 12


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setattr(shell, "console", Console(width=400, highlight=False))


def book(folder: Path, settings: dict[str, str], **first: str) -> Path:
    customers = [customer(f"C{number}", **(first if number == 1 else {})) for number in range(1, CUSTOMERS + 1)]
    invoices = [invoice(f"I-{number}", f"C{number}", due="2026-11-10") for number in range(1, CUSTOMERS + 1)]
    return make_book(folder, customers=customers, invoices=invoices, settings=settings)


def smtp_settings(server: SmtpServer) -> dict[str, str]:
    return {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar"}


def run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return status, " ".join((captured.out + captured.err).split())


def test_a_refused_sender_is_found_by_test_connection_stops_send_at_once_and_the_fixed_rerun_sends_all(
    tmp_path, capsys
):
    with SmtpServer(users={"ar": PASSWORD}) as server:
        server.refuse_senders = {"ar@acme.example"}
        path = book(tmp_path, smtp_settings(server))
        status, said = run(capsys, "test-connection", str(path))
        assert status == 1 and "refuses the sender ar@acme.example (553 5.7.1" in said

        started = time.monotonic()
        status, said = run(capsys, "send", str(path), "--now", NOW)
        assert time.monotonic() - started < 60
        assert status == 1 and not server.messages
        assert said.count("553 5.7.1") == 1, "the server's reason, once"
        assert "refused the sender ar@acme.example" in said and "SenderMailbox" in said
        states = Counter(row["state"] for row in sheet_rows(path, "ReminderLog"))
        assert states == {"failed": 1}, "only the one in flight was attempted; it stays retryable"

        server.refuse_senders.clear()  # the administrator grants send-as
        assert run(capsys, "test-connection", str(path))[0] == 0
        status, said = run(capsys, "send", str(path), "--now", LATER)  # the same day
        assert status == 0
        keys = server.keys()
    assert len(keys) == CUSTOMERS and set(keys.values()) == {1}
    assert Counter(row["state"] for row in sheet_rows(path, "ReminderLog")) == {"sent": CUSTOMERS}


def test_ews_a_mailbox_the_account_may_not_send_as_is_found_by_test_connection_stops_send_and_the_fix_sends_all(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", PASSWORD)
    with EwsServer(tls=True, users={"svc-ar": PASSWORD}, send_denied={"ar@acme.example"}) as server:
        settings = {"Transport": "ews", "EwsEndpoint": server.url, "EwsAuth": "basic", "EwsUser": "svc-ar"}
        path = book(tmp_path, settings)
        status, said = run(capsys, "test-connection", str(path))
        assert status == 1 and "The account svc-ar may not send as ar@acme.example (ErrorSendAsDenied)" in said
        assert "SenderMailbox" in said and server.received == [] and server.drafts == {}

        status, said = run(capsys, "send", str(path), "--now", NOW)
        assert status == 1 and server.received == [] and server.requests.count("CreateItem") == 2  # probe + 1 send
        assert said.count("ErrorSendAsDenied") == 1, "the reason, once"
        assert not [row for row in sheet_rows(path, "ReminderLog") if row["state"] in ("sent", "unknown")]

        server.send_denied.clear()  # the administrator grants Send As
        assert run(capsys, "test-connection", str(path))[0] == 0
        status, said = run(capsys, "send", str(path), "--now", LATER)  # the same day
        assert status == 0
        keys = Counter(received.key for received in server.received)
    assert len(keys) == CUSTOMERS and set(keys.values()) == {1}
    assert Counter(row["state"] for row in sheet_rows(path, "ReminderLog")) == {"sent": CUSTOMERS}


def test_a_cc_deferred_with_451_is_asked_again_and_delivered(tmp_path, capsys):
    with SmtpServer(users={"ar": PASSWORD}) as server:
        server.defer = {"am@acme.example": 1}
        path = book(tmp_path, smtp_settings(server), cc="am@acme.example")
        status, _said = run(capsys, "send", str(path), "--now", NOW)
        first = next(message for message in server.messages if "ap-c1@client.example" in message.rcpt_tos)
    assert status == 0 and "am@acme.example" in first.rcpt_tos


def test_a_cc_deferred_for_too_long_is_recorded_on_the_reminder_and_in_reminder_log(tmp_path, capsys):
    with SmtpServer(users={"ar": PASSWORD}) as server:
        server.defer = {"am@acme.example": 100}
        path = book(tmp_path, {**smtp_settings(server)}, cc="am@acme.example")
        from arcollect.mail.transports import smtp as smtp_module

        original = smtp_module.SmtpTransport.__init__

        def quick(self, *args, **kwargs):  # the real transport, with short back-off waits for the test's sake
            original(self, *args, **{**kwargs, "backoff": 0.01})

        smtp_module.SmtpTransport.__init__ = quick
        try:
            status, _said = run(capsys, "send", str(path), "--now", NOW)
        finally:
            smtp_module.SmtpTransport.__init__ = original
        first = next(message for message in server.messages if "ap-c1@client.example" in message.rcpt_tos)
    assert status == 0 and first.rcpt_tos == ("ap-c1@client.example",)
    logged = next(row for row in sheet_rows(path, "ReminderLog") if row["customer_id"] == "C1")
    assert logged["state"] == "sent" and "am@acme.example: 451 4.2.0" in logged["error"]
    queued = next(row for row in sheet_rows(path, "ReminderQueue") if row["customer_id"] == "C1")
    assert "am@acme.example: 451" in queued["reason"]


@pytest.fixture
def small_disk(tmp_path):
    """A real, tiny file system (tmpfs, 192 KiB) for the outbox: writes fail with ENOSPC when it is full."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_stops_the_run_in_one_line_and_the_rerun_after_freeing_space_sends_the_rest(
    tmp_path, small_disk, capsys
):
    ballast = small_disk / "ballast.bin"
    ballast.write_bytes(os.urandom(150 * 1024))
    path = book(tmp_path, {"OutboxDir": str(small_disk)})
    status, said = run(capsys, "send", str(path), "--now", NOW)
    assert status == 1 and "No space left on device" in said and said.count("No space left on device") == 1
    written = len(list(small_disk.glob("*.eml")))
    assert 0 < written < CUSTOMERS
    assert all(row["state"] in ("sent", "failed") for row in sheet_rows(path, "ReminderLog"))
    ballast.unlink()  # space freed
    status, said = run(capsys, "send", str(path), "--now", LATER)
    assert status == 0, said
    parser = BytesParser(policy=policy.default)
    keys = [parser.parsebytes(p.read_bytes(), headersonly=True)[KEY_HEADER] for p in small_disk.glob("*.eml")]
    assert len(keys) == CUSTOMERS and len(set(keys)) == CUSTOMERS
    assert Counter(row["state"] for row in sheet_rows(path, "ReminderLog")) == {"sent": CUSTOMERS}


def test_ctrl_c_finishes_the_reminder_in_flight_and_ends_in_one_line(tmp_path):
    import signal
    import sys

    with SmtpServer(users={"ar": PASSWORD}) as server:
        server.latency = 0.4
        path = book(tmp_path, smtp_settings(server))
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        results = []
        for presses in (1, 2):
            out = tmp_path / f"ctrl-c-{presses}.out"
            with out.open("w") as sink:
                process = subprocess.Popen(
                    [sys.executable, "-m", "arcollect", "send", str(path), "--now", NOW],
                    stdout=sink, stderr=subprocess.STDOUT, env=environment,
                )  # fmt: skip
            arrived = len(server.messages)
            deadline = time.monotonic() + 120
            while len(server.messages) <= arrived:
                assert time.monotonic() < deadline and process.poll() is None, out.read_text()
                time.sleep(0.02)
            for _ in range(presses):
                process.send_signal(signal.SIGINT)
                time.sleep(0.05)
            results.append((process.wait(timeout=60), " ".join(out.read_text().split())))
        final = subprocess.run(
            [sys.executable, "-m", "arcollect", "send", str(path), "--now", LATER], capture_output=True, text=True,
            env=environment, timeout=180,
        )  # fmt: skip
        keys = server.keys()
    (once, said_once), (twice, said_twice) = results
    assert once == 0 and "Stopped by Ctrl-C: the rest waits for the next run." in said_once
    assert twice == 130 and said_twice.count("stopped by Ctrl-C") == 1
    assert "Traceback" not in said_once + said_twice + final.stdout + final.stderr
    assert final.returncode == 0
    in_doubt = [row for row in sheet_rows(path, "ReminderLog") if row["state"] == "unknown"]
    assert len(in_doubt) <= 1, "a second Ctrl-C may leave the one in flight in doubt, never more"
    assert set(keys.values()) == {1} and len(keys) + len(in_doubt) >= CUSTOMERS
