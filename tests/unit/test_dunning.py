"""The dunning planner: which level, which holds, one message per customer, send times in local hours."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from arcollect.book.schema import Aging, Customers, Invoices, Log, Queue
from arcollect.book.settings import default_policy_rows, parse_policy
from arcollect.engine import dunning

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday: 11:00 in Berlin, 19:00 in Tokyo
POLICY, _ = parse_policy(default_policy_rows())


def customers(**overrides) -> pd.DataFrame:
    row = {
        Customers.ID: "C1", Customers.NAME: "Müller GmbH", Customers.EMAIL: "ap@mueller.example",
        Customers.CC: "", Customers.COUNTRY: "DE", Customers.SUBDIVISION: "BY", Customers.LANGUAGE: "de",
        Customers.TIME_ZONE: None, Customers.DO_NOT_CONTACT: False, Customers.AUTO_PAY: False,
        Customers.ACCOUNT_MANAGER: "am@northwind.example",
    }  # fmt: skip
    row.update(overrides)
    return pd.DataFrame([row])


def invoice(number: str, due: str, amount: float = 100.0, status: str = "Open", **extra) -> dict:
    row = {
        Invoices.NUMBER: number, Invoices.CUSTOMER_ID: "C1", Invoices.DUE_DATE: pd.Timestamp(due),
        Invoices.OPEN_AMOUNT: amount, Invoices.CURRENCY: "EUR", Invoices.STATUS: status,
        Invoices.PROMISE_DATE: pd.NaT, Invoices.PLAN_NEXT_DATE: pd.NaT, Invoices.DISPUTE_REASON: None,
        Aging.BASE_OPEN_AMOUNT: amount,
    }  # fmt: skip
    row.update(extra)
    return row


def plan(rows: list[dict], people: pd.DataFrame | None = None, **options) -> pd.DataFrame:
    return dunning.plan(pd.DataFrame(rows), customers() if people is None else people, POLICY, now=NOW, **options)


def only(queue: pd.DataFrame) -> dict:
    assert len(queue) == 1, queue[[Queue.LEVEL, Queue.STATE, Queue.REASON]]
    return queue.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("due", "level_name"),
    [("2026-11-27", "Pre-due reminder"), ("2026-11-21", "Friendly reminder"), ("2026-11-10", "Second reminder"),
     ("2026-10-25", "Final notice"), ("2026-09-20", "Escalation")],
)  # fmt: skip
def test_the_level_follows_days_past_due_in_the_customers_time_zone(due, level_name):
    row = only(plan([invoice("A", due)]))
    assert row[Queue.LEVEL_NAME] == level_name and row[Queue.STATE] == dunning.DUE


def test_due_today_and_just_overdue_get_nothing_yet():
    assert plan([invoice("A", "2026-11-24"), invoice("B", "2026-11-23")]).empty


def test_grace_days_push_each_post_due_level_back():
    assert plan([invoice("A", "2026-11-21")], grace_days=2).empty  # 3 days late, friendly starts at 3 + 2


def test_disputed_invoice_is_held_with_its_reason():
    row = only(plan([invoice("A", "2026-11-10", status="Disputed", **{Invoices.DISPUTE_REASON: "wrong quantity"})]))
    assert row[Queue.STATE] == dunning.HELD and row[Queue.REASON] == "disputed: wrong quantity"


def test_promise_to_pay_holds_reminders_until_promise_date():
    kept = invoice("A", "2026-11-10", status="Promised", **{Invoices.PROMISE_DATE: pd.Timestamp("2026-11-30")})
    assert only(plan([kept]))[Queue.REASON] == "promised to pay by 2026-11-30"


def test_a_broken_promise_moves_the_invoice_to_the_next_level():
    broken = invoice("A", "2026-11-10", status="Promised", **{Invoices.PROMISE_DATE: pd.Timestamp("2026-11-20")})
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [2], Invoices.NUMBER: ["A"], Log.SENT_AT: ["2026-11-12T09:00:00Z"]}
    )
    row = only(plan([broken], history=history))
    assert row[Queue.LEVEL_NAME] == "Final notice"  # 14 days late would be level 2, already had: one up


def test_payment_plan_holds_until_the_next_instalment():
    on_plan = invoice("A", "2026-10-01", status="Plan", **{Invoices.PLAN_NEXT_DATE: pd.Timestamp("2026-12-01")})
    assert only(plan([on_plan]))[Queue.REASON] == "payment plan: next instalment due 2026-12-01"


@pytest.mark.parametrize(
    ("override", "reason"),
    [({Customers.DO_NOT_CONTACT: True}, "do not contact"),
     ({Customers.AUTO_PAY: True}, "pays by direct debit (auto-pay): no reminders"),
     ({Customers.EMAIL: "accounts(at)example.com"}, "no valid email address ('accounts(at)example.com')"),
     ({Customers.EMAIL: None}, "no valid email address")],
)  # fmt: skip
def test_customer_holds_name_the_reason(override, reason):
    row = only(plan([invoice("A", "2026-11-10")], customers(**override)))
    assert row[Queue.STATE] == dunning.HELD and row[Queue.REASON] == reason


def test_unknown_customer_is_held():
    row = only(plan([invoice("A", "2026-11-10", **{Invoices.CUSTOMER_ID: "C404"})]))
    assert row[Queue.REASON] == "customer ID not found in Customers"


def test_credit_notes_covering_the_debt_hold_the_reminder_and_are_never_dunned():
    rows = [invoice("A", "2026-11-10", 100.0), invoice("CN", "2026-11-01", -150.0)]
    row = only(plan(rows))
    assert row[Queue.INVOICES] == "A" and row[Queue.REASON].startswith("credit notes")


def test_unapplied_cash_counts_with_credit_notes():
    row = only(plan([invoice("A", "2026-11-10", 100.0)], unapplied_cash=pd.Series({"C1": 100.0})))
    assert row[Queue.STATE] == dunning.HELD


def test_below_the_minimum_amount_nobody_is_chased():
    row = only(plan([invoice("A", "2026-11-10", 20.0)], minimum_amount=25.0))
    assert row[Queue.REASON].startswith("below the minimum amount")


def test_minimum_days_since_the_previous_reminder_come_from_the_history():
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [1], Invoices.NUMBER: ["OLD"], Log.SENT_AT: ["2026-11-20T09:00:00Z"]}
    )
    row = only(plan([invoice("A", "2026-11-10")], history=history))
    assert row[Queue.REASON] == "last reminder sent on 2026-11-20; the policy waits until 2026-11-27"


def test_an_invoice_already_reminded_at_its_level_is_not_reminded_again():
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [2], Invoices.NUMBER: ["A"], Log.SENT_AT: ["2026-11-10T09:00:00Z"]}
    )
    row = only(plan([invoice("A", "2026-11-05")], history=history))
    assert row[Queue.REASON] == "already sent on 2026-11-10"


def test_the_final_level_repeats_after_its_interval():
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [3], Invoices.NUMBER: ["A"], Log.SENT_AT: ["2026-11-05T09:00:00Z"]}
    )
    again = only(plan([invoice("A", "2026-10-20")], history=history))  # 35 days late, final sent 19 days ago
    assert again[Queue.LEVEL_NAME] == "Final notice" and again[Queue.STATE] == dunning.DUE


def test_one_reminder_per_customer_and_level_covers_all_its_invoices():
    row = only(plan([invoice("B", "2026-11-10"), invoice("A", "2026-11-09")]))
    assert row[dunning.INVOICE_LIST] == ("A", "B") and row[Queue.BASE_AMOUNT] == 200.0


def test_only_the_highest_level_goes_out_in_one_run():
    queue = plan([invoice("A", "2026-11-27"), invoice("B", "2026-10-20")])
    going = queue[queue[Queue.STATE] == dunning.DUE]
    assert going[Queue.LEVEL_NAME].tolist() == ["Final notice"]
    assert queue.loc[queue[Queue.LEVEL] == 0, Queue.REASON].item() == "the customer's Final notice goes out first"


def test_send_time_is_inside_the_customers_business_hours_skipping_local_holidays():
    tokyo = customers(**{Customers.COUNTRY: "JP", Customers.SUBDIVISION: None, Customers.LANGUAGE: "ja"})
    row = only(plan([invoice("A", "2026-11-10")], tokyo))  # 19:00 in Tokyo: next business morning
    assert row[Queue.STATE] == dunning.SCHEDULED
    assert row[Queue.SEND_AT_LOCAL] == "Wed 2026-11-25 09:00 Asia/Tokyo"
    before_holiday = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)  # Sunday; Monday 23 Nov is a holiday in Japan
    queue = dunning.plan(pd.DataFrame([invoice("A", "2026-11-10")]), tokyo, POLICY, now=before_holiday)
    assert queue.iloc[0][Queue.SEND_AT_LOCAL] == "Tue 2026-11-24 09:00 Asia/Tokyo"


def test_the_account_manager_is_copied_where_the_level_asks():
    row = only(plan([invoice("A", "2026-11-10")], customers(**{Customers.CC: ["ap2@mueller.example"]})))
    assert row[Queue.CC] == "ap2@mueller.example; am@northwind.example"


def test_now_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        dunning.plan(pd.DataFrame([invoice("A", "2026-11-10")]), customers(), POLICY, now=NOW.replace(tzinfo=None))
