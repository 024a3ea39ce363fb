"""The ReminderLog sheet: the ledger's reminders (`Ledger.history()`) in the sheet's columns (`schema.Log`).

    >>> log = reminder_log(ledger.history())       # doctest: +SKIP
    >>> log[Log.STATE].value_counts()              # doctest: +SKIP

The ledger returns records; this is where they take the workbook's shape — the frame every output of a run reads
(ReminderLog, case files, the analytics sheets, escalation) and that `book.write` writes. Lists (to, cc, invoices)
are joined with ``"; "``; times are naive UTC (Excel has no time zones; the sheet's headers say UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol

import pandas as pd

from arcollect.schema import Log

SEPARATOR = "; "


class Record(Protocol):
    """What the log needs of one reminder (`arcollect.mail.ledger.Entry` has it)."""

    key: str
    customer_id: str
    level: int
    template: str
    state: str
    subject: str
    to: Sequence[str]
    cc: Sequence[str]
    invoices: Sequence[str]
    transport: str
    message_id: str | None
    planned_at: dt.datetime
    sent_at: dt.datetime | None
    error: str | None


def reminder_log(records: Iterable[Record]) -> pd.DataFrame:
    """One row per reminder, in the order given (the ledger's: planned time, then key); columns = `Log`."""
    rows = [
        (
            item.key, item.customer_id, item.level, item.template, item.state, item.subject,
            SEPARATOR.join(item.to), SEPARATOR.join(item.cc), SEPARATOR.join(item.invoices), item.transport,
            item.message_id, item.planned_at, item.sent_at, item.error,
        )
        for item in records
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=[column.value for column in Log], dtype=object)
    for column in (Log.PLANNED_AT, Log.SENT_AT):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    frame[Log.LEVEL] = frame[Log.LEVEL].astype("Int64")
    return frame
