"""Statutory late-payment interest and fixed compensation under each national law, from a dated rate table.

    >>> from arcollect.engine import interest
    >>> interest.late_interest(2000, "2024-01-31", "2024-03-16", "GB")   # 45 days at 5.25 + 8 %
    Decimal('32.67')
    >>> interest.statutory_rate("DE", "2024-08-31")
    Decimal('12.37')
    >>> interest.statutory_rate("AT", "2024-08-31")                     # § 456 UGB: 3.88 + 9.2
    Decimal('13.08')
    >>> interest.fixed_compensation(5000, "GB")
    (Decimal('70.00'), 'GBP')

Every function takes scalars or whole columns (a mixed `jurisdiction` column is computed one law at a time, each
vectorised). Scalars in give `Decimal` out; columns give float64 rounded to the currency's minor unit. Interest
runs from the day after `due_date` up to and including `as_of`; it is 0 when the amount is 0 or negative or
`as_of` is not after `due_date`, and missing (None / NaN) when an input is missing.

`jurisdiction` is the code of the law that governs the contract (ISO 3166 alpha-2). The rules of each law — the
reference-rate series and margin, whether the rate floats with each half-year or is fixed for the debt's life,
rounding, yearly compounding, consumer variant and fixed compensation — are the records of
`arcollect.engine.law.national`, each with its provision and sources; docs/LAW.md lists them. A code without a
statutory rule there (``US``, ``JP``, the Directive's ``EU``) raises `InputError`: no interest is invented for it.
A consumer debtor under a law without a modelled consumer rule raises `InputError` likewise.

Day count and exactness: simple interest is ACT/365 — calendar days divided by 365 even in a leap year — computed
exactly in integers: amount (in minor units) × Σ(rate × days), rates in thousandths of a percent; only the final
amount is rounded, half up, to the currency's minor unit (the amount itself is first rounded to that unit). Rows
whose product would overflow int64 are done with Python integers. Yearly compounding (NL) is computed in float64
and then rounded the same way. A `reference_rate` override replaces the table's reference rate for every day (the
margin is still added). A rate below zero for a period gives no interest for that period.

A day a law's rate series does not cover raises `ConfigError` naming the rate to add: arcollect never guesses a
rate (`arcollect.engine.law.rates`).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import law as laws
from arcollect.engine.columns import Shape, amounts, broadcast, dates, texts
from arcollect.engine.law import rates as table
from arcollect.engine.law.contract import ContractRule
from arcollect.engine.law.model import FIXED_ON_DUE_DATE, Compensation, Law, Provision, Regime
from arcollect.engine.money import minor_units, minor_units_array, round_money, to_decimal
from arcollect.errors import InputError

_MILLI = table.MILLI
_DAYS_IN_YEAR = 365
DENOMINATOR = 100 * _MILLI * _DAYS_IN_YEAR  # percent x thousandths x ACT/365
_INT64_MAX = np.iinfo(np.int64).max
_FIRST_DAY = np.iinfo(np.int64).min // 4  # "since the beginning": a regime without valid_from

#: The laws with a statutory business-to-business rule: the codes `late_interest` accepts.
JURISDICTIONS: tuple[str, ...] = tuple(code for code, law in laws.LAWS.items() if law.business)


# ---- rules ----------------------------------------------------------------------------------------------------


def _law(code: str) -> Law:
    return laws.get(code)


def regimes(code: str, *, consumer: bool = False) -> tuple[Regime, ...]:
    """The interest regimes of `code`'s law for a business or consumer debtor; `InputError` when there are none."""
    found = _law(code)
    chosen = found.consumer if consumer else found.business
    if not chosen:
        if consumer and found.business:
            raise InputError(
                f"{code} law has no statutory consumer late-interest rule in arcollect — charge the rate agreed in "
                f"the consumer's contract (a late charge), or pass consumer=False"
            )
        raise InputError(
            f"arcollect could not confirm {code} law's statutory late-interest rule — nothing statutory is charged; "
            "see docs/LAW.md, or set a contractual late charge"
        )
    return chosen


def contract_regimes(rule: ContractRule) -> tuple[Regime, ...]:
    """A contractual late-charge rule as a regime: a fixed yearly rate, or a reference series + margin."""
    return (Regime(Provision({"en": rule.text}), rule.series, rule.margin),)


def _starts(chosen: tuple[Regime, ...]) -> np.ndarray:
    return np.array(
        [_FIRST_DAY if r.valid_from is None else np.datetime64(r.valid_from, "D").astype("int64") for r in chosen],
        dtype="int64",
    )


def _row_totals(regime: Regime, rates_milli: np.ndarray) -> np.ndarray:
    """Reference rate + margin per row (thousandths of a percent), rounded up to a half point where the law says."""
    total = rates_milli + int(regime.margin * _MILLI)
    if regime.round_up_to_half:
        half = _MILLI // 2
        total = -(-total // half) * half
    return total


def _fixed_total(regime: Regime) -> int:
    margin = regime.margin * _MILLI
    if regime.round_up_to_half:
        margin = (regime.margin * 2).to_integral_value(rounding=ROUND_CEILING) / 2 * _MILLI
    return int(margin)


# ---- interest -------------------------------------------------------------------------------------------------


def rate_days(
    label: str,
    chosen: tuple[Regime, ...],
    first_day: np.ndarray,
    last_day: np.ndarray,
    anchor_day: np.ndarray | None = None,
    override_milli: np.ndarray | None = None,
) -> np.ndarray:
    """Σ total rate (thousandths of a percent) × days over [first_day, last_day] per row, never below 0 per period.

    `chosen` are a law's regimes in time order; a regime fixed for the debt's life takes its rate from the row
    covering `anchor_day` (the first interest day or the due date, per the regime). `override_milli` (NaN: use the
    table) replaces the reference rate. `label` names the law in a `ConfigError`.
    """
    first_day = np.asarray(first_day, dtype="int64")
    last_day = np.asarray(last_day, dtype="int64")
    days = np.maximum(last_day - first_day + 1, 0)
    total = np.zeros(first_day.shape, dtype="int64")
    if not (days > 0).any():
        return total
    starts = _starts(chosen)
    ends = np.append(starts[1:] - 1, np.iinfo(np.int64).max // 4)
    anchor = first_day if anchor_day is None else np.asarray(anchor_day, dtype="int64")
    use_table = np.ones(first_day.shape, dtype=bool) if override_milli is None else np.isnan(override_milli)
    for regime, start, end in zip(chosen, starts, ends, strict=True):
        if regime.fixed_on is not None:
            inside = (anchor >= start) & (anchor <= end) & (days > 0)
            part = days
        else:
            part = np.maximum(np.minimum(last_day, end) - np.maximum(first_day, start) + 1, 0)
            inside = part > 0
        if not inside.any():
            continue
        given = inside & ~use_table
        if given.any():
            rate = np.maximum(override_milli[given].astype("int64") + int(regime.margin * _MILLI), 0)
            total[given] += rate * part[given]
        rows = inside & use_table
        if not rows.any():
            continue
        if regime.series is None:
            total[rows] += max(_fixed_total(regime), 0) * part[rows]
            continue
        series = table.series(regime.series)
        totals = np.maximum(_row_totals(regime, series.rates_milli), 0)
        if regime.fixed_on is not None:
            index = table.row_on(label, regime.series, anchor[rows])
            total[rows] += totals[index] * part[rows]
            continue
        low = max(int(first_day[rows].min()), int(start))
        high = min(int(last_day[rows].max()), int(end))
        table.row_on(label, regime.series, np.array([low, high]))  # ConfigError when a needed day is missing
        sub_first = np.maximum(first_day[rows], start)
        sub_last = np.minimum(last_day[rows], end)
        added = np.zeros(sub_first.shape, dtype="int64")
        for row_start, row_end, row_total in zip(series.starts, series.ends, totals, strict=True):
            if row_end < low or row_start > high:
                continue
            overlap = np.minimum(sub_last, row_end) - np.maximum(sub_first, row_start) + 1
            added += row_total * np.maximum(overlap, 0)
        total[rows] += added
    return total


def divide_half_up(amount_minor: np.ndarray, rate_days_milli: np.ndarray) -> np.ndarray:
    """round_half_up(amount_minor × rate_days / DENOMINATOR) exactly, for non-negative int64 inputs."""
    amount_minor = np.asarray(amount_minor, dtype="int64")
    rate_days_milli = np.asarray(rate_days_milli, dtype="int64")
    result = np.zeros(amount_minor.shape, dtype="int64")
    safe = amount_minor <= _INT64_MAX // np.maximum(rate_days_milli, 1)
    quotient, remainder = np.divmod(amount_minor[safe] * rate_days_milli[safe], DENOMINATOR)
    result[safe] = quotient + (2 * remainder >= DENOMINATOR)
    for position in np.flatnonzero(~safe):
        quotient, remainder = divmod(int(amount_minor[position]) * int(rate_days_milli[position]), DENOMINATOR)
        result[position] = quotient + (2 * remainder >= DENOMINATOR)
    return result


def add_years(day: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day `years` later (29 February → 28 February), as int64 day numbers."""
    as_dates = np.asarray(day, dtype="int64").astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]")
    day_of_month = (as_dates - months.astype("datetime64[D]")).astype("int64")
    target_month = months + 12 * years
    last_of_month = (target_month + 1).astype("datetime64[D]").astype("int64") - 1
    return np.minimum(target_month.astype("datetime64[D]").astype("int64") + day_of_month, last_of_month)


def accrue(
    label: str,
    chosen: tuple[Regime, ...],
    amount_minor: np.ndarray,
    due_day: np.ndarray,
    as_of_day: np.ndarray,
    override_milli: np.ndarray | None = None,
) -> np.ndarray:
    """Interest in minor units (float64, whole numbers) on `amount_minor` from due_day + 1 through as_of_day."""
    first_day = np.asarray(due_day, dtype="int64") + 1
    as_of_day = np.asarray(as_of_day, dtype="int64")
    anchor = np.asarray(due_day, dtype="int64") if chosen[0].fixed_on == FIXED_ON_DUE_DATE else first_day
    if not any(regime.compounds_yearly for regime in chosen):
        return divide_half_up(
            amount_minor, rate_days(label, chosen, first_day, as_of_day, anchor, override_milli)
        ).astype("float64")
    growth = np.ones(np.shape(amount_minor), dtype="float64")
    block_start = first_day.copy()
    years = 0
    while (block_start <= as_of_day).any():
        next_block = add_years(first_day, years + 1)
        block_end = np.minimum(next_block - 1, as_of_day)
        growth *= 1.0 + rate_days(label, chosen, block_start, block_end, anchor, override_milli) / DENOMINATOR
        block_start = next_block
        years += 1
    return np.round(np.asarray(amount_minor, dtype="float64") * (growth - 1.0), 6)


def _override_milli(reference_rate: Any) -> np.ndarray | None:
    if reference_rate is None:
        return None
    values = amounts(reference_rate, "reference_rate")
    return np.where(np.isnan(values), np.nan, np.round(values * _MILLI))


def _groups(values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(normalised code, row positions) for each distinct code; missing codes are left out."""
    codes, uniques = pd.factorize(values.reshape(-1), use_na_sentinel=True)
    merged: dict[str, list[int]] = {}
    for position, raw in enumerate(uniques):
        text = str(raw).strip().upper()
        if text in {"", "NAN", "NONE", "NAT", "NULL"}:
            continue
        merged.setdefault(text, []).append(position)
    groups = []
    for code, positions in merged.items():
        mask = codes == positions[0] if len(positions) == 1 else np.isin(codes, positions)
        groups.append((code, np.flatnonzero(mask)))
    return groups


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
    rate for every day of the debt; the law's margin is still added. `currency` (ISO code, scalar or column) picks
    the minor unit the result is rounded to, half up; by default the law's own currency. Returns a `Decimal` for
    scalars (None when an input is missing), float64 otherwise. Raises `InputError` for a code without a statutory
    rule (or without a consumer rule when `consumer`), `ConfigError` when the rate table misses a day the debt needs.
    """
    shape = Shape.of(amount, due_date, as_of, jurisdiction, currency, reference_rate)
    arrays = [
        amounts(amount, "amount"),
        dates(due_date, "due_date"),
        dates(as_of, "as_of"),
        texts(jurisdiction, "jurisdiction"),
    ]
    override_values = _override_milli(reference_rate)
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
    for code, rows in _groups(code_flat):
        chosen = regimes(code, consumer=consumer)
        if currency_flat is None:
            digits = np.full(rows.shape, minor_units(_law(code).currency), dtype="int64")
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
            override = override_flat[rows][owing] if override_flat is not None else None
            minor = accrue(code, chosen, amount_minor, due_day[owing], as_of_day[owing], override)
            group_result[owing] = round_money(minor / scale, digits[owing])
        result[rows] = group_result

    if shape.scalar:
        return to_decimal(None if np.isnan(result[0]) else float(result[0]), int(digits_flat[0]))
    return shape.wrap(result.reshape(out_shape), name="late_interest")


def contractual_interest(amount: Any, due_date: Any, as_of: Any, rule: ContractRule, *, currency: Any = None) -> Any:
    """Late interest under a contractual rule (`arcollect.engine.law.contract`), same conventions as `late_interest`."""
    shape = Shape.of(amount, due_date, as_of, currency)
    money, due, as_of_values, codes = broadcast(
        amounts(amount, "amount"),
        dates(due_date, "due_date"),
        dates(as_of, "as_of"),
        texts("EUR" if currency is None else currency, "currency"),
    )
    out_shape = money.shape
    money, due, as_of_values, codes = (np.ravel(array) for array in (money, due, as_of_values, codes))
    digits = minor_units_array(codes)
    known = ~np.isnan(money) & ~np.isnat(due) & ~np.isnat(as_of_values)
    result = np.where(known, 0.0, np.nan)
    owing = known & (money > 0) & (as_of_values.astype("int64") > due.astype("int64"))
    if owing.any():
        scale = np.power(10.0, digits[owing])
        amount_minor = np.rint(round_money(money[owing], digits[owing]) * scale).astype("int64")
        minor = accrue(
            "contractual",
            contract_regimes(rule),
            amount_minor,
            due[owing].astype("int64"),
            as_of_values[owing].astype("int64"),
        )
        result[owing] = round_money(minor / scale, digits[owing])
    if shape.scalar:
        return to_decimal(None if np.isnan(result[0]) else float(result[0]), int(digits[0]))
    return shape.wrap(result.reshape(out_shape), name="late_interest")


# ---- rates ----------------------------------------------------------------------------------------------------


def _exact_total(regime: Regime, reference: Decimal) -> Decimal:
    total = reference + regime.margin
    if regime.round_up_to_half:
        total = (total * 2).to_integral_value(rounding=ROUND_CEILING) / 2
    return total


def _rates(jurisdiction: Any, on_date: Any, consumer: bool | None) -> Any:
    """Reference rates (`consumer` None) or statutory rates per row; `Decimal` for a scalar."""
    shape = Shape.of(jurisdiction, on_date)
    code_values, day_values = broadcast(texts(jurisdiction, "jurisdiction"), dates(on_date, "on_date"))
    out_shape = code_values.shape
    code_flat, day_flat = np.ravel(code_values), np.ravel(day_values)
    result = np.full(code_flat.shape, np.nan)
    exact: Decimal | None = None
    for code, rows in _groups(code_flat):
        chosen = regimes(code, consumer=bool(consumer))
        known = np.flatnonzero(~np.isnat(day_flat[rows]))
        days = day_flat[rows][known].astype("int64")
        which = np.searchsorted(_starts(chosen), days, side="right") - 1
        values = np.full(days.shape, np.nan)
        row_exact: list[Decimal] = [Decimal(0)] * days.size
        for index, regime in enumerate(chosen):
            mine = np.flatnonzero(which == index)
            if not mine.size:
                continue
            if regime.series is None:
                references = [Decimal(0)] * mine.size
            else:
                data = table.series(regime.series)
                references = [data.rates[int(r)] for r in table.row_on(code, regime.series, days[mine])]
            for position, reference in zip(mine, references, strict=True):
                value = reference if consumer is None else _exact_total(regime, reference)
                row_exact[int(position)] = value
                values[position] = float(value)
        full = np.full(rows.shape, np.nan)
        full[known] = values
        result[rows] = full
        if shape.scalar and days.size:
            exact = row_exact[0]
    if shape.scalar:
        return exact
    return shape.wrap(result.reshape(out_shape))


def reference_rate(jurisdiction: Any, on_date: Any) -> Any:
    """The reference rate (percent) the law's business rule uses for `on_date`, from the table (0 for a fixed rate).

    ECB-based laws: the MRO rate in force on 1 January / 1 July; DE: the Basiszinssatz; AT: the OeNB Basiszinssatz
    on the first day of the half-year; GB: the Bank Rate on the preceding 31 December / 30 June. For laws whose
    table holds the published statutory rate itself (PL, PT, NO) it is that rate. `Decimal` for scalars (None for
    a missing date), float64 otherwise.
    """
    return _rates(jurisdiction, on_date, None)


def statutory_rate(jurisdiction: Any, on_date: Any, *, consumer: bool = False) -> Any:
    """Reference rate + margin (percent, rounded as the law rounds) for `on_date`: that day's late-interest rate."""
    return _rates(jurisdiction, on_date, consumer)


def reference_rates() -> pd.DataFrame:
    """The shipped reference-rate rows each law's business rule reads, one row per law and table row.

    Columns: ``jurisdiction``, ``series``, ``valid_from``, ``valid_to`` (inclusive), ``reference_rate`` (percent,
    float) and ``source``. Laws with a fixed statutory rate (CH) have no rows.
    """
    rows = table.table()
    frames = []
    for code in JURISDICTIONS:
        for regime in laws.LAWS[code].business:
            if regime.series is None:
                continue
            picked = rows[rows["series"] == regime.series].copy()
            if regime.valid_from is not None:
                picked = picked[picked["valid_to"] >= pd.Timestamp(regime.valid_from)]
            later = [
                r.valid_from
                for r in laws.LAWS[code].business
                if r.valid_from and (regime.valid_from or "") < r.valid_from
            ]
            if later:
                picked = picked[picked["valid_from"] < pd.Timestamp(min(later))]
            picked.insert(0, "jurisdiction", code)
            frames.append(picked)
    result = pd.concat(frames, ignore_index=True)
    result["reference_rate"] = result.pop("rate").astype("float64")
    return result[["jurisdiction", "series", "valid_from", "valid_to", "reference_rate", "source"]]


# ---- fixed compensation ---------------------------------------------------------------------------------------


def compensation_rule(code: str, *, consumer: bool = False) -> Compensation | None:
    """The law's fixed compensation for a business (or consumer) debtor; None when it gives none."""
    found = _law(code)
    return found.consumer_compensation if consumer else found.compensation


def compensation_sums(rule: Compensation, debt: np.ndarray) -> np.ndarray:
    """The fixed sum per debt (in the rule's currency): its tier, or its scale within the minimum and maximum."""
    if rule.scale:
        remaining = np.nan_to_num(debt).copy()
        total = np.zeros(debt.shape)
        for width, percent in rule.scale:
            band = np.minimum(remaining, float(width))
            total += band * float(percent) / 100
            remaining = remaining - band
        total = np.maximum(total, float(rule.minimum))
        if rule.maximum is not None:
            total = np.minimum(total, float(rule.maximum))
        return round_money(total, 2)
    bounds = np.array([float(bound) for bound, _ in rule.tiers])
    sums = np.array([float(value) for _, value in rule.tiers])
    side = "left" if rule.tier_bound_inclusive else "right"
    tier = np.searchsorted(bounds, np.nan_to_num(debt), side=side)
    return sums[np.minimum(tier, len(sums) - 1)]


def fixed_compensation(amount: Any, jurisdiction: Any, *, consumer: bool = False) -> tuple[Any, Any]:
    """The fixed recovery-cost sum per late invoice, and the currency the statute states it in.

    `amount` is the debt in the statute's currency (GBP for GB, PLN for PL, EUR for most; convert it first at the
    date the law names — `arcollect.engine.pricing` does). Returns ``(sum, currency)``: a `Decimal` and an ISO
    code for scalars, two columns otherwise. 0 for an amount of 0 or less and where the law gives nothing (a
    consumer under German law, a law without a fixed sum); None / NaN when missing. NL: the collection-cost scale
    of the Besluit (15 % of the first € 2,500 …, at least € 40, at most € 6,775).
    """
    shape = Shape.of(amount, jurisdiction)
    amount_values, code_values = broadcast(amounts(amount, "amount"), texts(jurisdiction, "jurisdiction"))
    out_shape = amount_values.shape
    amount_flat, code_flat = np.ravel(amount_values), np.ravel(code_values)
    result = np.full(amount_flat.shape, np.nan)
    currencies = np.full(amount_flat.shape, None, dtype=object)
    for code, rows in _groups(code_flat):
        found = _law(code)
        rule = compensation_rule(code, consumer=consumer)
        debt = round_money(amount_flat[rows], 2)
        if rule is None:
            values = np.where(np.isnan(debt), np.nan, 0.0)
            currencies[rows] = found.currency
        else:
            values = np.where(np.isnan(debt), np.nan, compensation_sums(rule, debt))
            currencies[rows] = rule.sum_currency or rule.currency
        result[rows] = np.where(debt <= 0, 0.0, values)

    if shape.scalar:
        value = None if np.isnan(result[0]) else float(result[0])
        return to_decimal(value, 2), currencies[0]
    return (
        shape.wrap(result.reshape(out_shape), name="fixed_compensation"),
        shape.wrap(currencies.reshape(out_shape), name="currency"),
    )
