"""Statutory late-payment interest and fixed compensation, from a dated table of reference rates.

    >>> from arcollect.engine import interest
    >>> interest.late_interest(2000, "2024-01-31", "2024-03-16", "GB")   # 45 days at 5.25 + 8 %
    Decimal('32.67')
    >>> interest.statutory_rate("DE", "2024-08-31")
    Decimal('12.37')
    >>> interest.fixed_compensation(5000, "GB")
    (Decimal('70.00'), 'GBP')

Every function takes scalars or whole columns (a mixed `jurisdiction` column is computed one jurisdiction at a
time, each vectorised). Scalars in give `Decimal` out; columns give float64 rounded to the currency's minor unit.
Interest runs from the day after `due_date` up to and including `as_of`; it is 0 when the amount is 0 or
negative or `as_of` is not after `due_date`, and missing (None / NaN) when an input is missing.

Rules per jurisdiction (percentages are percent numbers, margins are percentage points):

- **EU** — Directive 2011/7/EU art. 2(6)-(7), 3(2), 6: ECB main refinancing (MRO) rate + 8, the MRO rate in
  force on 1 January for January-June and on 1 July for July-December; the rate changes with each half-year the
  debt stays unpaid. EUR 40 per invoice.
- **DE** — BGB §288(2) with §247: Basiszinssatz + 9 between businesses, §288(1) Basiszinssatz + 5 when a consumer
  is involved (``consumer=True``). The Basiszinssatz changes on 1 January and 1 July and each half-year's value
  applies to the days in that half-year. EUR 40 Pauschale (§288(5)) only when the debtor is not a consumer.
  German law fixes no day count (courts use ACT/365, ACT/ACT or 30/360); arcollect uses ACT/365.
- **FR** — Code de commerce L441-10: ECB MRO rate + 10, the rate in force on 1 January for the first half-year
  and on 1 July for the second, changing with the half-year; EUR 40 indemnité forfaitaire per invoice (D441-5).
  Bpifrance formula: amount × rate × days / 365.
- **GB** — Late Payment of Commercial Debts (Interest) Act 1998 and the Rate of Interest (No. 3) Order 2002:
  Bank of England base rate + 8, simple. The base rate is the one in force on 31 December (debts that start
  carrying interest 1 January-30 June) or 30 June (1 July-31 December) and stays FIXED for the life of the debt.
  Fixed sums (s.5A): GBP 40 below 1,000, GBP 70 from 1,000 to 9,999.99, GBP 100 from 10,000. Business debts only:
  there is no consumer regime.
- **NL** — BW 6:119a (wettelijke handelsrente): ECB MRO rate + 8 per half-year, and after each full year from the
  day interest starts the unpaid interest is added to the principal (yearly compounding, BW 6:119a(3)).
  EUR 40 minimum (BW 6:96(4), B2B).
- **IT** — D.Lgs 231/2002 art. 5 (as amended by D.Lgs 192/2012): ECB rate + 8 per half-year (the MEF publishes
  it), changing with the half-year; EUR 40 (art. 6).
- **ES** — Ley 3/2004 art. 7 (as amended by RDL 4/2013): ECB MRO rate + 8 per half-year; EUR 40 (art. 8).
- **IE** — European Communities (Late Payment in Commercial Transactions) Regulations 2012 (S.I. 580/2012):
  ECB MRO rate + 8, the rate in force on 1 January / 1 July; the Department of Enterprise says "only one ECB rate
  will apply to a late payment — the ECB rate in force on the payment date", read here as the required payment
  date (`due_date`): one rate, fixed for the life of the debt. Compensation (Schedule, reg. 9): EUR 40 for a debt
  not exceeding 1,000, EUR 70 above 1,000 up to 10,000, EUR 100 above 10,000.

Consumer interest is modelled only for DE; asking for it elsewhere raises `InputError`.

Day count and exactness: every simple regime is ACT/365 — the number of calendar days divided by 365 even in a
leap year. Simple interest is computed exactly in integers, amount (in minor units) × Σ(rate × days) with rates
in thousandths of a percent, and only the final amount is rounded, half up, to the currency's minor unit (the
amount itself is first rounded to that unit). Rows whose product would overflow int64 are done with Python
integers. NL's yearly compounding is computed in float64 and then rounded the same way. A `reference_rate`
override is used for every day of the debt (rounded to a thousandth of a percent); the statutory margin is still
added. A total rate below zero gives no interest.

The reference rates live in ``data/reference_rates.csv``, one row per series and half-year: ``ECB_MRO`` (the MRO
rate in force on 1 January / 1 July; EU, FR, NL, IT, ES, IE), ``DE_BASIS`` (the Basiszinssatz) and
``GB_BANK_RATE`` (the Bank Rate on 31 December / 30 June, stored against the half-year it governs). A day the
table does not cover raises `ConfigError` naming the rate to add; arcollect never guesses a rate.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine._coerce import (
    Shape,
    amounts,
    broadcast,
    dates,
    minor_units,
    minor_units_array,
    round_money,
    texts,
    to_decimal,
)
from arcollect.errors import ConfigError, InputError

_TABLE_FILE = "reference_rates.csv"
_MILLI = 1000  # rates are held in thousandths of a percent, so every table rate is an exact integer
_DAYS_IN_YEAR = 365
_DENOMINATOR = 100 * _MILLI * _DAYS_IN_YEAR  # percent x thousandths x ACT/365
_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class _Rule:
    """One jurisdiction's statutory late-interest rule."""

    series: str
    margin: Decimal
    consumer_margin: Decimal | None
    rate_fixed_on: str | None  # None: the rate follows each half-year; "due_date" / "first_interest_day": one rate
    compounds_yearly: bool
    currency: str
    compensation_tiers: tuple[tuple[Decimal, Decimal], ...]  # (largest debt in the tier, sum); last is open-ended
    tier_bound_inclusive: bool = False
    consumer_compensation: Decimal | None = None


_EUR_40 = ((Decimal("Infinity"), Decimal(40)),)
_RULES: dict[str, _Rule] = {
    "EU": _Rule("ECB_MRO", Decimal(8), None, None, False, "EUR", _EUR_40),
    "DE": _Rule("DE_BASIS", Decimal(9), Decimal(5), None, False, "EUR", _EUR_40, consumer_compensation=Decimal(0)),
    "FR": _Rule("ECB_MRO", Decimal(10), None, None, False, "EUR", _EUR_40),
    "GB": _Rule(
        "GB_BANK_RATE",
        Decimal(8),
        None,
        "first_interest_day",
        False,
        "GBP",
        ((Decimal(1000), Decimal(40)), (Decimal(10000), Decimal(70)), (Decimal("Infinity"), Decimal(100))),
    ),
    "NL": _Rule("ECB_MRO", Decimal(8), None, None, True, "EUR", _EUR_40),
    "IT": _Rule("ECB_MRO", Decimal(8), None, None, False, "EUR", _EUR_40),
    "ES": _Rule("ECB_MRO", Decimal(8), None, None, False, "EUR", _EUR_40),
    "IE": _Rule(
        "ECB_MRO",
        Decimal(8),
        None,
        "due_date",
        False,
        "EUR",
        ((Decimal(1000), Decimal(40)), (Decimal(10000), Decimal(70)), (Decimal("Infinity"), Decimal(100))),
        tier_bound_inclusive=True,
    ),
}

JURISDICTIONS: tuple[str, ...] = tuple(_RULES)

_SERIES_LABELS = {
    "ECB_MRO": ("ECB main refinancing rate", "ECB, the rate in force on 1 January / 1 July"),
    "DE_BASIS": ("Basiszinssatz", "Bundesbank"),
    "GB_BANK_RATE": ("Bank of England base rate", "Bank of England Bank Rate on 31 December / 30 June"),
}


@dataclass(frozen=True)
class _Series:
    starts: np.ndarray  # int64 day numbers (days since 1970-01-01), first day of each row
    ends: np.ndarray  # int64 day numbers, last day of each row (inclusive)
    rates_milli: np.ndarray  # int64, thousandths of a percent
    rates: tuple[Decimal, ...]


# ---- the table ---------------------------------------------------------------------------------------------


@cache
def _table() -> pd.DataFrame:
    text = resources.files("arcollect.engine").joinpath("data", _TABLE_FILE).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"], format="%Y-%m-%d")
    frame["valid_to"] = pd.to_datetime(frame["valid_to"], format="%Y-%m-%d")
    return frame.sort_values(["series", "valid_from"], ignore_index=True)


@cache
def _series() -> dict[str, _Series]:
    """The shipped table as integer arrays per series; gaps or overlaps are a broken table (`ConfigError`)."""
    result = {}
    for name, rows in _table().groupby("series", sort=False):
        starts = rows["valid_from"].to_numpy().astype("datetime64[D]").astype("int64")
        ends = rows["valid_to"].to_numpy().astype("datetime64[D]").astype("int64")
        if np.any(starts[1:] != ends[:-1] + 1) or np.any(ends < starts):
            raise ConfigError(f"{_TABLE_FILE}: the {name} rows must follow each other without gaps or overlaps")
        rates = tuple(Decimal(value) for value in rows["rate"])
        milli = [rate * _MILLI for rate in rates]
        if any(value != value.to_integral_value() for value in milli):
            raise ConfigError(f"{_TABLE_FILE}: {name} rates must have at most three decimals")
        result[str(name)] = _Series(starts, ends, np.array([int(v) for v in milli], dtype="int64"), rates)
    return result


def reference_rates() -> pd.DataFrame:
    """The shipped reference-rate table, one row per jurisdiction and half-year.

    Columns: ``jurisdiction``, ``series``, ``valid_from``, ``valid_to`` (inclusive), ``reference_rate`` (percent,
    float) and ``source``. For GB the rate shown against a half-year is the Bank Rate on the reference date before
    it (31 December / 30 June), which governs debts that start carrying interest in that half-year.
    """
    table = _table()
    frames = []
    for code, rule in _RULES.items():
        rows = table[table["series"] == rule.series].copy()
        rows.insert(0, "jurisdiction", code)
        frames.append(rows)
    result = pd.concat(frames, ignore_index=True)
    result["reference_rate"] = result.pop("rate").astype("float64")
    return result[["jurisdiction", "series", "valid_from", "valid_to", "reference_rate", "source"]]


def _missing_rate(jurisdiction: str, series_name: str, day: int) -> ConfigError:
    series = _series()[series_name]
    label, publisher = _SERIES_LABELS[series_name]
    if day > series.ends[-1]:
        first_missing = np.datetime64(int(series.ends[-1]) + 1, "D")
        return ConfigError(
            f"no {jurisdiction} {label} for {first_missing} onward in {_TABLE_FILE} — "
            f"add the rate valid from {first_missing} ({publisher})"
        )
    wanted = np.datetime64(int(day), "D").astype("datetime64[M]")
    half_year_start = wanted - (wanted.astype("int64") % 6)
    return ConfigError(
        f"no {jurisdiction} {label} before {np.datetime64(int(series.starts[0]), 'D')} in {_TABLE_FILE} "
        f"(needed for {np.datetime64(int(day), 'D')}) — add the rates valid from "
        f"{half_year_start.astype('datetime64[D]')} ({publisher})"
    )


def _rate_on(jurisdiction: str, series_name: str, days: np.ndarray) -> np.ndarray:
    """Row index into the series for each day; every day must be covered."""
    series = _series()[series_name]
    if days.size and days.max() > series.ends[-1]:
        raise _missing_rate(jurisdiction, series_name, int(days.max()))
    if days.size and days.min() < series.starts[0]:
        raise _missing_rate(jurisdiction, series_name, int(days.min()))
    return np.searchsorted(series.starts, days, side="right") - 1


# ---- arguments ----------------------------------------------------------------------------------------------


def _rule(code: str) -> _Rule:
    try:
        return _RULES[code]
    except KeyError:
        raise InputError(
            f"Jurisdiction '{code}' has no statutory late-interest rule in arcollect — use one of "
            f"{', '.join(_RULES)} (or pass the contract rate as reference_rate with one of them)"
        ) from None


def _check_consumer(code: str, rule: _Rule, consumer: bool) -> None:
    if consumer and rule.consumer_margin is None:
        raise InputError(
            f"Jurisdiction '{code}' has no statutory consumer late-interest rate in arcollect — charge the rate "
            f"agreed in the consumer's contract, or pass consumer=False (reference_rate=… overrides the "
            f"reference rate of the business-to-business rule)"
        )


def _jurisdiction_groups(values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(normalised code, row positions) for each distinct jurisdiction; missing codes are left out."""
    codes, uniques = pd.factorize(values.reshape(-1), use_na_sentinel=True)
    merged: dict[str, list[int]] = {}
    for position, raw in enumerate(uniques):
        text = str(raw).strip().upper()
        if text in {"", "NAN", "NONE", "NAT", "NULL"}:
            continue
        _rule(text)
        merged.setdefault(text, []).append(position)
    groups = []
    for code, positions in merged.items():
        mask = codes == positions[0] if len(positions) == 1 else np.isin(codes, positions)
        groups.append((code, np.flatnonzero(mask)))
    return groups


def _override_milli(reference_rate: Any) -> np.ndarray | None:
    if reference_rate is None:
        return None
    values = amounts(reference_rate, "reference_rate")
    return np.where(np.isnan(values), np.nan, np.round(values * _MILLI))


def _margin_milli(rule: _Rule, consumer: bool) -> int:
    margin = rule.consumer_margin if consumer else rule.margin
    return int(margin * _MILLI)


# ---- interest -----------------------------------------------------------------------------------------------


def _rate_days(
    code: str, rule: _Rule, first_day: np.ndarray, last_day: np.ndarray, anchor_day: np.ndarray
) -> np.ndarray:
    """Σ reference rate (thousandths of a percent) × days over [first_day, last_day], per row, from the table."""
    days = np.maximum(last_day - first_day + 1, 0)
    if rule.rate_fixed_on is not None:
        index = _rate_on(code, rule.series, anchor_day)
        return _series()[rule.series].rates_milli[index] * days
    series = _series()[rule.series]
    total = np.zeros(first_day.shape, dtype="int64")
    active = days > 0
    if not active.any():
        return total
    low, high = first_day[active].min(), last_day[active].max()
    _rate_on(code, rule.series, np.array([low, high]))  # ConfigError when the table misses a day the debt needs
    for start, end, rate in zip(series.starts, series.ends, series.rates_milli, strict=True):
        if end < low or start > high:
            continue
        overlap = np.minimum(last_day, end) - np.maximum(first_day, start) + 1
        total += rate * np.maximum(overlap, 0)
    return total


def _divide_half_up(amount_minor: np.ndarray, rate_days: np.ndarray) -> np.ndarray:
    """round_half_up(amount_minor × rate_days / _DENOMINATOR) exactly, for non-negative int64 inputs."""
    result = np.zeros(amount_minor.shape, dtype="int64")
    safe = amount_minor <= _INT64_MAX // np.maximum(rate_days, 1)
    quotient, remainder = np.divmod(amount_minor[safe] * rate_days[safe], _DENOMINATOR)
    result[safe] = quotient + (2 * remainder >= _DENOMINATOR)
    for position in np.flatnonzero(~safe):
        quotient, remainder = divmod(int(amount_minor[position]) * int(rate_days[position]), _DENOMINATOR)
        result[position] = quotient + (2 * remainder >= _DENOMINATOR)
    return result


def _add_years(day: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day `years` later (29 February → 28 February), as int64 day numbers."""
    as_dates = day.astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]")
    day_of_month = (as_dates - months.astype("datetime64[D]")).astype("int64")
    target_month = months + 12 * years
    last_of_month = (target_month + 1).astype("datetime64[D]").astype("int64") - 1
    return np.minimum(target_month.astype("datetime64[D]").astype("int64") + day_of_month, last_of_month)


def _group_interest(
    code: str,
    rule: _Rule,
    consumer: bool,
    amount_minor: np.ndarray,
    due_day: np.ndarray,
    as_of_day: np.ndarray,
    override: np.ndarray | None,
) -> np.ndarray:
    """Interest in minor units (float64, whole numbers) for rows of one jurisdiction with amount > 0, as_of > due."""
    margin = _margin_milli(rule, consumer)
    first_day = due_day + 1
    anchor = due_day if rule.rate_fixed_on == "due_date" else first_day

    def rate_days(start: np.ndarray, end: np.ndarray) -> np.ndarray:
        days = np.maximum(end - start + 1, 0)
        table_rows = np.ones(start.shape, dtype=bool) if override is None else np.isnan(override)
        total = np.zeros(start.shape, dtype="int64")
        if table_rows.any():
            total[table_rows] = _rate_days(code, rule, start[table_rows], end[table_rows], anchor[table_rows])
        if override is not None:
            given = ~table_rows
            total[given] = override[given].astype("int64") * days[given]
        return np.maximum(total + margin * days, 0)

    if not rule.compounds_yearly:
        return _divide_half_up(amount_minor, rate_days(first_day, as_of_day)).astype("float64")

    growth = np.ones(amount_minor.shape, dtype="float64")
    block_start = first_day.copy()
    years = 0
    while (block_start <= as_of_day).any():
        next_block = _add_years(first_day, years + 1)
        block_end = np.minimum(next_block - 1, as_of_day)
        growth *= 1.0 + rate_days(block_start, block_end) / _DENOMINATOR
        block_start = next_block
        years += 1
    return np.round(amount_minor * (growth - 1.0), 6)


def late_interest(
    amount: Any,
    due_date: Any,
    as_of: Any,
    jurisdiction: Any,
    *,
    consumer: bool = False,
    reference_rate: Any = None,
    currency: Any = None,
) -> Any:
    """Statutory late-payment interest on `amount`, from the day after `due_date` up to and including `as_of`.

    `reference_rate` (percent, scalar or column; NaN rows fall back to the table) replaces the table's reference
    rate for every day of the debt; the jurisdiction's margin is still added. `currency` (ISO code, scalar or
    column) picks the minor unit the result is rounded to, half up; by default the jurisdiction's own currency
    (GB: GBP, else EUR). Returns a `Decimal` for scalars (None when an input is missing), float64 otherwise.
    Raises `InputError` for an unknown jurisdiction or an undefined consumer regime, `ConfigError` when the rate
    table does not cover a day the debt needs.
    """
    shape = Shape.of(amount, due_date, as_of, jurisdiction, currency, reference_rate)
    amount_values = amounts(amount, "amount")
    due_values = dates(due_date, "due_date")
    as_of_values = dates(as_of, "as_of")
    code_values = texts(jurisdiction, "jurisdiction")
    override_values = _override_milli(reference_rate)
    arrays = [amount_values, due_values, as_of_values, code_values]
    if override_values is not None:
        arrays.append(override_values)
    if currency is not None:
        arrays.append(texts(currency, "currency"))
    arrays = broadcast(*arrays)
    out_shape = arrays[0].shape
    amount_flat, due_flat, as_of_flat, code_flat = (np.ravel(array) for array in arrays[:4])
    override_flat = np.ravel(arrays[4]).astype("float64") if override_values is not None else None
    currency_flat = np.ravel(arrays[-1]) if currency is not None else None

    result = np.full(amount_flat.shape, np.nan)
    digits_flat = np.full(amount_flat.shape, 2, dtype="int64")
    for code, rows in _jurisdiction_groups(code_flat):
        rule = _rule(code)
        _check_consumer(code, rule, consumer)
        if currency_flat is None:
            digits = np.full(rows.shape, minor_units(rule.currency), dtype="int64")
        else:
            digits = minor_units_array(currency_flat[rows])
        digits_flat[rows] = digits
        amount_rows = amount_flat[rows]
        due_rows, as_of_rows = due_flat[rows], as_of_flat[rows]
        known = ~np.isnan(amount_rows) & ~np.isnat(due_rows) & ~np.isnat(as_of_rows)
        group_result = np.where(known, 0.0, np.nan)
        due_day = due_rows.astype("int64")
        as_of_day = as_of_rows.astype("int64")
        owing = known & (amount_rows > 0) & (as_of_day > due_day)
        if owing.any():
            scale = np.power(10.0, digits[owing])
            amount_minor = np.rint(round_money(amount_rows[owing], digits[owing]) * scale).astype("int64")
            minor = _group_interest(
                code,
                rule,
                consumer,
                amount_minor,
                due_day[owing],
                as_of_day[owing],
                override_flat[rows][owing] if override_flat is not None else None,
            )
            group_result[owing] = round_money(minor / scale, digits[owing])
        result[rows] = group_result

    if shape.scalar:
        return to_decimal(None if np.isnan(result[0]) else float(result[0]), int(digits_flat[0]))
    return shape.wrap(result.reshape(out_shape), name="late_interest")


# ---- rates --------------------------------------------------------------------------------------------------


def _rates(jurisdiction: Any, on_date: Any, consumer: bool | None) -> Any:
    shape = Shape.of(jurisdiction, on_date)
    code_values, day_values = broadcast(texts(jurisdiction, "jurisdiction"), dates(on_date, "on_date"))
    out_shape = code_values.shape
    code_flat, day_flat = np.ravel(code_values), np.ravel(day_values)
    result = np.full(code_flat.shape, np.nan)
    exact: Decimal | None = None
    for code, rows in _jurisdiction_groups(code_flat):
        rule = _rule(code)
        margin = Decimal(0)
        if consumer is not None:
            _check_consumer(code, rule, consumer)
            margin = rule.consumer_margin if consumer else rule.margin
        known = ~np.isnat(day_flat[rows])
        index = _rate_on(code, rule.series, day_flat[rows][known].astype("int64"))
        series = _series()[rule.series]
        values = np.full(rows.shape, np.nan)
        values[known] = (series.rates_milli[index] + int(margin * _MILLI)) / _MILLI
        result[rows] = values
        if shape.scalar and index.size:
            exact = series.rates[int(index[0])] + margin
    if shape.scalar:
        return exact
    return shape.wrap(result.reshape(out_shape))


def reference_rate(jurisdiction: Any, on_date: Any) -> Any:
    """The reference rate (percent) the jurisdiction's rule uses for `on_date`'s half-year, from the table.

    ECB-based jurisdictions: the MRO rate in force on 1 January / 1 July; DE: the Basiszinssatz; GB: the Bank Rate
    on the preceding 31 December / 30 June. `Decimal` for scalars (None for a missing date), float64 otherwise.
    """
    return _rates(jurisdiction, on_date, None)


def statutory_rate(jurisdiction: Any, on_date: Any, *, consumer: bool = False) -> Any:
    """Reference rate + statutory margin (percent) for `on_date`'s half-year: the late-interest rate of that day."""
    return _rates(jurisdiction, on_date, consumer)


# ---- fixed compensation -------------------------------------------------------------------------------------


def fixed_compensation(amount: Any, jurisdiction: Any, *, consumer: bool = False) -> tuple[Any, Any]:
    """The fixed recovery-cost sum the creditor may claim per late invoice, and its currency.

    Returns ``(sum, currency)``: a `Decimal` and an ISO code for scalars, two columns otherwise. The sum is in the
    statute's currency (GBP for GB, EUR elsewhere), whatever the invoice currency; tiers compare the invoice
    amount as given. 0 for an amount of 0 or less and for a German consumer debt; None / NaN when missing.
    """
    shape = Shape.of(amount, jurisdiction)
    amount_values, code_values = broadcast(amounts(amount, "amount"), texts(jurisdiction, "jurisdiction"))
    out_shape = amount_values.shape
    amount_flat, code_flat = np.ravel(amount_values), np.ravel(code_values)
    result = np.full(amount_flat.shape, np.nan)
    currencies = np.full(amount_flat.shape, None, dtype=object)
    for code, rows in _jurisdiction_groups(code_flat):
        rule = _rule(code)
        _check_consumer(code, rule, consumer)
        debt = round_money(amount_flat[rows], 2)
        values = np.full(rows.shape, np.nan)
        if consumer and rule.consumer_compensation is not None:
            values[~np.isnan(debt)] = float(rule.consumer_compensation)
        else:
            bounds = np.array([float(bound) for bound, _ in rule.compensation_tiers])
            sums = np.array([float(value) for _, value in rule.compensation_tiers])
            side = "left" if rule.tier_bound_inclusive else "right"
            tier = np.searchsorted(bounds, np.nan_to_num(debt), side=side)
            values = np.where(np.isnan(debt), np.nan, sums[np.minimum(tier, len(sums) - 1)])
        values = np.where(debt <= 0, 0.0, values)
        result[rows] = values
        currencies[rows] = rule.currency

    if shape.scalar:
        value = None if np.isnan(result[0]) else float(result[0])
        return to_decimal(value, 2), currencies[0]
    return (
        shape.wrap(result.reshape(out_shape), name="fixed_compensation"),
        shape.wrap(currencies.reshape(out_shape), name="currency"),
    )
