"""Commands that send nothing need no mail secret: the transport (and its secret) is built only to send.

Refresh, preview, the Dashboard, `send --dry-run` and a dry-run schedule tick run on a workbook set up for Graph,
EWS or SMTP whose secret is in neither the environment nor the keyring; a real `send` then says which secret is
missing and where to put it.
"""

from __future__ import annotations

import pytest
from rich.console import Console

from arcollect import cli
from arcollect.cli import shell
from arcollect.excel import ribbon
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, sheet_rows

NOW = TUESDAY.isoformat()
SECRETS = ("ARCOLLECT_SMTP_PASSWORD", "ARCOLLECT_EWS_PASSWORD", "ARCOLLECT_GRAPH_CLIENT_SECRET")
TRANSPORTS = {
    "graph": ({"Transport": "graph", "GraphTenantId": "tenant", "GraphClientId": "client"},
              "ARCOLLECT_GRAPH_CLIENT_SECRET"),
    "ews": ({"Transport": "ews", "EwsEndpoint": "https://mail.acme.example/EWS/Exchange.asmx", "EwsAuth": "ntlm",
             "EwsUser": "ACME\\ar"}, "ARCOLLECT_EWS_PASSWORD"),
    "smtp": ({"Transport": "smtp", "SmtpHost": "mail.acme.example", "SmtpPort": "587", "SmtpUser": "ar@acme.example"},
             "ARCOLLECT_SMTP_PASSWORD"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def no_secret_anywhere(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # a keyring that holds nothing
    monkeypatch.setattr(shell, "console", Console(width=250, highlight=False))


def book_for(folder, transport: str):
    settings, _secret = TRANSPORTS[transport]
    return make_book(
        folder,
        customers=[customer("C1"), customer("C2", country="FR", language="fr")],
        invoices=[invoice("INV-1", "C1", due="2026-10-20"), invoice("INV-2", "C2", due="2026-10-01")],
        settings=settings,
    )


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_refresh_preview_and_dry_runs_need_no_secret_and_send_names_the_missing_one(tmp_path, capsys, transport):
    path = book_for(tmp_path, transport)
    assert cli.main(["refresh", str(path), "--now", NOW]) == 0
    assert {row["customer_id"] for row in sheet_rows(path, "ReminderQueue")} == {"C1", "C2"}
    assert cli.main(["preview", str(path), "--now", NOW]) == 0
    assert len(list((tmp_path / "preview").glob("*.eml"))) == 2
    assert cli.main(["send", str(path), "--dry-run", "--now", NOW]) == 0
    assert cli.main(["schedule", str(path), "--once", "--dry-run", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "not set" not in out and "keyring" not in out

    assert cli.main(["send", str(path), "--now", NOW]) == 1  # sending does need it, and says where it goes
    message = " ".join(capsys.readouterr().out.split())
    _settings, secret = TRANSPORTS[transport]
    assert f"put it in the environment variable {secret} or in the OS keyring" in message


def test_ribbon_refresh_preview_and_dashboard_need_no_secret(tmp_path, open_book):
    path = book_for(tmp_path, "graph")
    book = open_book(path)
    assert ribbon.refresh(book, now=TUESDAY) is not None
    assert ribbon.preview(book, now=TUESDAY, opener=lambda _uri: None) is not None
    assert ribbon.dashboard(book, now=TUESDAY) is not None
    assert not [alert.prompt for alert in book.app.alerts if "stopped" in alert.prompt or "secret" in alert.prompt]
    assert len(list((tmp_path / "preview").glob("*.eml"))) == 2
