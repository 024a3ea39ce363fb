"""The ews transport with exchangelib, unmodified, against the local EWS endpoint over HTTPS (test CA)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from exchangelib import FailFast

from arcollect.book.settings import Settings
from arcollect.errors import TransportError
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import Attachment, Reminder, message_id
from arcollect.mail.transports import Transport, from_settings
from arcollect.mail.transports.ews import KEY_PROPERTY_NAME, KEY_PROPERTY_SET, EwsTransport, SendStopped
from tests import factories
from tests.servers.ews import EwsServer
from tests.servers.graph import GraphServer
from tests.servers.tls import ca_bundle

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
USERS = {"svc-ar": "correct horse"}


def reminder(number: int = 1, **changes: object) -> Reminder:
    german = {
        "template": "firm",
        "language": "de",
        "sender": "Acme Forderungen <ar@acme.example>",
        "to": (f"Jürgen Weiß <juergen{number}@client.example>",),
        "cc": ("am@acme.example",),
        "reply_to": "Buchhaltung <buchhaltung@acme.example>",
        "subject": f"Zahlungserinnerung: Rechnung INV-{number} überfällig",
        "html": f"<p>Sehr geehrter Herr Weiß,</p><p>Rechnung INV-{number}: <b>1.200,00 €</b> &amp; Zinsen</p>",
        "text": f"Sehr geehrter Herr Weiß,\nRechnung INV-{number}: 1.200,00 €",
        "attachments": (Attachment("kontoauszug.csv", b"Rechnung;Betrag\nINV-1;1200,00\n", "text/csv"),),
    }
    return factories.reminder(f"C-{number:04d}", 2, [f"INV-{number}"], cycle=NOW.date(), **{**german, **changes})


@pytest.fixture
def ews():
    with EwsServer(tls=True, users=USERS) as server:
        yield server


def transport(server: EwsServer, **options: object) -> EwsTransport:
    settings: dict[str, object] = {
        "mailbox": server.mailbox, "auth": "basic", "username": "svc-ar", "password": "correct horse",
        "verify": ca_bundle(), "max_wait": 10.0, "timeout": 5.0,
    }  # fmt: skip
    settings.update(options)
    return EwsTransport(server.url, **settings)  # type: ignore[arg-type]


def test_ews_implements_the_transport_protocol(ews):
    assert isinstance(transport(ews), Transport)
    assert transport(ews).name == "ews"


def test_reminder_arrives_with_every_field_and_the_key_after_exactly_getfolder_getfolder_createitem(ews):
    item = reminder()
    [result] = transport(ews).send([item])

    assert (result.key, result.status, result.message_id, result.error) == (
        item.key,
        "sent",
        message_id(item.key, "acme.example"),
        None,
    )
    assert ews.requests == ["GetFolder", "GetFolder", "CreateItem"]
    [received] = ews.received
    assert received.disposition == "SendAndSaveCopy"
    assert received.subject == item.subject
    assert (received.body, received.body_type) == (item.html, "HTML")
    assert received.to == ["juergen1@client.example"]
    assert received.cc == ["am@acme.example"]
    assert received.bcc == []
    assert received.reply_to == ["buchhaltung@acme.example"]
    assert received.attachments == [("kontoauszug.csv", "text/csv", b"Rechnung;Betrag\nINV-1;1200,00\n")]
    key_property = {"PropertySetId": KEY_PROPERTY_SET, "PropertyName": KEY_PROPERTY_NAME, "PropertyType": "String"}
    assert {**key_property, "Value": item.key} in received.extended
    assert received.key == item.key
    assert received.header("X-Arcollect-Key") == item.key


def test_25_reminders_with_chunk_size_10_take_three_createitem_requests(ews):
    items = [reminder(number) for number in range(25)]
    results = transport(ews, chunk_size=10).send(items)

    assert [result.status for result in results] == ["sent"] * 25
    assert [result.key for result in results] == [item.key for item in items]
    assert ews.requests.count("CreateItem") == 3
    assert [received.key for received in ews.received] == [item.key for item in items]


def test_find_sent_answers_true_after_send_and_false_for_an_unknown_key_with_one_finditem(ews):
    ews_transport = transport(ews)
    item = reminder()
    ews_transport.send([item])
    ews.requests.clear()

    assert ews_transport.find_sent(item.key) is True
    assert ews_transport.find_sent(reminder(2).key) is False
    assert ews.requests == ["FindItem", "FindItem"]


def test_find_sent_raises_transport_error_when_exchange_cannot_be_asked(ews):
    ews_transport = transport(ews)
    ews_transport.send([reminder()])
    ews.fail_next = [("EwsDisabled",)]
    with pytest.raises(TransportError, match="403"):
        ews_transport.find_sent(reminder().key)


def test_server_busy_back_off_is_honoured_and_the_reminder_is_delivered_once(ews):
    ews_transport = transport(ews)
    ews_transport.send([reminder(1)])  # folders cached, so the fault hits CreateItem
    ews.fail_next = [("ErrorServerBusy", 300)]
    started = time.monotonic()
    [result] = ews_transport.send([reminder(2)])

    assert result.status == "sent"
    assert time.monotonic() - started >= 0.3
    assert [received.key for received in ews.received] == [reminder(1).key, reminder(2).key]
    assert ews.requests[-2:] == ["CreateItem", "CreateItem"]


def test_http_503_with_retry_after_is_retried_and_the_reminder_is_delivered_once(ews):
    ews.fail_next = [("HTTP503", 1)]
    started = time.monotonic()
    [result] = transport(ews).send([reminder()])

    assert result.status == "sent"
    assert time.monotonic() - started >= 1.0
    assert [received.key for received in ews.received] == [reminder().key]


def test_a_refused_recipient_fails_only_that_reminder(ews):
    ews.recipient_not_found = {"juergen2@client.example"}
    results = transport(ews).send([reminder(1), reminder(2), reminder(3)])

    assert [result.status for result in results] == ["sent", "failed", "sent"]
    assert "ErrorMailRecipientNotFound" in (results[1].error or "")
    assert [received.key for received in ews.received] == [reminder(1).key, reminder(3).key]


def test_quota_exhausted_stops_with_what_was_sent_reported_and_no_further_requests(ews):
    ews.quota_after = 12
    items = [reminder(number) for number in range(30)]
    ews_transport = transport(ews, chunk_size=5)
    with pytest.raises(SendStopped, match="quota") as stopped:
        ews_transport.send(items)

    error = stopped.value
    assert isinstance(error, TransportError) and error.quota
    statuses = [result.status for result in error.results]
    assert statuses == ["sent"] * 10 + ["unknown"] * 5 + ["failed"] * 15  # chunk 3 went in part: in doubt
    assert error.not_attempted == tuple(item.key for item in items[15:])
    assert all((result.error or "").startswith("not attempted") for result in error.results[15:])
    assert len(ews.received) == 12
    assert ews.requests.count("CreateItem") == 3

    ews.requests.clear()
    with pytest.raises(SendStopped) as again:
        ews_transport.send([reminder(99)])
    assert again.value.not_attempted == (reminder(99).key,)
    assert ews.requests == []


def test_a_response_after_the_timeout_is_unknown_and_reconcile_finds_it_without_resending(ews, tmp_path):
    item, later_item = reminder(1), reminder(2)
    ews_transport = transport(ews, timeout=0.5)
    ews_transport.check()
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for each in (item, later_item):
            ledger.plan(each, now=NOW, transport="ews")
            assert ledger.begin_send(each.key, now=NOW, transport="ews")
        _ = ews_transport.account.sent  # folders cached: the slow answer hits CreateItem
        ews.fail_next = [("slow", 1.5)]
        with pytest.raises(SendStopped, match="did not answer") as stopped:
            ews_transport.send([item])
        [result] = stopped.value.results
        assert result.status == "unknown"
        ledger.record(result, now=NOW)
        assert ledger.get(item.key).state == "unknown"

        time.sleep(1.2)  # the server stored it while the client had given up
        report = reconcile(ledger, ews_transport, now=NOW + dt.timedelta(minutes=10), settle=dt.timedelta(minutes=5))
        assert item.key in report.sent
        assert later_item.key in report.resend  # never handed over: sent once more, by the normal gate
        assert ledger.get(item.key).state == "sent"
    assert [received.key for received in ews.received] == [item.key]


def test_check_reads_sent_items_and_proves_send_as_with_a_draft_that_goes_nowhere_and_is_deleted(ews):
    sentence = transport(ews).check()
    assert sentence == (
        f"OK: EWS at 127.0.0.1 answers, the account svc-ar may send as {ews.mailbox} and its Sent Items folder can "
        "be read."
    )
    # root and Sent Items; the Drafts folder, a draft saved there, submitted (refused: no recipient), deleted
    assert ews.requests == ["GetFolder", "GetFolder", "GetFolder", "CreateItem", "SendItem", "DeleteItem"]
    assert ews.drafts == {} and ews.received == [] and ews.sent_items == {}


def test_check_names_a_mailbox_the_account_may_not_send_as_and_the_setting_to_fix(ews):
    ews.send_denied = {"shared@acme.example"}
    sentence = transport(ews, mailbox="shared@acme.example").check()
    assert sentence == (
        "The account svc-ar may not send as shared@acme.example (ErrorSendAsDenied) — grant svc-ar Send As on it in "
        "Exchange, or set SenderMailbox to a mailbox it may send as."
    )
    assert ews.requests[-2:] == ["SendItem", "DeleteItem"]  # the refused draft is removed again
    assert ews.drafts == {} and ews.received == []
    assert transport(ews).check().startswith("OK: ")  # the account's own mailbox: it may


def test_check_names_a_mailbox_the_account_may_not_open(ews):
    ews.access_denied = {"ceo@acme.example"}
    sentence = transport(ews, mailbox="ceo@acme.example").check()
    assert sentence.startswith("The account is missing permission on mailbox ceo@acme.example (ErrorAccessDenied)")
    assert sentence.endswith("or set SenderMailbox to a mailbox it may use.")
    assert ews.requests == ["GetFolder"] and ews.drafts == {}


def test_a_send_as_refusal_stops_the_send_at_once_nothing_goes_and_all_stay_retryable(ews):
    ews.send_denied = {"shared@acme.example"}
    items = [reminder(number) for number in (1, 2, 3)]
    shared = transport(ews, mailbox="shared@acme.example", chunk_size=2)
    with pytest.raises(SendStopped, match=r"may not send as shared@acme\.example") as stopped:
        shared.send(items)
    assert [(result.status, result.retryable) for result in stopped.value.results] == [("failed", True)] * 3
    assert stopped.value.not_attempted == tuple(item.key for item in items)
    assert ews.requests.count("CreateItem") == 1 and ews.received == []

    ews.send_denied = set()  # the administrator granted Send As: the same reminders go, once each
    assert [result.status for result in shared.send(items)] == ["sent"] * 3
    assert [received.key for received in ews.received] == [item.key for item in items]


def test_check_names_the_refused_password_without_revealing_it(ews):
    sentence = transport(ews, password="wrong guess").check()
    assert "password was refused" in sentence
    assert "ARCOLLECT_EWS_PASSWORD" in sentence
    assert "wrong guess" not in sentence and "correct horse" not in sentence


def test_check_says_the_endpoint_is_unreachable_on_a_closed_port(ews):
    closed = EwsTransport(ews.closed_port_url(), mailbox=ews.mailbox, auth="basic", username="u", password="p")
    assert "unreachable" in closed.check()


def test_check_says_ews_is_disabled_and_to_use_graph(ews):
    ews.fail_next = [("EwsDisabled",)]
    sentence = transport(ews).check()
    assert "403" in sentence and "Transport graph" in sentence


def test_check_names_a_missing_permission(ews):
    ews.fail_next = [("ResponseError", "ErrorImpersonateUserDenied")]
    assert "missing permission" in transport(ews).check()


def test_tls_verification_is_on_by_default_and_rejects_an_unknown_ca(ews):
    default = transport(ews, verify=True)
    assert "certificate" in default.check().lower()
    with pytest.raises(SendStopped, match="certificate") as stopped:
        default.send([reminder()])
    assert stopped.value.not_attempted == (reminder().key,)
    assert ews.received == []


# -- OAuth2 client credentials + impersonation, with the local identity server as GraphAuthority -------------------

OUTLOOK_SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture
def identity():
    with GraphServer() as graph:
        yield graph


@pytest.fixture
def ews_online(identity):
    with EwsServer(tls=True, bearer=identity.token_valid, mailbox=identity.mailbox) as server:
        yield server


def oauth_transport(server: EwsServer, graph: GraphServer, **options: object) -> EwsTransport:
    settings: dict[str, object] = {
        "mailbox": server.mailbox, "auth": "oauth2", "tenant_id": graph.tenant, "client_id": graph.client_id,
        "client_secret": graph.client_secret, "authority": graph.authority, "verify": ca_bundle(),
        "max_wait": 10.0, "timeout": 5.0,
    }  # fmt: skip
    settings.update(options)
    return EwsTransport(server.url, **settings)  # type: ignore[arg-type]


def assert_every_request_impersonates_with_the_one_token(server: EwsServer, graph: GraphServer) -> None:
    assert server.calls
    assert {call.bearer for call in server.calls} <= graph.issued_tokens
    assert len({call.bearer for call in server.calls}) == 1
    for call in server.calls:
        assert call.authorization == f"Bearer {call.bearer}"
        assert "ExchangeImpersonation" in call.soap_headers
        assert call.impersonated == server.mailbox
        assert call.anchor_mailbox == server.mailbox


def test_oauth2_reminders_arrive_with_one_token_for_several_sends_and_impersonation_on_every_request(
    ews_online, identity
):
    ews_transport = oauth_transport(ews_online, identity)
    items = [reminder(number) for number in range(1, 4)]
    results = [result for item in items for result in ews_transport.send([item])]

    assert [result.status for result in results] == ["sent"] * 3
    assert [received.key for received in ews_online.received] == [item.key for item in items]
    assert ews_online.requests == ["GetFolder", "GetFolder", "CreateItem", "CreateItem", "CreateItem"]
    assert identity.token_requests == 1
    assert identity.token_scopes == [OUTLOOK_SCOPE]
    assert identity.requests == [("POST", f"/{identity.tenant}/oauth2/v2.0/token")]
    assert_every_request_impersonates_with_the_one_token(ews_online, identity)


def test_oauth2_check_says_ok_and_find_sent_uses_the_token(ews_online, identity):
    ews_transport = oauth_transport(ews_online, identity)
    assert ews_transport.check().startswith("OK")
    item = reminder()
    ews_transport.send([item])

    assert ews_transport.find_sent(item.key) is True
    assert identity.token_requests == 2  # check() signs in on its own fail-fast connection
    check = ["GetFolder", "GetFolder", "GetFolder", "CreateItem", "SendItem", "DeleteItem"]  # the send-as probe too
    assert ews_online.requests == [*check, "GetFolder", "GetFolder", "CreateItem", "FindItem"]
    assert ews_online.drafts == {} and [received.key for received in ews_online.received] == [item.key]
    assert all(call.bearer in identity.issued_tokens for call in ews_online.calls)
    mailbox = ews_online.mailbox
    assert {(call.impersonated, call.anchor_mailbox) for call in ews_online.calls} == {(mailbox, mailbox)}


def test_oauth2_check_names_a_wrong_client_secret_without_revealing_either_secret(ews_online, identity):
    sentence = oauth_transport(ews_online, identity, client_secret="not-the-secret-42").check()

    assert "ARCOLLECT_GRAPH_CLIENT_SECRET" in sentence
    assert "not-the-secret-42" not in sentence and identity.client_secret not in sentence
    assert "\n" not in sentence and sentence.endswith(".") and sentence.count(". ") == 0
    assert identity.token_requests == 1
    assert ews_online.calls == []  # no token, so Exchange was never asked


def test_oauth2_token_that_exchange_refuses_is_reported_as_such(identity):
    with EwsServer(tls=True, bearer=set(), mailbox=identity.mailbox) as server:
        sentence = oauth_transport(server, identity).check()

    assert "refused the OAuth token" in sentence and "ARCOLLECT_GRAPH_CLIENT_SECRET" in sentence
    assert identity.client_secret not in sentence
    assert server.calls and all(call.bearer in identity.issued_tokens for call in server.calls)


def test_oauth2_token_request_verifies_tls_and_rejects_an_unknown_ca_by_default(ews_online, identity):
    sentence = oauth_transport(ews_online, identity, verify=True).check()

    assert "certificate" in sentence.lower()
    assert identity.token_requests == 0  # refused during the handshake, the secret was never sent
    assert ews_online.calls == []


def test_from_settings_builds_an_oauth2_ews_transport_that_sends_through_the_given_authority(
    ews_online, identity, monkeypatch, tmp_path
):
    monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", identity.client_secret)
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    settings = Settings(
        transport="ews", ews_endpoint=ews_online.url, ews_auth="oauth2", graph_tenant_id=identity.tenant,
        graph_client_id=identity.client_id, graph_authority=identity.authority, sender_mailbox=ews_online.mailbox,
    )  # fmt: skip
    ews_transport = from_settings(settings, tmp_path / "book.xlsx")

    assert isinstance(ews_transport, EwsTransport)
    assert ews_transport.auth == "oauth2" and ews_transport.authority == identity.authority
    [result] = ews_transport.send([reminder()])
    assert result.status == "sent"
    assert [received.key for received in ews_online.received] == [reminder().key]
    assert identity.token_requests == 1
    assert_every_request_impersonates_with_the_one_token(ews_online, identity)


def test_oauth2_authority_defaults_to_microsoft_sign_in():
    ews_transport = EwsTransport(
        "https://outlook.office365.com/EWS/Exchange.asmx", mailbox="ar@contoso.example", auth="oauth2",
        tenant_id="contoso-tenant", client_id="app", client_secret="s3cret",
    )  # fmt: skip
    credentials = ews_transport.new_account(FailFast()).protocol.credentials

    assert credentials.token_url == "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
    assert credentials.scope == [OUTLOOK_SCOPE]


def test_sent_items_lists_every_reminder_across_pages_with_its_record(ews):
    """What `arcollect ledger rebuild` reads back: FindItem (Exists on the key property) page after page, GetItem
    for subject, recipients, time and the record (customer, level, invoices) sent with each."""
    ews_transport = transport(ews)
    sent = [reminder(number) for number in range(1, 8)]
    ews_transport.send(sent)
    ews_transport.sent_items_page = 3
    ews.requests.clear()
    copies = list(ews_transport.sent_items())
    assert [copy.key for copy in copies] == [item.key for item in sent]
    assert ews.requests.count("FindItem") == 3, "three pages of three"
    first = copies[0]
    assert first.record == {"customer_id": "C-0001", "level": 2, "template": "firm", "invoices": list(sent[0].invoices)}
    assert first.to == ("juergen1@client.example",) and first.cc == ("am@acme.example",)
    assert first.subject == sent[0].subject and first.sent_at is not None
