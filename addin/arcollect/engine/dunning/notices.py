"""The messages of the queue that are not dunning steps: the thank-you to customers who paid in full on time
(`thanks`, `paid_on_time`), the interest statement of late charges (`statements`), and how they join the reminder
queue (`combine`: still one message per customer per run). Neither waits for, nor counts towards, the policy's
minimum days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import calendar, metrics
from arcollect.engine.dunning.grouping import group_rows
from arcollect.engine.dunning.holds import customer_holds
from arcollect.engine.dunning.queue import (
    HELD,
    LOCAL_DATE,
    Level,
    empty_queue,
    flag,
)
from arcollect.engine.dunning.timing import customer_table, send_times
from arcollect.errors import InputError
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

# A payment is thanked from the thank-you level's days after it for this many days, then no more: switching
# ThankYou on (or a run after a long pause) does not thank a whole history of old payments.
THANKS_WINDOW_DAYS = 7


def thanks(
    invoices: pd.DataFrame,
    payments: pd.DataFrame,
    customers: pd.DataFrame,
    level: Level,
    *,
    now: dt.datetime,
    history: pd.DataFrame | None = None,
    window: tuple[str, str] | str = calendar.DEFAULT_WINDOW,
) -> pd.DataFrame:
    """Thank-you rows for the queue, in the shape of `plan`: one per customer who paid in full on time.

    An invoice is thanked when it is settled in the workbook (status Paid, or nothing open) and its payments
    (`paid_on_time`) completed it on or before its due date. It is thanked from `level.days_offset` days after that
    completing payment (0: the next send window after the payment is recorded) until `THANKS_WINDOW_DAYS` days
    later, counted in the customer's local date; older payments are not thanked. One message per customer covers
    every such invoice; an invoice already in `history` at this level is not thanked again (a held row says
    when it was). Never to do-not-contact customers or without a valid email (held, with the reason); auto-pay
    customers are left out (their invoices are collected by us, nothing to thank for). The thank-you does not
    wait for the policy's minimum days and, in `plan`, does not count towards them.

    `invoices` are all invoices, paid ones included, with due dates filled in; `Aging.BASE_OPEN_AMOUNT`, when
    given, is each invoice's *amount* in the base currency (a thank-you covers what was paid), else the amount.
    """
    if now.tzinfo is None:
        raise InputError("now must be a timezone-aware date-time (UTC)")
    people = customer_table(customers, now)
    paid = paid_on_time(invoices, payments)
    if paid.empty:
        return empty_queue()
    paid[LOCAL_DATE] = paid[Invoices.CUSTOMER_ID].map(people[LOCAL_DATE])
    days_since = (paid[LOCAL_DATE] - paid[Invoices.PAID_DATE]).dt.days
    recent = days_since.between(level.days_offset, level.days_offset + THANKS_WINDOW_DAYS - 1)
    auto_pay = flag(paid[Invoices.CUSTOMER_ID].map(people[Customers.AUTO_PAY]))
    paid = paid[recent.to_numpy() & ~auto_pay]
    if paid.empty:
        return empty_queue()
    paid = paid.assign(_position=0, _hold="")
    if history is not None and not history.empty:
        own = history[history[Log.LEVEL] == level.level]
        thanked_on = pd.to_datetime(own[Log.SENT_AT], utc=True).groupby(own[Invoices.NUMBER]).max()
        when = paid[Invoices.NUMBER].map(thanked_on.dt.strftime("%Y-%m-%d"))
        paid["_hold"] = np.where(when.notna(), "already thanked on " + when.fillna(""), "")
    rows, _ = group_rows(paid, [level])
    rows = customer_holds(rows, None, people, [level], None, 0.0, None, None)
    return send_times(rows, people, now, window)


def statements(
    claims: pd.DataFrame,
    customers: pd.DataFrame,
    level: Level,
    *,
    now: dt.datetime,
    history: pd.DataFrame | None = None,
    window: tuple[str, str] | str = calendar.DEFAULT_WINDOW,
    escalated: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """Interest-statement rows for the queue, in the shape of `plan`: one per customer with late charges claimable.

    `claims` are the invoices of the interest statement (`arcollect.engine.law.claims.statement`), their
    `Invoices.OPEN_AMOUNT` the interest and compensation claimed. An invoice already in `history` at this level is
    not claimed again (a held row says when it was), and a customer who got a letter today gets the statement on
    another day. A customer on credit hold (Customers, or `escalated`: handed to collections) gets none — the
    case file carries the account. The customer holds of a reminder apply (do not contact, no valid email); the
    statement does not wait for the policy's minimum days.
    """
    if now.tzinfo is None:
        raise InputError("now must be a timezone-aware date-time (UTC)")
    if claims.empty:
        return empty_queue()
    people = customer_table(customers, now)
    items = claims.assign(_position=0, _hold="")
    if history is not None and not history.empty:
        own = history[history[Log.LEVEL] == level.level]
        claimed_on = pd.to_datetime(own[Log.SENT_AT], utc=True).groupby(own[Invoices.NUMBER]).max()
        when = items[Invoices.NUMBER].map(claimed_on.dt.strftime("%Y-%m-%d"))
        on = when.astype(object).where(when.notna(), "").astype(str)  # an all-missing map is float64
        items["_hold"] = np.where(when.notna(), "already claimed on " + on, "")
        sent_today = pd.to_datetime(history[Log.SENT_AT], utc=True).dt.date == now.astimezone(dt.UTC).date()
        today = items[Invoices.CUSTOMER_ID].isin(set(history.loc[sent_today.to_numpy(), Log.CUSTOMER_ID]))
        items["_hold"] = np.where(
            (items["_hold"] == "") & today,
            "a letter went to this customer today: the interest statement follows on another day",
            items["_hold"],
        )
    held = set(escalated or ())
    if Customers.CREDIT_HOLD in customers.columns:
        held |= set(customers.loc[flag(customers[Customers.CREDIT_HOLD]), Customers.ID])
    items["_hold"] = np.where(
        (items["_hold"] == "") & items[Invoices.CUSTOMER_ID].isin(held),
        "on credit hold: the account is with collections — no interest statement",
        items["_hold"],
    )
    rows, _ = group_rows(items, [level])
    rows = customer_holds(rows, None, people, [level], None, 0.0, None, None)
    return send_times(rows, people, now, window)


def paid_on_time(invoices: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Invoices settled in the workbook and paid in full on or before their due date, ready for a thank-you.

    Settled means status Paid or no open amount; the paid date (`Invoices.PAID_DATE`) is the date Payments reach
    the invoice amount (`metrics.paid_dates`): a settled invoice without matching payments has no known paid date
    and is not thanked. For the template, `Invoices.OPEN_AMOUNT` is the paid amount and `Aging.DAYS_PAST_DUE` the
    paid date minus the due date (0 or less: paid on the due date or that many days before it).
    """
    status = invoices[Invoices.STATUS].fillna("Open").astype(str)
    open_amount = pd.to_numeric(invoices[Invoices.OPEN_AMOUNT], errors="coerce").fillna(0)
    amount = pd.to_numeric(invoices[Invoices.AMOUNT], errors="coerce")
    settled = invoices[((status == "Paid") | (open_amount == 0)) & (amount > 0)]
    if settled.empty or payments.empty:
        return settled.iloc[0:0].assign(**{Invoices.PAID_DATE: pd.Series(dtype="datetime64[ns]")})
    paid_dates = metrics.paid_dates(settled, payments).reindex(settled[Invoices.NUMBER])
    paid = settled.assign(**{Invoices.PAID_DATE: pd.to_datetime(paid_dates.to_numpy())})
    due = pd.to_datetime(paid[Invoices.DUE_DATE])
    paid = paid[paid[Invoices.PAID_DATE].notna() & (paid[Invoices.PAID_DATE] <= due)].copy()
    paid[Invoices.OPEN_AMOUNT] = paid[Invoices.AMOUNT]
    paid[Aging.DAYS_PAST_DUE] = (paid[Invoices.PAID_DATE] - due[paid.index]).dt.days
    if Aging.BASE_OPEN_AMOUNT not in paid.columns:
        paid[Aging.BASE_OPEN_AMOUNT] = paid[Invoices.AMOUNT]
    return paid


def combine(queue: pd.DataFrame, thanked: pd.DataFrame) -> pd.DataFrame:
    """The reminder queue with the thank-you rows added; one message per customer per run still holds.

    A customer who also gets a reminder in this run gets the thank-you in a later run (within its window):
    a thank-you and a reminder in one go read as a mixed message.
    """
    if thanked.empty:
        return queue
    if queue.empty:
        return thanked.reset_index(drop=True)
    going = queue[queue[Queue.STATE] != HELD]
    first = going.groupby(Queue.CUSTOMER_ID)[Queue.LEVEL_NAME].first()
    thanked = thanked.copy()
    waiting = (thanked[Queue.STATE] != HELD) & thanked[Queue.CUSTOMER_ID].isin(first.index)
    reason = "the customer's " + thanked[Queue.CUSTOMER_ID].map(first).astype(object).fillna("") + " goes out first"
    thanked[Queue.REASON] = np.where(waiting, reason, thanked[Queue.REASON])
    thanked[Queue.STATE] = np.where(waiting, HELD, thanked[Queue.STATE])
    thanked.loc[waiting, Queue.SEND_AT_UTC] = pd.NaT
    thanked.loc[waiting, Queue.SEND_AT_LOCAL] = ""
    return pd.concat([queue, thanked], ignore_index=True)
