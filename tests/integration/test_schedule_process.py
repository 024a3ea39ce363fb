"""`arcollect schedule` as a real process: one instance per workbook, SIGTERM and SIGKILL mid-send, restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from arcollect.book.reminder_log import reminder_log
from arcollect.book.settings import Settings
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import KEY_HEADER

from .test_schedule import demo_book

NOW = "2026-11-24T10:00:00+00:00"  # business hours in Europe: a couple of hundred reminders are due


class Run:
    """A running `arcollect schedule`, its output going to files: a pipe nobody reads fills up and blocks it."""

    def __init__(self, book: Path, *extra: str) -> None:
        self.out = book.parent / f"run-{time.monotonic_ns()}.out"
        self.err = self.out.with_suffix(".err")
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "arcollect", "schedule", str(book), "--now", NOW, *extra],
                stdout=out,
                stderr=err,
                text=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            )
        self.pid = self.process.pid

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def send_signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def output(self) -> tuple[str, str]:
        return self.out.read_text(), self.err.read_text()


def start(book: Path, *extra: str) -> Run:
    return Run(book, *extra)


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def eml_keys(book: Path) -> list[str]:
    parser = BytesParser(policy=policy.default)
    folder = book.parent / "outbox"
    return [parser.parsebytes(p.read_bytes(), headersonly=True)[KEY_HEADER] for p in folder.glob("*.eml")]


def ledger_states(book: Path) -> dict[str, str]:
    with Ledger(Settings().ledger_file(book)) as ledger:
        log = reminder_log(ledger.history())
    return dict(zip(log["idempotency_key"], log["state"], strict=True))


def test_one_instance_sigterm_and_sigkill_mid_send_then_restart_lose_and_double_nothing(tmp_path):
    book = demo_book(tmp_path)
    outbox = tmp_path / "outbox"

    first = start(book)
    wait_for(lambda: outbox.exists() and len(list(outbox.glob("*.eml"))) >= 10)
    # Frozen mid-send, holding its lock: however fast it sends, most of the reminders are still to go when the
    # second instance is refused and when SIGTERM comes (the restart below must find enough left to be killed in).
    first.send_signal(signal.SIGSTOP)
    second = start(book)
    second.wait(timeout=60)
    out, err = second.output()
    assert second.returncode == 1 and "already running" in out + err and str(first.pid) in out + err

    first.send_signal(signal.SIGTERM)
    first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=60) == 0, first.output()[1][-2000:]
    states = ledger_states(book)
    assert "sending" not in states.values() and "unknown" not in states.values()
    sent = {key for key, state in states.items() if state == "sent"}
    assert sorted(eml_keys(book)) == sorted(sent), "every sent row has its message, and no message is unrecorded"
    assert len(sent) > 0

    killed = start(book)
    before = len(sent)
    wait_for(lambda: len(list(outbox.glob("*.eml"))) >= before + 10)
    assert killed.process.poll() is None, "still sending when killed"
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL  # the kill landed: no clean-up ran

    finished = start(book, "--once")
    finished.wait(timeout=180)
    out, err = finished.output()
    assert finished.returncode == 0, err[-2000:]
    keys = eml_keys(book)
    assert len(keys) == len(set(keys)), "nothing doubled"
    states = ledger_states(book)
    assert set(states.values()) == {"sent"}, "nothing left in doubt or planned"
    assert set(keys) == set(states), "nothing lost"
