"""Properties of business days and send times that must hold for every input."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from arcollect.engine import calendar
from tests.property.conftest import PROPERTY

CUSTOMERS = [
    ("DE", "BY", "Europe/Berlin"),
    ("DE", "BE", "Europe/Berlin"),
    ("US", None, "America/New_York"),
    ("JP", None, "Asia/Tokyo"),
    ("GB", "ENG", "Europe/London"),
    ("SA", None, "Asia/Riyadh"),
    ("CN", None, "Asia/Shanghai"),
    ("AU", "NSW", "Australia/Sydney"),
    ("IL", None, "Asia/Jerusalem"),
    ("CL", None, "America/Santiago"),
    ("NZ", None, "Pacific/Auckland"),
]
WINDOWS = [("09:00", "17:00"), ("08:30", "12:00"), ("00:00", "24:00"), ("02:30", "03:30"), ("13:15", "13:45")]
QUARTER_HOUR = np.timedelta64(15, "m")

customers = st.sampled_from(CUSTOMERS)
days = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
instants = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31), timezones=st.just(dt.UTC))
# Days on which some zone above changes its clocks, to be sure the window search is right around them.
CLOCK_CHANGES = [
    dt.datetime(2026, 3, 8, tzinfo=dt.UTC),  # America/New_York forward
    dt.datetime(2026, 3, 29, tzinfo=dt.UTC),  # Europe forward
    dt.datetime(2026, 4, 5, tzinfo=dt.UTC),  # Sydney, Auckland, Santiago back
    dt.datetime(2026, 9, 6, tzinfo=dt.UTC),  # Santiago forward (at midnight)
    dt.datetime(2026, 9, 27, tzinfo=dt.UTC),  # Auckland forward
    dt.datetime(2026, 10, 4, tzinfo=dt.UTC),  # Sydney forward
    dt.datetime(2026, 10, 25, tzinfo=dt.UTC),  # Europe back
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),  # America/New_York back
]
near_clock_changes = st.builds(
    lambda day, minutes: day + dt.timedelta(minutes=minutes),
    st.sampled_from(CLOCK_CHANGES),
    st.integers(-3 * 24 * 60, 2 * 24 * 60),
)


@PROPERTY
@given(days, customers)
def test_business_day_agrees_with_the_holidays_package(day, customer):
    country, subdivision, _ = customer
    expected = holidays.country_holidays(country, subdiv=subdivision).is_working_day(day)
    assert calendar.is_business_day(day, country, subdivision) is expected


@PROPERTY
@given(days, st.integers(-400, 400), customers)
def test_add_business_days_lands_on_a_business_day(day, n, customer):
    country, subdivision, _ = customer
    result = calendar.add_business_days(day, n, country, subdivision)
    assert calendar.is_business_day(result, country, subdivision)
    assert (result > day) if n > 0 else (result < day) if n < 0 else (result >= day)


@PROPERTY
@given(days, st.integers(-60, 60), customers)
def test_add_business_days_is_monotone_in_n_and_steps_one_business_day_at_a_time(day, low, customer):
    country, subdivision, _ = customer
    counts = np.arange(low, low + 40)
    results = calendar.add_business_days(day, counts, country, subdivision).astype("datetime64[D]")
    steps = np.diff(results.astype("int64"))
    assert (steps >= 0).all()
    # Only 0 → 1 may stand still: both are the next business day when `day` is not one.
    may_stand_still = (counts[:-1] == 0) & (not calendar.is_business_day(day, country, subdivision))
    assert (steps[~may_stand_still] > 0).all()
    # No business day is skipped between consecutive counts.
    between = np.arange(results.min(), results.max() + np.timedelta64(1, "D"))
    assert calendar.is_business_day(between, country, subdivision).sum() == len(np.unique(results))


@PROPERTY
@given(days, st.integers(-300, 300), customers)
def test_going_forward_and_back_returns_to_a_business_day(day, n, customer):
    country, subdivision, _ = customer
    start = calendar.add_business_days(day, 0, country, subdivision)
    there = calendar.add_business_days(start, n, country, subdivision)
    assert calendar.add_business_days(there, -n, country, subdivision) == start


def _allowed(instants_utc: np.ndarray, country: str, subdivision: str | None, tz: str, window) -> np.ndarray:
    """Whether each UTC instant lies inside the local window on a local business day (the definition)."""
    local = pd.DatetimeIndex(instants_utc).tz_localize("UTC").tz_convert(tz).tz_localize(None).to_numpy()
    local_day = local.astype("datetime64[D]")
    time_of_day = local - local_day.astype("datetime64[ns]")
    start, end = (np.timedelta64(int(text[:2]) * 60 + int(text[3:]), "m") for text in window)
    inside = (time_of_day >= start) & (time_of_day < end)
    return inside & calendar.is_business_day(local_day, country, subdivision)


@settings(PROPERTY, max_examples=300)
@given(st.one_of(instants, near_clock_changes), customers, st.sampled_from(WINDOWS))
def test_next_send_time_is_the_first_allowed_moment(now, customer, window):
    country, subdivision, tz = customer
    result = calendar.next_send_time(now, country, tz, window, subdivision)
    assert result.tzinfo is not None and str(result.tzinfo) == tz
    assert result >= now

    now_ns = np.datetime64(now.replace(tzinfo=None), "ns")
    result_ns = np.datetime64(result.astimezone(dt.UTC).replace(tzinfo=None), "ns")
    assert _allowed(np.array([result_ns]), country, subdivision, tz, window)[0]

    first_check = now_ns + (-(now_ns - np.datetime64("2000-01-01", "ns")) % QUARTER_HOUR)
    earlier = np.arange(first_check, result_ns, QUARTER_HOUR)
    assert not _allowed(earlier, country, subdivision, tz, window).any()
    if result_ns > now_ns:
        assert not _allowed(np.array([now_ns]), country, subdivision, tz, window)[0]


@settings(PROPERTY, max_examples=50)
@given(st.lists(st.tuples(instants, customers), min_size=1, max_size=30), st.sampled_from(WINDOWS))
def test_next_send_time_over_columns_equals_scalar_calls(rows, window):
    now = pd.Series([row[0] for row in rows])
    country, subdivision, tz = (pd.Series(column) for column in zip(*(row[1] for row in rows), strict=True))
    column = calendar.next_send_time(now, country, tz, window, subdivision)
    scalars = [calendar.next_send_time(when, c, zone, window, sub) for when, (c, sub, zone) in rows]
    assert [stamp.to_pydatetime() for stamp in column] == scalars
