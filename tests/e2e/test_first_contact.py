"""First contact, as a new user has it: `arcollect new` (German law), one customer and one invoice typed in,
Settings set with `arcollect config`, then `arcollect send` at real business moments over simulated weeks (`--now`).

The backlog invoice is 98 days overdue and was never reminded. The first send is the friendly reminder — no credit
hold, no case file — and each later send climbs one level, after the ledger shows the one before and its minimum
days: the second reminder cites the first, the final notice adds interest, the escalation waits for a finance
user's approval and only then goes out, with the credit hold and the agency case file. After it, nothing lower.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import openpyxl
import pytest

from arcollect.cli import main

MOMENTS = {  # Berlin business hours (11:00 local), each a business day
    "first": "2026-11-24T10:00:00+00:00",  # Tuesday: the invoice is 98 days overdue
    "second": "2026-12-02T10:00:00+00:00",  # 8 days on: more than the second level's 7
    "final": "2026-12-14T10:00:00+00:00",  # 12 days on: more than the final notice's 10
    "escalation": "2026-12-21T10:00:00+00:00",  # 7 days on
    "after": "2026-12-28T10:00:00+00:00",
}


def type_row(path: Path, sheet_name: str, values: dict[str, object]) -> None:
    """What a user does: type values under the headers in the first empty row of a sheet, and save."""
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    headers = [cell.value for cell in sheet[1]]
    row = 2
    while any(sheet.cell(row=row, column=column).value is not None for column in range(1, len(headers) + 1)):
        row += 1
    for header, value in values.items():
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    book.save(path)


def column(path: Path, sheet_name: str, header: str) -> list:
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)[sheet_name]
    rows = list(sheet.iter_rows(values_only=True))
    where = list(rows[0]).index(header)
    return [row[where] for row in rows[1:] if any(value is not None for value in row)]


def messages(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((folder / "outbox").glob("*.eml"))
    ]


def text(message: email.message.EmailMessage) -> str:
    return " ".join(message.get_body(preferencelist=("plain",)).get_content().split())


@pytest.fixture(scope="module")
def climb(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("first-contact")
    book = folder / "Receivables.xlsx"
    assert main(["new", str(book), "--law", "DE"]) == 0  # the question `new` asks: the seller's own law
    type_row(book, "Customers", {
        "Customer ID": "10023", "Name": "Müller Maschinenbau GmbH", "Email": "buchhaltung@mueller.example",
        "Country": "DE", "Language": "de", "Currency": "EUR", "Payment terms": "net 30",
    })  # fmt: skip
    type_row(book, "Invoices", {
        "Invoice": "RE-2026-0815", "Customer ID": "10023", "Invoice date": dt.datetime(2026, 7, 19),
        "Currency": "EUR", "Amount": 4250,  # due date left blank: net 30 makes it 18 August
    })  # fmt: skip
    for key, value in (("CompanyName", "Northwind Components GmbH"), ("SenderMailbox", "ar@northwind.example"),
                       ("IBAN", "DE89 3704 0044 0532 0130 00")):  # fmt: skip
        assert main(["config", str(book), key, value]) == 0
    steps: dict[str, dict] = {"book": {"folder": folder}}
    for step, moment in MOMENTS.items():
        if step == "escalation":
            assert main(["send", str(book), "--now", moment]) == 0  # nothing goes: it waits for a person
            steps["waiting"] = {
                "messages": len(messages(folder)),
                "state": column(book, "ReminderQueue", "State"),
                "hold": column(book, "Customers", "Credit hold"),
                "cases": (folder / "cases").exists(),
            }
            assert main(["approve", str(book), "10023", "--by", "Anna Keller", "--now", moment]) == 0
        assert main(["send", str(book), "--now", moment]) == 0
        steps[step] = {
            "messages": messages(folder),
            "hold": column(book, "Customers", "Credit hold"),
            "cases": sorted(path.name for path in (folder / "cases").glob("*.xlsx")),
            "queue": list(
                zip(column(book, "ReminderQueue", "Level"), column(book, "ReminderQueue", "State"), strict=True)
            ),
        }
    return steps


def test_the_first_send_on_a_98_days_overdue_backlog_is_the_friendly_reminder_without_hold_or_case_file(climb):
    first = climb["first"]
    [message] = first["messages"]
    assert message["Subject"] == "Zahlungserinnerung – Kundenkonto 10023"
    assert "98 Tage überfällig" in text(message) and "Inkasso" not in text(message)
    assert first["queue"] == [(1, "sent")]
    assert first["hold"] in ([None], [False]) and first["cases"] == []


def test_each_send_climbs_one_level_and_cites_the_earlier_reminders(climb):
    second = climb["second"]["messages"][-1]
    assert second["Subject"] == "Mahnung – offene Rechnung, Kundenkonto 10023"  # one invoice: singular
    assert "am 24. November 2026 haben wir Sie an die folgende Rechnung erinnert" in text(second)
    final = climb["final"]["messages"][-1]
    assert final["Subject"] == "Letzte Mahnung – Kundenkonto 10023"
    assert "am 24. November und 2. Dezember 2026 an die folgende Rechnung erinnert" in text(final)
    assert "gesetzliche Verzugszinsen" in text(final) and "(Rechtsgrundlage: § 288 Abs. 2 BGB)" in text(final)
    assert list(final.iter_attachments())


def test_the_escalation_waits_for_approval_then_goes_out_with_credit_hold_and_case_file(climb):
    waiting = climb["waiting"]
    assert waiting["messages"] == 3 and waiting["state"] == ["awaiting approval"]
    assert waiting["hold"] in ([None], [False]) and not waiting["cases"]
    escalated = climb["escalation"]
    message = escalated["messages"][-1]
    assert message["Subject"] == "Liefersperre und Übergabe an das Inkasso – Kundenkonto 10023"
    assert escalated["queue"] == [(4, "sent")] and escalated["hold"] == [True]
    assert escalated["cases"] == ["10023.xlsx"]
    summary = openpyxl.load_workbook(climb["book"]["folder"] / "cases" / "10023.xlsx")["Summary"]
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert values["Reminders sent"] == 4 and str(values["Escalation approved by"]).startswith("Anna Keller on")


def test_after_the_escalation_nothing_lower_goes_out(climb):
    after = climb["after"]
    assert len(after["messages"]) == 4  # friendly, second, final, escalation: one each, in that order
    assert [m["Subject"].split(" – ")[0] for m in after["messages"]] == [
        "Zahlungserinnerung", "Mahnung", "Letzte Mahnung", "Liefersperre und Übergabe an das Inkasso"]  # fmt: skip
    assert all(state != "sent" for _level, state in after["queue"])
