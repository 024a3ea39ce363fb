"""The SMTP transport against a real aiosmtpd server on 127.0.0.1: STARTTLS/TLS, AUTH, faults, exactly-once."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from arcollect.errors import TransportError
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import KEY_HEADER, Attachment, Reminder, message_id
from arcollect.mail.transports import Transport
from arcollect.mail.transports.smtp import SmtpBatchError, SmtpTransport
from tests import factories
from tests.servers.smtp import SmtpServer, free_port
from tests.servers.tls import ca_bundle

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
USER, PASSWORD, TOKEN = "ar@acme.example", "correct horse 42", "eyJ0eXAi.test-token"
CSV = b"invoice,due,open\r\nINV-1,2026-10-01,1200.00\r\nINV-2,2026-10-15,80.50\r\n"


def reminder(customer: str = "C-001", level: int = 1, **changes: object) -> Reminder:
    german = {
        "language": "de",
        "sender": "Acme Forderungen <ar@acme.example>",
        "to": ("Jörg Müller <joerg@client.example>",),
        "cc": ("am@acme.example",),
        "reply_to": "buchhaltung@acme.example",
        "subject": "Zahlungserinnerung für INV-1, INV-2",
        "html": "<p>Guten Tag Herr Müller,</p><p>offen: <b>1.280,50 €</b></p>",
        "text": "Guten Tag Herr Müller,\noffen: 1.280,50 €\n.\n.. a line starting with dots",
        "attachments": (Attachment("kontoauszug.csv", CSV, "text/csv"),),
        "send_at": NOW,
    }
    return factories.reminder(customer, level, ["INV-1", "INV-2"], cycle=NOW.date(), **{**german, **changes})


class Sleeps(list):
    """Records back-off sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server():
    with SmtpServer(tls="starttls", users={USER: PASSWORD}, tokens={USER: TOKEN}) as running:
        yield running


def transport(server: SmtpServer, **options: object) -> SmtpTransport:
    settings: dict[str, object] = {
        "username": USER,
        "password": PASSWORD,
        "verify": ca_bundle(),
        "timeout": 5.0,
        "sleep": Sleeps(),
    }
    settings.update(options)
    return SmtpTransport(server.host, server.port, **settings)  # type: ignore[arg-type]


# -- delivery ---------------------------------------------------------------------------------------------------------


def test_smtp_transport_implements_the_transport_protocol(server):
    smtp = transport(server)
    assert isinstance(smtp, Transport)
    assert smtp.name == "smtp"
    assert PASSWORD not in repr(smtp)


def test_reminder_arrives_over_starttls_with_every_field_intact(server):
    item = reminder()
    [result] = transport(server).send([item])
    assert (result.key, result.status, result.message_id, result.error) == (
        item.key,
        "sent",
        message_id(item.key, "acme.example"),
        None,
    )

    [received] = server.messages
    assert received.mail_from == "ar@acme.example"
    assert received.rcpt_tos == ("joerg@client.example", "am@acme.example")  # the Cc is an envelope recipient
    message = received.message
    assert message["Message-ID"] == message_id(item.key, "acme.example")
    assert message[KEY_HEADER] == item.key == received.key
    assert message["To"].addresses[0].display_name == "Jörg Müller"
    assert message["To"].addresses[0].addr_spec == "joerg@client.example"
    assert str(message["Cc"]) == "am@acme.example"
    assert str(message["Reply-To"]) == "buchhaltung@acme.example"
    assert message["Subject"] == "Zahlungserinnerung für INV-1, INV-2"
    assert message["Bcc"] is None
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(part for part in message.iter_parts() if part.get_content_type() == "multipart/alternative")
    assert [part.get_content_type() for part in alternative.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    assert text.splitlines() == ["Guten Tag Herr Müller,", "offen: 1.280,50 €", ".", ".. a line starting with dots"]
    assert "<b>1.280,50 €</b>" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "kontoauszug.csv"
    assert attachment.get_payload(decode=True) == CSV
    assert server.logins[0][1] == USER


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_password_login_uses_the_mechanism_the_server_offers(mechanism):
    others = tuple({"PLAIN", "LOGIN"} - {mechanism})
    with SmtpServer(users={USER: PASSWORD}, exclude_mechanisms=(*others, "XOAUTH2")) as server:
        [result] = transport(server).send([reminder()])
        assert result.status == "sent"
        assert server.logins == [(mechanism, USER)]


def test_xoauth2_signs_in_with_the_token_from_the_provider(server):
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return TOKEN

    smtp = transport(server, password="", token_provider=token)
    [result] = smtp.send([reminder()])
    assert result.status == "sent"
    assert server.logins == [("XOAUTH2", USER)]
    assert calls == [1]
    assert smtp.check() == (
        f"OK: signed in to {server.host}:{server.port} as {USER} (STARTTLS, XOAUTH2); the server accepts {USER} as "
        "the sender."
    )


def test_a_rejected_oauth_token_is_a_plain_sentence_without_the_token(server):
    smtp = transport(server, password="", token_provider=lambda: "expired-token-value")
    with pytest.raises(TransportError, match="refused the OAuth sign-in") as raised:
        smtp.send([reminder()])
    assert "expired-token-value" not in str(raised.value)
    assert server.messages == []


def test_implicit_tls_delivers_on_its_own_port():
    with SmtpServer(tls="implicit", users={USER: PASSWORD}) as server:
        smtp = transport(server, security="tls")
        [result] = smtp.send([reminder()])
        assert result.status == "sent"
        assert len(server.messages) == 1
        assert smtp.check().startswith("OK: signed in to") and "(TLS, password)" in smtp.check()


def test_plain_text_is_allowed_to_a_loopback_server_only():
    with SmtpServer(tls=None, users={USER: PASSWORD}) as server:
        [result] = transport(server, security="none").send([reminder()])
        assert result.status == "sent"
    with pytest.raises(TransportError, match="unencrypted"):
        SmtpTransport("smtp.acme.example", 25, security="none", username=USER, password=PASSWORD)


def test_a_twenty_message_batch_uses_one_connection(server):
    items = [reminder(f"C-{number:03d}") for number in range(20)]
    results = transport(server).send(items)
    assert [result.status for result in results] == ["sent"] * 20
    assert server.keys() == {item.key: 1 for item in items}
    assert server.connections == 1


# -- set-up problems in one sentence ----------------------------------------------------------------------------------


def test_wrong_password_is_a_plain_sentence_without_the_password(server, caplog):
    caplog.set_level(logging.DEBUG)
    smtp = transport(server, password="wrong-secret-xyz")
    with pytest.raises(TransportError) as raised:
        smtp.send([reminder()])
    sentence = str(raised.value)
    assert "refused the login" in sentence
    assert "SmtpUser" in sentence and "ARCOLLECT_SMTP_PASSWORD" in sentence
    assert "wrong-secret-xyz" not in sentence
    assert isinstance(raised.value, SmtpBatchError) and raised.value.results == []
    assert smtp.check() == sentence
    assert "wrong-secret-xyz" not in caplog.text
    assert server.messages == []


def test_unreachable_server_is_a_plain_sentence():
    port = free_port()
    smtp = SmtpTransport("127.0.0.1", port, username=USER, password=PASSWORD, verify=ca_bundle(), timeout=2)
    with pytest.raises(TransportError, match=rf"SMTP server 127\.0\.0\.1:{port} is unreachable"):
        smtp.send([reminder()])
    assert smtp.check().startswith(f"The SMTP server 127.0.0.1:{port} is unreachable")


def test_tls_verification_is_on_by_default(server):
    smtp = transport(server, verify=True)  # system CAs do not know the test CA
    sentence = smtp.check()
    assert sentence.startswith(f"The TLS certificate of the SMTP server {server.host}:{server.port} is not trusted")
    with pytest.raises(TransportError, match="not trusted"):
        smtp.send([reminder()])
    assert server.logins == []


def test_verification_switched_off_connects_but_is_logged_as_a_warning(server, caplog):
    smtp = transport(server, verify=False)
    assert "TLS certificate verification is OFF" in caplog.text
    assert smtp.check().startswith("OK: signed in to")


def test_starttls_not_offered_is_a_plain_sentence():
    with SmtpServer(tls=None, users={USER: PASSWORD}) as server:
        assert "does not offer STARTTLS" in transport(server).check()


# -- faults -----------------------------------------------------------------------------------------------------------


def test_a_transient_451_is_retried_after_a_back_off_and_delivered_once(server):
    sleeps = Sleeps()
    server.fail_next = [451]
    item = reminder()
    [result] = transport(server, sleep=sleeps, backoff=2.0).send([item])
    assert result.status == "sent"
    assert server.keys() == {item.key: 1}
    assert sleeps == [2.0]


def test_a_451_at_rcpt_is_retried_too(server):
    sleeps = Sleeps()
    server.fail_next_rcpt = [451, 451]
    [result] = transport(server, sleep=sleeps).send([reminder()])
    assert result.status == "sent"
    assert sleeps == [2.0]  # both recipients refused once, then both accepted
    assert server.messages[0].rcpt_tos == ("joerg@client.example", "am@acme.example")


def test_a_451_that_persists_beyond_the_retries_is_failed(server):
    sleeps = Sleeps()
    server.fail_next = [451] * 10
    [result] = transport(server, sleep=sleeps, retries=3, backoff=1.5).send([reminder()])
    assert result.status == "failed"
    assert "4 times" in result.error and "451 4.3.0" in result.error
    assert sleeps == [1.5, 3.0, 6.0]
    assert server.messages == []


def test_a_permanent_550_is_failed_with_the_server_reply_and_the_batch_goes_on(server):
    sleeps = Sleeps()
    server.fail_next = [550]
    first, second = reminder("C-001"), reminder("C-002")
    results = transport(server, sleep=sleeps).send([first, second])
    assert [result.status for result in results] == ["failed", "sent"]
    assert "550 5.7.1 Message rejected by policy" in results[0].error
    assert sleeps == []
    assert server.keys() == {second.key: 1}


def test_one_refused_recipient_of_two_is_sent_to_the_other_with_a_note(server):
    server.refuse = {"am@acme.example"}
    [result] = transport(server).send([reminder()])
    assert result.status == "sent"
    assert "joerg@client.example only" in result.error and "am@acme.example: 550 5.1.1" in result.error
    [received] = server.messages
    assert received.rcpt_tos == ("joerg@client.example",)


def test_every_recipient_refused_is_failed(server):
    server.refuse = {"joerg@client.example", "am@acme.example"}
    [result] = transport(server).send([reminder()])
    assert result.status == "failed"
    assert "refused every recipient" in result.error and "joerg@client.example: 550" in result.error
    assert server.messages == []


def test_a_bad_address_fails_that_reminder_only(server):
    bad, good = reminder("C-001", to=("not an address",)), reminder("C-002")
    results = transport(server).send([bad, good])
    assert [result.status for result in results] == ["failed", "sent"]


# -- exactly once -----------------------------------------------------------------------------------------------------


def test_a_message_stored_before_a_timeout_is_unknown_and_never_resent(server, tmp_path):
    server.hang_after_data = 3.0
    item, other = reminder("C-001"), reminder("C-002")
    smtp = transport(server, timeout=0.5)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for entry in (item, other):
            ledger.plan(entry, now=NOW, transport=smtp.name)
            assert ledger.begin_send(entry.key, now=NOW, transport=smtp.name)
        [result] = smtp.send([item])
        assert result.status == "unknown"
        assert result.message_id == message_id(item.key, "acme.example")
        assert "arcollect ledger resolve" in result.error
        assert server.keys() == {item.key: 1}  # it did arrive: resending would duplicate it
        ledger.record(result, now=NOW)
        # `other` was left in `sending` by a "crash"; smtp cannot look either up
        assert smtp.find_sent(item.key) is None
        later = NOW + dt.timedelta(minutes=5)
        report = reconcile(ledger, smtp, now=later)
        assert set(report.unknown) == {item.key, other.key}
        assert report.sent == () and report.resend == ()
        assert ledger.get(item.key).state == ledger.get(other.key).state == "unknown"
        assert not ledger.begin_send(item.key, now=later, transport=smtp.name)
    assert server.keys() == {item.key: 1}


def test_the_batch_reconnects_once_when_the_server_drops_the_connection_between_messages(server):
    first, second = reminder("C-001"), reminder("C-002")
    server.drop_next_mail = 1
    results = transport(server).send([first, second])
    assert [result.status for result in results] == ["sent", "sent"]
    assert server.keys() == {first.key: 1, second.key: 1}
    assert server.connections == 2


def test_a_server_that_keeps_dropping_stops_the_batch_with_the_results_so_far(server):
    first, second = reminder("C-001"), reminder("C-002")
    smtp = transport(server)
    [result] = smtp.send([first])
    assert result.status == "sent"
    server.drop_next_mail = 2
    with pytest.raises(SmtpBatchError, match="closed the connection again") as raised:
        smtp.send([second, reminder("C-003")])
    assert raised.value.results == []  # the second reminder was never handed over
    assert server.keys() == {first.key: 1}


def test_twenty_percent_transient_faults_still_deliver_each_reminder_exactly_once():
    items = [reminder(f"C-{number:03d}") for number in range(60)]
    sleeps = Sleeps()
    with SmtpServer(users={USER: PASSWORD}, fail_ratio=0.2, seed=7) as server:
        results = transport(server, sleep=sleeps).send(items)
        assert [result.status for result in results] == ["sent"] * len(items)
        assert server.keys() == {item.key: 1 for item in items}
        assert server.connections == 1
    assert len(sleeps) >= 5
