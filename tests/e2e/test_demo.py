"""`arcollect demo` and `arcollect send` end to end on the sample workbook, as a user runs them."""

from __future__ import annotations

import email
import functools
import sys
from datetime import datetime
from email import policy
from pathlib import Path

import openpyxl
import pytest

from arcollect.cli import main
from arcollect.demo.job import DEMO_FILE
from arcollect.schema import TABLES

NOW = "2026-11-24T10:00:00+00:00"  # a Tuesday: business hours in Europe, evening in Asia, night in the Americas
WEEK_LATER = "2026-12-01T10:00:00+00:00"  # the letters that wait, as a preview a week later shows them


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder), "--now", NOW]) == 0
    return folder


@pytest.fixture(scope="module")
def week_later(demo: Path) -> Path:
    """The demo's preview a week later (its letters in demo/preview): the letters that wait, rendered once for the
    tests that read them, whichever of them runs first or alone (`arcollect demo` writes a preview of its own)."""
    assert main(["preview", str(demo / DEMO_FILE), "--now", WEEK_LATER]) == 0
    return demo / "preview"


@functools.lru_cache(maxsize=1)
def _loaded(path: Path, stamp: tuple[int, int]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def loaded(path: Path) -> openpyxl.Workbook:
    """The workbook as it is on disk now, loaded in full (every sheet of 5,400 invoices) once while the file stays
    unchanged: a run that rewrites it (the send again, the preview a week later) changes its stamp, so the next test
    loads what that run wrote. Read it, never change it."""
    info = path.stat()
    return _loaded(path, (info.st_mtime_ns, info.st_size))


def sheet_rows(path: Path, name: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(value is not None for value in row)]


def test_demo_leaves_filled_output_sheets(demo):
    workbook = demo / DEMO_FILE
    aging = sheet_rows(workbook, "Aging")
    assert len(aging) > 4000
    assert {row["Bucket"] for row in aging} == {"Current", "1-30", "31-60", "61-90", "91-120", "120+"}
    summary = sheet_rows(workbook, "AgingSummary")
    total = next(row for row in summary if row["Customer ID"] == "Total")
    assert total["Total (EUR)"] > 0  # the buckets and the total name the base currency
    # the demo's two unusable invoice rows are named under the total, not silently left out
    assert summary[-1]["Customer ID"] == "Not in totals" and summary[-1]["Customer"].startswith("not in totals: 2")
    queue = sheet_rows(workbook, "ReminderQueue")
    assert {"due", "held"} & {row["State"] for row in queue}
    assert all(row["Reason"] for row in queue if row["State"] == "held")
    log = sheet_rows(workbook, "ReminderLog")
    assert log and all(row["State"] == "sent" for row in log)


def test_bad_rows_are_reported_with_sheet_row_and_column(demo):
    exceptions = sheet_rows(demo / DEMO_FILE, "Exceptions")
    assert len(exceptions) >= 5
    assert all(row["Sheet"] and row["Row"] and row["Column"] and row["Reason"] for row in exceptions)
    reasons = " ".join(row["Reason"] for row in exceptions)
    assert "not a date" in reasons and "customer ID C99999 is not in Customers" in reasons
    places = [(row["Sheet"], row["Row"]) for row in exceptions]
    assert places == sorted(places, key=lambda place: (["Customers", "Invoices"].index(place[0]), place[1]))
    assert all(row["Go to"] == f"{row['Sheet']}!{row['Go to'].split('!')[1]}" for row in exceptions)


def test_the_outbox_holds_one_mime_message_per_sent_reminder(demo):
    messages = sorted((demo / "outbox").glob("*.eml"))
    log = sheet_rows(demo / DEMO_FILE, "ReminderLog")
    sent_now = [row for row in log if row["Transport"] == "outbox"]
    assert len(messages) == len(sent_now) > 50
    # the rest is the seeded past (demo_history): marked as such, the latest from last week's dunning run
    past = [row for row in log if row["Transport"] != "outbox"]
    assert past and {row["Transport"] for row in past} == {"demo history"}
    assert max(row["Sent (UTC)"] for row in past) <= datetime(2026, 11, 18, 23, 59)
    parsed = email.message_from_bytes(messages[0].read_bytes(), policy=policy.default)
    assert parsed["To"] and parsed["Subject"] and parsed["Message-ID"] and parsed["Content-Language"]
    senders = {str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["From"]) for path in messages}
    assert senders == {"Northwind Components Credit Control <ar@northwind.example>"}  # SenderName, not a bare mailbox
    assert parsed["Message-ID"].endswith("@northwind.example>")  # the sender's domain, not @arcollect.invalid
    assert {part.get_content_type() for part in parsed.walk()} >= {"text/plain", "text/html"}
    assert (demo / "outbox" / "index.html").exists()


def test_sending_again_the_same_day_sends_nothing_and_says_why(demo):
    before = len(list((demo / "outbox").glob("*.eml")))
    assert main(["send", str(demo / DEMO_FILE), "--now", "2026-11-24T10:30:00+00:00"]) == 0
    assert len(list((demo / "outbox").glob("*.eml"))) == before
    queue = sheet_rows(demo / DEMO_FILE, "ReminderQueue")
    assert not [row for row in queue if row["State"] in ("sent", "due")]
    assert any(str(row["Reason"]).startswith("already sent") for row in queue)


def test_input_sheets_survive_the_run(demo):
    book = loaded(demo / DEMO_FILE)
    for table in TABLES.values():
        assert table.name in book.sheetnames
    assert book["Customers"].max_row > 300


def test_the_refresh_draws_the_dashboard_with_tiles_and_four_native_charts(demo):
    import zipfile

    book = loaded(demo / DEMO_FILE)
    assert "Dashboard" in book.sheetnames
    values = [cell for row in book["Dashboard"].iter_rows(values_only=True) for cell in row if cell is not None]
    assert "DSO (days)" in values and "Overdue (% of open)" in values and "Total open (EUR)" in values
    assert "Needs a person today" in values
    # the direct-debit notice is no level of the policy: named on the effectiveness chart, not "Level 99"
    assert "Direct debit failed" in values and "Level 99" not in values and "Level 1" in values
    with zipfile.ZipFile(demo / DEMO_FILE) as package:
        charts = [name for name in package.namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 4


def test_escalations_follow_the_ledger_each_with_a_case_file_and_a_credit_hold(demo):
    import sqlite3

    with sqlite3.connect(demo / "arcollect-demo.ledger.sqlite") as db:
        escalated = {
            row[0] for row in db.execute("SELECT customer_id FROM reminders WHERE level = 4 AND state = 'sent'")
        }
        approvers = {row[0] for row in db.execute("SELECT approved_by FROM approvals")}
    files = {path.stem for path in (demo / "cases").glob("*.xlsx")}
    customers = sheet_rows(demo / DEMO_FILE, "Customers")
    held = {row["Customer ID"] for row in customers if row["Credit hold"] is True}
    assert escalated and files == escalated and escalated <= held  # an approved escalation: case file and hold
    assert approvers == {"Anna Keller (demo)"}
    queue = sheet_rows(demo / DEMO_FILE, "ReminderQueue")
    awaiting = [row for row in queue if row["State"] == "awaiting approval"]
    assert awaiting and all(row["Level"] == 4 for row in awaiting)  # the later ones wait for a person
    assert not [
        row for row in queue if row["Customer ID"] in held and row["State"] in ("sent", "due") and row["Level"] != 4
    ]


def test_the_demo_and_a_preview_a_week_later_say_nothing_untrue(demo, week_later, capsys):
    """Issue #16's count over every rendered email: no negative amount due, no escalation listing less than
    everything overdue, no lower-level reminder to an escalated customer, no discount offered where none is left,
    no sentence about earlier reminders that the ledger does not bear out for the invoices it names."""
    import json
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "check_reminders.py"
    done = subprocess.run(
        [sys.executable, str(script), str(demo / DEMO_FILE), str(demo / "outbox"), str(week_later), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    counts = json.loads(done.stdout)
    print(json.dumps({k: v for k, v in counts.items() if k != "problems"}, sort_keys=True))
    assert counts["problems"] == [] and done.returncode == 0
    assert counts["negative"] == counts["short_escalation"] == 0
    assert counts["lower_level_after_escalation"] == counts["discount_claim_without_discount"] == 0
    assert counts["untrue_history"] == 0 and counts["history_claims"] > 0  # the letters that cite history were read
    assert counts["checked"] > 250 and {"0", "1", "2", "3", "4"} <= set(counts["levels"])  # every level was read
    assert counts["escalations"] and counts["pre_due"]
    assert len(counts["languages"]) == 9


def test_the_mornings_bank_statement_stops_exactly_the_reminders_it_pays(demo):
    """make demo writes a camt.053 of the morning's payments and imports it before sending (#20)."""
    import json

    summary = json.loads((demo / "bank" / "summary.json").read_text(encoding="utf-8"))
    assert summary["credits"] == 14 and summary["unmatched"] == 2
    assert summary["applied"] == {"invoice number": 7, "RF reference": 3, "customer + exact amount": 2}
    assert summary["stopped"] == summary["meant_to_stop"] and len(summary["stopped"]) == 10
    assert summary["smaller"] == summary["meant_to_reduce"] and len(summary["smaller"]) == 2
    workbook = demo / DEMO_FILE
    bank_rows = [row for row in sheet_rows(workbook, "Payments") if row["Bank entry"]]
    assert len({row["Bank entry"] for row in bank_rows}) == 12 and all(row["Matched by"] for row in bank_rows)
    status = {row["Invoice"]: row["Status"] for row in sheet_rows(workbook, "Invoices")}
    paid = {row["Invoice"] for row in bank_rows if row["Invoice"] and status[row["Invoice"]] == "Paid"}
    part = {row["Invoice"] for row in bank_rows if row["Invoice"] and status[row["Invoice"]] != "Paid"}
    assert len(part) == 2 and paid
    sent = [row for row in sheet_rows(workbook, "ReminderLog") if row["Transport"] == "outbox"]
    chased = {number for row in sent for number in row["Invoices"].split("; ")}
    assert not chased & paid  # no reminder went out for an invoice the morning's statement paid
    assert part <= chased  # the part-paid ones were reminded of the rest
    assert len(sheet_rows(workbook, "Unmatched")) == 2


def test_every_letter_cites_only_the_law_governing_its_customer_and_in_its_own_language(demo, week_later, monkeypatch):
    """scripts/check_letters.py (issue #17) over every letter of the demo: the ones sent and the ones the preview a
    week later renders. No directive, no law that does not govern the customer, no English law name inside another
    language."""
    import importlib.util

    script = Path(__file__).parents[2] / "scripts" / "check_letters.py"
    spec = importlib.util.spec_from_file_location("check_letters", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    letters = module.letters_in(demo)
    findings = module.check(demo / DEMO_FILE, letters)
    assert (findings.directive, findings.foreign, findings.english, findings.unknown) == ([], [], [], []), (
        findings.summary()
    )
    assert findings.letters == len(letters) > 200
    assert len(findings.languages) == 9  # every template language
    assert {"DE", "GB", "FR"} <= set(findings.citing)  # the seller's law, the UK entity's, French buyers' own terms


def test_no_value_in_the_demos_output_sheets_is_cut_off_by_its_column(demo: Path) -> None:
    from tests.integration.workbooks import clipped_values

    assert clipped_values(demo / "arcollect-demo.xlsx", loaded(demo / "arcollect-demo.xlsx")) == []
