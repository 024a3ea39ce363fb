"""The date arithmetic of payment terms over whole columns: due date and discount deadlines, with EOM and prox
dating, short months clamped and the EOM cutoff day ("26th-of-the-month rule").

    >>> import datetime as dt
    >>> due_date("2/10 prox net 30", dt.date(2026, 6, 12))
    datetime.date(2026, 7, 31)
    >>> discount_deadline("1/10 EOM", dt.date(2026, 1, 28), cutoff_day=25)
    datetime.date(2026, 3, 10)

A column of terms (text or `Terms`) is parsed once per distinct value (`parser`), turned into per-row numpy
columns (`RowTerms`) and computed as int64 day numbers; the rules themselves are listed in `arcollect.engine.terms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import Shape, broadcast, dates, is_scalar, texts
from arcollect.engine.terms.parser import DATING_CODE, Terms, parse
from arcollect.errors import InputError


def _present(value: Any) -> bool:
    """Not None and not NaN."""
    return value is not None and not (isinstance(value, float) and np.isnan(value))


# ---- columns of terms → per-row parameters ------------------------------------------------------------------


@dataclass(frozen=True)
class RowTerms:
    """Each row's terms as numpy columns; dating is 0 invoice, 1 EOM, 2 prox, −1 where terms are missing."""

    dating: np.ndarray
    net_days: np.ndarray
    net_day_of_month: np.ndarray
    last_discount_days: np.ndarray  # 0 without a discount
    tier_days: list[np.ndarray]  # one column per tier position; 0 where a row has fewer tiers
    tier_percent: list[np.ndarray]  # NaN where a row has fewer tiers


def distinct_terms(t: Any) -> tuple[np.ndarray, list[Terms]]:
    """Codes into a list of distinct `Terms` (−1 for missing), parsing each distinct text once."""
    if is_scalar(t):
        if not _present(t) or (isinstance(t, str) and not t.strip()):
            return np.asarray(-1), []
        return np.asarray(0), [parse(t)]
    codes, uniques = _factorize(texts(t).reshape(-1))
    remap = np.full(len(uniques) + 1, -1, dtype="int64")
    distinct: dict[Terms, int] = {}
    bad: list[str] = []
    for position, value in enumerate(uniques):
        if (not isinstance(value, Terms) and pd.isna(value)) or (isinstance(value, str) and not value.strip()):
            continue
        try:
            terms_value = parse(value)
        except InputError as exc:
            bad.append(str(exc))
            continue
        remap[position] = distinct.setdefault(terms_value, len(distinct))
    if bad:
        more = f" (and {len(bad) - 1} more distinct bad terms)" if len(bad) > 1 else ""
        raise InputError(bad[0] + more)
    return remap[codes], list(distinct)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize`, except that a column of parsed `Terms` is factorized by object identity.

    Such a column (`arcollect.engine.pricing` keeps one) repeats the few objects `parse_column` made, and hashing a
    frozen dataclass runs Python code for every row — seconds at a million invoices. Identical objects are equal,
    so codes by identity are correct; equal objects that are not identical only cost an extra `parse`.
    """
    sample = next((value for value in values[:1000] if _present(value)), None)
    if not isinstance(sample, Terms):
        return pd.factorize(values)
    codes, ids = pd.factorize(np.fromiter(map(id, values), dtype="int64", count=len(values)))
    # Codes are numbered in order of first appearance, so their running maximum finds each one's first row.
    first = np.searchsorted(np.maximum.accumulate(codes), np.arange(len(ids)))
    return codes, values[first]


def _row_terms(codes: np.ndarray, distinct: list[Terms]) -> RowTerms:
    """Gather each row's parameters from a small table of the distinct terms; its extra last row serves −1."""
    width = max([1, *(len(t.discounts) for t in distinct)])
    table = [
        (DATING_CODE[t.dating], t.net_days, t.net_day_of_month, t.discounts[-1].days if t.discounts else 0)
        for t in distinct
    ]
    dating, net_days, net_dom, last_days = np.array([*table, (-1, 0, 0, 0)], dtype="int64").T
    tier_days = np.zeros((len(distinct) + 1, width), dtype="int64")
    tier_percent = np.full((len(distinct) + 1, width), np.nan)
    for row, t in enumerate(distinct):
        for column, tier in enumerate(t.discounts):
            tier_days[row, column], tier_percent[row, column] = tier.days, float(tier.percent)
    return RowTerms(
        dating[codes],
        net_days[codes],
        net_dom[codes],
        last_days[codes],
        [tier_days[:, column][codes] for column in range(width)],
        [tier_percent[:, column][codes] for column in range(width)],
    )


# ---- date arithmetic on whole arrays, as int64 day numbers (rows with a NaT date are masked at the end) ------

NAT_DAY = np.iinfo(np.int64).min


def _month_ends(invoice: np.ndarray, rows: RowTerms, cutoff_day: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Last day of the month the EOM/prox periods start from, and last day of the month after it.

    Day N of the next month is then ``min(month_end + N, next_month_end)``: clamped when the month is short.
    """
    month = invoice.astype("datetime64[M]")
    if cutoff_day is not None:
        day_in_month = invoice.view("int64") - month.astype("datetime64[D]").view("int64")
        month = month + ((rows.dating > 0) & (day_in_month >= cutoff_day)).astype("int64")
    month_end = (month + 1).astype("datetime64[D]").view("int64") - 1
    next_month_end = (month + 2).astype("datetime64[D]").view("int64") - 1
    return month_end, next_month_end


def tier_deadlines(invoice: np.ndarray, rows: RowTerms, cutoff_day: int | None) -> list[np.ndarray]:
    """Inclusive deadline (int64 day) of each tier position; NAT_DAY where a row lacks that tier."""
    month_end, next_month_end = _month_ends(invoice, rows, cutoff_day)
    start = np.where(rows.dating == 0, invoice.view("int64"), month_end)
    deadlines = []
    for days, percent in zip(rows.tier_days, rows.tier_percent, strict=True):
        deadline = start + days
        deadline = np.where(rows.dating == 2, np.minimum(deadline, next_month_end), deadline)
        deadlines.append(np.where(np.isfinite(percent), deadline, NAT_DAY))
    return deadlines


def _as_dates(days: np.ndarray, valid: np.ndarray) -> np.ndarray:
    return np.where(valid, days, NAT_DAY).view("datetime64[D]")


def _due_dates(invoice: np.ndarray, rows: RowTerms, cutoff_day: int | None) -> np.ndarray:
    month_end, next_month_end = _month_ends(invoice, rows, cutoff_day)
    on_day_of_month = np.minimum(month_end + rows.net_day_of_month, next_month_end)
    # EOM: net days after the month's end; prox: net days after the 1st of the next month (month end + 1).
    after_month = month_end + rows.net_days + (rows.dating == 2)
    month_dated = np.where(rows.net_day_of_month > 0, on_day_of_month, after_month)
    due = np.where(rows.dating == 0, invoice.view("int64") + rows.net_days, month_dated)
    return _as_dates(due, (rows.dating >= 0) & ~np.isnat(invoice))


def prepare(t: Any, *columns: np.ndarray) -> tuple[RowTerms, list[np.ndarray], tuple[int, ...]]:
    codes, distinct = distinct_terms(t)
    broadcast_columns = broadcast(codes, *columns)
    shape = broadcast_columns[0].shape
    flat = [np.ascontiguousarray(column).reshape(-1) for column in broadcast_columns]
    return _row_terms(flat[0], distinct), flat[1:], shape


def wrap_dates(shape: Shape, days: np.ndarray) -> Any:
    # pandas stores dates at second resolution; converting here is cheap, inside the Series constructor it is not.
    return shape.wrap(days.astype("datetime64[s]") if shape.index is not None else days, kind="date")


def due_date(t: Any, invoice_date: Any, *, cutoff_day: int | None = None) -> Any:
    """The date the net amount is due under the module's rules; never before the invoice date.

    `cutoff_day` (e.g. 25) turns on the EOM cutoff convention: EOM/prox invoices dated after that day of the
    month count as dated the 1st of the next month.
    """
    shape = Shape.of(t, invoice_date)
    rows, (invoice,), dims = prepare(t, dates(invoice_date, "invoice date"))
    return wrap_dates(shape, _due_dates(invoice, rows, cutoff_day).reshape(dims))


def discount_deadline(t: Any, invoice_date: Any, *, cutoff_day: int | None = None) -> Any:
    """The last day (inclusive) the first, best discount applies; None (NaT in columns) when there is none."""
    shape = Shape.of(t, invoice_date)
    rows, (invoice,), dims = prepare(t, dates(invoice_date, "invoice date"))
    first = tier_deadlines(invoice, rows, cutoff_day)[0]
    return wrap_dates(shape, _as_dates(first, (first != NAT_DAY) & ~np.isnat(invoice)).reshape(dims))
