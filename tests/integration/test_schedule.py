"""The unattended schedule over a simulated week, a locked and a broken workbook, and `--once --dry-run`.

The week runs on the demo workbook under a travelling clock (time-machine): the `schedule` package, the
scheduler's own clock and the engine all see the simulated time, and the scheduler's sleep moves the clock on
instead of waiting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import time_machine

from arcollect import run, scheduler
from arcollect.book import template, write
from arcollect.book.reminder_log import reminder_log
from arcollect.book.settings import Settings
from arcollect.cli import main
from arcollect.demo import data as demo
from arcollect.engine import calendar
from arcollect.mail.ledger import Ledger
from arcollect.mail.ledger.lease import host_name
from arcollect.mail.message import KEY_HEADER
from arcollect.scheduler import AlreadyRunning, Schedule
from arcollect.schema import Customers, SettingsSheet

MONDAY = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
FINANCE = "finance@northwind.example"


def demo_book(folder: Path, **settings: str) -> Path:
    path = folder / "Receivables.xlsx"
    template.build(path)
    tables = demo.tables(MONDAY.date())
    rows = tables["Settings"]
    for key, value in {"FinanceContact": FINANCE, **settings}.items():
        rows.loc[rows[SettingsSheet.KEY] == key, SettingsSheet.VALUE] = value
    write.write_tables(path, tables)
    return path


def outbox(path: Path) -> list:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(file.read_bytes(), headersonly=True) for file in (path.parent / "outbox").glob("*.eml")]


def run_for(schedule: Schedule, traveller, until: dt.datetime) -> None:
    """Let the schedule's own loop run; its sleeps move the travelling clock, and it stops at `until`."""

    def sleep(seconds: float) -> None:
        traveller.shift(dt.timedelta(seconds=max(seconds, 1)))
        if dt.datetime.now(dt.UTC) >= until:
            schedule.stopping = True

    schedule.sleep = sleep
    schedule.run()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    folder = tmp_path_factory.mktemp("week")
    book = demo_book(folder)
    log = Lines()
    logging.getLogger("arcollect.scheduler").addHandler(log)
    logging.getLogger("arcollect.scheduler").setLevel(logging.INFO)
    try:
        with time_machine.travel(MONDAY, tick=False) as traveller:
            schedule = Schedule(book)
            run_for(schedule, traveller, MONDAY + dt.timedelta(days=7))
    finally:
        logging.getLogger("arcollect.scheduler").removeHandler(log)
    schedule.log_lines = log.lines
    return book, schedule


def test_a_week_ticks_every_quarter_hour_and_logs_each_tick(week):
    _book, schedule = week
    assert len(schedule.ticks) == 7 * 24 * 4  # Monday 00:00 up to Sunday 23:45
    gaps = {b.at - a.at for a, b in zip(schedule.ticks, schedule.ticks[1:], strict=False)}
    assert gaps == {dt.timedelta(minutes=15)}
    assert all(tick.error is None for tick in schedule.ticks)
    tick_lines = [line for line in schedule.log_lines if " alive " in line or " tick: " in line]
    assert len(tick_lines) == len(schedule.ticks), "one log line per tick"
    assert sum(tick.ran for tick in schedule.ticks) < len(schedule.ticks) / 4, "most ticks only say they are alive"


def test_every_reminder_goes_out_once_inside_its_customers_local_business_hours(week):
    book, _schedule = week
    customers = demo.tables(MONDAY.date())["Customers"].set_index(Customers.ID)
    with Ledger(Settings().ledger_file(book)) as ledger:
        log = reminder_log(ledger.history())
    sent = log[log["state"] == "sent"]
    assert len(sent) > 200
    zones = customers[Customers.TIME_ZONE].fillna(pd.Series(calendar.default_time_zone(customers[Customers.COUNTRY])))
    assert zones.loc[sent["customer_id"]].nunique() >= 6
    for row in sent.to_dict("records"):
        zone = ZoneInfo(zones[row["customer_id"]])
        local = row["sent_at"].replace(tzinfo=dt.UTC).astimezone(zone)
        country = customers.loc[row["customer_id"], Customers.COUNTRY]
        subdivision = customers.loc[row["customer_id"], Customers.SUBDIVISION]
        assert dt.time(9) <= local.time() < dt.time(17), (row["customer_id"], local)
        assert calendar.is_business_day(local.date(), country, subdivision), (row["customer_id"], local)
    keys = [message[KEY_HEADER] for message in outbox(book)]
    assert len(keys) == len(set(keys)) == len(sent)


def test_a_second_schedule_of_the_same_workbook_is_refused_and_names_the_holder(tmp_path):
    book = demo_book(tmp_path)
    first = Schedule(book)
    held = first._lock(Settings())
    try:
        with pytest.raises(AlreadyRunning, match=r"already running.*pid"):
            Schedule(book).run(once=True)
    finally:
        held.__exit__(None, None, None)


def test_a_tick_while_another_run_holds_the_ledger_is_skipped_in_one_line_naming_it_and_the_next_tick_runs(
    tmp_path, caplog, monkeypatch
):
    """A manual send holds the workbook's ledger when a tick comes: the tick waits (LEASE_WAIT), then is skipped
    with one log line naming who holds it — not a failure, nothing sent — and the next tick sends."""
    book = demo_book(tmp_path)
    monkeypatch.setattr(scheduler, "LEASE_WAIT", 0.3)
    moments = [dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)]
    schedule = Schedule(book, clock=lambda: moments[-1])
    caplog.set_level(logging.INFO)
    with run.open_ledger(book, Settings()) as other, other.hold("send"):
        skipped = schedule.tick()
    assert not skipped.ran and skipped.error is None and not outbox(book)
    lines = [record.getMessage() for record in caplog.records if "skipped" in record.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0], lines
    assert lines[0].startswith(
        f"Tue 09:00 UTC tick skipped: the ledger is in use by send on {host_name()} (process {os.getpid()}, since "
    )
    assert lines[0].endswith(" UTC) — the next tick tries again")
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING], "not a failure"
    moments.append(moments[-1] + dt.timedelta(minutes=15))
    ran = schedule.tick()
    assert ran.ran and ran.error is None and ran.report.sent
    assert len(outbox(book)) == len(ran.report.sent)


def test_open_in_excel_then_broken_then_fixed_keeps_running_alerts_once_and_recovers(tmp_path, caplog):
    book = demo_book(tmp_path, FailureAlertAfter="3", FinanceLanguage="de")  # the alert in German
    good = book.read_bytes()
    (tmp_path / f"~${book.name}").write_text("owner", encoding="utf-8")  # Excel has it open
    caplog.set_level(logging.INFO)
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        schedule = Schedule(book)
        first = schedule.tick()
        assert first.error is None and first.report.sent, "an open workbook is still read and its reminders sent"
        assert book.read_bytes() == good, "the open workbook is never written"
        assert schedule.results_file.exists()
        book.write_bytes(b"this is not a workbook any more")
        for _ in range(6):
            traveller.shift(dt.timedelta(minutes=15))
            assert schedule.tick().error
        alerts = [message for message in outbox(book) if message["To"] == FINANCE]
        assert len(alerts) == 1 and "3-mal in Folge fehlgeschlagen" in alerts[0]["Subject"]
        book.write_bytes(good)  # fixed
        traveller.shift(dt.timedelta(minutes=15))
        assert schedule.tick().error is None
    assert "not an Excel workbook" in caplog.text


@pytest.fixture(scope="module")
def dry_run_once(tmp_path_factory):
    """`arcollect schedule BOOK --once --dry-run` run once for the two tests that read what it printed and logged."""
    folder = tmp_path_factory.mktemp("dry_run_once")
    book = demo_book(folder)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["schedule", str(book), "--once", "--dry-run", "--now", "2026-11-24T10:00:00+00:00"])
    return folder, status, printed.getvalue()


def test_once_dry_run_prints_what_would_go_out_and_when(dry_run_once):
    folder, status, out = dry_run_once
    assert status == 0
    assert "Would send" in out and "Europe/Berlin" in out
    assert not (folder / "outbox").exists() or not list((folder / "outbox").glob("*.eml"))


def test_a_digest_tells_the_finance_contact_what_goes_out_before_a_time_zones_first_sends(tmp_path):
    book = demo_book(tmp_path, DigestLeadMinutes="60")
    with time_machine.travel(dt.datetime(2026, 11, 24, 7, 20, tzinfo=dt.UTC), tick=False) as traveller:
        schedule = Schedule(book)
        first = schedule.tick()  # 08:20 in Berlin: the 09:00 sends there are 40 minutes away
        assert "Europe/Berlin" in first.digests, first.digests
        traveller.shift(dt.timedelta(minutes=15))
        os.utime(book)  # someone saved the workbook: the next tick runs in full
        second = schedule.tick()
        assert second.ran and "Europe/Berlin" not in second.digests, "one digest per time zone and day"
    digests = [message for message in outbox(book) if message["To"] == FINANCE]
    berlin = [message for message in digests if "Europe/Berlin" in message["Subject"]]
    assert len(berlin) == 1 and "2026-11-24" in berlin[0]["Subject"]


def test_the_cli_logs_to_a_rotating_file_beside_the_workbook(dry_run_once):
    folder, status, _out = dry_run_once
    assert status == 0
    log = folder / "Receivables.schedule.log"
    assert log.exists() and " tick: " in log.read_text(encoding="utf-8")
