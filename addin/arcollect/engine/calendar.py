"""Business days per country and the next moment a reminder may go out in the customer's local time.

    >>> from datetime import UTC, datetime
    >>> from arcollect.engine import calendar
    >>> calendar.is_business_day("2026-06-04", "DE", "BY")       # Corpus Christi in Bavaria
    False
    >>> calendar.add_business_days("2026-04-02", 1, "DE")        # over Good Friday and Easter Monday
    datetime.date(2026, 4, 7)
    >>> calendar.next_send_time(datetime(2026, 3, 27, 17, 30, tzinfo=UTC), "DE", "Europe/Berlin")
    datetime.datetime(2026, 3, 30, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Berlin'))

Public holidays, weekends and compensatory working days come from the `holidays` package: a country's weekend
(Fri/Sat in SA or AE, Sat/Sun elsewhere, and changes of weekend over the years) and its weekend days declared
working days (CN, for instance, works some Saturdays and Sundays to bridge long holidays) are honoured exactly as
`holidays.HolidayBase.is_working_day` answers. Only the package's default category (public holidays, observed
days included) counts.

Every function takes scalars or columns and broadcasts them. The work is done once per distinct
(country, subdivision[, time zone]) combination on whole numpy arrays: for each combination a table of one flag
per calendar day (cached per country, subdivision and year) and its running count turn "is this a business day"
into an index look-up and "n business days later" into a binary search.

Missing values never raise: a missing day, country or count gives ``False`` (is_business_day) or a missing
result (``None`` / NaT). An unknown country, subdivision or time zone raises `InputError`, because no row of
that combination can be answered.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

from arcollect.engine.columns import Shape, amounts, broadcast, dates, is_scalar, texts
from arcollect.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = ("09:00", "17:00")

# Every year has at least this many business days in any country the package knows (5-day weeks, < 60 holidays);
# it only sizes the first table, a shortfall just makes the table grow.
_MIN_BUSINESS_DAYS_PER_YEAR = 200
_EPOCH_YEAR = 1970
_MISSING_CODES = {"", "nan", "nat", "none", "null"}


# ---- public API ----------------------------------------------------------------------------------------------


def is_business_day(day: Any, country: Any, subdivision: Any = None) -> Any:
    """True where `day` is a working day in `country` (ISO 3166 alpha-2 or alpha-3, optional `subdivision`).

    A business day is not a weekend day of the country, unless declared a working day, and not a public holiday
    (observed days included). A missing day or country gives ``False``.
    """
    shape = Shape.of(day, country, subdivision)
    days, countries, subdivisions = broadcast(
        dates(day, "day"), _codes(country, "country"), _codes(subdivision, "subdivision")
    )
    flat_days = days.reshape(-1).astype("int64")
    valid = ~np.isnat(days.reshape(-1))
    result = np.zeros(flat_days.shape, dtype=bool)
    for (country_code, subdivision_code), positions in _groups(countries, subdivisions):
        positions = positions[valid[positions]]
        if not country_code or positions.size == 0:
            continue
        calendar = _calendar(country_code, subdivision_code)
        result[positions] = calendar.is_business(flat_days[positions])
    return shape.wrap(result.reshape(days.shape), kind="auto")


def add_business_days(day: Any, n: Any, country: Any, subdivision: Any = None) -> Any:
    """The date `n` business days after `day` (before it when `n` is negative) in `country` / `subdivision`.

    - ``n > 0``: the n-th business day strictly after `day` (a Saturday + 1 is the Monday).
    - ``n < 0``: the |n|-th business day strictly before `day`.
    - ``n == 0``: `day` itself when it is a business day, otherwise the next business day (roll forward).

    So the result is non-decreasing in `n`, and a business day for every `n`. `n` must be a whole number;
    a missing day, count or country gives a missing date.
    """
    shape = Shape.of(day, n, country, subdivision)
    counts = amounts(n, "n")
    fractional = ~np.isnan(counts) & (counts != np.round(counts))
    if fractional.any():
        example = counts[fractional].reshape(-1)[0]
        raise InputError(f"Number of business days {example:g} is not a whole number — use e.g. 1, 5 or -3")
    days, counts, countries, subdivisions = broadcast(
        dates(day, "day"), counts, _codes(country, "country"), _codes(subdivision, "subdivision")
    )
    flat_days = days.reshape(-1).astype("int64")
    flat_counts = counts.reshape(-1)
    valid = ~np.isnat(days.reshape(-1)) & ~np.isnan(flat_counts)
    result = np.full(flat_days.shape, np.datetime64("NaT", "D"))
    for (country_code, subdivision_code), positions in _groups(countries, subdivisions):
        positions = positions[valid[positions]]
        if not country_code or positions.size == 0:
            continue
        calendar = _calendar(country_code, subdivision_code)
        shifted = calendar.offset(flat_days[positions], flat_counts[positions].astype("int64"))
        result[positions] = shifted.astype("datetime64[D]")
    return shape.wrap(result.reshape(days.shape), kind="date")


def next_send_time(
    now_utc: Any,
    country: Any,
    tz: Any,
    window: tuple[str, str] | str = DEFAULT_WINDOW,
    subdivision: Any = None,
) -> Any:
    """The first moment at or after `now_utc` inside the local send window on a local business day.

    Local means the customer's IANA time zone `tz` (``"Europe/Berlin"``); the window ``[start, end)`` is local
    wall-clock time, given as ``("09:00", "17:00")`` or ``"09:00-17:00"``. Inside the window on a business day
    the answer is `now_utc` itself; before the window on a business day it is today at `start`; otherwise it is
    the next business day at `start`.

    Daylight saving: the local wall time is converted with the zone's rules for that very day. A `start` that
    does not exist (skipped by a spring-forward change) becomes the first instant after the gap (02:30 → 03:00
    in Berlin on 2026-03-29), even in the odd case of a window lying wholly inside the gap; a `start` that occurs
    twice (fall-back) is its first occurrence, but never earlier than `now_utc`.

    `now_utc` must be timezone-aware (any zone; it is read as an instant). A scalar call returns an aware
    `datetime` in the customer's zone. Columns return UTC instants: a ``pandas.Series`` of
    ``datetime64[ns, UTC]`` when a Series was given (its index kept), otherwise a numpy ``datetime64[ns]`` array
    holding UTC (numpy has no time zones). Missing `now_utc`, country or zone gives a missing result.
    """
    start, end = _parse_window(window)
    shape = Shape.of(now_utc, country, tz, subdivision)
    now, countries, zones, subdivisions = broadcast(
        _instants(now_utc), _codes(country, "country"), _zone_names(tz), _codes(subdivision, "subdivision")
    )
    flat_now = now.reshape(-1)
    valid = ~np.isnat(flat_now)
    result = np.full(flat_now.shape, np.datetime64("NaT", "ns"))
    for (country_code, subdivision_code, zone_name), positions in _groups(countries, subdivisions, zones):
        positions = positions[valid[positions]]
        if not country_code or not zone_name or positions.size == 0:
            continue
        calendar = _calendar(country_code, subdivision_code)
        result[positions] = _next_send_in_zone(flat_now[positions], calendar, _zone(zone_name), start, end)
    result = result.reshape(now.shape)
    if shape.scalar:
        value = result.reshape(-1)[0]
        if np.isnat(value):
            return None
        zone = _zone(str(zones.reshape(-1)[0]))
        return pd.Timestamp(value).tz_localize("UTC").tz_convert(zone).to_pydatetime()
    if shape.index is not None:
        utc = pd.DatetimeIndex(result.reshape(-1)).tz_localize("UTC").as_unit("ns")
        return pd.Series(utc, index=shape.index)
    return result


# Countries spanning several zones: the zone where most of their business happens, when the workbook names none.
_MAIN_ZONES = {
    "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney", "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City", "RU": "Europe/Moscow", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "CN": "Asia/Shanghai", "ID": "Asia/Jakarta", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
    "NZ": "Pacific/Auckland", "KZ": "Asia/Almaty", "DE": "Europe/Berlin", "EC": "America/Guayaquil",
}  # fmt: skip


def default_time_zone(country: Any) -> Any:
    """The IANA time zone a customer in `country` most likely keeps: the main business zone of countries with
    several (US → America/New_York), otherwise the country's own zone from the CLDR data Babel ships. Unknown or
    missing country → None. Columns in, columns out."""
    shape = Shape.of(country)
    codes = _codes(country, "country")
    distinct, inverse = np.unique(codes.reshape(-1).astype(str), return_inverse=True)
    zones = np.array([_main_zone(code) for code in distinct], dtype=object)
    return shape.wrap(zones[inverse].reshape(codes.shape), kind="str")


@cache
def _main_zone(country: str) -> str | None:
    from babel.core import get_global

    if country in _MAIN_ZONES:
        return _MAIN_ZONES[country]
    zones = get_global("territory_zones").get(country)
    return zones[0] if zones else None


# ---- one (country, subdivision) calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """Business-day flags for consecutive days from `first_day` (days since 1970-01-01) and their running count."""

    first_day: int
    business: np.ndarray
    business_days_through: np.ndarray

    @property
    def last_day(self) -> int:
        return self.first_day + len(self.business) - 1


@dataclass(frozen=True)
class _Calendar:
    country: str
    subdivision: str

    def span(self, first_day: int, last_day: int, padding_years: int = 0) -> _Span:
        first_year = _year_of(first_day) - padding_years
        last_year = _year_of(last_day) + padding_years
        return _span(self.country, self.subdivision, first_year, last_year)

    def is_business(self, days: np.ndarray) -> np.ndarray:
        span = self.span(int(days.min()), int(days.max()))
        return span.business[days - span.first_day]

    def offset(self, days: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Days `counts` business days from `days`, as days since 1970-01-01 (see `add_business_days`)."""
        padding = 1 + int(np.abs(counts).max()) // _MIN_BUSINESS_DAYS_PER_YEAR
        while True:
            span = self.span(int(days.min()), int(days.max()), padding)
            index = days - span.first_day
            through = span.business_days_through
            before = through[index] - span.business[index]
            target = np.where(counts > 0, through[index] + counts, before + counts + 1)
            if target.min() >= 1 and target.max() <= through[-1]:
                return span.first_day + np.searchsorted(through, target, side="left")
            if padding > 400:
                raise InputError(f"Cannot count {int(np.abs(counts).max())} business days in {self.country}")
            padding *= 2


def _calendar(country: str, subdivision: str) -> _Calendar:
    country, subdivision = _validated(country, subdivision)
    return _Calendar(country, subdivision)


@cache
def _supported() -> dict[str, list[str]]:
    return holidays.list_supported_countries(include_aliases=True)


@cache
def _validated(country: str, subdivision: str) -> tuple[str, str]:
    """The package's spelling of a country and subdivision; unknown ones raise a plain `InputError`."""
    supported = _supported()
    if country not in supported:
        raise InputError(
            f"Country '{country}' is not known to the holiday calendar — use an ISO 3166 code such as DE, FR, GB"
        )
    if not subdivision:
        return country, ""
    known = {code.upper(): code for code in supported[country]}
    aliases = getattr(_holiday_book(country, ""), "subdivisions_aliases", {}) or {}
    known.update({alias.upper(): code for alias, code in aliases.items()})
    if subdivision.upper() not in known:
        examples = ", ".join(supported[country][:8]) or "none — leave the subdivision empty"
        raise InputError(
            f"Subdivision '{subdivision}' of {country} is not known to the holiday calendar — use one of {examples}"
        )
    return country, known[subdivision.upper()]


@cache
def _holiday_book(country: str, subdivision: str) -> holidays.HolidayBase:
    """One expanding `HolidayBase` per (country, subdivision); it fills in years as they are asked for."""
    return holidays.country_holidays(country, subdiv=subdivision or None)


@lru_cache(maxsize=4096)
def _year_flags(country: str, subdivision: str, year: int) -> np.ndarray:
    """One business-day flag per day of `year`, as `HolidayBase.is_working_day` answers it."""
    book = _holiday_book(country, subdivision)
    # Neighbouring years can declare a weekend day of this year a working day (e.g. CN moves days across
    # New Year), so they are loaded before this year's days are read.
    for neighbour in (year - 1, year + 1):
        book.get(dt.date(neighbour, 1, 1))
    first = dt.date(year, 1, 1)
    count = (dt.date(year + 1, 1, 1) - first).days
    flags = np.fromiter(
        (book.is_working_day(first + dt.timedelta(days=offset)) for offset in range(count)), bool, count
    )
    flags.setflags(write=False)
    return flags


@lru_cache(maxsize=1024)
def _span(country: str, subdivision: str, first_year: int, last_year: int) -> _Span:
    first_year, last_year = max(first_year, 1), min(last_year, 9998)
    business = np.concatenate([_year_flags(country, subdivision, year) for year in range(first_year, last_year + 1)])
    first_day = int(np.datetime64(f"{first_year:04d}-01-01", "D").astype("int64"))
    return _Span(first_day, business, np.cumsum(business, dtype="int64"))


def _year_of(day_number: int) -> int:
    return int(np.datetime64(day_number, "D").astype("datetime64[Y]").astype("int64")) + _EPOCH_YEAR


# ---- send windows ---------------------------------------------------------------------------------------------


def _next_send_in_zone(
    now: np.ndarray, calendar: _Calendar, zone: zoneinfo.ZoneInfo, start: np.timedelta64, end: np.timedelta64
) -> np.ndarray:
    """`next_send_time` for instants (UTC datetime64[ns]) of customers sharing one calendar and zone."""
    wall_clock = pd.DatetimeIndex(now).tz_localize("UTC").tz_convert(zone).tz_localize(None).as_unit("ns")
    local_now = wall_clock.to_numpy()
    local_day = local_now.astype("datetime64[D]")
    time_of_day = local_now - local_day.astype("datetime64[ns]")
    day_numbers = local_day.astype("int64")

    business_today = calendar.is_business(day_numbers)
    inside_window = business_today & (time_of_day >= start) & (time_of_day < end)
    before_window = business_today & (time_of_day < start)
    next_business_day = calendar.offset(day_numbers, np.ones_like(day_numbers))
    send_day = np.where(before_window, day_numbers, next_business_day).astype("datetime64[D]")

    send_wall_clock = pd.DatetimeIndex(send_day.astype("datetime64[ns]") + start)
    first_occurrence = np.ones(len(send_wall_clock), dtype=bool)
    send_instant = (
        send_wall_clock.tz_localize(zone, ambiguous=first_occurrence, nonexistent="shift_forward")
        .tz_convert("UTC")
        .tz_localize(None)
        .as_unit("ns")
        .to_numpy()
    )
    return np.where(inside_window, now, np.maximum(send_instant, now))


_WINDOW_TEXT = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


def _parse_window(window: tuple[str, str] | str) -> tuple[np.timedelta64, np.timedelta64]:
    """``("09:00", "17:00")`` or ``"09:00-17:00"`` → (start, end) as offsets from local midnight."""
    if isinstance(window, str):
        match = _WINDOW_TEXT.match(window)
        if not match:
            raise InputError(f"Send window '{window}' not understood — write it as 09:00-17:00")
        bounds: tuple[Any, ...] = match.groups()
    else:
        bounds = tuple(window)
    if len(bounds) != 2:
        raise InputError(f"Send window {window!r} not understood — give a start and an end, e.g. 09:00-17:00")
    start, end = (_time_of_day(bound, window) for bound in bounds)
    if not start < end:
        raise InputError(f"Send window {window!r} must start before it ends on the same day, e.g. 09:00-17:00")
    return start, end


def _time_of_day(value: Any, window: Any) -> np.timedelta64:
    if isinstance(value, dt.time):
        minutes = value.hour * 60 + value.minute
    else:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
        hours, mins = (int(part) for part in match.groups()) if match else (-1, -1)
        minutes = hours * 60 + mins if 0 <= hours <= 24 and 0 <= mins < 60 else -1
        if not 0 <= minutes <= 24 * 60:
            raise InputError(f"Send window {window!r}: '{value}' is not a time of day — use HH:MM, e.g. 09:00")
    return np.timedelta64(minutes, "m").astype("timedelta64[ns]")


# ---- input coercion -------------------------------------------------------------------------------------------


def _codes(value: Any, name: str) -> np.ndarray:
    """Country or subdivision codes as stripped text; missing values become ''. Countries are upper-cased."""
    raw = texts(value, name)
    if is_scalar(value):
        return np.asarray(_code(raw.item(), upper=name == "country"), dtype=object)
    series = pd.Series(raw.reshape(-1), dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) == "string":
        # Text (and blanks): clean each distinct code once, not every row (a column has a few dozen countries).
        positions, distinct = pd.factorize(series)
        cleaned = np.append(_clean_codes(pd.Series(distinct, dtype=object), name), "")[positions]
        return cleaned.reshape(raw.shape)
    return _clean_codes(series, name).reshape(raw.shape)


def _clean_codes(series: pd.Series, name: str) -> np.ndarray:
    cleaned = series.where(series.notna(), "").astype(str).str.strip()
    cleaned = cleaned.where(~cleaned.str.lower().isin(_MISSING_CODES), "")
    if name == "country":
        cleaned = cleaned.str.upper()
    return cleaned.to_numpy(dtype=object)


def _code(value: Any, *, upper: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    if text.lower() in _MISSING_CODES:
        return ""
    return text.upper() if upper else text


def _zone_names(tz: Any) -> np.ndarray:
    if isinstance(tz, zoneinfo.ZoneInfo):
        tz = tz.key
    names = _codes(tz, "time zone")
    for name in pd.unique(names.reshape(-1)):
        if name:
            _zone(name)
    return names


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"Time zone '{name}' is not known — use an IANA name such as Europe/Berlin or America/New_York"
        ) from exc


def _instants(value: Any) -> np.ndarray:
    """Aware datetimes (scalar or column) as UTC ``datetime64[ns]``; naive ones raise `InputError`."""
    naive_message = (
        "The current time must carry its time zone — pass an aware UTC datetime, e.g. datetime.now(timezone.utc)"
    )
    if is_scalar(value):
        if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return np.asarray(np.datetime64("NaT", "ns"))
        if isinstance(value, np.datetime64):
            raise InputError(naive_message)
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise InputError(f"Current time {value!r} is not a date and time") from exc
        if stamp.tzinfo is None:
            raise InputError(naive_message)
        return np.asarray(stamp.tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64())
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        raise InputError(naive_message)
    series = value if isinstance(value, pd.Series) else pd.Series(list(np.ravel(np.asarray(value, dtype=object))))
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("ns").to_numpy()
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise InputError(naive_message)
    present = series[series.notna()]
    if present.map(lambda item: getattr(item, "tzinfo", None) is None).any():
        raise InputError(naive_message)
    converted = pd.to_datetime(series, utc=True)
    return converted.dt.tz_localize(None).dt.as_unit("ns").to_numpy()


def _groups(*keys: np.ndarray) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Positions (into the flattened broadcast keys) of each distinct combination of key values."""
    flat_keys = [key.reshape(-1) for key in keys]
    size = flat_keys[0].size
    if size == 0:
        return []
    if all((key == key[0]).all() for key in flat_keys):
        return [(tuple(str(key[0]) for key in flat_keys), np.arange(size))]
    frame = pd.DataFrame({position: key for position, key in enumerate(flat_keys)})
    indices = frame.groupby(list(frame.columns), sort=False).indices
    return [(key if isinstance(key, tuple) else (key,), positions) for key, positions in indices.items()]
