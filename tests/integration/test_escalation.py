"""Escalation end to end on real workbooks: a person approves it, its side effects follow from the ledger.

An escalation (credit hold, agency wording, a case file) waits "awaiting approval" until a finance user approves it —
in the workbook's Approve column, with ``arcollect approve`` or from the ribbon — and the ledger records who and
when. The case file and the Credit hold cell are derived from the ledger's sent escalations on every run: a run
killed with SIGKILL between the send and its side effects, the unattended schedule and a workbook open in Excel all
end with exactly one case file and the hold set, and a hold the user releases stays released.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from arcollect import escalation
from arcollect.book import cases, live
from arcollect.cli import main
from arcollect.mail.ledger import Ledger
from arcollect.run import collect
from arcollect.schema import Customers, Queue

from .workbooks import (
    TUESDAY,
    by_customer,
    customer,
    invoice,
    make_book,
    outbox_messages,
    seed_sent,
    sheet_rows,
    text_of,
)

LEDGER = "collections.ledger.sqlite"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """LATE had the friendly, second and final reminders about L-1 and L-2 (95 and 62 days overdue): its escalation
    is due now. NEW owes a fresh invoice. Nothing has been approved yet."""
    path = make_book(
        tmp_path,
        customers=[customer("LATE", language="de", name="Spät GmbH"), customer("NEW")],
        invoices=[
            invoice("L-1", "LATE", due="2026-08-21", amount=1200.0),
            invoice("L-2", "LATE", due="2026-09-23", amount=800.0),
            invoice("L-3", "LATE", due="2026-11-20", amount=300.0),  # 4 days late: never reminded, overdue all the same
            invoice("L-4", "LATE", due="2026-11-27", amount=100.0),  # not yet due: not part of the escalation
            invoice("N-1", "NEW", due="2026-11-18"),
        ],
    )
    seed_sent(path, [("LATE", 1, ["L-1", "L-2"], "2026-10-05"), ("LATE", 2, ["L-1", "L-2"], "2026-10-15"),
                     ("LATE", 3, ["L-1", "L-2"], "2026-10-30")])  # fmt: skip
    return path


def only(rows: list[dict], customer_id: str) -> dict:
    [row] = by_customer(rows)[customer_id]
    return row


def escalation_row(path: Path) -> dict:
    [row] = [row for row in by_customer(sheet_rows(path, "ReminderQueue"))["LATE"] if row[Queue.LEVEL] == 4]
    return row


def hold_of(path: Path, customer_id: str) -> bool:
    return only(sheet_rows(path, "Customers"), customer_id)[Customers.CREDIT_HOLD] is True


def test_an_escalation_waits_for_approval_and_the_dry_run_says_so_in_one_line(book, capsys):
    assert main(["send", str(book), "--dry-run", "--now", TUESDAY.isoformat()]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "credit hold" in line)
    assert line.startswith("1 customer would be put on credit hold and handed to collections — all await")

    report = collect(book, now=TUESDAY, send=True)

    assert [message["To"].addresses[0].addr_spec for message in outbox_messages(book.parent)] == [
        "ap-new@client.example"
    ]
    row = escalation_row(book)
    assert (row[Queue.LEVEL], row[Queue.STATE]) == (4, "awaiting approval")
    assert row[Queue.INVOICES] == "L-1, L-2, L-3"  # everything overdue, the never-reminded L-3 included
    assert "approval" in row[Queue.REASON] and report.escalated == []
    assert not hold_of(book, "LATE") and not cases.case_folder(book).exists()


def test_a_name_in_the_approve_column_is_recorded_with_who_and_when_and_the_escalation_goes_out(book):
    collect(book, now=TUESDAY, send=True)  # plans it awaiting approval
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["ReminderQueue"]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("Customer ID")].value == "LATE" and row[headers.index("Level")].value == 4:
            row[headers.index("Approve")].value = "Anna Keller"  # what the finance user types, then saves
    workbook.save(book)

    later = TUESDAY + dt.timedelta(hours=1)
    report = collect(book, now=later, send=True)

    with Ledger(book.with_name(LEDGER)) as ledger:
        approved = escalation.approvals(ledger)
    assert approved[["customer_id", "level", "approved_by", "source"]].values.tolist() == [
        ["LATE", 4, "Anna Keller", "workbook"]
    ]
    assert approved["approved_at"].iloc[0] == later
    assert report.escalated == ["LATE"] and hold_of(book, "LATE")
    letter = next(text_of(m) for m in outbox_messages(book.parent) if m["To"].addresses[0].username == "ap-late")
    assert "L-3" in letter and "Inkasso" in letter
    row = escalation_row(book)
    assert row[Queue.STATE] == "sent" and row[Queue.REASON].startswith("approved by Anna Keller on")
    assert row.get(Queue.APPROVE) in (None, "")  # the sheet is rewritten: the name is in the ledger now

    again = collect(book, now=later + dt.timedelta(days=8), send=True)  # a week on: the approval was used up
    late = again.queue[again.queue[Queue.CUSTOMER_ID] == "LATE"]
    assert not late[Queue.STATE].isin(["sent", "due", "scheduled"]).any()
    assert late.loc[late[Queue.LEVEL] == 1, Queue.REASON].item().startswith("on credit hold")  # L-4: lower levels stop
    assert not (cases.case_folder(book) / "LATE.new.xlsx").exists()


def test_the_cli_lists_and_approves_and_an_unknown_customer_is_named(book, capsys):
    now = TUESDAY.isoformat()
    assert main(["approve", str(book), "--now", now]) == 0
    listing = capsys.readouterr().out
    assert "LATE" in listing and "1 awaiting approval" in listing
    assert main(["approve", str(book), "LATE", "NOPE", "--by", "Ben Hartmann", "--now", now]) == 1
    out = capsys.readouterr().out
    assert "Approved by Ben Hartmann: LATE" in out and "NOPE: no escalation awaiting approval" in out
    assert main(["send", str(book), "--now", now]) == 0
    assert hold_of(book, "LATE") and (cases.case_folder(book) / "LATE.xlsx").exists()


_KILLED_AFTER_SEND = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from arcollect import escalation, run

    real = escalation.side_effects

    def die(*args, write_cases=True, **kwargs):
        if write_cases:  # after the send: the escalation is in the ledger, its side effects are not done yet
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, write_cases=write_cases, **kwargs)

    escalation.side_effects = die
    run.collect(sys.argv[1], now=dt.datetime.fromisoformat(sys.argv[2]), send=True)
    """
)


def test_a_run_killed_between_the_send_and_its_side_effects_is_caught_up_by_the_next_run(book):
    with Ledger(book.with_name(LEDGER)) as ledger:
        escalation.record(ledger, "LATE", 4, by="Anna Keller", now=TUESDAY, source="cli")
    before = book.read_bytes()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AFTER_SEND, str(book), TUESDAY.isoformat()],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    sent = [m for m in outbox_messages(book.parent) if m["To"].addresses[0].username == "ap-late"]
    assert len(sent) == 1  # the escalation went out ...
    assert book.read_bytes() == before and not cases.case_folder(book).exists()  # ... and nothing followed it

    report = collect(book, now=TUESDAY + dt.timedelta(minutes=10), send=True)  # the next run, whatever it sends

    assert report.escalated == ["LATE"] and hold_of(book, "LATE")
    assert sorted(path.name for path in cases.case_folder(book).iterdir()) == ["LATE.xlsx"]
    assert len([m for m in outbox_messages(book.parent) if m["To"].addresses[0].username == "ap-late"]) == 1
    once_more = collect(book, now=TUESDAY + dt.timedelta(minutes=20), send=False)
    assert once_more.escalated == []  # done once, recorded: not again


def test_the_schedule_writes_the_holds_and_an_open_workbook_keeps_them_waiting_not_lost(book):
    with Ledger(book.with_name(LEDGER)) as ledger:
        escalation.record(ledger, "LATE", 4, by="Anna Keller", now=TUESDAY, source="cli")
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"\x0cExcel user" + b"\x00" * 40)  # Excel has the workbook open
    tick = collect(book, now=TUESDAY, send=True, write_back=False, side_effects=True)  # what a schedule tick does

    assert (cases.case_folder(book) / "LATE.xlsx").exists() and not hold_of(book, "LATE")
    assert any("open in Excel" in note for note in tick.notes), tick.notes
    planned = collect(book, now=TUESDAY + dt.timedelta(days=8), send=False, write_back=False)
    late = planned.queue[(planned.queue[Queue.CUSTOMER_ID] == "LATE") & (planned.queue[Queue.LEVEL] == 1)]
    assert late[Queue.REASON].item().startswith("on credit hold: escalated on 2026-11-24")  # held, though not ticked

    owner.unlink()  # Excel closed it: the next tick writes the hold into the workbook itself
    collect(book, now=TUESDAY + dt.timedelta(minutes=15), send=True, write_back=False, side_effects=True)
    assert hold_of(book, "LATE")
    assert sorted(path.name for path in cases.case_folder(book).iterdir()) == ["LATE.xlsx"]  # written once


def test_a_hold_the_user_releases_stays_released(book):
    with Ledger(book.with_name(LEDGER)) as ledger:
        escalation.record(ledger, "LATE", 4, by="Anna Keller", now=TUESDAY, source="cli")
    collect(book, now=TUESDAY, send=True)
    assert hold_of(book, "LATE")
    assert main(["refresh", str(book), "--now", (TUESDAY + dt.timedelta(hours=1)).isoformat()]) == 0

    workbook = openpyxl.load_workbook(book)  # the credit controller agrees a plan with the customer and unticks it
    sheet = workbook["Customers"]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("Customer ID")].value == "LATE":
            row[headers.index("Credit hold")].value = False
    workbook.save(book)

    collect(book, now=TUESDAY + dt.timedelta(days=2), send=False)
    assert not hold_of(book, "LATE")


class Asked:
    """The approver's name the user types into the ribbon's input box (None: Cancel); records each prompt."""

    def __init__(self, typed: str | None) -> None:
        self.typed, self.prompts = typed, []

    def __call__(self, app, prompt: str, default: str) -> str | None:
        self.prompts.append((prompt, default))
        return self.typed


def test_the_ribbon_lists_the_escalations_asks_who_approves_records_it_and_send_sends_it(book, open_book):
    from arcollect.excel import ribbon

    live_book = open_book(book, answers=("yes", "yes"))  # approve? yes — and later: send? yes
    asked = Asked("  Anna   Keller ")
    ribbon.approve(live_book, now=TUESDAY, ask_name=asked)

    question, done = live_book.app.alerts[0], live_book.app.alerts[1]
    assert question.buttons == "yes_no" and question.prompt.startswith("Approve the escalation of 1 customer(s)?")
    assert "LATE Spät GmbH" in question.prompt
    assert asked.prompts == [
        ("Who approves 1 escalation? The name is recorded in the ledger with the time.", ribbon.default_approver())
    ]
    assert done.prompt == (
        "1 escalation approved by Anna Keller: it goes out with the next send, in each customer's business hours; "
        "credit hold and case file follow."
    )
    with Ledger(book.with_name(LEDGER)) as ledger:
        approved = escalation.approvals(ledger)
    assert approved[["customer_id", "level", "approved_by", "source"]].values.tolist() == [
        ["LATE", 4, "Anna Keller", "ribbon"]
    ]
    shown = live.read_table(live_book, "ReminderQueue")  # refreshed in the open workbook: it says who approved
    [late] = shown[(shown[Queue.CUSTOMER_ID] == "LATE") & (shown[Queue.LEVEL] == 4)].to_dict("records")
    assert late[Queue.STATE] == "due" and late[Queue.REASON].startswith("approved by Anna Keller on")

    ribbon.send(live_book, now=TUESDAY + dt.timedelta(minutes=5))
    assert live_book.app.alerts[2].prompt.startswith("Send 2 reminders now")  # LATE's escalation and NEW's friendly one
    assert sorted(message["To"].addresses[0].addr_spec for message in outbox_messages(book.parent)) == [
        "ap-late@client.example", "ap-new@client.example"
    ]  # fmt: skip
    assert (cases.case_folder(book) / "LATE.xlsx").exists()


@pytest.mark.parametrize("typed", [None, "   "], ids=["cancel", "blank"])
def test_the_ribbon_approves_nothing_without_a_name_or_on_no(book, open_book, typed):
    from arcollect.excel import ribbon

    live_book = open_book(book, answers=("yes", "no"))
    ribbon.approve(live_book, now=TUESDAY, ask_name=Asked(typed))
    assert live_book.app.alerts[-1].prompt == "No name given: nothing approved."
    never = Asked("Anna Keller")
    ribbon.approve(live_book, now=TUESDAY, ask_name=never)  # "No" at the question: no name asked, nothing recorded
    assert never.prompts == [] and live_book.app.alerts[-1].buttons == "yes_no"
    with Ledger(book.with_name(LEDGER)) as ledger:
        assert escalation.approvals(ledger).empty


@pytest.mark.parametrize("where", ["ribbon", "cli"])
def test_an_approval_goes_into_the_ledger_the_workbook_records_also_after_a_rename(book, open_book, where, capsys):
    """The ledger is found as `send` finds it (LedgerUrl, LedgerPath, the stamp of a renamed workbook): approving
    from the ribbon or the CLI never starts a fresh ledger beside the workbook that `send` would then refuse."""
    from arcollect.excel import ribbon

    collect(book, now=TUESDAY, send=False)  # the workbook records its ledger's id
    renamed = book.rename(book.with_name("Receivables 2026.xlsx"))
    if where == "ribbon":
        live_book = open_book(renamed, answers=("yes",))
        ribbon.approve(live_book, now=TUESDAY, user="Claire Martin")
        assert live_book.app.alerts[-1].prompt.startswith("1 escalation approved by Claire Martin: it goes out")
        live_book.close()
    else:
        assert main(["approve", str(renamed), "LATE", "--by", "Claire Martin", "--now", TUESDAY.isoformat()]) == 0
        assert "Approved by Claire Martin: LATE" in capsys.readouterr().out

    assert sorted(path.name for path in book.parent.glob("*.ledger.sqlite")) == [LEDGER]
    with Ledger(book.with_name(LEDGER)) as ledger:
        approved = escalation.approvals(ledger)
    assert approved[["customer_id", "approved_by", "source"]].values.tolist() == [["LATE", "Claire Martin", where]]
    report = collect(renamed, now=TUESDAY + dt.timedelta(minutes=5), send=True)
    assert len(report.sent) == 2 and report.escalated == ["LATE"]
