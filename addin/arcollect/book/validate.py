"""Check typed input cells against what the rest of arcollect can use, and word every rejection as a `Problem`.

    >>> from arcollect.book import validate
    >>> validate.address_problem("ap@example.com") is None
    True
    >>> validate.shown("x" * 40_000)[-21:]
    '… (40,000 characters)'

`arcollect.book.read` types a sheet's cells; this module holds what it checks them against and how it reports them:
allowed values (`canonical`), email addresses (`valid_addresses`, syntax only, email-validator), time zones
(`time_zones`, IANA names), countries and subdivisions the holiday calendar knows (`places`), repeated keys
(`drop_duplicates`) and the problem rows themselves (`report`, `shown`). Each distinct address, zone or place is
looked up once, whatever the number of rows that hold it. The rules are stated in `read`'s module doc.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Any

import email_validator
import pandas as pd

from arcollect.book.schema import MAX_TEXT, Column, Customers, Kind, Table
from arcollect.engine import calendar
from arcollect.errors import InputError
from arcollect.problems import Problem

_SHOWN_TEXT = 200

_REASONS = {
    Kind.DATE: "not a date — write 2026-03-31",
    Kind.DATETIME: "not a date and time — write 2026-03-31 14:30",
    Kind.MONEY: "not an amount (or more than 15 digits before the decimal point) — write 1234.56",
    Kind.NUMBER: "not a number — write 1234.56",
    Kind.INTEGER: "not a whole number — write e.g. 30",
    Kind.BOOL: "not TRUE or FALSE — write TRUE or FALSE (yes/no, 1/0 and x also work)",
    Kind.EMAIL: "not an email address — write name@example.com",
    Kind.EMAILS: "not a list of email addresses — write a@example.com; b@example.com",
}


# ---- allowed values, addresses, places, time zones ---------------------------------------------------------


def canonical(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Allowed-value columns in the schema's spelling; a mask of present values that are not allowed."""
    if not column.allowed:
        return values, pd.Series(False, index=values.index)
    spellings = {allowed.casefold(): allowed for allowed in column.allowed}
    present = values.notna()
    spelled = values.where(~present, values.astype(str).str.casefold().map(spellings))
    unknown = present & spelled.isna()
    return spelled.astype(object).where(spelled.notna(), None), unknown


def valid_addresses(addresses: pd.Series) -> pd.Series:
    """True where the text is one deliverable-looking address (email-validator syntax checks, no DNS look-up).

    Each distinct address is checked once; missing values are False.
    """
    present = addresses.notna()
    verdicts = {address: address_problem(address) is None for address in pd.unique(addresses[present])}
    return addresses.map(verdicts).where(present, False).astype(bool)


@functools.lru_cache(maxsize=65_536)
def address_problem(address: str) -> str | None:
    """Why `address` cannot receive a reminder (email-validator's explanation), or None when it can.

    Syntax only — no DNS look-up, so a run works offline and an unreachable name server never holds reminders.
    The reserved ``.test`` domain is accepted (demo and test workbooks use it; nothing can be delivered there);
    the other special-use names (``localhost``, ``.local``, ``.invalid``, ``.onion`` …) are not.
    """
    try:
        email_validator.validate_email(address, check_deliverability=False, test_environment=True)
    except email_validator.EmailNotValidError as exc:
        return str(exc)
    if "." not in address.rpartition("@")[2]:  # test_environment lets a bare "@test" through
        return "The part after the @-sign is not valid. It should have a period."
    return None


def places(table: Table, columns: dict[str, pd.Series], problems: list[Problem]) -> pd.Series:
    """Check Country and Subdivision against the holiday calendar, which the planner needs for every customer.

    An unknown country leaves the row out; an unknown subdivision is dropped (the whole country's holidays).
    Each distinct pair is looked up once. Returns the rows to keep; `columns` and `problems` are updated.
    """
    country = columns[Customers.COUNTRY]
    subdivision = columns.get(Customers.SUBDIVISION, pd.Series(None, index=country.index, dtype=object))
    pairs = pd.DataFrame({"country": country, "subdivision": subdivision}).astype(object)
    pairs = pairs.where(pairs.notna(), "")
    verdicts = {pair: _place_problem(*pair) for pair in set(pairs.itertuples(index=False, name=None))}
    found = pd.Series([verdicts[pair] for pair in pairs.itertuples(index=False, name=None)], index=pairs.index)
    bad_country = found.eq("country") & country.notna()
    bad_subdivision = found.eq("subdivision")
    for row in country.index[bad_country]:
        reason = "not a country the holiday calendar knows — write an ISO code such as DE, FR, GB; the row is left out"
        problems.append(Problem(table.name, int(row), table.column(Customers.COUNTRY).header, country[row], reason))
    for row in country.index[bad_subdivision]:
        reason = f"not a subdivision of {country[row]} the holiday calendar knows; the whole country's holidays apply"
        header = table.column(Customers.SUBDIVISION).header
        problems.append(Problem(table.name, int(row), header, subdivision[row], reason))
    if Customers.SUBDIVISION in columns:
        columns[Customers.SUBDIVISION] = subdivision.where(~bad_subdivision, None)
    return ~bad_country


@functools.lru_cache(maxsize=4096)
def _place_problem(country: str, subdivision: str) -> str | None:
    """'country' or 'subdivision' when the holiday calendar does not know it, else None."""
    if not country:
        return None
    try:
        calendar.is_business_day(dt.date(2026, 1, 5), country)
    except (InputError, KeyError, ValueError, NotImplementedError):
        return "country"
    if not subdivision:
        return None
    try:
        calendar.is_business_day(dt.date(2026, 1, 5), country, subdivision)
    except (InputError, KeyError, ValueError, NotImplementedError):
        return "subdivision"
    return None


def time_zones(values: pd.Series, bad: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Time zones the planner can use (IANA names); others become missing (the country's zone) and are flagged."""
    present = values.notna()
    known = {name: _is_time_zone(name) for name in pd.unique(values[present])}
    unknown = present & ~values.map(known).where(present, True).astype(bool)
    return values.where(~unknown, None), bad | unknown


@functools.lru_cache(maxsize=1024)
def _is_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # ValueError: "../etc", an absolute path
        return False
    return True


# ---- problems ----------------------------------------------------------------------------------------------


def report(
    table: Table,
    column: Column,
    raw: pd.Series,
    bad: pd.Series,
    unknown: pd.Series,
    empty: pd.Series,
    dropped: pd.Series,
) -> list[Problem]:
    """One problem per bad, unknown or (in a required column) empty cell of `column`, showing the raw value."""
    problems = []
    tail = {True: "; the row is left out", False: ""}
    for row in raw.index[bad]:
        reason = _reason(column, raw[row])
        problems.append(
            Problem(table.name, int(row), column.header, shown(raw[row]), reason + tail[bool(dropped[row])])
        )
    allowed = ", ".join(column.allowed)
    for row in raw.index[unknown & ~bad]:
        reason = f"not one of {allowed} — pick one from the list"
        problems.append(
            Problem(table.name, int(row), column.header, shown(raw[row]), reason + tail[bool(dropped[row])])
        )
    if column.required:
        reason = f"required — fill in {column.header}; the row is left out"
        problems.extend(Problem(table.name, int(row), column.header, None, reason) for row in raw.index[empty])
    return problems


def _reason(column: Column, value: Any) -> str:
    """Why a cell of `column` was rejected; for addresses, email-validator's explanation of the first bad one."""
    kind = column.kind
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"longer than {MAX_TEXT:,} characters, the most an Excel cell holds — shorten it"
    if column.key == Customers.TIME_ZONE and kind is Kind.TEXT:
        return "not a time zone — write an IANA name such as Europe/Berlin, or leave it blank for the country's"
    reason = _REASONS.get(kind, "cannot be read")
    if kind in (Kind.EMAIL, Kind.EMAILS) and isinstance(value, str):
        parts = re.split(r"[;,]", value) if kind is Kind.EMAILS else [value]
        for address in filter(None, (part.strip().lower() for part in parts)):
            why = address_problem(address)
            if why:
                return f"{reason} ('{shown(address)}': {why})"
    return reason


def shown(value: Any) -> Any:
    """`value` as a problem shows it: text longer than a cell can hold is cut, saying how long it was."""
    if isinstance(value, str) and len(value) > _SHOWN_TEXT:
        return f"{value[:_SHOWN_TEXT]}… ({len(value):,} characters)"
    return value


def drop_duplicates(table: Table, frame: pd.DataFrame, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """`frame` without the second and later rows of each `table.unique` key (compared case-insensitively as text).

    Each row left out is a problem naming the row that was kept, showing the raw cell from `raw`.
    """
    if not table.unique or frame.empty:
        return frame, []
    keys = list(table.unique)
    comparable = frame[keys].apply(lambda column: column.astype(str).str.casefold())
    repeated = comparable.duplicated(keep="first")
    if not repeated.any():
        return frame, []
    first_rows = comparable.reset_index().groupby(keys, sort=False)["index"].first()
    headers = ", ".join(table.column(key).header for key in keys)
    problems = []
    for row in frame.index[repeated]:
        key = tuple(comparable.loc[row, keys])
        first = int(first_rows.loc[key if len(keys) > 1 else key[0]])
        value = shown(raw.loc[row, keys[0]] if keys[0] in raw else frame.loc[row, keys[0]])
        reason = f"duplicate {headers} (first on row {first}) — this row is left out"
        problems.append(Problem(table.name, int(row), table.column(keys[0]).header, value, reason))
    return frame[~repeated], problems
