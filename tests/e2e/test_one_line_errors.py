"""Every bad input and fault of issue #15 ends in one plain line and a non-zero status, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from arcollect.cli import main, shell

from ..integration.workbooks import TUESDAY, customer, invoice, make_book
from ..servers.smtp import free_port

NOW = TUESDAY.isoformat()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setattr(shell, "console", Console(width=400, highlight=False))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("I-1", "C1", due="2026-11-10")])


def one_line(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    text = (captured.out + captured.err).strip()
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert status != 0 and len(lines) == 1, text
    return status, lines[0]


def test_new_into_a_missing_folder(tmp_path, capsys):
    _status, line = one_line(capsys, "new", str(tmp_path / "missing" / "Book.xlsx"))
    assert "does not exist — create it first" in line


def test_now_outside_the_supported_years(book, capsys):
    status, line = one_line(capsys, "refresh", str(book), "--now", "1000-01-01T00:00:00+00:00")
    assert status == 2 and "outside the years 1900 to 2200" in line


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("GraceDays", "1e300", "≤ 3650"),
        ("ScheduleEvery", "1e12", "≤ 1440"),
        ("SendRatePerMinute", "-5", "≥ 1"),
        ("LedgerUrl", "postgresql://ar:pw@db/x", "without the password"),
    ],
)
def test_config_refuses_out_of_range_values(book, capsys, key, value, expected):
    _status, line = one_line(capsys, "config", str(book), key, value)
    assert expected in line and "pw@" not in line


def test_config_keeps_none_as_a_value(book, capsys):
    assert main(["config", str(book), "SmtpSecurity", "none"]) == 0
    capsys.readouterr()
    assert main(["config", str(book), "SmtpSecurity"]) == 0
    assert "SmtpSecurity = none" in capsys.readouterr().out


def test_resolve_with_an_empty_key_is_refused(book, capsys):
    assert main(["send", str(book), "--now", NOW]) == 0
    _status, line = one_line(capsys, "ledger", "resolve", str(book), "", "--as", "failed")
    assert "too short to name a reminder" in line


def test_ledger_export_to_a_bad_path(book, capsys, tmp_path):
    (tmp_path / "a-file").write_text("x")
    _status, line = one_line(capsys, "ledger", "export", str(book), "--out", str(tmp_path / "a-file" / "x.csv"))
    assert "cannot be written" in line and "choose another --out" in line


def test_an_unusable_ledger_path(book, capsys, tmp_path):
    (tmp_path / "folder.sqlite").mkdir()
    assert main(["config", str(book), "LedgerPath", str(tmp_path / "folder.sqlite")]) == 0
    _status, line = one_line(capsys, "send", str(book), "--now", NOW)
    assert "ledger" in line.lower() and "folder.sqlite" in line


def test_an_unreachable_ledger_url_is_one_line_and_sends_nothing(book, capsys, tmp_path):
    """A shared PostgreSQL ledger (LedgerUrl) whose server does not answer: a port nothing listens on."""
    port = free_port()
    assert main(["config", str(book), "LedgerUrl", f"postgresql://ar@127.0.0.1:{port}/arcollect"]) == 0
    status, line = one_line(capsys, "send", str(book), "--now", NOW)
    assert status == 1 and "cannot be reached" in line and f"127.0.0.1:{port}" in line
    assert not (tmp_path / "outbox").exists() and not list(tmp_path.glob("*.ledger.sqlite*")), "nothing sent"


@pytest.fixture
def read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_workbook_on_a_read_only_file_system(read_only_folder, capsys):
    path = make_book(read_only_folder, customers=[customer("C1")], invoices=[invoice("I-1", "C1", due="2026-11-10")])
    main(["send", str(path), "--now", NOW])
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_folder)], check=True)
    _status, line = one_line(capsys, "config", str(path), "GraceDays", "3")
    assert "Read-only file system" in line


def test_schedule_prints_each_line_once_and_exits_0_on_sigterm_after_a_failed_tick(tmp_path):
    path = tmp_path / "Broken.xlsx"
    path.write_bytes(b"not a workbook at all")  # every tick fails to read it
    err = tmp_path / "schedule.err"
    with err.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "arcollect", "schedule", str(path), "--now", NOW],
            stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while "tick failed" not in err.read_text():
        assert time.monotonic() < deadline and process.poll() is None, err.read_text()
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    lines = [line.split(": ", 1)[-1] for line in err.read_text().splitlines() if "tick failed" in line]
    assert len(lines) == 1, err.read_text()
    assert "Traceback" not in err.read_text()
