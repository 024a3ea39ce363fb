"""Email addresses are validated (email-validator, syntax only, no DNS) before anything is planned.

An invalid address in Customers (Email, Cc, Account manager email) or in Settings (SenderMailbox, ReplyTo,
FinanceContact) is a problem naming sheet, row, column and why; that customer gets no reminder, and the run goes
on for everyone else.
"""

from __future__ import annotations

import pandas as pd
import pytest

from arcollect.book import read, settings, validate
from arcollect.book.values import convert
from arcollect.run import collect
from arcollect.schema import CUSTOMERS, Customers, Kind, Queue, SettingsSheet
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book

INVALID = {
    "two dots": "ap..billing@client.example",
    "no dot in the domain": "ap@localhost",
    "two at signs": "ap@client.example@attacker.example",
    "hyphen after the at sign": "ap@-client.example",
    "reserved domain": "ap@client.invalid",
    "ip literal": "ap@[127.0.0.1]",
    "quoted local part": '"ap"@client.example',
}


@pytest.mark.parametrize("address", INVALID.values(), ids=INVALID.keys())
def test_invalid_customer_email_is_a_problem_on_its_cell(address: str) -> None:
    rows = [
        CUSTOMERS.headers[:5],
        ["C1", "Good Ltd", "ap@good.example", None, "DE"],
        ["C2", "Bad Ltd", address, None, "FR"],
    ]
    frame, problems = read.read_rows(CUSTOMERS, rows)
    assert frame.loc[2, Customers.EMAIL] == "ap@good.example"
    assert frame.loc[3, Customers.EMAIL] is None, "the customer stays, without an address"
    [problem] = problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("Customers", 3, "Email", address)
    assert problem.reason.startswith("not an email address") and "(" in problem.reason, problem.reason


def test_one_invalid_cc_address_is_reported_and_the_cc_list_dropped() -> None:
    rows = [["Customer ID", "Name", "Country", "Cc", "Account manager email"]]
    rows.append(["C1", "Cc Ltd", "DE", "ok@client.example; ap..x@client.example", "am@@acme.example"])
    frame, problems = read.read_rows(CUSTOMERS, rows)
    assert frame.loc[2, Customers.CC] == ()
    assert frame.loc[2, Customers.ACCOUNT_MANAGER] is None
    by_column = {problem.column: problem for problem in problems}
    assert set(by_column) == {"Cc", "Account manager email"}
    assert "ap..x@client.example" in by_column["Cc"].reason


def test_addresses_are_validated_once_per_distinct_value() -> None:
    column = pd.Series(["A@x.example", "a@x.example", "b@y.example", "bad@@z.example"] * 2_500, dtype=object)
    validate.address_problem.cache_clear()
    values, bad = convert(column, Kind.EMAIL)
    assert validate.address_problem.cache_info().misses == 2  # lower-cased first; "@@" never reaches the validator
    assert int(bad.sum()) == 2_500 and values.iloc[0] == "a@x.example"


def test_invalid_settings_addresses_are_problems_and_fall_back_to_the_default() -> None:
    table = pd.DataFrame(
        {
            SettingsSheet.KEY: ["SenderMailbox", "ReplyTo", "FinanceContact"],
            SettingsSheet.VALUE: ["ar@acme..example", "credit@acme.example", "finance@localhost"],
        },
        index=[2, 3, 4],
    )
    config, problems = settings.parse_settings(table)
    assert (config.sender_mailbox, config.reply_to, config.finance_contact) == ("", "credit@acme.example", "")
    assert [(problem.sheet, problem.row, problem.column) for problem in problems] == [
        ("Settings", 2, "Value"),
        ("Settings", 4, "Value"),
    ]
    assert all("one email address" in problem.reason for problem in problems)


def test_customer_with_an_invalid_address_gets_no_reminder_and_the_run_goes_on(tmp_path) -> None:
    path = make_book(
        tmp_path,
        customers=[customer("C1"), customer("C2", email=INVALID["two dots"])],
        invoices=[invoice("INV-1", "C1", due="2026-11-10"), invoice("INV-2", "C2", due="2026-11-10")],
    )
    report = collect(path, now=TUESDAY, send=True)
    problems = [problem for problem in report.problems if problem.sheet == "Customers"]
    assert [(problem.row, problem.column) for problem in problems] == [(3, "Email")]
    queue = report.queue.set_index(Queue.CUSTOMER_ID)
    assert queue.loc["C2", Queue.STATE] == "held" and "no valid email address" in queue.loc["C2", Queue.REASON]
    assert queue.loc["C1", Queue.STATE] != "held"
    assert len(report.sent) == 1
