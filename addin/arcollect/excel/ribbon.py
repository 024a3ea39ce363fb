"""The "Collections" ribbon tab's entry points: each runs `arcollect.run.collect` on the workbook that called it.

    ' VBA in arcollect.xlam, one Sub per button:
    RunPython "import arcollect.excel.ribbon as r; r.refresh()"

    >>> from arcollect.excel import ribbon                 # in tests, with a book-like object instead of Excel
    >>> ribbon.refresh(book, now=dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))

Every entry point takes the calling workbook (``xw.Book.caller()``, or `book` in tests), turns Excel's screen
updating off while it works (restored afterwards, also after an error), and writes one line to the log — the
``arcollect`` logger and ``arcollect.log`` beside the workbook (rotating, 1 MB × 3). Anything that goes wrong comes
back as a message box in plain words: arcollect's own errors with their message, anything unexpected with one
sentence and the log's name; the traceback goes to the log file only, never to the screen. Problems with the data
(a missing column, rows that cannot be used) are shown too, because the run goes on without them.

Nothing is computed here: `run.collect`, `book.importer`, `book.live` and the transports do the work; these
functions choose the arguments, ask for confirmation and say what happened.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from arcollect.book import importer, live, settings
from arcollect.engine import dunning
from arcollect.errors import ArcollectError
from arcollect.mail.ledger import LedgerBusy
from arcollect.problems import Problem
from arcollect.run import RunReport, collect

logger = logging.getLogger(__name__)

TITLE = "arcollect"
LOG_FILE = "arcollect.log"
DASHBOARD_SHEET = "Dashboard"
_LOG_BYTES, _LOG_BACKUPS = 1_000_000, 3
_SHOWN_PROBLEMS = 5
RIBBON_LEASE_WAIT = 10.0  # seconds Send waits for another run (the schedule) before saying who is sending

Opener = Callable[[str], Any]
FilePicker = Callable[[Any], str | None]
FilesPicker = Callable[[Any], list[str]]
NameAsker = Callable[[Any, str, str], str | None]  # (app, prompt, default) -> the name typed, None on Cancel


@dataclass(frozen=True)
class Outcome:
    """What an entry point did: one line for the log, and the message box to show afterwards (if any)."""

    summary: str
    message: str | None = None
    report: RunReport | None = None


# ---- entry points ------------------------------------------------------------------------------------------


def refresh(book: Any = None, *, now: dt.datetime | None = None) -> Outcome | None:
    """Read the workbook, age, price and plan, and write the output sheets. Sends nothing."""

    def work(book: Any) -> Outcome:
        report = collect(book, now=_now(now), send=False)
        return Outcome(_summary(report), _problems_message(report.problems), report)

    return _entry("Refresh", book, work)


def preview(book: Any = None, *, now: dt.datetime | None = None, opener: Opener | None = None) -> Outcome | None:
    """Refresh, render what would go out into ``preview/`` beside the workbook and open its index.html.

    As ``arcollect preview``: the preview folder is emptied of old messages first; nothing is sent and the ledger
    is only read. `opener` (default: the web browser) receives the file URI.
    """
    from arcollect.mail.preview import preview_folder, write_preview

    def work(book: Any) -> Outcome:
        moment = _now(now)
        report = collect(book, now=moment, send=False)
        reminders = list(report.reminders.values())
        index = write_preview(reminders, preview_folder(live.location(book)), now=moment)
        if not reminders:
            message = _join(
                "No reminder would go out now — ReminderQueue shows why.", _problems_message(report.problems)
            )
            return Outcome(f"{_summary(report)}; nothing to preview", message, report)
        (opener or webbrowser.open)(index.as_uri())
        return Outcome(
            f"{_summary(report)}; {len(reminders)} previewed in {index}", _problems_message(report.problems), report
        )

    return _entry("Preview reminders", book, work)


def send(book: Any = None, *, now: dt.datetime | None = None) -> Outcome | None:
    """Count what is due, ask "Send 42 reminders now through graph (ar@acme.example)?", and send on "Yes".

    The count comes from a run that writes nothing; on "Yes" the same moment is used again, so the reminders sent
    are the ones counted (unless the ledger changed in between — then exactly-once still holds). On "No" nothing is
    sent or written. The send writes every output sheet, ReminderLog included.
    """

    def work(book: Any) -> Outcome:
        moment = _now(now)
        planned = collect(book, now=moment, send=False, write_back=False)
        due = planned.count(dunning.DUE)
        if due == 0:
            waiting = planned.count(dunning.SCHEDULED)
            later = f" {waiting} wait for business hours." if waiting else ""
            return Outcome(f"{_summary(planned)}; nothing due", f"Nothing is due to send now.{later}", planned)
        config = _settings(book)
        question = f"Send {due} reminder{'s' if due != 1 else ''} now through {_through(config, book)}?"
        answer = book.app.alert(question, title=TITLE, buttons="yes_no")
        if str(answer).lower() != "yes":
            return Outcome(f"{due} due; not sent (the user answered {answer!r})")
        try:
            report = collect(book, now=moment, send=True, purpose="ribbon", lease_wait=RIBBON_LEASE_WAIT)
        except LedgerBusy as busy:  # another run (the schedule, a colleague) is sending: say who, send nothing
            who = busy.holder or "another arcollect run"
            return Outcome(
                f"{due} due; not sent, the ledger is in use by {who}",
                f"Nothing was sent: {who} is sending with this workbook's ledger — press Send again when it has "
                "finished.",
            )
        result = f"Sent {len(report.sent)} of {due} reminders."
        if report.failed or report.unknown:
            result += f" {len(report.failed)} failed, {len(report.unknown)} in doubt — see ReminderLog."
        message = _join(result, *report.notes, _problems_message(report.problems))
        return Outcome(f"{_summary(report)}; sent {len(report.sent)}, failed {len(report.failed)}", message, report)

    return _entry("Send reminders", book, work)


def approve(
    book: Any = None, *, now: dt.datetime | None = None, user: str | None = None, ask_name: NameAsker | None = None
) -> Outcome | None:
    """List the escalations awaiting approval, ask "Approve the escalation of 3 customers …?", then who approves.

    On "Yes" the approver's name is asked (`ask_name(app, prompt, default)`, default: Excel's own input box,
    prefilled with the Windows user name) unless `user` is given; Cancel or a blank name approves nothing. Each
    approval is recorded in the workbook's own ledger — the one Send reminders reads (`run.open_ledger`: LedgerUrl,
    LedgerPath, a renamed workbook's ledger) — with who and when, and ReminderQueue is refreshed to show it. The
    next Send reminders (or the schedule) sends them in the customers' business hours; the credit holds and case
    files follow from the ledger. Approving single rows: type a name in ReminderQueue's Approve column instead.
    """
    from arcollect import escalation
    from arcollect.run import open_ledger
    from arcollect.schema import Queue

    def work(book: Any) -> Outcome:
        moment = _now(now)
        planned = collect(book, now=moment, send=False, write_back=False)
        queue = planned.queue
        awaiting = queue[queue[Queue.STATE] == dunning.AWAITING_APPROVAL] if not queue.empty else queue
        if awaiting.empty:
            return Outcome("no escalation awaiting approval", "No escalation is awaiting approval.", planned)
        count = len(awaiting)
        names = [f"{row[Queue.CUSTOMER_ID]} {row[Queue.CUSTOMER_NAME]}: {row[Queue.AMOUNT]}"
                 for row in awaiting.head(10).to_dict("records")]  # fmt: skip
        more = f"\n… and {count - 10} more" if count > 10 else ""
        question = (
            f"Approve the escalation of {count} customer(s)? Each is put on credit hold and handed to "
            f"collections when Send reminders sends the letter.\n\n" + "\n".join(names) + more
        )
        answer = book.app.alert(question, title=TITLE, buttons="yes_no")
        if str(answer).lower() != "yes":
            return Outcome(f"{count} awaiting approval; not approved (the user answered {answer!r})")
        who = " ".join(str(user or "").split())
        if not who:
            prompt = f"Who approves {_escalations(count)}? The name is recorded in the ledger with the time."
            typed = (ask_name or default_ask_name)(book.app, prompt, default_approver())
            who = " ".join(str(typed or "").split())
            if not who:
                return Outcome(f"{count} awaiting approval; no approver named", "No name given: nothing approved.")
        with open_ledger(book, _settings(book)) as ledger:
            for row in awaiting.to_dict("records"):
                escalation.record(
                    ledger, str(row[Queue.CUSTOMER_ID]), int(row[Queue.LEVEL]), by=who, now=moment, source="ribbon",
                    amount_text=str(row[Queue.AMOUNT]),
                )  # fmt: skip
        report = collect(book, now=moment, send=False)  # ReminderQueue shows "approved by …" at once
        goes = "they go" if count != 1 else "it goes"
        message = (
            f"{_escalations(count)} approved by {who}: {goes} out with the next send, in each "
            "customer's business hours; credit hold and case file follow."
        )
        return Outcome(f"approved {_escalations(count)} as {who}", message, report)

    return _entry("Approve escalations", book, work)


def dashboard(book: Any = None, *, now: dt.datetime | None = None) -> Outcome | None:
    """Refresh, which rebuilds the Dashboard sheet in the open book, and show it.

    The Dashboard is the file refresh's (`book.dashboard`: KPI tiles, the "Chart data" block, top debtors, A/B
    verdicts) with native Excel charts over its data block (`live.write_dashboard`); every press replaces the
    charts, it never adds to them. Nothing is sent and nothing is saved: the user saves in Excel.
    """

    def work(book: Any) -> Outcome:
        report = collect(book, now=_now(now), send=False)
        book.sheets[DASHBOARD_SHEET].activate()
        return Outcome(_summary(report), _problems_message(report.problems), report)

    return _entry("Dashboard", book, work)


def import_open_items(book: Any = None, *, pick_file: FilePicker | None = None) -> Outcome | None:
    """Ask for an ERP export of open items and import it into the open book, as ``arcollect import`` does a file.

    `book.importer` merges the export into the book's Invoices and Customers (mapping detected from its header)
    and rewrites Exceptions, all through `book.live`; the message says what was added, updated and closed. Before
    anything is read the user says whether the file is a full export (Yes: open invoices it does not list are
    marked Paid), a partial one (No: invoices are only added and updated, as ``arcollect import --partial``), or
    cancels. Nothing is saved: the user saves in Excel, and a Refresh ages and plans the new rows.
    `pick_file(app)` returns the chosen path or None when cancelled.
    """

    def work(book: Any) -> Outcome:
        chosen = (pick_file or default_pick_file)(book.app)
        if not chosen:
            return Outcome("no file chosen")
        question = (
            f"Does {Path(chosen).name} list ALL open invoices?\n\nYes: a full export — open invoices it does not "
            "list are marked Paid.\nNo: a partial export — invoices are only added and updated, nothing is closed."
        )
        answer = book.app.alert(question, title=TITLE, buttons="yes_no_cancel")
        if answer not in ("yes", "no"):
            return Outcome(f"{chosen}: import cancelled")
        report = importer.import_open_items(book, chosen, full=answer == "yes")
        rows = len(report.problems)
        where = f" {rows} problem{'s' if rows != 1 else ''} — see the Exceptions sheet." if rows else ""
        message = (
            f"Imported {Path(chosen).name} ({report.mapping_used}): {len(report.added)} added, "
            f"{len(report.updated)} updated, {len(report.closed)} closed (marked Paid), {len(report.unchanged)} "
            f"unchanged, {len(report.customers_added)} new customer(s).{where} Save the workbook to keep them, "
            "and Refresh to age and plan them."
        )
        return Outcome(f"{chosen}: {report.summary()}", message)

    return _entry("Import open items", book, work)


def import_bank_statement(book: Any = None, *, pick_files: FilesPicker | None = None) -> Outcome | None:
    """Ask for bank statements and import them into the open book, as ``arcollect bank`` does a file.

    `bank.inbox` reads them (camt.053/054, MT940, CSV), applies each payment a rule matches with certainty —
    Payments rows, the invoices' Open amount and Status — and lists the rest on the Unmatched sheet, all through
    `book.live`; a statement imported before adds nothing. Nothing is saved: the user saves in Excel.
    `pick_files(app)` returns the chosen paths (empty when cancelled).
    """
    from arcollect.bank import inbox

    def work(book: Any) -> Outcome:
        chosen = (pick_files or default_pick_statements)(book.app)
        if not chosen:
            return Outcome("no statement chosen")
        report = inbox.import_files(book, [Path(name) for name in chosen], now=dt.datetime.now(dt.UTC))
        problems = "".join(f"\n{problem.value}: {problem.reason}" for problem in report.problems)
        message = f"{report.summary()}.{problems}\n\nSave the workbook to keep them, and Refresh to plan again."
        return Outcome(report.summary(), message)

    return _entry("Import bank statement", book, work)


def test_connection(book: Any = None) -> Outcome | None:
    """Check the mail transport chosen in Settings; show its one-sentence verdict (as ``arcollect test-connection``)."""
    from arcollect.mail.transports import from_settings

    def work(book: Any) -> Outcome:
        config = _settings(book)
        sentence = from_settings(config, live.location(book)).check()
        return Outcome(f"{config.transport}: {sentence}", f"{config.transport}: {sentence}")

    return _entry("Test connection", book, work)


def open_log(book: Any = None, *, opener: Opener | None = None) -> Outcome | None:
    """Open ``arcollect.log`` beside the workbook (with the system's viewer; `opener` gets the path)."""

    def work(book: Any) -> Outcome:
        path = live.location(book).parent / LOG_FILE
        if not path.exists():
            return Outcome("no log yet", f"There is no log yet: {LOG_FILE} appears beside {book.name} after a run.")
        (opener or default_opener)(str(path))
        return Outcome(f"opened {path}")

    return _entry("Open log", book, work)


# ---- defaults for the injectable parts ---------------------------------------------------------------------


def default_pick_file(app: Any) -> str | None:
    """Excel's own Open dialog (Windows: ``Application.GetOpenFilename``); None when cancelled or not available.

    macOS Excel's AppleScript interface has no such dialog, and arcollect does not open a Tk window inside Excel,
    so there the user is told what to do instead (the caller shows the message).
    """
    dialog = getattr(getattr(app, "api", None), "GetOpenFilename", None)
    if dialog is None:
        return None
    chosen = dialog("Open items (*.xlsx;*.xlsm;*.csv),*.xlsx;*.xlsm;*.csv", 1, "arcollect — import open items")
    return chosen if isinstance(chosen, str) and chosen else None  # Excel returns False when cancelled


def default_pick_statements(app: Any) -> list[str]:
    """Excel's Open dialog for one or more statement files; [] when cancelled or not available (macOS)."""
    dialog = getattr(getattr(app, "api", None), "GetOpenFilename", None)
    if dialog is None:
        return []
    chosen = dialog("Bank statements (*.xml;*.sta;*.940;*.txt;*.csv),*.xml;*.sta;*.940;*.txt;*.csv", 1,
                    "arcollect — import bank statements", None, True)  # fmt: skip
    if isinstance(chosen, str):
        return [chosen] if chosen else []
    return [str(name) for name in chosen] if isinstance(chosen, list | tuple) else []


def default_approver() -> str:
    """Who approves, until the user types another name: the Windows user name (the login name elsewhere), as
    ``arcollect approve`` records it."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in the environment, no password database
        return ""


def default_ask_name(app: Any, prompt: str, default: str) -> str | None:
    """Excel's own input box (``Application.InputBox``, text) prefilled with `default`; None when cancelled.

    Windows: through COM. macOS: Excel's AppleScript ``input box`` command, which xlwings' Mac engine exposes as
    ``app.api.input_box``. Excel answers False for Cancel.
    """
    api = getattr(app, "api", None)
    if sys.platform == "darwin":
        answer = api.input_box(prompt=prompt, title=TITLE, default=default)
    else:
        answer = api.InputBox(prompt, TITLE, default)
    return answer if isinstance(answer, str) else None


def default_opener(path: str) -> None:
    """Open a file with the system's default program."""
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # Windows only
    elif sys.platform == "darwin":
        subprocess.run(["open", path], check=False)
    else:
        webbrowser.open(Path(path).as_uri())


# ---- the shell every entry point shares --------------------------------------------------------------------


def _entry(action: str, book: Any, work: Callable[[Any], Outcome]) -> Outcome | None:
    """Run `work` on the calling book with screen updating off; log one line; show the outcome or the error."""
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    app = book.app
    started = time.perf_counter()
    with _log_file(book) as log_path:
        try:
            with _screen_updating_off(app):
                outcome = work(book)
        except ArcollectError as error:
            logger.warning("%s on %s stopped: %s", action, book.name, error)
            _alert(app, f"{action} stopped: {error}")
            return None
        except Exception as error:
            logger.exception("%s on %s failed unexpectedly", action, book.name)
            where = f" The details are in {log_path}." if log_path else ""
            _alert(app, f"{action} stopped because of an unexpected problem: {_plain(error)}.{where}")
            return None
        logger.info("%s on %s: %s (%.1f s)", action, book.name, outcome.summary, time.perf_counter() - started)
    if outcome.message:
        _alert(app, outcome.message)
    return outcome


def _alert(app: Any, text: str) -> Any:
    return app.alert(text, title=TITLE)


def _plain(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        name = f" ({Path(error.filename).name})" if error.filename else ""
        return f"{error.strerror.lower()}{name}"
    return str(error) or type(error).__name__


@contextmanager
def _screen_updating_off(app: Any) -> Iterator[None]:
    """Screen updating off while working, then back to what it was (on if the engine cannot say)."""
    try:
        before = bool(app.screen_updating)
    except NotImplementedError:  # xlwings' remote engine can only suspend it, not report it
        before = True
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = before


@contextmanager
def _log_file(book: Any) -> Iterator[Path | None]:
    """Log arcollect's INFO lines to ``arcollect.log`` beside the workbook for the duration of one button press.

    The handler is removed again afterwards, so Excel's Python process holds no file open between presses and
    a second press does not log every line twice. A workbook never saved has no folder: it logs nowhere extra.
    """
    try:
        path = live.location(book).parent / LOG_FILE
    except ArcollectError:
        yield None
        return
    package = logging.getLogger("arcollect")
    handler = RotatingFileHandler(path, maxBytes=_LOG_BYTES, backupCount=_LOG_BACKUPS, encoding="utf-8", delay=True)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = package.level
    if package.getEffectiveLevel() > logging.INFO:
        package.setLevel(logging.INFO)
    package.addHandler(handler)
    try:
        yield path
    finally:
        package.removeHandler(handler)
        package.setLevel(level)
        handler.close()


# ---- wording -----------------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _settings(book: Any) -> settings.Settings:
    config, _problems = settings.parse_settings(live.read_table(book, "Settings"))
    return config


def _through(config: settings.Settings, book: Any) -> str:
    """How the reminders leave: "graph (ar@acme.example)", or the outbox folder they are written to."""
    if config.transport == "outbox":
        return f"the outbox (files in {config.outbox_folder(live.location(book))}; nothing leaves this computer)"
    return f"{config.transport} ({config.sender_mailbox})" if config.sender_mailbox else config.transport


def _summary(report: RunReport) -> str:
    return (
        f"{report.invoices} invoices, {report.customers} customers, {report.count(dunning.DUE)} reminders due, "
        f"{report.count(dunning.HELD)} held, {len(report.problems)} problem(s)"
    )


def _problems_message(problems: list[Problem]) -> str | None:
    """The problems in plain words: whole-table ones in full, rows counted (they are on the Exceptions sheet)."""
    if not problems:
        return None
    whole = [problem for problem in problems if problem.row in (None, 1)]
    lines = [f"{problem.sheet}: {problem.reason}" for problem in whole[:_SHOWN_PROBLEMS]]
    if len(whole) > _SHOWN_PROBLEMS:
        lines.append(f"… and {len(whole) - _SHOWN_PROBLEMS} more.")
    rows = len(problems) - len(whole)
    if rows:
        lines.append(f"{rows} value{'s' if rows != 1 else ''} could not be used — see the Exceptions sheet.")
    return "\n".join(lines)


def _escalations(count: int) -> str:
    return f"{count} escalation{'s' if count != 1 else ''}"


def _join(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)
