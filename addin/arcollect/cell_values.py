"""What a person types into a cell, read the same way wherever it is read: the Settings sheet (`book.settings`) and
the dunning policy (`engine.policy`).

A parser takes a cell value — text, or what the reader typed it as (int, float, bool, date) — and returns a typed
value, or raises ``ValueError`` whose text is the expected form ("a whole number of days ≥ 0"), for the caller to
put into its `Problem`. `canonical` is the way back: a typed value as the text written into a cell.

    >>> text_of(30.0), text_of(" net 30 ")
    ('30', 'net 30')
    >>> whole_number(0, unit="days")("14"), yes_no("ja"), canonical((0, 30, 60))
    (14, True, '0,30,60')
    >>> whole_number(1, 28, unit="the month")("31")
    Traceback (most recent call last):
    ...
    ValueError: a whole number of the month ≥ 1 and ≤ 28
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

#: What a cell "without a value" reads as, typed words included: a blank optional cell of the policy.
MISSING = {"", "nan", "nat", "none", "null", "<na>"}
#: What a cell without a value reads as; "none" typed by a person is a value (SmtpSecurity none).
BLANK = {"", "nan", "nat", "<na>"}


def text_of(value: Any) -> str:
    """A cell value as the text a person typed: 30.0 is '30', a date its ISO form, the rest stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def whole_number(low: int, high: int | None = None, unit: str = "") -> Callable[[Any], int]:
    """A parser of whole numbers from `low` (to `high`, when given); `unit` names them in the expected form."""
    expected = f"a whole number{' of ' + unit if unit else ''} ≥ {low}" + (f" and ≤ {high}" if high else "")

    def parse(value: Any) -> int:
        if isinstance(value, bool | dt.date):
            raise ValueError(expected)
        try:
            number = float(text_of(value).replace(" ", ""))
        except ValueError:
            raise ValueError(expected) from None
        if not math.isfinite(number) or not number.is_integer() or number < low or (high and number > high):
            raise ValueError(expected)
        return int(number)

    return parse


def yes_no(value: Any) -> bool:
    """True or false, also typed as yes/no, y/n, 1/0, on/off, wahr/falsch, vrai/faux, ja/nein."""
    if isinstance(value, bool):
        return value
    text = text_of(value).lower()
    if text in {"true", "yes", "y", "1", "on", "wahr", "vrai", "ja"}:
        return True
    if text in {"false", "no", "n", "0", "off", "falsch", "faux", "nein"}:
        return False
    raise ValueError("true or false")


def canonical(value: Any) -> str:
    """A typed value as cell text: '' for None, true/false, dates ISO, '09:00-17:00', '0,30,60', 50 not 50.00."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        if all(isinstance(part, dt.date) for part in value):
            return "..".join(part.isoformat() for part in value)
        return "-".join(value) if all(isinstance(part, str) for part in value) else ",".join(map(str, value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)
