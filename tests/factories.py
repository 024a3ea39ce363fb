"""Test data built in one place: a `Reminder` with its real idempotency key.

    reminder("C-001", 2, ["INV-1", "INV-2"])                    # plain English defaults for everything else
    reminder("C-001", language="fr", subject="Rappel", cc=())   # any field given by name replaces its default

The key is `idempotency_key(customer, level, numbers, cycle)`; ``invoices`` defaults to `numbers`. A field given
by name (``invoices``, ``key`` …) replaces the default without changing the key, as ``dataclasses.replace`` on a
built reminder would. Test files keep only the data they assert on (their language, sender, attachments).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from arcollect.mail.message import Reminder, idempotency_key

CYCLE = dt.date(2026, 11, 24)


def reminder(
    customer: str = "C-001", level: int = 1, numbers: Sequence[str] = ("INV-1",), *, cycle: Any = CYCLE, **fields: Any
) -> Reminder:
    """A reminder for `customer` at `level` about the invoices `numbers`; `fields` override the defaults."""
    values: dict[str, Any] = {
        "key": idempotency_key(customer, level, list(numbers), cycle),
        "customer_id": customer,
        "level": level,
        "template": "friendly",
        "language": "en",
        "sender": "ar@acme.example",
        "to": (f"{customer.lower()}@customer.example",),
        "cc": (),
        "reply_to": None,
        "subject": f"Reminder for {customer}",
        "html": "<p>Hello</p>",
        "text": "Hello",
        "invoices": tuple(numbers),
    }
    values.update(fields)
    return Reminder(**values)
