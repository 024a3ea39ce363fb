"""The demo ledger's past: a year of reminders about paid invoices, and five weeks of the schedule on open ones.

    >>> from arcollect.demo import data, history
    >>> tables = data.tables(as_of)
    >>> history.seed(ledger_path, tables, now=now)  # doctest: +SKIP
    1634
    >>> history.simulate(ledger_path, tables, now=now)  # doctest: +SKIP
    (412, 1)

A live ledger fills up as reminders go out; the demo starts with an empty one. `past_reminders` reconstructs
what the demo's own dunning policy would have sent for the invoices the demo history shows as paid late: each
level whose day (due date + its days after due) came before the payment, grouped per customer, level and day as
the planner groups them, with the A/B template each customer is assigned — so Effectiveness and the A/B verdict
have data. Only invoices already paid and only days at least `QUIET_DAYS` before `now` are used: before the
five weeks that `simulate` fills by running arcollect's own planner day by day over the open invoices, so that
today's plan continues a believable story — customers at every level, each reached one step at a time, a few
escalations approved and sent (their case files and credit holds follow from the ledger on the demo's run),
and later ones awaiting approval.
"""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

import pandas as pd

from arcollect.engine import metrics
from arcollect.engine.policy import parse_policy
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import Reminder, idempotency_key
from arcollect.schema import Customers, Invoices, Log, Payments, Queue

CYCLE_DAYS = 35  # the demo ledger shows five weekly dunning runs over the open invoices before today's
RUN_EVERY_DAYS = 7
QUIET_DAYS = CYCLE_DAYS + 7
APPROVER = "Anna Keller (demo)"
APPROVALS = 3  # escalations the demo's finance user approved during those weeks; later ones await approval
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


def joined_on(customer_id: str) -> int:
    """The day (0 … 2 × `CYCLE_DAYS` − 1, counted from the start of the simulated weeks) a customer joined the
    schedule: a stable hash of its ID, so every demo run tells the same story."""
    return zlib.crc32(str(customer_id).encode("utf-8")) % (2 * CYCLE_DAYS)


def simulate(ledger_path: Path, tables: dict[str, pd.DataFrame], *, now: dt.datetime) -> tuple[int, int]:
    """The last `CYCLE_DAYS` days as a weekly dunning run of arcollect would have gone on the demo's open invoices.

    Customers were brought into the dunning one by one: each joins on a day of its own (`joined_on`), half of them
    within these weeks and half only today. Every `RUN_EVERY_DAYS` days, on today's weekday at noon UTC, the
    planner (`dunning.plan`, with the demo's policy, settings and the history recorded so far) plans the reminders
    of the joined customers' invoices issued by then; every reminder due or scheduled before the next day's noon
    is recorded as sent at its send time — so each customer climbs one level at a time, at the policy's spacing,
    inside its business hours, and today's run has a week's worth at every level, first contacts included.
    At most the first `APPROVALS` escalations are approved by `APPROVER` and sent; the later ones stay awaiting
    approval (the demo shows them so). The escalation bookkeeping starts with the cycle, so the demo's own run
    writes the case files and credit holds of those sent escalations — from the ledger.
    Returns how many reminders were recorded, and how many of them were approved escalations.
    """
    from arcollect import escalation
    from arcollect.book.settings import parse_settings
    from arcollect.engine import aging, dunning, pricing
    from arcollect.mail import compose

    config, _ = parse_settings(tables["Settings"])
    policy, _ = parse_policy(tables["DunningLevels"])
    escalating = {level.level for level in policy if level.escalate}
    customers = pricing.resolve_jurisdictions(tables["Customers"], config.default_jurisdiction)
    invoices, _ = pricing.prepare(tables["Invoices"], customers)
    aged, _ = aging.age(
        pricing.open_items(invoices), now.astimezone(dt.UTC).date(), base_currency=config.base_currency,
        rates=tables["FX"], basis=config.aging_basis,
    )  # fmt: skip
    issued = pd.to_datetime(aged[Invoices.INVOICE_DATE])
    joined = aged[Invoices.CUSTOMER_ID].astype(str).map(joined_on)
    credits = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0, [Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT]]
    start = pd.Timestamp(now.astimezone(dt.UTC).date()) - pd.Timedelta(days=CYCLE_DAYS)
    history = pd.DataFrame(columns=[Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT])
    on_hold: dict[str, str] = {}
    recorded = approved = 0
    emails = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.EMAIL]
    with Ledger(ledger_path) as ledger:
        escalation.start(ledger, start.tz_localize("UTC").to_pydatetime())
        for day in range(0, CYCLE_DAYS, RUN_EVERY_DAYS):
            noon = (start + pd.Timedelta(days=day, hours=12)).tz_localize("UTC")
            open_then = aged[(issued <= noon.tz_localize(None).normalize()) & (joined <= day).to_numpy()]
            queue = dunning.plan(
                open_then, customers, policy, now=noon.to_pydatetime(), history=history,
                grace_days=config.grace_days, window=config.send_window, credits=credits, escalated=on_hold,
            )  # fmt: skip
            if queue.empty:
                continue
            send_at = pd.to_datetime(queue[Queue.SEND_AT_UTC], utc=True)
            going = queue[
                queue[Queue.STATE].isin([dunning.DUE, dunning.SCHEDULED]) & (send_at < noon + pd.Timedelta(days=1))
            ]
            rows = []
            for row in going.to_dict("records"):
                if int(row[Queue.LEVEL]) in escalating:
                    if approved >= APPROVALS:
                        continue
                    approved += 1
                    escalation.record(ledger, row[Queue.CUSTOMER_ID], int(row[Queue.LEVEL]), by=APPROVER,
                                      now=noon.to_pydatetime(), source="workbook")  # fmt: skip
                    on_hold[str(row[Queue.CUSTOMER_ID])] = f"{pd.Timestamp(row[Queue.SEND_AT_UTC]):%Y-%m-%d}"
                rows.append(row)
            for row in rows:
                sent_at = pd.Timestamp(row[Queue.SEND_AT_UTC]).to_pydatetime()
                if sent_at.tzinfo is None:
                    sent_at = sent_at.replace(tzinfo=dt.UTC)
                numbers = tuple(row[dunning.INVOICE_LIST])
                reminder = Reminder(
                    key=compose.key_for(row), customer_id=str(row[Queue.CUSTOMER_ID]), level=int(row[Queue.LEVEL]),
                    template=str(row[Queue.TEMPLATE]), language=str(row[Queue.LANGUAGE]), sender="ar@northwind.example",
                    to=(str(emails.get(row[Queue.CUSTOMER_ID]) or "ap@example.com"),), cc=(), reply_to=None,
                    subject=f"{row[Queue.LEVEL_NAME]} – account {row[Queue.CUSTOMER_ID]}", html="", text="",
                    invoices=numbers, variant=str(row[Queue.TEMPLATE]),
                )  # fmt: skip
                ledger.plan(reminder, now=sent_at, transport=TRANSPORT, cycle_date=row[dunning.LOCAL_DATE].date())
                if ledger.begin_send(reminder.key, now=sent_at, transport=TRANSPORT):
                    ledger.mark_sent(reminder.key, now=sent_at, message_id=reminder.message_id)
                    recorded += 1
                stamp = pd.Timestamp(sent_at).isoformat()
                history = pd.concat(
                    [history, pd.DataFrame({Log.CUSTOMER_ID: row[Queue.CUSTOMER_ID], Log.LEVEL: int(row[Queue.LEVEL]),
                                            Invoices.NUMBER: list(numbers), Log.SENT_AT: stamp})],
                    ignore_index=True,
                )  # fmt: skip
    return recorded, approved
