"""Secrets come from the environment or the keyring and are never written anywhere arcollect writes.

A demo-style workbook (the demo's customers, invoices and payments, a slice of them for speed) is sent through a
real SMTP server with a password and through Graph with a client secret, by `arcollect send` and one unattended
`arcollect schedule --once` tick. Then every byte arcollect produced is searched for the secrets and the access
tokens: the log (DEBUG, every logger), the console, the ledger (database, WAL, shared memory), the outbox, the
workbook and its side files (unzipped XML), the schedule log and the case files.
"""

from __future__ import annotations

import base64
import logging
import urllib.parse
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pytest

from arcollect.book import template, write
from arcollect.cli import main
from arcollect.demo import data as demo
from arcollect.errors import ConfigError
from arcollect.run import collect
from arcollect.schema import Customers, Invoices, Payments, SettingsSheet
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, ready_to_escalate
from tests.servers.graph import GraphServer
from tests.servers.smtp import SmtpServer
from tests.servers.tls import ca_bundle

SMTP_PASSWORD = "smtp-Pa55word-7c1e9a"
EWS_PASSWORD = "ews-Pa55word-55b2d0"
GRAPH_SECRET = "graph-ClientSecret-e04f3b~x"
NOW = "2026-11-24T10:00:00+00:00"
LATER = "2026-11-24T14:30:00+00:00"


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", EWS_PASSWORD)
    monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", GRAPH_SECRET)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def root_handlers():
    """`arcollect schedule` adds a log file handler to the root logger; take it off again afterwards."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [handler for handler in root.handlers if handler not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def demo_book(folder: Path, settings: dict[str, str]) -> Path:
    """The demo workbook with every eighth customer (all countries and languages still appear) and its items."""
    tables = demo.tables(TUESDAY.date())
    customers = tables["Customers"].iloc[::8].reset_index(drop=True)
    ids = set(customers[Customers.ID])
    tables["Customers"] = customers
    tables["Invoices"] = tables["Invoices"][tables["Invoices"][Invoices.CUSTOMER_ID].isin(ids)].reset_index(drop=True)
    tables["Payments"] = tables["Payments"][tables["Payments"][Payments.CUSTOMER_ID].isin(ids)].reset_index(drop=True)
    rows = tables["Settings"]
    for key, value in {**settings, "SendRatePerMinute": "10000"}.items():
        rows.loc[rows[SettingsSheet.KEY] == key, SettingsSheet.VALUE] = value
    path = folder / "arcollect-demo.xlsx"
    template.build(path)
    write.write_tables(path, tables)
    invoices, people = tables["Invoices"], tables["Customers"]
    europe = people[people[Customers.COUNTRY].isin(["DE", "FR", "NL"]) & ~people[Customers.AUTO_PAY].astype(bool)]
    late = invoices[(pd.to_datetime(invoices[Invoices.DUE_DATE], errors="coerce") < pd.Timestamp("2026-09-01"))
                    & invoices[Invoices.CUSTOMER_ID].isin(europe[Customers.ID])]  # fmt: skip
    first = late[Invoices.CUSTOMER_ID].iloc[0]  # had every earlier level and a finance user approved: escalated
    ready_to_escalate(path, first, late.loc[late[Invoices.CUSTOMER_ID] == first, Invoices.NUMBER])
    return path


def secret_forms(secrets: Iterable[str]) -> set[bytes]:
    """Each secret as it could end up in a file: raw (UTF-8 and UTF-16), URL-encoded, base64."""
    forms: set[bytes] = set()
    for secret in secrets:
        forms |= {
            secret.encode(),
            secret.encode("utf-16-le"),
            urllib.parse.quote_plus(secret).encode(),
            base64.b64encode(secret.encode()),
        }
    return forms


def leaks(folder: Path, text: str, secrets: Iterable[str]) -> list[str]:
    """Where any form of a secret appears: in `text` (logs, console) or any file under `folder` (zips opened)."""
    forms = secret_forms(secrets)
    found = [f"log/console: {form!r}" for form in forms if form.decode("utf-8", "ignore") in text]
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        blobs = [(str(path), data)]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs += [(f"{path}!{name}", archive.read(name)) for name in archive.namelist()]
        found += [f"{where}: {form!r}" for where, blob in blobs for form in forms if form in blob]
    return found


def run_and_search(folder: Path, settings: dict[str, str], caplog, capsys, extra_secrets=()) -> tuple[Path, list]:
    path = demo_book(folder, settings)
    caplog.set_level(logging.DEBUG)
    assert main(["send", str(path), "--now", NOW]) == 0
    assert main(["schedule", str(path), "--once", "--now", LATER]) == 0
    console = capsys.readouterr()
    secrets = [SMTP_PASSWORD, EWS_PASSWORD, GRAPH_SECRET, *extra_secrets()]
    return path, leaks(folder, caplog.text + console.out + console.err, secrets)


def test_smtp_password_from_the_environment_is_never_written_anywhere(tmp_path, caplog, capsys, root_handlers):
    with SmtpServer(users={"ar": SMTP_PASSWORD}) as server:
        _path, found = run_and_search(
            tmp_path,
            {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar"},
            caplog,
            capsys,
            extra_secrets=list,
        )
        delivered = len(server.messages)
    assert delivered > 10 and server.logins, "the run really signed in and sent"
    produced = {item.name for item in tmp_path.iterdir()}
    assert {"arcollect-demo.ledger.sqlite", "arcollect-demo.schedule.log", "arcollect-demo.schedule.xlsx"} <= produced
    assert list((tmp_path / "cases").glob("*.xlsx")), "escalations wrote case files, which are searched too"
    assert found == []


def test_graph_client_secret_and_its_tokens_are_never_written_anywhere(tmp_path, caplog, capsys, root_handlers):
    with GraphServer(client_secret=GRAPH_SECRET) as graph:
        _path, found = run_and_search(
            tmp_path,
            {"Transport": "graph", "GraphTenantId": graph.tenant, "GraphClientId": graph.client_id,
             "GraphAuthority": graph.authority, "GraphEndpoint": graph.endpoint, "SenderMailbox": graph.mailbox},
            caplog,
            capsys,
            extra_secrets=lambda: graph.issued_tokens,
        )  # fmt: skip
        assert len(graph.received) > 10 and graph.issued_tokens
    assert found == []


def _book_with_typed_password(tmp_path: Path, settings: dict[str, str]) -> Path:
    settings = {"GoverningLaw": "DE", **settings}  # a blank GoverningLaw would be a Settings problem of its own
    path = make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("I-1", "C1", due="2026-11-19")],
                     settings=settings)  # fmt: skip
    settings = {"CompanyName": "Acme Supplies Ltd", "SenderMailbox": "ar@acme.example", "BankDetails": "Acme Bank",
                **settings}  # fmt: skip
    rows = pd.concat(
        [
            pd.DataFrame({SettingsSheet.KEY: [k for k in settings], SettingsSheet.VALUE: list(settings.values())}),
            pd.DataFrame({SettingsSheet.KEY: ["SmtpPassword", "Graph Client Secret"],
                          SettingsSheet.VALUE: ["typed-in-secret-1", "typed-in-secret-2"]}),
        ],
        ignore_index=True,
    )  # fmt: skip
    write.write_tables(path, {"Settings": rows})
    return path


def test_a_password_typed_into_the_settings_sheet_is_refused_and_never_used_or_repeated(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("ARCOLLECT_SMTP_PASSWORD")
    with SmtpServer(users={"ar": "typed-in-secret-1"}) as server:
        path = _book_with_typed_password(
            tmp_path, {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar"}
        )
        with pytest.raises(ConfigError, match="ARCOLLECT_SMTP_PASSWORD") as raised:
            collect(path, now=TUESDAY, send=True)
        assert server.logins == [] and server.messages == []
    assert "keyring" in str(raised.value) and "never in the workbook" in str(raised.value)

    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", SMTP_PASSWORD)
    report = collect(path, now=TUESDAY, send=False)
    refused = [problem for problem in report.problems if problem.sheet == "Settings"]
    assert len(refused) == 2
    assert all(problem.value == "***" for problem in refused)
    assert "ARCOLLECT_SMTP_PASSWORD" in refused[0].reason and "keyring" in refused[0].reason
    assert "ARCOLLECT_GRAPH_CLIENT_SECRET" in refused[1].reason and "keyring" in refused[1].reason
    with zipfile.ZipFile(path) as archive:
        occurrences = sum(archive.read(name).count(b"typed-in-secret-1") for name in archive.namelist())
    assert occurrences == 1, "only the user's own Settings cell holds it — no output sheet repeats it"
    assert "typed-in-secret" not in caplog.text

    assert main(["config", str(path), "SmtpPassword", "another-secret"]) == 1
    assert main(["config", str(path), "GraphClientSecret", "another-secret"]) == 1


def test_no_secret_keys_exist_among_the_settings():
    from arcollect.book.settings_keys import KEYS

    assert not [key for key in KEYS if any(word in key.lower() for word in ("password", "secret", "token"))]


def test_credentials_come_from_the_environment_then_the_keyring_only(monkeypatch):
    from arcollect.mail import credentials

    assert credentials.get("ARCOLLECT_SMTP_PASSWORD") == SMTP_PASSWORD
    monkeypatch.delenv("ARCOLLECT_SMTP_PASSWORD")
    assert credentials.get("ARCOLLECT_SMTP_PASSWORD") is None  # the null keyring holds nothing
    with pytest.raises(ConfigError, match="ARCOLLECT_SMTP_PASSWORD") as raised:
        credentials.require("ARCOLLECT_SMTP_PASSWORD", "The SMTP password")
    assert "keyring" in str(raised.value)
