"""Agency case files written to disk and read back, and the credit hold an escalation sets."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from arcollect.book import cases
from arcollect.schema import Aging, Customers, Invoices, Log

AS_OF = dt.date(2026, 11, 24)
EVIL_NAME = '=HYPERLINK("http://evil.example","Pay here")'


def customer(customer_id: str, **fields: Any) -> dict[str, Any]:
    return {
        Customers.ID: customer_id,
        Customers.NAME: f"Customer {customer_id} GmbH",
        Customers.EMAIL: f"ap-{customer_id.lower()}@client.example",
        Customers.COUNTRY: "DE",
        Customers.CURRENCY: "EUR",
        Customers.ACCOUNT_MANAGER: "am@seller.example",
        **fields,
    }


def open_items() -> pd.DataFrame:
    """C1 owes EUR 1,000 + 500 and USD 200 (a EUR credit note of 100 is listed but not claimed); C2 owes EUR 50."""
    return pd.DataFrame(
        {
            Invoices.NUMBER: ["INV-1", "INV-2", "INV-3", "CN-4", "INV-9"],
            Invoices.CUSTOMER_ID: ["C1", "C1", "C1", "C1", "C2"],
            Invoices.INVOICE_DATE: pd.to_datetime(
                ["2026-06-01", "2026-07-01", "2026-07-15", "2026-08-01", "2026-08-01"]
            ),
            Invoices.DUE_DATE: pd.to_datetime(["2026-07-01", "2026-07-31", "2026-08-14", "2026-08-31", "2026-08-31"]),
            Invoices.CURRENCY: ["EUR", "EUR", "USD", "EUR", "EUR"],
            Invoices.AMOUNT: [1000.0, 500.0, 200.0, -100.0, 50.0],
            Invoices.OPEN_AMOUNT: [1000.0, 500.0, 200.0, -100.0, 50.0],
            Aging.DAYS_PAST_DUE: [146, 116, 102, 85, 85],
            Invoices.STATUS: ["Open", "Open", "Open", "Open", "Open"],
            Invoices.PO_NUMBER: ["=1+1", None, None, None, None],
            Aging.LATE_INTEREST: [51.23, 20.10, 6.05, 0.0, 1.0],
            Aging.FIXED_COMPENSATION: [40.0, 40.0, 46.4, 0.0, 40.0],
        }
    )


def history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            Log.KEY: ["k1", "k2", "k3"],
            Log.CUSTOMER_ID: ["C1", "C2", "C1"],
            Log.LEVEL: pd.array([2, 1, 1], dtype="Int64"),
            Log.TEMPLATE: ["firm", "friendly", "friendly"],
            Log.STATE: ["sent", "sent", "sent"],
            Log.SUBJECT: ["Second reminder", "Reminder", "=cmd|' /C calc'!A0"],
            Log.PLANNED_AT: pd.to_datetime(["2026-08-20 08:00", "2026-09-01 08:00", "2026-08-05 08:00"]),
            Log.SENT_AT: pd.to_datetime(["2026-08-20 08:01", "2026-09-01 08:01", "2026-08-05 08:01"]),
        }
    )


def rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def claim_rows(path: Path) -> dict[str, tuple[Any, ...]]:
    """Summary's "Claimable by currency" block, keyed by currency."""
    sheet = rows(path, cases.SUMMARY)
    start = next(index for index, row in enumerate(sheet) if row[:2] == ("Currency", "Open items")) + 1
    return {row[0]: row[1:6] for row in sheet[start:] if row[0] and row[0] != "No open items."}


def test_case_file_sums_principal_interest_and_compensation_per_currency(tmp_path: Path) -> None:
    path = cases.write_case(tmp_path, customer=customer("C1"), invoices=open_items(), history=history(), as_of=AS_OF)

    assert claim_rows(path) == {
        "EUR": (3, 1500.0, 71.33, 80.0, 1651.33),
        "USD": (1, 200.0, 6.05, 46.4, 252.45),
    }


def test_case_file_has_summary_open_items_and_reminder_history_of_that_debtor_only(tmp_path: Path) -> None:
    path = cases.write_case(tmp_path, customer=customer("C1"), invoices=open_items(), history=history(), as_of=AS_OF)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "OpenItems", "ReminderHistory"]
    items = rows(path, "OpenItems")
    assert items[0][:4] == ("Invoice", "Invoice date", "Due date", "Currency")
    assert [row[0] for row in items[1:]] == ["INV-1", "INV-2", "INV-3", "CN-4"]
    assert book["OpenItems"]["B2"].number_format == "yyyy-mm-dd"
    assert book["OpenItems"]["F2"].number_format == "#,##0.00"
    assert set(book["OpenItems"].tables) == {"OpenItems"}
    reminders = rows(path, "ReminderHistory")
    assert [row[0] for row in reminders[1:]] == ["k3", "k1"]  # oldest first, C2's reminder left out
    summary = [value for row in rows(path, "Summary") for value in row if value is not None]
    assert "ap-c1@client.example" in summary
    assert "am@seller.example" in summary
    assert AS_OF in [value.date() for value in summary if isinstance(value, dt.datetime)]


def test_formula_like_text_in_a_case_file_stays_text(tmp_path: Path) -> None:
    path = cases.write_case(
        tmp_path,
        customer=customer("C1", **{Customers.NAME: EVIL_NAME}),
        invoices=open_items(),
        history=history(),
        as_of=AS_OF,
    )

    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        assert len(sheets) == 3
        for name in sheets:
            assert "<f>" not in archive.read(name).decode("utf-8"), name
    values = [
        value for sheet in ("Summary", "OpenItems", "ReminderHistory") for row in rows(path, sheet) for value in row
    ]
    assert EVIL_NAME in values
    assert "=1+1" in values
    assert "=cmd|' /C calc'!A0" in values


def test_one_file_per_debtor_with_a_safe_name_that_never_collides(tmp_path: Path) -> None:
    folder = cases.case_folder(tmp_path / "collections.xlsx")
    written = [
        cases.write_case(folder, customer=customer(customer_id), invoices=open_items(), history=history(), as_of=AS_OF)
        for customer_id in ("C1", "C2", "A/B", "A_B", "../etc")
    ]

    assert folder == tmp_path / "cases"
    assert len(set(written)) == 5
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in written)
    assert written[0].name == "C1.xlsx"
    assert written[2].name.startswith("A_B-") and written[3].name == "A_B.xlsx"
    assert all(path.parent == folder for path in written)
    assert claim_rows(written[1]) == {"EUR": (1, 50.0, 1.0, 40.0, 91.0)}
    assert claim_rows(written[2]) == {}


def test_writing_a_case_again_replaces_it_with_the_same_content(tmp_path: Path) -> None:
    first = cases.write_case(tmp_path, customer=customer("C1"), invoices=open_items(), history=history(), as_of=AS_OF)
    before = {sheet: rows(first, sheet) for sheet in ("Summary", "OpenItems", "ReminderHistory")}

    again = cases.write_case(tmp_path, customer=customer("C1"), invoices=open_items(), history=history(), as_of=AS_OF)

    assert again == first
    assert {sheet: rows(again, sheet) for sheet in before} == before
    assert [path.name for path in tmp_path.iterdir()] == ["C1.xlsx"]
