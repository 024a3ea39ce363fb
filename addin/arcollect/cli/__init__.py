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

The package by topic: `parser` (the grammar), `shell` (console, a run with a progress bar, the report),
`workbook` (new, config, import), `runs` (refresh, preview, send, approve, schedule, demo), `bank`, `ledger`
(and test-connection), `addin`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
from collections.abc import Callable, Sequence

from rich.markup import escape

from arcollect.cli import addin, bank, ledger, runs, shell, workbook
from arcollect.cli.parser import build_parser
from arcollect.errors import ArcollectError

# Each command imports what it uses (pandas, openpyxl, the engine, the mail layer) when it runs: `arcollect --help`
# and a mistyped command answer at once, and `refresh` does not load what only `demo`, `new` or `config` need.
logger = logging.getLogger(__name__)
_COLLECT_EVERY = 100_000  # allocations between young-generation collections in the `arcollect` program

COMMANDS: dict[str, Callable[[argparse.Namespace, dt.datetime], int]] = {
    "import": workbook.import_items,
    "bank": bank.bank,
    "addin": addin.addin,
    "schedule": runs.schedule,
    "test-connection": ledger.test_connection,
    "ledger": ledger.ledger_action,
    "new": workbook.new,
    "demo": runs.demo,
    "refresh": runs.refresh,
    "preview": runs.preview,
    "send": runs.send,
    "approve": runs.approve,
    "config": workbook.config,
}
__all__ = ["COMMANDS", "build_parser", "main", "plain"]


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
        shell.console.print(
            f"[red]arcollect {args.command}:[/red] stopped by Ctrl-C — whatever was sent is in the ledger; the next "
            "run reconciles the reminder that was in flight and sends the rest",
            soft_wrap=True,
        )
        return 130
    except Exception as error:  # one line, never a traceback: arcollect's own errors, OS, database, value range
        shell.console.print(f"[red]arcollect {args.command}:[/red] {escape(plain(error))}", soft_wrap=True)
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
