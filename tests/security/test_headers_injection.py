"""No header injection: names, subjects and addresses can never add a header line or a recipient.

Checked on the bytes each transport produces (outbox .eml, SMTP DATA as the server received it, Graph JSON, EWS
SOAP as the server parsed it), and end to end through `arcollect send` with SMTP and the outbox.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email
import email.policy
import json
import re

import pytest

from arcollect.cli import main
from arcollect.errors import InputError
from arcollect.mail.message import Reminder, idempotency_key, parse_address
from arcollect.mail.transports.ews import EwsTransport
from arcollect.mail.transports.graph import graph_message
from arcollect.mail.transports.outbox import OutboxTransport
from arcollect.mail.transports.smtp import SmtpTransport
from tests.integration.workbooks import customer, invoice, make_book
from tests.servers.ews import EwsServer
from tests.servers.smtp import SmtpServer
from tests.servers.tls import ca_bundle

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
EVIL = "evil@attacker.example"


def _b(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


HOSTILE_SUBJECTS = {
    "crlf": f"Reminder\r\nBcc: {EVIL}",
    "lf": f"Reminder\nBcc: {EVIL}",
    "cr": f"Reminder\rBcc: {EVIL}",
    "nel": f"Reminder\x85Bcc: {EVIL}",
    "line separator": f"Reminder\u2028Bcc: {EVIL}",
    "encoded word b": "Reminder " + _b(f"\r\nBcc: {EVIL}"),
    "encoded word q": f"Reminder =?utf-8?q?=0D=0ABcc:_{EVIL}?=",
    "nested encoded word": _b(_b(f"\r\nBcc: {EVIL}")),
    "header folding": f"Reminder\r\n Bcc: {EVIL}\r\n\r\n<html>",
}
HOSTILE_ADDRESSES = {
    "crlf after address": f"ap@client.example\r\nBcc: {EVIL}",
    "lf in name": f"Acme\nBcc: {EVIL} <ap@client.example>",
    "encoded line break in name": _b(f"\r\nBcc: {EVIL}") + " <ap@client.example>",
    "quoted encoded line break": '"' + _b(f"\r\nBcc: {EVIL}") + '" <ap@client.example>',
    "two addresses": f"ap@client.example, {EVIL}",
    "semicolon list": f"ap@client.example;{EVIL}",
    "two angle addresses": f"<ap@client.example> <{EVIL}>",
    "group syntax": f"undisclosed: ap@client.example, {EVIL};",
    "two at signs": "ap@client.example@attacker.example",
    "quoted local part": f'"{EVIL}"@client.example',
    "ip literal": "ap@[127.0.0.1]",
    "double dot": "a..p@client.example",
    "leading hyphen label": "ap@-client.example",
    "no dot in domain": "ap@localhost",
    "nul byte": "ap@client.example\x00",
    "space": "a p@client.example",
    "empty": "",
}


def reminder(**changes: object) -> Reminder:
    base = Reminder(
        key=idempotency_key("C-001", 1, ["INV-1"], NOW.date()),
        customer_id="C-001",
        level=1,
        template="friendly",
        language="en",
        sender="Acme Receivables <ar@acme.example>",
        to=("Jane Doe <ap@client.example>",),
        cc=(),
        reply_to="credit@acme.example",
        subject="Payment reminder – account C-001",
        html="<p>Hello</p>",
        text="Hello",
        invoices=("INV-1",),
        send_at=NOW,
    )
    return dataclasses.replace(base, **changes)


def assert_clean_headers(raw: bytes, *, recipients: set[str]) -> email.message.EmailMessage:
    """One header block, no Bcc line anywhere in it, one Subject, and exactly the expected recipients."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    lines = unfolded.split("\r\n")
    names = [line.split(":", 1)[0].lower() for line in lines]
    assert "bcc" not in names
    assert names.count("subject") == 1 and names.count("to") == 1
    assert not any(EVIL in line for line in lines if not line.lower().startswith("subject:")), "only as subject text"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    found = {address.addr_spec for header in ("To", "Cc") for address in getattr(message[header], "addresses", ())}
    assert found == recipients
    return message


@pytest.mark.parametrize("subject", HOSTILE_SUBJECTS.values(), ids=HOSTILE_SUBJECTS.keys())
def test_hostile_subject_stays_one_header_line_in_the_outbox_eml(tmp_path, subject):
    [result] = OutboxTransport(tmp_path).send([reminder(subject=subject)])
    assert result.status == "sent"
    [file] = tmp_path.glob("*.eml")
    message = assert_clean_headers(file.read_bytes(), recipients={"ap@client.example"})
    assert str(message["Subject"]).startswith(("Reminder", "Bcc"))


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES.values(), ids=HOSTILE_ADDRESSES.keys())
def test_message_refuses_an_address_that_is_not_exactly_one_valid_mailbox(address):
    with pytest.raises(InputError):
        parse_address(address)
    for field in ("to", "cc", "reply_to", "sender"):
        value = (address,) if field in ("to", "cc") else address
        if field == "sender" or address:
            with pytest.raises(InputError):
                reminder(**{field: value}).to_email()


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES.values(), ids=HOSTILE_ADDRESSES.keys())
def test_outbox_and_graph_never_send_to_a_hostile_address(tmp_path, address):
    item = reminder(to=(address,), cc=("am@acme.example",))
    [result] = OutboxTransport(tmp_path).send([item])
    assert result.status == "failed" and not list(tmp_path.glob("*.eml"))
    with pytest.raises(InputError):
        graph_message(item)


def test_valid_addresses_still_pass_with_names_and_international_domains():
    assert parse_address("Jörg Müller <joerg@client.example>").addr_spec == "joerg@client.example"
    assert parse_address("x@münchen.example").domain == "xn--mnchen-3ya.example"
    assert parse_address("o'brien+ar@client-1.example").username == "o'brien+ar"
    assert parse_address(f"{_b('Société Générale')} <sg@client.example>").display_name == "Société Générale"


def test_graph_json_has_one_line_subject_and_exactly_the_recipients():
    for subject in HOSTILE_SUBJECTS.values():
        body = graph_message(reminder(subject=subject))
        text = json.dumps(body)
        message = body["message"]
        assert not re.search(r"[\r\n\x85\u2028]", message["subject"]) and "=?" not in message["subject"]
        assert [r["emailAddress"]["address"] for r in message["toRecipients"]] == ["ap@client.example"]
        assert message["ccRecipients"] == [] and "bccRecipients" not in message
        assert [h["name"] for h in message["internetMessageHeaders"]] == ["X-Arcollect-Key"]
        assert EVIL not in text.replace(json.dumps(message["subject"]), "")


def test_smtp_server_receives_no_injected_header_and_no_extra_recipient():
    items = [
        reminder(key=idempotency_key("C-001", 1, [name], NOW.date()), subject=subject)
        for name, subject in HOSTILE_SUBJECTS.items()
    ]
    refused = reminder(
        key=idempotency_key("C-002", 1, ["X"], NOW.date()), to=(HOSTILE_ADDRESSES["crlf after address"],)
    )
    with SmtpServer(users={"ar": "pw"}) as server:
        smtp = SmtpTransport(server.host, server.port, username="ar", password="pw", verify=ca_bundle(), timeout=5)
        results = smtp.send([*items, refused])
        received = list(server.messages)
    assert [result.status for result in results] == ["sent"] * len(items) + ["failed"]
    assert len(received) == len(items)
    for message in received:
        assert message.rcpt_tos == ("ap@client.example",)
        assert_clean_headers(
            message.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), recipients={"ap@client.example"}
        )


def test_ews_server_receives_one_line_subjects_and_refuses_hostile_addresses():
    items = [
        reminder(key=idempotency_key("C-001", 1, [name], NOW.date()), subject=subject)
        for name, subject in HOSTILE_SUBJECTS.items()
    ]
    refused = reminder(key=idempotency_key("C-002", 1, ["X"], NOW.date()), to=(HOSTILE_ADDRESSES["lf in name"],))
    with EwsServer(tls=True, users={"svc": "pw"}) as server:
        ews = EwsTransport(server.url, mailbox=server.mailbox, auth="basic", username="svc", password="pw",
                           verify=ca_bundle(), timeout=5)  # fmt: skip
        results = ews.send([*items, refused])
        received = list(server.received)
    assert [result.status for result in results] == ["sent"] * len(items) + ["failed"]
    assert len(received) == len(items)
    for item in received:
        assert not re.search(r"[\r\n\x85\u2028]", item.subject) and "=?" not in item.subject
        assert (item.to, item.cc, item.bcc, item.reply_to) == (["ap@client.example"], [], [], ["credit@acme.example"])
        names = sorted(prop["PropertyName"] for prop in item.extended)
        assert names == ["ReminderIdempotencyKey", "ReminderRecord", "X-Arcollect-Key"]


def test_send_end_to_end_over_smtp_and_outbox_adds_no_header_or_recipient(tmp_path, monkeypatch):
    """A workbook whose customer name carries encoded and literal line breaks with a Bcc, shown in a user
    template's subject, and whose email cell tries a second recipient: nothing reaches the attacker."""
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", "pw")
    templates = tmp_path / "tpl" / "en"
    templates.mkdir(parents=True)
    (templates / "friendly.html.j2").write_text(
        "{% block subject %}Reminder for {{ customer.name }}{% endblock %}<p>{{ customer.name }}</p>", encoding="utf-8"
    )
    (templates / "friendly.txt.j2").write_text("{{ customer.name }}\n", encoding="utf-8")
    hostile_name = "Evil " + _b(f"\r\nBcc: {EVIL}") + f" Ltd\r\nBcc: {EVIL}"
    customers = [
        customer("C1", name=hostile_name),
        customer("C2", email=f"ap-c2@client.example\r\nBcc: {EVIL}"),
        # Email may list several addresses (as Cc does), so a list is the user's own; a display name hiding another
        # address is not an address at all
        customer("C3", email=f'"ap-c3@client.example" <{EVIL}>'),
    ]
    invoices = [invoice(f"I-{n}", f"C{n}", due="2026-11-19") for n in (1, 2, 3)]
    (tmp_path / "smtp").mkdir()
    (tmp_path / "outbox").mkdir()
    with SmtpServer(users={"ar": "pw"}) as server:
        smtp_book = make_book(tmp_path / "smtp", customers=customers, invoices=invoices, settings={
            "Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar",
            "TemplateDir": str(tmp_path / "tpl"), "SendRatePerMinute": "1000",
        })  # fmt: skip
        main(["send", str(smtp_book), "--now", "2026-11-24T10:00:00+00:00"])
        received = list(server.messages)
    outbox_book = make_book(
        tmp_path / "outbox", customers=customers, invoices=invoices, settings={"TemplateDir": str(tmp_path / "tpl")}
    )
    main(["send", str(outbox_book), "--now", "2026-11-24T10:00:00+00:00"])
    written = [path.read_bytes() for path in (tmp_path / "outbox" / "outbox").glob("*.eml")]

    assert received, "the customer with the hostile name still gets the reminder"
    for message in received:
        assert EVIL not in message.rcpt_tos
        assert_clean_headers(
            message.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), recipients=set(message.rcpt_tos)
        )
    assert written
    for raw in written:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert_clean_headers(raw, recipients={address.addr_spec for address in message["To"].addresses})
