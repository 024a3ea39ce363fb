"""The CLI commands on a small real workbook: new, config, refresh, preview, send --dry-run, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from arcollect.book import empty_sheets, template, write
from arcollect.book.settings import default_settings_rows
from arcollect.cli import main, shell
from arcollect.schema import FX, Customers, Invoices, SettingsSheet

NOW = "2026-11-24T10:00:00+00:00"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """A wide terminal, so tables are not cut to the test runner's 80 columns."""
    monkeypatch.setattr(shell, "console", Console(width=250, highlight=False))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "Receivables.xlsx"
    template.build(path)
    customers = pd.DataFrame(
        {
            Customers.ID: ["C1", "C2"],
            Customers.NAME: ["Müller Maschinenbau GmbH", "Dupont SARL"],
            Customers.EMAIL: ["ap@mueller.example", "compta@dupont.example"],
            Customers.COUNTRY: ["DE", "FR"],
            Customers.LANGUAGE: ["de", "fr"],
            Customers.CURRENCY: ["EUR", "EUR"],
            Customers.TERMS: ["net 30", "net 30"],
        }
    )
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["INV-1", "INV-2"],
            Invoices.CUSTOMER_ID: ["C1", "C2"],
            Invoices.INVOICE_DATE: [dt.date(2026, 9, 15), dt.date(2026, 10, 1)],
            Invoices.CURRENCY: ["EUR", "EUR"],
            Invoices.AMOUNT: [1200.0, 800.0],
        }
    )
    settings = default_settings_rows()
    identity = {
        "CompanyName": "Northwind GmbH",
        "SenderMailbox": "ar@northwind.example",
        "IBAN": "DE89370400440532013000",
    }
    for key, value in identity.items():
        settings.loc[settings[SettingsSheet.KEY] == key, SettingsSheet.VALUE] = value
    write.write_tables(
        path,
        {
            "Customers": customers,
            "Invoices": invoices,
            "FX": pd.DataFrame({FX.CURRENCY: ["USD"], FX.RATE: [0.86]}),
            "Settings": settings,
        },
    )
    return path


def values(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


def test_new_creates_a_workbook_and_refuses_to_overwrite_it(tmp_path, capsys):
    path = tmp_path / "Fresh.xlsx"
    assert main(["new", str(path)]) == 0
    assert "Invoices" in openpyxl.load_workbook(path).sheetnames
    assert main(["new", str(path)]) == 1
    assert "already exists" in capsys.readouterr().out


def test_config_shows_sets_and_validates_a_setting(book, capsys):
    assert main(["config", str(book), "basecurrency", "usd"]) == 0
    assert main(["config", str(book), "BaseCurrency"]) == 0
    assert "BaseCurrency = USD" in capsys.readouterr().out
    assert main(["config", str(book), "SendWindow", "18:00-09:00"]) == 1
    assert main(["config", str(book), "SmtpPassword", "hunter2"]) == 1
    out = capsys.readouterr().out
    assert "ARCOLLECT_SMTP_PASSWORD" in out and "hunter2" not in out
    assert main(["config", str(book)]) == 0
    assert "BucketEdges" in capsys.readouterr().out


def test_refresh_fills_the_output_sheets_and_sends_nothing(book):
    assert main(["refresh", str(book), "--now", NOW]) == 0
    aging = values(book, "Aging")
    assert [row[0] for row in aging[1:] if row[0]] == ["INV-1", "INV-2"]
    assert not (book.parent / "outbox").exists() or not list((book.parent / "outbox").glob("*.eml"))


def test_preview_renders_what_would_go_out_without_recording_it(book, capsys):
    assert main(["preview", str(book), "--now", NOW]) == 0
    preview = book.parent / "preview"
    assert (preview / "index.html").exists() and len(list(preview.glob("*.eml"))) == 2
    header, *rows = values(book, "ReminderLog")  # nothing recorded: only the note that says why it is empty
    assert rows == [(empty_sheets.NOTES["ReminderLog"],) + (None,) * (len(header) - 1)]


def test_send_dry_run_lists_what_would_go_and_sends_nothing(book, capsys):
    assert main(["send", str(book), "--dry-run", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "Would send" in out and "Müller Maschinenbau GmbH" in out
    assert not (book.parent / "outbox").exists() or not list((book.parent / "outbox").glob("*.eml"))


def test_send_then_send_again_writes_each_reminder_once(book):
    assert main(["send", str(book), "--now", NOW]) == 0
    first = sorted(p.name for p in (book.parent / "outbox").glob("*.eml"))
    assert len(first) == 2
    assert main(["send", str(book), "--now", "2026-11-24T11:00:00+00:00"]) == 0
    assert sorted(p.name for p in (book.parent / "outbox").glob("*.eml")) == first


def test_a_missing_workbook_is_one_plain_sentence_not_a_traceback(tmp_path, capsys):
    assert main(["refresh", str(tmp_path / "nope.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "does not exist" in out and "Traceback" not in out


def test_a_file_that_is_not_a_workbook_is_reported_plainly(tmp_path, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello")
    assert main(["refresh", str(fake)]) == 1
    assert "not an Excel workbook" in capsys.readouterr().out


def test_test_connection_of_the_outbox_says_ok(book, capsys):
    assert main(["test-connection", str(book)]) == 0
    assert "outbox: OK" in capsys.readouterr().out


def test_a_reminder_in_doubt_is_listed_and_resolved_by_hand(book, capsys):
    from arcollect.book.settings import Settings
    from arcollect.mail.ledger import Ledger
    from arcollect.run import collect

    now = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    report = collect(book, now=now, send=False, write_back=False)
    reminder = next(iter(report.reminders.values()))
    with Ledger(Settings().ledger_file(book)) as ledger:  # a crash after the gate, before the transport answered
        ledger.plan(reminder, now=now, transport="smtp")
        assert ledger.begin_send(reminder.key, now=now, transport="smtp")
    assert main(["ledger", "list", str(book)]) == 0
    assert reminder.key[:12] in capsys.readouterr().out
    assert (
        main(["ledger", "resolve", str(book), reminder.key[:12], "--as", "sent", "--note", "seen in Sent Items"]) == 0
    )
    with Ledger(Settings().ledger_file(book)) as ledger:
        assert ledger.get(reminder.key).state == "sent"
    assert main(["ledger", "resolve", str(book), "nosuchkey", "--as", "sent"]) == 1


def test_import_loads_an_erp_export_and_prints_what_changed(book, capsys):
    export = Path(__file__).resolve().parents[1] / "data" / "qbo_aged_receivables_2026-03-31.csv"
    assert main(["import", str(book), "--from", str(export)]) == 1, "a full import is said, not assumed"
    assert "--full" in capsys.readouterr().out
    # the workbook's own two open invoices are not in the QuickBooks export: a full import would close them all
    assert main(["import", str(book), "--from", str(export), "--full"]) == 1
    assert "ImportCloseLimit" in capsys.readouterr().out
    assert main(["import", str(book), "--from", str(export), "--partial"]) == 0
    out = capsys.readouterr().out
    assert "quickbooks:" in out and "added" in out
    invoices = [row[0] for row in values(book, "Invoices")[1:] if row[0]]
    assert len(invoices) > 2


@pytest.mark.parametrize("blank", ["CompanyName", "SenderMailbox", "IBAN"])
def test_send_refuses_while_the_sender_identity_is_blank_and_names_the_setting_in_one_line(book, blank, capsys):
    assert main(["config", str(book), blank, ""]) == 0  # the user clears it (IBAN: no bank account at all)
    capsys.readouterr()
    assert main(["send", str(book), "--now", NOW]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and f"Settings {blank}" in lines[0] and "Nothing was sent" in lines[0], out
    assert not (book.parent / "outbox").exists()
    assert main(["refresh", str(book), "--now", NOW]) == 0  # refresh and preview still work, and warn
    assert f"Settings {blank}" in capsys.readouterr().out
    assert main(["preview", str(book), "--now", NOW]) == 0
    assert f"Settings {blank}" in capsys.readouterr().out


def test_a_sender_name_becomes_the_from_display_name(book):
    assert main(["config", str(book), "SenderName", "Northwind Accounts Receivable"]) == 0
    assert main(["send", str(book), "--now", NOW]) == 0
    message = (book.parent / "outbox").glob("*.eml").__next__().read_text()
    assert "From: Northwind Accounts Receivable <ar@northwind.example>" in message


def test_new_asks_for_the_governing_law_or_takes_it_from_law(tmp_path, capsys, monkeypatch):
    path = tmp_path / "German.xlsx"
    assert main(["new", str(path), "--law", "de"]) == 0
    assert ("GoverningLaw", "DE") in [row[:2] for row in values(path, "Settings")]
    assert "GoverningLaw = DE" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # not asked without a terminal: blank, and says so
    blank = tmp_path / "Blank.xlsx"
    assert main(["new", str(blank)]) == 0
    assert "GoverningLaw is blank" in capsys.readouterr().out
    assert main(["new", str(tmp_path / "Eu.xlsx"), "--law", "EU"]) == 1
    assert "'EU' is not a law" in capsys.readouterr().out


def test_config_renames_an_old_default_jurisdiction_row(book, capsys):
    rows = default_settings_rows()
    rows.loc[rows["key"] == "GoverningLaw", "key"] = "DefaultJurisdiction"
    rows.loc[rows["key"] == "DefaultJurisdiction", "value"] = "FR"
    write.write_tables(book, {"Settings": rows})
    assert main(["config", str(book), "GoverningLaw"]) == 0  # read under its new name
    assert "GoverningLaw = FR" in capsys.readouterr().out
    assert main(["config", str(book), "GoverningLaw", "AT"]) == 0  # setting it renames the old row
    rows = [row[:2] for row in values(book, "Settings")]
    assert ("GoverningLaw", "AT") in rows and "DefaultJurisdiction" not in [key for key, _ in rows]
