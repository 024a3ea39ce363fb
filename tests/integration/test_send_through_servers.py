"""`arcollect send` with the transport chosen in Settings: the reminders reach a real local mail server once."""

from __future__ import annotations

import pytest

from arcollect.cli import main

from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.smtp import SmtpServer
from ..servers.tls import ca_bundle
from .workbooks import customer, invoice, make_book

NOW = "2026-11-24T10:00:00+00:00"
PASSWORD = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def company_ca(monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())


def book(tmp_path, settings: dict[str, str]):
    return make_book(
        tmp_path,
        customers=[customer("C1", country="DE", language="de"), customer("C2", country="GB", language="en")],
        invoices=[invoice("I-1", "C1", due="2026-11-10"), invoice("I-2", "C2", due="2026-11-01")],
        settings={"SenderMailbox": "ar@acme.example", "ReplyTo": "credit@acme.example", **settings},
    )


def test_send_over_smtp_delivers_each_reminder_once_and_a_second_send_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", PASSWORD)
    with SmtpServer(users={"ar": PASSWORD}) as server:
        path = book(tmp_path, {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port),
                               "SmtpUser": "ar"})  # fmt: skip
        assert main(["send", str(path), "--now", NOW]) == 0
        assert main(["send", str(path), "--now", "2026-11-24T10:20:00+00:00"]) == 0
        keys = server.keys()
        german = next(m.message for m in server.messages if m.message["Content-Language"] == "de")
    assert len(keys) == 2 and set(keys.values()) == {1}
    assert german["Reply-To"] == "credit@acme.example"
    assert "I-1" in german.get_body(("plain",)).get_content() and "I-1" in german.get_body(("html",)).get_content()
    assert not (tmp_path / "outbox").exists(), "the outbox is not used when Settings choose smtp"


def test_send_over_graph(tmp_path, monkeypatch):
    with GraphServer() as graph:
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        path = book(tmp_path, {
            "Transport": "graph", "GraphTenantId": graph.tenant, "GraphClientId": graph.client_id,
            "GraphAuthority": graph.authority, "GraphEndpoint": graph.endpoint, "SenderMailbox": graph.mailbox,
        })  # fmt: skip
        assert main(["send", str(path), "--now", NOW]) == 0
        assert main(["send", str(path), "--now", "2026-11-24T10:20:00+00:00"]) == 0
        keys = graph.keys()
    assert len(keys) == 2 and len(set(keys)) == 2


def test_send_over_ews(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", PASSWORD)
    with EwsServer(tls=True, users={"svc-ar": PASSWORD}) as ews:
        path = book(tmp_path, {"Transport": "ews", "EwsEndpoint": ews.url, "EwsAuth": "basic", "EwsUser": "svc-ar",
                               "SenderMailbox": ews.mailbox})  # fmt: skip
        assert main(["send", str(path), "--now", NOW]) == 0
        assert main(["send", str(path), "--now", "2026-11-24T10:20:00+00:00"]) == 0
        keys = [item.key for item in ews.received]
    assert len(keys) == 2 and len(set(keys)) == 2
