"""The dunning policy applied to the open items: who gets which reminder, when, or why not.

    plan = dunning.plan(invoices, customers, policy, now=now_utc, history=sent_per_invoice, credits=credit_rows)

One row of the result is one reminder — a customer at a dunning level, covering the invoices of that customer
that stand at that level (statement style) — or a group of invoices held for one reason. The rules, in order:

1. **Which level: one step at a time.** An invoice's days past due are counted in the customer's own time zone (its
   local date at `now`). The pre-due level (negative offset, tone ``incentive``) covers invoices due within
   ``-offset`` days; each later level is *reachable* from its offset plus the grace days. An invoice climbs the
   dunning levels one at a time: it gets level n+1 only after the ledger (`history`) shows level n went out for it,
   so an invoice never reminded starts at the first level after the due date however late it is (a 98-days-late
   backlog gets the friendly reminder first). The pre-due nudge is not a step. `catch_up_days` (Settings
   ``CatchUpDays``, off by default) lets an invoice never reminded and more than that many days past due start at
   the second post-due level instead — never at an escalating level. Credit notes are never dunned; they only
   count towards the customer's balance.
2. **Invoice holds.** Disputed invoices; a promise to pay whose date has not passed; a payment plan whose next
   instalment is not yet due. A *broken* promise moves the invoice one level above the highest it has already had
   (still one step). An invoice already reminded at its level is not reminded again — unless the level repeats
   (``repeat_every_days``) and that many days have gone by.
3. **An escalation takes the whole account.** When a customer's invoice is due for a level marked Escalate, every
   overdue invoice of that customer that is not disputed, promised or on a payment plan joins that reminder: the
   account is handed over with everything overdue, not a part of it.
4. **Customer holds** (the first that applies is the reason): customer ID not in Customers, do-not-contact, credit
   hold (the Customers sheet's Credit hold, or an escalation the ledger shows sent: `escalated`) for every level
   below an escalating one, auto-pay (direct debit), no valid email address, an open item in a currency without an FX
   rate (the balance is unknown), credit notes and unapplied cash cover the account's open amount, they cover the
   amount this reminder chases (see *amounts*), the reminder's amount below the minimum amount, and the policy's
   minimum days since the customer's previous reminder of any dunning level (a thank-you or a collection-failed
   notice does not count: it must not delay a reminder). A customer gets at most one message per run: when invoices
   stand at several levels, the highest level goes out and the lower ones wait (the minimum-days rule then spaces
   them).
5. **Direct debit.** Auto-pay customers are never dunned: we collect from them. An invoice of theirs still open
   more than the grace days + `DIRECT_DEBIT_SETTLE_DAYS` after its due date means the debit did not go through;
   those invoices get one `COLLECTION_FAILED` notice (template ``collection_failed``, friendly: check the
   mandate or pay by transfer), each invoice at most once, with the invoice holds and the other customer holds
   above. Until then they are held as auto-pay.
6. **When.** A reminder that is not held goes out at the next moment inside the customer's local business hours
   on a local business day (`calendar.next_send_time`): state ``due`` if that moment has come, ``scheduled``
   otherwise. (`arcollect.run` then marks the escalating ones ``awaiting approval`` until a person approves.)

**Amounts.** A reminder's amount (`Queue.AMOUNT` per currency, `Queue.BASE_AMOUNT` in the base currency) is what
the customer owes on the invoices it chases, less the customer's credit notes and unapplied payments in the same
currency (`credits`), never below zero — the rule `arcollect.mail.compose` applies to the letter's amount due.

The thank-you level is planned apart, by `thanks`, the interest statement by `statements` (see there), and
`combine` adds their rows to the queue.

The engine does not read the clock or the ledger: `now` and the per-invoice history of sent reminders
(`history`: customer ID, level, invoice number, sent-at UTC) are passed in.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from arcollect.engine import calendar, metrics
from arcollect.engine.columns import equals, factorize_sorted, per_distinct
from arcollect.engine.money import minor_units_array, round_money
from arcollect.engine.policy import DunningLevel
from arcollect.errors import InputError
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

DUE, SCHEDULED, HELD = "due", "scheduled", "held"
# An escalating reminder that would go out, waiting for a finance user's approval (set by `arcollect.run`).
AWAITING_APPROVAL = "awaiting approval"
LOCAL_DATE = "local_date"
INVOICE_LIST = "invoice_list"
COUNTRY, SUBDIVISION, TIME_ZONE = "country", "subdivision", "time_zone"
_CUSTOMER = "_customer"  # an item's row in the planner's customer table, -1 when the customer is not known
# The invoice columns the planner reads: the items carry only these (each filter below copies what it keeps).
_ITEM_COLUMNS = (
    Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.DUE_DATE, Invoices.CURRENCY, Invoices.OPEN_AMOUNT,
    Invoices.STATUS, Invoices.PROMISE_DATE, Invoices.DISPUTE_REASON, Invoices.PLAN_NEXT_DATE, Aging.BASE_OPEN_AMOUNT,
)  # fmt: skip
_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")

# A failed SEPA / ACH debit comes back within a few business days: an auto-pay invoice still open this many days
# after its due date (plus the grace days) was not collected.
DIRECT_DEBIT_SETTLE_DAYS = 3
# The notice to auto-pay customers whose debit failed: not a level of the policy; the ledger records it under this
# level number, so a policy should not use 99 for a level of its own.
COLLECTION_FAILED = DunningLevel(
    level=99,
    name="Direct debit failed",
    days_offset=DIRECT_DEBIT_SETTLE_DAYS,
    templates=("collection_failed",),
    tone="friendly",
    min_days_since_previous=0,
)
# A payment is thanked from the thank-you level's days after it for this many days, then no more: switching
# ThankYou on (or a run after a long pause) does not thank a whole history of old payments.
THANKS_WINDOW_DAYS = 7


class Level(Protocol):
    """What the planner needs of a dunning level (`arcollect.engine.policy.DunningLevel` has it)."""

    level: int
    name: str
    days_offset: int
    tone: str
    min_days_since_previous: int
    cc_account_manager: bool
    repeat_every_days: int | None

    def template_for(self, customer_id: str) -> str: ...


def plan(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    policy: Sequence[Level],
    *,
    now: dt.datetime,
    history: pd.DataFrame | None = None,
    grace_days: int = 0,
    minimum_amount: float = 0.0,
    unapplied_cash: pd.Series | None = None,
    window: tuple[str, str] | str = calendar.DEFAULT_WINDOW,
    credits: pd.DataFrame | None = None,
    catch_up_days: int | None = None,
    escalated: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """The reminder queue: one row per (customer, level) reminder or held group, columns `Queue` + internals.

    `invoices` are the aged invoices (with `Aging.BASE_OPEN_AMOUNT`, due dates filled in); `unapplied_cash` is
    the customer's unapplied payments in the base currency (positive), used with credit notes to decide whether
    anything is owed at all. `credits` are the customer's credit notes and unapplied payments by currency
    (`Invoices.CUSTOMER_ID`, `Invoices.CURRENCY`, `Invoices.OPEN_AMOUNT` negative; default: the credit notes among
    `invoices`), netted against each reminder's amount. `escalated` maps customers the ledger shows escalated to
    the day (text) of that escalation: on credit hold, whatever the Customers sheet says yet. Amounts compared with
    `minimum_amount` are in the base currency.
    """
    if now.tzinfo is None:
        raise InputError("now must be a timezone-aware date-time (UTC)")
    levels = sorted(
        (level for level in policy if level.tone not in ("thanks", "statement")), key=lambda level: level.days_offset
    )
    if not levels:
        return _empty()
    people = _customers(customers, now)
    items = _open_items(invoices, people, now)
    auto_pay = np.append(_flag(people[Customers.AUTO_PAY]), False)[items[_CUSTOMER].to_numpy()]
    items = _assign_levels(items, levels, grace_days, history, auto_pay, catch_up_days)
    steps = [*levels, COLLECTION_FAILED]  # the notice's position is len(levels)
    items = _invoice_holds(items, steps, history)
    items = _escalation_takes_all(items, steps)
    items = items[(items["_position"] >= 0) | (items[Invoices.OPEN_AMOUNT] < 0)]  # no level yet: not planned
    if credits is None:
        credits = items.loc[
            items[Invoices.OPEN_AMOUNT] < 0, [Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT]
        ]
    rows, grouping = _group(items, steps, credits)
    if rows.empty:
        return _empty()
    rows = _customer_holds(rows, items, people, steps, history, minimum_amount, unapplied_cash, escalated)
    rows = _credit_once(rows, grouping, credits)
    return _send_times(rows, people, now, window)


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
    people = _customers(customers, now)
    paid = paid_on_time(invoices, payments)
    if paid.empty:
        return _empty()
    paid[LOCAL_DATE] = paid[Invoices.CUSTOMER_ID].map(people[LOCAL_DATE])
    days_since = (paid[LOCAL_DATE] - paid[Invoices.PAID_DATE]).dt.days
    recent = days_since.between(level.days_offset, level.days_offset + THANKS_WINDOW_DAYS - 1)
    auto_pay = _flag(paid[Invoices.CUSTOMER_ID].map(people[Customers.AUTO_PAY]))
    paid = paid[recent.to_numpy() & ~auto_pay]
    if paid.empty:
        return _empty()
    paid = paid.assign(_position=0, _hold="")
    if history is not None and not history.empty:
        own = history[history[Log.LEVEL] == level.level]
        thanked_on = pd.to_datetime(own[Log.SENT_AT], utc=True).groupby(own[Invoices.NUMBER]).max()
        when = paid[Invoices.NUMBER].map(thanked_on.dt.strftime("%Y-%m-%d"))
        paid["_hold"] = np.where(when.notna(), "already thanked on " + when.fillna(""), "")
    rows, _ = _group(paid, [level])
    rows = _customer_holds(rows, None, people, [level], None, 0.0, None, None)
    return _send_times(rows, people, now, window)


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
        return _empty()
    people = _customers(customers, now)
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
        held |= set(customers.loc[_flag(customers[Customers.CREDIT_HOLD]), Customers.ID])
    items["_hold"] = np.where(
        (items["_hold"] == "") & items[Invoices.CUSTOMER_ID].isin(held),
        "on credit hold: the account is with collections — no interest statement",
        items["_hold"],
    )
    rows, _ = _group(items, [level])
    rows = _customer_holds(rows, None, people, [level], None, 0.0, None, None)
    return _send_times(rows, people, now, window)


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


# ---- customers -----------------------------------------------------------------------------------------------


def _customers(customers: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    people = customers.drop_duplicates(Customers.ID).set_index(Customers.ID, drop=False)
    country = per_distinct(people[Customers.COUNTRY], _upper)
    zone = _zones(people)
    local_dates = {name: now.astimezone(ZoneInfo(name)).date() for name in zone.dropna().unique()}
    auto_pay = people.get(Customers.AUTO_PAY, pd.Series(False, index=people.index))
    return people.assign(
        **{
            Customers.AUTO_PAY: auto_pay,
            COUNTRY: country,
            TIME_ZONE: zone,
            LOCAL_DATE: pd.to_datetime(zone.map(local_dates)),
        }
    )


def time_zones(customers: pd.DataFrame) -> set[str]:
    """The distinct IANA zones the customers keep: their own, or their country's main zone."""
    return {str(zone) for zone in _zones(customers).dropna().unique()}


def _zones(customers: pd.DataFrame) -> pd.Series:
    """Each customer's IANA zone: the Time zone column, else the main zone of the country."""
    country = per_distinct(customers[Customers.COUNTRY], _upper)
    own = customers.get(Customers.TIME_ZONE, pd.Series(None, index=customers.index, dtype=object))
    named = per_distinct(own, lambda zones: zones.notna() & (zones.astype("string").str.strip() != ""))
    return own.where(named, calendar.default_time_zone(country))


def _upper(values: pd.Series) -> pd.Series:
    return values.astype("string").str.upper()


def _open_items(invoices: pd.DataFrame, people: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    status = invoices[Invoices.STATUS].fillna("Open").astype(str)
    keep = (~equals(status, "Paid") & (invoices[Invoices.OPEN_AMOUNT].fillna(0) != 0)).to_numpy(dtype=bool)
    columns = [column for column in _ITEM_COLUMNS if column in invoices.columns]
    items = invoices[columns] if keep.all() else invoices.loc[keep, columns]
    items[Invoices.STATUS] = status[keep]
    # The customer's row in `people` (-1: not a customer), found once: every later customer field is a take.
    where = people.index.get_indexer(items[Invoices.CUSTOMER_ID])
    items[_CUSTOMER] = where
    local_dates = people[LOCAL_DATE]
    if local_dates.empty:  # no customers could be read: every item's local date is unknown
        local_dates = pd.Series(pd.NaT, index=people.index, dtype="datetime64[ns]")
    items[LOCAL_DATE] = pd.Series(pd.api.extensions.take(local_dates.array, where, allow_fill=True), index=items.index)
    today = items[LOCAL_DATE].fillna(pd.Timestamp(now.astimezone(dt.UTC).date()))  # unknown customer: held anyway
    items[Aging.DAYS_PAST_DUE] = (today - pd.to_datetime(items[Invoices.DUE_DATE])).dt.days
    dated = items[Aging.DAYS_PAST_DUE].notna().to_numpy()
    return items if dated.all() else items[dated]


# ---- levels and invoice holds --------------------------------------------------------------------------------


def _assign_levels(
    items: pd.DataFrame,
    levels: list[Level],
    grace_days: int,
    history: pd.DataFrame | None,
    auto_pay: np.ndarray,
    catch_up_days: int | None = None,
) -> pd.DataFrame:
    """Level position per invoice (index into `levels`, -1 = none): the days allow it and the climb reached it.

    The days past due say which level an invoice may reach; the ledger says which it has had. An invoice gets the
    lower of the two — at most one level above the highest it has had (`_last_position_per_invoice`), the first
    post-due level if it has had none (or, with `catch_up_days`, the second for an invoice that late, unless that
    one escalates) — and never less than the highest it has had (which is then "already sent", or a repeat).
    Broken promises move one level up; an auto-pay customer's invoice whose direct debit failed gets position
    ``len(levels)``: the notice. Invoices no level applies to yet come back with position -1.
    """
    days = items[Aging.DAYS_PAST_DUE].to_numpy(dtype="int64")
    offsets = np.array([level.days_offset for level in levels])
    thresholds = np.where(offsets > 0, offsets + grace_days, offsets)
    by_days = np.searchsorted(thresholds, days, side="right") - 1
    pre_due = offsets < 0
    if pre_due.any():
        last_pre = int(np.flatnonzero(pre_due)[-1])
        by_days = np.where((days >= 0) & (by_days == last_pre), -1, by_days)  # due today: no pre-due nudge
    post_due = np.flatnonzero(offsets >= 0)
    first_post = int(post_due[0]) if post_due.size else len(levels)

    reminded = _last_position_per_invoice(history, levels)
    already = (
        items[Invoices.NUMBER].map(reminded).fillna(-1).to_numpy(dtype="int64")
        if len(reminded)
        else np.full(len(items), -1, dtype="int64")
    )
    climbed = already >= first_post  # a dunning level went out for it (a pre-due nudge is not a step)
    start = np.full(len(items), first_post, dtype="int64")
    if catch_up_days and post_due.size > 1 and not getattr(levels[int(post_due[1])], "escalate", False):
        start = np.where(days > catch_up_days, int(post_due[1]), start)
    next_step = np.where(climbed, already + 1, start)
    chased = by_days >= first_post
    position = np.where(chased, np.maximum(np.minimum(by_days, next_step), np.where(climbed, already, -1)), by_days)
    items = items.assign(_position=np.minimum(position, len(levels) - 1))

    broken = equals(items[Invoices.STATUS], "Promised") & (items[Invoices.PROMISE_DATE] < items[LOCAL_DATE])
    if broken.any():
        next_position = np.minimum(np.maximum(already + 1, first_post if post_due.size else 0), len(levels) - 1)
        items["_position"] = np.where(broken, np.maximum(items["_position"], next_position), items["_position"])
    failed = auto_pay & (days > grace_days + DIRECT_DEBIT_SETTLE_DAYS) & (items[Invoices.OPEN_AMOUNT] > 0)
    items["_position"] = np.where(failed, len(levels), items["_position"])
    return items  # position -1 (no level yet) stays until an escalation has taken what is overdue


def _invoice_holds(items: pd.DataFrame, levels: list[Level], history: pd.DataFrame | None) -> pd.DataFrame:
    """A reason per invoice that must not be dunned now (empty string = may be dunned)."""
    today = items[LOCAL_DATE]
    status = items[Invoices.STATUS]
    dispute = items.get(Invoices.DISPUTE_REASON, pd.Series("", index=items.index))
    promise = pd.to_datetime(items.get(Invoices.PROMISE_DATE))
    plan_date = pd.to_datetime(items.get(Invoices.PLAN_NEXT_DATE))
    # The first reason that applies wins; each text is built only on the rows it applies to, written from the
    # last rule to the first so that an earlier rule overwrites a later one.
    reasons = np.full(len(items), "", dtype=object)
    planned = (equals(status, "Plan") & (plan_date >= today)).to_numpy(dtype=bool)
    reasons[planned] = ("payment plan: next instalment due " + plan_date[planned].dt.strftime("%Y-%m-%d")).to_numpy()
    promised = (equals(status, "Promised") & (promise >= today)).to_numpy(dtype=bool)
    reasons[promised] = ("promised to pay by " + promise[promised].dt.strftime("%Y-%m-%d")).to_numpy()
    disputed = equals(status, "Disputed")
    reason = dispute[disputed].astype("string").fillna("")
    reasons[disputed] = ("disputed" + np.where(reason != "", ": " + reason, "")).astype(object)
    reasons[(items[Invoices.OPEN_AMOUNT] < 0).to_numpy(dtype=bool)] = "credit"
    items = items.assign(_hold=reasons)
    return _already_sent(items, levels, history)


def _already_sent(items: pd.DataFrame, levels: list[Level], history: pd.DataFrame | None) -> pd.DataFrame:
    if history is None or history.empty:
        return items
    sent = history.assign(_position=_positions(history[Log.LEVEL], levels))
    sent[Log.SENT_AT] = pd.to_datetime(sent[Log.SENT_AT], utc=True).dt.tz_localize(None).dt.normalize()
    last = sent.groupby([Invoices.NUMBER, "_position"])[Log.SENT_AT].max().rename("_sent_on")
    items = items.join(last, on=[Invoices.NUMBER, "_position"])
    repeat = np.array([level.repeat_every_days or 0 for level in levels])[items["_position"].clip(lower=0)]
    waited = (items[LOCAL_DATE] - items["_sent_on"]).dt.days
    blocked = items["_sent_on"].notna() & ((repeat == 0) | (waited < repeat)) & (items["_hold"] == "")
    note = np.where(
        repeat > 0,
        "; repeats every " + repeat.astype(str) + " days",
        "",
    )
    reason = "already sent on " + items["_sent_on"].dt.strftime("%Y-%m-%d").fillna("") + note
    items["_hold"] = np.where(blocked, reason, items["_hold"])
    return items.drop(columns="_sent_on")


def _last_position_per_invoice(history: pd.DataFrame | None, levels: list[Level]) -> pd.Series:
    if history is None or history.empty:
        return pd.Series(dtype="int64")
    positions = pd.Series(_positions(history[Log.LEVEL], levels), index=history.index)
    return positions.groupby(history[Invoices.NUMBER]).max()


def _positions(level_numbers: pd.Series, levels: list[Level]) -> np.ndarray:
    lookup = {level.level: position for position, level in enumerate(levels)}
    return level_numbers.map(lookup).fillna(-1).to_numpy(dtype="int64")


def _escalation_takes_all(items: pd.DataFrame, levels: list[Level]) -> pd.DataFrame:
    """Every overdue invoice of a customer with an escalation due joins that escalation (module docstring, 3).

    An invoice joins when it is open, past its due date and free — not disputed, promised or on a payment plan;
    one already reminded (at any level, the escalation included) is free: the escalation lists it again.
    """
    escalates = np.array([bool(getattr(level, "escalate", False)) for level in levels])
    if items.empty or not escalates.any():
        return items
    position = items["_position"].to_numpy(dtype="int64")
    hold = items["_hold"].to_numpy(dtype=object)
    valid = (position >= 0) & (position < len(levels))
    trigger = np.zeros(len(items), dtype=bool)
    trigger[valid] = escalates[position[valid]]
    trigger &= hold == ""
    if not trigger.any():
        return items
    customer = items[_CUSTOMER].to_numpy()
    top = pd.Series(np.where(trigger, position, -1)).groupby(customer).transform("max").to_numpy()
    free = (hold == "") | pd.Series(hold, dtype="string").str.startswith("already sent").to_numpy(dtype=bool)
    overdue = (items[Aging.DAYS_PAST_DUE].to_numpy() > 0) & (items[Invoices.OPEN_AMOUNT].to_numpy() > 0)
    joins = (top >= 0) & (customer >= 0) & overdue & free
    return items.assign(_position=np.where(joins, top, position), _hold=np.where(joins, "", hold))


# ---- one row per reminder ------------------------------------------------------------------------------------


def _group(
    items: pd.DataFrame, levels: list[Level], credits: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, tuple[Any, ...]]:
    """Group dunnable invoices by (customer, level) and held ones by (customer, level, reason).

    The groups come in the order of a sorted ``groupby`` on those keys (rows with a missing customer ID are left
    out, as ``groupby`` does). Each key is factorized once, sorted, and the three codes make one integer per
    group: the sums, invoice lists and amount texts below are then integer work, not hashing of text per row.
    Amounts are net of the customer's `credits` in each currency (`_amounts`); ``_covered`` marks a group whose
    credits cover all of it: each group is measured against all of its customer's credit, as the letter of that
    group would apply it. The second value (the grouping) lets `_credit_once` restate the amounts once it is known
    which group goes out.
    """
    candidates = items[~equals(items["_hold"], "credit")]
    customer_codes = _customer_codes(candidates)
    if (customer_codes < 0).any():
        candidates, customer_codes = candidates[customer_codes >= 0], customer_codes[customer_codes >= 0]
    if candidates.empty:
        return pd.DataFrame(), ()
    hold_codes, holds = pd.factorize(candidates["_hold"], sort=True)
    position = candidates["_position"].to_numpy(dtype="int64")
    lowest = int(position.min())
    span = int(position.max()) - lowest + 1
    key = (customer_codes.astype("int64") * span + (position - lowest)) * len(holds) + hold_codes
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    count = len(first)
    owner = candidates[Invoices.CUSTOMER_ID].array.take(first)
    texts, base, covered = _amounts(candidates, group, count, np.asarray(owner, dtype=object), credits)
    grouped = pd.DataFrame(
        {
            Invoices.CUSTOMER_ID: owner,
            "_position": candidates["_position"].array.take(first),
            "_hold": candidates["_hold"].array.take(first),
            INVOICE_LIST: _runs(group, candidates[Invoices.NUMBER], count),
            Queue.BASE_AMOUNT: base,
            Queue.AMOUNT: texts,
            "_covered": covered,
        }
    )
    position = grouped["_position"].to_numpy()
    grouped[Queue.LEVEL] = np.array([level.level for level in levels])[position]
    grouped[Queue.LEVEL_NAME] = np.array([level.name for level in levels], dtype=object)[position]
    grouped[Queue.STATE] = np.where(equals(grouped["_hold"], ""), DUE, HELD)
    grouped[Queue.REASON] = grouped["_hold"]
    grouped["_group"] = np.arange(count)
    return grouped.rename(columns={Invoices.CUSTOMER_ID: Queue.CUSTOMER_ID}), (candidates, group, count, owner)


def _credit_once(rows: pd.DataFrame, grouping: tuple[Any, ...], credits: pd.DataFrame | None) -> pd.DataFrame:
    """Restate the amounts so that a customer's credit counts once across its rows, not once in every row.

    The credit (per currency) goes first to the reminder that goes out — its letter applies it to the invoices it
    chases, so the row and the letter say the same — then to the customer's other rows, highest level first; what
    is left over reduces nothing. So a customer's rows add up to what it owes on them, less its credit.
    """
    if not grouping or credits is None or not len(credits) or rows.empty:
        return rows
    candidates, group, count, owner = grouping
    going = np.zeros(count, dtype=bool)
    position = np.zeros(count, dtype="int64")
    index = rows["_group"].to_numpy(dtype="int64")
    going[index] = ~equals(rows[Queue.STATE], HELD)
    position[index] = rows["_position"].to_numpy(dtype="int64")
    priority = np.where(going, 1 << 20, 0) + position
    texts, base, _ = _amounts(candidates, group, count, owner, credits, priority=priority)
    rows[Queue.AMOUNT] = texts[index]
    rows[Queue.BASE_AMOUNT] = base[index]
    return rows


def _customer_codes(items: pd.DataFrame) -> np.ndarray:
    """Each item's customer as its rank among the items' sorted customer IDs (-1: missing ID).

    The planner's items know their customer's row (`_CUSTOMER`): ranking the distinct rows' IDs then sorts a
    hundred thousand IDs instead of hashing a million. Items of unknown customers are ranked by their IDs.
    """
    rows = items[_CUSTOMER].to_numpy() if _CUSTOMER in items.columns else None
    if rows is None or len(rows) == 0 or rows.min() < 0:
        return factorize_sorted(items[Invoices.CUSTOMER_ID])[0]
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    rank, _ = factorize_sorted(pd.Series(items[Invoices.CUSTOMER_ID].array.take(first)))
    return rank[inverse]


def _runs(group: np.ndarray, numbers: pd.Series, count: int) -> list[tuple[str, ...]]:
    """The invoice numbers of each group (``group`` = its number 0 … count-1 per row), sorted, as tuples.

    One stable sort of the group numbers and one slice per group, sorted in Python: the groups are small, and
    sorting each is cheaper than factorizing a million invoice numbers to sort them all at once.
    """
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(count + 1)).tolist()
    values = numbers.to_numpy(dtype=object)[order].tolist()
    return [
        tuple(sorted(values[start:end])) if end - start > 1 else (values[start],)
        for start, end in itertools.pairwise(starts)
    ]


def _amounts(
    items: pd.DataFrame,
    group: np.ndarray,
    count: int,
    owner: np.ndarray,
    credits: pd.DataFrame | None,
    *,
    priority: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: 'EUR 1,300.00 + USD 800.25' (each currency as billed; NaN: no currency), the amount in the base
    currency, and whether credits cover all of it.

    Each currency's open amount is net of the group's customer's `credits` in that currency (their absolute sum),
    never below zero; the base amount shrinks in the same proportion. Items without a currency count in the base
    amount as they are.
    """
    currency_codes, currencies = pd.factorize(items[Invoices.CURRENCY], sort=True)
    known = currency_codes >= 0
    key = group[known].astype("int64") * max(len(currencies), 1) + currency_codes[known]
    sums = items[Invoices.OPEN_AMOUNT][known].groupby(key).sum()  # sorted: by group, then by currency
    based = items[Aging.BASE_OPEN_AMOUNT][known].groupby(key).sum().reindex(sums.index).fillna(0.0)
    entry = sums.index.to_numpy()
    entry_group, entry_currency = entry // max(len(currencies), 1), entry % max(len(currencies), 1)
    gross = sums.to_numpy(dtype="float64")
    net = gross
    if credits is not None and len(credits) and len(entry):
        amount = pd.to_numeric(credits[Invoices.OPEN_AMOUNT], errors="coerce").abs()
        held = amount.groupby([credits[Invoices.CUSTOMER_ID].astype(str), credits[Invoices.CURRENCY]]).sum()
        wanted = pd.MultiIndex.from_arrays(
            [pd.Series(owner[entry_group]).astype(str), np.asarray(currencies, dtype=object)[entry_currency]]
        )
        credit = held.reindex(wanted).fillna(0.0).to_numpy(dtype="float64")
        if priority is not None:  # spend it once: what the groups before this one took is gone
            customer, _ = pd.factorize(wanted.get_level_values(0))
            order = np.lexsort((entry_group, -priority[entry_group], entry_currency, customer))
            ordered = np.maximum(gross[order], 0.0)
            start = np.ones(len(order), dtype=bool)
            start[1:] = (customer[order][1:] != customer[order][:-1]) | (
                entry_currency[order][1:] != entry_currency[order][:-1]
            )
            total = np.cumsum(ordered)
            before = total - ordered - np.maximum.accumulate(np.where(start, total - ordered, 0.0))
            taken = np.empty_like(gross)
            taken[order] = before
            credit = np.maximum(credit - taken, 0.0)
        net = np.maximum(gross - credit, 0.0)
    share = np.divide(net, gross, out=np.ones_like(net), where=gross > 0)
    base = np.bincount(entry_group, weights=based.to_numpy(dtype="float64") * share, minlength=count)
    if (~known).any():
        base += np.bincount(group[~known], weights=items[Aging.BASE_OPEN_AMOUNT][~known].fillna(0.0), minlength=count)
    owing = np.bincount(entry_group, weights=(net > 0).astype(float), minlength=count)
    listed = np.bincount(entry_group, minlength=count)
    covered = (listed > 0) & (owing == 0)

    digits = minor_units_array(pd.Series(currencies, dtype=object).astype(str))[entry_currency]
    rounded = round_money(net, digits)
    # One entry per customer, level and currency — not per invoice —, formatted a currency at a time.
    texts = np.empty(len(entry), dtype=object)
    for code, currency in enumerate(currencies):
        mine = entry_currency == code
        if mine.any():
            places = int(digits[np.argmax(mine)])
            amounts = map(f"{{:,.{places}f}}".format, rounded[mine].tolist())
            texts[mine] = list(map(f"{currency} ".__add__, amounts))
    # Each group is a run of consecutive entries: most are one entry (one currency), the others are joined.
    first = np.ones(len(entry_group), dtype=bool)
    first[1:] = entry_group[1:] != entry_group[:-1]
    result = np.full(count, np.nan, dtype=object)
    if first.all():
        result[entry_group] = texts
        return result, base, covered
    starts = np.flatnonzero(first).tolist()
    texts = texts.tolist()
    result[entry_group[first]] = [
        " + ".join(texts[start:end]) for start, end in itertools.pairwise([*starts, len(entry_group)])
    ]
    return result, base, covered


def _customer_holds(
    rows: pd.DataFrame,
    items: pd.DataFrame | None,
    people: pd.DataFrame,
    levels: list[Level],
    history: pd.DataFrame | None,
    minimum_amount: float,
    unapplied_cash: pd.Series | None,
    escalated: Mapping[Any, Any] | None,
) -> pd.DataFrame:
    """Hold reasons that belong to the customer; `items` None (a thank-you) skips the balance, amount and credit
    hold rules. `escalated` maps a customer the ledger shows escalated to the day it was (module docstring, 4)."""
    customer = rows[Queue.CUSTOMER_ID]
    # Customer fields are looked up once per row through one indexer (a `map` per field hashed every row again),
    # and text work on them (email check, cc lists) is done once per customer, not once per reminder row.
    where = people.index.get_indexer(customer)
    known = pd.Series(where >= 0, index=customer.index)

    def per_row(column: pd.Series) -> pd.Series:
        return pd.Series(pd.api.extensions.take(column.array, where, allow_fill=True), index=customer.index)

    def field(key: str, default: Any = None) -> pd.Series:
        return per_row(people[key] if key in people.columns else pd.Series(default, index=people.index))

    def text(key: str) -> pd.Series:
        column = people[key] if key in people.columns else pd.Series("", index=people.index)
        return column.astype("string").fillna("")

    stripped = [address.strip() for address in text(Customers.EMAIL).tolist()]
    email = per_row(pd.Series(stripped, index=people.index, dtype="string")).fillna("")
    valid_email = np.append(np.array([_valid_addresses(address) for address in stripped], dtype=bool), False)
    owed = items is not None
    # Per customer row in `people`; the items of unknown customers (-1) sum together, but those rows are held
    # as unknown before the balance is looked at.
    balance = pd.Series(dtype=float)
    unconverted = pd.Series(dtype=object)
    if owed:
        balance = items[Aging.BASE_OPEN_AMOUNT].groupby(items[_CUSTOMER].to_numpy()).sum()
        unconverted = _unconverted_currencies(items)
    if unapplied_cash is not None and len(unapplied_cash):
        person = people.index.get_indexer(unapplied_cash.index)
        cash = pd.Series(unapplied_cash.to_numpy()[person >= 0], index=person[person >= 0])
        balance = balance.sub(cash, fill_value=0)
    notice = np.array([level is COLLECTION_FAILED for level in levels])[rows["_position"]]
    last_any = _last_sent_per_customer(history, [level.level for level in levels if level is not COLLECTION_FAILED])
    last = (
        pd.to_datetime(customer.map(last_any))
        if len(last_any)
        else pd.Series(pd.NaT, index=customer.index, dtype="datetime64[ns]")
    )
    waits = np.array([level.min_days_since_previous for level in levels])[rows["_position"]]
    local_today = field(LOCAL_DATE)
    days_since = (local_today - last).dt.days

    def no_rate(held: np.ndarray) -> np.ndarray:
        codes = unconverted.reindex(where[held]).fillna("").to_numpy(dtype=object)
        return "no FX rate for " + codes + " — the balance cannot be worked out; add the rate on the FX sheet"

    def no_email(held: np.ndarray) -> np.ndarray:
        address = email[held]
        return "no valid email address" + np.where(address != "", " ('" + address + "')", "")

    def too_soon(held: np.ndarray) -> np.ndarray:
        previous = last[held]
        wait_until = (previous + pd.to_timedelta(waits[held], unit="D")).dt.strftime("%Y-%m-%d")
        return (
            "last reminder sent on " + previous.dt.strftime("%Y-%m-%d") + "; the policy waits until " + wait_until
        ).to_numpy(dtype=object)

    escalates = np.array([bool(getattr(level, "escalate", False)) for level in levels])[rows["_position"]]
    on_hold = _flag(field(Customers.CREDIT_HOLD, False)) if Customers.CREDIT_HOLD in people.columns else None
    escalated_on = customer.map(dict(escalated or {})) if escalated else pd.Series(None, index=customer.index)
    held_by_ledger = escalated_on.notna().to_numpy(dtype=bool)
    on_hold = held_by_ledger if on_hold is None else (on_hold | held_by_ledger)

    def credit_hold(held: np.ndarray) -> np.ndarray:
        day = escalated_on[held].astype("string").fillna("")
        return np.where(
            day != "",
            "on credit hold: escalated on " + day + " and handed to collections — lower levels stop",
            "on credit hold (Customers sheet) — lower levels stop",
        ).astype(object)

    covered = rows["_covered"].fillna(False).to_numpy(dtype=bool) if "_covered" in rows.columns else None
    holds = _first_reason(
        [
            (~known.to_numpy(), "customer ID not found in Customers"),
            (_flag(field(Customers.DO_NOT_CONTACT, False)), "do not contact"),
            (owed & on_hold & ~escalates, credit_hold),
            (_flag(field(Customers.AUTO_PAY, False)) & ~notice, "pays by direct debit (auto-pay): no reminders"),
            (~valid_email[where], no_email),
            (owed & unconverted.reindex(where).notna().to_numpy(), no_rate),
            (
                owed & (balance.reindex(where).fillna(0).to_numpy() <= 0),
                "credit notes and unapplied payments cover the open amount",
            ),
            (
                owed & (covered if covered is not None else np.zeros(len(rows), dtype=bool)),
                "credit notes and unapplied payments cover the amount this reminder would ask for",
            ),
            (
                owed & (rows[Queue.BASE_AMOUNT] < minimum_amount).to_numpy(),
                f"below the minimum amount ({minimum_amount:g} in the base currency)",
            ),
            ((last.notna() & (days_since < waits)).to_numpy(dtype=bool), too_soon),
        ]
    )
    open_row = ~equals(rows[Queue.STATE], HELD)
    rows[Queue.REASON] = np.where(open_row & (holds != ""), holds, rows[Queue.REASON])
    rows[Queue.STATE] = np.where(open_row & (holds != ""), HELD, rows[Queue.STATE])

    # One message per customer per run: the highest level goes first, lower ones wait for the policy's interval.
    # Grouped by the customer's row in `people`: the rows of unknown customers (-1) are all held by now.
    going = ~equals(rows[Queue.STATE], HELD)
    top = rows["_position"].where(going).groupby(where).transform("max")
    behind = going & (rows["_position"] < top)
    top_name = rows[Queue.LEVEL_NAME].where(going & (rows["_position"] == top)).groupby(where)
    first_name = top_name.transform("first")
    rows[Queue.REASON] = np.where(behind, "the customer's " + first_name + " goes out first", rows[Queue.REASON])
    rows[Queue.STATE] = np.where(behind, HELD, rows[Queue.STATE])

    rows[Queue.CUSTOMER_NAME] = field(Customers.NAME)
    rows[Queue.LANGUAGE] = field(Customers.LANGUAGE).fillna("en").replace("", "en")
    rows[Queue.TO] = email
    cc = people[Customers.CC] if Customers.CC in people.columns else text(Customers.CC)
    if isinstance(cc.dtype, pd.StringDtype) and cc.dtype.na_value is np.nan:  # plain text: blank for missing
        cc_text = cc.fillna("").tolist()
    else:
        cc_text = [_address_text(value) for value in cc.to_numpy(dtype=object)]
    wants_manager = np.array([level.cc_account_manager for level in levels])[rows["_position"]]
    without_manager = per_row(_join_addresses(cc_text, [""] * len(cc_text), people.index)).fillna("")
    if wants_manager.any():
        manager = text(Customers.ACCOUNT_MANAGER).tolist()
        with_manager = per_row(_join_addresses(cc_text, manager, people.index)).fillna("")
        rows[Queue.CC] = with_manager.where(wants_manager, without_manager)
    else:
        rows[Queue.CC] = without_manager
    rows[Queue.TEMPLATE] = _templates(rows["_position"].to_numpy(), customer, levels)
    rows[Queue.INVOICES] = [", ".join(numbers) for numbers in rows[INVOICE_LIST].tolist()]
    rows[LOCAL_DATE] = local_today
    for key in (COUNTRY, SUBDIVISION, TIME_ZONE):
        source = {COUNTRY: COUNTRY, SUBDIVISION: Customers.SUBDIVISION, TIME_ZONE: TIME_ZONE}[key]
        rows[key] = field(source)
    return rows


def _valid_addresses(text: str) -> bool:
    """One address, or several separated by ``;`` (Customers Email may list a shared mailbox and a person)."""
    parts = [part.strip() for part in text.split(";")]
    return bool(text) and all(_EMAIL.match(part) is not None for part in parts)


def _unconverted_currencies(items: pd.DataFrame) -> pd.Series:
    """Per customer row (`_CUSTOMER`), the currencies of its items without a base amount ("PLN, CZK"); only
    customers with such items. Their balance is unknown, so nothing can be said about what they owe."""
    missing = items[Aging.BASE_OPEN_AMOUNT].isna() & items[Invoices.OPEN_AMOUNT].notna()
    if not missing.any():
        return pd.Series(dtype=object)
    subset = items.loc[missing, [_CUSTOMER, Invoices.CURRENCY]].astype({Invoices.CURRENCY: str})
    return subset.groupby(_CUSTOMER)[Invoices.CURRENCY].agg(lambda codes: ", ".join(sorted(set(codes))))


def _first_reason(rules: list[tuple[np.ndarray, Any]]) -> np.ndarray:
    """Per row, the reason of the first rule that applies ('' for none), as `np.select` would pick it.

    A reason is a text, or a function building the texts of the rows it is given (only those it applies to):
    the rules are written from the last to the first, so that an earlier rule overwrites a later one.
    """
    reasons = np.full(len(rules[0][0]), "", dtype=object)
    for applies, reason in reversed(rules):
        if applies.any():
            reasons[applies] = reason(applies) if callable(reason) else reason
    return reasons


def _last_sent_per_customer(history: pd.DataFrame | None, dunning_levels: list[int]) -> pd.Series:
    """The last day each customer was sent a dunning level: thank-yous and notices do not delay a reminder."""
    if history is None or history.empty:
        return pd.Series(dtype="datetime64[ns]")
    history = history[history[Log.LEVEL].isin(dunning_levels)]
    sent = pd.to_datetime(history[Log.SENT_AT], utc=True).dt.tz_localize(None).dt.normalize()
    return sent.groupby(history[Log.CUSTOMER_ID]).max()


def _flag(values: pd.Series) -> np.ndarray:
    """A yes/no column as booleans; blank is no."""
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _address_text(value: Any) -> str:
    """Addresses as the reader gives them (a list for an EMAILS column) or as text, as one 'a; b' string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(part) for part in value)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


_SEPARATOR = re.compile(r"\s*[;,]\s*")


def _join_addresses(first: list[str], second: list[str], index: pd.Index) -> pd.Series:
    """'a; b' from two columns of address lists, without empty parts (one Python pass: a few string methods)."""
    done: dict[tuple[str, str], str] = {}  # most customers share their cc list's shape: blank, or one mailbox
    joined = []
    for pair in zip(first, second, strict=True):
        text = done.get(pair)
        if text is None:
            one, other = pair[0].strip(), pair[1]
            text = one + "; " + other if one and other else one + other
            if ";" in text or "," in text:  # else there is nothing to split
                text = "; ".join(part for part in _SEPARATOR.split(text) if part)  # "a;; b," → "a; b"
            text = done[pair] = text.strip("; ")
        joined.append(text)
    return pd.Series(joined, index=index, dtype="string")


def _templates(position: np.ndarray, customer: pd.Series, levels: list[Level]) -> list[str]:
    """Each row's template: a level with a single template gives it to everyone, without hashing the ID."""
    single = [
        level.templates[0] if isinstance(level, DunningLevel) and len(level.templates) == 1 else None
        for level in levels
    ]
    if all(template is not None for template in single):
        return np.array(single, dtype=object)[position].tolist()
    return [
        single[where] if single[where] is not None else levels[where].template_for(str(customer_id))
        for where, customer_id in zip(position.tolist(), customer.to_numpy(dtype=object).tolist(), strict=True)
    ]


# ---- send times ----------------------------------------------------------------------------------------------


def _send_times(rows: pd.DataFrame, people: pd.DataFrame, now: dt.datetime, window: Any) -> pd.DataFrame:
    rows[Queue.SEND_AT_UTC] = pd.NaT
    rows[Queue.SEND_AT_LOCAL] = ""
    ready = ~equals(rows[Queue.STATE], HELD) & rows[TIME_ZONE].notna() & rows[COUNTRY].notna()
    if ready.any():
        subset = rows.loc[ready, [COUNTRY, SUBDIVISION, TIME_ZONE]]
        # `now` is the same for every row, so the send time depends only on the place: computed once per distinct
        # (country, subdivision, zone) — a few dozen — and spread to the rows.
        place, first = _places(subset)
        places = subset.iloc[first]
        at_place = calendar.next_send_time(
            pd.Series(pd.Timestamp(now).tz_convert("UTC"), index=places.index),
            places[COUNTRY],
            places[TIME_ZONE],
            window,
            places[SUBDIVISION].astype("string").fillna(""),
        )
        send_at = pd.Series(at_place.array.take(place), index=subset.index)
        rows[Queue.SEND_AT_UTC] = send_at.reindex(rows.index)
        local_text = _local_text(at_place, places[TIME_ZONE]).to_numpy()[place]
        rows.loc[ready, Queue.SEND_AT_LOCAL] = pd.Series(local_text, index=subset.index, dtype=object)
        later = ready & (rows[Queue.SEND_AT_UTC] > pd.Timestamp(now).tz_convert("UTC"))
        rows[Queue.STATE] = np.where(later, SCHEDULED, rows[Queue.STATE])
        rows[Queue.REASON] = np.where(
            later, "waits for the customer's business hours", rows[Queue.REASON]
        )  # fmt: skip
    no_zone = ~equals(rows[Queue.STATE], HELD) & ~ready
    rows.loc[no_zone, Queue.STATE] = HELD
    rows.loc[no_zone, Queue.REASON] = "no known country or time zone for the customer's business hours"
    return rows.drop(columns=["_hold", "_covered", "_group"], errors="ignore").reset_index(drop=True)


def _places(subset: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's place (a code) and one row of each place, in order of first appearance.

    Only text columns are factorized together; others (numbers that hash alike, 1 and 1.0, but read apart) make
    every row its own place.
    """
    if any(pd.api.types.infer_dtype(subset[column], skipna=True) != "string" for column in subset.columns):
        return np.arange(len(subset)), np.arange(len(subset))
    key = np.zeros(len(subset), dtype="int64")
    for column in subset.columns:
        codes, distinct = pd.factorize(subset[column], use_na_sentinel=False)
        key = key * len(distinct) + codes
    place, _ = pd.factorize(key)
    _, first = np.unique(place, return_index=True)
    return place, first


def _local_text(send_at: pd.Series, zones: pd.Series) -> pd.Series:
    """'Tue 2026-11-24 09:00 Europe/Berlin' per row, formatted once per distinct (send time, zone) pair."""
    at_codes, moments = pd.factorize(send_at)
    zone_codes, names = pd.factorize(zones)
    pair = np.where((at_codes < 0) | (zone_codes < 0), -1, at_codes.astype("int64") * len(names) + zone_codes)
    pair_codes, pairs = pd.factorize(pair)

    def text(code: int) -> str:
        if code < 0:
            return ""
        zone = names[code % len(names)]
        return pd.Timestamp(moments[code // len(names)]).tz_convert(zone).strftime("%a %Y-%m-%d %H:%M ") + zone

    texts = [text(code) for code in pairs.tolist()]
    return pd.Series(np.asarray(texts, dtype=object)[pair_codes], index=send_at.index, dtype=object)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=[*Queue, INVOICE_LIST, LOCAL_DATE, COUNTRY, SUBDIVISION, TIME_ZONE, "_position"])
