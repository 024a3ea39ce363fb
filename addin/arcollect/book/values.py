"""Cell values as typed columns, one `Kind` at a time: what `book.read` (and the ERP import) make of a cell.

    >>> import pandas as pd
    >>> from arcollect.book.values import convert
    >>> from arcollect.schema import Kind
    >>> convert(pd.Series(["1.234,56", "(12.50)", "x"], dtype=object), Kind.MONEY)[0].tolist()
    [1234.56, -12.5, nan]

How cells are read, per `Kind` (whole columns at a time; only unusual cells go through Python one by one):

- DATE: real dates, Excel serial numbers (1900 date system), ISO text (2026-03-31; a time zone suffix keeps the
  wall-clock time), dotted day-first text (31.03.2026), month names in six languages (20 Nov 2026, 3. März 2026)
  and slash dates **in the order Settings DateOrder names** (DMY or MDY). Without a DateOrder a slash date that is
  a date both ways (03/04/2026) is not guessed: it is a bad value whose reason says what to set (`book.dates`).
  Dates after 2262-04-11 (the last a ``datetime64[ns]`` column holds) are bad values.
- MONEY, NUMBER: numbers, or text with thousands separators. The last of ``.``/``,`` in the text is the decimal
  mark when both appear ("1,234.56", "1.234,56"); a lone comma is a thousands separator only when exactly three
  digits follow it and at most three precede it ("1,234" is 1234, "12,5" is 12.5); several dots without a comma
  are thousands separators ("1.234.567"). Spaces and apostrophes are ignored ("1 234.56", "1'234.56"),
  "(12.50)" and a trailing minus "12.50-" are negative. Infinite numbers are bad values, and so are amounts
  (MONEY) of `MAX_AMOUNT` (10^15) or more, beyond which a float64 no longer holds every cent.
- INTEGER: as NUMBER, and the value must be whole and at most 2^53; nullable ``Int64``.
- BOOL: TRUE/FALSE, yes/no, y/n, 1/0 and x (ticked); nullable ``boolean``.
- TEXT: stripped; numbers that are really identifiers come back without a decimal part (invoice 10023 → "10023").
- CODE: as TEXT, upper-cased (ISO currency and country codes).
- EMAIL: lower-cased addresses email-validator accepts (syntax only, no DNS look-up; each distinct address is
  checked once), one or several separated by ``;`` or ``,`` (a shared mailbox and a person: the reminder goes to
  both), kept as one text joined by ``"; "``. EMAILS: the same, split into a tuple of addresses (an empty cell
  gives ``()``). In both one invalid address makes the whole cell bad, and the problem names it.
- Any text longer than `MAX_TEXT` (32,767 characters, Excel's limit for a cell) is a bad value; problems show
  the first 200 characters of it.

Missing values are ``None`` in text columns, NaT/NaN/<NA> elsewhere.

Whole columns at a time: `classify` types every cell of a sheet in one pass, and `convert_noting` takes those
types so a column's cells are not looked at twice. What a cell that cannot be converted means for its row is the
reader's business (`book.read.read_rows`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from arcollect.book import dates, validate
from arcollect.schema import MAX_TEXT, Kind

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01 in the 1900 date system (after the leap bug)
_LAST_SERIAL = (
    pd.Timestamp.max.date() - EXCEL_EPOCH.date()
).days  # 2262-04-11, the last day a datetime64[ns] column holds
_TRUE = ("true", "yes", "y", "1", "1.0", "x", "wahr", "ja", "oui", "vrai")
_FALSE = ("false", "no", "n", "0", "0.0", "falsch", "nein", "non", "faux")
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_TIME_ZONE = re.compile(r"^(.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d\d(?::?\d\d)?)$", re.IGNORECASE)
_NUMERIC_TYPES = [int, float, np.int64, np.float64]
MAX_AMOUNT = 1e15  # beyond this a float64 no longer holds every cent; larger amounts are typos or hostile input
_MAX_WHOLE = 2**53  # the largest whole number a float64 cell holds exactly
# Whole-array applications of built-ins, looped over in C: 3-4 times faster than the .str accessor, whose lambdas
# and missing-value masks are the bulk of its cost on plain Python strings.
_type_of = np.frompyfunc(type, 1, 1)
_strip = np.frompyfunc(str.strip, 1, 1)
_length = np.frompyfunc(len, 1, 1)


def convert(values: pd.Series, kind: Kind, *, date_order: str = "") -> tuple[pd.Series, pd.Series]:
    """`values` (raw cells, None for empty) converted per `kind`, and a mask of cells that could not be."""
    result, bad, _notes = convert_noting(values, kind, values.notna(), None, date_order)
    return result, bad


def convert_noting(
    values: pd.Series, kind: Kind, present: pd.Series, kinds: pd.Series | None = None, date_order: str = ""
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """`convert`, told which cells are present and, if it is known, the type of each (`_kinds(values)`); with a
    note per cell where a date was deliberately not read (ambiguous without DateOrder, `book.dates`), else None.

    `read_rows` knows both already; working them out again costs a pass over a column's cells, and with cells
    scattered in memory such a pass costs about as much as the conversion.
    """
    missing = None
    notes = None
    if kind in (Kind.DATE, Kind.DATETIME):
        result, notes = _dates(values, keep_time=kind is Kind.DATETIME, kinds=kinds, order=date_order)
    elif kind is Kind.MONEY:
        result = _numbers(values, kinds)
        result = result.where(result.abs() < MAX_AMOUNT)
    elif kind is Kind.NUMBER:
        result = _numbers(values, kinds)
    elif kind is Kind.INTEGER:
        numbers = _numbers(values, kinds)
        whole = numbers.where((numbers == np.floor(numbers)) & (numbers.abs() <= _MAX_WHOLE))
        result = pd.Series(pd.array(whole, dtype="Float64").astype("Int64"), index=values.index)
    elif kind is Kind.BOOL:
        result = _bools(values)
    elif kind is Kind.EMAIL:
        lists, bad = _address_lists(values, kinds)
        joined = lists.map(lambda addresses: "; ".join(addresses) if addresses else None)
        return joined.astype(object).where(joined.notna(), None), bad | (present & joined.isna()), None
    elif kind is Kind.EMAILS:
        result, bad = _address_lists(values, kinds)
        return result, bad, None
    else:
        result = _texts(values, kinds)
        if kind is Kind.CODE:
            result = result.str.upper()
        missing = result.isna()
        result = result.astype(object).where(~missing, None)
    if missing is None:
        missing = pd.Series(pd.isna(result), index=values.index)
    return result, present & missing, notes


def typed(values: pd.Series, kind: Kind) -> pd.Series:
    result, _ = convert(values, kind)
    return result


def classify(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The exact type (`_kinds`) of each cell as `read_rows` passes it on to `convert`, which cells are empty
    (missing, or text of nothing but spaces) and which hold text longer than `MAX_TEXT`. Empty and too-long cells
    go on as None, so their type is ``NoneType``.

    One pass over the whole table rather than several per column: calamine gives every empty cell inside a
    sheet's used range as "", so text is most of what a sheet holds.
    """
    block = cells.to_numpy(dtype=object)
    kinds = _type_of(block)
    text = np.equal(kinds, str)
    strings = block[text]
    empty = np.zeros(block.shape, dtype=bool)
    empty[text] = np.equal(_strip(strings), "")
    empty[~text] = pd.isna(block[~text])
    too_long = np.zeros(block.shape, dtype=bool)
    too_long[text] = np.greater(_length(strings), MAX_TEXT)
    kinds[empty | too_long] = type(None)
    return tuple(pd.DataFrame(part, index=cells.index, columns=cells.columns) for part in (kinds, empty, too_long))


def _timestamp(value: Any) -> pd.Timestamp:
    """One real date cell as a naive ns Timestamp (wall-clock time where it was taken); NaT outside what ns holds."""
    try:
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        return stamp.as_unit("ns")
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


def _kinds(values: pd.Series, known: pd.Series | None = None) -> pd.Series:
    """The exact Python type of every cell (a bool is not an int here, a datetime not a date); `known` if given."""
    if known is not None:
        return known
    if values.dtype != object:  # typed columns box their cells as `map` does (Timestamp, float)
        return values.map(type)
    return pd.Series(_type_of(values.to_numpy()), index=values.index, dtype=object)


def _nanoseconds(stamps: pd.Series) -> pd.Series:
    """Datetimes of any resolution as ``datetime64[ns]``; dates outside what that holds (after 2262) become NaT."""
    stamps = pd.to_datetime(stamps, errors="coerce")
    inside = (stamps >= pd.Timestamp.min) & (stamps <= pd.Timestamp.max)
    return stamps.where(inside).astype("datetime64[ns]")


def _real_dates(values: pd.Series) -> pd.Series:
    """Date and datetime cells as ``datetime64[ns]``, wall-clock time where it was taken; NaT outside its range.

    The whole column is typed at once. Cells with a time zone (calamine's never have one) go one by one, since
    pandas would move them all to one zone.
    """
    try:
        stamps = pd.to_datetime(values, errors="raise")
    except (ValueError, TypeError, OverflowError):
        stamps = None
    if stamps is None or isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return pd.to_datetime(values.map(_timestamp)).astype("datetime64[ns]")
    return _nanoseconds(stamps)


def _dates(
    values: pd.Series, *, keep_time: bool, kinds: pd.Series | None = None, order: str = ""
) -> tuple[pd.Series, pd.Series | None]:
    """The column as ``datetime64[ns]`` and, for text dates not read on purpose, a note per cell (`book.dates`)."""
    notes = None
    types = _kinds(values, kinds)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    real = types.isin([dt.date, dt.datetime, pd.Timestamp])
    if real.all():
        result = _real_dates(values)
    elif real.any():
        result[real] = _real_dates(values[real])
    serial = types.isin(_NUMERIC_TYPES)
    if serial.any():
        days = pd.to_numeric(values[serial], errors="coerce").astype("float64")
        days = days.where((days >= 1) & (days <= _LAST_SERIAL))
        result[serial] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    text = types.eq(str)
    if text.any():
        strings = values[text].str.strip().str.replace(_TIME_ZONE, r"\1", regex=True)
        stamps, text_notes = dates.parse_text(strings, order)
        result[text] = stamps
        if text_notes.notna().any():
            notes = text_notes.reindex(values.index)
    return (result if keep_time else result.dt.normalize()), notes


def _numbers(values: pd.Series, kinds: pd.Series | None = None) -> pd.Series:
    """Finite float64 numbers; NaN where a cell is not a number (text that is not one, inf, NaN, dates)."""
    types = _kinds(values, kinds)
    result = pd.Series(np.nan, index=values.index, dtype="float64")
    numeric = types.isin(_NUMERIC_TYPES)
    if numeric.any():
        result[numeric] = pd.to_numeric(values[numeric], errors="coerce").astype("float64")
    text = types.eq(str)
    if text.any():
        result[text] = _parse_amounts(values[text])
    return result.where(np.isfinite(result))


def _parse_amounts(strings: pd.Series) -> pd.Series:
    """Text amounts with thousands separators to float64 (NaN when not a number); rules in the module doc."""
    return pd.to_numeric(amount_texts(strings), errors="coerce").astype("float64")


def amount_texts(strings: pd.Series) -> pd.Series:
    """Text amounts as plain decimal text ("1.234,56" → "1234.56", "(12.50)" → "-12.50"): the separators read by
    the rules in the module doc, so that an amount can also become an exact `Decimal` (Settings' amounts).

        >>> amount_texts(pd.Series(["1.234,50", "1,234.50", "12,5", "1 234"])).tolist()
        ['1234.50', '1234.50', '12.5', '1234']
    """
    text = strings.str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    parenthesised = text.str.match(r"^\(.*\)$")
    text = text.where(~parenthesised, "-" + text.str.slice(1, -1))
    trailing_minus = text.str.match(r"^[^-].*\d-$")
    text = text.where(~trailing_minus, "-" + text.str.slice(0, -1))
    last_dot, last_comma = text.str.rfind("."), text.str.rfind(",")
    has_dot, has_comma = last_dot >= 0, last_comma >= 0
    lone_comma = has_comma & ~has_dot & text.str.count(",").eq(1)
    comma_decimal = (has_dot & has_comma & (last_comma > last_dot)) | (
        lone_comma & ~text.str.match(r"^[-+]?\d{1,3},\d{3}$")
    )
    dot_thousands = ~has_comma & text.str.count(r"\.").gt(1)
    english = text.str.replace(",", "", regex=False)
    european = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    no_dots = text.str.replace(".", "", regex=False)
    return english.where(~comma_decimal, european).where(~dot_thousands, no_dots)


def _bools(values: pd.Series) -> pd.Series:
    keys = values.astype(str).str.strip().str.lower().where(values.notna())
    return pd.Series(keys.map(_BOOLS), index=values.index).astype("boolean")


def _texts(values: pd.Series, kinds: pd.Series | None = None) -> pd.Series:
    """Strings, stripped; empty → missing; integral numbers without ".0"; dates as ISO text."""
    types = _kinds(values, kinds)
    if values.dtype == object:  # a column of text and empty cells, as most are, only needs stripping
        cells, present_types = values.to_numpy(), types.to_numpy()
        text = np.equal(present_types, str)
        if (text | np.equal(present_types, type(None))).all():
            positions = np.flatnonzero(text)
            strings = _strip(cells[positions])
            result = np.full(len(cells), np.nan, dtype=object)
            result[positions] = strings
            result[positions[np.equal(strings, "")]] = np.nan
            return pd.Series(result, index=values.index, dtype=object)
    text = types.eq(str)
    result = pd.Series(None, index=values.index, dtype=object)
    result[text] = values[text]
    numeric = types.isin(_NUMERIC_TYPES)
    if numeric.any():
        numbers = values[numeric].astype("float64")
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < 2**53)
        as_text = numbers.astype(str)
        as_text[whole] = numbers[whole].astype("int64").astype(str)
        result[numeric] = as_text
    flags = types.eq(bool)
    if flags.any():
        result[flags] = values[flags].map({True: "TRUE", False: "FALSE"})
    others = values.notna() & ~(text | numeric | flags)
    if others.any():
        result[others] = values[others].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    result = result.str.strip()
    return result.where(result.str.len() > 0)


def _address_lists(values: pd.Series, kinds: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    texts = _texts(values, kinds).str.lower()
    parts = texts.str.split(r"[;,]", regex=True)
    lists = parts.map(
        lambda items: tuple(item.strip() for item in items if item.strip()) if isinstance(items, list) else ()
    )
    addresses = lists.explode().dropna()
    # one @ and no spaces, or not an address: such parts never reach the validator (a cheap first look)
    shaped = addresses.astype(str).str.count("@").eq(1) & ~addresses.astype(str).str.contains(r"\s", regex=True)
    valid = np.zeros(len(addresses), dtype=bool)  # positions: the exploded index repeats a row's label
    valid[shaped.to_numpy()] = validate.valid_addresses(addresses[shaped]).to_numpy()
    invalid = addresses[~valid].index.unique()
    bad = pd.Series(lists.index.isin(invalid), index=lists.index)
    lists = lists.where(~bad, ())
    return lists.astype(object), bad & values.notna()
