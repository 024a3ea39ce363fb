"""Properties of payment terms that must hold for every valid set of terms, date and amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from arcollect.engine import terms
from arcollect.engine.terms import Dating, DiscountTier, Terms
from tests.property.conftest import PROPERTY

percents = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99.9"), places=1)
invoice_dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("1000000"), places=2)


@st.composite
def discount_tiers(draw: st.DrawFn, max_day: int) -> tuple[DiscountTier, ...]:
    """Zero to three tiers, deadlines rising and percentages falling, days within 1..max_day."""
    count = draw(st.integers(0, 3))
    days = sorted(draw(st.sets(st.integers(1, max_day), min_size=count, max_size=count)))
    pcts = sorted(draw(st.sets(percents, min_size=count, max_size=count)), reverse=True)
    return tuple(DiscountTier(pct, day) for pct, day in zip(pcts, days, strict=True))


@st.composite
def valid_terms(draw: st.DrawFn) -> Terms:
    dating = draw(st.sampled_from(list(Dating)))
    if dating is Dating.INVOICE:
        tiers = draw(discount_tiers(max_day=120))
        last = tiers[-1].days if tiers else -1
        return Terms(tiers, draw(st.integers(last + 1, 365)))
    if dating is Dating.EOM:  # discount and net both count from the month's end: net after the last discount day
        tiers = draw(discount_tiers(max_day=60))
        return Terms(tiers, draw(st.integers(tiers[-1].days + 1 if tiers else 0, 180)), Dating.EOM)
    tiers = draw(discount_tiers(max_day=30))
    if draw(st.booleans()):
        last = tiers[-1].days if tiers else 0
        return Terms(tiers, dating=Dating.PROX, net_day_of_month=draw(st.integers(last + 1, 31)))
    # "prox net N" is due N days after the 1st of the next month: after the last discount day of that month.
    return Terms(tiers, draw(st.integers(max(tiers[-1].days if tiers else 1, 1), 180)), Dating.PROX)


@PROPERTY
@given(valid_terms())
def test_format_then_parse_gives_the_same_terms(t: Terms) -> None:
    assert terms.parse(terms.format(t)) == t


@PROPERTY
@given(valid_terms(), invoice_dates, st.sampled_from([None, 25]))
def test_due_date_is_never_before_the_invoice_date_nor_the_discount_deadline(
    t: Terms, invoice_date: dt.date, cutoff_day: int | None
) -> None:
    due = terms.due_date(t, invoice_date, cutoff_day=cutoff_day)
    assert due >= invoice_date
    deadline = terms.discount_deadline(t, invoice_date, cutoff_day=cutoff_day)
    if t.discounts:
        assert deadline <= due
    else:
        assert deadline is None


@PROPERTY
@given(valid_terms(), invoice_dates, amounts, st.integers(1, 400))
def test_no_discount_after_the_last_deadline(t: Terms, invoice_date: dt.date, amount: Decimal, days_late: int) -> None:
    due = terms.due_date(t, invoice_date)
    assert terms.discount(amount, t, invoice_date, due + dt.timedelta(days=days_late)) == 0


@PROPERTY
@given(valid_terms(), invoice_dates, amounts, st.integers(-30, 200))
def test_discount_never_exceeds_amount_times_best_percentage(
    t: Terms, invoice_date: dt.date, amount: Decimal, days_after_invoice: int
) -> None:
    pay_date = invoice_date + dt.timedelta(days=days_after_invoice)
    earned = terms.discount(amount, t, invoice_date, pay_date)
    best = t.discounts[0].percent if t.discounts else Decimal(0)
    assert Decimal(0) <= earned <= max(amount, Decimal(0)) * best / 100 + Decimal("0.005")


@PROPERTY
@given(valid_terms(), invoice_dates, amounts)
def test_paying_on_the_first_deadline_earns_the_first_discount(
    t: Terms, invoice_date: dt.date, amount: Decimal
) -> None:
    deadline = terms.discount_deadline(t, invoice_date)
    if deadline is None or amount <= 0:
        return
    expected = (amount * t.discounts[0].percent / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert terms.discount(amount, t, invoice_date, deadline) == expected
    assert terms.discount(amount, t, invoice_date, deadline + dt.timedelta(days=1)) <= expected


rows = st.tuples(
    st.one_of(valid_terms(), valid_terms().map(terms.format), st.none()),
    st.one_of(invoice_dates, st.none()),
    st.integers(-10, 120),
    amounts,
)


@settings(PROPERTY, max_examples=50)
@given(st.lists(rows, min_size=1, max_size=30))
def test_vectorised_results_equal_scalar_results_row_by_row(table: list[tuple]) -> None:
    frame = pd.DataFrame(table, columns=["terms", "invoice_date", "days_to_pay", "amount"], dtype=object)
    frame.index = [f"row{i}" for i in range(len(frame))]
    pay_dates = [
        d + dt.timedelta(days=n) if d else None for d, n in zip(frame.invoice_date, frame.days_to_pay, strict=True)
    ]
    frame["pay_date"] = pay_dates
    due = terms.due_date(frame["terms"], frame["invoice_date"])
    deadline = terms.discount_deadline(frame["terms"], frame["invoice_date"])
    earned = terms.discount(frame["amount"], frame["terms"], frame["invoice_date"], frame["pay_date"])
    apr = terms.discount_apr(frame["terms"])
    assert due.index.equals(frame.index) and earned.index.equals(frame.index)
    for label, row in frame.iterrows():
        scalar_due = terms.due_date(row["terms"], row["invoice_date"])
        assert (None if pd.isna(due[label]) else due[label].date()) == scalar_due
        scalar_deadline = terms.discount_deadline(row["terms"], row["invoice_date"])
        assert (None if pd.isna(deadline[label]) else deadline[label].date()) == scalar_deadline
        scalar_earned = terms.discount(row["amount"], row["terms"], row["invoice_date"], row["pay_date"])
        assert (None if np.isnan(earned[label]) else Decimal(repr(float(earned[label])))) == scalar_earned
        scalar_apr = terms.discount_apr(row["terms"]) if row["terms"] is not None else None
        assert (None if np.isnan(apr[label]) else apr[label]) == scalar_apr
