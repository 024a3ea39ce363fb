"""Calendar: business days per country and subdivision, business-day arithmetic, local send windows.

Holiday dates are those of the `holidays` package 0.109 listed in docs/DOMAIN-RULES.md §4.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import calendar
from arcollect.errors import InputError

UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


# ---- is_business_day ------------------------------------------------------------------------------------------


def test_corpus_christi_is_a_holiday_in_bavaria_but_not_in_berlin():
    assert calendar.is_business_day("2026-06-04", "DE", "BY") is False
    assert calendar.is_business_day("2026-06-04", "DE", "BE") is True


def test_boxing_day_observed_on_monday_in_england():
    assert calendar.is_business_day("2026-12-28", "GB", "ENG") is False
    assert calendar.is_business_day("2026-12-29", "GB", "ENG") is True


def test_us_independence_day_observed_on_friday():
    assert calendar.is_business_day(dt.date(2026, 7, 3), "US") is False
    assert calendar.is_business_day(dt.date(2026, 7, 2), "US") is True


def test_friday_saturday_weekend_in_saudi_arabia():
    assert calendar.is_business_day("2026-01-02", "SA") is False  # Friday
    assert calendar.is_business_day("2026-01-03", "SA") is False  # Saturday
    assert calendar.is_business_day("2026-01-04", "SA") is True  # Sunday is a working day


def test_weekend_change_of_the_emirates_in_2022_is_honoured():
    assert calendar.is_business_day("2021-12-24", "AE") is False  # Friday, old Fri/Sat weekend
    assert calendar.is_business_day("2026-01-02", "AE") is True  # Friday, Sat/Sun weekend since 2022


def test_japanese_sandwiched_national_holiday():
    assert calendar.is_business_day("2026-09-22", "JP") is False
    assert calendar.is_business_day("2026-09-24", "JP") is True


def test_chinese_compensatory_weekend_workdays_are_business_days():
    assert calendar.is_business_day("2026-01-04", "CN") is True  # Sunday worked for the New Year bridge
    assert calendar.is_business_day("2026-02-14", "CN") is True  # Saturday worked for Spring Festival
    assert calendar.is_business_day("2026-01-03", "CN") is False  # ordinary Saturday
    assert calendar.is_business_day("2026-01-02", "CN") is False  # substituted day off (a Friday)


def test_codes_are_case_insensitive_and_alpha3_is_accepted():
    assert calendar.is_business_day("2026-06-04", "de", "by") is False
    assert calendar.is_business_day("2026-06-04", "DEU", "BY") is False
    assert calendar.is_business_day("2026-01-02", "GB", "Scotland") is False


def test_columns_broadcast_against_a_scalar_country_and_keep_the_series_index():
    days = pd.Series(pd.to_datetime(["2026-06-03", "2026-06-04", "2026-06-06"]), index=[10, 11, 12])
    result = calendar.is_business_day(days, "DE", "BY")
    assert list(result.index) == [10, 11, 12]
    assert list(result) == [True, False, False]


def test_mixed_countries_in_one_column_match_scalar_answers():
    days = ["2026-06-04", "2026-06-04", "2026-12-28", "2026-07-03", "2026-01-04", "2026-01-04", "2026-09-22"]
    countries = ["DE", "DE", "GB", "US", "SA", "CN", "JP"]
    subdivisions = ["BY", "BE", "ENG", None, None, "", None]
    column = calendar.is_business_day(days, countries, subdivisions)
    scalars = [calendar.is_business_day(*row) for row in zip(days, countries, subdivisions, strict=True)]
    assert column.tolist() == scalars == [False, True, False, False, True, True, False]


def test_missing_day_or_country_is_not_a_business_day():
    assert calendar.is_business_day(None, "DE") is False
    assert calendar.is_business_day(["2026-06-03", None], ["DE", None]).tolist() == [True, False]


def test_unknown_country_raises_a_plain_message():
    with pytest.raises(InputError, match="Country 'XX' is not known to the holiday calendar — use an ISO 3166"):
        calendar.is_business_day("2026-06-04", "XX")


def test_unknown_subdivision_lists_known_ones():
    with pytest.raises(InputError, match=r"Subdivision 'ZZ' of DE is not known.*BY"):
        calendar.is_business_day("2026-06-04", "DE", "ZZ")


# ---- add_business_days ----------------------------------------------------------------------------------------


def test_one_business_day_after_maundy_thursday_skips_easter_in_germany():
    assert calendar.add_business_days("2026-04-02", 1, "DE") == dt.date(2026, 4, 7)


def test_negative_count_goes_back_over_easter():
    assert calendar.add_business_days("2026-04-07", -1, "DE") == dt.date(2026, 4, 2)
    assert calendar.add_business_days("2026-04-07", -3, "DE") == dt.date(2026, 3, 31)


def test_zero_days_keeps_a_business_day_and_rolls_a_holiday_forward():
    assert calendar.add_business_days("2026-04-02", 0, "DE") == dt.date(2026, 4, 2)
    assert calendar.add_business_days("2026-04-03", 0, "DE") == dt.date(2026, 4, 7)


def test_counting_from_a_weekend_starts_at_the_next_business_day():
    assert calendar.add_business_days("2026-04-11", 1, "DE") == dt.date(2026, 4, 13)  # Saturday + 1 = Monday
    assert calendar.add_business_days("2026-04-11", -1, "DE") == dt.date(2026, 4, 10)  # Saturday - 1 = Friday


def test_business_days_count_chinese_weekend_workdays():
    assert calendar.add_business_days("2025-12-31", 1, "CN") == dt.date(2026, 1, 4)


def test_large_counts_cross_several_years_and_come_back():
    later = calendar.add_business_days("2026-01-05", 1000, "DE", "BY")
    assert later.year == 2029
    assert calendar.add_business_days(later, -1000, "DE", "BY") == dt.date(2026, 1, 5)


def test_columns_of_days_and_counts_broadcast_and_missing_days_stay_missing():
    result = calendar.add_business_days(
        pd.Series(["2026-04-02", "2026-04-02", None, "2026-12-24"]), [1, -1, 1, 1], "DE", "BY"
    )
    expected = np.array(["2026-04-07", "2026-04-01", "NaT", "2026-12-28"], dtype="datetime64[D]")
    np.testing.assert_array_equal(result.to_numpy().astype("datetime64[D]"), expected)


def test_unknown_subdivision_of_one_row_country_is_rejected():
    with pytest.raises(InputError, match="Subdivision 'BY' of GB"):
        calendar.add_business_days(["2026-12-24"], [1], ["GB"], "BY")


def test_fractional_count_is_rejected():
    with pytest.raises(InputError, match="not a whole number"):
        calendar.add_business_days("2026-04-02", 1.5, "DE")


# ---- next_send_time -------------------------------------------------------------------------------------------

BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


def test_inside_the_window_on_a_business_day_sends_now():
    now = utc(2026, 3, 10, 0, 30, 17)  # Tuesday 09:30:17 in Tokyo
    result = calendar.next_send_time(now, "JP", "Asia/Tokyo")
    assert result == now
    assert result.tzinfo == TOKYO
    assert (result.hour, result.minute) == (9, 30)


def test_before_the_window_sends_today_at_the_start():
    result = calendar.next_send_time(utc(2026, 3, 9, 23, 0), "JP", "Asia/Tokyo")  # 08:00 Tuesday in Tokyo
    assert result == dt.datetime(2026, 3, 10, 9, 0, tzinfo=TOKYO)


def test_the_window_end_is_exclusive():
    result = calendar.next_send_time(utc(2026, 3, 10, 8, 0), "JP", "Asia/Tokyo")  # 17:00 in Tokyo
    assert result == dt.datetime(2026, 3, 11, 9, 0, tzinfo=TOKYO)


def test_friday_after_hours_in_new_york_waits_for_monday_across_the_dst_change():
    # Friday 2026-03-06 17:30 EST; clocks go forward on Sunday 03-08, so Monday 09:00 is EDT (UTC-4).
    result = calendar.next_send_time(utc(2026, 3, 6, 22, 30), "US", "America/New_York")
    assert result == dt.datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK)
    assert result.astimezone(UTC) == utc(2026, 3, 9, 13, 0)


def test_friday_after_hours_in_berlin_waits_for_monday_across_the_dst_change():
    # Friday 2026-03-27 18:30 CET; summer time from Sunday 03-29, so Monday 09:00 CEST is 07:00 UTC.
    result = calendar.next_send_time(utc(2026, 3, 27, 17, 30), "DE", "Europe/Berlin")
    assert result.astimezone(UTC) == utc(2026, 3, 30, 7, 0)
    assert result == dt.datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)


def test_holidays_are_skipped():
    # Maundy Thursday evening in Berlin → Good Friday, the weekend and Easter Monday are skipped.
    assert calendar.next_send_time(utc(2026, 4, 2, 16, 30), "DE", "Europe/Berlin") == dt.datetime(
        2026, 4, 7, 9, 0, tzinfo=BERLIN
    )
    # Thursday evening in New York before the observed Independence Day (Friday 07-03).
    assert calendar.next_send_time(utc(2026, 7, 2, 22, 0), "US", "America/New_York") == dt.datetime(
        2026, 7, 6, 9, 0, tzinfo=NEW_YORK
    )


def test_window_as_text_equals_window_as_pair():
    now = utc(2026, 5, 12, 5, 0)
    assert calendar.next_send_time(now, "DE", "Europe/Berlin", "08:00-12:30") == calendar.next_send_time(
        now, "DE", "Europe/Berlin", ("08:00", "12:30")
    )
    assert calendar.next_send_time(now, "DE", "Europe/Berlin", "08:00-12:30") == dt.datetime(
        2026, 5, 12, 8, 0, tzinfo=BERLIN
    )


def test_window_start_inside_the_spring_forward_gap_becomes_the_end_of_the_gap():
    # Sunday 2026-03-29 is a working day in Israel; on that day Berlin has no 02:00-02:59.
    result = calendar.next_send_time(utc(2026, 3, 28, 23, 0), "IL", "Europe/Berlin", "02:30-05:00")
    assert result.astimezone(UTC) == utc(2026, 3, 29, 1, 0)
    assert (result.hour, result.minute) == (3, 0)


def test_ambiguous_window_start_on_fall_back_day_is_its_first_occurrence():
    # Berlin 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    result = calendar.next_send_time(utc(2026, 10, 24, 22, 0), "IL", "Europe/Berlin", "02:30-05:00")
    assert result.astimezone(UTC) == utc(2026, 10, 25, 0, 30)


def test_now_in_another_zone_is_read_as_an_instant():
    now = dt.datetime(2026, 3, 10, 9, 30, tzinfo=TOKYO)
    assert calendar.next_send_time(now, "JP", "Asia/Tokyo") == now


def test_naive_now_is_rejected():
    with pytest.raises(InputError, match="pass an aware UTC datetime"):
        calendar.next_send_time(dt.datetime(2026, 3, 10, 9, 30), "JP", "Asia/Tokyo")
    with pytest.raises(InputError, match="pass an aware UTC datetime"):
        calendar.next_send_time(pd.Series(pd.to_datetime(["2026-03-10 09:30"])), "JP", "Asia/Tokyo")


def test_unknown_time_zone_is_rejected():
    with pytest.raises(InputError, match="Time zone 'Mars/Olympus' is not known"):
        calendar.next_send_time(utc(2026, 3, 10), "JP", "Mars/Olympus")


@pytest.mark.parametrize("window", ["9-17", "17:00-09:00", ("09:00",), ("09:00", "25:00")])
def test_bad_windows_are_rejected(window):
    with pytest.raises(InputError, match="Send window"):
        calendar.next_send_time(utc(2026, 3, 10), "JP", "Asia/Tokyo", window)


CUSTOMERS = [
    ("DE", "BY", "Europe/Berlin"),
    ("US", None, "America/New_York"),
    ("JP", None, "Asia/Tokyo"),
    ("GB", "ENG", "Europe/London"),
    ("SA", None, "Asia/Riyadh"),
    ("AU", "NSW", "Australia/Sydney"),
    ("CN", None, "Asia/Shanghai"),
    ("BR", None, "America/Sao_Paulo"),
]


def test_columns_mixing_time_zones_match_scalar_answers():
    instants = [utc(2026, 3, 6, 22, 30) + dt.timedelta(hours=7 * step) for step in range(24)]
    rows = [(now, *customer) for now in instants for customer in CUSTOMERS]
    now, country, subdivision, tz = (list(column) for column in zip(*rows, strict=True))
    series = calendar.next_send_time(
        pd.Series(now, index=range(100, 100 + len(rows))),
        pd.Series(country),
        pd.Series(tz),
        subdivision=pd.Series(subdivision),
    )
    assert str(series.dtype) == "datetime64[ns, UTC]"
    assert list(series.index) == list(range(100, 100 + len(rows)))
    scalars = [calendar.next_send_time(*row[:2], row[3], subdivision=row[2]) for row in rows]
    assert [stamp.to_pydatetime() for stamp in series] == scalars

    array = calendar.next_send_time(now, country, tz, subdivision=subdivision)
    assert array.dtype == np.dtype("datetime64[ns]")
    assert [pd.Timestamp(value, tz="UTC").to_pydatetime() for value in array] == scalars


def test_missing_now_or_zone_gives_missing_result():
    result = calendar.next_send_time([utc(2026, 3, 10), None], "JP", ["Asia/Tokyo", "Asia/Tokyo"])
    assert np.isnat(result[1]) and not np.isnat(result[0])
    assert calendar.next_send_time(utc(2026, 3, 10), "JP", None) is None


def test_a_hundred_thousand_rows_over_thirty_countries_agree_with_row_by_row_answers():
    countries = ["DE", "FR", "GB", "US", "JP", "CN", "SA", "AE", "IL", "IT", "ES", "NL", "BE", "AT", "CH"]
    countries += ["PL", "SE", "NO", "DK", "FI", "IE", "PT", "CA", "AU", "NZ", "BR", "MX", "IN", "SG", "KR"]
    zones = ["Europe/Berlin", "Europe/Paris", "Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Shanghai"]
    zones += ["Asia/Riyadh", "Asia/Dubai", "Asia/Jerusalem", "Europe/Rome", "Europe/Madrid", "Europe/Amsterdam"]
    zones += ["Europe/Brussels", "Europe/Vienna", "Europe/Zurich", "Europe/Warsaw", "Europe/Stockholm"]
    zones += ["Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Dublin", "Europe/Lisbon"]
    zones += ["America/Toronto", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo"]
    zones += ["America/Mexico_City", "Asia/Kolkata", "Asia/Singapore", "Asia/Seoul"]
    rng = np.random.default_rng(7)
    pick = rng.integers(0, len(countries), 100_000)
    country = pd.Series(np.array(countries)[pick])
    tz = pd.Series(np.array(zones)[pick])
    days = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, pick.size), unit="D"))
    now = pd.Series(pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 525_600, pick.size), "min"))
    calendar.is_business_day(days, country)  # holiday tables are built once per country and year, then cached

    business = calendar.is_business_day(days, country)
    later = calendar.add_business_days(days, 5, country)
    send_at = calendar.next_send_time(now, country, tz)
    assert len(business) == len(later) == len(send_at) == 100_000
    for row in rng.choice(100_000, 40, replace=False):  # speed lives in benchmarks/; here: same answers as scalars
        assert business[row] == calendar.is_business_day(days[row], country[row])
        assert later[row].date() == calendar.add_business_days(days[row], 5, country[row])
        assert send_at[row] == calendar.next_send_time(now[row].to_pydatetime(), country[row], tz[row])
