"""Conversion of amounts to the company's base currency.

    >>> from arcollect.engine import fx
    >>> fx.to_base(100, "USD", "EUR", {"USD": 0.92})
    (Decimal('92.00'), [])

The rates table says how many units of the base currency one unit of a currency buys (``1 USD = 0.92 EUR``).
Rates may be dated: each amount then uses the latest rate on or before its as-of date, so a month-end close
can be rerun with the rates of that day. The base currency always converts at 1.

A missing rate is not an exception: the amount comes back as NaN (``None`` for a scalar) and a
`arcollect.problems.Problem` names the row, the currency and the rate to add. Results are rounded half up to
the base currency's minor unit, so per-invoice base amounts add up exactly to the totals built from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import columns, money
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import FX, Invoices

Rates = Mapping[str, float] | pd.Series | pd.DataFrame


def rate_table(rates: Rates | None) -> pd.DataFrame:
    """Any accepted form of rates as one DataFrame with the `FX` columns, codes upper-cased, sorted by date.

    Accepts a mapping ``{"USD": 0.92}``, a Series indexed by currency, or a DataFrame with `FX.CURRENCY`,
    `FX.RATE` and optionally `FX.DATE`. Rows with a missing, zero or negative rate are dropped: such a rate
    cannot convert anything, and the reader of the FX sheet reports them.
    """
    if rates is None:
        table = pd.DataFrame({FX.CURRENCY: pd.Series(dtype=object), FX.RATE: pd.Series(dtype="float64")})
    elif isinstance(rates, pd.DataFrame):
        missing = {FX.CURRENCY, FX.RATE} - set(rates.columns)
        if missing:
            raise InputError(f"FX rates need the columns {sorted(missing)}")
        table = rates.loc[:, [c for c in (FX.CURRENCY, FX.RATE, FX.DATE) if c in rates.columns]].copy()
    else:
        series = rates if isinstance(rates, pd.Series) else pd.Series(dict(rates), dtype="float64")
        table = pd.DataFrame({FX.CURRENCY: series.index.astype(str), FX.RATE: series.to_numpy()})
    table[FX.CURRENCY] = table[FX.CURRENCY].astype(str).str.strip().str.upper()
    table[FX.RATE] = columns.amounts(table[FX.RATE], "FX rate")
    table = table[table[FX.RATE] > 0]
    if FX.DATE not in table.columns:
        table[FX.DATE] = pd.NaT
    table[FX.DATE] = pd.to_datetime(columns.dates(table[FX.DATE], "FX rate date"))
    return table.sort_values([FX.DATE, FX.CURRENCY], na_position="first").reset_index(drop=True)


def to_base(
    amounts: Any,
    currencies: Any,
    base_currency: str,
    rates: Rates | None,
    *,
    as_of: Any = None,
    sheet: str = "Invoices",
    column: str = Invoices.CURRENCY,
) -> tuple[Any, list[Problem]]:
    """Convert `amounts` in `currencies` to `base_currency`; returns ``(converted, problems)``.

    `as_of` (a date or a column of dates) picks, per row, the latest dated rate on or before it; undated rates
    apply to every date, and ``as_of=None`` takes the newest rate of each currency. Converted amounts are
    rounded half up to the base currency's minor unit; rows without a usable rate are NaN and reported.
    """
    return convert(amounts, currencies, base_currency, base_currency, rates, as_of=as_of, sheet=sheet, column=column)


def convert(
    amounts: Any,
    currencies: Any,
    target: str,
    base_currency: str,
    rates: Rates | None,
    *,
    as_of: Any = None,
    sheet: str = "Invoices",
    column: str = Invoices.CURRENCY,
) -> tuple[Any, list[Problem]]:
    """Convert `amounts` in `currencies` to `target` through `base_currency`, in which `rates` are quoted.

        >>> convert(100, "USD", "GBP", "EUR", {"USD": 0.92, "GBP": 1.17})   # 100 × 0.92 / 1.17
        (Decimal('78.63'), [])

    The one conversion of arcollect: `to_base` is this with `target` = `base_currency`, `cross_rates` gives the
    same factor unrounded. Rates are chosen as in `to_base`; the result is rounded half up to `target`'s minor
    unit. A row whose currency or `target` has no rate is NaN (``None`` for a scalar) and reported — never 0.
    """
    base = str(base_currency).strip().upper()
    goal = str(target).strip().upper()
    digits = money.minor_units(goal)
    money.minor_units(base)  # an unknown base currency is an InputError, as it always was
    shape = columns.Shape.of(amounts, currencies, as_of)
    amount_array, currency_array = columns.broadcast(
        columns.amounts(amounts, "amount"), columns.texts(currencies, "currency")
    )
    amount_flat = amount_array.reshape(-1)
    # Work on the few distinct codes, not on every row: clean and look up each once.
    positions, distinct = pd.factorize(pd.Series(currency_array.reshape(-1), dtype=object), use_na_sentinel=False)
    distinct_codes = pd.Series(distinct, dtype=object).astype(str).str.strip().str.upper()
    codes = distinct_codes.to_numpy()[positions]
    table = rate_table(rates)
    rate = _per_unit(distinct_codes, positions, codes, base, table, as_of)
    missing = np.isnan(rate) & (codes != goal)  # an amount already in `target` needs no rate
    problems = _missing_rate_problems(missing, codes, shape.index, base, as_of, sheet, column)
    if goal != base:
        goal_codes = np.full(codes.shape, goal, dtype=object)
        goal_rate = _per_unit(pd.Series([goal], dtype=object), np.zeros(codes.size, dtype=int), goal_codes, base,
                              table, as_of)  # fmt: skip
        missing_goal = np.isnan(goal_rate) & (codes != goal)
        problems += _missing_rate_problems(missing_goal, goal_codes, shape.index, base, as_of, sheet, column)
        rate = np.where(codes == goal, 1.0, rate / goal_rate)

    converted = money.round_money(amount_flat * rate, digits)
    result = converted.reshape(amount_array.shape)
    if shape.scalar:
        value = result.reshape(-1)[0]
        return (None if np.isnan(value) else money.to_decimal(float(value), digits)), problems
    return shape.wrap(result, kind="float"), problems


def _per_unit(
    distinct_codes: pd.Series, positions: np.ndarray, codes: np.ndarray, base: str, table: pd.DataFrame, as_of: Any
) -> np.ndarray:
    """Units of `base` per unit of each row's currency (`codes`, = `distinct_codes[positions]`); NaN if none."""
    if as_of is None or table[FX.DATE].isna().all():
        latest = table.drop_duplicates(FX.CURRENCY, keep="last").set_index(FX.CURRENCY)[FX.RATE]
        rate = distinct_codes.map(latest).to_numpy(dtype="float64")[positions]
    else:
        dates = np.broadcast_to(columns.dates(as_of, "as-of date"), codes.shape)
        rate = _dated_rates(pd.Series(codes, dtype=object), dates, table)
    return np.where(codes == base, 1.0, rate)


def cross_rates(source: Any, target: Any, base_currency: str, rates: Rates | None, *, as_of: Any = None) -> np.ndarray:
    """Units of `target` per unit of `source`, through the base currency, at each row's `as_of` date (unrounded).

    The factor `convert` applies: the same rate choice as `to_base` (the latest dated rate on or before `as_of`,
    undated rates for any date, the newest when `as_of` is None); 1 where the currencies are equal; NaN where a
    rate is missing (never 0: the caller reports it and keeps the amount out).
    """
    base = str(base_currency).strip().upper()
    source_codes, target_codes = (_codes(values) for values in (source, target))
    source_codes, target_codes = np.broadcast_arrays(source_codes, target_codes)
    table = rate_table(rates)

    def per_unit(codes: np.ndarray) -> np.ndarray:
        positions, distinct = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=False)
        return _per_unit(pd.Series(distinct, dtype=object), positions, codes, base, table, as_of)

    factor = per_unit(source_codes) / per_unit(target_codes)
    return np.where(source_codes == target_codes, 1.0, factor)


def _codes(values: Any) -> np.ndarray:
    """Currency codes as an object array, stripped and upper-cased; each distinct value is cleaned once."""
    positions, distinct = pd.factorize(pd.Series(np.ravel(columns.texts(values, "currency")), dtype=object),
                                       use_na_sentinel=False)  # fmt: skip
    return pd.Series(distinct, dtype=object).astype(str).str.strip().str.upper().to_numpy(dtype=object)[positions]


def _dated_rates(codes: pd.Series, as_of: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """Per row, the latest rate dated on or before the row's date (undated rates count as always valid); a row
    without a date takes the newest dated rate of its currency.

    Looked up once per distinct (currency, date) pair — a column of thousands of invoices converted on one day holds
    only as many pairs as currencies — with a binary search in each currency's dated rates (ties on a date: the
    later row of the table wins, as `drop_duplicates(keep="last")` does for undated rates).
    """
    code_ids, _distinct = pd.factorize(codes.to_numpy(dtype=object), use_na_sentinel=False)
    days = pd.to_datetime(np.asarray(as_of).reshape(-1)).to_numpy().astype("datetime64[ns]")
    day_ids, day_values = pd.factorize(days, use_na_sentinel=False)
    pair_ids, pairs = pd.factorize(code_ids.astype("int64") * max(len(day_values), 1) + day_ids)
    first = np.empty(len(pairs), dtype="int64")
    first[pair_ids[::-1]] = np.arange(len(pair_ids))[::-1]  # the first row of each pair
    pair_codes = codes.to_numpy(dtype=object)[first]
    pair_days = days[first]

    undated = table[table[FX.DATE].isna()].drop_duplicates(FX.CURRENCY, keep="last")
    rate = np.array(pd.Series(pair_codes, dtype=object).map(undated.set_index(FX.CURRENCY)[FX.RATE]), dtype="float64")
    dated = table[table[FX.DATE].notna()]
    dated_days = dated[FX.DATE].to_numpy().astype("datetime64[ns]")
    dated_rates = dated[FX.RATE].to_numpy(dtype="float64")
    dated_codes = dated[FX.CURRENCY].to_numpy(dtype=object)
    known = ~np.isnat(pair_days)
    for currency in pd.unique(dated_codes):  # the few currencies with dated rates, not the rows
        rows = np.flatnonzero(pair_codes == currency)
        if not len(rows):
            continue
        mine = np.flatnonzero(dated_codes == currency)
        order = mine[np.argsort(dated_days[mine], kind="stable")]
        on_days, rates = dated_days[order], dated_rates[order]
        with_day = rows[known[rows]]
        latest = np.searchsorted(on_days, pair_days[with_day], side="right") - 1
        rate[with_day[latest >= 0]] = rates[latest[latest >= 0]]
        rate[rows[~known[rows]]] = rates[-1]
    return rate[pair_ids]


def _missing_rate_problems(
    missing: np.ndarray,
    codes: np.ndarray,
    index: pd.Index | None,
    base: str,
    as_of: Any,
    sheet: str,
    column: str,
) -> list[Problem]:
    if not missing.any():
        return []
    positions = np.flatnonzero(missing)
    labels = index[positions] if index is not None and len(index) == len(codes) else positions
    when = "" if as_of is None or not columns.is_scalar(as_of) else f" on or before {columns.dates(as_of)}"
    return [
        Problem(sheet, label, column, code, f"no FX rate for {code}{when} — add 1 {code} = ? {base} to the FX sheet")
        for label, code in zip(labels, codes[positions], strict=True)
    ]
