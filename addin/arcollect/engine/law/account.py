"""The running account of a late invoice: interest accrued, payments applied in the order the law prescribes.

    state = account.settle(regimes, "DE", principal_minor, due_day, as_of_day, payments, costs_minor,
                           order=("costs", "interest", "principal"))

For each invoice: the principal still owed on its due date, the fixed compensation owed from the first day of
delay, and the payments received after the due date (in the invoice's currency, minor units, with their dates).
Interest accrues day by day on the principal (simple interest, ACT/365, rounded half up per accrual period); each
payment first pays what the law says it pays first. Under § 367 BGB or art. 6:44 BW a partial payment pays the
costs, then the interest, then the principal — so the principal keeps bearing interest; under a law without such a
rule (``("principal",)``) the payment reduces the principal, and interest and costs stay owed. A day of payment
bears interest on the amount it pays (the payment is counted at the end of its day).

With yearly compounding (NL) the interest still unpaid at the end of each year from the first day of interest is
added to the base that bears interest (art. 6:119 lid 2 / 6:119a BW); it remains interest for the order of
allocation.

Vectorised over invoices: one step per payment or year-end of the invoice that has the most of them, each step
on whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from arcollect.engine import interest
from arcollect.engine.law.model import COSTS, FIXED_ON_DUE_DATE, INTEREST, PRINCIPAL, Regime

_PAYMENT, _YEAR_END = 0, 1


@dataclass(frozen=True)
class Settled:
    """Per invoice, in minor units of its currency (int64)."""

    principal: np.ndarray  # principal still owed
    interest: np.ndarray  # interest accrued and not yet paid
    costs: np.ndarray  # compensation not yet paid
    to_charges: np.ndarray  # payments applied to costs and interest (0 when principal comes first)
    accrued: np.ndarray  # all interest accrued, paid or not


def settle(
    regimes: tuple[Regime, ...],
    label: str,
    principal: np.ndarray,
    due_day: np.ndarray,
    as_of_day: np.ndarray,
    payments: pd.DataFrame,
    costs: np.ndarray,
    *,
    order: tuple[str, ...] = (PRINCIPAL,),
) -> Settled:
    """Run the account of each invoice (row i of the arrays) from its due date through `as_of_day`.

    `payments` has columns ``row`` (the invoice's position in the arrays), ``day`` (int64 day number) and
    ``amount`` (int64 minor units); payments after `as_of_day` or on or before the due date are ignored (a payment
    by the due date reduced the principal before interest started). `label` names the law in a `ConfigError`.
    """
    principal = np.asarray(principal, dtype="int64").copy()
    due_day = np.asarray(due_day, dtype="int64")
    as_of_day = np.asarray(as_of_day, dtype="int64")
    costs = np.asarray(costs, dtype="int64").copy()
    count = principal.size
    unpaid = np.zeros(count, dtype="int64")
    accrued = np.zeros(count, dtype="int64")
    to_charges = np.zeros(count, dtype="int64")
    capitalised = np.zeros(count, dtype="int64")
    first_day = due_day + 1
    anchor = due_day if regimes[0].fixed_on == FIXED_ON_DUE_DATE else first_day
    last = due_day.copy()  # interest has been accrued through this day

    events = _events(payments, first_day, as_of_day, any(r.compounds_yearly for r in regimes))
    for _, step in events.groupby("rank", sort=True):
        rows = step["row"].to_numpy()
        days = step["day"].to_numpy()
        base = principal[rows] + np.minimum(capitalised[rows], unpaid[rows])
        gained = interest.divide_half_up(
            np.maximum(base, 0), interest.rate_days(label, regimes, last[rows] + 1, days, anchor[rows])
        )
        unpaid[rows] += gained
        accrued[rows] += gained
        last[rows] = np.maximum(last[rows], days)
        is_payment = step["kind"].to_numpy() == _PAYMENT
        pay = np.where(is_payment, step["amount"].to_numpy(), 0)
        for part in order:
            pool = {COSTS: costs, INTEREST: unpaid, PRINCIPAL: principal}[part]
            taken = np.minimum(pay, np.maximum(pool[rows], 0))
            pool[rows] -= taken
            pay = pay - taken
            if part != PRINCIPAL:
                to_charges[rows] += taken
        year_end = ~is_payment
        capitalised[rows[year_end]] = unpaid[rows[year_end]]
        capitalised[rows] = np.minimum(capitalised[rows], unpaid[rows])
    remaining = last < as_of_day
    if remaining.any():
        base = principal[remaining] + np.minimum(capitalised[remaining], unpaid[remaining])
        gained = interest.divide_half_up(
            np.maximum(base, 0),
            interest.rate_days(label, regimes, last[remaining] + 1, as_of_day[remaining], anchor[remaining]),
        )
        unpaid[remaining] += gained
        accrued[remaining] += gained
    return Settled(principal, unpaid, costs, to_charges, accrued)


def _events(payments: pd.DataFrame, first_day: np.ndarray, as_of_day: np.ndarray, yearly: bool) -> pd.DataFrame:
    """Payments (and year-ends for compounding laws) in the order they happen, numbered per invoice."""
    frames = []
    if not payments.empty:
        rows = payments["row"].to_numpy(dtype="int64")
        days = payments["day"].to_numpy(dtype="int64")
        keep = (days >= first_day[rows]) & (days <= as_of_day[rows])
        frames.append(
            pd.DataFrame(
                {
                    "row": rows[keep],
                    "day": days[keep],
                    "kind": _PAYMENT,
                    "amount": payments["amount"].to_numpy(dtype="int64")[keep],
                }
            )
        )
    if yearly:
        years = 1
        while True:
            ends = interest.add_years(first_day, years) - 1
            inside = np.flatnonzero(ends < as_of_day)
            if not inside.size:
                break
            frames.append(pd.DataFrame({"row": inside, "day": ends[inside], "kind": _YEAR_END, "amount": 0}))
            years += 1
    if not frames:
        return pd.DataFrame({"row": [], "day": [], "kind": [], "amount": [], "rank": []})
    events = pd.concat(frames, ignore_index=True).sort_values(["row", "day", "kind"], kind="stable", ignore_index=True)
    events["rank"] = events.groupby("row").cumcount()
    return events
