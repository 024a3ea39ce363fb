"""The shape of a national late-payment rule: what a statute gives a creditor, and where it says so.

A `Law` is one country's law as it applies to an invoice whose contract that law governs: a business `Regime`
(the statutory late-payment interest between businesses), optionally a consumer `Regime`, the fixed
`Compensation` for recovery costs, whether a due date falling on a weekend or holiday moves, and in which order
a partial payment is applied. Every rule carries the `Provision` that states it, in the statute's own language(s),
and the sources the figures were checked against. The records themselves live in `arcollect.engine.law.national`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: How a regime's reference rate applies over the life of a debt.
FLOATING = None  # each row of the series applies to the days it covers (a half-year's rate to that half-year)
FIXED_ON_FIRST_INTEREST_DAY = "first_interest_day"  # the row covering the first day of interest, for every day
FIXED_ON_DUE_DATE = "due_date"  # the row covering the due date, for every day

#: Payment allocation steps (`Law.allocation`): what a partial payment pays first.
COSTS, INTEREST, PRINCIPAL = "costs", "interest", "principal"

#: Conversion dates (`Compensation.converted_on`): the day whose FX rate turns the debt into the statute's currency.
ON_FIRST_INTEREST_DAY = "first_interest_day"
ON_MONTH_BEFORE_DUE = "month_before_due"  # last day of the month before the month the debt fell due (PL)


@dataclass(frozen=True)
class Provision:
    """A statutory provision cited in the statute's own language(s): ``{"de": "§ 288 Abs. 2 BGB"}``.

    The first language is the one used when the letter's language is not one of the statute's.
    """

    text: dict[str, str]

    @property
    def native(self) -> str:
        return next(iter(self.text.values()))


@dataclass(frozen=True)
class Regime:
    """Statutory late-payment interest: reference rate (a series of the rate table) + margin, per year.

    `series` None means a fixed statutory rate equal to `margin`. `fixed_on` picks one row for the whole debt
    (see the module constants). `round_up_to_half` rounds each rate (reference + margin) up to the next half
    percentage point (BE, FI). `compounds_yearly`: unpaid interest is added to the principal after each full year
    from the first day of interest (NL). Simple interest is ACT/365 everywhere: no statute in the table fixes
    another day count, and the official examples we could check divide by 365.
    """

    provision: Provision
    series: str | None
    margin: Decimal
    fixed_on: str | None = FLOATING
    round_up_to_half: bool = False
    compounds_yearly: bool = False
    valid_from: str | None = None  # first day this regime governs (ISO date); None: from the table's start
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Compensation:
    """The fixed sum for recovery costs per late invoice, in the statute's `currency`.

    `tiers`: (largest debt of the tier, sum), the last one open-ended; a debt equal to a bound falls in the next
    tier unless `tier_bound_inclusive`. `scale` (NL): a percentage scale over bands of the debt, ``(band width,
    percent)``, the sum kept within `minimum` and `maximum`. The debt is converted into `currency` at the FX rate of
    the day the law names (`converted_on`), whatever the invoice currency.
    """

    provision: Provision
    currency: str
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()
    sum_currency: str | None = None  # the currency the sums are stated in, when not `currency` (PL: EUR sums)
    tier_bound_inclusive: bool = False
    scale: tuple[tuple[Decimal, Decimal], ...] = ()
    minimum: Decimal = Decimal(0)
    maximum: Decimal | None = None
    converted_on: str = ON_FIRST_INTEREST_DAY
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Law:
    """One country's late-payment law as arcollect applies it.

    `business` holds the regimes between businesses, oldest first, each from its `valid_from` (empty: the law
    gives no statutory B2B interest arcollect models). `consumer` likewise when the debtor is a consumer (empty:
    arcollect charges a consumer nothing statutory under this law). `consumer_notice` (NL): the letter that must
    precede collection costs for a consumer, with `notice_days` to pay after the day it is received.
    `due_date_shift`: the provision that moves a due date falling on a Saturday, Sunday or public holiday (of the
    debtor's place) to the next business day. `allocation`: the order a partial payment is applied in, per
    `allocation_provision`; without one, a payment reduces the principal (the debtor's usual appropriation).
    """

    code: str
    languages: tuple[str, ...]
    currency: str
    business: tuple[Regime, ...]
    compensation: Compensation | None = None
    consumer: tuple[Regime, ...] = ()
    consumer_compensation: Compensation | None = None
    consumer_notice: Provision | None = None
    notice_days: int = 0
    due_date_shift: Provision | None = None
    allocation: tuple[str, ...] = (PRINCIPAL,)
    allocation_provision: Provision | None = None
    not_modelled: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())
