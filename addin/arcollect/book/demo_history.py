"""A year of past reminders for the demo's ledger, so its Effectiveness sheet and A/B verdict have history.

    >>> from arcollect.book import demo, demo_history
    >>> tables = demo.tables(as_of)
    >>> demo_history.seed(ledger_path, tables, now=now)  # doctest: +SKIP
    1634

A live ledger fills up as reminders go out; the demo starts with an empty one. `past_reminders` reconstructs
what the demo's own dunning policy would have sent for the invoices the demo history shows as paid late: each
level whose day (due date + its days after due) came before the payment, grouped per customer, level and day as
the planner groups them, with the A/B template each customer is assigned. Only invoices already paid and only
days at least `QUIET_DAYS` before `now` are used, so nothing seeded touches what the demo plans today (no open
invoice has history, and no customer has a reminder inside any level's minimum spacing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from arcollect.book.schema import Customers, Invoices, Payments
from arcollect.book.settings import parse_policy
from arcollect.engine import metrics
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import Reminder, idempotency_key

QUIET_DAYS = 30
SEND_HOUR_UTC = 8
TRANSPORT = "demo history"  # not a transport: ReminderLog shows these came with the demo
_DUNNING_TONES = ("friendly", "firm", "final")


def past_reminders(tables: dict[str, pd.DataFrame], now: dt.datetime) -> pd.DataFrame:
    """One row per past reminder: customer, level, template, day sent and its invoices (a tuple), oldest first."""
    policy, _ = parse_policy(tables["DunningLevels"])
    invoices = tables["Invoices"]
    invoices = invoices[invoices[Invoices.NUMBER].notna() & invoices[Invoices.DUE_DATE].notna()]
    paid_on = metrics.paid_dates(invoices, tables["Payments"][tables["Payments"][Payments.INVOICE_NUMBER].notna()])
    paid = invoices.drop_duplicates(Invoices.NUMBER).merge(
        pd.to_datetime(paid_on).rename("_paid_on"), left_on=Invoices.NUMBER, right_index=True
    )
    cutoff = pd.Timestamp(now.date()) - pd.Timedelta(days=QUIET_DAYS)
    frames = []
    for level in policy:
        if level.tone not in _DUNNING_TONES:
            continue
        sent_on = pd.to_datetime(paid[Invoices.DUE_DATE]) + pd.Timedelta(days=level.days_offset)
        due = paid[(sent_on < paid["_paid_on"]) & (sent_on <= cutoff)]
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": due[Invoices.CUSTOMER_ID].astype(str),
                    "level": level.level,
                    "template": due[Invoices.CUSTOMER_ID].astype(str).map(level.template_for),
                    "sent_on": sent_on[due.index].dt.normalize(),
                    "invoice": due[Invoices.NUMBER].astype(str),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["customer_id", "level", "template", "sent_on", "invoices"])
    rows = pd.concat(frames, ignore_index=True)
    grouped = (
        rows.sort_values("invoice", kind="stable")
        .groupby(["sent_on", "customer_id", "level", "template"], sort=True)["invoice"]
        .agg(tuple)
        .rename("invoices")
    )
    return grouped.reset_index()


def seed(ledger_path: Path, tables: dict[str, pd.DataFrame], *, now: dt.datetime) -> int:
    """Write `past_reminders` into the ledger at `ledger_path` as sent by `TRANSPORT`; returns how many."""
    reminders = past_reminders(tables, now)
    emails = tables["Customers"].drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.EMAIL]
    with Ledger(ledger_path) as ledger:
        for row in reminders.itertuples(index=False):
            sent_at = dt.datetime.combine(row.sent_on.date(), dt.time(SEND_HOUR_UTC), tzinfo=dt.UTC)
            reminder = Reminder(
                key=idempotency_key(row.customer_id, row.level, row.invoices, row.sent_on.date()),
                customer_id=row.customer_id,
                level=row.level,
                template=row.template,
                language="",
                sender="demo@example.com",
                to=(str(emails.get(row.customer_id) or "ap@example.com"),),
                cc=(),
                reply_to=None,
                subject=f"Payment reminder (level {row.level})",
                html="",
                text="",
                invoices=row.invoices,
                variant=row.template,
            )
            ledger.plan(reminder, now=sent_at, transport=TRANSPORT, cycle_date=row.sent_on.date())
            if ledger.begin_send(reminder.key, now=sent_at, transport=TRANSPORT):
                ledger.mark_sent(reminder.key, now=sent_at, message_id=reminder.message_id)
    return len(reminders)
