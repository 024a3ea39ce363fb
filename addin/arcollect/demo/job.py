"""The work of ``arcollect demo``: the sample workbook and its past, the morning's bank statement, what went out.

    sample = job.clear(job.places(Path("demo")))
    moment = job.next_moment(now)                 # the sample customers' next business moment
    sample = job.write(sample, moment)            # workbook + a ledger with a year of history and five weeks
    day = job.bank_statement(sample.path, moment, queue)   # camt.053 of the morning, from the plan before it
    waiting = job.publish(report, sample, moment)  # outbox index.html, the preview of what waits

The command (`arcollect.cli`) runs these in order around its own run of `arcollect.run.collect`, the bank import
it shares with ``arcollect bank``, and what it prints; this module says nothing on the console.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from arcollect.bank.sample import DemoDay
    from arcollect.mail.message import Reminder
    from arcollect.run import RunReport

DEMO_FILE = "arcollect-demo.xlsx"
DEMO_ZONE, DEMO_COUNTRY, DEMO_WINDOW = "Europe/Berlin", "DE", ("10:00", "17:00")
DEMO_ACCOUNT = "DE89370400440532013000"  # the sample company's account the morning's statement is of

Status = Callable[[str], contextlib.AbstractContextManager[Any]]


def _quiet(_label: str) -> contextlib.AbstractContextManager[Any]:
    return contextlib.nullcontext()


@dataclass(frozen=True)
class Sample:
    """Where the demo's files are, and what its ledger was seeded with (after `write`)."""

    path: Path  # the workbook
    ledger: Path
    outbox: Path
    preview: Path
    history: int = 0  # reminders about invoices paid since
    recent: int = 0  # reminders from the weekly dunning runs of the last `history.CYCLE_DAYS` days
    approved: int = 0  # escalations among them approved by `history.APPROVER`


def next_moment(now: dt.datetime) -> dt.datetime:
    """The sample customers' next business moment at or after `now`: a German business day, 10:00–17:00 in
    Berlin (09:00–16:00 in London), when most of the demo's European customers can be written to."""
    from arcollect.engine import calendar

    moment = calendar.next_send_time(now, DEMO_COUNTRY, DEMO_ZONE, DEMO_WINDOW)
    return moment.astimezone(dt.UTC)


def places(folder: Path) -> Sample:
    """The demo's files in `folder`: the workbook keeps the default ledger and outbox places of Settings."""
    from arcollect.book import settings

    path = folder / DEMO_FILE
    defaults = settings.Settings()
    return Sample(path, defaults.ledger_file(path), defaults.outbox_folder(path), folder / "preview")


def clear(sample: Sample) -> Sample:
    """Remove what an earlier demo in the same folder left: workbook, ledger, messages, case files."""
    for stale in (sample.path, sample.ledger):
        stale.unlink(missing_ok=True)
    for old in [*sample.outbox.glob("*.eml"), *sample.preview.glob("*.eml")]:
        old.unlink()
    for case in (sample.path.parent / "cases").glob("*.xlsx"):
        case.unlink()
    return sample


def write(sample: Sample, moment: dt.datetime, *, status: Status = _quiet) -> Sample:
    """The sample workbook as of `moment`, and its ledger's past (`history.seed`, then `history.simulate`)."""
    from arcollect.book import read, template
    from arcollect.book import write as book_write
    from arcollect.demo import data, history

    with status("Writing the sample workbook"):
        template.build(sample.path)
        book_write.write_tables(sample.path, data.tables(moment.date()))
        tables = read.read(sample.path)[0]  # typed, bad rows left out
        seeded = history.seed(sample.ledger, tables, now=moment)
    with status("Replaying the last weeks of the reminder schedule"):
        recent, approved = history.simulate(sample.ledger, tables, now=moment)
    return replace(sample, history=seeded, recent=recent, approved=approved)


def bank_statement(path: Path, moment: dt.datetime, queue: pd.DataFrame) -> DemoDay:
    """The morning's camt.053 statement beside the workbook: payments from customers `queue` (the plan before the
    statement) has reminders for — some settle everything a reminder chased, some part of it."""
    from arcollect.bank import sample
    from arcollect.book import read

    tables, _problems = read.read(path)
    return sample.demo_day(path, queue, tables["Invoices"], tables["Customers"], now=moment, account=DEMO_ACCOUNT)


def bank_summary(day: DemoDay, report: Any) -> Path:
    """``summary.json`` beside the statement: what the import applied and stopped, and what it was meant to."""
    summary = {
        "statement": day.path.name,
        "credits": report.credits,
        "applied": dict(report.applied),
        "unmatched": report.unmatched,
        "stopped": sorted(customer for customer, _level in report.stopped),
        "smaller": sorted(customer for customer, _level in report.smaller),
        "meant_to_stop": sorted(day.stops),
        "meant_to_reduce": sorted(day.smaller),
    }
    target = day.path.parent / "summary.json"
    target.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return target


def publish(report: RunReport, sample: Sample, moment: dt.datetime) -> list[Reminder]:
    """The outbox's index of what was sent, and the preview of the rest (later in business hours, or awaiting
    approval); returns the reminders previewed."""
    from arcollect.mail.preview import write_preview
    from arcollect.mail.transports.outbox import OutboxTransport

    OutboxTransport(sample.outbox, clock=lambda: moment).write_index()
    sent = set(report.sent)
    waiting = [reminder for key, reminder in report.reminders.items() if key not in sent]
    write_preview(waiting, sample.preview, now=moment)
    return waiting
