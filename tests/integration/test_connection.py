"""`arcollect test-connection PATH` against real local servers: one plain sentence, exit 0 only when usable."""

from __future__ import annotations

import pytest

from arcollect.cli import main

from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.smtp import SmtpServer, free_port
from ..servers.tls import ca_bundle
from .workbooks import customer, make_book

SECRET = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def company_ca(monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())


def smtp_book(tmp_path, port: int):
    settings = {"Transport": "smtp", "SmtpHost": "127.0.0.1", "SmtpPort": str(port), "SmtpUser": "ar"}
    return make_book(tmp_path, customers=[customer("C1")], invoices=[], settings=settings)


def test_smtp_ok_says_ok(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", SECRET)
    with SmtpServer(users={"ar": SECRET}) as server:
        assert main(["test-connection", str(smtp_book(tmp_path, server.port))]) == 0
    assert "smtp: OK" in capsys.readouterr().out


def test_smtp_bad_password_names_where_the_password_comes_from_without_showing_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", "wrong-password-123")
    with SmtpServer(users={"ar": SECRET}) as server:
        assert main(["test-connection", str(smtp_book(tmp_path, server.port))]) == 1
    out = capsys.readouterr().out
    assert "ARCOLLECT_SMTP_PASSWORD" in out and "wrong-password-123" not in out


def test_smtp_unreachable_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", SECRET)
    assert main(["test-connection", str(smtp_book(tmp_path, free_port()))]) == 1
    assert "unreachable" in capsys.readouterr().out


def test_a_missing_password_says_where_to_put_it(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ARCOLLECT_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # a keyring that holds nothing
    assert main(["test-connection", str(smtp_book(tmp_path, free_port()))]) == 1
    assert "ARCOLLECT_SMTP_PASSWORD" in capsys.readouterr().out


def graph_book(tmp_path, graph: GraphServer):
    settings = {
        "Transport": "graph", "GraphTenantId": graph.tenant, "GraphClientId": graph.client_id,
        "GraphAuthority": graph.authority, "GraphEndpoint": graph.endpoint, "SenderMailbox": graph.mailbox,
    }  # fmt: skip
    return make_book(tmp_path, customers=[customer("C1")], invoices=[], settings=settings)


def test_graph_ok_and_bad_secret(tmp_path, monkeypatch, capsys):
    with GraphServer() as graph:
        book = graph_book(tmp_path, graph)
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        assert main(["test-connection", str(book)]) == 0
        assert "graph: OK" in capsys.readouterr().out
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", "not-the-secret-42")
        assert main(["test-connection", str(book)]) == 1
    out = capsys.readouterr().out
    assert "ARCOLLECT_GRAPH_CLIENT_SECRET" in out and "not-the-secret-42" not in out


def test_graph_without_mail_read_names_the_missing_permission(tmp_path, monkeypatch, capsys):
    with GraphServer(read_denied=True) as graph:
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        assert main(["test-connection", str(graph_book(tmp_path, graph))]) == 1
    assert "Mail.Read" in capsys.readouterr().out


def test_graph_an_app_that_may_not_send_as_the_mailbox_is_told_so_and_nothing_is_sent(tmp_path, monkeypatch, capsys):
    """test-connection asks Graph a recipient-less sendMail: a 403 there is "may not send as" (names the role to
    grant); once it is granted the same check says OK — and neither check sends a message."""
    with GraphServer(send_denied=True) as graph:
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        book = graph_book(tmp_path, graph)
        assert main(["test-connection", str(book)]) == 1
        out = " ".join(capsys.readouterr().out.split())
        assert f"graph: The app may not send as {graph.mailbox} (ErrorAccessDenied" in out
        assert "'Application Mail.Send' role scoped to this mailbox" in out and "OK" not in out
        graph.send_denied = False  # the administrator grants Mail.Send for the mailbox
        assert main(["test-connection", str(book)]) == 0
        assert f"may send as {graph.mailbox}" in capsys.readouterr().out
        assert graph.received == []  # the probe has no recipient: Graph refuses it, nothing goes out


def ews_book(tmp_path, ews: EwsServer):
    settings = {"Transport": "ews", "EwsEndpoint": ews.url, "EwsAuth": "basic", "EwsUser": "svc-ar",
                "SenderMailbox": ews.mailbox}  # fmt: skip
    return make_book(tmp_path, customers=[customer("C1")], invoices=[], settings=settings)


def test_ews_ok_then_disabled_for_the_tenant_says_use_graph(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", SECRET)
    with EwsServer(tls=True, users={"svc-ar": SECRET}) as ews:
        book = ews_book(tmp_path, ews)
        assert main(["test-connection", str(book)]) == 0
        assert "ews: OK" in capsys.readouterr().out
        ews.fail_next = [("EwsDisabled",)]
        assert main(["test-connection", str(book)]) == 1
    assert "graph" in capsys.readouterr().out.lower()


def test_ews_a_sender_mailbox_the_account_may_not_send_as_names_the_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", SECRET)
    with EwsServer(tls=True, users={"svc-ar": SECRET}, send_denied={"ar@acme.example"}) as ews:
        assert main(["test-connection", str(ews_book(tmp_path, ews))]) == 1
        assert ews.received == [] and ews.drafts == {}  # nothing sent, nothing left in Drafts
    out = " ".join(capsys.readouterr().out.split())
    assert "ews: The account svc-ar may not send as ar@acme.example (ErrorSendAsDenied)" in out
    assert "set SenderMailbox to a mailbox it may send as" in out


def test_ews_bad_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", "nope-nope-77")
    with EwsServer(tls=True, users={"svc-ar": SECRET}) as ews:
        assert main(["test-connection", str(ews_book(tmp_path, ews))]) == 1
    out = capsys.readouterr().out
    assert "ARCOLLECT_EWS_PASSWORD" in out and "nope-nope-77" not in out
