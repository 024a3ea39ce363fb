"""Dates written as text, the way ERP exports and people write them, read without guessing.

    >>> import pandas as pd
    >>> from arcollect.book import dates
    >>> stamps, notes = dates.parse_text(pd.Series(["2026-11-20", "20.11.2026", "20 Nov 2026", "3. März 2026"]))
    >>> [str(stamp.date()) for stamp in stamps]
    ['2026-11-20', '2026-11-20', '2026-11-20', '2026-03-03']
    >>> stamps, notes = dates.parse_text(pd.Series(["03/04/2026", "25/03/2026"]))
    >>> stamps.isna().tolist()
    [True, False]
    >>> print(notes.iloc[0][:50])
    03/04/2026 could be 3 April 2026 or 4 March 2026 —
    >>> dates.parse_text(pd.Series(["03/04/2026"]), order="MDY")[0].iloc[0].date()
    datetime.date(2026, 3, 4)

What is read (a whole column at a time; each pattern is one vectorised pass):

- ISO text: ``2026-11-20`` (with or without a time).
- Dotted day first, ``20.11.2026``: no country writes month.day.year with dots, so this is never ambiguous.
- Slashes or dashes with the year last, ``03/04/2026`` or ``03-04-2026``: the order is Settings **DateOrder** —
  ``DMY`` (day first, most of Europe) or ``MDY`` (month first, the US). Without a DateOrder a date is read only
  when one reading alone is a date (``25/03/2026`` can only be 25 March) or both readings agree (``04/04/2026``);
  a date both ways (``03/04/2026``) is not guessed: it stays missing and its note says what to set. A date that is
  impossible in the order set but possible in the other (``25/03/2026`` under MDY) is not read either.
- Month names, English, German, French, Dutch, Spanish and Italian, full or abbreviated, from Babel's locale data:
  ``20 Nov 2026``, ``20-Nov-2026``, ``20. November 2026``, ``3 déc. 2026``, ``3 de diciembre de 2026``, and month
  first ``Nov 20, 2026``.

Years have four digits. Anything else is left missing (NaT) without a note; the reader reports it as "not a date".
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd
from babel.dates import get_month_names

DATE_ORDERS = ("DMY", "MDY")
"""The values of Settings DateOrder; blank means "not set": only unambiguous dates are read."""
LOCALES = ("en", "de", "fr", "nl", "es", "it")

_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.?[\s-]*(?:de\s+)?([^\W\d_]+)\.?,?[\s-]*(?:de\s+)?(\d{4})$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")  # fmt: skip


def parse_text(strings: pd.Series, order: str = "") -> tuple[pd.Series, pd.Series]:
    """Text dates as ``datetime64[ns]`` (NaT where not read) and, per cell, why a date-like text was not read.

    `strings` are stripped text; `order` is ``"DMY"``, ``"MDY"`` or ``""`` (see the module doc). The notes are
    None except for slash or dash dates that are ambiguous without a DateOrder or impossible in the one set.
    """
    order = (order or "").upper()
    result = pd.to_datetime(strings, format="ISO8601", errors="coerce")
    notes = pd.Series(None, index=strings.index, dtype=object)
    todo = result.isna()
    if todo.any():
        stamps, found_notes = _numeric(strings[todo], order)
        result[todo] = stamps
        notes[todo] = found_notes
        todo = result.isna() & notes.isna()
    if todo.any():
        result[todo] = _named(strings[todo])
    return _nanoseconds(result), notes


def _numeric(strings: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    parts = strings.str.extract(_NUMERIC)
    first, separator, second, year = parts[0], parts[1], parts[2], parts[3]
    day_first = _build(year, second, first)
    month_first = _build(year, first, second)
    dotted = separator.eq(".")
    ordered = ~dotted & first.notna()
    if order == "DMY":
        chosen = day_first
    elif order == "MDY":
        chosen = month_first.where(ordered, day_first)
    else:
        both = day_first.notna() & month_first.notna() & (day_first != month_first)
        chosen = day_first.where(day_first.notna() | dotted, month_first).where(~(both & ordered))
    notes = pd.Series(None, index=strings.index, dtype=object)
    if order:
        other = month_first if order == "DMY" else day_first
        wrong = ordered & chosen.isna() & other.notna()
        if wrong.any():
            notes[wrong] = (
                strings[wrong] + f" is not a date in the order {order} (Settings DateOrder) but would be in the other "
                "— check the cell, or the setting"
            )
    else:
        ambiguous = ordered & day_first.notna() & month_first.notna() & (day_first != month_first)
        if ambiguous.any():
            notes[ambiguous] = [
                f"{text} could be {_spoken(d)} or {_spoken(m)} — set Settings DateOrder to DMY or MDY, or write "
                f"{d:%Y-%m-%d} or {m:%Y-%m-%d}"
                for text, d, m in zip(strings[ambiguous], day_first[ambiguous], month_first[ambiguous], strict=True)
            ]
    return chosen, notes


def _spoken(stamp: pd.Timestamp) -> str:
    return f"{stamp.day} {_MONTHS_EN[stamp.month - 1]} {stamp.year}"


def _build(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    text = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _named(strings: pd.Series) -> pd.Series:
    months = month_numbers()
    lowered = strings.map(_fold)
    day_month = lowered.str.extract(_DAY_MONTH)
    month_day = lowered.str.extract(_MONTH_DAY)
    day = day_month[0].fillna(month_day[1])
    name = day_month[1].fillna(month_day[0])
    year = day_month[2].fillna(month_day[2])
    month = name.map(months).astype("Int64")
    text = year + "-" + month.astype("string").str.zfill(2) + "-" + day.str.zfill(2)
    return pd.to_datetime(text.astype(object).where(month.notna()), format="%Y-%m-%d", errors="coerce")


def _fold(text: str) -> str:
    """Lower case without accents, so "März", "Marz" and "MÄRZ" all read as March."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.cache
def month_numbers() -> dict[str, int]:
    """Month name or abbreviation (folded, without a trailing dot) → month number, in the `LOCALES`.

    Built from Babel's CLDR month names; a spelling that two languages give to different months would be left
    out (none does in these six), and a few common short forms CLDR does not list are added (Sept, Mrz).
    """
    found: dict[str, set[int]] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    found.setdefault(_fold(name).rstrip("."), set()).add(int(number))
    for extra, number in (("sept", 9), ("mrz", 3), ("mae", 3), ("maerz", 3)):
        found.setdefault(extra, set()).add(number)
    return {name: next(iter(numbers)) for name, numbers in found.items() if len(numbers) == 1}


def _nanoseconds(stamps: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(stamps, errors="coerce")
    inside = (stamps >= pd.Timestamp.min) & (stamps <= pd.Timestamp.max)
    return stamps.where(inside).astype("datetime64[ns]")


__all__ = ["DATE_ORDERS", "LOCALES", "month_numbers", "parse_text"]
