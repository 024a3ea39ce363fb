"""The dunning planner: which level, which holds, one message per customer, send times in local hours."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from arcollect.engine import dunning, pricing
from arcollect.engine.policy import default_policy_rows, parse_policy
from arcollect.schema import Aging, Customers, Invoices, Log, Payments, Queue

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


def sent(*entries: tuple[str, int, str]) -> pd.DataFrame:
    """Ledger history: (invoice, level, sent on YYYY-MM-DD) for customer C1, at 09:00 UTC."""
    return pd.DataFrame(
        {
            Log.CUSTOMER_ID: ["C1"] * len(entries),
            Log.LEVEL: [level for _, level, _ in entries],
            Invoices.NUMBER: [number for number, _, _ in entries],
            Log.SENT_AT: [f"{day}T09:00:00Z" for _, _, day in entries],
        }
    )


def climbed(number: str, up_to: int, last_on: str = "2026-11-10") -> pd.DataFrame:
    """The invoice had every dunning level 1 … `up_to`, the last one on `last_on`, each 8 days before the next."""
    last = pd.Timestamp(last_on)
    return sent(*[(number, level, f"{last - pd.Timedelta(days=8 * (up_to - level)):%Y-%m-%d}")
                  for level in range(1, up_to + 1)])  # fmt: skip


def only(queue: pd.DataFrame) -> dict:
    assert len(queue) == 1, queue[[Queue.LEVEL, Queue.STATE, Queue.REASON]]
    return queue.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("due", "had", "level_name"),
    [("2026-11-27", 0, "Pre-due reminder"), ("2026-11-21", 0, "Friendly reminder"),
     ("2026-11-10", 1, "Second reminder"), ("2026-10-25", 2, "Final notice"), ("2026-09-20", 3, "Escalation")],
)  # fmt: skip
def test_the_level_follows_days_past_due_in_the_customers_time_zone_one_step_after_the_last(due, had, level_name):
    row = only(plan([invoice("A", due)], history=climbed("A", had, "2026-11-10") if had else None))
    assert row[Queue.LEVEL_NAME] == level_name and row[Queue.STATE] == dunning.DUE


@pytest.mark.parametrize("due", ["2026-11-10", "2026-10-25", "2026-09-20", "2026-08-18"])
def test_an_invoice_never_reminded_starts_at_the_first_level_however_late_it_is(due):
    row = only(plan([invoice("A", due)]))  # 14, 30, 65 and 98 days late, nothing in the ledger
    assert row[Queue.LEVEL_NAME] == "Friendly reminder" and row[Queue.STATE] == dunning.DUE


def test_each_level_needs_the_one_before_it_in_the_ledger():
    late = invoice("A", "2026-08-18")  # 98 days late: the days allow the escalation
    assert only(plan([late], history=sent(("A", 1, "2026-11-10"))))[Queue.LEVEL_NAME] == "Second reminder"
    assert only(plan([late], history=climbed("A", 2)))[Queue.LEVEL_NAME] == "Final notice"
    assert only(plan([late], history=climbed("A", 3)))[Queue.LEVEL_NAME] == "Escalation"
    skipped = sent(("A", 1, "2026-10-01"), ("A", 3, "2026-11-10"))  # a gap in the ledger does not hold it back
    assert only(plan([late], history=skipped))[Queue.LEVEL_NAME] == "Escalation"


def test_the_next_level_waits_for_its_minimum_days_after_the_last_one():
    row = only(plan([invoice("A", "2026-10-25")], history=sent(("A", 1, "2026-11-20"))))
    assert row[Queue.LEVEL_NAME] == "Second reminder" and row[Queue.STATE] == dunning.HELD
    assert row[Queue.REASON] == "last reminder sent on 2026-11-20; the policy waits until 2026-11-27"


def test_a_pre_due_nudge_is_not_a_step_of_the_climb():
    row = only(plan([invoice("A", "2026-10-25")], history=sent(("A", 0, "2026-10-21"))))
    assert row[Queue.LEVEL_NAME] == "Friendly reminder"


@pytest.mark.parametrize(
    ("due", "level_name"), [("2026-11-10", "Friendly reminder"), ("2026-08-18", "Second reminder")]
)
def test_catch_up_starts_a_late_backlog_at_the_second_level_never_higher(due, level_name):
    row = only(plan([invoice("A", due)], catch_up_days=60))  # 14 days late: first level; 98: the second
    assert row[Queue.LEVEL_NAME] == level_name


def test_catch_up_never_starts_at_an_escalating_level():
    policy = [level for level in POLICY if level.level not in (2, 3)]  # friendly, then straight to escalation
    queue = dunning.plan(pd.DataFrame([invoice("A", "2026-08-18")]), customers(), policy, now=NOW, catch_up_days=30)
    assert only(queue)[Queue.LEVEL_NAME] == "Friendly reminder"


def test_an_escalation_lists_every_overdue_invoice_that_is_not_on_hold():
    rows = [
        invoice("A", "2026-08-18", 1000.0),  # had friendly … final: due for escalation
        invoice("B", "2026-11-20", 200.0),  # 4 days late, never reminded
        invoice("C", "2026-11-10", 300.0),  # already had the friendly reminder
        invoice("D", "2026-10-01", 400.0, status="Disputed"),
        invoice("E", "2026-12-01", 500.0),  # not yet due
        invoice("G", "2026-11-22", 50.0),  # two days late: no level of its own yet, overdue all the same
    ]
    history = pd.concat([climbed("A", 3, "2026-11-10"), sent(("C", 1, "2026-11-12"))], ignore_index=True)
    queue = plan(rows, history=history)
    escalation = queue[queue[Queue.LEVEL_NAME] == "Escalation"].iloc[0]
    assert escalation[dunning.INVOICE_LIST] == ("A", "B", "C", "G") and escalation[Queue.BASE_AMOUNT] == 1550.0
    assert queue.loc[queue[Queue.INVOICES] == "D", Queue.REASON].item().startswith("disputed")


def test_the_amount_is_net_of_credits_in_the_same_currency_and_never_negative():
    rows = [invoice("A", "2026-11-10", 500.0), invoice("U", "2026-11-10", 80.0, **{Invoices.CURRENCY: "USD"}),
            invoice("CN", "2026-11-01", -150.0)]  # fmt: skip
    row = only(plan(rows))
    assert row[Queue.AMOUNT] == "EUR 350.00 + USD 80.00" and row[Queue.BASE_AMOUNT] == 430.0
    credits = pd.DataFrame({Invoices.CUSTOMER_ID: ["C1", "C1"], Invoices.CURRENCY: ["EUR", "USD"],
                            Invoices.OPEN_AMOUNT: [-150.0, -200.0]})  # fmt: skip
    row = only(plan(rows, credits=credits))
    assert row[Queue.AMOUNT] == "EUR 350.00 + USD 0.00" and row[Queue.STATE] == dunning.DUE


def test_credits_covering_what_a_reminder_chases_hold_it_with_the_reason():
    rows = [invoice("A", "2026-11-10", 100.0), invoice("F", "2026-11-27", 900.0), invoice("CN", "2026-11-01", -150.0)]
    queue = plan(rows)  # the account still owes 850, but the overdue 100 is covered
    assert only(queue[queue[Queue.INVOICES] == "A"])[Queue.REASON] == (
        "credit notes and unapplied payments cover the amount this reminder would ask for"
    )
    coming = only(queue[queue[Queue.INVOICES] == "F"])
    assert coming[Queue.STATE] == dunning.DUE and coming[Queue.AMOUNT] == "EUR 750.00"


@pytest.mark.parametrize("how", ["sheet", "ledger"])
def test_on_credit_hold_lower_levels_stop_but_an_escalation_may_still_be_planned(how):
    people = customers(**{Customers.CREDIT_HOLD: how == "sheet"})
    escalated = {"C1": "2026-11-02"} if how == "ledger" else None
    row = only(plan([invoice("A", "2026-11-10")], people, escalated=escalated))
    assert row[Queue.STATE] == dunning.HELD and row[Queue.REASON].startswith("on credit hold")
    if how == "ledger":
        assert "escalated on 2026-11-02" in row[Queue.REASON]
    late = only(plan([invoice("A", "2026-08-18")], people, escalated=escalated, history=climbed("A", 3)))
    assert late[Queue.LEVEL_NAME] == "Escalation" and late[Queue.STATE] == dunning.DUE


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
    row = only(plan([invoice("A", "2026-11-21")], customers(**override)))  # 3 days late: friendly, debit not failed
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


def test_an_unapplied_payment_that_cannot_be_counted_holds_the_customer_with_its_own_reason():
    """#17: a payment without an FX rate leaves the balance unknown — held with that reason, whether the cash
    counted so far is NaN, 0 or nothing: never sent for the full balance, never read as 'credit notes … cover'."""
    payments = pd.DataFrame(
        {
            Payments.DATE: pd.to_datetime(["2026-11-15", "2026-11-16", "2026-11-17"]),
            Payments.CUSTOMER_ID: ["C1", "C1", "C2"],
            Payments.INVOICE_NUMBER: [None, None, None],
            Payments.AMOUNT: [8000.0, 1500.5, 70.0],
            Payments.CURRENCY: ["CHF", "jpy", "USD"],
        }
    )
    uncounted = pricing.uncounted_cash(payments, "EUR", {"USD": 0.9})
    assert uncounted.to_dict() == {
        "C1": "payments of 8,000.00 CHF received on 2026-11-15, 1,501 JPY received on 2026-11-16 cannot be counted: "
        "no FX rate for CHF, JPY — add them to the FX sheet"
    }
    one = pricing.uncounted_cash(payments.iloc[:1], "EUR", {})
    reason = (
        "a payment of 8,000.00 CHF received on 2026-11-15 cannot be counted: no FX rate for CHF — add it to the FX "
        "sheet"
    )
    assert one.to_dict() == {"C1": reason}
    for cash in (None, pd.Series({"C1": float("nan")}), pd.Series({"C1": 0.0})):
        row = only(plan([invoice("A", "2026-11-10", 100.0)], unapplied_cash=cash, uncounted_cash=one))
        assert (row[Queue.STATE], row[Queue.REASON]) == (dunning.HELD, reason)
    # A NaN cash amount alone (no reason given) is not a cover either: the reminder goes out.
    row = only(plan([invoice("A", "2026-11-10", 100.0)], unapplied_cash=pd.Series({"C1": float("nan")})))
    assert row[Queue.STATE] != dunning.HELD or not row[Queue.REASON].startswith("credit notes")


def test_below_the_minimum_amount_nobody_is_chased():
    row = only(plan([invoice("A", "2026-11-10", 20.0)], minimum_amount=25.0))
    assert row[Queue.REASON].startswith("below the minimum amount")


def test_minimum_days_since_the_previous_reminder_come_from_the_history():
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [1], Invoices.NUMBER: ["OLD"], Log.SENT_AT: ["2026-11-20T09:00:00Z"]}
    )
    row = only(plan([invoice("A", "2026-11-10")], history=history))
    assert row[Queue.REASON] == "last reminder sent on 2026-11-20; the policy waits until 2026-11-27"


@pytest.mark.parametrize(
    ("previous", "state", "reason"),
    [
        ("2026-11-17T09:00:00Z", dunning.DUE, None),  # exactly previous + 7 days: the day it may go
        ("2026-11-18T09:00:00Z", dunning.HELD, "last reminder sent on 2026-11-18; the policy waits until 2026-11-25"),
    ],
)
def test_the_minimum_days_end_exactly_on_previous_plus_n_days(previous, state, reason):
    history = pd.DataFrame({Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [1], Invoices.NUMBER: ["A"], Log.SENT_AT: [previous]})
    row = only(plan([invoice("A", "2026-11-10")], history=history))  # the second reminder waits 7 days
    assert (row[Queue.LEVEL_NAME], row[Queue.STATE]) == ("Second reminder", state)
    assert row[Queue.REASON] == reason if reason else not row[Queue.REASON]


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
    queue = plan([invoice("A", "2026-11-27"), invoice("B", "2026-10-20")], history=climbed("B", 2))
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
    people = customers(**{Customers.CC: ["ap2@mueller.example"]})
    row = only(plan([invoice("A", "2026-11-10")], people, history=climbed("A", 1)))
    assert row[Queue.CC] == "ap2@mueller.example; am@northwind.example"


def test_now_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        dunning.plan(pd.DataFrame([invoice("A", "2026-11-10")]), customers(), POLICY, now=NOW.replace(tzinfo=None))


# ---- direct debit: a notice when the collection failed, never dunning -------------------------------------------

AUTO_PAY = {Customers.AUTO_PAY: True}


@pytest.mark.parametrize(("due", "grace"), [("2026-11-27", 0), ("2026-11-21", 0), ("2026-11-18", 3)])
def test_auto_pay_customer_is_held_until_the_debit_has_had_time_to_fail(due, grace):
    queue = plan([invoice("A", due)], customers(**AUTO_PAY), grace_days=grace)
    assert (queue[Queue.STATE] == dunning.HELD).all()
    assert set(queue[Queue.REASON]) <= {"pays by direct debit (auto-pay): no reminders"}
    assert dunning.COLLECTION_FAILED.level not in set(queue[Queue.LEVEL])


@pytest.mark.parametrize("due", ["2026-11-20", "2026-11-10", "2026-10-20", "2026-09-01"])
def test_auto_pay_invoice_open_after_grace_plus_three_days_gets_the_collection_failed_notice_not_a_level(due):
    row = only(plan([invoice("A", due), invoice("B", "2026-11-10")], customers(**AUTO_PAY)))
    assert row[Queue.LEVEL] == dunning.COLLECTION_FAILED.level and row[Queue.STATE] == dunning.DUE
    assert row[Queue.TEMPLATE] == "collection_failed" and row[Queue.LEVEL_NAME] == "Direct debit failed"
    assert row[dunning.INVOICE_LIST] == ("A", "B")


def test_grace_days_delay_the_collection_failed_notice():
    assert only(plan([invoice("A", "2026-11-19")], customers(**AUTO_PAY), grace_days=1))[Queue.STATE] == dunning.DUE
    held = only(plan([invoice("A", "2026-11-19")], customers(**AUTO_PAY), grace_days=2))
    assert held[Queue.STATE] == dunning.HELD and held[Queue.LEVEL] == 1


def test_the_collection_failed_notice_goes_once_per_invoice_and_never_turns_into_dunning():
    history = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [dunning.COLLECTION_FAILED.level], Invoices.NUMBER: ["A"],
         Log.SENT_AT: ["2026-11-01T09:00:00Z"]}
    )  # fmt: skip
    later = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC)  # A is now 70 days late: escalation for anyone else
    rows = [invoice("A", "2026-11-06"), invoice("B", "2027-01-05")]
    queue = dunning.plan(pd.DataFrame(rows), customers(**AUTO_PAY), POLICY, now=later, history=history)
    assert set(queue[Queue.LEVEL]) == {dunning.COLLECTION_FAILED.level}
    by_state = queue.set_index(Queue.STATE)
    assert by_state.loc[dunning.HELD, Queue.INVOICES] == "A"
    assert by_state.loc[dunning.HELD, Queue.REASON] == "already sent on 2026-11-01"
    assert by_state.loc[dunning.DUE, Queue.INVOICES] == "B"  # a newly failed debit gets its own notice


def test_the_collection_failed_notice_respects_do_not_contact_and_disputes():
    held = only(plan([invoice("A", "2026-11-10")], customers(**AUTO_PAY, **{Customers.DO_NOT_CONTACT: True})))
    assert held[Queue.REASON] == "do not contact"
    disputed = invoice("A", "2026-11-10", status="Disputed", **{Invoices.DISPUTE_REASON: "wrong quantity"})
    assert only(plan([disputed], customers(**AUTO_PAY)))[Queue.REASON] == "disputed: wrong quantity"


# ---- thank-you for paying in full on time ---------------------------------------------------------------------

THANKS = next(level for level in POLICY if level.is_thanks)


def paid_invoice(number: str, due: str, amount: float = 100.0, **extra) -> dict:
    row = invoice(number, due, 0.0, status="Paid")
    row.pop(Aging.BASE_OPEN_AMOUNT)
    row[Invoices.AMOUNT] = amount
    row.update(extra)
    return row


def payment(number: str, day: str, amount: float = 100.0) -> dict:
    return {Payments.DATE: pd.Timestamp(day), Payments.CUSTOMER_ID: "C1", Payments.INVOICE_NUMBER: number,
            Payments.AMOUNT: amount, Payments.CURRENCY: "EUR"}  # fmt: skip


def thank(rows: list[dict], payments: list[dict], people: pd.DataFrame | None = None, **options) -> pd.DataFrame:
    return dunning.thanks(
        pd.DataFrame(rows),
        pd.DataFrame(payments, columns=list(Payments)),
        customers() if people is None else people,
        THANKS,
        now=options.pop("now", NOW),
        **options,
    )


def test_a_customer_who_paid_in_full_on_time_gets_one_thank_you_covering_those_invoices():
    rows = [paid_invoice("A", "2026-11-25"), paid_invoice("B", "2026-11-23", 250.0), paid_invoice("C", "2026-11-30")]
    payments = [payment("A", "2026-11-20", 40.0), payment("A", "2026-11-23", 60.0), payment("B", "2026-11-23", 250.0),
                payment("C", "2026-11-24")]  # fmt: skip
    row = only(thank(rows, payments))
    assert row[Queue.LEVEL] == THANKS.level and row[Queue.TEMPLATE] == "thanks" and row[Queue.STATE] == dunning.DUE
    assert row[dunning.INVOICE_LIST] == ("A", "B", "C") and row[Queue.BASE_AMOUNT] == 450.0
    assert row[Queue.SEND_AT_LOCAL] == "Tue 2026-11-24 11:00 Europe/Berlin"


@pytest.mark.parametrize(
    ("rows", "payments"),
    [([paid_invoice("A", "2026-11-20")], [payment("A", "2026-11-21")]),  # one day late
     ([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-20", 60.0)]),  # partial: not paid in full
     ([paid_invoice("A", "2026-11-25", **{Invoices.STATUS: "Open", Invoices.OPEN_AMOUNT: 40.0})],
      [payment("A", "2026-11-20", 60.0)]),  # still open in the workbook
     ([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-16")]),  # paid 8 days ago: outside the window
     ([paid_invoice("A", "2026-11-25")], []),  # no payment recorded: the paid date is not known
     ([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-25")])],  # a payment dated after today
)  # fmt: skip
def test_no_thank_you_for_late_partial_unknown_or_old_payments(rows, payments):
    assert thank(rows, payments).empty


def test_an_invoice_already_thanked_is_not_thanked_again():
    history = pd.DataFrame(
        {
            Log.CUSTOMER_ID: ["C1"],
            Log.LEVEL: [THANKS.level],
            Invoices.NUMBER: ["A"],
            Log.SENT_AT: ["2026-11-21T09:00:00Z"],
        }
    )
    queue = thank([paid_invoice("A", "2026-11-25"), paid_invoice("B", "2026-11-25")],
                  [payment("A", "2026-11-20"), payment("B", "2026-11-23")], history=history)  # fmt: skip
    by_state = queue.set_index(Queue.STATE)
    assert by_state.loc[dunning.DUE, Queue.INVOICES] == "B"
    assert by_state.loc[dunning.HELD, Queue.REASON] == "already thanked on 2026-11-21"


def test_the_thank_you_waits_for_the_levels_days_after_the_payment():
    two_days = dataclasses.replace(THANKS, days_offset=2)
    rows, payments = [paid_invoice("A", "2026-11-30")], [payment("A", "2026-11-23")]
    assert dunning.thanks(pd.DataFrame(rows), pd.DataFrame(payments), customers(), two_days, now=NOW).empty
    later = dunning.thanks(pd.DataFrame(rows), pd.DataFrame(payments), customers(), two_days, now=NOW + dt.timedelta(1))
    assert only(later)[Queue.STATE] == dunning.DUE


@pytest.mark.parametrize(
    ("override", "reason"),
    [({Customers.DO_NOT_CONTACT: True}, "do not contact"),
     ({Customers.EMAIL: "nobody"}, "no valid email address ('nobody')")],
)  # fmt: skip
def test_no_thank_you_to_do_not_contact_or_without_a_valid_email(override, reason):
    row = only(thank([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-20")], customers(**override)))
    assert row[Queue.STATE] == dunning.HELD and row[Queue.REASON] == reason


def test_auto_pay_customers_are_not_thanked_for_their_debits():
    assert thank([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-20")], customers(**AUTO_PAY)).empty


def test_a_thank_you_does_not_delay_a_reminder():
    history = pd.DataFrame(
        {
            Log.CUSTOMER_ID: ["C1"],
            Log.LEVEL: [THANKS.level],
            Invoices.NUMBER: ["P"],
            Log.SENT_AT: ["2026-11-23T09:00:00Z"],
        }
    )
    assert only(plan([invoice("A", "2026-11-10")], history=history))[Queue.STATE] == dunning.DUE


def test_a_customer_with_a_reminder_in_this_run_gets_the_thank_you_in_a_later_run():
    queue = dunning.combine(
        plan([invoice("X", "2026-11-10")]), thank([paid_invoice("A", "2026-11-25")], [payment("A", "2026-11-20")])
    )
    assert queue[Queue.STATE].tolist() == [dunning.DUE, dunning.HELD]
    assert queue.loc[1, Queue.REASON] == "the customer's Friendly reminder goes out first"


def test_reminders_come_in_customer_id_order_whatever_the_order_of_the_customer_table():
    people = pd.concat([customers(**{Customers.ID: "C2"}), customers(**{Customers.ID: "C1"})], ignore_index=True)
    rows = [invoice("B", "2026-11-10", **{Invoices.CUSTOMER_ID: "C2"}), invoice("A", "2026-11-10")]
    assert plan(rows, people)[Queue.CUSTOMER_ID].tolist() == ["C1", "C2"]
    unknown = invoice("Z", "2026-11-10", **{Invoices.CUSTOMER_ID: "C0"})  # not in Customers: held, still in order
    queue = plan([*rows, unknown], people)
    assert queue[Queue.CUSTOMER_ID].tolist() == ["C0", "C1", "C2"]
    assert queue[Queue.REASON].iloc[0] == "customer ID not found in Customers"


def test_invoice_numbers_of_a_reminder_are_listed_in_order():
    rows = [invoice(number, "2026-11-10") for number in ("INV-3", "CN-9", "INV-10", "INV-1")]
    row = only(plan(rows))
    assert row[dunning.INVOICE_LIST] == ("CN-9", "INV-1", "INV-10", "INV-3")
    assert row[Queue.INVOICES] == "CN-9, INV-1, INV-10, INV-3"


def test_the_amount_shows_each_currency_as_billed_in_its_minor_unit():
    rows = [
        invoice("A", "2026-11-10", 100.5),
        invoice("B", "2026-11-10", 1234.5, **{Invoices.CURRENCY: "USD"}),
        invoice("C", "2026-11-10", 200.0),
        invoice("D", "2026-11-10", 150000.0, **{Invoices.CURRENCY: "JPY"}),
        invoice("E", "2026-11-10", 0.005, **{Invoices.CURRENCY: "USD"}),
    ]
    assert only(plan(rows))[Queue.AMOUNT] == "EUR 300.50 + JPY 150,000 + USD 1,234.51"


def test_a_cc_list_typed_as_text_is_tidied_and_the_manager_added_only_where_the_level_asks():
    people = customers(**{Customers.CC: " ap2@mueller.example ,ap3@mueller.example "})
    second = only(plan([invoice("A", "2026-11-10")], people, history=climbed("A", 1)))  # Second copies the manager
    assert second[Queue.CC] == "ap2@mueller.example; ap3@mueller.example; am@northwind.example"
    friendly = only(plan([invoice("A", "2026-11-21")], people))  # 3 days late: Friendly reminder does not
    assert friendly[Queue.CC] == "ap2@mueller.example; ap3@mueller.example"


def test_empty_parts_of_a_cc_list_leave_no_empty_address_in_the_queue():
    people = customers(**{Customers.CC: "ap2@mueller.example;; ap3@mueller.example; "})
    second = only(plan([invoice("A", "2026-11-10")], people, history=climbed("A", 1)))
    assert second[Queue.CC] == "ap2@mueller.example; ap3@mueller.example; am@northwind.example"


def test_a_customers_credit_counts_once_across_its_rows_first_in_the_reminder_that_goes_out():
    # The second reminder goes out; the newer invoice waits at the friendly level. The 200.00 credit is applied
    # once — to the reminder that goes out, as its letter applies it — so the rows add up to what is owed.
    rows = [invoice("A", "2026-10-25", 1500.0, **{Invoices.CURRENCY: "GBP"}),
            invoice("B", "2026-11-20", 760.40, **{Invoices.CURRENCY: "GBP"}),
            invoice("CN", "2026-11-01", -200.0, **{Invoices.CURRENCY: "GBP"})]  # fmt: skip
    queue = plan(rows, history=sent(("A", 1, "2026-11-10")))
    going = only(queue[queue[Queue.STATE] == dunning.DUE])
    waiting = only(queue[queue[Queue.INVOICES] == "B"])
    assert going[Queue.INVOICES] == "A" and going[Queue.AMOUNT] == "GBP 1,300.00"
    assert waiting[Queue.STATE] == dunning.HELD and waiting[Queue.AMOUNT] == "GBP 760.40"
    assert going[Queue.BASE_AMOUNT] + waiting[Queue.BASE_AMOUNT] == pytest.approx(2060.40)


def test_a_credit_goes_to_the_reminder_that_goes_out_and_only_what_is_left_to_the_rows_that_wait():
    # A (100) alone would be covered by the 250 credit and is held; B goes out, and its letter applies the credit
    # to B: 300 − 250 = 50. A keeps its 100 (no credit left): 50 + 100 = 150 = 100 + 300 − 250, counted once.
    rows = [invoice("A", "2026-10-25", 100.0), invoice("B", "2026-11-20", 300.0), invoice("CN", "2026-11-01", -250.0)]
    queue = plan(rows, history=sent(("A", 1, "2026-11-10")))
    amounts = dict(zip(queue[Queue.INVOICES], queue[Queue.AMOUNT], strict=True))
    states = dict(zip(queue[Queue.INVOICES], queue[Queue.STATE], strict=True))
    assert states == {"A": dunning.HELD, "B": dunning.DUE}
    assert amounts == {"A": "EUR 100.00", "B": "EUR 50.00"}


# ---- the interest statement (issue #17) ---------------------------------------------------------------------------


def _statement(history: pd.DataFrame | None) -> dict:
    level = next(level for level in POLICY if level.is_statement)
    claimed = pd.DataFrame([invoice("L", "2026-10-15", amount=12.5, **{Invoices.STATUS: "Paid"})])
    return only(dunning.statements(claimed, customers(), level, now=NOW, history=history))


def test_an_interest_statement_waits_for_a_day_without_another_letter_and_is_claimed_once():
    assert _statement(None)[Queue.STATE] == dunning.DUE
    today = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [2], Invoices.NUMBER: ["B"], Log.SENT_AT: ["2026-11-24T09:00:00Z"]}
    )
    held = _statement(today)
    assert (held[Queue.STATE], held[Queue.REASON]) == (
        dunning.HELD, "a letter went to this customer today: the interest statement follows on another day"
    )  # fmt: skip
    statement_level = next(level.level for level in POLICY if level.is_statement)
    claimed = pd.DataFrame(
        {Log.CUSTOMER_ID: ["C1"], Log.LEVEL: [statement_level], Invoices.NUMBER: ["L"],
         Log.SENT_AT: ["2026-11-01T09:00:00Z"]}
    )  # fmt: skip
    assert _statement(claimed)[Queue.REASON] == "already claimed on 2026-11-01"


def test_no_interest_statement_goes_to_a_customer_on_credit_hold():
    level = next(level for level in POLICY if level.is_statement)
    claimed = pd.DataFrame([invoice("L", "2026-10-15", amount=12.5, **{Invoices.STATUS: "Paid"})])
    reason = "on credit hold: the account is with collections — no interest statement"
    escalated = only(dunning.statements(claimed, customers(), level, now=NOW, escalated={"C1": "2026-11-01"}))
    on_hold = only(dunning.statements(claimed, customers(**{Customers.CREDIT_HOLD: True}), level, now=NOW))
    assert (escalated[Queue.REASON], on_hold[Queue.REASON]) == (reason, reason)
