"""The value parsers of the Settings keys: a cell's value in, a typed value out (`book.settings_keys` names which
key takes which), ``ValueError`` with the expected form on a value that cannot be used.

    >>> window("8:30 - 18:00"), edges("0, 30,60"), money("1 234,50"), language_tag("de_ch")
    (('08:30', '18:00'), (0, 30, 60), Decimal('1234.50'), 'de-CH')
    >>> choice(("starttls", "tls", "none"))("TLSS")
    Traceback (most recent call last):
    ...
    ValueError: one of starttls, tls, none (did you mean 'tls'?)

The plain readings every sheet shares (text, whole numbers, yes/no) are `arcollect.cell_values`'.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import string
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from babel import Locale
from babel.numbers import list_currencies
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from arcollect.book.dates import DATE_ORDERS
from arcollect.book.validate import address_problem
from arcollect.book.values import amount_texts
from arcollect.cell_values import text_of, whole_number
from arcollect.errors import InputError

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = text_of(value).lower()
        if text not in options:
            near = difflib.get_close_matches(text, options, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ValueError(f"one of {', '.join(options)}{hint}")
        return text

    return parse


def currency(value: Any) -> str:
    code = text_of(value).upper()
    if code not in list_currencies():
        raise ValueError("an ISO 4217 currency code such as EUR, USD, GBP")
    return code


def governing_law(value: Any) -> str:
    code = text_of(value).upper()
    if code == "EU":
        raise ValueError(
            "the ISO code of a country whose law governs your contracts, e.g. DE — 'EU' is not a law: the Late "
            "Payment Directive binds the member states, not your customers (a contract can still adopt its rate: "
            "LateCharge '8 points over ECB')"
        )
    if not (len(code) == 2 and code.isalpha() and code in Locale("en").territories):
        raise ValueError("the ISO code of the country whose law governs your contracts, e.g. DE, FR, GB, US")
    return code


def late_charge(value: Any) -> str:
    from arcollect.engine.law import contract  # the engine's grammar; imported here, when the key is set

    text = text_of(value)
    try:
        contract.parse(text)
    except InputError as error:
        raise ValueError(str(error).split(" — ", 1)[-1]) from None
    return text


def cutoff_day(value: Any) -> int:
    return whole_number(1, 28, unit="the month")(value)


def period(value: Any) -> tuple[dt.date, dt.date]:
    expected = "two dates, e.g. 2026-07-01..2026-09-30"
    parts = [part for part in re.split(r"\s*(?:\.\.|–|—|\bto\b|/)\s*", text_of(value)) if part]
    if len(parts) != 2:
        raise ValueError(expected)
    try:
        start, end = (dt.date.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise ValueError(expected) from None
    if end < start:
        raise ValueError(expected + " (the first one first)")
    return start, end


def edges(value: Any) -> tuple[int, ...]:
    expected = "increasing whole numbers of days separated by commas, e.g. 0,30,60,90,120"
    parts = [part for part in re.split(r"[,;\s]+", text_of(value)) if part]
    try:
        edges = tuple(whole_number(0)(part) for part in parts)
    except ValueError:
        raise ValueError(expected) from None
    if not edges or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(expected)
    return edges


def window(value: Any) -> tuple[str, str]:
    expected = "a start and an end time of day, e.g. 09:00-17:00"
    bounds = re.split(r"\s*[-–—]\s*", text_of(value))
    if len(bounds) != 2:
        raise ValueError(expected)
    minutes = []
    for bound in bounds:
        match = _TIME.match(bound)
        if not match or int(match[1]) > 24 or int(match[2]) > 59:
            raise ValueError(expected)
        minutes.append(int(match[1]) * 60 + int(match[2]))
    if not minutes[0] < minutes[1] <= 24 * 60:
        raise ValueError(expected + " (starting before it ends, on the same day)")
    start, end = (f"{m // 60:02d}:{m % 60:02d}" for m in minutes)
    return start, end


def email(value: Any) -> str:
    text = text_of(value)
    why = address_problem(text)
    if why:
        raise ValueError(f"one email address, e.g. ar@yourcompany.example ({why})")
    return text


def display_name(value: Any) -> str:
    text = text_of(value)
    if re.search(r"[\x00-\x1f\x7f\u2028\u2029<>@]", text) or len(text) > 100:
        raise ValueError("a name on one line without < > or @, at most 100 characters, e.g. Northwind Accounts")
    return text


def url(value: Any) -> str:
    text = text_of(value).rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in text:
        raise ValueError("a web address starting with https://")
    return text


def word(value: Any) -> str:
    text = text_of(value)
    if re.search(r"[\s/\\]", text):
        raise ValueError("a name without spaces or slashes, e.g. smtp.yourcompany.example")
    return text


def language_tag(value: Any) -> str:
    text = text_of(value).replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise ValueError("a language code such as en, de, fr or de-CH")
    primary, _, rest = text.partition("-")
    return primary.lower() + ("-" + (rest.upper() if len(rest) == 2 else rest) if rest else "")


def path(value: Any) -> Path:
    text = text_of(value)
    if "\x00" in text or len(text) > 1000:
        raise ValueError("a file or folder path")
    return Path(text)


def ledger_url(value: Any) -> str:
    from arcollect.ledger_url import check_url

    return check_url(text_of(value))


def iban(value: Any) -> str:
    text = text_of(value)
    try:
        return stdnum_iban.format(stdnum_iban.validate(text))
    except ValidationError as error:
        raise ValueError(f"an IBAN such as DE89 3704 0044 0532 0130 00 ({error.message.lower().rstrip('.')})") from None


def bic(value: Any) -> str:
    try:
        return stdnum_bic.validate(text_of(value))
    except ValidationError as error:
        raise ValueError(
            f"a BIC (SWIFT code) of 8 or 11 characters such as COBADEFFXXX ({error.message.lower().rstrip('.')})"
        ) from None


def pattern(placeholders: tuple[str, ...], *, web: bool = False) -> Callable[[Any], str]:
    """A text with `{placeholder}` fields from `placeholders` only (and, for a link, an https:// address)."""
    names = ", ".join("{" + name + "}" for name in placeholders)
    expected = f"a pattern using {names}" + (", starting with https://" if web else "")

    def parse(value: Any) -> str:
        text = text_of(value)
        try:
            fields = {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
        except ValueError:
            raise ValueError(expected) from None
        if not fields or not fields <= set(placeholders):
            raise ValueError(expected)
        if web:
            url(text.split("{", 1)[0] or "no address")  # the address part before the first placeholder
        return text

    return parse


def address(value: Any) -> str:
    """'Street and number, postcode town, country code' — the creditor address a Swiss QR-bill must carry."""
    parts = [part.strip() for part in text_of(value).replace("\n", ",").split(",")]
    parts = [part for part in parts if part]
    expected = "street and number, postcode and town, country code — e.g. Bahnhofstrasse 1, 8001 Zürich, CH"
    if len(parts) != 3 or not re.fullmatch(r"[A-Za-z]{2}", parts[2]) or not re.match(r"\S+\s+\S", parts[1]):
        raise ValueError(expected)
    return ", ".join([parts[0], parts[1], parts[2].upper()])


def money(value: Any) -> Decimal:
    expected = "an amount ≥ 0 in the base currency, e.g. 50 or 49.90"
    if isinstance(value, bool):
        raise ValueError(expected)
    # the reader's rule for separators (book.values): "1.234,50" and "1,234.50" are both 1234.50
    text = amount_texts(pd.Series([re.sub(r"[\s'_]", "", text_of(value))], dtype=object))[0]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(expected) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(expected)
    return amount


def date_order(value: Any) -> str:
    text = re.sub(r"[\s/.-]", "", text_of(value)).upper()
    if text not in DATE_ORDERS:
        raise ValueError("DMY (day first, 31/12/2026) or MDY (month first, 12/31/2026)")
    return text


def percent(value: Any) -> Decimal:
    expected = "a percentage from 0 to 100, e.g. 50 or 50%"
    if isinstance(value, bool):
        raise ValueError(expected)
    text = text_of(value).replace("%", "").replace(",", ".").strip()
    try:
        share = Decimal(text)
    except InvalidOperation:
        raise ValueError(expected) from None
    if isinstance(value, float) and 0 < value <= 1 and "%" not in text_of(value):  # a cell formatted as percent
        share = share * 100
    if not share.is_finite() or not 0 <= share <= 100:
        raise ValueError(expected)
    return share
