"""The graph transport against a local Graph + sign-in endpoint over HTTPS: real msal, real requests, real TLS."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import socket
import time

import pytest

from arcollect.errors import TransportError
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import KEY_HEADER, Attachment, Reminder, message_id
from arcollect.mail.transports import Transport
from arcollect.mail.transports.graph import KEY_PROPERTY, RECORD_PROPERTY, SECRET_VARIABLE, GraphTransport
from tests import factories
from tests.servers.graph import GraphServer
from tests.servers.tls import ca_bundle

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
CSV = b"invoice;due;open\nINV-1;2026-10-24;1200.00\n"


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
        "attachments": (Attachment("relevé.csv", CSV, "text/csv"),),
    }
    return factories.reminder(customer, level, ["INV-1"], cycle=NOW.date(), **{**french, **changes})


def reminders(count: int) -> list[Reminder]:
    return [reminder(f"C-{number:03d}") for number in range(count)]


@pytest.fixture
def graph():
    with GraphServer() as server:
        yield server


class Sleeps(list):
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def transport_for(graph: GraphServer, **options: object) -> GraphTransport:
    settings = {
        "tenant_id": graph.tenant,
        "client_id": graph.client_id,
        "client_secret": graph.client_secret,
        "authority": graph.authority,
        "endpoint": graph.endpoint,
        "verify": ca_bundle(),
        "timeout": 5.0,
    } | options
    return GraphTransport(graph.mailbox, **settings)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- delivery ----------------------------------------------------------------------------------------------------------


def test_graph_transport_implements_the_transport_protocol(graph):
    transport = transport_for(graph)
    assert isinstance(transport, Transport)
    assert transport.name == "graph"


def test_reminder_arrives_with_every_field_intact(graph):
    item = reminder()
    [result] = transport_for(graph).send([item])
    assert (result.key, result.status, result.message_id, result.error) == (
        item.key,
        "sent",
        message_id(item.key, "acme.example"),
        None,
    )
    [received] = graph.received
    message = received.message
    assert received.save_to_sent_items is True
    assert received.key == item.key
    assert message["subject"] == "Rappel : facture INV-1 échue"
    # Graph takes one body: the HTML goes, the text part does not (Exchange derives a text alternative itself).
    assert message["body"] == {"contentType": "HTML", "content": item.html}
    assert message["toRecipients"] == [{"emailAddress": {"address": "emilie@client.example", "name": "Émilie Dubois"}}]
    assert message["ccRecipients"] == [{"emailAddress": {"address": "am@acme.example"}}]
    assert message["replyTo"] == [{"emailAddress": {"address": "compta@acme.example"}}]
    [attachment] = message["attachments"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert (attachment["name"], attachment["contentType"]) == ("relevé.csv", "text/csv")
    assert base64.b64decode(attachment["contentBytes"]) == CSV
    assert message["internetMessageHeaders"] == [{"name": KEY_HEADER, "value": item.key}]
    assert message["singleValueExtendedProperties"] == [
        {"id": KEY_PROPERTY, "value": item.key},
        {"id": RECORD_PROPERTY, "value": item.record()},  # what ledger rebuild reads back from Sent Items
    ]
    assert graph.token_scopes == [f"{graph.base}/.default"]


def test_reminder_without_html_is_sent_as_text(graph):
    item = reminder(html="")
    transport_for(graph).send([item])
    assert graph.received[0].message["body"] == {"contentType": "Text", "content": item.text}


def test_ten_sends_make_one_token_request(graph):
    transport = transport_for(graph)
    results = [transport.send([item])[0] for item in reminders(10)]
    assert [result.status for result in results] == ["sent"] * 10
    assert graph.token_requests == 1
    assert len(graph.received) == 10


def test_bad_address_fails_that_reminder_only(graph):
    items = [reminder("C-001", to=("emilie at client",)), reminder("C-002")]
    results = transport_for(graph).send(items)
    assert [result.status for result in results] == ["failed", "sent"]
    assert "emilie at client" in results[0].error
    assert graph.keys() == [items[1].key]


def test_recipient_refused_by_graph_fails_with_graphs_message(graph):
    graph.fail_next = [("400",)]
    items = reminders(2)
    results = transport_for(graph).send(items)
    assert [result.status for result in results] == ["failed", "sent"]
    assert "ErrorInvalidRecipients" in results[0].error and "HTTP 400" in results[0].error


def test_message_over_four_megabytes_fails_before_sending(graph):
    item = reminder(attachments=(Attachment("big.csv", b"x" * (3_200_000), "text/csv"),))
    [result] = transport_for(graph).send([item])
    assert result.status == "failed" and "4 MB" in result.error
    assert graph.received == []


# -- throttling and retries --------------------------------------------------------------------------------------------


def test_429_with_retry_after_waits_that_long_then_delivers_once(graph):
    graph.fail_next = [("429", 1)]
    item = reminder()
    started = time.monotonic()
    [result] = transport_for(graph).send([item])
    assert time.monotonic() - started >= 1.0
    assert result.status == "sent"
    assert graph.keys() == [item.key]


def test_503_with_retry_after_is_waited_out(graph):
    graph.fail_next = [("503", 2), ("503", 3)]
    sleeps = Sleeps()
    [result] = transport_for(graph, sleep=sleeps).send([reminder()])
    assert result.status == "sent"
    assert sleeps == [2.0, 3.0]
    assert len(graph.received) == 1


def test_throttling_without_retry_after_backs_off_exponentially(graph):
    graph.fail_next = [("429", None), ("429", None), ("503", None)]
    sleeps = Sleeps()
    [result] = transport_for(graph, sleep=sleeps).send([reminder()])
    assert result.status == "sent"
    assert sleeps == [1.0, 2.0, 4.0]


def test_persistent_throttling_fails_the_reminder_not_unknown(graph):
    graph.fail_next = [("429", 1)] * 10
    sleeps = Sleeps()
    items = reminders(2)
    results = transport_for(graph, sleep=sleeps, max_retries=3).send(items)
    assert results[0].status == "failed"
    assert "nothing was sent" in results[0].error and "429" in results[0].error
    assert sleeps[:3] == [1.0, 1.0, 1.0]
    assert results[1].status == "failed"  # the remaining faults throttle the second one too
    assert graph.received == []


def test_retry_after_beyond_max_wait_fails_without_waiting(graph):
    graph.fail_next = [("429", 600)]
    sleeps = Sleeps()
    [result] = transport_for(graph, sleep=sleeps, max_wait=120).send([reminder()])
    assert result.status == "failed"
    assert sleeps == []


def test_fail_ratio_throttling_still_delivers_each_reminder_once(graph):
    graph.fail_ratio = 0.3
    sleeps = Sleeps()
    items = reminders(30)
    results = transport_for(graph, sleep=sleeps, max_retries=8).send(items)
    assert {result.status for result in results} == {"sent"}
    assert sorted(graph.keys()) == sorted(item.key for item in items)
    assert sleeps  # some requests were throttled


def test_expired_token_is_renewed_once_and_the_message_delivered(graph):
    graph.fail_next = [("401",)]
    [result] = transport_for(graph).send([reminder()])
    assert result.status == "sent"
    assert graph.token_requests == 2
    assert len(graph.received) == 1


def test_token_refused_twice_stops_the_run(graph):
    graph.fail_next = [("401",), ("401",)]
    with pytest.raises(TransportError, match="freshly issued access token"):
        transport_for(graph).send([reminder()])
    assert graph.received == []


# -- in doubt and reconciliation ---------------------------------------------------------------------------------------


def test_timeout_after_the_server_stored_the_message_is_unknown_and_reconciled_without_resending(graph, tmp_path):
    graph.fail_next = [("slow", 2.0)]
    transport = transport_for(graph, timeout=0.5)
    item = reminder()
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.plan(item, now=NOW, transport=transport.name)
        assert ledger.begin_send(item.key, now=NOW, transport=transport.name)
        [result] = transport.send([item])
        assert result.status == "unknown"
        assert "0.5 s" in result.error
        ledger.record(result, now=NOW)
        assert ledger.get(item.key).state == "unknown"

        assert transport.find_sent(item.key) is True
        report = reconcile(ledger, transport, now=NOW + dt.timedelta(minutes=10))
        assert report.sent == (item.key,)
        assert ledger.get(item.key).state == "sent"
        assert not ledger.begin_send(item.key, now=NOW, transport=transport.name)
    assert graph.keys() == [item.key]


@pytest.mark.parametrize("status", ["500", "504"])
def test_gateway_errors_on_send_are_unknown_not_retried(graph, status):
    graph.fail_next = [(status,)]
    sleeps = Sleeps()
    [result] = transport_for(graph, sleep=sleeps).send([reminder()])
    assert result.status == "unknown"
    assert f"HTTP {status}" in result.error
    assert sleeps == []


def test_find_sent_is_false_for_a_key_never_sent(graph):
    transport = transport_for(graph)
    transport.send([reminder("C-001")])
    assert transport.find_sent(reminder("C-002").key) is False


def test_find_sent_without_mail_read_raises_naming_mail_read(graph, tmp_path):
    graph.read_denied = True
    transport = transport_for(graph)
    with pytest.raises(TransportError, match=r"Mail\.Read"):
        transport.find_sent(reminder().key)


# -- set-up problems: one plain sentence, never the secret -------------------------------------------------------------


def test_wrong_client_secret_is_a_plain_sentence_without_the_secret(graph, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "wr0ng-s3cret-value-that-must-not-leak"
    transport = transport_for(graph, client_secret=secret)
    with pytest.raises(TransportError) as raised:
        transport.send([reminder()])
    sentence = transport.check()
    for text in (str(raised.value), sentence):
        assert SECRET_VARIABLE in text and "client secret was refused" in text
        assert secret not in text
    assert secret not in caplog.text
    assert secret not in repr(transport)
    assert graph.received == []


def test_unknown_tenant_names_graph_tenant_id(graph):
    sentence = transport_for(graph, tenant_id="no-such-tenant").check()
    assert "GraphTenantId" in sentence and "no-such-tenant" in sentence


def test_unknown_client_id_names_graph_client_id(graph):
    sentence = transport_for(graph, client_id="no-such-app").check()
    assert "GraphClientId" in sentence


def test_unreachable_endpoint_is_a_plain_sentence(graph):
    endpoint = f"https://127.0.0.1:{closed_port()}/v1.0"
    transport = transport_for(graph, endpoint=endpoint)
    assert transport.check().startswith(f"Cannot reach 127.0.0.1:{endpoint.split(':')[2].split('/')[0]} (GraphEndpoint")
    with pytest.raises(TransportError, match="Cannot reach"):
        transport.send([reminder()])


def test_unreachable_authority_is_a_plain_sentence(graph):
    sentence = transport_for(graph, authority=f"https://127.0.0.1:{closed_port()}").check()
    assert sentence.startswith("Cannot reach") and "GraphAuthority" in sentence


def test_missing_mail_send_stops_the_run_naming_mail_send(graph):
    graph.fail_next = [("403",)]
    with pytest.raises(TransportError, match=r"Mail\.Send"):
        transport_for(graph).send(reminders(2))
    assert graph.received == []


def test_unknown_mailbox_names_sender_mailbox(graph):
    transport = GraphTransport(
        "nobody@acme.example",
        tenant_id=graph.tenant,
        client_id=graph.client_id,
        client_secret=graph.client_secret,
        authority=graph.authority,
        endpoint=graph.endpoint,
        verify=ca_bundle(),
    )
    assert "SenderMailbox" in transport.check()


def test_check_says_ok_when_sign_in_and_lookup_work(graph):
    assert transport_for(graph).check().startswith("OK: signed in to Microsoft Graph")


def test_certificates_are_verified_by_default(graph):
    transport = transport_for(graph, verify=True)  # the test CA is not among the system's trusted CAs
    sentence = transport.check()
    assert "certificate" in sentence and "not trusted" in sentence
    with pytest.raises(TransportError, match="not trusted"):
        transport.send([reminder()])
    assert graph.received == []


def test_sent_items_lists_every_reminder_across_pages_with_its_record(graph):
    """What `arcollect ledger rebuild` reads back: every Sent Items copy carrying the key, page after page
    (@odata.nextLink), with recipients, subject and the record (customer, level, invoices) sent with it."""
    transport = transport_for(graph)
    sent = reminders(7)
    transport.send(sent)
    graph._store({"message": {"subject": "a mail of a person, no key", "toRecipients": []}, "saveToSentItems": True})
    transport.sent_items_page = 3
    graph.requests.clear()
    copies = list(transport.sent_items())
    assert [copy.key for copy in copies] == [item.key for item in sent]
    assert sum(method == "GET" for method, _ in graph.requests) == 3, "three pages of three"
    first = copies[0]
    assert first.record == {"customer_id": "C-000", "level": sent[0].level, "template": sent[0].template,
                            "invoices": list(sent[0].invoices)}  # fmt: skip
    assert first.subject == sent[0].subject and first.to and first.sent_at is not None


def test_sent_items_without_mail_read_is_one_sentence(graph):
    graph.read_denied = True
    with pytest.raises(TransportError, match=r"Mail\.Read is needed to read"):
        list(transport_for(graph).sent_items())
