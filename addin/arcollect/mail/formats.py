"""Money, dates, percentages and lists written as the customer's locale writes them (Babel), for the templates.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from arcollect.mail import formats
    >>> with formats.letter_formats("de", {"country": "AT"}):
    ...     formats.date_list([date(2026, 10, 27), date(2026, 11, 3)]), formats.format_list(["A", "B", "C"])
    ('27. Oktober und 3. November 2026', 'A, B und C')
    >>> with formats.letter_formats("en", {"country": "US"}):
    ...     formats.money(Decimal("1234.5"), "USD"), formats.money(Decimal("1234.5"), "JPY"), formats.percent(12.75)
    ('$1,234.50', '¥1,234', '12.75%')

The locale is the customer's language and country (de + AT → de_AT; the region of a tag such as de-CH wins; the bare
language when Babel does not know the pair, English when it does not know the language). `Renderer.render` sets it
for the duration of one reminder (`in_locale`); `letter_locale` / `letter_formats` give the same locale to what goes
with a letter (the PDF statement) and to tools that check a rendered letter. Outside any of them the filters write
English.

Filters: `money(value, currency)`, `date(value, format="medium")`, `percent(value)` (a percent number: 12.75 →
"12.75%"), `format_list(items, style="standard")` (Babel's list: "A, B und C", "A、B、C"), `date_list(dates,
format="long")` (each day once, the year written once when they share it), `add_days(date, n)`. Formatted amounts
and dates are remembered per locale (`remember`): a reminder shows the same amount in several places.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list as babel_format_list
from babel.numbers import format_currency, format_percent

FALLBACK_LANGUAGE = "en"
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_REMEMBERED = 20_000  # formatted amounts and dates kept per locale; the cache starts afresh beyond that


class _Formats:
    """A locale and the amounts and dates already formatted in it.

    Formatting is a pure function of its inputs, so a reminder that shows the same amount in the table, the
    subtotal and both bodies formats it once. Babel's output for an amount depends only on its value and sign
    (it normalises the `Decimal` first), hence the key `(currency, value, is_signed)`: `Decimal("-0")` keeps its
    minus sign.
    """

    __slots__ = ("dates", "locale", "money")

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.money: dict[tuple[str, Decimal, bool], str] = {}
        self.dates: dict[tuple[Any, type, Any], str] = {}


_locale: contextvars.ContextVar[_Formats] = contextvars.ContextVar("arcollect_render_locale")


def letter_locale(language: str, customer: Mapping[str, Any]) -> Locale:
    """The locale a letter rendered in `language` for `customer` formats its money and dates in (as `render`:
    the region of the customer's language tag, else the customer's country) — for what goes with the letter, such
    as the PDF statement, so that it writes numbers and dates exactly as the letter does."""
    _requested, region = split_tag(str(customer.get("language") or ""))
    country = region or str(customer.get("country") or "").strip().upper()
    return _formats_for(language, country).locale


@contextlib.contextmanager
def letter_formats(language: str, customer: Mapping[str, Any]) -> Iterator[None]:
    """Inside it the filters (`money`, `date`, `date_list`, `format_list`) write as a letter rendered in `language`
    for `customer` does (`letter_locale`) — for a tool that checks what a rendered letter says."""
    _requested, region = split_tag(str(customer.get("language") or ""))
    token = _locale.set(_formats_for(language, region or str(customer.get("country") or "").strip().upper()))
    try:
        yield
    finally:
        _locale.reset(token)


@contextlib.contextmanager
def in_locale(language: str, country: str) -> Iterator[None]:
    """Inside it the filters write in the locale of `language` and `country` (de + AT → de_AT; the bare language
    when Babel does not know the pair, else English)."""
    token = _locale.set(_formats_for(language, country))
    try:
        yield
    finally:
        _locale.reset(token)


def money(value: Any, currency: str) -> str:
    """`value` (Decimal, int, float or numeric text) in `currency`, with that currency's minor unit (JPY: none)."""
    if value is None:
        return ""
    number, code, formats = _decimal(value), str(currency).strip().upper(), current_formats()
    try:
        key = (code, number, number.is_signed())
        text = formats.money.get(key)
    except TypeError:  # a signalling NaN cannot be a key
        return format_currency(number, code, locale=formats.locale)
    if text is None:
        text = format_currency(number, code, locale=formats.locale)
        remember(formats.money, key, text)
    return text


def date(value: Any, format: str = "medium") -> str:
    """A date (or datetime, or ISO text) in the locale's `short`, `medium`, `long` or `full` format."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value.strip()[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    formats = current_formats()
    try:
        key = (value, type(value), format)
        text = formats.dates.get(key)
    except TypeError:  # an unhashable format: Babel reports what is wrong with it
        return format_date(value, format=format, locale=formats.locale)
    if text is None:
        text = format_date(value, format=format, locale=formats.locale)
        remember(formats.dates, key, text)
    return text


def format_list(values: Any, style: str = "standard") -> str:
    """Items joined as the locale writes a list: "A, B und C" (de), "A, B et C" (fr), "A、B、C" (ja), "A、B和C" (zh).

    `style` is one of CLDR's list styles ("standard": and; "or"; "unit" …). Empty items are left out; an empty list
    gives "".
    """
    if values is None:
        return ""
    items = [str(value) for value in ([values] if isinstance(values, str) else values) if str(value)]
    return babel_format_list(items, style=style, locale=current_locale()) if items else ""


def date_list(values: Any, format: str = "long") -> str:
    """Dates as the locale writes a list of them, each day once, in the given order: for the dates of earlier
    reminders ("am {previous}"). In the `long` format, days of one year carry the year once, where the language puts
    it, and days of one month its name once: "27. Oktober, 3. und 17. November 2026", "27 octobre, 3 et 17 novembre
    2026", "27 de octubre, 3 y 17 de noviembre de 2026", "2026年10月27日、11月3日、17日"; English written month first
    keeps the month on each day ("October 27, November 3, and November 17, 2026": "3, and 17, 2026" would end on a
    bare day); days of different years are written in full."""
    days: list[dt.date] = []
    for value in [] if values is None else values:
        if value is None:
            continue
        if isinstance(value, str):
            value = dt.date.fromisoformat(value.strip()[:10])
        day = value.date() if isinstance(value, dt.datetime) else value
        if day not in days:
            days.append(day)
    if format != "long" or len(days) < 2 or len({day.year for day in days}) > 1:
        return format_list([date(day, format) for day in days])
    locale = current_locale()
    pattern = re.sub(r"'[^']*'", "", locale.date_formats["long"].pattern)  # quoted literals are not fields
    year_first, month_first = pattern.find("y") < pattern.find("d"), pattern.find("M") < pattern.find("d")
    full = 0 if year_first else len(days) - 1  # the year is written once: first (ja, zh) or last
    grouped = not month_first or year_first  # "March 3, 5, and 9, 2026" would end on a bare day: en-US is not
    items = []
    for i, day in enumerate(days):
        # Days of one month share its name, written once where the language puts it: beside the last of them
        # ("3, 5 et 9 mars 2026", "3., 5. und 9. März") or the first ("2026年3月3日、5日、9日").
        beside = days[i - 1 : i] if month_first else days[i + 1 : i + 2]
        if grouped and i != full and beside and _same_month(day, beside[0]):
            items.append(_day_only(day, locale, month_first))
        else:
            items.append(date(day, "long") if i == full else format_skeleton("MMMMd", day, locale=locale))
    return format_list(items)


def _same_month(one: dt.date, other: dt.date) -> bool:
    return (one.year, one.month) == (other.year, other.month)


def _day_only(day: dt.date, locale: Locale, month_first: bool) -> str:
    """The day of `day` as the locale writes it before or after its month: "5." (de), "5" (fr, es), "5日" (ja)."""
    if month_first:
        return format_skeleton("d", day, locale=locale)
    return format_skeleton("MMMMd", day, locale=locale).split(" ")[0]


def percent(value: Any) -> str:
    """A percent number (12.75, not 0.1275) with at most two decimals, in the locale's percent format."""
    if value is None:
        return ""
    number = _decimal(value).quantize(Decimal("0.01")).normalize()
    return format_percent(number / 100, locale=current_locale(), decimal_quantization=False)


def add_days(value: dt.date, days: int) -> dt.date:
    """The calendar date `days` after `value` (for "please pay by" lines)."""
    return value + dt.timedelta(days=int(days))


def _decimal(value: Any) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def current_formats() -> _Formats:
    formats = _locale.get(None)
    return formats if formats is not None else _formats_for(FALLBACK_LANGUAGE, "")


def current_locale() -> Locale:
    return current_formats().locale


def remember(cache: dict[Any, str], key: Any, text: str) -> None:
    if len(cache) >= _REMEMBERED:
        cache.clear()
    cache[key] = text


def split_tag(tag: str | None) -> tuple[str, str]:
    """("de", "CH") from "de-CH", ("pt", "BR") from "pt_BR", ("zh", "CN") from "zh-Hans-CN", ("", "") if unusable."""
    text = str(tag or "").strip()
    if not _TAG.match(text):
        return "", ""
    parts = re.split(r"[-_]", text)
    region = next((p.upper() for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())), "")
    return parts[0].lower(), region


@functools.lru_cache(maxsize=1024)
def _formats_for(language: str, country: str) -> _Formats:
    for identifier in (f"{language}_{country}" if country else "", language, FALLBACK_LANGUAGE):
        if not identifier:
            continue
        try:
            return _Formats(Locale.parse(identifier))
        except (UnknownLocaleError, ValueError):
            continue
    return _Formats(Locale.parse(FALLBACK_LANGUAGE))
