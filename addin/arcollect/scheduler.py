"""Unattended reminders: `arcollect schedule PATH` sends what is due, in each customer's own business hours.

    schedule = Schedule(Path("Receivables.xlsx"))
    schedule.run()              # until SIGTERM / Ctrl-C; `schedule.run(once=True)` for cron or Task Scheduler

Every `ScheduleEvery` minutes (default 15) a tick reads the workbook from disk — so edits made in Excel are picked
up, even while Excel has it open — and runs `arcollect.run.collect(..., send=True)`, which sends only the
reminders whose send time (the customer's local business hours on a local business day) has come. Results go to
the ledger and to a side file ``<workbook>.schedule.xlsx`` (ReminderQueue, ReminderLog, Exceptions) — never into
the workbook itself, which a person may have open; the next ribbon Refresh pulls the ledger into ReminderLog.

A tick that can change nothing is skipped and only logged as alive: the workbook is unchanged, no planned send
time has come, no customer's local date has turned since the last full tick and no new bank statement lies in the
BankFolder. Every run reads that folder first (`bank.inbox`), and again right before sending, so a payment booked
at 09:00 stops the 10:00 reminder. Intended behaviour around
failures and stops:

- One schedule per workbook: a lock file beside the ledger; a second start is refused and names the holder.
- One sender per ledger: a tick that sends holds the ledger's lease (`arcollect.mail.ledger.lease`), like a manual
  `arcollect send` or the ribbon. When another run holds it, the tick waits up to `LEASE_WAIT` seconds, then is
  skipped (logged with who holds it) — not counted as a failure — and the next tick tries again.
- SIGTERM / SIGINT: the chunk in flight is finished and recorded, then the process exits 0. A kill (SIGKILL) at
  any point leaves at most one chunk in doubt, which the next tick reconciles before sending anything.
- A failing tick (workbook unreadable, mail server down) is logged; the next tick tries again. After
  `FailureAlertAfter` failures in a row the finance contact gets one email — not one per tick — and another
  only after a tick has succeeded again.
- With `DigestLeadMinutes` > 0, before the first sends of a day in a time zone the finance contact gets a digest
  of what will go out there and when, so a hold can still be put in the workbook in time.
- The digest and the alert are templates (`schedule_digest`, `schedule_alert`: HTML and plain text) rendered like
  reminders, in `FinanceLanguage` (en, de and fr are built in; other languages get English), and a user's
  `TemplateDir` may override them.

Time is injectable (`clock`, `sleep`): the tests drive a simulated week without waiting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import schedule as schedule_package
from filelock import FileLock, Timeout

from arcollect.bank import inbox
from arcollect.book import read, settings, template, write
from arcollect.engine import dunning
from arcollect.errors import ArcollectError
from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import LedgerBusy, identity, locate
from arcollect.mail.message import Reminder, idempotency_key
from arcollect.mail.render import Renderer
from arcollect.mail.transports import Transport, from_settings
from arcollect.run import RunReport, collect
from arcollect.schema import Queue

logger = logging.getLogger(__name__)
RESULT_SHEETS = ("ReminderQueue", "ReminderLog", "Exceptions")
LEASE_WAIT = 30.0  # seconds a tick waits for another sender (a manual send, the ribbon) before it is skipped
DIGEST_LEVEL, ALERT_LEVEL = 98, 97  # ledger levels of the schedule's own emails to the finance contact
DIGEST_TEMPLATE, ALERT_TEMPLATE = "schedule_digest", "schedule_alert"  # templates/<language>/<name>.{html,txt}.j2


class AlreadyRunning(ArcollectError):
    """Another schedule holds this workbook's lock."""


@dataclass
class Tick:
    """What one tick did."""

    at: dt.datetime
    ran: bool
    report: RunReport | None = None
    error: str | None = None
    digests: list[str] = field(default_factory=list)


@dataclass
class _State:
    """What survives between ticks of one process (and is cheap to rebuild after a restart)."""

    stamp: tuple[float, int] | None = None
    next_due: dt.datetime | None = None
    local_dates: dict[str, dt.date] = field(default_factory=dict)
    failures: int = 0
    alerted: bool = False


class Schedule:
    """The unattended runner of one workbook; see the module docstring."""

    def __init__(
        self,
        workbook: Path,
        *,
        dry_run: bool = False,
        transport: Transport | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.workbook = Path(workbook)
        self.dry_run = dry_run
        self._transport = transport
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.sleep = sleep or self._nap
        self.stopping = False
        self._last_settings: settings.Settings | None = None
        self.state = _State()
        self.ticks: list[Tick] = []

    # ---- the loop ------------------------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Tick now and then every ScheduleEvery minutes until stopped; returns the exit status (0)."""
        config = self._settings()
        with self._lock(config):
            previous = self._install_signal_handlers()
            try:
                self.tick()
                if once:
                    return 0
                every = max(1, int(config.schedule_every if config else 15))
                scheduler = schedule_package.Scheduler()
                scheduler.every(every).minutes.do(self.tick)
                logger.info("Schedule of %s: a tick every %d minutes", self.workbook.name, every)
                while not self.stopping:
                    scheduler.run_pending()
                    idle = scheduler.idle_seconds
                    self.sleep(max(0.0, idle if idle is not None else 1.0))
            finally:
                self._restore_signal_handlers(previous)
        logger.info("Schedule of %s stopped", self.workbook.name)
        return 0

    def tick(self) -> Tick:
        """One tick: skip cheaply when nothing can have changed, else collect (and send) and write the side file."""
        now = self.clock()
        if not self._worth_a_run(now):
            logger.info("%s alive — nothing due until %s", now.strftime("%a %H:%M UTC"), self._next_due_text())
            tick = Tick(now, ran=False)
            self.ticks.append(tick)
            return tick
        try:
            report = self._collect(now)
        except LedgerBusy as busy:  # one line naming who sends; not a failure — the next tick tries again
            who = f"the ledger is in use by {busy.holder}" if busy.holder else str(busy)
            logger.info("%s tick skipped: %s — the next tick tries again", now.strftime("%a %H:%M UTC"), who)
            tick = Tick(now, ran=False)
            self.ticks.append(tick)
            return tick
        except Exception as error:  # one line in the log, never a traceback on the console; the next tick retries
            logger.debug("The tick failed", exc_info=True)
            tick = self._failed(now, error)
        else:
            tick = Tick(now, ran=True, report=report)
            self._succeeded(now, report)
            tick.digests = self._digests(now, report)
            logger.info(
                "%s tick: sent %d, waiting for business hours %d, held %d%s",
                now.strftime("%a %H:%M UTC"), len(report.sent), report.count(dunning.SCHEDULED),
                report.count(dunning.HELD), f", {len(report.unknown)} in doubt" if report.unknown else "",
            )  # fmt: skip
        self.ticks.append(tick)
        return tick

    def _nap(self, seconds: float) -> None:
        """Sleep until the next tick, a second at a time, so a stop request is honoured within a second."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    # ---- one tick ------------------------------------------------------------------------------------------

    def _collect(self, now: dt.datetime) -> RunReport:
        report = collect(
            self.workbook,
            now=now,
            send=not self.dry_run,
            transport=self._transport,
            write_back=False,
            side_effects=not self.dry_run,  # credit holds and case files from the ledger: the schedule writes them too
            stop=lambda: self.stopping,
            purpose="schedule",
            lease_wait=LEASE_WAIT,
        )
        changed = report.sent or report.failed or report.unknown or not self.results_file.exists()
        if changed and not self.dry_run:
            self._write_results(report)
        return report

    def _write_results(self, report: RunReport) -> None:
        """The side file: a small workbook with what the schedule did (queue, log, problems), not a copy of the
        user's workbook — writing that every tick would cost seconds and the next Refresh rebuilds it anyway."""
        if not self.results_file.exists():
            template.build(self.results_file)
        write.write_tables(self.results_file, {name: report.outputs[name] for name in RESULT_SHEETS})

    @property
    def results_file(self) -> Path:
        return self.workbook.with_name(f"{self.workbook.stem}.schedule.xlsx")

    def _worth_a_run(self, now: dt.datetime) -> bool:
        state = self.state
        stamp = self._stamp()
        if state.stamp is None or stamp != state.stamp or state.failures:
            return True
        if inbox.new_files(self.workbook, self._last_settings):  # a bank statement arrived: the run reads it
            return True
        if state.next_due is not None and now >= state.next_due:
            return True
        return any(now.astimezone(ZoneInfo(zone)).date() != day for zone, day in state.local_dates.items())

    def _succeeded(self, now: dt.datetime, report: RunReport) -> None:
        state = self.state
        state.stamp, state.failures, state.alerted = self._stamp(), 0, False
        queue = report.queue
        waiting = queue[queue[Queue.STATE] == dunning.SCHEDULED] if not queue.empty else queue
        send_times = pd.to_datetime(waiting[Queue.SEND_AT_UTC], utc=True) if not waiting.empty else pd.Series()
        state.next_due = send_times.min().to_pydatetime() if len(send_times.dropna()) else None
        state.local_dates = {zone: now.astimezone(ZoneInfo(zone)).date() for zone in report.time_zones}

    def _failed(self, now: dt.datetime, error: Exception) -> Tick:
        state = self.state
        state.failures += 1
        reason = str(error) if isinstance(error, ArcollectError | OSError) else f"{type(error).__name__}: {error}"
        logger.error("%s tick failed (%d in a row): %s", now.strftime("%a %H:%M UTC"), state.failures, reason)
        config = self._settings()
        limit = config.failure_alert_after if config else 3
        if limit and state.failures >= limit and not state.alerted:
            state.alerted = self._alert(now, config, reason)
        return Tick(now, ran=True, error=reason)

    def _stamp(self) -> tuple[float, int] | None:
        try:
            info = self.workbook.stat()
        except OSError:
            return None
        return (info.st_mtime, info.st_size)

    def _next_due_text(self) -> str:
        due = self.state.next_due
        return due.strftime("%a %Y-%m-%d %H:%M UTC") if due else "a customer's date turns"

    # ---- emails to the finance contact ---------------------------------------------------------------------

    def _digests(self, now: dt.datetime, report: RunReport) -> list[str]:
        """A digest per time zone whose first sends of the day are within DigestLeadMinutes."""
        config = self._settings()
        if not config or not config.digest_lead_minutes or not config.finance_contact or report.queue.empty:
            return []
        queue = report.queue
        waiting = queue[queue[Queue.STATE] == dunning.SCHEDULED].copy()
        if waiting.empty:
            return []
        waiting["_at"] = pd.to_datetime(waiting[Queue.SEND_AT_UTC], utc=True)
        horizon = pd.Timestamp(now) + pd.Timedelta(minutes=config.digest_lead_minutes)
        soon = waiting[waiting["_at"] <= horizon]
        sent = []
        for zone, rows in soon.groupby(dunning.TIME_ZONE):
            local_day = rows["_at"].min().tz_convert(zone).date()
            lines = [
                {"customer": str(row[Queue.CUSTOMER_NAME]), "level": str(row[Queue.LEVEL_NAME]),
                 "at": str(row[Queue.SEND_AT_LOCAL])}
                for row in rows.sort_values("_at").to_dict("records")
            ]  # fmt: skip
            context = {"workbook": self.workbook.name, "zone": zone, "day": local_day, "rows": lines}
            key = idempotency_key("digest", DIGEST_LEVEL, [zone], local_day)
            if self._email(now, config, key, DIGEST_LEVEL, DIGEST_TEMPLATE, context) == "sent":
                sent.append(zone)
        return sent

    def _alert(self, now: dt.datetime, config: settings.Settings | None, reason: str) -> bool:
        if not config or not config.finance_contact:
            logger.error("No FinanceContact in Settings: nobody can be told that the schedule keeps failing")
            return True
        key = idempotency_key("alert", ALERT_LEVEL, [self.workbook.name, now.isoformat()], now.date())
        context = {
            "workbook": self.workbook.name,
            "failures": self.state.failures,
            "reason": reason,
            "at": now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
        outcome = self._email(now, config, key, ALERT_LEVEL, ALERT_TEMPLATE, context)
        return outcome != "failed"

    def _email(
        self, now: dt.datetime, config: settings.Settings, key: str, level: int, name: str, context: dict[str, Any]
    ) -> str:
        """Render template `name` in FinanceLanguage (the user's TemplateDir first, as for reminders) and send it
        to the finance contact once (ledger key): "sent", "already" (sent before) or "failed"."""
        try:
            rendered = Renderer(_template_dirs(config, self.workbook)).render(name, config.finance_language, context)
        except ArcollectError as error:
            logger.error("Could not write the email to %s: %s", config.finance_contact, error)
            return "failed"
        reminder = Reminder(
            key=key, customer_id="arcollect", level=level, template=name, language=rendered.language,
            sender=config.sender_mailbox or "reminders@arcollect.invalid", to=(config.finance_contact,), cc=(),
            reply_to=None, subject=rendered.subject, html=rendered.html, text=rendered.text,
        )  # fmt: skip
        if self.dry_run:
            logger.info("Dry run: would email %s: %s", config.finance_contact, rendered.subject)
            return "sent"
        try:
            transport = self._transport or from_settings(config, self.workbook)
            stamp = identity.read_stamp(self.workbook)
            with locate.open_for(self.workbook, config, stamp=stamp, sent_in_log=0) as ledger:
                outcome = dispatch([reminder], ledger, transport, now=now, rate_limit=config.send_rate_per_minute)
        except ArcollectError as error:
            logger.error("Could not email %s: %s", config.finance_contact, error)
            return "failed"
        return "sent" if outcome.sent else "already" if outcome.skipped else "failed"

    # ---- process plumbing ----------------------------------------------------------------------------------

    def _settings(self) -> settings.Settings | None:
        """The workbook's settings; while the workbook cannot be read, the last ones that could."""
        try:
            tables, _problems = read.read(self.workbook)
        except (ArcollectError, OSError):
            return self._last_settings
        self._last_settings = settings.parse_settings(tables["Settings"])[0]
        return self._last_settings

    def _lock(self, config: settings.Settings | None) -> Any:
        ledger = (config or settings.Settings()).ledger_file(self.workbook)
        lock_path = ledger.with_name(ledger.name + ".lock")
        holder_path = ledger.with_name(ledger.name + ".holder")
        lock = FileLock(lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            holder = holder_path.read_text(encoding="utf-8") if holder_path.exists() else "another process"
            raise AlreadyRunning(f"The schedule of {self.workbook.name} is already running ({holder})") from None
        holder_path.write_text(
            json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": self.clock().isoformat()}),
            encoding="utf-8",
        )
        return _Held(lock, holder_path)

    def _install_signal_handlers(self) -> dict[int, Any]:
        previous = {}

        def stop(signum: int, _frame: Any) -> None:
            logger.info("Signal %d: finishing the reminder in flight, then stopping", signum)
            self.stopping = True

        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError):  # not the main thread: the caller stops us through `stopping`
                previous[signum] = signal.signal(signum, stop)
        return previous

    @staticmethod
    def _restore_signal_handlers(previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _template_dirs(config: settings.Settings, workbook: Path) -> list[Path] | None:
    folder = config.template_folder(workbook)
    return [folder] if folder else None


class _Held:
    """The schedule's lock, released (and its holder note removed) on exit."""

    def __init__(self, lock: FileLock, holder: Path) -> None:
        self.lock, self.holder = lock, holder

    def __enter__(self) -> _Held:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.holder.unlink(missing_ok=True)
        self.lock.release()


def configure_logging(workbook: Path) -> None:
    """Log to a rotating file beside the workbook and to stderr."""
    log_file = Path(workbook).with_name(f"{Path(workbook).stem}.schedule.log")
    handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):  # the CLI's own console handler: each line is printed once, not twice
        if isinstance(old, logging.StreamHandler) and not isinstance(old, logging.FileHandler):
            root.removeHandler(old)
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.addHandler(console)


# ---- installing it as a service ----------------------------------------------------------------------------


def task_scheduler_xml(workbook: Path, python: str = sys.executable, every_minutes: int = 15) -> str:
    """A Windows Task Scheduler task (import with `schtasks /Create /XML file /TN arcollect`) that starts
    `arcollect schedule --once` every `every_minutes` minutes, whether or not the user is logged on."""
    command = html.escape(python)
    arguments = html.escape(f'-m arcollect schedule "{Path(workbook).resolve()}" --once')
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Description>arcollect: send the reminders that are due</Description></RegistrationInfo>
  <Triggers>
    <TimeTrigger>
      <Repetition><Interval>PT{int(every_minutes)}M</Interval><StopAtDurationEnd>false</StopAtDurationEnd></Repetition>
      <StartBoundary>2026-01-01T00:00:00</StartBoundary>
      <Enabled>true</Enabled>
    </TimeTrigger>
  </Triggers>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec><Command>{command}</Command><Arguments>{arguments}</Arguments></Exec>
  </Actions>
</Task>
"""


def systemd_unit(workbook: Path, python: str = sys.executable) -> str:
    """A systemd user service (`~/.config/systemd/user/arcollect.service`) running the schedule continuously."""
    return f"""[Unit]
Description=arcollect: send the reminders that are due ({Path(workbook).name})
After=network-online.target

[Service]
Type=simple
ExecStart="{python}" -m arcollect schedule "{Path(workbook).resolve()}"
Restart=on-failure
RestartSec=60
KillSignal=SIGTERM
TimeoutStopSec=120

[Install]
WantedBy=default.target
"""
