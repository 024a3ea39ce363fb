"""Exactly once under SIGKILL: a sender process killed at random points, then rerun, sends each reminder once.

Each test starts a real server on 127.0.0.1 in this process, runs `crash_sender.py` as a subprocess sending 1,000
reminders, kills it with SIGKILL as soon as the server has received a chosen number of messages (five different
points), and finally lets a run finish. What the server received is the judge.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from arcollect.book.reminder_log import reminder_log
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import KEY_HEADER

from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.smtp import SmtpServer
from ..servers.tls import ca_bundle

SENDER = Path(__file__).with_name("crash_sender.py")
COUNT = 1000
KILLS = 5


def run_sender(ledger: Path, spec: dict, *, kill_when=None, timeout: float = 240) -> str:
    """Run the sender; with `kill_when`, SIGKILL it as soon as kill_when() is true. Returns its output."""
    process = subprocess.Popen(
        [sys.executable, str(SENDER), str(ledger), json.dumps(spec), str(COUNT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    deadline = time.monotonic() + timeout
    while kill_when is not None and process.poll() is None:
        if kill_when():
            os.kill(process.pid, signal.SIGKILL)
            break
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the sender never reached the kill point")
        time.sleep(0.005)
    out, err = process.communicate(timeout=timeout)
    if kill_when is None:
        assert process.returncode == 0, err[-2000:]
    else:  # the sender must have died of the SIGKILL, not finished (or failed) before it came
        assert process.returncode == -signal.SIGKILL, f"exit {process.returncode}, not killed: {err[-2000:]}"
    return out


def crash_five_times_then_finish(ledger: Path, spec: dict, received_count) -> str:
    points = sorted(random.Random(4711).sample(range(20, COUNT - 20), KILLS))
    for point in points:
        run_sender(ledger, spec, kill_when=lambda point=point: received_count() >= point)
    return run_sender(ledger, spec)


def outbox_keys(folder: Path) -> list[str]:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes(), headersonly=True)[KEY_HEADER] for path in folder.glob("*.eml")]


def eml_count(folder: Path) -> int:
    """How many `*.eml` files the outbox holds (what `len(list(folder.glob("*.eml")))` counts), without a Path per
    file: the kill condition is polled every 5 ms while up to 1,000 messages arrive, beside the sender's own work."""
    try:
        with os.scandir(folder) as entries:
            return sum(1 for entry in entries if entry.name.endswith(".eml") and not entry.name.startswith("."))
    except FileNotFoundError:  # the sender has not made the folder yet
        return 0


def test_outbox_killed_five_times_delivers_each_reminder_exactly_once(tmp_path):
    folder = tmp_path / "outbox"
    spec = {"kind": "outbox", "args": [str(folder)]}
    out = crash_five_times_then_finish(tmp_path / "ledger.sqlite", spec, lambda: eml_count(folder))
    keys = outbox_keys(folder)
    assert len(keys) == COUNT and len(set(keys)) == COUNT
    assert "unknown=0" in out
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert set(reminder_log(ledger.history())["state"]) == {"sent"}


def test_graph_killed_five_times_delivers_each_reminder_exactly_once(tmp_path):
    with GraphServer() as graph:
        spec = {
            "kind": "graph",
            "args": [graph.mailbox],
            "kwargs": {
                "tenant_id": graph.tenant, "client_id": graph.client_id, "client_secret": graph.client_secret,
                "authority": graph.authority, "endpoint": graph.endpoint, "verify": ca_bundle(),
            },
        }  # fmt: skip
        out = crash_five_times_then_finish(tmp_path / "ledger.sqlite", spec, lambda: len(graph.received))
        keys = graph.keys()
    assert len(keys) == COUNT and len(set(keys)) == COUNT, "each key arrives exactly once"
    assert "unknown=0" in out


def test_smtp_killed_five_times_never_sends_twice_and_lists_what_it_cannot_know(tmp_path):
    with SmtpServer(users={"ar": "pw"}) as server:
        spec = {
            "kind": "smtp",
            "args": [server.host, server.port],
            "kwargs": {"username": "ar", "password": "pw", "verify": ca_bundle(), "timeout": 10},
        }
        crash_five_times_then_finish(tmp_path / "ledger.sqlite", spec, lambda: len(server.messages))
        received = server.keys()
    assert max(received.values()) == 1, "no reminder arrived twice"
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        unknown = {entry.key for entry in ledger.in_doubt()}
        states = reminder_log(ledger.history()).set_index("idempotency_key")["state"]
    assert set(states[states == "unknown"].index) == unknown
    # each reminder's result is recorded the moment the server answers: a kill leaves at most the one in flight
    assert len(unknown) <= KILLS, f"{len(unknown)} in doubt after {KILLS} kills"
    assert set(states.index) == set(received) | unknown
    assert (states[list(set(received) - unknown)] == "sent").all()


def test_ews_killed_five_times_delivers_each_reminder_exactly_once(tmp_path):
    with EwsServer(tls=True, users={"svc-ar": "pw"}) as ews:
        spec = {
            "kind": "ews",
            "args": [ews.url],
            "kwargs": {
                "mailbox": ews.mailbox, "auth": "basic", "username": "svc-ar", "password": "pw",
                "verify": ca_bundle(), "chunk_size": 10,
            },
        }  # fmt: skip
        out = crash_five_times_then_finish(tmp_path / "ledger.sqlite", spec, lambda: len(ews.received))
        keys = [item.key for item in ews.received]
    assert len(keys) == COUNT and len(set(keys)) == COUNT, "each key arrives exactly once"
    assert "unknown=0" in out
