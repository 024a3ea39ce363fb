"""A sender process for the crash tests: plan N reminders, reconcile what is in doubt, send the rest.

    python tests/integration/crash_sender.py LEDGER TRANSPORT_JSON COUNT

TRANSPORT_JSON names the transport class and its arguments, e.g.
``{"kind": "outbox", "args": ["/tmp/outbox"], "kwargs": {}}``. The reminders are the same on every run (keys
derived from their number), so a run killed half-way and started again must finish the job without sending any
reminder twice. Prints one line ``done sent=… unknown=…`` when it finishes.

LEDGER is an SQLite file or a ``postgresql://`` URL. The race tests run several of these at once as different
"machines": ``ARCOLLECT_HOSTNAME`` names the machine, ``SENDER_SKEW`` (seconds) moves this process's whole clock
(time-machine: datetime, time.time), ``SENDER_WAIT`` is how long it waits for another sender's lease (default 120)
and ``SENDER_TTL`` the lease's time to live.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys

from arcollect.mail.dispatch import dispatch
from arcollect.mail.ledger import Ledger, reconcile
from arcollect.mail.message import Attachment, Reminder, idempotency_key

KINDS = {
    "outbox": ("arcollect.mail.transports.outbox", "OutboxTransport"),
    "smtp": ("arcollect.mail.transports.smtp", "SmtpTransport"),
    "ews": ("arcollect.mail.transports.ews", "EwsTransport"),
    "graph": ("arcollect.mail.transports.graph", "GraphTransport"),
}
CYCLE = dt.date(2026, 11, 24)
STATEMENT = Attachment("statement.csv", b"Invoice,Amount\n", "text/csv")


def reminders(count: int) -> list[Reminder]:
    made = []
    for number in range(count):
        customer = f"C{number:05d}"
        invoices = (f"INV-{number:05d}",)
        made.append(
            Reminder(
                key=idempotency_key(customer, 1, invoices, CYCLE),
                customer_id=customer,
                level=1,
                template="friendly",
                language="en",
                sender="ar@northwind.example",
                to=(f"ap-{number}@customer.example",),
                cc=(),
                reply_to="credit-control@northwind.example",
                subject=f"Payment reminder {number}",
                html=f"<p>Invoice INV-{number:05d} is overdue.</p>",
                text=f"Invoice INV-{number:05d} is overdue.",
                attachments=(Attachment("statement.csv", b"Invoice,Amount\n", "text/csv"),)
                if number % 100 == 0
                else (),
                invoices=invoices,
            )
        )
    return made


def transport_from(spec: dict):
    module, name = KINDS[spec["kind"]]
    return getattr(importlib.import_module(module), name)(*spec.get("args", []), **spec.get("kwargs", {}))


def main(ledger_path: str, transport_json: str, count: str, rate_limit: str = "100000", window: str = "60") -> int:
    skew = float(os.environ.get("SENDER_SKEW", "0"))
    if skew:
        import time_machine

        time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=skew), tick=True).start()
    transport = transport_from(json.loads(transport_json))
    now = dt.datetime.now(dt.UTC)
    target = ledger_path
    if ledger_path.startswith("postgresql://"):
        from arcollect.mail.ledger.postgres import PostgresStore

        target = PostgresStore(ledger_path)
    ttl = float(os.environ.get("SENDER_TTL", "180"))
    with Ledger(target, lease_ttl=ttl) as ledger:
        with ledger.hold("send", wait=float(os.environ.get("SENDER_WAIT", "120"))):
            print("holding the lease", flush=True)
            reconcile(ledger, transport, now=now)
            outcome = dispatch(
                reminders(int(count)), ledger, transport, now=now, rate_limit=int(rate_limit), window=float(window)
            )
        unknown = [entry.key for entry in ledger.in_doubt()]
    print(f"done sent={len(outcome.sent)} failed={len(outcome.failed)} unknown={len(unknown)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
