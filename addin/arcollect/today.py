"""What needs a person today: the NextActions sheet (one row per customer) and the Dashboard's action panel.

    >>> from arcollect import today
    >>> sheet = today.next_actions(queue, aged, names, as_of)             # doctest: +SKIP
    >>> items = today.panel(aged, queue, customers, risk, as_of, ...)      # doctest: +SKIP
    >>> [(item.label, item.count) for item in items][:2]                  # doctest: +SKIP
    [('Reminders going out', 41), ('Promises falling due in the next 7 days', 3)]

ReminderQueue lists every reminder and every held group — several rows per customer, one per level and reason.
A controller wants the other cut first: per customer, the one thing that happens next. `next_actions` takes the
queue's row that goes out (there is at most one per customer and run), else its highest held level's reason, else
says nothing is due yet and when the first invoice falls due; customers most overdue come first.

The panel counts what a person must look at today, each with where to look:

- reminders going out (due now or later today in the customer's hours) — NextActions / ReminderQueue;
- promises to pay falling due in the next 7 days (today included), and broken promises (Status Promised, promise
  date passed, still open) — Aging;
- open disputes (Status Disputed) — Aging;
- escalations awaiting approval — ReminderQueue; shown once the planner marks them (`dunning.AWAITING_APPROVAL`);
- customers put on credit hold by this run — Customers;
- customers with open items and no valid email — Customers / Exceptions;
- customers over their credit limit — CustomerRisk;
- rows on Exceptions, and the open invoices not in the totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arcollect.engine import dunning, totals
from arcollect.schema import Aging, Customers, Debtors, Invoices, NextAction, Queue

PROMISE_WINDOW_DAYS = 7
_GOING = (dunning.DUE, dunning.SCHEDULED)


@dataclass(frozen=True)
class Item:
    """One line of the action panel: what, how many, how much (base currency; None when not a sum), where."""

    label: str
    count: int
    amount: float | None
    where: str


def awaiting_approval_state() -> str | None:
    """The queue state of escalations waiting for a person's approval, once the planner has one (issue #16)."""
    return getattr(dunning, "AWAITING_APPROVAL", None)


# ---- NextActions ---------------------------------------------------------------------------------------------


def next_actions(
    queue: pd.DataFrame, aged: pd.DataFrame, names: pd.Series, as_of: dt.date | None = None
) -> pd.DataFrame:
    """One row per customer with open items (`NextAction` columns), most overdue first."""
    columns = [str(key) for key in NextAction]
    if aged.empty:
        return pd.DataFrame(columns=columns)
    # the amounts the totals count, as on Aging and CustomerRisk: an invoice without a rate or a due date is blank
    base = aged[Aging.BASE_OPEN_AMOUNT].astype("float64").where(totals.counted(aged))
    days = aged[Aging.DAYS_PAST_DUE].astype("float64")
    customer = aged[Invoices.CUSTOMER_ID]
    per_customer = pd.DataFrame(
        {
            NextAction.OPEN_BASE: base.groupby(customer).sum(min_count=1),
            NextAction.OVERDUE_BASE: base.where(days > 0)
            .groupby(customer)
            .sum(min_count=1)
            .where((days > 0).groupby(customer).any(), 0.0),  # blank: overdue, but in no amount the totals count
            NextAction.INVOICES: customer.groupby(customer).size(),
            NextAction.OLDEST: days.groupby(customer).max(),
            "_next_due": pd.to_datetime(aged[Invoices.DUE_DATE]).where(days <= 0).groupby(customer).min(),
        }
    )
    action, when, where = _actions(queue, per_customer.index)
    due_text = per_customer["_next_due"].dt.strftime("%Y-%m-%d")
    nothing = action.isna()
    action = action.where(~nothing, "nothing to send yet — first invoice falls due " + due_text.fillna("?"))
    action = action.where(~(nothing & per_customer["_next_due"].isna()), "nothing to send yet")
    sheet = per_customer.assign(
        **{
            NextAction.CUSTOMER_NAME: names.reindex(per_customer.index).to_numpy(),
            NextAction.ACTION: action.to_numpy(),
            NextAction.WHEN: when.to_numpy(),
            NextAction.WHERE: where.where(~nothing, "Aging").to_numpy(),
        }
    )
    oldest = sheet[NextAction.OLDEST].round()
    sheet[NextAction.OLDEST] = pd.array(oldest.where(oldest > 0), dtype="Int64")  # blank: nothing overdue yet
    sheet = sheet.rename_axis(NextAction.CUSTOMER_ID).reset_index()
    sheet = sheet.sort_values(
        [NextAction.OVERDUE_BASE, NextAction.OLDEST, NextAction.CUSTOMER_ID], ascending=[False, False, True]
    )
    return sheet[columns].reset_index(drop=True)


def _actions(queue: pd.DataFrame, customers: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per customer: the next action in words, when (customer time) and where to look; NaN where the queue has none."""
    empty = pd.Series(np.nan, index=customers, dtype=object)
    if queue.empty:
        return empty, empty.copy(), pd.Series("", index=customers, dtype=object)
    rows = queue.assign(_level=pd.to_numeric(queue[Queue.LEVEL], errors="coerce").fillna(-1))
    state = rows[Queue.STATE].astype(str)
    awaiting = awaiting_approval_state()
    rank = np.select(
        [state.isin(_GOING).to_numpy(), (state == "sent").to_numpy(), (state == str(awaiting)).to_numpy()],
        [0, 1, 2],
        3,
    )
    rows = rows.assign(_rank=rank).sort_values(["_rank", "_level"], ascending=[True, False], kind="stable")
    first = rows.drop_duplicates(Queue.CUSTOMER_ID).set_index(Queue.CUSTOMER_ID)
    number = first["_level"].astype(int)
    level = first[Queue.LEVEL_NAME].astype(str) + np.where(
        number.isin([dunning.COLLECTION_FAILED.level, -1]), "", " (level " + number.astype(str) + ")"
    )  # the direct-debit notice's 99 is a ledger number, not a level anyone set
    reason = first[Queue.REASON].fillna("").astype(str)
    words = np.select(
        [
            first["_rank"].to_numpy() == 0,
            first["_rank"].to_numpy() == 1,
            first["_rank"].to_numpy() == 2,
        ],
        [
            ("send " + level).to_numpy(dtype=object),
            ("sent " + level + " in this run").to_numpy(dtype=object),
            (level + " awaiting your approval").to_numpy(dtype=object),
        ],
        ("held — " + reason).to_numpy(dtype=object),
    )
    action = pd.Series(words, index=first.index, dtype=object)
    when = first[Queue.SEND_AT_LOCAL].where(first["_rank"] == 0)
    where = pd.Series([_where(text) for text in reason], index=first.index, dtype=object)
    where = where.where(first["_rank"] > 1, np.where(first["_rank"] == 1, "ReminderLog", "ReminderQueue"))
    return action.reindex(customers), when.reindex(customers), where.reindex(customers).fillna("")


_WHERE = (
    ("no valid email", "Customers: Email"),
    ("not in customers", "Customers (see Exceptions)"),
    ("left out of customers", "Customers (see Exceptions)"),
    ("no fx rate", "FX (see Exceptions)"),
    ("disputed", "Aging: Status Disputed"),
    ("promised", "Aging: Promise date"),
    ("payment plan", "Aging: Plan next instalment"),
    ("already sent", "ReminderLog"),
    ("do not contact", "Customers: Do not contact"),
    ("direct debit", "Customers: Auto-pay"),
    ("credit notes", "Aging: credit notes"),
    ("minimum amount", "Settings: MinimumAmount"),
    ("template", "DunningLevels: Template"),
)


def _where(reason: str) -> str:
    lowered = reason.casefold()
    return next((place for words, place in _WHERE if words in lowered), "ReminderQueue")


# ---- the action panel ------------------------------------------------------------------------------------------


def panel(
    aged: pd.DataFrame,
    queue: pd.DataFrame,
    customers: pd.DataFrame,
    risk: pd.DataFrame,
    as_of: dt.date,
    *,
    new_holds: Iterable[str] = (),
    exceptions: int = 0,
    not_in_totals: int = 0,
) -> list[Item]:
    """The action panel's lines, in a fixed order (see the module doc). `aged` are the open items in the totals."""
    today = pd.Timestamp(as_of)
    status = aged[Invoices.STATUS].fillna("Open").astype(str) if len(aged) else pd.Series(dtype=str)
    promise = pd.to_datetime(aged[Invoices.PROMISE_DATE]) if len(aged) else pd.Series(dtype="datetime64[ns]")
    base = aged[Aging.BASE_OPEN_AMOUNT].astype("float64") if len(aged) else pd.Series(dtype="float64")
    promised = status == "Promised"
    falling_due = promised & (promise >= today) & (promise <= today + pd.Timedelta(days=PROMISE_WINDOW_DAYS))
    broken = promised & (promise < today)
    disputed = status == "Disputed"
    state = queue[Queue.STATE].astype(str) if len(queue) else pd.Series(dtype=str)
    going = queue[state.isin(_GOING)] if len(queue) else queue
    items = [
        Item(
            "Customers with a reminder ready to go out (now or in their hours)",
            _customers_in(going),
            _sum(going[Queue.BASE_AMOUNT]) if len(going) else None,
            "NextActions; ReminderQueue: State due / scheduled",
        ),
        Item(
            f"Invoices promised to be paid in the next {PROMISE_WINDOW_DAYS} days",
            int(falling_due.sum()),
            _sum(base[falling_due]),
            "Aging: Status Promised, Promise date — check the bank",
        ),
        Item(
            "Invoices with a broken promise (date passed, still open)",
            int(broken.sum()),
            _sum(base[broken]),
            "Aging: Status Promised",
        ),
        Item(
            "Invoices in dispute", int(disputed.sum()), _sum(base[disputed]), "Aging: Status Disputed, Dispute reason"
        ),
    ]
    awaiting = awaiting_approval_state()
    if awaiting is not None:
        waiting = queue[state == awaiting] if len(queue) else queue
        items.append(
            Item(
                "Escalations awaiting your approval",
                _customers_in(waiting),
                _sum(waiting[Queue.BASE_AMOUNT]) if len(waiting) else None,
                "ReminderQueue: State awaiting approval",
            )
        )
    holds = sorted(set(map(str, new_holds)))
    items.append(Item("New credit holds (this run)", len(holds), None, "Customers: Credit hold; cases folder"))
    items.append(_no_email(aged, customers))
    over = risk[risk[Debtors.LIMIT_USED] > 1] if Debtors.LIMIT_USED in risk else risk.iloc[0:0]
    items.append(
        Item(
            "Customers over their credit limit (amount: by how much)",
            len(over),
            _sum(over[Debtors.OPEN_BASE] - over[Debtors.CREDIT_LIMIT_BASE]) if len(over) else None,
            "CustomerRisk: Credit limit used over 100%",
        )
    )
    items.append(
        Item(
            "Problems in the data to fix"
            + (f" ({not_in_totals} open invoices not in totals)" if not_in_totals else ""),
            exceptions,
            None,
            "Exceptions (sorted by sheet and row, with a link to each cell)",
        )
    )
    return items


def _customers_in(rows: pd.DataFrame) -> int:
    return int(rows[Queue.CUSTOMER_ID].nunique()) if len(rows) else 0


def _sum(values: pd.Series) -> float | None:
    return float(values.sum()) if len(values) else None


def _no_email(aged: pd.DataFrame, customers: pd.DataFrame) -> Item:
    where = "Customers: Email (see Exceptions)"
    label = "Customers with open items and no valid email"
    if aged.empty or customers.empty:
        return Item(label, 0, None, where)
    email = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.EMAIL]
    owing = aged.groupby(Invoices.CUSTOMER_ID)[Aging.BASE_OPEN_AMOUNT].sum()
    known = owing.index.isin(email.index)
    address = email.reindex(owing.index)
    missing = known & (address.isna() | (address.astype(str).str.strip() == "")).to_numpy()
    return Item(label, int(missing.sum()), _sum(owing[missing]) if missing.any() else None, where)
