"""The one flow: workbook → engine → plan → render → transport → ledger → output sheets.

    from arcollect.run import collect
    report = collect(Path("arcollect.xlsx"), now=datetime.now(UTC), send=False)   # refresh / preview
    report = collect(Path("arcollect.xlsx"), now=datetime.now(UTC), send=True)    # send what is due

The CLI, the ribbon and the scheduler are thin shells over `collect`. With ``send=False`` nothing is sent and the
ledger is only read; with ``send=True`` in-doubt reminders are reconciled first, then every reminder whose send
time has come passes the ledger's exactly-once gate one by one, within the mailbox's send-rate limit.

`book` is a workbook file, or a workbook open in Excel (an xlwings `Book`; the ribbon passes ``xw.Book.caller()``).
`Source` reads and writes either one the same way; for a live book the ledger, outbox and templates are found
beside its file (`Book.fullname`), exactly as for the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arcollect import escalation, insight, readiness, today
from arcollect.bank import accounts, inbox, letters
from arcollect.book import dashboard, exceptions, files, live, read, settings, validate, write
from arcollect.book.reminder_log import reminder_log
from arcollect.engine import aging, dunning, money, pricing, totals
from arcollect.engine.law import claims as law_claims
from arcollect.engine.policy import DunningLevel, parse_policy
from arcollect.errors import ArcollectError, ConfigError
from arcollect.mail import compose
from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger, identity, locate, reconcile
from arcollect.mail.render import Renderer
from arcollect.mail.transports import Transport, from_settings
from arcollect.problems import Problem
from arcollect.schema import (
    AGING,
    INTEREST_STATEMENT,
    TOTAL,
    Aging,
    Customers,
    Invoices,
    Log,
    Payments,
    Queue,
    Queued,
    Risk,
)

logger = logging.getLogger(__name__)
ALREADY_SENT = "already sent"
SENT_ITEMS_DELAY = dt.timedelta(minutes=2)
Progress = Callable[..., None]  # progress(label, done=0, total=0): a step, and how far a long one has got


@dataclass
class RunReport:
    """What one run did: counts, totals by bucket (base currency), reminders by state, problems."""

    now: dt.datetime
    base_currency: str
    invoices: int = 0
    customers: int = 0
    totals_by_bucket: dict[str, float] = field(default_factory=dict)
    queue: pd.DataFrame = field(default_factory=pd.DataFrame)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written_to: Path | None = None
    notes: list[str] = field(default_factory=list)
    reminders: dict[str, Any] = field(default_factory=dict)
    time_zones: set[str] = field(default_factory=set)
    outputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    escalated: list[str] = field(default_factory=list)
    escalation: str = ""  # one line: who would be (or was) put on credit hold and handed to collections
    totals: totals.Totals | None = None

    @property
    def not_in_totals(self) -> str:
        """ "not in totals: N invoices, X EUR … — see Exceptions", or "" when the total covers every open item."""
        return self.totals.line if self.totals is not None else ""

    def count(self, state: str) -> int:
        return 0 if self.queue.empty else int((self.queue[Queue.STATE] == state).sum())

    @property
    def already_sent(self) -> int:
        """Reminders the ledger had already sent: a second run on the same day sends nothing new."""
        return 0 if self.queue.empty else int(self.queue[Queue.REASON].str.startswith(ALREADY_SENT).sum())

    @property
    def held_reasons(self) -> Counter[str]:
        if self.queue.empty:
            return Counter()
        held = self.queue[self.queue[Queue.STATE] == dunning.HELD][Queue.REASON]
        short = held.str.split(":").str[0].str.split(";").str[0].str.replace(r"\d{4}-\d\d-\d\d", "…", regex=True)
        return Counter(short.str.replace(r"\s*\([^)]*$", "", regex=True))  # no "(row 7" cut off at its colon


@dataclass(frozen=True)
class Source:
    """Where the tables come from and go back to: a workbook file, or a workbook open in Excel (`book.live`).

    ``write_tables(tables, updates=(), charts=None)`` writes the output tables, applies the cell updates and, given
    `dashboard.build`'s keywords as `charts`, rebuilds the Dashboard: in a file in the same load and save, in a
    live book through `live.write_dashboard` (native Excel charts over the same cells).
    """

    path: Path
    read_tables: Callable[[], tuple[dict[str, pd.DataFrame], list[Problem]]]
    write_tables: Callable[..., write.WriteResult]
    live: bool = False
    stamp: Callable[[], identity.Stamp | None] = lambda: None
    log_rows: Callable[[], list[list[Any]]] = list
    read_queue: Callable[[], pd.DataFrame] = lambda: pd.DataFrame()  # the ReminderQueue as the user left it

    @classmethod
    def of(cls, book: Path | str | Any) -> Source:
        if isinstance(book, str | Path):
            path = files.real_path(Path(book))  # a symlinked workbook: its ledger, outbox and cases beside the file
            return cls(
                path, lambda: read.read(path), lambda *args, **kw: cls._write_file(path, *args, **kw),
                stamp=lambda: identity.read_stamp(path), log_rows=lambda: identity.log_rows(path),
                read_queue=lambda: read.read_output(path, "ReminderQueue"),
            )  # fmt: skip
        return cls(
            live.location(book), lambda: live.read(book), lambda *args, **kw: cls._write_live(book, *args, **kw),
            live=True, stamp=lambda: identity.read_live_stamp(book),
            log_rows=lambda: live.sheet_rows(book, "ReminderLog"),
            read_queue=lambda: live.read_table(book, "ReminderQueue"),
        )  # fmt: skip

    @staticmethod
    def _write_file(
        path: Path,
        tables: Mapping[str, pd.DataFrame],
        updates: list[write.CellUpdate] | tuple[write.CellUpdate, ...] = (),
        charts: Mapping[str, Any] | None = None,
        *,
        stamp: identity.Stamp | None = None,
    ) -> write.WriteResult:
        also = None if charts is None else (lambda book: dashboard.build(book, **charts))
        names = identity.names(stamp.ledger_id, stamp.sequence) if stamp is not None else None
        return write.write_tables(path, tables, updates=updates, also=also, names=names)

    @staticmethod
    def _write_live(
        book: Any,
        tables: Mapping[str, pd.DataFrame],
        updates: list[write.CellUpdate] | tuple[write.CellUpdate, ...] = (),
        charts: Mapping[str, Any] | None = None,
        *,
        stamp: identity.Stamp | None = None,
    ) -> write.WriteResult:
        result = live.write_tables(book, tables, updates=updates)
        if charts is not None:
            live.write_dashboard(book, **charts)
        if stamp is not None:
            identity.write_live_stamp(book, stamp.ledger_id, stamp.sequence)
        return result


def open_ledger(book: Path | str | Any, config: settings.Settings) -> Ledger:
    """The workbook's own ledger, found and checked as `collect` opens it (`locate.open_for`: LedgerUrl, LedgerPath,
    a renamed workbook's ledger; a missing, emptied, older or foreign one raises `LedgerError` in one sentence).

    For what writes to the ledger outside a run — approvals from the CLI and the ribbon — so that they land in the
    ledger the next send reads, never in a fresh file beside the workbook.
    """
    return _open_ledger(Source.of(book), config)


def _open_ledger(source: Source, config: settings.Settings) -> Ledger:
    stamp = source.stamp()
    sent_before = 0 if stamp is not None else identity.sent_in_log(source.log_rows())
    return locate.open_for(source.path, config, stamp=stamp, sent_in_log=sent_before)


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
    """
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
        ledger = _open_ledger(source, config)
    try:
        if send:  # only sending needs the lease, the transport and its secret: refresh, preview and dry runs do without
            ledger.lease.acquire(purpose, wait=lease_wait, waiting=waiting)
            transport = transport or from_settings(config, book)
        step("Ageing and pricing the invoices")
        customers = pricing.resolve_jurisdictions(tables["Customers"], config.governing_law, config.late_charge)
        problems += customers.attrs.pop("problems", []) + _law_notes(config, customers)
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
        history = _history(ledger)
        aged, pricing_problems = pricing.price(
            aged, customers, tables["Payments"], tables["FX"], as_of,
            base_currency=config.base_currency, history=history, cutoff_day=config.eom_cutoff_day,
        )  # fmt: skip
        problems += pricing_problems
        problems += accounts.missing(config, _billed_currencies(aged))  # reminders there would carry no account
        statement, claimed = _interest_statement(all_invoices, customers, tables, config, problems, history)
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
        history = _history(ledger)  # approvals, and reconciling, may have changed it
        on_hold = escalation.on_hold(ledger, policy, reminder_log(ledger.history()), customers, now=now)
        unapplied, cash_problems = pricing.unapplied_cash(tables["Payments"], config.base_currency, tables["FX"])
        problems += cash_problems
        credits = _credits(aged, tables["Payments"])
        queue = dunning.plan(
            aged,
            customers,
            policy,
            now=now,
            history=history,
            grace_days=config.grace_days,
            minimum_amount=float(config.minimum_amount),
            unapplied_cash=unapplied,
            window=config.send_window,
            credits=credits,
            catch_up_days=config.catch_up_days or None,
            escalated=on_hold,
        )
        queue = _name_the_cause(queue, problems)
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
            planned = claimed.assign(**{Invoices.OPEN_AMOUNT: claimed[_CLAIM]})
            rows = dunning.statements(
                planned, customers, statement_level, now=now, history=history, window=config.send_window,
                escalated=on_hold,
            )  # fmt: skip
            queue = dunning.combine(queue, rows)
            paid = pd.concat([paid, claimed], ignore_index=True) if not paid.empty else claimed
        queue = _keys_and_ledger_state(queue, ledger)
        granted = escalation.standing(escalation.approvals(ledger), reminder_log(ledger.history()))
        queue = escalation.gate(queue, policy, granted)
        step("Rendering reminders")
        reminders = _render(
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
            _send(queue, reminders, ledger, transport, config, now, report, step=step, stop=stop)
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
                policy=policy, queue=queue, totals=report.totals, holds=_holds(updates), exceptions=len(problems),
            )  # fmt: skip
        report.outputs = _outputs(
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
            _holds_saved(ledger, effects, source, result, now, report)
        elif effects.holds and not source.live:
            _holds_only(ledger, effects, source, now, report)
    finally:
        if send:
            ledger.lease.release()
        if own_ledger:
            ledger.close()
    return report


# ---- the law -------------------------------------------------------------------------------------------------


def _law_notes(config: settings.Settings, customers: pd.DataFrame) -> list[Problem]:
    """One line per governing law under which nothing statutory is charged, so that a zero is never silent."""
    from arcollect.engine import law

    notes = []
    if not config.governing_law:
        notes.append(
            Problem(
                "Settings", None, "GoverningLaw", None,
                "GoverningLaw is blank: customers without their own Jurisdiction are charged no statutory late "
                "interest — set it to the country whose law governs your contracts (arcollect config PATH "
                "GoverningLaw DE)",
            )
        )  # fmt: skip
    resolved = customers[pricing.JURISDICTION].astype(str)
    without_rule = resolved.where(customers[law_claims.LATE_CHARGE].isna(), "")
    for code, count in without_rule[without_rule != ""].value_counts().items():
        if not law.modelled(code):
            why = (
                "arcollect has no statutory rule for it" if code not in law.LAWS else "its rule could not be confirmed"
            )
            first = without_rule.index[without_rule == code][0]  # the row of the first such customer
            notes.append(
                Problem(
                    "Customers", first, "Jurisdiction", code,
                    f"{count} customer(s) under {code} law get no statutory late interest ({why}, see docs/LAW.md); "
                    "set a Late charge if their contract has one",
                )
            )  # fmt: skip
    return notes


_CLAIM = "_claim"  # interest + compensation claimed on an invoice of the interest statement


def _interest_statement(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    config: settings.Settings,
    problems: list[Problem],
    history: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The InterestStatement sheet for Settings InterestStatementPeriod (None when no period is set), and its
    invoices as the statement letter shows them: nothing open, the charges claimed, the days of interest."""
    if config.interest_statement_period is None:
        return None, pd.DataFrame()
    rows, more = law_claims.statement(
        invoices, customers, tables["Payments"], tables["FX"], config.interest_statement_period,
        base_currency=config.base_currency, history=history,
    )  # fmt: skip
    problems += more
    columns = INTEREST_STATEMENT.keys
    if rows.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame()
    names = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.NAME]
    rows = rows.assign(**{Queue.CUSTOMER_NAME: rows[Invoices.CUSTOMER_ID].map(names)})
    sheet = rows[columns].sort_values([Invoices.CUSTOMER_ID, Invoices.NUMBER], ignore_index=True)
    claim = rows[Aging.LATE_INTEREST].to_numpy() + rows[Aging.FIXED_COMPENSATION].to_numpy()
    letters = rows.assign(
        **{
            Invoices.OPEN_AMOUNT: 0.0,
            Aging.DAYS_PAST_DUE: rows[Invoices.DAYS_LATE].to_numpy(),
            Aging.BASE_OPEN_AMOUNT: 0.0,
            _CLAIM: claim,
        }
    )
    return sheet, letters.reset_index(drop=True)


# ---- reminders ----------------------------------------------------------------------------------------------


def _billed_currencies(aged: pd.DataFrame) -> list[str]:
    """The currencies with an open amount to remind (valid ISO codes; a bad code is already a reader problem)."""
    if aged.empty:
        return []
    owed = aged.loc[pd.to_numeric(aged[Invoices.OPEN_AMOUNT], errors="coerce").fillna(0) > 0, Invoices.CURRENCY]
    return sorted(set(owed.dropna().astype(str)) & set(money.currency_codes()))


def _history(ledger: Ledger) -> pd.DataFrame:
    """Sent reminders, one row per (reminder, invoice), for the planner's already-sent and minimum-days rules."""
    log = reminder_log(ledger.history())
    sent = log[log[Log.STATE] == "sent"]
    if sent.empty:
        return pd.DataFrame(columns=[Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT])
    per_invoice = sent.assign(**{Invoices.NUMBER: sent[Log.INVOICES].str.split("; ")}).explode(Invoices.NUMBER)
    return per_invoice[[Log.CUSTOMER_ID, Log.LEVEL, Invoices.NUMBER, Log.SENT_AT]].reset_index(drop=True)


def _keys_and_ledger_state(queue: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
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


def _render(
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
    shows the customer's credit notes and unapplied payments net (`_credits`), the account's other open items
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
        everything, _credits(aged, payments), customers, reminders=rows, accounts=aged, history=history,
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


def _credits(aged: pd.DataFrame, payments: pd.DataFrame | None) -> pd.DataFrame:
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


def _send(
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


def _holds_saved(
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


def _holds_only(
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


# ---- output sheets ----------------------------------------------------------------------------------------------


def _name_the_cause(queue: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
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


UNKNOWN_CUSTOMER = "customer ID not found in Customers"


def _holds(updates: list[write.CellUpdate]) -> set[str]:
    """The customers this run puts on credit hold (the Customers updates it writes)."""
    return {
        str(key)
        for update in updates
        if update.table == "Customers" and update.column == Customers.CREDIT_HOLD
        for key, value in update.values.items()
        if value
    }


def _outputs(
    aged: pd.DataFrame,
    in_totals: pd.Series,
    found: totals.Totals | None,
    summary: pd.DataFrame,
    queue: pd.DataFrame,
    log: pd.DataFrame,
    problems: list[Problem],
    customers: pd.DataFrame,
    view: insight.View | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    base_currency = found.base_currency if found is not None else summary.attrs.get("base_currency", "")
    names = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.NAME]
    aging_sheet = aged.assign(**{Queue.CUSTOMER_NAME: aged[Invoices.CUSTOMER_ID].map(names)})
    # The sheet's Open (base) adds up to the total: what the total leaves out is blank there, with the reason.
    aging_sheet[Aging.BASE_OPEN_AMOUNT] = aging_sheet[Aging.BASE_OPEN_AMOUNT].where(in_totals)
    if found is not None and len(found.left_out):
        why = found.left_out.drop_duplicates(totals.ROW).set_index(totals.ROW)[totals.WHY]
        aging_sheet[Aging.NOT_IN_TOTALS] = pd.Series(aging_sheet.index.map(why), index=aging_sheet.index).where(
            ~in_totals
        )
    if view is not None:
        aging_sheet[Risk.PREDICTED_PAY_DATE] = insight.predicted_column(view, aging_sheet[Invoices.NUMBER])
    aging_sheet = aging_sheet[[key for key in AGING.keys if key in aging_sheet.columns]]
    summary_sheet = summary.reset_index()
    summary_sheet.insert(
        1, Queue.CUSTOMER_NAME, summary_sheet[Invoices.CUSTOMER_ID].map(names).astype("string").fillna("")
    )
    line = found.line if found is not None else ""
    if line:  # under the Total row, in words: what the total does not include
        note = pd.DataFrame({Invoices.CUSTOMER_ID: ["Not in totals"], Queue.CUSTOMER_NAME: [line]})
        summary_sheet = pd.concat([summary_sheet, note], ignore_index=True)
    queue_sheet = _queue_sheet(queue, aged)
    sheets = {
        "Aging": aging_sheet,
        "AgingSummary": summary_sheet,
        "ReminderQueue": queue_sheet,
        "ReminderLog": log,
        "Exceptions": exceptions.sheet(problems, tables),
        "NextActions": today.next_actions(queue, aged, names, as_of),
        **(view.sheets if view is not None else {}),
    }
    if line and "CustomerRisk" in sheets:
        risk = sheets["CustomerRisk"]
        note = pd.DataFrame({Invoices.CUSTOMER_ID: ["Not in totals"], Queue.CUSTOMER_NAME: [line]})
        sheets["CustomerRisk"] = pd.concat([risk, note], ignore_index=True) if len(risk) else risk
    for frame in sheets.values():
        frame.attrs["base_currency"] = base_currency
    return sheets


def _queue_sheet(queue: pd.DataFrame, aged: pd.DataFrame) -> pd.DataFrame:
    """ReminderQueue for reading: the amount due as a number in its currency (several currencies stay text)."""
    if queue.empty:
        return pd.DataFrame()
    sheet = queue.reindex(columns=[*[str(key) for key in Queue], *[str(key) for key in Queued]])
    sheet[Queue.SEND_AT_UTC] = pd.to_datetime(sheet[Queue.SEND_AT_UTC], utc=True).dt.tz_localize(None)
    numbers = queue[Queue.INVOICES].fillna("").astype(str).str.split(", ")
    pairs = numbers.explode()
    lookup = aged.drop_duplicates(Invoices.NUMBER).set_index(Invoices.NUMBER)
    currency = pairs.map(lookup[Invoices.CURRENCY])
    amount = pairs.map(lookup[Invoices.OPEN_AMOUNT]).astype("float64")
    unconverted = pairs.map(lookup[Aging.BASE_OPEN_AMOUNT]).isna() & currency.notna()
    # a reminder with an item in a currency without a rate has no base amount: blank, not a 0 that looks true
    sheet[Queue.BASE_AMOUNT] = sheet[Queue.BASE_AMOUNT].where(
        ~unconverted.groupby(level=0).any().reindex(sheet.index, fill_value=False)
    )
    per_row = pd.DataFrame({"currency": currency, "amount": amount}).dropna(subset=["currency"])
    if per_row.empty:  # e.g. only thank-you rows, whose invoices are paid and not aged
        sheet[Queued.CURRENCY] = None
        sheet[Queued.AMOUNT_DUE] = pd.Series(queue[Queue.AMOUNT].to_numpy(dtype=object), index=sheet.index)
        return sheet
    codes = per_row.groupby(level=0)["currency"].agg(lambda values: " + ".join(sorted(set(map(str, values)))))
    single = codes[~codes.astype(str).str.contains(" + ", regex=False)]
    sheet[Queued.CURRENCY] = codes.reindex(sheet.index)
    amount_due = pd.Series(queue[Queue.AMOUNT].to_numpy(dtype=object), index=sheet.index, dtype=object)
    # The number is the one dunning states ("EUR 1,234.56": net of the customer's credit, as the letter applies
    # it), not a fresh sum of the invoices, so the sheet and the letter never disagree.
    stated = queue[Queue.AMOUNT].astype("string").str.extract(r"^([A-Z]{3}) (-?[\d,]+(?:\.\d+)?)$")
    stated_amount = pd.to_numeric(stated[1].str.replace(",", "", regex=False), errors="coerce")
    for currency_code in single.unique():
        rows = single.index[single == currency_code]
        same = rows[(stated[0].reindex(rows) == currency_code).fillna(False).to_numpy(dtype=bool)]
        amount_due[same] = stated_amount.reindex(same).to_numpy(dtype="float64")
    sheet[Queued.AMOUNT_DUE] = amount_due
    return sheet
