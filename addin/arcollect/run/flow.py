"""The one flow, `collect`: workbook → engine → plan → render → transport → ledger → output sheets.

It only puts the steps together, in order; what a step does beyond one call is in the modules beside it
(`source`, `charges`, `reminders`, `sending`, `outputs`, `report`) or in the layers below (`book`, `engine`,
`mail`, `bank`, `escalation`, `insight`). docs/ARCHITECTURE.md "The one flow" draws it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from arcollect import escalation, insight, readiness
from arcollect.bank import accounts, inbox
from arcollect.book import exceptions, settings, validate, write
from arcollect.book.reminder_log import reminder_log
from arcollect.engine import aging, dunning, pricing, totals
from arcollect.engine.policy import parse_policy
from arcollect.errors import ArcollectError, ConfigError
from arcollect.mail.ledger import Ledger, identity, reconcile
from arcollect.mail.transports import Transport, from_settings
from arcollect.run.charges import CLAIM, interest_statement, law_notes
from arcollect.run.outputs import credit_holds, output_sheets
from arcollect.run.reminders import (
    billed_currencies,
    credit_lines,
    keys_and_ledger_state,
    name_the_cause,
    render_reminders,
    sent_history,
)
from arcollect.run.report import Progress, RunReport
from arcollect.run.sending import SENT_ITEMS_DELAY, holds_only, holds_saved, send_due
from arcollect.run.source import Source, open_own_ledger
from arcollect.schema import TOTAL, Invoices, Queue

logger = logging.getLogger(__name__)


def collect(
    book: Path | str | Any,
    *,
    now: dt.datetime,
    transport: Transport | None = None,
    ledger: Ledger | None = None,
    send: bool = False,
    write_back: bool = True,
    progress: Progress | None = None,
    results_file: Path | None = None,
    stop: Callable[[], bool] | None = None,
    purpose: str = "send",
    lease_wait: float = 0.0,
    waiting: Callable[[str], None] | None = None,
    side_effects: bool | None = None,
    preview_all: bool = False,
    bank_folder: bool = True,
    render: bool = True,
) -> RunReport:
    """Read `book`, age, price and plan; render and (with `send`) send what is due; write the output sheets.

    `book` is a path or a live xlwings `Book` (see `Source`). With `results_file` the output sheets go to that
    copy of the workbook instead of the workbook itself (the unattended schedule never writes into a workbook a
    person may have open). `stop` is asked between send chunks; when it answers True the run ends after the
    chunk in flight.

    The ledger is the workbook's own (`arcollect.mail.ledger.locate`): a missing, emptied, older or foreign one
    stops the run with one sentence before anything is planned. A send holds the ledger's lease from reconciling
    to the last result (`purpose` names the holder: send, ribbon, schedule), waiting up to `lease_wait` seconds
    for another run (`waiting` is told once); the output sheets record the ledger's id and sequence.

    Escalations (`arcollect.escalation`): approvals typed into the ReminderQueue's Approve column are recorded
    first; escalating reminders without an approval are planned ``awaiting approval``; after sending, the side
    effects of every escalation the ledger holds as sent are carried out if not done yet — case files, and the
    Credit hold cells written with the output sheets (`side_effects`, default `write_back`: without writing the
    output sheets, the holds alone are written into the workbook file when Excel does not have it open).
    `preview_all` renders, with `send`, also what waits for business hours or an approval (`report.reminders`).
    `bank_folder` False leaves the BankFolder's new files for later (`arcollect bank` plans before importing them).
    `render` False plans without rendering (no `report.reminders`, no template check): for a caller that reads only
    the queue, such as `arcollect bank`'s plans before and after an import; it cannot send.
    """
    if send and not render:
        raise ValueError("a run that sends renders what it sends")
    side_effects = write_back if side_effects is None else side_effects
    step = progress or (lambda *_args: None)
    if now.tzinfo is None:
        raise ArcollectError("now must be timezone-aware (UTC)")
    source = Source.of(book)
    book = source.path
    step("Reading the workbook")
    tables, problems = source.read_tables()
    config, setting_problems = settings.parse_settings(tables["Settings"])
    policy, policy_problems = parse_policy(tables["DunningLevels"])
    problems += setting_problems + policy_problems
    refusals = readiness.send_refusals(config) if send else []
    if refusals:
        raise ConfigError(" ".join(refusals) + " Nothing was sent.")
    as_of = now.astimezone(dt.UTC).date()
    tables, implausible = validate.plausible(tables, as_of)
    problems += implausible
    report = RunReport(now=now, base_currency=config.base_currency, problems=problems)
    if not send:  # what `send` would refuse over: said now, before the user counts on it
        report.notes += [f"Before sending: {sentence}" for sentence in readiness.identity(config)]
    tables, bank = inbox.before_run(book, config, tables, now=now, folder=bank_folder)  # the ledger's payments
    problems += bank.problems
    own_ledger = ledger is None
    if ledger is None:
        ledger = open_own_ledger(source, config)
    try:
        if send:  # only sending needs the lease, the transport and its secret: refresh, preview and dry runs do without
            ledger.lease.acquire(purpose, wait=lease_wait, waiting=waiting)
            transport = transport or from_settings(config, book)
        step("Ageing and pricing the invoices")
        customers = pricing.resolve_jurisdictions(tables["Customers"], config.governing_law, config.late_charge)
        problems += customers.attrs.pop("problems", []) + law_notes(config, customers)
        all_invoices, more = pricing.prepare(tables["Invoices"], customers, cutoff_day=config.eom_cutoff_day)
        invoices = pricing.open_items(all_invoices)
        aged, aging_problems = aging.age(
            invoices,
            as_of,
            edges=config.bucket_edges,
            base_currency=config.base_currency,
            rates=tables["FX"],
            basis=config.aging_basis,
        )
        problems += more + aging_problems
        history = sent_history(ledger)
        aged, pricing_problems = pricing.price(
            aged, customers, tables["Payments"], tables["FX"], as_of,
            base_currency=config.base_currency, history=history, cutoff_day=config.eom_cutoff_day,
        )  # fmt: skip
        problems += pricing_problems
        problems += accounts.missing(config, billed_currencies(aged))  # reminders there would carry no account
        statement, claimed = interest_statement(all_invoices, customers, tables, config, problems, history)
        summary = aging.summary(aged, as_of, edges=config.bucket_edges, base_currency=config.base_currency)
        report.totals, in_totals = totals.reconcile(
            aged, summary, problems, tables["FX"], base_currency=config.base_currency, as_of=as_of
        )
        report.invoices, report.customers = len(aged), len(customers)
        report.time_zones = dunning.time_zones(customers)
        report.totals_by_bucket = summary.loc[TOTAL].to_dict() if TOTAL in summary.index else {}

        if send:
            step("Reconciling reminders in doubt")
            # Exchange writes the Sent Items copy a little after accepting a message: before that, "not found"
            # would not yet mean "not sent", so recent attempts wait for the next run.
            delay = SENT_ITEMS_DELAY if transport.name in ("ews", "graph") else dt.timedelta(0)
            settled = reconcile(ledger, transport, now=now, settle=delay)
            report.unknown = list(settled.unknown)
        step("Planning reminders")
        approved_here = escalation.from_sheet(ledger, source.read_queue(), policy, now=now)
        if approved_here:
            report.notes.append(f"Recorded {len(approved_here)} escalation approval(s) from the Approve column.")
        history = sent_history(ledger)  # approvals, and reconciling, may have changed it
        on_hold = escalation.on_hold(ledger, policy, reminder_log(ledger.history()), customers, now=now)
        unapplied, cash_problems = pricing.unapplied_cash(tables["Payments"], config.base_currency, tables["FX"])
        problems += cash_problems
        credits = credit_lines(aged, tables["Payments"])
        queue = dunning.plan(
            aged,
            customers,
            policy,
            now=now,
            history=history,
            grace_days=config.grace_days,
            minimum_amount=float(config.minimum_amount),
            unapplied_cash=unapplied,
            uncounted_cash=pricing.uncounted_cash(tables["Payments"], config.base_currency, tables["FX"]),
            window=config.send_window,
            credits=credits,
            catch_up_days=config.catch_up_days or None,
            escalated=on_hold,
        )
        queue = name_the_cause(queue, problems)
        paid = pd.DataFrame()
        thanks_level = next((level for level in policy if level.is_thanks), None)
        if config.thank_you and thanks_level is not None:
            settled = pricing.with_base_amount(all_invoices, config.base_currency, tables["FX"])
            thanked = dunning.thanks(
                settled,
                tables["Payments"],
                customers,
                thanks_level,
                now=now,
                history=history,
                window=config.send_window,
            )
            queue = dunning.combine(queue, thanked)
            paid = dunning.paid_on_time(settled, tables["Payments"])
        statement_level = next((level for level in policy if level.is_statement), None)
        if statement_level is not None and not claimed.empty:
            planned = claimed.assign(**{Invoices.OPEN_AMOUNT: claimed[CLAIM]})
            rows = dunning.statements(
                planned, customers, statement_level, now=now, history=history, window=config.send_window,
                escalated=on_hold,
            )  # fmt: skip
            queue = dunning.combine(queue, rows)
            paid = pd.concat([paid, claimed], ignore_index=True) if not paid.empty else claimed
        queue = keys_and_ledger_state(queue, ledger)
        granted = escalation.standing(escalation.approvals(ledger), reminder_log(ledger.history()))
        queue = escalation.gate(queue, policy, granted)
        step("Rendering reminders" if render else "Planned (not rendered)")
        reminders = {} if not render else render_reminders(
            queue, aged, customers, config, policy, problems, paid=paid, payments=tables["Payments"], step=step,
            templates=config.template_folder(book), only_due=send and not preview_all, history=history,
            book=book if send else None, now=now,  # only a send records the references it hands out
        )  # fmt: skip
        report.reminders = reminders
        updates: list[write.CellUpdate] = []
        if send:
            step("Checking the latest bank payments")
            bank.held = inbox.hold_paid(queue, bank.paid_since_start(tables, now))
            step("Sending")
            send_due(queue, reminders, ledger, transport, config, now, report, step=step, stop=stop)
        log = reminder_log(ledger.history())  # after sending: what the output sheets, case files and dashboard all show
        seen = identity.Stamp(ledger.ledger_id, ledger.sequence)
        effects = escalation.Effects()
        if side_effects:
            step("Escalations: case files and credit holds")
            effects = escalation.side_effects(ledger, policy, log, customers, aged, book, now=now)
            updates = effects.updates
            report.escalated = effects.customers
            if effects.cases:
                report.notes.append(
                    f"Escalated {len(effects.cases)} customer(s) the ledger shows sent: case files in cases/, "
                    "credit hold set in Customers"
                )
        sent_now = queue.loc[queue[Queue.STATE] == "sent", Queue.CUSTOMER_ID] if not queue.empty else []
        escalating = escalation.escalating_levels(policy)
        sent_escalations = (
            queue.loc[(queue[Queue.STATE] == "sent") & queue[Queue.LEVEL].isin(escalating), Queue.CUSTOMER_ID]
            if not queue.empty and len(sent_now)
            else []
        )
        report.escalation = escalation.summary(queue, policy, sent_now=list(sent_escalations))
        report.queue = queue
        problems = exceptions.at_source(problems, tables, base_currency=config.base_currency)
        report.problems = problems
        view = None
        if write_back and results_file is None:  # the schedule's side file holds no analytics: ticks stay light
            step("Analysing payment history")
            view = insight.build(
                tables, all_invoices, aged[in_totals], log, customers, as_of, base_currency=config.base_currency,
                policy=policy, queue=queue, totals=report.totals, holds=credit_holds(updates), exceptions=len(problems),
            )  # fmt: skip
        report.outputs = output_sheets(
            aged, in_totals, report.totals, summary, queue, log, problems, customers, view, tables, as_of
        )
        report.outputs.update(bank.sheets(tables, into_workbook=write_back and results_file is None))
        if write_back and results_file is None:
            updates = [*updates, *bank.updates()]  # a new list: effects.updates stays the escalations' own
        if statement is not None:
            report.outputs["InterestStatement"] = statement
        if write_back:
            step("Writing the output sheets")
            outputs = report.outputs
            if results_file is not None:
                names = identity.names(seen.ledger_id, seen.sequence)
                result = write.write_tables(source.path, outputs, out=results_file, updates=updates, names=names)
            else:
                result = source.write_tables(outputs, updates, view.dashboard if view is not None else None, stamp=seen)
            report.written_to = result.path_written
            if result.message:
                report.notes.append(result.message)
            holds_saved(ledger, effects, source, result, now, report)
        elif effects.holds and not source.live:
            holds_only(ledger, effects, source, now, report)
    finally:
        if send:
            ledger.lease.release()
        if own_ledger:
            ledger.close()
    return report
