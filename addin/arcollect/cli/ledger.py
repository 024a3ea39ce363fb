"""The ledger's commands (``ledger list|resolve|retry|status|rebuild|export|purge``) and ``test-connection``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from arcollect.cli import shell
from arcollect.errors import ArcollectError
from arcollect.schema import Invoices


def ledger_action(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.ledger import identity, locate

    config = shell.settings_of(args.path)
    if args.action == "rebuild":
        from arcollect.mail.ledger import rebuild

        shell.console.print(rebuild.rebuild(args.path, config, now=now), soft_wrap=True)
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
            shell.console.print(
                f"Ledger {ledger.where} ({where}), id {ledger.ledger_id[:8]}, {ledger.sequence} changes recorded"
                f"{f'; the workbook has seen {stamp.sequence}' if stamp else ''}; "
                + (f"in use now by {holder}." if holder else "nobody is sending with it now."),
                soft_wrap=True,
            )
            return 0
        if args.action == "export":
            target = args.out or args.path.parent / f"{args.path.stem}.ledger-export-{now:%Y%m%d}.csv"
            count = ledger.export(target)
            shell.console.print(f"Exported {count} ledger rows to {target}", soft_wrap=True)
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
            shell.console.print(
                f"{len(chosen)} failed reminder(s) will be tried again by the next send.", soft_wrap=True
            )
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
            shell.console.print(table)
            shell.console.print(
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
        shell.console.print(f"{matches[0].key[:12]} resolved as {args.verdict}.")
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
    shell.console.print(("Dry run — nothing changed. " if args.dry_run else "") + report.summary(), soft_wrap=True)
    return 0


def test_connection(args: argparse.Namespace, now: dt.datetime) -> int:
    from arcollect.mail.transports import from_settings

    config = shell.settings_of(args.path)
    sentence = from_settings(config, args.path).check()
    shell.console.print(f"{config.transport}: {sentence}", soft_wrap=True)
    return 0 if sentence.startswith("OK") else 1
