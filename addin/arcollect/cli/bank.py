"""``arcollect bank``: statements in, payments applied, the rest to Unmatched — and the reminders that stopped."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from arcollect.cli import shell
from arcollect.errors import ArcollectError
from arcollect.schema import Queue


def bank(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.bank import inbox

    if not args.path.exists():
        raise ArcollectError(f"{args.path} does not exist — create one with: arcollect new {args.path}")
    if args.assign:
        if len(args.assign) < 2:
            raise ArcollectError("usage: arcollect bank BOOK --assign ENTRY INVOICE [INVOICE …]")
        shell.console.print(inbox.assign(args.path, args.assign[0], args.assign[1:], now=now), soft_wrap=True)
        return 0
    files = list(args.files)
    if not files:
        folder = shell.settings_of(args.path).bank_folder_path(args.path)
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
            queue = collect(path, now=now, send=False, write_back=False, bank_folder=False, render=False).queue
        if queue.empty:
            return {}
        rows = queue[queue[Queue.STATE].isin([dunning.DUE, dunning.SCHEDULED, dunning.AWAITING_APPROVAL])]
        return dict(
            zip(zip(rows[Queue.CUSTOMER_ID], rows[Queue.LEVEL], strict=True), rows[Queue.BASE_AMOUNT], strict=True)
        )

    if mapping:  # a mistyped name is said at once, before any planning
        inbox.mapping_named(inbox.csv_mappings(path), mapping)
    with shell.console.status("Planning before the import"):
        before = going(before_queue)
    report = inbox.import_files(path, files, now=now, mapping=mapping)
    with shell.console.status("Planning after the import"):
        after = going()
    stopped = [key for key in before if key not in after]
    smaller = [key for key in before if key in after and after[key] < before[key] - 0.005]
    shell.console.print(report.summary(), soft_wrap=True)
    shell.console.print(
        f"Reminders stopped: {len(stopped)} no longer go out (everything they chased is paid); "
        f"{len(smaller)} now ask for less.",
        soft_wrap=True,
    )
    for problem in report.problems:
        shell.console.print(f"[yellow]{problem}[/yellow]", soft_wrap=True)
    report.stopped, report.smaller = stopped, smaller  # type: ignore[attr-defined]
    return report
