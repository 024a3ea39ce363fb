"""EWS sending: 1,000 reminders batched (chunk size 10 and 50) against one request each, 20 ms server latency.

    .venv/bin/python benchmarks/bench_ews.py                    # or: --reminders 1000 --latency 0.02

Sends through `EwsTransport` (exchangelib, unmodified) to the local EWS endpoint of the tests over HTTPS with the
test CA, and prints the requests made and the wall time for each chunk size. This is a measurement, not a test:
nothing here asserts a time. Figures from the development machine go in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.servers, when run as a script

from tests.servers.ews import EwsServer
from tests.servers.tls import ca_bundle

from arcollect.mail.message import Reminder, idempotency_key
from arcollect.mail.transports.ews import EwsTransport


def reminders(count: int) -> list[Reminder]:
    return [
        Reminder(
            key=idempotency_key(f"C{number:06d}", 1, [f"INV-{number}"], "2026-11-24"),
            customer_id=f"C{number:06d}",
            level=1,
            template="friendly",
            language="en",
            sender="ar@acme.example",
            to=(f"customer{number}@client.example",),
            cc=(),
            reply_to="ar@acme.example",
            subject=f"Invoice INV-{number} is overdue",
            html=f"<p>Dear customer,</p><p>invoice INV-{number} is <b>30 days</b> overdue.</p>",
            text=f"Dear customer,\ninvoice INV-{number} is 30 days overdue.",
        )
        for number in range(count)
    ]


def run(chunk_size: int, items: list[Reminder], latency: float) -> tuple[int, float, int]:
    """(CreateItem requests, wall seconds of send(), messages the server received) for one chunk size."""
    with EwsServer(tls=True, users={"svc": "pw"}, latency=latency) as server:
        transport = EwsTransport(
            server.url, mailbox=server.mailbox, auth="basic", username="svc", password="pw", verify=ca_bundle(),
            chunk_size=chunk_size,
        )  # fmt: skip
        _ = transport.account.sent  # the two GetFolder requests are not part of the measurement
        started = time.perf_counter()
        results = transport.send(items)
        elapsed = time.perf_counter() - started
        assert all(result.status == "sent" for result in results)
        return server.requests.count("CreateItem"), elapsed, len(server.received)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the server adds to every request")
    parser.add_argument("--chunk-sizes", default="1,10,50")
    arguments = parser.parse_args()
    items = reminders(arguments.reminders)
    print(f"{arguments.reminders} reminders, {arguments.latency * 1000:g} ms latency per request, HTTPS, "
          f"Python {platform.python_version()} on {platform.machine()}")  # fmt: skip
    print(f"{'chunk size':>10} {'requests':>9} {'wall s':>8} {'reminders/s':>12} {'received':>9}")
    for chunk_size in (int(size) for size in arguments.chunk_sizes.split(",")):
        requests_made, elapsed, received = run(chunk_size, items, arguments.latency)
        rate = len(items) / elapsed
        print(f"{chunk_size:>10} {requests_made:>9} {elapsed:>8.2f} {rate:>12.0f} {received:>9}")


if __name__ == "__main__":
    main()
