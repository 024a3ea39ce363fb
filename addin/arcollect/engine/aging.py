"""Days past due, aging buckets and the customer × bucket summary.

    >>> from arcollect.engine import aging
    >>> aging.days_past_due("2026-10-01", "2026-11-24")
    54
    >>> aging.bucket(54)
    '31-60'
    >>> aging.bucket(0)                      # due today is not late
    'Current'

Rules:

- ``days_past_due = as_of - due_date`` in calendar days; negative means not yet due, 0 means due today.
- Buckets by the edges ``(0, 30, 60, 90, 120)``: ``Current`` (≤ 0), ``1-30``, ``31-60``, ``61-90``, ``91-120``,
  ``120+``. Other edges give labels of the same form (``e[i]+1``–``e[i+1]``, last ``e[-1]+``); the first edge
  is the last day counted as Current.
- Aging by invoice date (``basis="invoice"``) counts the days since the invoice date instead, with the same
  buckets ("0 days old" is Current).
- The summary converts each open amount to the base currency (`fx.to_base`, rounded per invoice to the
  base currency's minor unit) and sums: credit notes (negative open amounts) reduce their customer's bucket, and
  totals are exactly the sum of the per-invoice base amounts shown on the Aging sheet.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import columns, fx, money
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import TOTAL, Aging, Invoices

DEFAULT_EDGES: tuple[int, ...] = (0, 30, 60, 90, 120)
CURRENT = "Current"
BASES = ("due", "invoice")


def days_past_due(due_date: Any, as_of: Any) -> Any:
    """Calendar days from `due_date` to `as_of`: ``int`` for scalars (None if a date is missing), else a column.

    Columns come back as a nullable ``Int64`` Series (Series input) or an int64 array, float64 with NaN only
    when some date is missing.
    """
    shape = columns.Shape.of(due_date, as_of)
    due, today = columns.broadcast(columns.dates(due_date, "due date"), columns.dates(as_of, "as-of date"))
    days = (today - due).astype("timedelta64[D]")
    missing = np.isnat(days)
    if missing.any():
        result = np.where(missing, np.nan, days.astype("int64").astype("float64"))
    else:
        result = days.astype("int64")
    return shape.wrap(result, kind="int")


def labels(edges: Sequence[int] = DEFAULT_EDGES) -> list[str]:
    """The bucket labels for `edges`, oldest last: ``['Current', '1-30', …, '120+']``."""
    edges = _check_edges(edges)
    spans = [f"{low + 1}-{high}" for low, high in itertools.pairwise(edges)]
    return [CURRENT, *spans, f"{edges[-1]}+"]


def bucket(days_past_due: Any, edges: Sequence[int] = DEFAULT_EDGES) -> Any:
    """The aging bucket of each `days_past_due`; a Series comes back as an ordered Categorical.

    ``x <= edges[0]`` is Current; ``edges[i-1] < x <= edges[i]`` is ``"{edges[i-1]+1}-{edges[i]}"``; beyond the
    last edge ``"{edges[-1]}+"``. Missing days give a missing bucket.
    """
    names = labels(edges)
    shape = columns.Shape.of(days_past_due)
    days = columns.amounts(days_past_due, "days past due")
    position = np.searchsorted(np.asarray(_check_edges(edges), dtype="float64"), days, side="left")
    missing = np.isnan(days)
    if shape.scalar:
        return None if missing else names[int(position)]
    codes = np.where(missing, -1, position)
    categorical = pd.Categorical.from_codes(codes.reshape(-1), categories=names, ordered=True)
    if shape.index is not None:
        return pd.Series(categorical, index=shape.index, name=Aging.BUCKET)
    return np.asarray(categorical.astype(object)).reshape(np.shape(days))


def age(
    invoices: pd.DataFrame,
    as_of: Any,
    *,
    edges: Sequence[int] = DEFAULT_EDGES,
    base_currency: str = "EUR",
    rates: fx.Rates | None = None,
    basis: str = "due",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Add days past due, bucket and the base-currency open amount to each invoice; ``(aged, problems)``.

    Needs `Invoices.CUSTOMER_ID`, `Invoices.OPEN_AMOUNT`, `Invoices.CURRENCY` and the date of the basis
    (`Invoices.DUE_DATE`, or `Invoices.INVOICE_DATE` for ``basis="invoice"``). Rows whose date is missing or
    whose currency has no rate keep NaN in the computed columns and are reported as problems.
    """
    if basis not in BASES:
        raise InputError(f"Aging basis '{basis}' is not known — use 'due' or 'invoice'")
    date_column = Invoices.DUE_DATE if basis == "due" else Invoices.INVOICE_DATE
    required = [Invoices.CUSTOMER_ID, Invoices.OPEN_AMOUNT, Invoices.CURRENCY, date_column]
    absent = [column for column in required if column not in invoices.columns]
    if absent:
        raise InputError(f"Invoices lack the column(s) {', '.join(absent)} needed to age them")

    aged = invoices.copy(deep=False)  # copy-on-write: the columns added below are this frame's own
    aged[Aging.DAYS_PAST_DUE] = days_past_due(aged[date_column], as_of)
    aged[Aging.BUCKET] = bucket(aged[Aging.DAYS_PAST_DUE], edges)
    aged[Aging.BASE_OPEN_AMOUNT], problems = fx.to_base(
        aged[Invoices.OPEN_AMOUNT], aged[Invoices.CURRENCY], base_currency, rates, as_of=as_of
    )
    undated = aged[Aging.DAYS_PAST_DUE].isna()
    problems += [
        Problem("Invoices", label, str(date_column), None, f"no {date_column.replace('_', ' ')}: it cannot be aged")
        for label in aged.index[undated.to_numpy()]
    ]
    return aged, problems


def summary(
    invoices: pd.DataFrame,
    as_of: Any,
    edges: Sequence[int] = DEFAULT_EDGES,
    base_currency: str = "EUR",
    rates: fx.Rates | None = None,
    *,
    basis: str = "due",
) -> pd.DataFrame:
    """Open amounts in the base currency, one row per customer and one column per bucket, with totals.

    The last row and the last column are ``"Total"``. Rows that cannot be aged or converted are left out; the
    problems that say why are in ``result.attrs["problems"]``. Amounts are rounded to the base currency's minor
    unit. Invoices already aged by `age` (with a `Aging.BASE_OPEN_AMOUNT` column) are summed as they are.
    """
    if Aging.BASE_OPEN_AMOUNT in invoices.columns and Aging.BUCKET in invoices.columns:
        aged, problems = invoices, []
    else:
        aged, problems = age(invoices, as_of, edges=edges, base_currency=base_currency, rates=rates, basis=basis)
    names = labels(edges)
    usable = aged.loc[
        aged[Aging.BASE_OPEN_AMOUNT].notna() & aged[Aging.BUCKET].notna(),
        [Invoices.CUSTOMER_ID, Aging.BUCKET, Aging.BASE_OPEN_AMOUNT],
    ]  # only the columns summed: not a copy of every column of a million rows
    # factorize + bincount: one pass over the rows, no hashing of (customer, bucket) pairs.
    customer_codes, customers = columns.factorize_sorted(usable[Invoices.CUSTOMER_ID])
    bucket_codes = pd.Categorical(usable[Aging.BUCKET], categories=names).codes
    cells = np.bincount(
        customer_codes * len(names) + bucket_codes,
        weights=usable[Aging.BASE_OPEN_AMOUNT].to_numpy(dtype="float64"),
        minlength=len(customers) * len(names),
    ).reshape(len(customers), len(names))
    table = pd.DataFrame(cells, index=pd.Index(customers, name=Invoices.CUSTOMER_ID), columns=names)
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    digits = money.minor_units(base_currency)
    result = pd.DataFrame(money.round_money(table.to_numpy(), digits), index=table.index, columns=table.columns)
    result.index.name = Invoices.CUSTOMER_ID
    result.attrs["problems"] = problems
    result.attrs["base_currency"] = str(base_currency).upper()
    return result


def _check_edges(edges: Sequence[int]) -> tuple[int, ...]:
    try:
        values = tuple(int(edge) for edge in edges)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Bucket edges {edges!r} must be whole numbers of days, e.g. 0,30,60,90,120") from exc
    if not values or any(b <= a for a, b in itertools.pairwise(values)):
        raise InputError(f"Bucket edges {list(values)} must be increasing, e.g. 0,30,60,90,120")
    return values
