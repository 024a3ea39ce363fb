"""A refresh writes the analytics a credit controller reads: CustomerRisk, predicted pay dates on Aging,
Effectiveness with the A/B verdict, and the Dashboard's top debtors — on a small history computed by hand."""

from __future__ import annotations

import datetime as dt
import math

import openpyxl
import pytest

from arcollect.book import settings
from arcollect.engine.policy import default_policy_rows
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import Reminder, idempotency_key
from arcollect.run import collect
from arcollect.schema import Customers, Debtors, DunningLevels, Effectiveness, EffectivenessSheet, Risk
from arcollect.schema import Invoices as I

from .workbooks import TUESDAY, customer, invoice, make_book, payment, sheet_rows

AS_OF = TUESDAY.date()  # 2026-11-24


def _sent(ledger: Ledger, customer_id: str, level: int, template: str, invoices: tuple[str, ...], day: str) -> None:
    """What the ledger holds after a reminder went out on `day`."""
    at = dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)
    reminder = Reminder(
        key=idempotency_key(customer_id, level, invoices, at.date()),
        customer_id=customer_id,
        level=level,
        template=template,
        language="en",
        sender="ar@acme.example",
        to=(f"ap-{customer_id.lower()}@client.example",),
        cc=(),
        reply_to=None,
        subject="Payment reminder",
        html="<p>x</p>",
        text="x",
        invoices=invoices,
        variant=template,
    )
    ledger.plan(reminder, now=at, transport="outbox")
    assert ledger.begin_send(reminder.key, now=at, transport="outbox")
    ledger.mark_sent(reminder.key, now=at, message_id=reminder.message_id)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    # History (amounts 1000 EUR): LATE paid H1 due 08-01 on 08-31 and H2 due 09-01 on 10-01 (30 days late each);
    # OK paid H3 due 08-01 on 07-30 (2 days early). Open: O1 LATE 5000 due 11-20 (4 days overdue), O2 OK 8000
    # due 12-10, O3 NEW 100 due 12-20 (no history).
    folder = tmp_path_factory.mktemp("analytics")
    policy = default_policy_rows()
    policy.loc[policy[DunningLevels.TONE] == "friendly", DunningLevels.TEMPLATE] = "friendly|friendly_b"
    path = make_book(
        folder,
        customers=[customer("LATE"), customer("OK"), customer("NEW")],
        invoices=[
            invoice("H1", "LATE", due="2026-08-01", status="Paid"),
            invoice("H2", "LATE", due="2026-09-01", status="Paid"),
            invoice("H3", "OK", due="2026-08-01", status="Paid"),
            invoice("O1", "LATE", due="2026-11-20", amount=5000.0),
            invoice("O2", "OK", due="2026-12-10", amount=8000.0),
            invoice("O3", "NEW", due="2026-12-20", amount=100.0),
        ],
        payments=[
            payment("2026-08-31", "LATE", 1000.0, invoice_number="H1"),
            payment("2026-10-01", "LATE", 1000.0, invoice_number="H2"),
            payment("2026-07-30", "OK", 1000.0, invoice_number="H3"),
        ],
        policy=policy,
    )
    # Reminders: friendly to LATE for H1 on 08-04 and H2 on 09-04 (paid 27 days later each);
    # friendly_b to OK for H3 on 07-28 (paid 2 days later).
    with Ledger(settings.Settings().ledger_file(path)) as ledger:
        _sent(ledger, "LATE", 1, "friendly", ("H1",), "2026-08-04")
        _sent(ledger, "LATE", 1, "friendly", ("H2",), "2026-09-04")
        _sent(ledger, "OK", 1, "friendly_b", ("H3",), "2026-07-28")
    collect(path, now=TUESDAY)
    return path


def test_customer_risk_ranks_the_late_payer_first_and_says_why(book) -> None:
    rows = {row[I.CUSTOMER_ID]: row for row in sheet_rows(book, "CustomerRisk")}
    assert list(rows) == ["LATE", "OK", "NEW"]  # riskiest first; NEW, who never paid, has no score: last
    late = rows["LATE"]
    # 30 days late saturates its 35 points; all paid late 10; all of the open balance overdue 15
    assert late[Risk.SCORE] >= 60
    assert late[Risk.REASONS].startswith("pays 30 days late on average")
    assert "100% of the open balance overdue" in late[Risk.REASONS]
    assert (late[Debtors.OPEN_BASE], late[Debtors.OVERDUE_BASE]) == (5000.0, 5000.0)
    assert late[Risk.WEIGHTED_DAYS_LATE] == 30.0 and late["paid_count"] == 2 and late["on_time_share"] == 0.0
    assert rows["OK"][Risk.REASONS] == "pays on time" and rows["OK"][Risk.SCORE] == 0
    assert (rows["OK"][Debtors.OPEN_BASE], rows["OK"][Debtors.OVERDUE_BASE]) == (8000.0, 0.0)
    assert rows["NEW"]["paid_count"] == 0 and rows["NEW"][Customers.CREDIT_HOLD] is False
    # not 0 ("no risk") and not a silent blank: the words the predicted pay dates use
    assert rows["NEW"][Risk.SCORE] == "no payment history" == rows["NEW"][Risk.NEXT_PAY_DATE]
    assert rows["NEW"][Risk.REASONS] == "no payment history"


def test_aging_shows_each_open_invoice_s_predicted_pay_date(book) -> None:
    predicted = {row[I.NUMBER]: row[Risk.PREDICTED_PAY_DATE] for row in sheet_rows(book, "Aging")}
    assert predicted["O1"].date() == dt.date(2026, 12, 20)  # due 11-20 + LATE's 30 days
    assert predicted["O2"].date() == dt.date(2026, 12, 8)  # due 12-10 − OK's 2 days early
    # NEW has no history: no prediction from other customers' habits, and the sheet says so
    assert predicted["O3"] == "no payment history"
    risk = {row[I.CUSTOMER_ID]: row for row in sheet_rows(book, "CustomerRisk")}
    assert risk["LATE"][Risk.NEXT_PAY_DATE].date() == dt.date(2026, 12, 20)
    assert risk["NEW"][Risk.NEXT_PAY_DATE] == "no payment history"


def test_effectiveness_compares_the_two_templates_of_the_a_b_level(book) -> None:
    rows = {row[Effectiveness.TEMPLATE]: row for row in sheet_rows(book, "Effectiveness")}
    friendly, variant = rows["friendly"], rows["friendly_b"]
    assert (friendly[Effectiveness.REMINDERS], friendly[Effectiveness.INVOICES]) == (2, 2)
    assert (friendly[Effectiveness.PAID_14_SHARE], friendly[Effectiveness.PAID_30_SHARE]) == (0.0, 1.0)
    assert friendly[Effectiveness.MEDIAN_DAYS_TO_PAY] == 27.0
    assert (variant[Effectiveness.PAID_7_SHARE], variant[Effectiveness.MEDIAN_DAYS_TO_PAY]) == (1.0, 2.0)
    # 14-day shares 1/1 vs 0/2; pooled p = 1/3, se = sqrt(1/3 × 2/3 × (1/1 + 1/2)) = 0.5774 → z = 1/0.5774 = 1.73
    verdict = (
        "friendly_b pays 25 days sooner than friendly; not yet significant (z = 1.73) — "
        "1 vs 2 reminders, 100% vs 0% paid within 14 days"
    )
    verdicts = [
        row[EffectivenessSheet.VERDICT] for row in sheet_rows(book, "Effectiveness") if row[Effectiveness.LEVEL] == 1
    ]
    assert verdicts[0] == verdict and not any(verdicts[1:]), "the verdict is written once, on the level's first row"
    assert math.isclose((1 - 0) / math.sqrt(1 / 3 * 2 / 3 * 1.5), 1.7320508, rel_tol=1e-6)


def test_the_dashboard_lists_the_top_debtors_and_the_a_b_verdict(book) -> None:
    sheet = openpyxl.load_workbook(book)["Dashboard"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}
    title = cells["Top 3 debtors"]
    names = [sheet.cell(row=title.row + offset, column=1).value for offset in (2, 3, 4)]
    assert names == ["Customer OK GmbH", "Customer LATE GmbH", "Customer NEW GmbH"]  # by open balance
    assert sheet.cell(row=title.row + 2, column=3).value == 8000.0
    headers = [sheet.cell(row=title.row + 1, column=column).value for column in range(1, 8)]
    scores = [sheet.cell(row=title.row + offset, column=headers.index("Risk score") + 1).value for offset in (2, 3, 4)]
    assert scores[1] >= 60 and scores[2] == "n/a"  # NEW never paid: no score, not a 0 …
    why = sheet.cell(row=title.row + 4, column=headers.index("Why") + 1).value
    assert why == "no payment history"  # … and Why, beside it, says so
    heading = cells["A/B tests"]
    assert sheet.cell(row=heading.row + 1, column=1).value.startswith("Level 1: friendly_b pays 25 days sooner")


def test_money_columns_are_base_currency_and_shares_show_as_percentages(book) -> None:
    sheet = openpyxl.load_workbook(book)["CustomerRisk"]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("Paid on time") + 1).number_format == "0%"
    assert sheet.cell(row=2, column=headers.index("Open (EUR)") + 1).number_format == "#,##0.00"  # "(base)" named


def test_a_workbook_without_invoices_gets_empty_analytics_sheets(tmp_path) -> None:
    path = make_book(tmp_path, customers=[customer("C1")], invoices=[])
    collect(path, now=TUESDAY)
    assert sheet_rows(path, "CustomerRisk") == []
    assert sheet_rows(path, "Effectiveness") == []
    assert sheet_rows(path, "Aging") == []
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "No open balances." in values and "No dunning level names two templates yet." in values


def test_customer_risk_balances_are_whole_cents_of_the_aging_amounts(tmp_path) -> None:
    # 0.10 + 0.20 as floats is 0.30000000000000004, not 0.30: the sheet rounds half up to the cent.
    path = make_book(
        tmp_path,
        customers=[customer("C1")],
        invoices=[
            invoice("A", "C1", due="2026-11-20", amount=0.10),
            invoice("B", "C1", due="2026-11-20", amount=0.20),
            invoice("C", "C1", due="2026-12-20", amount=0.70),
        ],
    )
    collect(path, now=TUESDAY)
    [row] = sheet_rows(path, "CustomerRisk")
    assert (row[Debtors.OPEN_BASE], row[Debtors.OVERDUE_BASE]) == (1.0, 0.3)
