"""Every ribbon button end to end on a real workbook "open in Excel", through `book.live` as Excel would drive it.

The live book is the stand-in of tests/excel_standin.py: the xlwings object model the ribbon uses, over a real
.xlsx written by the template and `write_tables`. After a button the test saves the book (as the user would) and
reads the file back with openpyxl, the ledger with `Ledger`, and the outbox as files. `KINDS` is where a second
live engine joins: xlwings' own offline engine (``xw.Book(json=…)``, xlwings PRO, noncommercial licence, test use
only and opt-in via XLWINGS_LICENSE_KEY) is not wired in yet — its writes are queued JSON actions that would need
a replayer onto the .xlsx, and its alert cannot answer yes/no.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from arcollect import run
from arcollect.book import template
from arcollect.book.reminder_log import reminder_log
from arcollect.book.settings import Settings
from arcollect.excel import ribbon
from arcollect.mail.ledger import Ledger
from arcollect.mail.ledger.lease import host_name
from arcollect.schema import Log

from .test_import import QBO_APRIL, QBO_MARCH
from .workbooks import TUESDAY, customer, invoice, make_book, sheet_rows

KINDS = ["stand-in"]


def demo_like(folder: Path) -> Path:
    """Three customers in three countries, due at different levels, one formula-like name, one bad row."""
    return make_book(
        folder,
        customers=[
            customer("C1", name='=HYPERLINK("http://evil.example")'),
            customer("C2", country="FR", language="fr"),
            customer("C3", country="GB", currency="GBP"),
        ],
        invoices=[
            invoice("00123", "C1", due="2026-11-10"),
            invoice("INV-2", "C2", due="2026-10-01", amount=250.5),
            invoice("INV-3", "C3", due="2026-11-21", currency="GBP", amount=99.0),
            invoice("INV-4", "C3", due="2026-11-01", amount="12,34,5x"),
        ],
    )


@pytest.fixture(params=KINDS)
def open_live(request, open_book):
    """Open a workbook file as a live book of the parametrized kind (today: the stand-in)."""
    return open_book


def log_lines(folder: Path) -> list[str]:
    return (folder / ribbon.LOG_FILE).read_text(encoding="utf-8").splitlines()


def assert_screen_updating_restored(book) -> None:
    assert book.app.screen_updating_changes[0] is False
    assert book.app.screen_updating_changes[-1] is True


def assert_plain_words(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text and "Error:" not in text


# ---- the buttons -----------------------------------------------------------------------------------------------


def test_refresh_fills_every_output_table_and_logs_a_line(tmp_path, open_live):
    path = demo_like(tmp_path)
    book = open_live(path)
    outcome = ribbon.refresh(book, now=TUESDAY)
    book.save()
    aging = sheet_rows(path, "Aging")
    assert sorted(row["invoice_number"] for row in aging) == ["00123", "INV-2", "INV-3"]
    assert next(row for row in aging if row["invoice_number"] == "00123")["customer_name"].startswith("=HYPERLINK")
    assert openpyxl.load_workbook(path)["Aging"]["C2"].data_type == "s"  # a name, not a formula
    summary_headers = [cell.value for cell in openpyxl.load_workbook(path)["AgingSummary"][1]]
    assert summary_headers == template.aging_summary_headers()
    assert {row["customer_id"] for row in sheet_rows(path, "ReminderQueue")} == {"C1", "C2", "C3"}
    # a bad invoice row, and the GBP customer's missing account (Settings has none for GBP)
    assert [row["sheet"] for row in sheet_rows(path, "Exceptions")] == ["Invoices", "Settings"]
    assert outcome is not None and outcome.report.invoices == 3
    assert [alert.prompt for alert in book.app.alerts] == [
        "Settings: customers billed in GBP get no bank details: there is no account for GBP — add IBAN.GBP "
        "(and BIC.GBP) or BankDetails.GBP to Settings\n1 value could not be used — see the Exceptions sheet."
    ]  # fmt: skip
    assert_screen_updating_restored(book)
    assert any("Refresh on collections.xlsx: 3 invoices" in line for line in log_lines(tmp_path))


def test_preview_renders_into_the_preview_folder_and_opens_its_index(tmp_path, open_live):
    book = open_live(demo_like(tmp_path))
    opened: list[str] = []
    ribbon.preview(book, now=TUESDAY, opener=opened.append)
    index = tmp_path / "preview" / "index.html"
    assert opened == [index.as_uri()]
    assert index.is_file()
    assert len(list((tmp_path / "preview").glob("*.eml"))) == 3  # one reminder per customer is due
    assert not (tmp_path / "outbox").exists()
    with Ledger(tmp_path / "collections.ledger.sqlite") as ledger:
        assert reminder_log(ledger.history()).empty
    assert_screen_updating_restored(book)
    assert any("Preview reminders on collections.xlsx" in line for line in log_lines(tmp_path))


def test_send_asks_with_the_count_and_transport_and_sends_on_yes(tmp_path, open_live):
    path = demo_like(tmp_path)
    book = open_live(path, answers=("yes",))
    ribbon.send(book, now=TUESDAY)
    book.save()
    question, result = book.app.alerts[0], book.app.alerts[1]
    assert question.buttons == "yes_no"
    assert question.prompt.startswith("Send 3 reminders now through the outbox")
    assert result.prompt.startswith("Sent 3 of 3 reminders.")
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    with Ledger(tmp_path / "collections.ledger.sqlite") as ledger:
        assert sorted(reminder_log(ledger.history())[Log.STATE]) == ["sent"] * 3
    assert [row["state"] for row in sheet_rows(path, "ReminderLog")] == ["sent"] * 3
    assert_screen_updating_restored(book)
    assert any("Send reminders on collections.xlsx" in line and "sent 3" in line for line in log_lines(tmp_path))


def test_send_while_another_run_holds_the_ledger_says_who_in_one_sentence_and_sends_nothing(
    tmp_path, open_live, monkeypatch
):
    """The schedule (here: another holder of the workbook's ledger in this process) is sending when the user presses
    Send: after the ribbon's wait, one sentence names who holds the ledger; nothing is sent or written."""
    path = demo_like(tmp_path)
    monkeypatch.setattr(ribbon, "RIBBON_LEASE_WAIT", 0.3)  # the ribbon waits 10 s for a run to finish
    book = open_live(path, answers=("yes",))
    before = path.read_bytes()
    with run.open_ledger(path, Settings()) as other, other.hold("schedule"):
        ribbon.send(book, now=TUESDAY)
    question, told = book.app.alerts
    assert question.prompt.startswith("Send 3 reminders now through the outbox")
    lines = [line for line in told.prompt.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].count(". ") == 0, told.prompt
    assert told.prompt.startswith(f"Nothing was sent: schedule on {host_name()} (process {os.getpid()}, since")
    assert told.prompt.endswith("is sending with this workbook's ledger — press Send again when it has finished.")
    assert_plain_words(told.prompt)
    assert not (tmp_path / "outbox").exists() and path.read_bytes() == before
    assert any("Send reminders on collections.xlsx" in line and "not sent, the ledger is in use by schedule on" in line
               for line in log_lines(tmp_path))  # fmt: skip
    book.app.answers = ["yes"]
    ribbon.send(book, now=TUESDAY)  # the other run has finished: Send goes through
    assert book.app.alerts[-1].prompt.startswith("Sent 3 of 3 reminders.")


def test_send_names_the_mail_server_and_mailbox_in_the_question(tmp_path, open_live, monkeypatch):
    path = demo_like(tmp_path)
    book = open_live(path, answers=("no",))
    monkeypatch.setattr(ribbon, "_settings", lambda _book: _graph_settings())
    ribbon.send(book, now=TUESDAY)
    assert book.app.alerts[0].prompt == "Send 3 reminders now through graph (ar@acme.example)?"


def _graph_settings():
    from arcollect.book.settings import Settings

    return Settings(transport="graph", sender_mailbox="ar@acme.example")


def test_send_answered_no_sends_and_writes_nothing(tmp_path, open_live):
    path = demo_like(tmp_path)
    before = path.read_bytes()
    book = open_live(path, answers=("no",))
    outcome = ribbon.send(book, now=TUESDAY)
    book.save()
    assert outcome is not None and "not sent" in outcome.summary
    assert len(book.app.alerts) == 1
    assert not (tmp_path / "outbox").exists()
    with Ledger(tmp_path / "collections.ledger.sqlite") as ledger:
        assert reminder_log(ledger.history()).empty
    assert sheet_rows(path, "ReminderLog") == [] and sheet_rows(path, "Aging") == []
    assert len(before) > 0
    assert_screen_updating_restored(book)


def test_dashboard_refreshes_draws_the_dashboard_with_native_charts_and_shows_it(tmp_path, open_live):
    path = demo_like(tmp_path)
    book = open_live(path)
    ribbon.dashboard(book, now=TUESDAY)
    ribbon.dashboard(book, now=TUESDAY)
    charts = book.sheets["Dashboard"].charts
    # No payment and no reminder yet: no DSO trend and no effectiveness to chart; notes stand in their places.
    assert [chart.chart_type for chart in charts] == ["column_clustered", "column_clustered"]
    assert len([call for call in book.calls if call[0] == "chart.delete"]) == 2  # the second press replaced them
    book.save()
    workbook = openpyxl.load_workbook(path)
    assert workbook.active.title == "Dashboard"
    labels = [workbook["Dashboard"].cell(4, column).value for column in (1, 3)]
    assert labels == ["DSO (days)", "Best possible DSO (days)"]
    notes = [
        cell.value
        for row in workbook["Dashboard"].iter_rows()
        for cell in row
        if str(cell.value).endswith("no data yet")
    ]
    assert notes == [
        "DSO trend, month ends (days): no data yet",
        "Paid within 14 days of the reminder, by level: no data yet",
    ]
    summary = sheet_rows(path, "AgingSummary")
    assert len(summary) == 5  # three customers, the total, and what it leaves out (the bad row INV-4)
    assert summary[-1]["customer_name"].startswith("not in totals: 1 invoice")
    assert_screen_updating_restored(book)


def test_import_from_excel_merges_the_export_into_the_open_book_and_says_what_changed(tmp_path, open_live):
    path = tmp_path / "collections.xlsx"
    template.build(path)
    book = open_live(path, answers=("yes", "yes"))  # both are full exports
    ribbon.import_open_items(book, pick_file=lambda _app: str(QBO_MARCH))
    ribbon.import_open_items(book, pick_file=lambda _app: str(QBO_APRIL))
    ribbon.import_open_items(book, pick_file=lambda _app: None)
    questions = [alert for alert in book.app.alerts if alert.buttons != "ok"]
    assert [alert.buttons for alert in questions] == ["yes_no_cancel"] * 2
    assert questions[0].prompt.startswith(f"Does {QBO_MARCH.name} list ALL open invoices?")
    first, later = (alert.prompt for alert in book.app.alerts if alert.buttons == "ok")
    assert first.startswith(f"Imported {QBO_MARCH.name} (quickbooks): 13 added, 0 updated, 0 closed (marked Paid)")
    assert later.startswith(f"Imported {QBO_APRIL.name} (quickbooks): 3 added, 2 updated, 5 closed (marked Paid)")
    assert "see the Exceptions sheet" in later and "Save the workbook to keep them" in later
    book.save()
    assert len(sheet_rows(path, "Invoices")) == 16
    assert any("no file chosen" in line for line in log_lines(tmp_path))
    assert any("Import open items on collections.xlsx" in line and "3 added" in line for line in log_lines(tmp_path))
    assert_screen_updating_restored(book)


def test_import_of_a_partial_export_closes_nothing_and_cancel_writes_nothing(tmp_path, open_live):
    path = tmp_path / "collections.xlsx"
    template.build(path)
    book = open_live(path, answers=("yes", "cancel", "no"))
    ribbon.import_open_items(book, pick_file=lambda _app: str(QBO_MARCH))
    writes = len([call for call in book.calls if call[0] == "write"])
    ribbon.import_open_items(book, pick_file=lambda _app: str(QBO_APRIL))  # cancelled at the question
    assert len([call for call in book.calls if call[0] == "write"]) == writes, "a cancelled import writes nothing"
    ribbon.import_open_items(book, pick_file=lambda _app: str(QBO_APRIL))  # partial: add and update only
    *_, partial = (alert.prompt for alert in book.app.alerts if alert.buttons == "ok")
    assert partial.startswith(f"Imported {QBO_APRIL.name} (quickbooks): 3 added, 2 updated, 0 closed (marked Paid)")
    book.save()
    assert len(sheet_rows(path, "Invoices")) == 16
    assert any("import cancelled" in line for line in log_lines(tmp_path))


def test_an_export_no_mapping_fits_is_refused_in_plain_words_and_nothing_is_written(tmp_path, open_live):
    path = demo_like(tmp_path)
    export = tmp_path / "open-items.csv"
    export.write_text("Something;Else\n1;2\n", encoding="utf-8")
    book = open_live(path, answers=("yes",))
    ribbon.import_open_items(book, pick_file=lambda _app: str(export))
    [alert] = [alert for alert in book.app.alerts if alert.buttons == "ok"]
    assert alert.prompt.startswith("Import open items stopped: open-items.csv: its columns do not fit a known export")
    assert_plain_words(alert.prompt)
    assert not [call for call in book.calls if call[0] == "write"]


def test_test_connection_shows_the_transports_sentence(tmp_path, open_live):
    book = open_live(demo_like(tmp_path))
    ribbon.test_connection(book)
    [alert] = book.app.alerts
    assert alert.prompt.startswith("outbox: OK: reminders will be written to")
    assert any("Test connection on collections.xlsx: outbox: OK" in line for line in log_lines(tmp_path))


def test_open_log_opens_the_log_beside_the_workbook(tmp_path, open_live):
    book = open_live(demo_like(tmp_path))
    opened: list[str] = []
    ribbon.open_log(book, opener=opened.append)
    assert book.app.alerts[0].prompt.startswith("There is no log yet")
    ribbon.refresh(book, now=TUESDAY)
    ribbon.open_log(book, opener=opened.append)
    assert opened == [str(tmp_path / ribbon.LOG_FILE)]


# ---- errors in plain words -------------------------------------------------------------------------------------


def test_a_workbook_without_settings_is_reported_in_plain_words(tmp_path, open_live):
    path = demo_like(tmp_path)
    workbook = openpyxl.load_workbook(path)
    del workbook["Settings"]
    workbook.save(path)
    book = open_live(path)
    ribbon.refresh(book, now=TUESDAY)
    [alert] = book.app.alerts
    assert alert.prompt.startswith("Settings: sheet 'Settings' is missing — add it back")
    assert_plain_words(alert.prompt)
    assert_screen_updating_restored(book)


def test_a_broken_invoices_header_is_reported_in_plain_words(tmp_path, open_live):
    path = demo_like(tmp_path)
    workbook = openpyxl.load_workbook(path)
    workbook["Invoices"]["A1"] = "Invoice no"
    workbook["Invoices"].tables["Invoices"].tableColumns[0].name = "Invoice no"
    workbook.save(path)
    book = open_live(path)
    ribbon.refresh(book, now=TUESDAY)
    [alert] = book.app.alerts
    assert alert.prompt.startswith("Invoices: required column Invoice missing from the header row (row 1)")
    assert_plain_words(alert.prompt)


def test_an_unexpected_failure_is_one_sentence_on_screen_and_the_traceback_in_the_log(tmp_path, open_live, monkeypatch):
    book = open_live(demo_like(tmp_path))

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(ribbon, "collect", broken)
    assert ribbon.refresh(book, now=TUESDAY) is None
    [alert] = book.app.alerts
    assert alert.prompt == (
        f"Refresh stopped because of an unexpected problem: division by zero. The details are in "
        f"{tmp_path / ribbon.LOG_FILE}."
    )
    assert alert.title == "arcollect" and alert.screen_updating is True
    assert_plain_words(alert.prompt)
    assert_screen_updating_restored(book)
    assert "Traceback" in (tmp_path / ribbon.LOG_FILE).read_text(encoding="utf-8")


def test_a_configuration_error_is_its_own_message(tmp_path, open_live, monkeypatch):
    monkeypatch.delenv("ARCOLLECT_GRAPH_CLIENT_SECRET", raising=False)
    path = make_book(
        tmp_path,
        customers=[customer("C1")],
        invoices=[invoice("I-1", "C1", due="2026-11-10")],
        settings={"Transport": "graph", "GraphTenantId": "tenant", "GraphClientId": "client"},
    )
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # a keyring that holds nothing
    book = open_live(path)
    ribbon.test_connection(book)
    [alert] = book.app.alerts
    assert alert.prompt.startswith("Test connection stopped: ")
    assert "client secret" in alert.prompt.lower()
    assert_plain_words(alert.prompt)
    assert any("Test connection on collections.xlsx stopped" in line for line in log_lines(tmp_path))


def test_a_workbook_never_saved_is_refused_before_anything_runs():
    from tests.excel_standin import StandInApp

    class Unsaved:
        name = fullname = "Book1"

    book = Unsaved()
    book.calls = []
    book.app = StandInApp(book, ())
    assert ribbon.refresh(book, now=dt.datetime(2026, 11, 24, tzinfo=dt.UTC)) is None
    [alert] = book.app.alerts
    assert alert.prompt == "Refresh stopped: Save Book1 to a folder first: arcollect keeps its ledger and outbox " \
        "beside the workbook."  # fmt: skip
