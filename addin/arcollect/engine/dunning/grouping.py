"""One row per reminder: dunnable invoices grouped by (customer, level), held ones by (customer, level, reason),
with each group's invoice list and its amount per currency net of the customer's credit (`group_rows`); a
customer's credit counts once across its rows (`credit_once`). Integer work on factorized keys, not text hashing
per row (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import equals, factorize_sorted
from arcollect.engine.dunning.queue import (
    CUSTOMER_ROW,
    DUE,
    HELD,
    INVOICE_LIST,
    Level,
)
from arcollect.engine.money import minor_units_array, round_money
from arcollect.schema import Aging, Invoices, Queue


def group_rows(
    items: pd.DataFrame, levels: list[Level], credits: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, tuple[Any, ...]]:
    """Group dunnable invoices by (customer, level) and held ones by (customer, level, reason).

    The groups come in the order of a sorted ``groupby`` on those keys (rows with a missing customer ID are left
    out, as ``groupby`` does). Each key is factorized once, sorted, and the three codes make one integer per
    group: the sums, invoice lists and amount texts below are then integer work, not hashing of text per row.
    Amounts are net of the customer's `credits` in each currency (`_amounts`); ``_covered`` marks a group whose
    credits cover all of it: each group is measured against all of its customer's credit, as the letter of that
    group would apply it. The second value (the grouping) lets `credit_once` restate the amounts once it is known
    which group goes out.
    """
    candidates = items[~equals(items["_hold"], "credit")]
    customer_codes = _customer_codes(candidates)
    if (customer_codes < 0).any():
        candidates, customer_codes = candidates[customer_codes >= 0], customer_codes[customer_codes >= 0]
    if candidates.empty:
        return pd.DataFrame(), ()
    hold_codes, holds = pd.factorize(candidates["_hold"], sort=True)
    position = candidates["_position"].to_numpy(dtype="int64")
    lowest = int(position.min())
    span = int(position.max()) - lowest + 1
    key = (customer_codes.astype("int64") * span + (position - lowest)) * len(holds) + hold_codes
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    count = len(first)
    owner = candidates[Invoices.CUSTOMER_ID].array.take(first)
    texts, base, covered = _amounts(candidates, group, count, np.asarray(owner, dtype=object), credits)
    grouped = pd.DataFrame(
        {
            Invoices.CUSTOMER_ID: owner,
            "_position": candidates["_position"].array.take(first),
            "_hold": candidates["_hold"].array.take(first),
            INVOICE_LIST: _runs(group, candidates[Invoices.NUMBER], count),
            Queue.BASE_AMOUNT: base,
            Queue.AMOUNT: texts,
            "_covered": covered,
        }
    )
    position = grouped["_position"].to_numpy()
    grouped[Queue.LEVEL] = np.array([level.level for level in levels])[position]
    grouped[Queue.LEVEL_NAME] = np.array([level.name for level in levels], dtype=object)[position]
    grouped[Queue.STATE] = np.where(equals(grouped["_hold"], ""), DUE, HELD)
    grouped[Queue.REASON] = grouped["_hold"]
    grouped["_group"] = np.arange(count)
    return grouped.rename(columns={Invoices.CUSTOMER_ID: Queue.CUSTOMER_ID}), (candidates, group, count, owner)


def credit_once(rows: pd.DataFrame, grouping: tuple[Any, ...], credits: pd.DataFrame | None) -> pd.DataFrame:
    """Restate the amounts so that a customer's credit counts once across its rows, not once in every row.

    The credit (per currency) goes first to the reminder that goes out — its letter applies it to the invoices it
    chases, so the row and the letter say the same — then to the customer's other rows, highest level first; what
    is left over reduces nothing. So a customer's rows add up to what it owes on them, less its credit.
    """
    if not grouping or credits is None or not len(credits) or rows.empty:
        return rows
    candidates, group, count, owner = grouping
    going = np.zeros(count, dtype=bool)
    position = np.zeros(count, dtype="int64")
    index = rows["_group"].to_numpy(dtype="int64")
    going[index] = ~equals(rows[Queue.STATE], HELD)
    position[index] = rows["_position"].to_numpy(dtype="int64")
    priority = np.where(going, 1 << 20, 0) + position
    texts, base, _ = _amounts(candidates, group, count, owner, credits, priority=priority)
    rows[Queue.AMOUNT] = texts[index]
    rows[Queue.BASE_AMOUNT] = base[index]
    return rows


def _customer_codes(items: pd.DataFrame) -> np.ndarray:
    """Each item's customer as its rank among the items' sorted customer IDs (-1: missing ID).

    The planner's items know their customer's row (`CUSTOMER_ROW`): ranking the distinct rows' IDs then sorts a
    hundred thousand IDs instead of hashing a million. Items of unknown customers are ranked by their IDs.
    """
    rows = items[CUSTOMER_ROW].to_numpy() if CUSTOMER_ROW in items.columns else None
    if rows is None or len(rows) == 0 or rows.min() < 0:
        return factorize_sorted(items[Invoices.CUSTOMER_ID])[0]
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    rank, _ = factorize_sorted(pd.Series(items[Invoices.CUSTOMER_ID].array.take(first)))
    return rank[inverse]


def _runs(group: np.ndarray, numbers: pd.Series, count: int) -> list[tuple[str, ...]]:
    """The invoice numbers of each group (``group`` = its number 0 … count-1 per row), sorted, as tuples.

    One stable sort of the group numbers and one slice per group, sorted in Python: the groups are small, and
    sorting each is cheaper than factorizing a million invoice numbers to sort them all at once.
    """
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(count + 1)).tolist()
    values = numbers.to_numpy(dtype=object)[order].tolist()
    return [
        tuple(sorted(values[start:end])) if end - start > 1 else (values[start],)
        for start, end in itertools.pairwise(starts)
    ]


def _amounts(
    items: pd.DataFrame,
    group: np.ndarray,
    count: int,
    owner: np.ndarray,
    credits: pd.DataFrame | None,
    *,
    priority: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: 'EUR 1,300.00 + USD 800.25' (each currency as billed; NaN: no currency), the amount in the base
    currency, and whether credits cover all of it.

    Each currency's open amount is net of the group's customer's `credits` in that currency (their absolute sum),
    never below zero; the base amount shrinks in the same proportion. Items without a currency count in the base
    amount as they are.
    """
    currency_codes, currencies = pd.factorize(items[Invoices.CURRENCY], sort=True)
    known = currency_codes >= 0
    key = group[known].astype("int64") * max(len(currencies), 1) + currency_codes[known]
    sums = items[Invoices.OPEN_AMOUNT][known].groupby(key).sum()  # sorted: by group, then by currency
    based = items[Aging.BASE_OPEN_AMOUNT][known].groupby(key).sum().reindex(sums.index).fillna(0.0)
    entry = sums.index.to_numpy()
    entry_group, entry_currency = entry // max(len(currencies), 1), entry % max(len(currencies), 1)
    gross = sums.to_numpy(dtype="float64")
    net = gross
    if credits is not None and len(credits) and len(entry):
        amount = pd.to_numeric(credits[Invoices.OPEN_AMOUNT], errors="coerce").abs()
        held = amount.groupby([credits[Invoices.CUSTOMER_ID].astype(str), credits[Invoices.CURRENCY]]).sum()
        wanted = pd.MultiIndex.from_arrays(
            [pd.Series(owner[entry_group]).astype(str), np.asarray(currencies, dtype=object)[entry_currency]]
        )
        credit = held.reindex(wanted).fillna(0.0).to_numpy(dtype="float64")
        if priority is not None:  # spend it once: what the groups before this one took is gone
            customer, _ = pd.factorize(wanted.get_level_values(0))
            order = np.lexsort((entry_group, -priority[entry_group], entry_currency, customer))
            ordered = np.maximum(gross[order], 0.0)
            start = np.ones(len(order), dtype=bool)
            start[1:] = (customer[order][1:] != customer[order][:-1]) | (
                entry_currency[order][1:] != entry_currency[order][:-1]
            )
            total = np.cumsum(ordered)
            before = total - ordered - np.maximum.accumulate(np.where(start, total - ordered, 0.0))
            taken = np.empty_like(gross)
            taken[order] = before
            credit = np.maximum(credit - taken, 0.0)
        net = np.maximum(gross - credit, 0.0)
    share = np.divide(net, gross, out=np.ones_like(net), where=gross > 0)
    base = np.bincount(entry_group, weights=based.to_numpy(dtype="float64") * share, minlength=count)
    if (~known).any():
        base += np.bincount(group[~known], weights=items[Aging.BASE_OPEN_AMOUNT][~known].fillna(0.0), minlength=count)
    owing = np.bincount(entry_group, weights=(net > 0).astype(float), minlength=count)
    listed = np.bincount(entry_group, minlength=count)
    covered = (listed > 0) & (owing == 0)

    digits = minor_units_array(pd.Series(currencies, dtype=object).astype(str))[entry_currency]
    rounded = round_money(net, digits)
    # One entry per customer, level and currency — not per invoice —, formatted a currency at a time.
    texts = np.empty(len(entry), dtype=object)
    for code, currency in enumerate(currencies):
        mine = entry_currency == code
        if mine.any():
            places = int(digits[np.argmax(mine)])
            amounts = map(f"{{:,.{places}f}}".format, rounded[mine].tolist())
            texts[mine] = list(map(f"{currency} ".__add__, amounts))
    # Each group is a run of consecutive entries: most are one entry (one currency), the others are joined.
    first = np.ones(len(entry_group), dtype=bool)
    first[1:] = entry_group[1:] != entry_group[:-1]
    result = np.full(count, np.nan, dtype=object)
    if first.all():
        result[entry_group] = texts
        return result, base, covered
    starts = np.flatnonzero(first).tolist()
    texts = texts.tolist()
    result[entry_group[first]] = [
        " + ".join(texts[start:end]) for start, end in itertools.pairwise([*starts, len(entry_group)])
    ]
    return result, base, covered
