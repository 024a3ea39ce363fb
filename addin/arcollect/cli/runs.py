"""The commands that run the flow: ``refresh``, ``preview``, ``send``, ``approve``, ``schedule`` and ``demo``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from arcollect.cli import bank as bank_command
from arcollect.cli import shell
from arcollect.errors import ArcollectError
from arcollect.schema import Queue


def refresh(args: argparse.Namespace, now: dt.datetime) -> int:
    shell.print_report(shell.run_collect(args.path, now, send=False), title=f"Refreshed {args.path}")
    return 0


def preview(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.preview import preview_folder, write_preview

    report = shell.run_collect(args.path, now, send=False)
    index = write_preview(report.reminders.values(), preview_folder(args.path), now=now)
    shell.print_report(report, title=f"Preview of {args.path}")
    shell.console.print(f"Preview of {len(report.reminders)} reminders: {index}")
    return 0


def send(args: argparse.Namespace, now: dt.datetime) -> int:
    report = shell.run_collect(args.path, now, send=not args.dry_run, dry_run=args.dry_run, wait=args.wait)
    shell.print_report(report, title=f"{'Dry run of' if args.dry_run else 'Sent from'} {args.path}")
    if args.dry_run:
        shell.print_due(report)
    return 0 if not report.failed else 1


def approve(args: argparse.Namespace, now: dt.datetime) -> int:
    """Escalations wait for a person: without customers this lists them; with them (or --all) it records the
    approval in the ledger — who and when — and the next send sends them in the customers' business hours."""
    import getpass

    from rich.table import Table

    from arcollect import escalation
    from arcollect.engine import dunning
    from arcollect.run import open_ledger

    report = shell.run_collect(args.path, now, send=False, write_back=False)
    queue = report.queue
    awaiting = queue[queue[Queue.STATE] == dunning.AWAITING_APPROVAL] if not queue.empty else queue
    if not args.customers and not args.all:
        table = Table("Customer", "Name", "Level", "Amount due", "Invoices", title="Escalations awaiting approval")
        for row in awaiting.to_dict("records"):
            table.add_row(
                str(row[Queue.CUSTOMER_ID]), str(row[Queue.CUSTOMER_NAME]), str(row[Queue.LEVEL_NAME]),
                str(row[Queue.AMOUNT]), str(row[Queue.INVOICES]),
            )  # fmt: skip
        shell.console.print(table)
        shell.console.print(
            f"{len(awaiting)} awaiting approval. Approve with: arcollect approve {args.path} CUSTOMER … (or --all)",
            soft_wrap=True,
        )
        return 0
    wanted = awaiting if args.all else awaiting[awaiting[Queue.CUSTOMER_ID].astype(str).isin(args.customers)]
    missing = sorted(set(args.customers) - set(wanted[Queue.CUSTOMER_ID].astype(str)))
    by = args.by or getpass.getuser()
    config = shell.settings_of(args.path)
    with open_ledger(args.path, config) as ledger:
        for row in wanted.to_dict("records"):
            escalation.record(
                ledger, str(row[Queue.CUSTOMER_ID]), int(row[Queue.LEVEL]), by=by, now=now, source="cli",
                amount_text=str(row[Queue.AMOUNT]),
            )  # fmt: skip
            shell.console.print(
                f"Approved by {by}: {row[Queue.CUSTOMER_ID]} {row[Queue.CUSTOMER_NAME]} — {row[Queue.LEVEL_NAME]}, "
                f"{row[Queue.AMOUNT]}",
                soft_wrap=True,
            )
    for customer_id in missing:
        shell.console.print(f"[yellow]{customer_id}: no escalation awaiting approval[/yellow]", soft_wrap=True)
    if len(wanted):
        shell.console.print(
            f"arcollect send {args.path} sends {'them' if len(wanted) > 1 else 'it'} in the customer's business "
            "hours; the credit hold and the case file follow.",
            soft_wrap=True,
        )
    return 1 if missing else 0


def schedule(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect import scheduler

    if args.target[0] == "install":
        if len(args.target) != 2:
            raise ArcollectError("usage: arcollect schedule install PATH [--write DIR]")
        workbook = Path(args.target[1]).resolve()
        files = {
            "arcollect-task.xml": scheduler.task_scheduler_xml(workbook),
            "arcollect.service": scheduler.systemd_unit(workbook),
        }
        for name, text in files.items():
            if args.write:
                args.write.mkdir(parents=True, exist_ok=True)
                (args.write / name).write_text(text, encoding="utf-16" if name.endswith(".xml") else "utf-8")
                shell.console.print(f"Wrote {args.write / name}")
            else:
                shell.console.print(f"# {name}", soft_wrap=True, markup=False)
                shell.console.print(text, soft_wrap=True, markup=False, highlight=False)
        return 0
    workbook = Path(args.target[0])
    if not workbook.exists():
        raise ArcollectError(f"{workbook} does not exist")
    scheduler.configure_logging(workbook)
    started = dt.datetime.now(dt.UTC)
    clock = (lambda: args.now + (dt.datetime.now(dt.UTC) - started)) if args.now else None
    runner = scheduler.Schedule(workbook, dry_run=args.dry_run, clock=clock)
    status = runner.run(once=args.once)
    last = runner.ticks[-1] if runner.ticks else None
    if args.once and last is not None and last.report is not None:
        shell.print_report(last.report, title=f"{'Dry run of the' if args.dry_run else 'The'} schedule of {workbook}")
        shell.print_due(last.report)
    if args.once and last is not None and last.error:  # a schedule stopped by SIGTERM ends 0, as documented
        shell.console.print(f"[red]The tick failed:[/red] {last.error}", soft_wrap=True)
        return 1
    return status


def demo(args: argparse.Namespace, now: dt.datetime) -> int:
    from zoneinfo import ZoneInfo

    from arcollect.demo import history, job
    from arcollect.mail.transports.outbox import INDEX

    args.dir.mkdir(parents=True, exist_ok=True)
    sample = job.clear(job.places(args.dir))
    moment = now if args.now else job.next_moment(now)
    sample = job.write(sample, moment, status=shell.console.status)
    shell.console.print(
        f"Sample workbook: {sample.path} — its ledger holds {sample.history} reminders about invoices paid since, "
        f"and {sample.recent} from the weekly dunning runs of the last {history.CYCLE_DAYS} days "
        f"({sample.approved} escalation{'s' if sample.approved != 1 else ''} approved by {history.APPROVER})",
        soft_wrap=True,
    )
    local = moment.astimezone(ZoneInfo(job.DEMO_ZONE))
    when = f"{local:%a %Y-%m-%d %H:%M} {job.DEMO_ZONE}"
    if args.now:
        shell.console.print(f"Running as of {when} (--now).", soft_wrap=True)
    elif moment != now:
        shell.console.print(
            f"Running as of {when}, the sample customers' next business moment (it is {now:%a %H:%M} UTC now; "
            "reminders only go out in each customer's business hours). Pass --now to choose another moment.",
            soft_wrap=True,
        )
    else:
        shell.console.print(f"Running now, {when}: business hours for the sample customers.", soft_wrap=True)
    _demo_bank(sample.path, moment)
    report = shell.run_collect(sample.path, moment, send=True, preview_all=True)
    shell.print_report(report, title=f"arcollect demo — {when}")
    waiting = job.publish(report, sample, moment)
    shell.console.print(f"Outbox: {sample.outbox / INDEX} ({len(report.sent)} sent now)", soft_wrap=True)
    shell.console.print(
        f"Preview: {sample.preview / INDEX} ({len(waiting)} more: later in their customers' business hours, or "
        "awaiting approval)",
        soft_wrap=True,
    )
    return 0


def _demo_bank(path: Path, now: dt.datetime) -> None:
    """The demo's morning bank statement: written, imported, and the reminders it stopped counted (#20)."""
    from arcollect.demo import job
    from arcollect.run import collect

    with shell.console.status("Planning before the bank statement"):
        queue = collect(path, now=now, send=False, write_back=False, render=False).queue
    day = job.bank_statement(path, now, queue)
    shell.console.print(f"Bank statement of the morning: {day.path} ({len(day.credits)} credits)", soft_wrap=True)
    job.bank_summary(day, bank_command.bank_import(path, [day.path], now, before_queue=queue))
