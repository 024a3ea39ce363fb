"""What the commands share: the console, a run of `collect` with a progress bar, the report printed.

Every command module prints through ``shell.console`` (looked up when it prints, so a test may swap it for a
wider one), runs the flow through `run_collect` and reads a workbook's Settings with `settings_of`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from arcollect.errors import ArcollectError
from arcollect.schema import Queue

if TYPE_CHECKING:
    from arcollect.book import settings
    from arcollect.mail.ledger import Ledger
    from arcollect.run import RunReport

console = Console(highlight=False)


def run_collect(
    path: Path,
    now: dt.datetime,
    *,
    send: bool,
    dry_run: bool = False,
    wait: float = 60.0,
    write_back: bool = True,
    preview_all: bool = False,
) -> RunReport:
    """`collect` with a progress bar. A dry run writes nothing: no workbook or side file, no ledger, no outbox.
    Without `write_back` the workbook is not written either (the ledger is); `preview_all` as in `collect`.

    A send holds the ledger's lease, waiting up to `wait` seconds for another run; Ctrl-C lets the reminder in
    flight finish and stops (a second Ctrl-C stops at once)."""
    import signal

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from arcollect.run import collect

    if not Path(path).exists():
        raise ArcollectError(f"{path} does not exist — create one with: arcollect new {path}")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    stopping: list[bool] = []

    def interrupted(_signum: int, _frame: Any) -> None:
        if stopping:  # the second Ctrl-C: stop now (main prints one line)
            raise KeyboardInterrupt
        stopping.append(True)
        console.print("Ctrl-C: finishing the reminder in flight, then stopping (Ctrl-C again to stop at once)")

    previous = signal.signal(signal.SIGINT, interrupted) if send else None
    try:
        with contextlib.ExitStack() as stack:
            ledger = stack.enter_context(ledger_copy(path)) if dry_run else None
            if dry_run:
                from arcollect.bank import store as bank_store

                stack.enter_context(bank_store.scratch())  # statements in BankFolder applied, nothing recorded
            bar = stack.enter_context(Progress(*columns, TimeElapsedColumn(), console=console, transient=True))
            task = bar.add_task("Working", total=None)

            def show(label: str, done: int = 0, total: int = 0) -> None:
                bar.update(task, description=label, completed=done, total=total or None)

            report = collect(
                path, now=now, send=send, progress=show, ledger=ledger,
                write_back=write_back and not dry_run, preview_all=preview_all,
                stop=lambda: bool(stopping), lease_wait=wait,
                waiting=lambda text: console.print(f"{text} — waiting up to {wait:g} s", soft_wrap=True),
            )  # fmt: skip
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if stopping:
        report.notes.append("Stopped by Ctrl-C: the rest waits for the next run.")
    return report


@contextlib.contextmanager
def ledger_copy(path: Path) -> Iterator[Ledger]:
    """A throw-away copy of the workbook's ledger (an empty one if it has none yet), for a run that changes nothing.

    SQLite's backup reads a consistent snapshot even while a schedule writes; the copy lives in a temporary folder.
    The ledger is the one a send would use (`locate`: renamed workbooks, LedgerPath), checked the same way; a
    shared ledger on PostgreSQL is opened as it is (a run that sends nothing only reads it).
    """
    import sqlite3
    import tempfile

    from arcollect.book import read, settings
    from arcollect.mail.ledger import Ledger, identity, locate

    tables, _problems = read.read(path)
    config, _setting_problems = settings.parse_settings(tables["Settings"])
    stamp = identity.read_stamp(path)
    sent_before = 0 if stamp is not None else identity.sent_in_log(identity.log_rows(path))
    if config.ledger_url:
        ledger = locate.open_for(path, config, stamp=stamp, sent_in_log=sent_before)
        try:
            yield ledger
        finally:
            ledger.close()
        return
    source = locate.ledger_file(path, config, stamp)
    with tempfile.TemporaryDirectory(prefix="arcollect-dry-run-") as folder:
        copy = Path(folder) / source.name
        if source.is_file() and source.stat().st_size:
            with (
                contextlib.closing(sqlite3.connect(source)) as original,
                contextlib.closing(sqlite3.connect(copy)) as target,
            ):
                original.backup(target)
        ledger = Ledger(copy, store_bodies=config.store_bodies)
        try:
            locate.check(ledger, stamp, sent_before, path.name)
            yield ledger
        finally:
            ledger.close()


def settings_of(path: Path) -> settings.Settings:
    from arcollect.book import read, settings

    if not Path(path).exists():
        raise ArcollectError(f"{path} does not exist")
    tables, _problems = read.read(path)
    config, _setting_problems = settings.parse_settings(tables["Settings"])
    return config


def print_report(report: RunReport, *, title: str) -> None:
    from rich.table import Table

    from arcollect.engine import dunning

    summary = Table(title=title, show_header=False, title_justify="left")
    summary.add_column("what")
    summary.add_column("value", justify="right")
    summary.add_row("Invoices read", f"{report.invoices:,}")
    summary.add_row("Customers", f"{report.customers:,}")
    for bucket, amount in report.totals_by_bucket.items():
        summary.add_row(f"  {bucket}", f"{amount:,.2f} {report.base_currency}")
    if report.not_in_totals:  # the same line AgingSummary, CustomerRisk and the Dashboard show
        summary.add_row("  Not in totals", report.not_in_totals.removeprefix("not in totals: "))
    summary.add_row("Reminders sent now", f"{len(report.sent):,}")
    summary.add_row("Already sent (ledger)", f"{report.already_sent:,}")
    summary.add_row("Due now, not sent", f"{report.count(dunning.DUE):,}")
    summary.add_row("Waiting for business hours", f"{report.count(dunning.SCHEDULED):,}")
    summary.add_row("Awaiting approval (escalations)", f"{report.count(dunning.AWAITING_APPROVAL):,}")
    summary.add_row("Held", f"{report.count(dunning.HELD):,}")
    for reason, count in report.held_reasons.most_common(8):
        summary.add_row(f"  {reason}", f"{count:,}")
    summary.add_row("Failed / unknown", f"{len(report.failed):,} / {len(report.unknown):,}")
    summary.add_row("Rows with problems (Exceptions sheet)", f"{len(report.problems):,}")
    if report.written_to:
        summary.add_row("Results written to", str(report.written_to))
    console.print(summary)
    if report.escalation:
        console.print(report.escalation, soft_wrap=True)
    for note in report.notes:
        console.print(f"[yellow]{note}[/yellow]", soft_wrap=True)


def print_due(report: RunReport) -> None:
    from rich.table import Table

    from arcollect.engine import dunning

    if report.queue.empty:
        return
    going = report.queue[report.queue[Queue.STATE].isin([dunning.DUE, dunning.SCHEDULED])]
    table = Table("Customer", "Level", "To", "Send at (customer time)", "Amount (base)", title="Would send")
    for row in going.head(50).to_dict("records"):
        table.add_row(
            str(row[Queue.CUSTOMER_NAME]),
            str(row[Queue.LEVEL_NAME]),
            str(row[Queue.TO]),
            str(row[Queue.SEND_AT_LOCAL]),
            f"{row[Queue.BASE_AMOUNT]:,.2f}",
        )
    console.print(table)
    if len(going) > 50:
        console.print(f"… and {len(going) - 50} more (ReminderQueue sheet)")
