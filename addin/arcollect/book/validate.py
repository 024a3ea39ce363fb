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

from arcollect.engine import calendar
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import (
    CUSTOMERS,
    INVOICES,
    MAX_TEXT,
    PAYMENTS,
    Column,
    Customers,
    Invoices,
    Kind,
    Payments,
    Table,
)

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


def currencies(
    values: pd.Series, bad: pd.Series, notes: pd.Series | None
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """Currency codes that are ISO 4217 (as Babel knows them); others become missing, flagged, with a note."""
    from arcollect.engine.money import currency_codes  # the engine's list, so reader and engine agree

    present = values.notna()
    known = values.where(~present, values.astype(str).isin(currency_codes()))
    unknown = present & ~known.astype(bool)
    if not unknown.any():
        return values, bad, notes
    notes = notes.copy() if notes is not None else pd.Series(None, index=values.index, dtype=object)
    notes[unknown] = "not an ISO 4217 currency code — write EUR, USD, GBP, PLN …"
    return values.where(~unknown, None), bad | unknown, notes


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
    notes: pd.Series | None = None,
) -> list[Problem]:
    """One problem per bad, unknown or (in a required column) empty cell of `column`, showing the raw value.

    `notes` (optional, per row) replaces the generic reason of a bad cell where the conversion said why it did not
    read it — a date that is ambiguous without Settings DateOrder, say.
    """
    problems = []
    tail = {True: "; the row is left out", False: ""}
    for row in raw.index[bad]:
        note = notes[row] if notes is not None else None
        reason = note if isinstance(note, str) else _reason(column, raw[row])
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


# ---- plausibility: values that read fine but cannot be right ---------------------------------------------------

LONG_TERMS_DAYS = 365
"""Terms (or a due date) giving more than this many days to pay are reported: typos of a year or a day count."""


def plausible(tables: dict[str, pd.DataFrame], as_of: dt.date) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The typed tables with what cannot be right reported, and left out or blanked where using it would mislead.

    On Invoices (one problem per cell, each saying what happens to the row):

    - a due date before the invoice date is not used: the due date comes from the payment terms instead (a slash
      date read the wrong way round is the usual cause — Settings DateOrder);
    - an open amount larger than the invoice amount (by absolute value) leaves the row out of totals and reminders:
      neither amount can be trusted, and a reminder must not ask for more than was invoiced;
    - an invoice date after `as_of` is kept (it counts as not yet due) and reported;
    - a due date more than a year after the invoice date is kept and reported.

    On Payments, a payment dated after `as_of` is kept (analytics count it from its date) and reported. Payment terms
    giving more than a year are reported where they are written (`long_terms`).
    """
    tables = dict(tables)
    problems: list[Problem] = []
    today = pd.Timestamp(as_of)
    invoices = tables.get(INVOICES.name)
    if invoices is not None and len(invoices):
        invoices, found = _plausible_invoices(invoices, today)
        tables[INVOICES.name] = invoices
        problems += found
    payments = tables.get(PAYMENTS.name)
    if payments is not None and len(payments):
        later = payments.index[pd.to_datetime(payments[Payments.DATE]) > today]
        header = PAYMENTS.column(Payments.DATE).header
        reason = f"payment dated after today ({today:%Y-%m-%d}) — check the date; it counts only from that day"
        problems += [
            Problem(PAYMENTS.name, int(row), header, _day(payments.at[row, Payments.DATE]), reason) for row in later
        ]
    problems += long_terms(tables)
    return tables, problems


def _plausible_invoices(invoices: pd.DataFrame, today: pd.Timestamp) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    issued = pd.to_datetime(invoices[Invoices.INVOICE_DATE])
    due = pd.to_datetime(invoices[Invoices.DUE_DATE])
    header = {key: INVOICES.column(key).header for key in INVOICES.keys}
    before = due < issued
    for row in invoices.index[before]:
        reason = (
            f"due date {_day(due[row])} is before the invoice date {_day(issued[row])} — not used: the due date "
            "comes from the payment terms instead (if a slash date was read the wrong way round, set Settings "
            "DateOrder); correct the date"
        )
        problems.append(Problem(INVOICES.name, int(row), header[Invoices.DUE_DATE], _day(due[row]), reason))
    far = (due - issued).dt.days > LONG_TERMS_DAYS
    for row in invoices.index[far & ~before]:
        days = int((due[row] - issued[row]).days)
        reason = f"due date {_day(due[row])} is {days} days after the invoice date — more than a year; check it"
        problems.append(Problem(INVOICES.name, int(row), header[Invoices.DUE_DATE], _day(due[row]), reason))
    future = issued > today
    for row in invoices.index[future]:
        reason = f"invoice date {_day(issued[row])} is after today ({today:%Y-%m-%d}) — check it; not due yet till then"
        problems.append(Problem(INVOICES.name, int(row), header[Invoices.INVOICE_DATE], _day(issued[row]), reason))
    amount = invoices[Invoices.AMOUNT].astype("float64")
    open_amount = invoices[Invoices.OPEN_AMOUNT].astype("float64")
    too_much = open_amount.notna() & (open_amount.abs() > amount.abs() + 0.005)
    left_out = invoices[too_much]
    for row, values in zip(left_out.index, left_out.to_dict("records"), strict=True):
        reason = (
            f"open amount {open_amount[row]:,.2f} is more than the invoice amount {amount[row]:,.2f} — the invoice "
            "is left out of totals and reminders until one of them is corrected"
        )
        record = tuple((key, None if _blank(value) else value) for key, value in values.items())
        problems.append(
            Problem(
                INVOICES.name,
                int(row),
                header[Invoices.OPEN_AMOUNT],
                f"{open_amount[row]:,.2f}",
                reason,
                left_out=record,
            )
        )
    if before.any():
        invoices = invoices.assign(**{Invoices.DUE_DATE: due.where(~before)})
    return invoices[~too_much], problems


def long_terms(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Payment terms giving more than `LONG_TERMS_DAYS` days, once per cell they are written in (kept as written)."""
    from arcollect.engine import phrases, terms  # the engine's terms rules; imported only where they are needed

    found: list[Problem] = []
    invoices = tables.get(INVOICES.name, pd.DataFrame())
    for table, column in ((CUSTOMERS, Customers.TERMS), (INVOICES, Invoices.TERMS)):
        frame = tables.get(table.name)
        if frame is None or frame.empty or column not in frame:
            continue
        texts = frame[column].dropna()
        texts = texts[texts.astype(str).str.strip() != ""]
        for text in pd.unique(texts):
            try:
                parsed = phrases.parse(str(text))
            except InputError:
                continue  # not understood: reported where the terms are used
            days = max([parsed.net_days, *(tier.days for tier in parsed.discounts)])
            if parsed.dating is not terms.Dating.INVOICE:
                days += 31
            if days <= LONG_TERMS_DAYS:
                continue
            for row in texts.index[texts == text]:
                taking = ""
                if table is CUSTOMERS and len(invoices):
                    count = int((invoices[Invoices.CUSTOMER_ID] == frame.at[row, Customers.ID]).sum())
                    many = count != 1
                    taking = f"; {count} invoice{'s' if many else ''} of this customer take{'' if many else 's'} them"
                reason = (
                    f"payment terms '{text}' give up to {days} days to pay — more than a year; check them "
                    f"(used as written{taking})"
                )
                found.append(Problem(table.name, int(row), table.column(column).header, text, reason))
    return found


def _day(value: Any) -> str:
    return "" if _blank(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, tuple | list) and bool(pd.isna(value)))
