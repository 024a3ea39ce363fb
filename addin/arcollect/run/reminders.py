"""Preparing and rendering a run's reminders: the sent history the planner needs, credit notes and unapplied
cash shown net, the ledger's state of every planned reminder (exactly once), why an unknown customer is held, and
rendering each reminder through its template with its payment block."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arcollect.bank import inbox, letters
from arcollect.book import settings
from arcollect.book.reminder_log import reminder_log
from arcollect.engine import dunning, money
from arcollect.engine.policy import DunningLevel
from arcollect.errors import ArcollectError
from arcollect.mail import compose
from arcollect.mail.ledger import Ledger
from arcollect.mail.render import Renderer
from arcollect.problems import Problem
from arcollect.run.report import ALREADY_SENT, Progress
from arcollect.schema import Customers, Invoices, Log, Payments, Queue


def billed_currencies(aged: pd.DataFrame) -> list[str]:
    """The currencies with an open amount to remind (valid ISO codes; a bad code is already a reader problem)."""
    if aged.empty:
        return []
    owed = aged.loc[pd.to_numeric(aged[Invoices.OPEN_AMOUNT], errors="coerce").fillna(0) > 0, Invoices.CURRENCY]
    return sorted(set(owed.dropna().astype(str)) & set(money.currency_codes()))


def sent_history(ledger: Ledger) -> pd.DataFrame:
    """Sent reminders, one row per (reminder, invoice), for the planner's already-sent and minimum-days rules."""
    log = reminder_log(ledger.history())
    sent = log[log[Log.STATE] == "sent"]
    if sent.empty:
        return pd.DataFrame(columns=[Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT])
    per_invoice = sent.assign(**{Invoices.NUMBER: sent[Log.INVOICES].str.split("; ")}).explode(Invoices.NUMBER)
    return per_invoice[[Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT]].reset_index(drop=True)


def credit_lines(aged: pd.DataFrame, payments: pd.DataFrame | None) -> pd.DataFrame:
    """Credit notes and unapplied payments (as negative amounts). A credit note is named by its number, an
    unapplied payment by the day it was received (ISO, the same in every language): its Reference is the user's own
    note ("No remittance advice"), not something to print in a letter, in English, under the word "Credit"."""
    columns = [Invoices.NUMBER, Invoices.CUSTOMER_ID, Invoices.CURRENCY, Invoices.OPEN_AMOUNT]
    notes = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0, columns]
    if payments is None or payments.empty:
        return notes
    loose = payments[payments[Payments.INVOICE_NUMBER].isna() & (payments[Payments.AMOUNT] > 0)]
    dated = pd.to_datetime(loose[Payments.DATE]).dt.strftime("%Y-%m-%d").astype("string").fillna("")
    cash = pd.DataFrame(
        {
            Invoices.NUMBER: dated.to_numpy(dtype=object),
            Invoices.CUSTOMER_ID: loose[Payments.CUSTOMER_ID].to_numpy(dtype=object),
            Invoices.CURRENCY: loose[Payments.CURRENCY].to_numpy(dtype=object),
            Invoices.OPEN_AMOUNT: -loose[Payments.AMOUNT].to_numpy(dtype="float64"),
        }
    )
    return pd.concat([notes, cash], ignore_index=True)


def keys_and_ledger_state(queue: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Every reminder gets its idempotency key; one the ledger already holds as sent, in doubt or failed for good
    is not sent again (a failed one is, once its recipients were corrected); a retryable failure is retried."""
    if queue.empty:
        return queue
    queue[Queue.KEY] = [compose.key_for(row) for row in queue.to_dict("records")]
    going = queue[Queue.STATE] != dunning.HELD
    positions = np.flatnonzero(going.to_numpy())
    known = ledger.states(set(queue[Queue.KEY].iloc[positions]))
    for position in positions:
        entry = known.get(queue.at[position, Queue.KEY])
        if entry is None:
            continue
        if entry.state in ("sent", "sending", "unknown"):
            queue.at[position, Queue.STATE] = dunning.HELD
            sent_at = f" at {entry.sent_at}" if entry.state == "sent" and entry.sent_at else ""
            queue.at[position, Queue.REASON] = (
                f"{ALREADY_SENT}{sent_at} (ledger) — nothing new to send"
                if entry.state == "sent"
                else f"in doubt ({entry.state}) in the ledger — reconcile before sending again"
            )
        elif entry.state == "failed" and not entry.retryable and _same_recipients(queue, position, entry):
            queue.at[position, Queue.STATE] = dunning.HELD
            queue.at[position, Queue.REASON] = (
                f"failed for good: {entry.error} — correct the address (it is then tried again) or: "
                f"arcollect ledger retry BOOK {entry.key[:12]}"
            )
        elif entry.state == "failed":
            queue.at[position, Queue.REASON] = f"trying again (last attempt: {entry.error})"
    return queue


def _same_recipients(queue: pd.DataFrame, position: int, entry: Any) -> bool:
    def addresses(text: Any) -> set[str]:
        return {part.strip().lower() for part in re.split(r"[;,]", str(text or "")) if part.strip()}

    to = addresses(queue.at[position, Queue.TO]) if Queue.TO in queue else set()
    return not to or to == {address.lower() for address in entry.to}


UNKNOWN_CUSTOMER = "customer ID not found in Customers"


def name_the_cause(queue: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """A hold for an unknown customer says why the customer is unknown: the reader left its row out, and where."""
    if queue.empty:
        return queue
    unknown = queue[Queue.REASON] == UNKNOWN_CUSTOMER
    if not unknown.any():
        return queue
    left_out: dict[str, str] = {}
    for problem in problems:
        if problem.sheet == "Customers" and problem.left_out:
            customer_id = dict(problem.left_out).get(Customers.ID)
            if customer_id is not None:
                shown = f" '{problem.value}'" if problem.value is not None else ""
                where = f"row {problem.row}: {problem.column}{shown}"
                left_out.setdefault(str(customer_id).strip().casefold(), where)
    ids = queue.loc[unknown, Queue.CUSTOMER_ID].astype(str)
    queue.loc[unknown, Queue.REASON] = [
        f"customer {key} was left out of Customers ({left_out[key.strip().casefold()]}) — see Exceptions"
        if key.strip().casefold() in left_out
        else f"customer {key} is not in Customers — add it (see Exceptions)"
        for key in ids
    ]
    return queue


def render_reminders(
    queue: pd.DataFrame,
    aged: pd.DataFrame,
    customers: pd.DataFrame,
    config: settings.Settings,
    policy: tuple[DunningLevel, ...],
    problems: list[Problem],
    paid: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    step: Progress | None = None,
    templates: Path | None = None,
    only_due: bool = False,
    history: pd.DataFrame | None = None,
    book: Path | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Render every reminder that would go out now or later; a failing template holds only its own reminder.

    `paid` are the invoices paid on time (`dunning.paid_on_time`) that thank-you rows refer to. Each statement
    shows the customer's credit notes and unapplied payments net (`credit_lines`), the account's other open items
    (`aged`) and cites the earlier reminders about its invoices (`history`, the planner's per-invoice history).
    """
    renderer = Renderer([templates] if templates else None)
    paying = letters.Payments(config, issued={})  # the payment block: reference, QR codes, PDF statement
    levels = {dunning.COLLECTION_FAILED.level: dunning.COLLECTION_FAILED, **{level.level: level for level in policy}}
    everything = pd.concat([aged, paid], ignore_index=True) if paid is not None and not paid.empty else aged
    reminders: dict[str, Any] = {}
    # A send renders what goes out now; a refresh or preview also what waits for business hours or for an
    # approval (the approver reads the escalation letter first; a broken template is found before the schedule).
    shown = [dunning.DUE] if only_due else [dunning.DUE, dunning.SCHEDULED, dunning.AWAITING_APPROVAL]
    going = queue.index[queue[Queue.STATE].isin(shown)]
    rows = queue.loc[going]
    cited = {level.level: level.name for level in policy if not level.is_thanks}
    records = compose.Records(
        everything, credit_lines(aged, payments), customers, reminders=rows, accounts=aged, history=history,
        level_names=cited,
    )  # fmt: skip
    for done, (position, row) in enumerate(zip(going, rows.to_dict("records"), strict=True), start=1):
        if step and (done % 25 == 0 or done == len(going)):
            step("Rendering reminders", done, len(going))
        level = levels[int(row[Queue.LEVEL])]
        try:
            reminders[row[Queue.KEY]] = compose.compose_from(row, records, config, level, renderer, payments=paying)
        except ArcollectError as error:
            queue.at[position, Queue.STATE] = dunning.HELD
            queue.at[position, Queue.REASON] = f"template problem: {error}"
            problems.append(Problem("DunningLevels", None, "Template", row[Queue.TEMPLATE], str(error)))
    if paying.issued and book is not None:  # references a bank line may quote from now on (bank.store)
        inbox.remember(book, paying.issued, now=now)
    return reminders
