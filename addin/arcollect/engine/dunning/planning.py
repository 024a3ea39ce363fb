"""Planning the dunning levels: which level each open invoice stands at (one step at a time, from the ledger's
history), the invoice holds (disputes, promises, payment plans, already sent), and an escalation taking the whole
account; `plan` then groups, holds and times the reminders (`grouping`, `holds`, `timing`). The rules, in order, are
in `arcollect.engine.dunning`'s docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import calendar
from arcollect.engine.columns import equals
from arcollect.engine.dunning.grouping import credit_once, group_rows
from arcollect.engine.dunning.holds import customer_holds
from arcollect.engine.dunning.queue import (
    COLLECTION_FAILED,
    CUSTOMER_ROW,
    DIRECT_DEBIT_SETTLE_DAYS,
    LOCAL_DATE,
    Level,
    empty_queue,
    flag,
)
from arcollect.engine.dunning.timing import customer_table, send_times
from arcollect.errors import InputError
from arcollect.schema import Aging, Customers, Invoices, Log

# The invoice columns the planner reads: the items carry only these (each filter below copies what it keeps).
_ITEM_COLUMNS = (
    Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.DUE_DATE, Invoices.CURRENCY, Invoices.OPEN_AMOUNT,
    Invoices.STATUS, Invoices.PROMISE_DATE, Invoices.DISPUTE_REASON, Invoices.PLAN_NEXT_DATE, Aging.BASE_OPEN_AMOUNT,
)  # fmt: skip


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
    uncounted_cash: pd.Series | None = None,
    window: tuple[str, str] | str = calendar.DEFAULT_WINDOW,
    credits: pd.DataFrame | None = None,
    catch_up_days: int | None = None,
    escalated: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """The reminder queue: one row per (customer, level) reminder or held group, columns `Queue` + internals.

    `invoices` are the aged invoices (with `Aging.BASE_OPEN_AMOUNT`, due dates filled in); `unapplied_cash` is the
    customer's unapplied payments in the base currency (positive), used with credit notes to decide whether anything
    is owed at all; `uncounted_cash` (customer → reason, `arcollect.engine.pricing.uncounted_cash`) names the
    customers with an unapplied payment that could not be counted (no FX rate): what they owe is unknown, so their
    reminders are held with that reason — never sent for the full balance, never read as covered. `credits` are the
    customer's credit notes and unapplied payments by currency (`Invoices.CUSTOMER_ID`, `Invoices.CURRENCY`,
    `Invoices.OPEN_AMOUNT` negative; default: the credit notes among `invoices`), netted against each reminder's
    amount. `escalated` maps customers the ledger shows escalated to the day (text) of that escalation: on credit
    hold, whatever the Customers sheet says yet. Amounts compared with `minimum_amount` are in the base currency.
    """
    if now.tzinfo is None:
        raise InputError("now must be a timezone-aware date-time (UTC)")
    levels = sorted(
        (level for level in policy if level.tone not in ("thanks", "statement")), key=lambda level: level.days_offset
    )
    if not levels:
        return empty_queue()
    people = customer_table(customers, now)
    items = _open_items(invoices, people, now)
    auto_pay = np.append(flag(people[Customers.AUTO_PAY]), False)[items[CUSTOMER_ROW].to_numpy()]
    items = _assign_levels(items, levels, grace_days, history, auto_pay, catch_up_days)
    steps = [*levels, COLLECTION_FAILED]  # the notice's position is len(levels)
    items = _invoice_holds(items, steps, history)
    items = _escalation_takes_all(items, steps)
    items = items[(items["_position"] >= 0) | (items[Invoices.OPEN_AMOUNT] < 0)]  # no level yet: not planned
    if credits is None:
        credits = items.loc[
            items[Invoices.OPEN_AMOUNT] < 0, [Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT]
        ]
    rows, grouping = group_rows(items, steps, credits)
    if rows.empty:
        return empty_queue()
    rows = customer_holds(
        rows, items, people, steps, history, minimum_amount, unapplied_cash, escalated, uncounted_cash
    )
    rows = credit_once(rows, grouping, credits)
    return send_times(rows, people, now, window)


def _open_items(invoices: pd.DataFrame, people: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    status = invoices[Invoices.STATUS].fillna("Open").astype(str)
    keep = (~equals(status, "Paid") & (invoices[Invoices.OPEN_AMOUNT].fillna(0) != 0)).to_numpy(dtype=bool)
    columns = [column for column in _ITEM_COLUMNS if column in invoices.columns]
    items = invoices[columns] if keep.all() else invoices.loc[keep, columns]
    items[Invoices.STATUS] = status[keep]
    # The customer's row in `people` (-1: not a customer), found once: every later customer field is a take.
    where = people.index.get_indexer(items[Invoices.CUSTOMER_ID])
    items[CUSTOMER_ROW] = where
    local_dates = people[LOCAL_DATE]
    if local_dates.empty:  # no customers could be read: every item's local date is unknown
        local_dates = pd.Series(pd.NaT, index=people.index, dtype="datetime64[ns]")
    items[LOCAL_DATE] = pd.Series(pd.api.extensions.take(local_dates.array, where, allow_fill=True), index=items.index)
    today = items[LOCAL_DATE].fillna(pd.Timestamp(now.astimezone(dt.UTC).date()))  # unknown customer: held anyway
    items[Aging.DAYS_PAST_DUE] = (today - pd.to_datetime(items[Invoices.DUE_DATE])).dt.days
    dated = items[Aging.DAYS_PAST_DUE].notna().to_numpy()
    return items if dated.all() else items[dated]


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
    """Every overdue invoice of a customer with an escalation due joins it (`arcollect.engine.dunning`, rule 3).

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
    customer = items[CUSTOMER_ROW].to_numpy()
    top = pd.Series(np.where(trigger, position, -1)).groupby(customer).transform("max").to_numpy()
    free = (hold == "") | pd.Series(hold, dtype="string").str.startswith("already sent").to_numpy(dtype=bool)
    overdue = (items[Aging.DAYS_PAST_DUE].to_numpy() > 0) & (items[Invoices.OPEN_AMOUNT].to_numpy() > 0)
    joins = (top >= 0) & (customer >= 0) & overdue & free
    return items.assign(_position=np.where(joins, top, position), _hold=np.where(joins, "", hold))
