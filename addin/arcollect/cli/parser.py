"""The command line's grammar: every command, its arguments and their types (one-line errors, exit status 2)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import NoReturn

from arcollect import __version__


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
