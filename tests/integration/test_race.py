"""One sender per ledger (#15): senders racing for one ledger — together, staggered, on two "machines" with skewed
clocks, killed — deliver each reminder exactly once, counted where it arrives: the real local SMTP, Graph and EWS
servers and the outbox folder. The same runs against a shared ledger on a real PostgreSQL server.

Each sender is a separate process (`crash_sender.py`) sending the same 25 reminders; the servers answer slowly
enough (20–40 ms a message) that the senders' sends would overlap if nothing kept them apart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from arcollect.book.reminder_log import reminder_log
from arcollect.mail.ledger import Ledger
from arcollect.mail.ledger.postgres import PostgresStore
from arcollect.mail.message import KEY_HEADER

from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.postgres import PostgresServer
from ..servers.smtp import SmtpServer
from ..servers.tls import ca_bundle
from .crash_sender import reminders

SENDER = Path(__file__).with_name("crash_sender.py")
COUNT = 25
KEYS = {reminder.key for reminder in reminders(COUNT)}


class Sender:
    """A sender process with its output in a file (a pipe nobody reads would block it)."""

    def __init__(self, ledger: str, spec: dict, folder: Path, *, host: str, count: int = COUNT, **env: str) -> None:
        self.out = folder / f"{host}-{time.monotonic_ns()}.out"
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "ARCOLLECT_HOSTNAME": host, **env}
        with self.out.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(SENDER), ledger, json.dumps(spec), str(count)],
                stdout=out, stderr=subprocess.STDOUT, text=True, env=environment,
            )  # fmt: skip

    def finish(self, timeout: float = 120) -> str:
        self.process.wait(timeout=timeout)
        text = self.out.read_text()
        assert self.process.returncode == 0, text[-3000:]
        return text

    def holding(self) -> bool:
        return "holding the lease" in self.out.read_text()


def sent_count(output: str) -> int:
    return int(output.split("done sent=")[1].split()[0])


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def receiver(kind: str, folder: Path, latency: float = 0.03) -> Iterator[tuple[dict, Callable[[], list[str]]]]:
    """The transport spec for a sender and a function listing the keys that arrived, in arrival order."""
    if kind == "outbox":
        outbox = folder / "outbox"
        parser = BytesParser(policy=policy.default)
        parsed: dict[tuple[str, int, int], str] = {}  # (name, mtime, size) → its key: each file parsed once

        def arrived() -> list[str]:
            files = list(outbox.glob("*.eml")) if outbox.exists() else []
            keys = []
            for path in files:  # wait_for polls this every 10 ms while the messages arrive
                info = path.stat()
                stamp = (path.name, info.st_mtime_ns, info.st_size)
                if stamp not in parsed:
                    parsed[stamp] = str(parser.parsebytes(path.read_bytes(), headersonly=True)[KEY_HEADER])
                keys.append(parsed[stamp])
            return keys

        yield {"kind": "outbox", "args": [str(outbox)]}, arrived
    elif kind == "smtp":
        with SmtpServer(users={"ar": "pw"}) as server:
            server.latency = latency
            spec = {"kind": "smtp", "args": [server.host, server.port],
                    "kwargs": {"username": "ar", "password": "pw", "verify": ca_bundle(), "timeout": 10}}  # fmt: skip
            yield spec, lambda: [message.key for message in list(server.messages)]
    elif kind == "graph":
        with GraphServer(latency=latency) as graph:
            spec = {"kind": "graph", "args": [graph.mailbox], "kwargs": {
                "tenant_id": graph.tenant, "client_id": graph.client_id, "client_secret": graph.client_secret,
                "authority": graph.authority, "endpoint": graph.endpoint, "verify": ca_bundle()}}  # fmt: skip
            yield spec, lambda: [item.key for item in list(graph.received)]
    else:
        with EwsServer(tls=True, users={"svc-ar": "pw"}, latency=latency + 0.01) as ews:
            spec = {"kind": "ews", "args": [ews.url], "kwargs": {
                "mailbox": ews.mailbox, "auth": "basic", "username": "svc-ar", "password": "pw",
                "verify": ca_bundle(), "chunk_size": 1}}  # fmt: skip
            yield spec, lambda: [item.key for item in list(ews.received)]


def assert_each_once(keys: list[str]) -> None:
    counts = Counter(keys)
    assert set(counts) == KEYS, f"{len(KEYS - set(counts))} never arrived"
    assert max(counts.values()) == 1, f"delivered twice: {[key[:12] for key, n in counts.items() if n > 1]}"


# the same races on both stores: SQLite beside the workbook and the shared PostgreSQL ledger (LedgerUrl)
STORES = [
    pytest.param(store, kind, id=f"{store}-{kind}")
    for store in ("sqlite", "postgres")
    for kind in ("outbox", "smtp", "graph", "ews")
]


def ledger_for(store: str, name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ledger the senders share: a SQLite file, or a fresh schema `name` on the module's PostgreSQL server."""
    if store == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return request.getfixturevalue("postgres").database(name)


@pytest.mark.parametrize(("store", "kind"), STORES)
def test_two_senders_started_together_deliver_each_reminder_once(store, kind, request, tmp_path):
    ledger = ledger_for(store, f"together_{kind}", request, tmp_path)
    with receiver(kind, tmp_path) as (spec, arrived):
        first = Sender(ledger, spec, tmp_path, host="pc-ar1")
        second = Sender(ledger, spec, tmp_path, host="pc-ar2", SENDER_SKEW="180")  # its clock 3 minutes ahead
        outputs = [first.finish(), second.finish()]
        assert_each_once(arrived())
    assert sorted(sent_count(output) for output in outputs) == [0, COUNT], "one sent everything, the other none"


@pytest.mark.parametrize(("store", "kind"), STORES)
def test_a_second_sender_started_mid_send_waits_and_sends_nothing_twice(store, kind, request, tmp_path):
    ledger = ledger_for(store, f"staggered_{kind}", request, tmp_path)
    with receiver(kind, tmp_path) as (spec, arrived):
        first = Sender(ledger, spec, tmp_path, host="pc-ar1")
        wait_for(lambda: len(arrived()) >= 5)
        second = Sender(ledger, spec, tmp_path, host="pc-ar2", SENDER_SKEW="-180")  # 3 minutes behind
        first_out, second_out = first.finish(), second.finish()
        assert_each_once(arrived())
    assert sent_count(first_out) == COUNT and sent_count(second_out) == 0


def test_a_sender_that_cannot_wait_is_told_who_holds_the_ledger(tmp_path):
    ledger = str(tmp_path / "ledger.sqlite")
    with receiver("graph", tmp_path, latency=0.5) as (spec, arrived):  # the first one sends for 12 s
        first = Sender(ledger, spec, tmp_path, host="pc-ar1")
        wait_for(lambda: len(arrived()) >= 2)
        second = Sender(ledger, spec, tmp_path, host="pc-ar2", SENDER_WAIT="0")
        second.process.wait(timeout=60)
        first.finish()
        assert_each_once(arrived())
    assert second.process.returncode != 0
    assert "in use by send on pc-ar1 (process" in second.out.read_text()


# ---- a shared ledger on PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


def test_postgres_two_machines_with_skewed_clocks_deliver_each_reminder_once(postgres, tmp_path):
    url = postgres.database("race_together")
    with receiver("graph", tmp_path) as (spec, arrived):
        senders = [
            Sender(url, spec, tmp_path, host="pc-ar1", SENDER_SKEW="-180"),
            Sender(url, spec, tmp_path, host="pc-ar2", SENDER_SKEW="180"),
        ]
        outputs = [sender.finish() for sender in senders]
        assert_each_once(arrived())
    assert sorted(sent_count(output) for output in outputs) == [0, COUNT]


@pytest.mark.parametrize("kind", ["smtp", "graph"])
def test_postgres_ledger_sender_killed_on_one_machine_is_finished_by_another_exactly_once(kind, postgres, tmp_path):
    url = postgres.database(f"kill_{kind}")
    with receiver(kind, tmp_path) as (spec, arrived):
        killed = Sender(url, spec, tmp_path, host="pc-ar1", SENDER_TTL="2")
        wait_for(lambda: len(arrived()) >= 8)
        os.kill(killed.process.pid, signal.SIGKILL)
        killed.process.wait(timeout=30)
        taking_over = Sender(url, spec, tmp_path, host="pc-ar2", SENDER_SKEW="180", SENDER_TTL="2")
        output = taking_over.finish()
        keys = arrived()
    counts = Counter(keys)
    assert max(counts.values()) == 1, "nothing arrived twice"
    with Ledger(PostgresStore(url)) as ledger:
        in_doubt = [entry.key for entry in ledger.in_doubt()]
        states = Counter(reminder_log(ledger.history())["state"])
    if kind == "graph":  # the Sent Items lookup settles the one in flight
        assert set(counts) == KEYS and not in_doubt and "unknown=0" in output
    else:  # SMTP cannot look up what it sent: at most the one in flight is left for a person
        assert len(in_doubt) <= 1 and set(counts) | set(in_doubt) == KEYS
    assert states["sent"] == len(set(counts) - set(in_doubt)), "every arrival not in doubt is recorded sent"


def test_postgres_ledger_killed_five_times_delivers_each_reminder_exactly_once(postgres, tmp_path):
    url = postgres.database("kill_outbox")
    count = 60
    with receiver("outbox", tmp_path) as (spec, arrived):
        for point in (6, 18, 30, 42, 54):
            sender = Sender(url, spec, tmp_path, host="pc-ar1", count=count)
            wait_for(lambda point=point: len(arrived()) >= point)
            os.kill(sender.process.pid, signal.SIGKILL)
            sender.process.wait(timeout=30)
        output = Sender(url, spec, tmp_path, host="pc-ar1", count=count).finish()
        keys = arrived()
    assert len(keys) == count and len(set(keys)) == count and "unknown=0" in output


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_schedule_and_a_manual_send_started_together_deliver_each_reminder_once(store, request, tmp_path):
    """`arcollect schedule --once` and `arcollect send` of one workbook at the same moment, through the CLI; with
    postgres the workbook's Settings name the shared ledger (LedgerUrl) and no SQLite ledger appears beside it."""
    from .workbooks import TUESDAY, customer, invoice, make_book

    count = 20
    url = request.getfixturevalue("postgres").database("schedule_send") if store == "postgres" else ""
    with SmtpServer(users={"ar": "pw"}) as server:
        server.latency = 0.05
        settings = {"Transport": "smtp", "SmtpHost": server.host, "SmtpPort": str(server.port), "SmtpUser": "ar"}
        book = make_book(
            tmp_path,
            customers=[customer(f"C{number}") for number in range(count)],
            invoices=[invoice(f"I-{number}", f"C{number}", due="2026-11-10") for number in range(count)],
            settings={**settings, **({"LedgerUrl": url} if url else {})},
        )
        environment = {
            **os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "ARCOLLECT_SMTP_PASSWORD": "pw",
            "ARCOLLECT_CA_BUNDLE": ca_bundle(),
        }  # fmt: skip
        now = TUESDAY.isoformat()
        runs = []
        for name, command in (("schedule", ["schedule", str(book), "--once"]), ("send", ["send", str(book)])):
            out = (tmp_path / f"{name}.out").open("w")
            runs.append(subprocess.Popen(
                [sys.executable, "-m", "arcollect", *command, "--now", now], stdout=out, stderr=subprocess.STDOUT,
                env=environment,
            ))  # fmt: skip
        statuses = [run.wait(timeout=180) for run in runs]
        keys = server.keys()
    outputs = {name: (tmp_path / f"{name}.out").read_text() for name in ("schedule", "send")}
    assert statuses == [0, 0], outputs
    assert len(keys) == count and set(keys.values()) == {1}, "each reminder arrived once"
    if url:
        with Ledger(PostgresStore(url)) as ledger:
            assert Counter(entry.state for entry in ledger.history()) == {"sent": count}, "in the shared ledger"
        ledger_file = book.with_name(f"{book.stem}.ledger.sqlite")  # (the schedule's own lock file may sit beside it)
        assert not ledger_file.exists(), "LedgerUrl set: no SQLite ledger beside the workbook"
