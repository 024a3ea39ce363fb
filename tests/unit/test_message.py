"""Reminder messages: idempotency key, MIME structure, deterministic Message-ID, header-injection safety."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from arcollect.errors import InputError
from arcollect.mail.message import KEY_HEADER, Attachment, Reminder, idempotency_key, message_id
from tests import factories

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def reminder(**changes: object) -> Reminder:
    german = {
        "template": "firm",
        "language": "de",
        "sender": "Acme Forderungen <ar@acme.example>",
        "to": ("Jörg Müller <joerg@kunde.example>",),
        "cc": ("am@acme.example",),
        "reply_to": "help@acme.example",
        "subject": "Zahlungserinnerung: 2 offene Rechnungen",
        "html": "<p>Sehr geehrter Herr Müller,</p>",
        "text": "Sehr geehrter Herr Müller,",
        "attachments": (Attachment("Kontoauszug.pdf", b"%PDF-1.7 statement", "application/pdf"),),
    }
    return factories.reminder("C-001", 2, ["INV-1", "INV-2"], cycle="2026-11-24", **{**german, **changes})


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def test_idempotency_key_ignores_invoice_order_and_is_sha256_hex():
    first = idempotency_key("C-001", 2, ["INV-2", "INV-1"], dt.date(2026, 11, 24))
    assert first == idempotency_key("C-001", 2, ("INV-1", "INV-2"), "2026-11-24")
    assert len(first) == 64
    assert int(first, 16) >= 0


def test_idempotency_key_changes_with_each_component():
    base = idempotency_key("C-001", 2, ["INV-1"], "2026-11-24")
    assert base != idempotency_key("C-002", 2, ["INV-1"], "2026-11-24")
    assert base != idempotency_key("C-001", 3, ["INV-1"], "2026-11-24")
    assert base != idempotency_key("C-001", 2, ["INV-1", "INV-3"], "2026-11-24")
    assert base != idempotency_key("C-001", 2, ["INV-1"], "2026-11-25")


def test_idempotency_key_encoding_is_unambiguous():
    assert idempotency_key("A", 1, ["B,C"], "2026-11-24") != idempotency_key("A", 1, ["B", "C"], "2026-11-24")
    assert idempotency_key("A,1", 1, [], "2026-11-24") != idempotency_key("A", 1, ["1"], "2026-11-24")


def test_idempotency_key_rejects_a_cycle_date_that_is_not_a_date():
    with pytest.raises(InputError, match="Cycle date"):
        idempotency_key("C-001", 1, ["INV-1"], "next tuesday")


def test_message_id_is_the_key_in_the_senders_domain():
    key = reminder().key
    assert reminder().message_id == f"<{key[:32]}@acme.example>" == message_id(key, "acme.example")
    assert reminder().to_email(date=NOW)["Message-ID"] == f"<{key[:32]}@acme.example>"  # not @arcollect.invalid
    assert reminder().to_email()["Message-ID"] == reminder().to_email(date=NOW)["Message-ID"]  # same on a resend
    other = reminder(sender="Forderungen <AR@Tochter.Example>").to_email(date=NOW)["Message-ID"]
    assert other == f"<{key[:32]}@tochter.example>"
    assert reminder(sender="ar@bücher.example").message_id == f"<{key[:32]}@xn--bcher-kva.example>"
    assert reminder(sender="not an address").message_id == f"<{key[:32]}@arcollect.invalid>"  # identity still usable
    assert message_id(key) == f"<{key[:32]}@arcollect.invalid>"
    with pytest.raises(InputError, match="not a domain name"):
        message_id(key, "evil.example>\r\nBcc: x@y.example")


def test_email_has_headers_text_then_html_and_the_attachment():
    message = parse(reminder().to_email(date=NOW).as_bytes())
    assert message["From"].addresses[0].addr_spec == "ar@acme.example"
    assert message["To"].addresses[0].display_name == "Jörg Müller"
    assert str(message["Cc"]) == "am@acme.example"
    assert str(message["Reply-To"]) == "help@acme.example"
    assert message["Subject"] == "Zahlungserinnerung: 2 offene Rechnungen"
    assert message["Content-Language"] == "de"
    assert message[KEY_HEADER] == reminder().key
    assert message["Date"].datetime == NOW
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternative.get_payload()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content().strip() == "Sehr geehrter Herr Müller,"
    assert "Müller" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Kontoauszug.pdf"
    assert attachment.get_content() == b"%PDF-1.7 statement"


def test_key_header_is_one_unfolded_line_and_the_message_is_seven_bit():
    item = reminder()
    data = item.to_email(date=NOW).as_bytes()
    assert f"\r\n{KEY_HEADER}: {item.key}\r\n".encode() in data
    assert data.isascii()


def test_email_without_attachments_is_multipart_alternative():
    message = reminder(attachments=()).to_email(date=NOW)
    assert message.get_content_type() == "multipart/alternative"


def test_date_defaults_to_the_send_time():
    send_at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert parse(reminder(send_at=send_at).to_email().as_bytes())["Date"].datetime == send_at


def test_non_ascii_names_and_subject_are_encoded_words_on_the_wire():
    data = reminder(subject="Mahnung für Jörg — 期限").to_email(date=NOW).as_bytes()
    assert data.isascii()
    assert b"=?utf-8?" in data
    message = parse(data)
    assert message["Subject"] == "Mahnung für Jörg — 期限"
    assert message["To"].addresses[0].display_name == "Jörg Müller"


@pytest.mark.parametrize(
    "subject",
    [
        "Relance — 请付款 — Zahlungserinnerung für Jörg",
        "Zweite Zahlungserinnerung zu Ihren offenen Rechnungen für November — bitte überweisen Sie bis Freitag",
        "お支払いのお願い: 請求書 INV-1, INV-2 と INV-3 の期日が過ぎています",
    ],
)
def test_long_non_ascii_subject_keeps_every_space_when_folded(subject):
    data = reminder(subject=subject).to_email(date=NOW).as_bytes()
    assert parse(data)["Subject"] == subject
    lines = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(number for number, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next(number for number in range(start + 1, len(lines)) if not lines[number].startswith(b" "))
    assert max(len(line) for line in lines[start:end]) <= 78


def test_subject_with_a_line_break_cannot_add_a_header():
    data = reminder(subject="Hello\r\nBcc: evil@example.com").to_email(date=NOW).as_bytes()
    message = parse(data)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: evil@example.com"
    header_block = data.split(b"\r\n\r\n", 1)[0]
    assert [line for line in header_block.split(b"\r\n") if line.lower().startswith(b"bcc:")] == []
    assert sum(line.lower().startswith(b"subject:") for line in header_block.split(b"\r\n")) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"to": ("victim@example.com\r\nBcc: evil@example.com",)},
        {"to": ("Name\n <a@example.com>",)},
        {"cc": ("a@example.com, b@example.com",)},
        {"reply_to": "not an address"},
        {"sender": "ar@"},
        {"to": ("jörg@example.com",)},
        {"to": ()},
    ],
)
def test_unusable_addresses_raise_input_error(changes):
    with pytest.raises(InputError):
        reminder(**changes).to_email(date=NOW)


def test_display_name_line_break_in_sender_is_rejected():
    with pytest.raises(InputError, match="line break"):
        reminder(sender="Acme\r\nBcc: evil@example.com <ar@acme.example>").to_email(date=NOW)


def test_internationalised_domain_is_idna_encoded():
    message = reminder(to=("kunde@bücher.example",)).to_email(date=NOW)
    assert message["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_send_time_without_time_zone_is_rejected():
    with pytest.raises(InputError, match="time zone"):
        reminder(send_at=dt.datetime(2026, 11, 25, 9, 0))


def test_lists_become_tuples_so_a_reminder_is_hashable():
    item = reminder(to=["a@example.com"], invoices=["INV-1"])
    assert item.to == ("a@example.com",)
    assert hash(item) == hash(reminder(to=("a@example.com",), invoices=("INV-1",)))
