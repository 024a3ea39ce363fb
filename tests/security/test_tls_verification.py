"""TLS is verified by default for SMTP, EWS and Graph; switching it off takes VerifyTls false and warns every run.

The servers present a certificate from the session's throwaway CA (`tests.servers.tls`). A client with the default
Settings trusts only the system CAs; one given a company bundle of *another* CA trusts that one only. Either way
the server is refused before any secret or message is sent to it.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import trustme

from arcollect.book.settings import Settings
from arcollect.errors import TransportError
from arcollect.mail.message import Reminder
from arcollect.mail.transports import from_settings
from arcollect.run import collect
from arcollect.scheduler import Schedule
from tests import factories
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book
from tests.servers.ews import EwsServer
from tests.servers.graph import GraphServer
from tests.servers.smtp import SmtpServer

PASSWORD = "tls-test-password-9f2c"
WARNING_TEXT = "TLS certificate verification is OFF"
TRANSPORTS = ("smtp", "ews", "graph")

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def reminder() -> Reminder:
    return factories.reminder(
        to=("ap@client.example",), subject="Payment reminder", html="<p>Hi</p>", text="Hi", send_at=TUESDAY,
        cycle=TUESDAY.date(),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def only_system_cas(monkeypatch):
    """The default: no company CA bundle, nothing in the environment that would add the test CA."""
    for name in ("ARCOLLECT_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", PASSWORD)


@pytest.fixture
def foreign_ca(tmp_path):
    """A CA bundle of another authority than the one that signed the servers' certificate."""
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


class Server:
    """One running server of the given kind and the Settings values that point a workbook at it."""

    def __init__(self, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind = kind
        self._monkeypatch = monkeypatch
        self._context = {"smtp": lambda: SmtpServer(users={"ar": PASSWORD}), "ews": lambda: EwsServer(
            tls=True, users={"svc": PASSWORD}), "graph": GraphServer}[kind]()  # fmt: skip

    def __enter__(self) -> Server:
        self.server = self._context.__enter__()
        if self.kind == "graph":
            self._monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", self.server.client_secret)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._context.__exit__(*exc_info)

    @property
    def settings(self) -> dict[str, str]:
        server = self.server
        if self.kind == "smtp":
            return {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar"}
        if self.kind == "ews":
            return {
                "Transport": "ews",
                "EwsEndpoint": server.url,
                "EwsAuth": "basic",
                "EwsUser": "svc",
                "SenderMailbox": server.mailbox,
            }
        return {
            "Transport": "graph",
            "GraphTenantId": server.tenant,
            "GraphClientId": server.client_id,
            "GraphAuthority": server.authority,
            "GraphEndpoint": server.endpoint,
            "SenderMailbox": server.mailbox,
        }

    def config(self) -> Settings:
        values = self.settings
        server = self.server
        common = {"transport": self.kind, "sender_mailbox": values.get("SenderMailbox", "ar@acme.example")}
        if self.kind == "smtp":
            return Settings(**common, smtp_host=server.host, smtp_port=server.port, smtp_user="ar")
        if self.kind == "ews":
            return Settings(**common, ews_endpoint=server.url, ews_auth="basic", ews_user="svc")
        return Settings(**common, graph_tenant_id=server.tenant, graph_client_id=server.client_id,
                        graph_authority=server.authority, graph_endpoint=server.endpoint)  # fmt: skip

    def delivered(self) -> int:
        return len(self.server.messages if self.kind == "smtp" else self.server.received)

    def contacted_with_a_secret(self) -> bool:
        """Did anything carrying a credential get through to the server?"""
        if self.kind == "smtp":
            return bool(self.server.logins)
        if self.kind == "ews":
            return bool(self.server.calls)
        return self.server.token_requests > 0


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_default_settings_refuse_a_server_whose_certificate_is_not_trusted(kind, monkeypatch, tmp_path, caplog):
    assert Settings().verify_tls is True
    with Server(kind, monkeypatch) as server:
        transport = from_settings(server.config(), tmp_path / "book.xlsx")
        with pytest.raises(TransportError, match=r"(?i)not trusted|certificate"):
            transport.send([reminder()])
        assert "trusted" in transport.check() or "certificate" in transport.check().lower()
        assert server.delivered() == 0
        assert not server.contacted_with_a_secret(), "no password, secret or token went to the untrusted server"
    assert WARNING_TEXT not in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_a_company_ca_bundle_of_another_authority_does_not_make_the_server_trusted(
    kind, monkeypatch, tmp_path, foreign_ca
):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", foreign_ca)
    with Server(kind, monkeypatch) as server:
        transport = from_settings(server.config(), tmp_path / "book.xlsx")
        with pytest.raises(TransportError, match=r"(?i)not trusted|certificate"):
            transport.send([reminder()])
        assert server.delivered() == 0 and not server.contacted_with_a_secret()


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_verify_tls_false_connects_and_logs_a_warning_on_every_run_and_every_tick(kind, monkeypatch, tmp_path, caplog):
    with Server(kind, monkeypatch) as server:
        book = make_book(
            tmp_path,
            customers=[customer("C1")],
            invoices=[invoice("I-1", "C1", due="2026-11-19")],
            settings={**server.settings, "VerifyTls": "false", "SendRatePerMinute": "1000"},
        )
        caplog.set_level(logging.WARNING)
        first = collect(book, now=TUESDAY, send=True)
        after_first_run = caplog.text.count(WARNING_TEXT)
        tick = Schedule(book, clock=lambda: TUESDAY + dt.timedelta(minutes=15)).tick()  # `schedule --once` by cron
        delivered = server.delivered()
    assert len(first.sent) == 1 and delivered == 1, "it connects; the tick finds the reminder already sent"
    assert tick.ran and tick.error is None
    assert after_first_run == 1
    assert caplog.text.count(WARNING_TEXT) == 2
    assert all(record.levelno == logging.WARNING for record in caplog.records if WARNING_TEXT in record.getMessage())
