"""The bank side of one run: before it, the watched folder read and the ledger's payments the workbook does not
show yet applied in memory (`before_run`, `RunBank`); right before sending, the re-check that holds a reminder
whose invoices have been paid since it was planned (`RunBank.paid_since_start`, `hold_paid`); after it, the
references its reminders carry remembered for matching (`remember`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from arcollect.bank.inbox.folder import watch
from arcollect.bank.inbox.ledger_view import (
    apply,
    invoice_updates,
    no_unmatched,
    open_amounts,
    paid_per_invoice,
    pending,
    unmatched_table,
)
from arcollect.bank.store import Store, path_for
from arcollect.book import settings, write
from arcollect.problems import Problem
from arcollect.schema import Invoices

logger = logging.getLogger(__name__)


@dataclass
class RunBank:
    """The bank side of one run: what the ledger held at the start, and what the workbook still lacks."""

    workbook: Path
    config: settings.Settings
    seen: set[str] = field(default_factory=set)
    pending: pd.DataFrame = field(default_factory=pd.DataFrame)
    invoices: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmatched: pd.DataFrame | None = None
    held: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def store_path(self) -> Path:
        return path_for(self.workbook)

    def sheets(self, tables: Mapping[str, pd.DataFrame], *, into_workbook: bool) -> dict[str, pd.DataFrame]:
        """Unmatched always; Payments too when the run writes into the workbook and the ledger has new rows."""
        out = {"Unmatched": self.unmatched if self.unmatched is not None else no_unmatched()}
        if into_workbook and not self.pending.empty:
            out["Payments"] = tables["Payments"]
        return out

    def updates(self) -> list[write.CellUpdate]:
        return invoice_updates(self.invoices, self.pending) if not self.pending.empty else []

    def paid_since_start(self, tables: dict[str, pd.DataFrame], now: dt.datetime) -> dict[str, tuple[str, bool]]:
        """Invoices paid by credits that reached the ledger after this run began (the watched folder re-read):
        invoice → (booking date, paid in full)."""
        watch(self.workbook, self.config, now=now, tables=tables, problems=self.problems)
        if not self.store_path.exists():
            return {}
        with Store(self.store_path) as store:
            allocations = store.allocations()
        fresh = allocations[~allocations["key"].isin(self.seen) & allocations["invoice"].notna()]
        if fresh.empty:
            return {}
        paid = paid_per_invoice(fresh)
        invoices = tables["Invoices"].drop_duplicates(Invoices.NUMBER)
        open_now = pd.Series(open_amounts(invoices).to_numpy(), index=invoices[Invoices.NUMBER].astype(str))
        left = open_now.reindex(paid.index).fillna(0.0) - paid["paid"]
        return {number: (str(paid.at[number, "last_date"]), bool(left[number] <= 0.004)) for number in paid.index}


def before_run(
    workbook: Path,
    config: settings.Settings,
    tables: dict[str, pd.DataFrame],
    *,
    now: dt.datetime,
    folder: bool = True,
) -> tuple[dict[str, pd.DataFrame], RunBank]:
    """Read the watched folder (unless `folder` is False), then apply the ledger's payments the workbook does not
    show yet (in memory)."""
    bank = RunBank(workbook, config, invoices=tables["Invoices"])
    if folder:
        watch(workbook, config, now=now, tables=tables, problems=bank.problems)
    if not bank.store_path.exists():
        return tables, bank
    with Store(bank.store_path) as store:
        bank.pending = pending(tables["Payments"], store)
        bank.seen = set(store.allocations()["key"])
        applied = apply(tables, bank.pending)
        bank.unmatched = unmatched_table(store, applied["Payments"])
    if not bank.pending.empty:
        logger.info("%d bank payment(s) from the ledger applied that the workbook does not show yet", len(bank.pending))
    return applied, bank


def hold_paid(queue: pd.DataFrame, paid: Mapping[str, tuple[str, bool]]) -> int:
    """Hold every due reminder that chases an invoice paid since it was planned: "paid on … (bank)"; one whose
    invoices are only partly paid is held too ("part paid on …"): the next run asks for what is left."""
    from arcollect.engine import dunning
    from arcollect.schema import Queue

    if queue.empty or not paid:
        return 0
    held = 0
    for position in queue.index[queue[Queue.STATE] == dunning.DUE]:
        numbers = [str(number) for number in queue.at[position, dunning.INVOICE_LIST]]
        hits = [number for number in numbers if number in paid]
        if hits:
            queue.at[position, Queue.STATE] = dunning.HELD
            day = max(paid[number][0] for number in hits)
            if len(hits) == len(numbers) and all(paid[number][1] for number in hits):
                queue.at[position, Queue.REASON] = f"paid on {day} (bank)"
            else:
                queue.at[position, Queue.REASON] = (
                    f"part paid on {day} (bank): {', '.join(hits)} — the next run asks for what is left"
                )
            held += 1
    return held


def remember(workbook: Path, issued: Mapping[str, tuple[str, Sequence[str]]], *, now: dt.datetime | None) -> None:
    """Record the references a run's reminders carry, so that a bank line quoting one is matched by look-up."""
    with Store(path_for(workbook)) as store:
        store.remember_references(issued, now=now or dt.datetime.now(dt.UTC))
