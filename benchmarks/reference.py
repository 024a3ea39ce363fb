"""The per-row way: aging and the customer × bucket summary as a plain Python loop, for comparison only.

    >>> buckets, table = aging_summary(aged, fx_table, as_of)                 # row by row with iterrows()
    >>> buckets, table = aging_summary(records(aged), fx_table, as_of)        # the same loop over plain dicts

This is how report code often does it: go through the open items one by one (pandas' ``iterrows()``, or records
fetched from a database), compute the days past due, pick the bucket with if/elif, look the rate up in a dict,
convert, round, and add to a running total per (customer, bucket). It gives the same answers as
`arcollect.engine.aging` (checked by tests/unit/test_bench_reference.py and by bench_engine.py on the 10k book) and
exists only so that the benchmark can time the two on the same data. Rounding is half up to the cent, as
`arcollect.engine.money.round_money` does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import pandas as pd

from arcollect.engine import aging
from arcollect.schema import FX, Invoices


def records(aged: pd.DataFrame) -> list[dict[str, Any]]:
    """The open items as the loop sees them: one dict per invoice with Python dates and floats."""
    frame = pd.DataFrame(
        {
            "customer": aged[Invoices.CUSTOMER_ID].astype(object),
            "due": [None if pd.isna(value) else value.date() for value in pd.to_datetime(aged[Invoices.DUE_DATE])],
            "currency": aged[Invoices.CURRENCY].astype(object),
            "open_amount": aged[Invoices.OPEN_AMOUNT].astype("float64"),
        }
    )
    return frame.to_dict("records")


def _round_half_up(value: float, digits: int = 2) -> float:
    scaled = abs(value) * 10**digits
    rounded = math.floor(scaled + 0.5 + 1e-9) / 10**digits
    return math.copysign(rounded, value)


def aging_summary(
    rows: pd.DataFrame | list[dict[str, Any]],
    fx_table: pd.DataFrame,
    as_of: dt.date,
    edges: tuple[int, ...] = aging.DEFAULT_EDGES,
) -> tuple[list[str | None], dict[str, dict[str, float]]]:
    """(bucket of each row, {customer: {bucket: base-currency total}}), one row at a time.

    `rows` is the aged open items as a DataFrame (walked with ``iterrows()``) or as `records`.
    """
    if isinstance(rows, pd.DataFrame):
        return _loop(_rows_of(rows), fx_table, pd.Timestamp(as_of), edges)
    return _loop(rows, fx_table, as_of, edges)


def _rows_of(frame: pd.DataFrame) -> Any:
    for _label, row in frame.iterrows():
        due = row[Invoices.DUE_DATE]
        yield {
            "customer": row[Invoices.CUSTOMER_ID],
            "due": None if pd.isna(due) else due,
            "currency": row[Invoices.CURRENCY],
            "open_amount": row[Invoices.OPEN_AMOUNT],
        }


def _loop(
    rows: Any, fx_table: pd.DataFrame, as_of: Any, edges: tuple[int, ...]
) -> tuple[list[str | None], dict[str, dict[str, float]]]:
    rates = {"EUR": 1.0}
    for rate_row in fx_table.to_dict("records"):
        if pd.isna(rate_row[FX.DATE]):
            rates[str(rate_row[FX.CURRENCY])] = float(rate_row[FX.RATE])
    names = aging.labels(edges)
    buckets: list[str | None] = []
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        due = row["due"]
        if due is None:
            buckets.append(None)
            continue
        days = (as_of - due).days
        if days <= 0:
            name = names[0]
        elif days <= edges[1]:
            name = names[1]
        elif days <= edges[2]:
            name = names[2]
        elif days <= edges[3]:
            name = names[3]
        elif days <= edges[4]:
            name = names[4]
        else:
            name = names[5]
        buckets.append(name)
        rate = rates.get(row["currency"])
        if rate is None:
            continue
        totals[row["customer"]][name] += _round_half_up(row["open_amount"] * rate)
    return buckets, totals


def as_frame(totals: dict[str, dict[str, float]], columns: list[str]) -> pd.DataFrame:
    """The loop's totals as a customer × bucket frame (zeros where a customer has nothing in a bucket)."""
    table = pd.DataFrame.from_dict({customer: dict(cells) for customer, cells in totals.items()}, orient="index")
    table = table.reindex(columns=columns).fillna(0.0)
    return table.map(_round_half_up)
