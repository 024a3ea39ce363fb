"""`arcollect …` — the command line, a thin shell over `arcollect.run.collect`.

    arcollect demo --dir demo                 # sample workbook, refresh, send to the outbox, print a summary
    arcollect new Receivables.xlsx            # an empty workbook from the template
    arcollect refresh Receivables.xlsx        # read, compute, write the output sheets (sends nothing)
    arcollect preview Receivables.xlsx        # refresh + render what would go out into preview/index.html
    arcollect send Receivables.xlsx [--dry-run]
    arcollect approve Receivables.xlsx [CUSTOMER ...] [--all] [--by NAME]   # escalations awaiting approval
    arcollect config Receivables.xlsx [KEY [VALUE]]
    arcollect schedule Receivables.xlsx [--once] [--dry-run]   # unattended: sends in customers' business hours
    arcollect schedule install Receivables.xlsx   # a Windows Task Scheduler task and a systemd user unit
    arcollect import Receivables.xlsx --from export.csv --full|--partial [--mapping sap_fbl5n] [--force]
    arcollect import Receivables.xlsx --from export.csv --show-mapping   # its columns beside arcollect's
    arcollect bank Receivables.xlsx camt053.xml … [--mapping NAME]  # statements in: payments applied, rest to Unmatched
    arcollect test-connection Receivables.xlsx    # is the mail transport in Settings usable? one sentence
    arcollect addin build [OUT]                    # workbook/arcollect.xlam from the sources, no Excel needed
    arcollect addin install                        # built for the installed xlwings, into Excel's start-up folder
    arcollect ledger list Receivables.xlsx         # reminders in doubt after a crash (smtp cannot look them up)
    arcollect ledger resolve Receivables.xlsx KEY --as sent|failed
    arcollect ledger retry Receivables.xlsx [KEY | --all]   # failed reminders go again (after fixing the cause)
    arcollect ledger status Receivables.xlsx       # where the ledger is, its id, who is sending now
    arcollect ledger rebuild Receivables.xlsx      # a lost ledger rebuilt from ReminderLog and the outbox/Sent Items
    arcollect ledger export Receivables.xlsx [--out ledger.csv|ledger.jsonl]   # every row, for audits and GDPR
    arcollect ledger purge Receivables.xlsx --before 2024-01-01 [--dry-run]    # retention; exactly once still holds

Every command takes ``--now 2026-11-24T10:00:00+00:00`` (default: the clock) so a run can be reproduced or
previewed for another day. Every error — arcollect's own, the operating system's (disk full, no permission, a
missing folder), the ledger database's, a value out of range — prints one plain line and exits with status 1,
never a traceback; a wrong command line prints one line and exits with 2; Ctrl-C during a send finishes the
reminder in flight, says so in one line and exits with 130 (a second Ctrl-C stops at once, also in one line).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.markup import escape

from arcollect import __version__
from arcollect.errors import ArcollectError
from arcollect.schema import Invoices, Queue, SettingsSheet

if TYPE_CHECKING:
    from arcollect.book import settings
    from arcollect.mail.ledger import Ledger
    from arcollect.run import RunReport

# Each command imports what it uses (pandas, openpyxl, the engine, the mail layer) when it runs: `arcollect --help`
# and a mistyped command answer at once, and `refresh` does not load what only `demo`, `new` or `config` need.
logger = logging.getLogger(__name__)
console = Console(highlight=False)
_COLLECT_EVERY = 100_000  # allocations between young-generation collections in the `arcollect` program


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (and exit status 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="arcollect", description="Accounts-receivable collections for Excel.")
    parser.add_argument("--version", action="version", version=f"arcollect {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, *, path: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if path:
            sub.add_argument("path", type=Path, help="the workbook (.xlsx)")
        sub.add_argument("--now", type=_instant, default=None, help="ISO date-time to run as (default: the clock)")
        return sub

    new = command("new", "Create an empty arcollect workbook from the template.")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument(
        "--law",
        default=None,
        metavar="COUNTRY",
        help="the country whose law governs your sales contracts (your company's, e.g. DE); asked when omitted",
    )
    command("demo", "Write the sample workbook, refresh it and send its reminders to the outbox.", path=False)
    commands.choices["demo"].add_argument("--dir", type=Path, default=Path("demo"), help="folder for the demo")
    command("refresh", "Read the workbook, age and price every invoice, plan reminders, write the output sheets.")
    command("preview", "Refresh, then render the reminders that would go out into an HTML preview.")
    command("send", "Send the reminders that are due now (to the outbox unless Settings choose a mail server).")
    commands.choices["send"].add_argument("--dry-run", action="store_true", help="plan and show, send nothing")
    commands.choices["send"].add_argument(
        "--wait", type=_seconds, default=60.0, help="seconds to wait for another run using the ledger (default 60)"
    )
    approve = command(
        "approve",
        "List the escalations awaiting approval, or approve them (credit hold and handover to collections).",
    )
    approve.add_argument("customers", nargs="*", metavar="CUSTOMER", help="customer IDs to approve")
    approve.add_argument("--all", action="store_true", help="approve every escalation awaiting approval")
    approve.add_argument("--by", default=None, help="who approves (default: your login name)")
    schedule = commands.add_parser(
        "schedule",
        help="Run unattended: send what is due in each customer's business hours (or: schedule install PATH).",
        description="arcollect schedule PATH [--once] [--dry-run]  |  arcollect schedule install PATH [--write DIR]",
    )
    schedule.add_argument("target", nargs="+", metavar="PATH", help="the workbook, or: install PATH")
    schedule.add_argument("--once", action="store_true", help="one tick, then exit (for cron / Task Scheduler)")
    schedule.add_argument("--dry-run", action="store_true", help="plan and print, send nothing")
    schedule.add_argument("--write", type=Path, default=None, help="install: write the files into this folder")
    schedule.add_argument("--now", type=_instant, default=None, help="ISO date-time to run as (default: the clock)")
    addin = commands.add_parser("addin", help="Build or install the Excel add-in (arcollect.xlam).")
    addin_actions = addin.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    build = addin_actions.add_parser("build", help="Build arcollect.xlam from the sources in the package.")
    build.add_argument("out", nargs="?", type=Path, default=Path("workbook/arcollect.xlam"))
    install = addin_actions.add_parser(
        "install", help="Build the add-in for the installed xlwings and install it for Excel (Windows/macOS)."
    )
    install.add_argument(
        "xlam", nargs="?", type=Path, default=None, help="a prebuilt add-in instead (must match the installed xlwings)"
    )
    install.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")
    for sub in (build, install):
        sub.add_argument("--now", type=_instant, default=None, help=argparse.SUPPRESS)
    importing = command("import", "Load an open-items export (ERP / accounting system) into Invoices and Customers.")
    importing.add_argument("--from", dest="export", type=Path, required=True, help="the export: .csv or .xlsx")
    importing.add_argument("--mapping", default=None, help="quickbooks, sap_fbl5n or a mapping of the Mappings sheet")
    completeness = importing.add_mutually_exclusive_group()
    completeness.add_argument(
        "--full", action="store_true", help="the export lists every open invoice: mark the unlisted open ones Paid"
    )
    completeness.add_argument(
        "--partial", action="store_true", help="the export is not complete: close nothing that is missing from it"
    )
    importing.add_argument(
        "--force",
        action="store_true",
        help="a full import may close more than Settings ImportCloseLimit of the open items",
    )
    importing.add_argument(
        "--show-mapping", action="store_true", help="show the export's columns beside arcollect's, import nothing"
    )
    bank = command(
        "bank", "Import bank statements (camt.053/054, MT940, CSV): apply payments, list the rest in Unmatched."
    )
    bank.add_argument("files", nargs="*", type=Path, help="statement files (default: the BankFolder's new files)")
    bank.add_argument("--assign", nargs="+", metavar=("ENTRY", "INVOICE"), help="settle an Unmatched entry by hand")
    bank.add_argument(
        "--mapping", default=None, help="a bank CSV mapping of the Mappings sheet (default: the one that fits)"
    )
    command("test-connection", "Check the mail transport chosen in Settings and say in one sentence what is wrong.")
    ledger = commands.add_parser(
        "ledger", help="The reminder ledger: list or resolve reminders in doubt, export it, purge old entries."
    )
    actions = ledger.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    for action, help_text in (
        ("list", "List the reminders in doubt."),
        ("resolve", "Settle one in-doubt reminder."),
        ("retry", "Let failed reminders go again at the next send (after the cause was fixed)."),
        ("status", "Where the ledger is, which workbook it belongs to, and who is sending with it now."),
        ("rebuild", "Rebuild a lost or damaged ledger from ReminderLog and the outbox / Sent Items."),
        ("export", "Write every ledger row to a .csv or .jsonl file (bodies only if StoreBodies kept them)."),
        ("purge", "Delete entries whose last activity is before a date (never those in doubt or still needed)."),
    ):
        sub = actions.add_parser(action, help=help_text, description=help_text)
        sub.add_argument("path", type=Path, help="the workbook (.xlsx)")
        sub.add_argument("--now", type=_instant, default=None, help="ISO date-time to run as (default: the clock)")
    resolve = actions.choices["resolve"]
    resolve.add_argument("key", help="the reminder's key (or its first 12 characters)")
    resolve.add_argument("--as", dest="verdict", required=True, choices=["sent", "failed"], help="failed = send again")
    resolve.add_argument("--note", default="resolved by hand", help="why (kept in the audit trail)")
    retry = actions.choices["retry"]
    retry.add_argument("key", nargs="?", default=None, help="the reminder's key (or its first 12 characters)")
    retry.add_argument("--all", action="store_true", help="every failed reminder")
    actions.choices["export"].add_argument(
        "--out", type=Path, default=None, help="the file to write, .csv or .jsonl (default: beside the workbook)"
    )
    purge = actions.choices["purge"]
    purge.add_argument("--before", type=_day, required=True, help="purge entries last active before this date")
    purge.add_argument("--dry-run", action="store_true", help="say what would be purged, change nothing")
    config = command("config", "Show the settings, one setting, or set one (validated).")
    config.add_argument("key", nargs="?")
    config.add_argument("value", nargs="?")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; `argv` None means the process's own command line (the `arcollect` program), which exits next."""
    if argv is None:
        # A run allocates millions of short-lived containers (rows, records, template contexts): at the default
        # threshold (700) the collector walked the growing heap some 1,300 times in a 100,000-invoice refresh,
        # 0.5–1 s in all. What is imported by now lives as long as the process: frozen, no collection walks it.
        # In-process callers (tests) pass `argv` and keep the interpreter's settings.
        gc.freeze()
        gc.set_threshold(_COLLECT_EVERY, 10, 10)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    now = args.now or dt.datetime.now(dt.UTC)
    try:
        return COMMANDS[args.command](args, now)
    except KeyboardInterrupt:
        console.print(
            f"[red]arcollect {args.command}:[/red] stopped by Ctrl-C — whatever was sent is in the ledger; the next "
            "run reconciles the reminder that was in flight and sends the rest",
            soft_wrap=True,
        )
        return 130
    except Exception as error:  # one line, never a traceback: arcollect's own errors, OS, database, value range
        console.print(f"[red]arcollect {args.command}:[/red] {escape(plain(error))}", soft_wrap=True)
        logger.debug("arcollect %s failed", args.command, exc_info=True)
        return 1
    finally:
        if argv is None:
            # The program ends here: the interpreter's final collections would walk every object the run left
            # behind (0.4 s after 10,000 invoices); frozen, they are only freed.
            gc.freeze()


def plain(error: BaseException) -> str:
    """One line for any error: arcollect's own message; the OS's reason and file; a database's or a value's."""
    if isinstance(error, ArcollectError):
        return str(error)
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        where = f": {error.filename}" if error.filename else ""
        hints = {28: "free some space and run again", 30: "the disk is read-only", 13: "check the permissions"}
        hint = hints.get(error.errno or 0, "check the path and the permissions")
        return f"{reason}{where} — {hint}"
    if isinstance(error, OverflowError | ArithmeticError | ValueError):
        return f"a value is out of range or not usable: {_first_line(error)}"
    module = type(error).__module__.split(".")[0]
    if module in ("sqlite3", "psycopg"):
        return f"the ledger database failed: {_first_line(error)}"
    return f"unexpected {type(error).__name__}: {_first_line(error)} — please report this"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# ---- commands ----------------------------------------------------------------------------------------------


def _new(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.book import settings, template

    if args.path.exists() and not args.force:
        raise ArcollectError(f"{args.path} already exists — choose another name or pass --force")
    if not args.path.resolve().parent.is_dir():
        raise ArcollectError(f"The folder {args.path.resolve().parent} does not exist — create it first")
    law = args.law
    if law is None and sys.stdin.isatty():
        law = console.input(
            "Which country's law governs your sales contracts? Usually your company's country (e.g. DE, FR, GB), "
            "blank to decide later: "
        )
    law = settings.set_value("GoverningLaw", law) if law and law.strip() else ""
    template.build(args.path, settings_values={"GoverningLaw": law} if law else None)
    console.print(
        f"Created {args.path}: fill in Customers, Invoices and Settings, then run arcollect refresh.", soft_wrap=True
    )
    if law:
        console.print(f"GoverningLaw = {law}: statutory late charges follow {law} law unless a customer's own "
                      "Jurisdiction or Late charge says otherwise.", soft_wrap=True)  # fmt: skip
    else:
        console.print(
            "GoverningLaw is blank: no statutory late interest is charged until you set it — "
            f"arcollect config {args.path} GoverningLaw DE",
            soft_wrap=True,
        )
    return 0


def _demo(args: argparse.Namespace, now: dt.datetime) -> int:
    from zoneinfo import ZoneInfo

    from arcollect.demo import history, job
    from arcollect.mail.transports.outbox import INDEX

    args.dir.mkdir(parents=True, exist_ok=True)
    sample = job.clear(job.places(args.dir))
    moment = now if args.now else job.next_moment(now)
    sample = job.write(sample, moment, status=console.status)
    console.print(
        f"Sample workbook: {sample.path} — its ledger holds {sample.history} reminders about invoices paid since, "
        f"and {sample.recent} from the weekly dunning runs of the last {history.CYCLE_DAYS} days "
        f"({sample.approved} escalation{'s' if sample.approved != 1 else ''} approved by {history.APPROVER})",
        soft_wrap=True,
    )
    local = moment.astimezone(ZoneInfo(job.DEMO_ZONE))
    when = f"{local:%a %Y-%m-%d %H:%M} {job.DEMO_ZONE}"
    if args.now:
        console.print(f"Running as of {when} (--now).", soft_wrap=True)
    elif moment != now:
        console.print(
            f"Running as of {when}, the sample customers' next business moment (it is {now:%a %H:%M} UTC now; "
            "reminders only go out in each customer's business hours). Pass --now to choose another moment.",
            soft_wrap=True,
        )
    else:
        console.print(f"Running now, {when}: business hours for the sample customers.", soft_wrap=True)
    _demo_bank(sample.path, moment)
    report = _run(sample.path, moment, send=True, preview_all=True)
    _print_report(report, title=f"arcollect demo — {when}")
    waiting = job.publish(report, sample, moment)
    console.print(f"Outbox: {sample.outbox / INDEX} ({len(report.sent)} sent now)", soft_wrap=True)
    console.print(
        f"Preview: {sample.preview / INDEX} ({len(waiting)} more: later in their customers' business hours, or "
        "awaiting approval)",
        soft_wrap=True,
    )
    return 0


def _demo_bank(path: Path, now: dt.datetime) -> None:
    """The demo's morning bank statement: written, imported, and the reminders it stopped counted (#20)."""
    from arcollect.demo import job
    from arcollect.run import collect

    with console.status("Planning before the bank statement"):
        queue = collect(path, now=now, send=False, write_back=False).queue
    day = job.bank_statement(path, now, queue)
    console.print(f"Bank statement of the morning: {day.path} ({len(day.credits)} credits)", soft_wrap=True)
    job.bank_summary(day, bank_import(path, [day.path], now, before_queue=queue))


def _refresh(args: argparse.Namespace, now: dt.datetime) -> int:
    _print_report(_run(args.path, now, send=False), title=f"Refreshed {args.path}")
    return 0


def _preview(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.preview import preview_folder, write_preview

    report = _run(args.path, now, send=False)
    index = write_preview(report.reminders.values(), preview_folder(args.path), now=now)
    _print_report(report, title=f"Preview of {args.path}")
    console.print(f"Preview of {len(report.reminders)} reminders: {index}")
    return 0


def _send(args: argparse.Namespace, now: dt.datetime) -> int:
    report = _run(args.path, now, send=not args.dry_run, dry_run=args.dry_run, wait=args.wait)
    _print_report(report, title=f"{'Dry run of' if args.dry_run else 'Sent from'} {args.path}")
    if args.dry_run:
        _print_due(report)
    return 0 if not report.failed else 1


def _approve(args: argparse.Namespace, now: dt.datetime) -> int:
    """Escalations wait for a person: without customers this lists them; with them (or --all) it records the
    approval in the ledger — who and when — and the next send sends them in the customers' business hours."""
    import getpass

    from rich.table import Table

    from arcollect import escalation
    from arcollect.engine import dunning
    from arcollect.run import open_ledger

    report = _run(args.path, now, send=False, write_back=False)
    queue = report.queue
    awaiting = queue[queue[Queue.STATE] == dunning.AWAITING_APPROVAL] if not queue.empty else queue
    if not args.customers and not args.all:
        table = Table("Customer", "Name", "Level", "Amount due", "Invoices", title="Escalations awaiting approval")
        for row in awaiting.to_dict("records"):
            table.add_row(
                str(row[Queue.CUSTOMER_ID]), str(row[Queue.CUSTOMER_NAME]), str(row[Queue.LEVEL_NAME]),
                str(row[Queue.AMOUNT]), str(row[Queue.INVOICES]),
            )  # fmt: skip
        console.print(table)
        console.print(
            f"{len(awaiting)} awaiting approval. Approve with: arcollect approve {args.path} CUSTOMER … (or --all)",
            soft_wrap=True,
        )
        return 0
    wanted = awaiting if args.all else awaiting[awaiting[Queue.CUSTOMER_ID].astype(str).isin(args.customers)]
    missing = sorted(set(args.customers) - set(wanted[Queue.CUSTOMER_ID].astype(str)))
    by = args.by or getpass.getuser()
    config = _settings_of(args.path)
    with open_ledger(args.path, config) as ledger:
        for row in wanted.to_dict("records"):
            escalation.record(
                ledger, str(row[Queue.CUSTOMER_ID]), int(row[Queue.LEVEL]), by=by, now=now, source="cli",
                amount_text=str(row[Queue.AMOUNT]),
            )  # fmt: skip
            console.print(
                f"Approved by {by}: {row[Queue.CUSTOMER_ID]} {row[Queue.CUSTOMER_NAME]} — {row[Queue.LEVEL_NAME]}, "
                f"{row[Queue.AMOUNT]}",
                soft_wrap=True,
            )
    for customer_id in missing:
        console.print(f"[yellow]{customer_id}: no escalation awaiting approval[/yellow]", soft_wrap=True)
    if len(wanted):
        console.print(
            f"arcollect send {args.path} sends {'them' if len(wanted) > 1 else 'it'} in the customer's business "
            "hours; the credit hold and the case file follow.",
            soft_wrap=True,
        )
    return 1 if missing else 0


def _config(args: argparse.Namespace, now: dt.datetime) -> int:
    import pandas as pd
    from rich.table import Table

    from arcollect.book import read, settings, settings_keys, write

    tables, _problems = read.read(args.path)
    rows = tables["Settings"].reset_index(drop=True)
    current, problems = settings.parse_settings(rows)
    shown = settings.settings_rows(current)
    if args.key is None:
        table = Table("Setting", "Value", "Description", title=f"Settings of {args.path}")
        for key, value, description in shown.itertuples(index=False):
            table.add_row(str(key), str(value), str(description))
        console.print(table)
        for problem in problems:
            console.print(f"[yellow]{problem}[/yellow]")
        return 0
    canonical_key = settings_keys.canonical_key(args.key)
    if args.value is None:
        match = shown[shown[SettingsSheet.KEY] == canonical_key]
        console.print(f"{canonical_key} = {match[SettingsSheet.VALUE].iloc[0]}")
        return 0
    value = settings.set_value(canonical_key, args.value)
    keys = rows[SettingsSheet.KEY].astype(str).str.lower()
    spelled_keys = rows.loc[keys == canonical_key.lower(), SettingsSheet.KEY]
    for old, (_spelled, new_name) in settings_keys.RENAMED.items():  # a row under an old name becomes the new key's
        if new_name == canonical_key and spelled_keys.empty:
            spelled_keys = rows.loc[keys.str.replace(r"[\s_-]", "", regex=True) == old, SettingsSheet.KEY]
    if not spelled_keys.empty:  # one cell changes (and an old key's name); every other cell stays as it was
        spelled = {str(key): value for key in spelled_keys}
        updates = [write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.VALUE, spelled)]
        renamed = {str(key): canonical_key for key in spelled_keys if str(key).lower() != canonical_key.lower()}
        if renamed:  # the value first: the key cell it is found by changes last
            described = {key: settings_keys.describe(canonical_key) for key in renamed}
            updates += [
                write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.DESCRIPTION, described),
                write.CellUpdate("Settings", SettingsSheet.KEY, SettingsSheet.KEY, renamed),
            ]
        result = write.write_tables(args.path, {}, updates=updates)
    else:
        description = settings_keys.describe(canonical_key)
        new_row = {SettingsSheet.KEY: canonical_key, SettingsSheet.VALUE: value, SettingsSheet.DESCRIPTION: description}
        rows = pd.concat([rows, pd.DataFrame([new_row])], ignore_index=True)
        result = write.write_tables(args.path, {"Settings": rows})
    console.print(f"{canonical_key} = {value}" + (f" ({result.message})" if result.message else ""))
    return 0


def _schedule(args: argparse.Namespace, now: dt.datetime) -> int:
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
                console.print(f"Wrote {args.write / name}")
            else:
                console.print(f"# {name}", soft_wrap=True, markup=False)
                console.print(text, soft_wrap=True, markup=False, highlight=False)
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
        _print_report(last.report, title=f"{'Dry run of the' if args.dry_run else 'The'} schedule of {workbook}")
        _print_due(last.report)
    if args.once and last is not None and last.error:  # a schedule stopped by SIGTERM ends 0, as documented
        console.print(f"[red]The tick failed:[/red] {last.error}", soft_wrap=True)
        return 1
    return status


def _addin(args: argparse.Namespace, now: dt.datetime) -> int:
    if args.action == "build":
        from arcollect.excel.addin import build

        built = build.build(args.out)
        console.print(f"Built {built}", soft_wrap=True)
        return 0
    from arcollect.excel import install

    for action, path in install.install(args.xlam, dry_run=args.dry_run):
        console.print(f"{'Would ' if args.dry_run else 'Did: '}{action} {path}", soft_wrap=True)
    if not args.dry_run:
        console.print("Start Excel: the Collections tab appears (see README, 'Use it in Excel').", soft_wrap=True)
    return 0


def _import(args: argparse.Namespace, now: dt.datetime) -> int:
    """Import an export; a full import is said (--full) or confirmed, never assumed; exit 1 when nothing came in."""
    from arcollect.book import importer

    if not args.path.exists():
        raise ArcollectError(f"{args.path} does not exist — create one with: arcollect new {args.path}")
    if args.show_mapping:
        return _show_mapping(args)
    full = args.full or (not args.partial and _confirm_full(args.export))
    report = importer.import_open_items(
        args.path, args.export, mapping=args.mapping, full=full, force=args.force, now=now
    )
    console.print(report.summary(), soft_wrap=True, markup=False)
    for imported, existing in report.customers_matched.items():
        console.print(f"  customer '{imported}' is the existing {existing} (matched by name)", soft_wrap=True)
    for problem in report.problems[:20]:
        console.print(f"[yellow]{escape(str(problem))}[/yellow]", soft_wrap=True)
    if len(report.problems) > 20:
        console.print(f"… and {len(report.problems) - 20} more on the Exceptions sheet", soft_wrap=True)
    if report.backup is not None:
        console.print(f"The workbook as it was before: {report.backup}", soft_wrap=True)
    if not report.imported:
        console.print(f"[red]Nothing imported:[/red] {args.export.name} gave no usable invoice rows.", soft_wrap=True)
        return 1
    return 0


def _bank(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.bank import inbox

    if not args.path.exists():
        raise ArcollectError(f"{args.path} does not exist — create one with: arcollect new {args.path}")
    if args.assign:
        if len(args.assign) < 2:
            raise ArcollectError("usage: arcollect bank BOOK --assign ENTRY INVOICE [INVOICE …]")
        console.print(inbox.assign(args.path, args.assign[0], args.assign[1:], now=now), soft_wrap=True)
        return 0
    files = list(args.files)
    if not files:
        folder = _settings_of(args.path).bank_folder_path(args.path)
        if folder is None or not folder.is_dir():
            raise ArcollectError("name the statement files, or set BankFolder in Settings to a folder of statements")
        files = sorted(path for path in folder.iterdir() if path.suffix.lower() in inbox.STATEMENT_SUFFIXES)
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise ArcollectError(f"no such file: {', '.join(missing)}")
    report = bank_import(args.path, files, now, mapping=args.mapping)
    return 0 if not report.problems else 1


def bank_import(
    path: Path, files: list[Path], now: dt.datetime, before_queue: object = None, *, mapping: str | None = None
) -> object:
    """Import statements and say what it changed, including the reminders it stopped (a plan before and after)."""
    from arcollect.bank import inbox
    from arcollect.engine import dunning
    from arcollect.run import collect

    def going(queue: object = None) -> dict[tuple[str, int], float]:
        if queue is None:  # the BankFolder's new files are what this import reads, not the plan before it
            queue = collect(path, now=now, send=False, write_back=False, bank_folder=False).queue
        if queue.empty:
            return {}
        rows = queue[queue[Queue.STATE].isin([dunning.DUE, dunning.SCHEDULED, dunning.AWAITING_APPROVAL])]
        return dict(
            zip(zip(rows[Queue.CUSTOMER_ID], rows[Queue.LEVEL], strict=True), rows[Queue.BASE_AMOUNT], strict=True)
        )

    if mapping:  # a mistyped name is said at once, before any planning
        inbox.mapping_named(inbox.csv_mappings(path), mapping)
    with console.status("Planning before the import"):
        before = going(before_queue)
    report = inbox.import_files(path, files, now=now, mapping=mapping)
    with console.status("Planning after the import"):
        after = going()
    stopped = [key for key in before if key not in after]
    smaller = [key for key in before if key in after and after[key] < before[key] - 0.005]
    console.print(report.summary(), soft_wrap=True)
    console.print(
        f"Reminders stopped: {len(stopped)} no longer go out (everything they chased is paid); "
        f"{len(smaller)} now ask for less.",
        soft_wrap=True,
    )
    for problem in report.problems:
        console.print(f"[yellow]{problem}[/yellow]", soft_wrap=True)
    report.stopped, report.smaller = stopped, smaller  # type: ignore[attr-defined]
    return report


def _confirm_full(export: Path) -> bool:
    """Ask whether the export is complete (a terminal); without one, the user must say --full or --partial."""
    if not sys.stdin.isatty():
        raise ArcollectError(
            f"say whether {export.name} lists every open invoice: --full (open invoices it does not list are marked "
            "Paid) or --partial (invoices are only added and updated)"
        )
    answer = console.input(
        f"Does {export.name} list [bold]every[/bold] open invoice? Open invoices it does not list will be marked "
        "Paid. [y/N] "
    )
    if answer.strip().casefold() not in ("y", "yes", "j", "ja", "o", "oui"):
        console.print("Importing as a partial export: nothing will be closed.")
        return False
    return True


def _show_mapping(args: argparse.Namespace) -> int:
    from rich.table import Table

    from arcollect.book import importer
    from arcollect.book.read import sheet_rows
    from arcollect.schema import MAPPINGS

    view = importer.describe(args.export, mapping=args.mapping, user_rows=sheet_rows(args.path, MAPPINGS.sheet))
    verdict = "fits" if view.fits else "does not fit yet (required columns without a source)"
    table = Table(
        "arcollect column", f"{args.export.name} column", "first value",
        title=f"{args.export.name}: header row {view.header_row}, mapping {view.mapping} {verdict}",
        title_justify="left",
    )  # fmt: skip
    for target, source, value in view.columns:
        table.add_row(target, source or "[red]—[/red]", "" if value is None else escape(str(value)))
    console.print(table)
    if view.unused:
        console.print(f"Not used: {', '.join(view.unused)}", soft_wrap=True, markup=False)
    console.print(
        f"Change a line on the Mappings sheet: Mapping {view.mapping} | Target column (arcollect's) | Source column "
        "(the export's).",
        soft_wrap=True,
    )
    return 0 if view.fits else 1


def _test_connection(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.transports import from_settings

    config = _settings_of(args.path)
    sentence = from_settings(config, args.path).check()
    console.print(f"{config.transport}: {sentence}", soft_wrap=True)
    return 0 if sentence.startswith("OK") else 1


def _ledger(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.ledger import identity, locate

    config = _settings_of(args.path)
    if args.action == "rebuild":
        from arcollect.mail.ledger import rebuild

        console.print(rebuild.rebuild(args.path, config, now=now), soft_wrap=True)
        return 0
    stamp = identity.read_stamp(args.path)
    sent_before = 0 if stamp is not None else identity.sent_in_log(identity.log_rows(args.path))
    if args.action == "purge":
        return _purge(args, locate.open_for(args.path, config, stamp=stamp, sent_in_log=sent_before))
    with locate.open_for(args.path, config, stamp=stamp, sent_in_log=sent_before) as ledger:
        if args.action == "status":
            from arcollect.mail.ledger import location

            holder = ledger.lease.holder()
            where = location.classify(ledger.path)[1] if ledger.path is not None else "database server"
            console.print(
                f"Ledger {ledger.where} ({where}), id {ledger.ledger_id[:8]}, {ledger.sequence} changes recorded"
                f"{f'; the workbook has seen {stamp.sequence}' if stamp else ''}; "
                + (f"in use now by {holder}." if holder else "nobody is sending with it now."),
                soft_wrap=True,
            )
            return 0
        if args.action == "export":
            target = args.out or args.path.parent / f"{args.path.stem}.ledger-export-{now:%Y%m%d}.csv"
            count = ledger.export(target)
            console.print(f"Exported {count} ledger rows to {target}", soft_wrap=True)
            return 0
        if args.action == "retry":
            failed = ledger.failed()
            if not args.all and not (args.key and len(args.key) >= 6):
                raise ArcollectError("Give a reminder's key (at least its first 6 characters) or --all")
            chosen = failed if args.all else [entry for entry in failed if entry.key.startswith(args.key)]
            if not args.all and len(chosen) != 1:
                raise ArcollectError(f"{len(chosen)} failed reminders match '{args.key}' — give more of the key")
            for entry in chosen:
                ledger.retry(entry.key, now=now)
            console.print(f"{len(chosen)} failed reminder(s) will be tried again by the next send.", soft_wrap=True)
            return 0
        doubtful = ledger.in_doubt()
        if args.action == "list":
            from rich.table import Table

            table = Table("Key", "Customer", "Level", "State", "To", "Subject", "Attempted (UTC)", title="In doubt")
            for entry in doubtful:
                attempted = f"{entry.sending_at:%Y-%m-%d %H:%M}" if entry.sending_at else ""
                table.add_row(
                    entry.key[:12], entry.customer_id, str(entry.level), entry.state, ", ".join(entry.to),
                    entry.subject, attempted,
                )  # fmt: skip
            console.print(table)
            console.print(
                f"{len(doubtful)} in doubt. Check the Sent Items, then: arcollect ledger resolve PATH KEY --as …"
            )
            return 0
        if len(args.key.strip()) < 6:
            raise ArcollectError(
                f"'{args.key}' is too short to name a reminder — give at least the first 6 characters of its key "
                "(arcollect ledger list shows them)"
            )
        matches = [entry for entry in doubtful if entry.key.startswith(args.key.strip())]
        if len(matches) != 1:
            raise ArcollectError(f"{len(matches)} reminders in doubt match '{args.key}' — give more of the key")
        ledger.resolve(matches[0].key, now=now, state=args.verdict, note=args.note)
        console.print(f"{matches[0].key[:12]} resolved as {args.verdict}.")
        return 0


def _purge(args: argparse.Namespace, ledger: Any) -> int:
    """Retention: the workbook's open invoices are passed on, so their dunning history is never purged."""
    from arcollect.book import read
    from arcollect.engine import pricing

    with ledger:
        tables, _problems = read.read(args.path)
        invoices = tables["Invoices"]
        amounts = invoices[Invoices.OPEN_AMOUNT].fillna(invoices[Invoices.AMOUNT])
        open_invoices = pricing.open_items(invoices.assign(**{Invoices.OPEN_AMOUNT: amounts}))[Invoices.NUMBER]
        report = ledger.purge(args.before, open_invoices=set(open_invoices.astype(str)), dry_run=args.dry_run)
    console.print(("Dry run — nothing changed. " if args.dry_run else "") + report.summary(), soft_wrap=True)
    return 0


def _settings_of(path: Path) -> settings.Settings:
    from arcollect.book import read, settings

    if not Path(path).exists():
        raise ArcollectError(f"{path} does not exist")
    tables, _problems = read.read(path)
    config, _setting_problems = settings.parse_settings(tables["Settings"])
    return config


COMMANDS = {
    "import": _import,
    "bank": _bank,
    "addin": _addin,
    "schedule": _schedule,
    "test-connection": _test_connection,
    "ledger": _ledger,
    "new": _new,
    "demo": _demo,
    "refresh": _refresh,
    "preview": _preview,
    "send": _send,
    "approve": _approve,
    "config": _config,
}


# ---- helpers -------------------------------------------------------------------------------------------------


def _run(
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
            ledger = stack.enter_context(_ledger_copy(path)) if dry_run else None
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
def _ledger_copy(path: Path) -> Iterator[Ledger]:
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


def _print_report(report: RunReport, *, title: str) -> None:
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


def _print_due(report: RunReport) -> None:
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


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date, e.g. 2024-01-01") from error


def _instant(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO date-time, e.g. 2026-11-24T10:00:00+00:00") from error
    if not 1900 <= moment.year <= 2200:
        raise argparse.ArgumentTypeError(f"'{text}' is outside the years 1900 to 2200")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds from 0 to 86400")
    return value


if __name__ == "__main__":
    sys.exit(main())
