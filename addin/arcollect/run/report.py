"""What one run did (`RunReport`: counts, totals, reminders by state, problems, notes), and how a run reports
its progress (`Progress`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from arcollect.engine import dunning, totals
from arcollect.problems import Problem
from arcollect.schema import Queue

ALREADY_SENT = "already sent"


Progress = Callable[..., None]  # progress(label, done=0, total=0): a step, and how far a long one has got


@dataclass
class RunReport:
    """What one run did: counts, totals by bucket (base currency), reminders by state, problems."""

    now: dt.datetime
    base_currency: str
    invoices: int = 0
    customers: int = 0
    totals_by_bucket: dict[str, float] = field(default_factory=dict)
    queue: pd.DataFrame = field(default_factory=pd.DataFrame)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written_to: Path | None = None
    notes: list[str] = field(default_factory=list)
    reminders: dict[str, Any] = field(default_factory=dict)
    time_zones: set[str] = field(default_factory=set)
    outputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    escalated: list[str] = field(default_factory=list)
    escalation: str = ""  # one line: who would be (or was) put on credit hold and handed to collections
    totals: totals.Totals | None = None

    @property
    def not_in_totals(self) -> str:
        """ "not in totals: N invoices, X EUR … — see Exceptions", or "" when the total covers every open item."""
        return self.totals.line if self.totals is not None else ""

    def count(self, state: str) -> int:
        return 0 if self.queue.empty else int((self.queue[Queue.STATE] == state).sum())

    @property
    def already_sent(self) -> int:
        """Reminders the ledger had already sent: a second run on the same day sends nothing new."""
        return 0 if self.queue.empty else int(self.queue[Queue.REASON].str.startswith(ALREADY_SENT).sum())

    @property
    def held_reasons(self) -> Counter[str]:
        if self.queue.empty:
            return Counter()
        held = self.queue[self.queue[Queue.STATE] == dunning.HELD][Queue.REASON]
        short = held.str.split(":").str[0].str.split(";").str[0].str.replace(r"\d{4}-\d\d-\d\d", "…", regex=True)
        return Counter(short.str.replace(r"\s*\([^)]*$", "", regex=True))  # no "(row 7" cut off at its colon
