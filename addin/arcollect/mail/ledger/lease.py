"""One sender per ledger: a lease in the ledger itself, taken by `send`, the ribbon and the schedule.

    with ledger.hold("send", wait=120, waiting=print):     # waits for another run, or raises LedgerBusy
        reconcile(ledger, transport, now=now)
        dispatch(reminders, ledger, transport, now=now, rate_limit=30)

The lease is one row: the holder's token, host name, machine, process id, purpose, when it was taken and its last
heartbeat. While it is held a background thread renews it every third of its time to live (`ttl`), so a slow mail
server cannot make it lapse; the exactly-once gate (`Ledger.begin_send`) checks in the same transaction that the
lease is still this holder's, so a run that lost it (frozen for longer than the lease) stops before its next send.

When is a lease that somebody else holds over? Never because of what two computers' clocks say about each other:

- released by its holder → free at once;
- held by a process on this machine → over as soon as that process is gone (a crash or SIGKILL: the next run
  starts at once), or when its heartbeat is older than `ttl` by this machine's clock (a frozen process);
- held on another machine, with a PostgreSQL ledger → over when the server's clock says its last heartbeat is
  older than `ttl` (one clock, the server's, judges every client);
- held on another machine, with an SQLite ledger on a share → over when this process has watched the heartbeat
  not move for `ttl` seconds of its own monotonic clock. Clock skew between the machines does not matter.

A run that takes over an expired lease remembers whose it was (`Lease.took_over`): `reconcile` may trust the age of
that owner's in-doubt reminders, which is at least two thirds of `ttl` (the owner renewed every third).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcollect.mail.ledger.store import LedgerBusy, LedgerError, Store

logger = logging.getLogger(__name__)

DEFAULT_TTL = 180.0  # seconds; at least 1.5 × the Sent Items settle time of reconcile (2 minutes)
HOST_VARIABLE = "ARCOLLECT_HOSTNAME"


class LeaseLost(LedgerError):
    """This run's lease was taken over (it stalled past its time to live): it must stop sending."""


def host_name() -> str:
    """The name this computer gives in the lease: ARCOLLECT_HOSTNAME, else the network host name."""
    return os.environ.get(HOST_VARIABLE) or socket.gethostname()


def machine_id() -> str:
    """This computer, as precisely as it can be told apart: host name plus Linux's boot id (a restarted machine
    is a new one: no process of before the restart is alive). ARCOLLECT_HOSTNAME alone when set."""
    if os.environ.get(HOST_VARIABLE):
        return os.environ[HOST_VARIABLE]
    boot = Path("/proc/sys/kernel/random/boot_id")
    try:
        return f"{socket.gethostname()}:{boot.read_text().strip()}"
    except OSError:
        return socket.gethostname()


def process_alive(pid: int) -> bool:
    """True when process `pid` on this machine exists and is not a zombie; True when it cannot be told (safe)."""
    if pid <= 0:
        return False
    if sys.platform.startswith("win"):  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, for the sentence a waiting run prints."""

    host: str
    pid: int
    purpose: str
    since: str
    heartbeat: str

    def __str__(self) -> str:
        return f"{self.purpose} on {self.host} (process {self.pid}, since {self.since[:16].replace('T', ' ')} UTC)"


def _text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Lease:
    """The lease of one `Store`, held or not by this process; see the module docstring."""

    def __init__(self, store: Store, *, ttl: float = DEFAULT_TTL) -> None:
        self.store = store
        self.ttl = float(ttl)
        self.token: str | None = None
        self.purpose = ""
        self.took_over: str | None = None  # the token of an expired lease this one replaced
        self.lost = False
        self._seen: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._depth = 0
        self.host, self.machine, self.pid = host_name(), machine_id(), os.getpid()

    @property
    def held(self) -> bool:
        return self.token is not None and not self.lost

    # -- taking and giving back ------------------------------------------------------------------------------------

    def acquire(self, purpose: str, *, wait: float = 0.0, waiting: Callable[[str], None] | None = None) -> None:
        """Take the lease (re-entrant); wait up to `wait` seconds for another holder, telling `waiting` once."""
        if self.held:
            self._depth += 1
            return
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            holder = self._try(purpose)
            if holder is None:
                break
            if time.monotonic() >= deadline:
                raise LedgerBusy(
                    f"The ledger {self.store.where} is in use by {holder} — try again when it has finished",
                    holder=holder,
                )
            if waiting is not None and not told:
                waiting(f"Waiting for the ledger: it is in use by {holder}")
                told = True
            time.sleep(min(1.0, max(0.05, self.ttl / 10), max(0.0, deadline - time.monotonic())))
        self._depth = 1
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="arcollect-lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Give the lease back (when the outermost `acquire` is matched); a lost lease is simply forgotten."""
        if self.token is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        token, self.token = self.token, None
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    "UPDATE lease SET token = NULL, released_at = ? WHERE id = 1 AND token = ?",
                    (_text(self.store.clock()), token),
                )
        except LedgerError as error:  # the ledger went away under us: the lease lapses by itself
            logger.warning("Could not release the ledger lease: %s", error)
        self.lost = False

    def _try(self, purpose: str) -> Holder | None:
        """One attempt in one transaction: None when taken, else who holds it."""
        token = uuid.uuid4().hex
        with self.store.transaction() as tx:
            row = tx.execute("SELECT * FROM lease WHERE id = 1").fetchone()
            if row is not None and row["token"] and not self._expired(row):
                return Holder(row["host"], row["pid"], row["purpose"], row["acquired_at"], row["heartbeat_at"])
            now = _text(self.store.clock())
            values = (token, self.host, self.machine, self.pid, purpose, now, now, float(self.ttl))
            if row is None:
                tx.execute(
                    """INSERT INTO lease (id, token, host, machine, pid, purpose, acquired_at, heartbeat_at, beats,
                           ttl_seconds) VALUES (1, ?, ?, ?, ?, ?, ?, ?, 0, ?)""",
                    values,
                )
            else:
                tx.execute(
                    """UPDATE lease SET token = ?, host = ?, machine = ?, pid = ?, purpose = ?, acquired_at = ?,
                           heartbeat_at = ?, beats = 0, ttl_seconds = ?, released_at = NULL WHERE id = 1""",
                    values,
                )
        self.took_over = row["token"] if row is not None and row["token"] else None
        if self.took_over:
            logger.warning(
                "Took over the ledger lease of %s on %s (process %s): it had expired", row["purpose"], row["host"],
                row["pid"],
            )  # fmt: skip
        self.token, self.purpose, self.lost = token, purpose, False
        return None

    def _expired(self, row: dict[str, Any]) -> bool:
        ttl = float(row["ttl_seconds"] or self.ttl)
        beat = dt.datetime.fromisoformat(row["heartbeat_at"])
        if row["machine"] == self.machine:
            if not process_alive(int(row["pid"] or 0)):
                return True
            return (dt.datetime.now(dt.UTC) - beat).total_seconds() > ttl
        if self.store.shared_clock:
            return (self.store.clock() - beat).total_seconds() > ttl
        seen = (row["token"], int(row["beats"]))
        first = self._seen.setdefault(seen, time.monotonic())
        return time.monotonic() - first > ttl

    # -- while held ------------------------------------------------------------------------------------------------

    def _beat(self) -> None:
        interval = self.ttl / 3
        while not self._stop.wait(interval):
            token = self.token
            if token is None:
                return
            try:
                with self.store.transaction() as tx:
                    changed = tx.execute(
                        "UPDATE lease SET heartbeat_at = ?, beats = beats + 1 WHERE id = 1 AND token = ?",
                        (_text(self.store.clock()), token),
                    ).rowcount
            except (LedgerError, ValueError) as error:  # a closed store at shutdown, a lost share: try again
                logger.warning("Ledger lease heartbeat failed: %s", error)
                continue
            if not changed:
                logger.error("The ledger lease was taken over by another run; this run stops sending")
                self.lost = True
                return

    def check(self, tx: Any) -> None:
        """Inside a write transaction: raise `LeaseLost` unless the lease is still this holder's."""
        if self.token is None:
            return
        row = tx.execute("SELECT token FROM lease WHERE id = 1").fetchone()
        if row is None or row["token"] != self.token:
            self.lost = True
            raise LeaseLost(
                "This run's hold on the ledger was taken over by another run (it was stalled for longer than "
                f"{self.ttl:g} s); it stopped sending — the other run carries on"
            )

    def holder(self) -> Holder | None:
        """Who holds the lease now (this process included), or None."""
        row = self.store.query_one("SELECT * FROM lease WHERE id = 1")
        if row is None or not row["token"] or self._expired(row):
            return None
        return Holder(row["host"], row["pid"], row["purpose"], row["acquired_at"], row["heartbeat_at"])
