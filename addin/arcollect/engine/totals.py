"""One reconciled total of the open items, and an honest line for what it leaves out.

    >>> from arcollect.engine import totals
    >>> found = totals.reconcile(aged, summary, problems, rates, base_currency="EUR")     # doctest: +SKIP
    >>> found.total, found.line                                                          # doctest: +SKIP
    (1574784.08, 'not in totals: 31 invoices, 12,400.00 EUR + 45,000.00 PLN (no FX rate) — see Exceptions')

The total is the sum of the open items' amounts in the base currency over the items that have both a base amount
and an aging bucket — exactly what `aging.summary` adds up. Every figure of a run that shows open money uses that
same set (the console, AgingSummary, the Aging sheet's Open (base) column, CustomerRisk, the Dashboard), so they
agree to the cent. An open invoice is left out of it, and listed in `Totals.left_out` with the reason, when:

- its currency has no FX rate (its base amount is unknown: the line shows it in its own currency);
- it has no due date (or, aging by invoice date, no invoice date): it has no bucket;
- the reader left its row out (a required cell empty or unreadable, an unknown Status, an open amount larger than
  the amount …): its amount is shown where it could be read.

Paid rows and duplicates of an invoice already counted are not "left out": they are not open money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import fx, money
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import TOTAL, Aging, Invoices

ROW = "row"
WHY = "why"
NO_BUCKET = "no due date: not aged"
_COLUMNS = [
    ROW,
    Invoices.NUMBER,
    Invoices.CUSTOMER_ID,
    Invoices.CURRENCY,
    Invoices.OPEN_AMOUNT,
    Aging.BASE_OPEN_AMOUNT,
    WHY,
]


@dataclass(frozen=True)
class Totals:
    """The reconciled total of one run (base currency) and the open items it leaves out."""

    base_currency: str
    by_bucket: dict[str, float]
    counted: int
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_COLUMNS))

    @property
    def total(self) -> float:
        return float(self.by_bucket.get(TOTAL, 0.0))

    @property
    def line(self) -> str:
        """ "not in totals: N invoices, X EUR + Y PLN (no FX rate) — see Exceptions", or "" when nothing is."""
        if self.left_out.empty:
            return ""
        count = len(self.left_out)
        base = self.left_out[Aging.BASE_OPEN_AMOUNT]
        parts = []
        if base.notna().any():
            parts.append(f"{_money(float(base.sum()), self.base_currency)} {self.base_currency}")
        foreign = self.left_out[base.isna() & self.left_out[Invoices.OPEN_AMOUNT].notna()]
        for currency, amount in foreign.groupby(Invoices.CURRENCY, sort=True)[Invoices.OPEN_AMOUNT].sum().items():
            parts.append(f"{_money(float(amount), str(currency))} {currency} (no FX rate)")
        no_currency = foreign[foreign[Invoices.CURRENCY].isna()]
        if len(no_currency):
            parts.append(f"{float(no_currency[Invoices.OPEN_AMOUNT].sum()):,.2f} in no known currency")
        unknown = int((base.isna() & self.left_out[Invoices.OPEN_AMOUNT].isna()).sum())
        if unknown:
            parts.append(f"{unknown} amount{'s' if unknown != 1 else ''} unreadable")
        amounts = f", {' + '.join(parts)}" if parts else ""
        return f"not in totals: {count} invoice{'s' if count != 1 else ''}{amounts} — see Exceptions"


def counted(aged: pd.DataFrame) -> pd.Series:
    """Which aged items the totals count: those with an amount in the base currency and an aging bucket."""
    return aged[Aging.BASE_OPEN_AMOUNT].notna() & aged[Aging.BUCKET].notna()


def reconcile(
    aged: pd.DataFrame,
    summary: pd.DataFrame,
    problems: Iterable[Problem],
    rates: fx.Rates | None,
    *,
    base_currency: str,
    as_of: Any = None,
) -> tuple[Totals, pd.Series]:
    """The run's `Totals` and a mask of the aged items that are in them (True) — the set every figure shows.

    `aged` are the aged open items (`aging.age` then `pricing.price`), `summary` their `aging.summary`, `problems`
    the run's problems so far (the reader's left-out Invoices rows carry what they held, `Problem.left_out`).
    """
    in_totals = counted(aged)
    outside = aged[~in_totals]
    why = np.where(
        outside[Aging.BASE_OPEN_AMOUNT].isna().to_numpy(),
        "no FX rate for " + outside[Invoices.CURRENCY].astype(str).to_numpy(dtype=object),
        NO_BUCKET,
    )
    left_out = pd.DataFrame(
        {
            ROW: outside.index.to_numpy(),
            Invoices.NUMBER: outside[Invoices.NUMBER].to_numpy(dtype=object),
            Invoices.CUSTOMER_ID: outside[Invoices.CUSTOMER_ID].to_numpy(dtype=object),
            Invoices.CURRENCY: outside[Invoices.CURRENCY].to_numpy(dtype=object),
            Invoices.OPEN_AMOUNT: outside[Invoices.OPEN_AMOUNT].to_numpy(dtype="float64"),
            Aging.BASE_OPEN_AMOUNT: outside[Aging.BASE_OPEN_AMOUNT].to_numpy(dtype="float64"),
            WHY: why,
        }
    )
    dropped = _dropped_rows(problems, rates, base_currency, as_of)
    if len(dropped):
        left_out = pd.concat([left_out, dropped], ignore_index=True) if len(left_out) else dropped
    by_bucket = summary.loc[TOTAL].to_dict() if TOTAL in summary.index else {TOTAL: 0.0}
    found = Totals(base_currency=base_currency, by_bucket=by_bucket, counted=int(in_totals.sum()), left_out=left_out)
    return found, in_totals


def _dropped_rows(problems: Iterable[Problem], rates: fx.Rates | None, base_currency: str, as_of: Any) -> pd.DataFrame:
    """The open Invoices rows the reader (or a plausibility check) left out, once each, with what they held."""
    seen: dict[Any, tuple[dict[str, Any], str]] = {}
    for problem in problems:
        if problem.sheet != "Invoices" or not problem.left_out or problem.row in seen:
            continue
        seen[problem.row] = (dict(problem.left_out), problem.reason)
    rows = []
    for row, (values, reason) in seen.items():
        status = str(values.get(Invoices.STATUS) or "").strip().casefold()
        amount = _number(values.get(Invoices.OPEN_AMOUNT))
        amount = _number(values.get(Invoices.AMOUNT)) if amount is None else amount
        if status == "paid" or amount == 0:
            continue
        rows.append(
            {
                ROW: row,
                Invoices.NUMBER: values.get(Invoices.NUMBER),
                Invoices.CUSTOMER_ID: values.get(Invoices.CUSTOMER_ID),
                Invoices.CURRENCY: values.get(Invoices.CURRENCY),
                Invoices.OPEN_AMOUNT: np.nan if amount is None else amount,
                WHY: "row left out: " + reason,
            }
        )
    if not rows:
        return pd.DataFrame(columns=_COLUMNS)
    frame = pd.DataFrame(rows)
    known = frame[Invoices.CURRENCY].notna() & frame[Invoices.OPEN_AMOUNT].notna()
    frame[Aging.BASE_OPEN_AMOUNT] = np.nan
    if known.any():
        base, _problems = fx.to_base(
            frame.loc[known, Invoices.OPEN_AMOUNT], frame.loc[known, Invoices.CURRENCY], base_currency, rates,
            as_of=as_of,
        )  # fmt: skip
        frame.loc[known, Aging.BASE_OPEN_AMOUNT] = np.asarray(base, dtype="float64")
    return frame[_COLUMNS]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _money(amount: float, currency: str) -> str:
    try:
        digits = money.minor_units(currency)
    except InputError:  # a code the reader let through but ISO does not know: cents, as written
        digits = 2
    return f"{amount:,.{digits}f}"
