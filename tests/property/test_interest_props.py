"""Properties of statutory late interest that must hold for any invoice (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from arcollect.engine import interest
from tests.property.conftest import PROPERTY

JURISDICTIONS = ["AT", "BE", "FI", "DE", "FR", "GB", "NL", "IT", "ES", "IE", "SI", "CH"]
SIMPLE_CHANGING = ["AT", "DE", "FR", "IT", "ES", "SI"]
FIRST_DUE = dt.date(2020, 1, 1)  # IE fixes its rate on the due date itself
LAST_AS_OF = dt.date(2026, 12, 31)

money = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("50000000"), places=2)
due_dates = st.dates(min_value=FIRST_DUE, max_value=dt.date(2026, 12, 30))
jurisdictions = st.sampled_from(JURISDICTIONS)


@st.composite
def invoices(draw: st.DrawFn) -> tuple[Decimal, dt.date, dt.date, str]:
    due = draw(due_dates)
    as_of = draw(st.dates(min_value=due - dt.timedelta(days=30), max_value=LAST_AS_OF))
    return draw(money), due, as_of, draw(jurisdictions)


@PROPERTY
@given(invoices(), st.integers(min_value=0, max_value=400))
def test_interest_never_decreases_as_time_passes(invoice, extra_days):
    amount, due, as_of, code = invoice
    later = min(as_of + dt.timedelta(days=extra_days), LAST_AS_OF)
    assert interest.late_interest(amount, due, as_of, code) <= interest.late_interest(amount, due, later, code)


@PROPERTY
@given(invoices(), st.decimals(min_value=0, max_value=Decimal("100000"), places=2))
def test_interest_never_decreases_as_the_amount_grows(invoice, increase):
    amount, due, as_of, code = invoice
    bigger = interest.late_interest(amount + increase, due, as_of, code)
    assert interest.late_interest(amount, due, as_of, code) <= bigger


@PROPERTY
@given(invoices())
def test_interest_is_never_negative(invoice):
    assert interest.late_interest(*invoice) >= 0


@settings(PROPERTY, max_examples=50)
@given(st.lists(invoices(), min_size=1, max_size=30))
def test_column_result_equals_the_scalar_decimal_result_row_by_row(rows):
    amounts, dues, as_ofs, codes = (list(column) for column in zip(*rows, strict=True))
    column = interest.late_interest(
        pd.Series([float(a) for a in amounts]), pd.to_datetime(pd.Series(dues)), pd.Series(as_ofs), codes
    )
    for position, row in enumerate(rows):
        assert column.iloc[position] == float(interest.late_interest(*row))


@PROPERTY
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2),
    st.dates(min_value=FIRST_DUE, max_value=dt.date(2026, 12, 30)),
    st.integers(min_value=1, max_value=800),
    st.sampled_from(SIMPLE_CHANGING),
)
def test_simple_interest_equals_the_day_by_day_sum_of_statutory_rates_rounded_once(amount, due, days, code):
    as_of = min(due + dt.timedelta(days=days), LAST_AS_OF)
    interest_days = pd.date_range(due + dt.timedelta(days=1), as_of, freq="D")
    daily_rates = interest.statutory_rate(code, interest_days.to_numpy())
    rate_days = sum((Decimal(str(round(rate, 3))) for rate in np.asarray(daily_rates)), Decimal(0))
    expected = (amount * rate_days / Decimal(36500)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert interest.late_interest(amount, due, as_of, code) == expected
