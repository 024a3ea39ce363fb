"""Sending a run's due reminders through the ledger's exactly-once gate, and saving the credit holds that
escalations set (with the output sheets, or alone when the schedule writes no sheets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from arcollect import escalation
from arcollect.book import settings, write
from arcollect.engine import dunning
from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger
from arcollect.mail.transports import Transport
from arcollect.run.report import Progress, RunReport
from arcollect.run.source import Source
from arcollect.schema import Queue

SENT_ITEMS_DELAY = dt.timedelta(minutes=2)


def send_due(
    queue: pd.DataFrame,
    reminders: dict[str, Any],
    ledger: Ledger,
    transport: Transport,
    config: settings.Settings,
    now: dt.datetime,
    report: RunReport,
    step: Progress | None = None,
    rate_window: float = 60.0,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Send the due reminders through `dispatch` (exactly once, within SendRatePerMinute) and note the outcome."""
    due = [
        position
        for position in queue.index[queue[Queue.STATE] == dunning.DUE]
        if queue.at[position, Queue.KEY] in reminders
    ]
    by_key = {queue.at[position, Queue.KEY]: position for position in due}

    def noted(result: Any) -> None:
        position = by_key[result.key]
        approved = str(queue.at[position, Queue.REASON] or "").split(";")[0]  # who approved an escalation stays
        queue.at[position, Queue.STATE] = result.status
        queue.at[position, Queue.REASON] = result.error or (approved if approved.startswith("approved by") else "")

    outcome = dispatch(
        [reminders[queue.at[position, Queue.KEY]] for position in due],
        ledger,
        transport,
        now=now,
        rate_limit=config.send_rate_per_minute,
        window=rate_window,
        on_result=noted,
        progress=(lambda done, total: step("Sending", done, total)) if step else None,
        stop=stop,
    )
    report.sent += outcome.sent
    report.failed += outcome.failed
    report.unknown += outcome.unknown
    if outcome.stopped:
        report.notes.append(f"Sending stopped: {outcome.stopped} — the rest waits for the next run.")
        untouched = [by_key[key] for key in by_key if queue.at[by_key[key], Queue.STATE] == dunning.DUE]
        queue.loc[untouched, Queue.REASON] = "not sent: the transport stopped this run"


def holds_saved(
    ledger: Ledger,
    effects: escalation.Effects,
    source: Source,
    result: write.WriteResult,
    now: dt.datetime,
    report: RunReport,
) -> None:
    """Record the credit holds as done when they were saved into the workbook file itself.

    A live book holds them unsaved (the next run that reads them back ticked records them) and a side file is
    rebuilt by the next run (the holds are written again then): neither counts yet.
    """
    if not effects.holds:
        return
    if not source.live and not result.side_file:
        escalation.mark(ledger, effects.holds.values(), escalation.CREDIT_HOLD, now=now, note="written with the run")
    elif result.side_file:
        report.notes.append(
            f"Credit hold for {len(effects.holds)} escalated customer(s) is not in the workbook yet "
            "(it was open in Excel): the next run writes it"
        )


def holds_only(
    ledger: Ledger, effects: escalation.Effects, source: Source, now: dt.datetime, report: RunReport
) -> None:
    """Without the output sheets (the schedule): write just the Credit hold cells into the workbook file, unless
    Excel has it open — then they wait for the next run (or a Refresh in Excel, which writes them there)."""
    if write.owner_file(source.path) is not None:
        report.notes.append(
            f"Credit hold for {len(effects.holds)} escalated customer(s) waits: {source.path.name} is open in Excel "
            "— press Refresh there, or the next run writes it"
        )
        return
    write.write_tables(source.path, {}, updates=effects.updates)
    escalation.mark(ledger, effects.holds.values(), escalation.CREDIT_HOLD, now=now, note="written by the schedule")
    report.notes.append(f"Credit hold set for {len(effects.holds)} escalated customer(s) in {source.path.name}")
