"""Read the input tables of a workbook into typed DataFrames, with every unusable value reported as a `Problem`.

    >>> from arcollect.book.read import read
    >>> tables, problems = read("arcollect.xlsx")
    >>> tables["Invoices"].loc[2, "invoice_number"]       # index = the Excel row number
    '10023'

One DataFrame per `schema.INPUT_TABLES` table, keyed by table name; columns are the schema keys in schema order,
the index is the row number the user sees in Excel (header = row 1, first data row = 2). Sheets are read with
python-calamine, which is many times faster than openpyxl; the header is the first row of the sheet and headers
match case-, space- and punctuation-insensitively against the column header or its key. Columns the schema does
not know are ignored; so are rows with nothing in any known column.

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

Columns with allowed values (Language, Status, Tone) match case-insensitively and come back in the schema's
spelling ("open" → "Open"). Missing values are ``None`` in text columns, NaT/NaN/<NA> elsewhere.

What is reported (sheet, Excel row, column header, raw value, reason) and what happens to the row:

- a value that cannot be converted: in a required column the row is left out, otherwise the value becomes
  missing and the row stays;
- an empty required cell: the row is left out;
- an unknown Invoices **Status**: the row is left out. A status the reader does not understand may be a typo of
  Disputed or Paid, and a reminder on a disputed or paid invoice is the costly mistake. Other unknown allowed
  values (Language, Tone) become missing, which means the default (English; no tone);
- a second or later row with the same key (`Table.unique`, e.g. Invoice): left out, the first one is kept;
- a required column missing from the header: one problem for the table, which comes back empty;
- a missing sheet: one problem, and an empty table with all columns;
- Customers: a Time zone that is not an IANA name becomes missing (the country's zone); a Country the holiday
  calendar does not know leaves the row out, an unknown Subdivision becomes missing (the whole country's).
- a Currency that is not an ISO 4217 code ("EURO") is a bad value: the row is left out where Currency is required
  (Invoices, Payments, FX), the value becomes missing on Customers.

The checks against email syntax, time zones, the holiday calendar and repeated keys, and the wording of every
problem, are in `arcollect.book.validate`. Derived defaults (due date from terms, open amount = amount) are the
engine's business, not the reader's.
A file that is not an Excel workbook, or one `arcollect.book.guard` refuses (zip bombs, XML entity
declarations, damaged archives), raises `arcollect.errors.InputError` before python-calamine opens it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import python_calamine
from openpyxl.utils import get_column_letter

from arcollect import schema
from arcollect.book import cells as sheet_cells
from arcollect.book import dates, guard, parts, validate
from arcollect.book.cell_updates import header_key
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import MAX_TEXT, Customers, Invoices, Kind, SettingsSheet, Table

logger = logging.getLogger(__name__)

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
_SKIP_ROW_ON_UNKNOWN = {(schema.INVOICES.name, Invoices.STATUS)}
_TIME_ZONE_COLUMN = (schema.CUSTOMERS.name, Customers.TIME_ZONE)
# A yes/no that holds reminders when TRUE: when it cannot be read it holds them too — never a silent FALSE.
_HOLD_WHEN_UNREADABLE = {(schema.CUSTOMERS.name, Customers.DO_NOT_CONTACT), (schema.CUSTOMERS.name, Customers.AUTO_PAY)}
_HELD = "; until it is fixed the customer is held (read as TRUE): no reminder goes out"
_CURRENCY = "currency"  # the key of every currency column (Customers, Invoices, Payments, FX)
# Whole-array applications of built-ins, looped over in C: 3-4 times faster than the .str accessor, whose lambdas
# and missing-value masks are the bulk of its cost on plain Python strings.
_type_of = np.frompyfunc(type, 1, 1)
_strip = np.frompyfunc(str.strip, 1, 1)
_length = np.frompyfunc(len, 1, 1)


def read(path: str | Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every input table of the workbook at `path` as a typed DataFrame, and the problems found on the way.

    Never raises for bad rows or missing sheets (they become problems); raises `InputError` when the file is not
    there or is not an Excel workbook. The last result is kept while the file's modification time and size stay
    the same, so a long-running schedule does not parse an unchanged workbook again every tick; callers get
    copies (pandas copy-on-write makes them cheap) and cannot change the kept tables.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path.name}: file not found ({path})")
    info = path.stat()
    stamp = (str(path.resolve()), info.st_mtime_ns, info.st_size)
    if _last_read.get("stamp") == stamp:  # the schedule reads the same unchanged file every tick
        tables, problems = _last_read["result"]
        return {name: frame.copy() for name, frame in tables.items()}, list(problems)
    result = _read(path)
    _last_read.update(stamp=stamp, result=result)
    tables, problems = result
    return {name: frame.copy() for name, frame in tables.items()}, list(problems)


_last_read: dict[str, Any] = {}


def _read(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    guard.check(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{path.name} is not an Excel workbook (.xlsx) or cannot be opened: {exc}") from exc
    sheets = {name.strip().casefold(): name for name in book.sheet_names}
    unreadable = _unreadable_cells(
        path, [sheets[t.sheet.casefold()] for t in schema.INPUT_TABLES if t.sheet.casefold() in sheets]
    )
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    found: dict[str, tuple[pd.DataFrame, list[Problem]]] = {}
    with book:
        # Settings first: its DateOrder says how the other sheets' slash dates are read.
        for table in sorted(schema.INPUT_TABLES, key=lambda table: table is not schema.SETTINGS):
            name = sheets.get(table.sheet.casefold())
            if name is None:
                missing = Problem(table.name, None, "", None, f"sheet '{table.sheet}' is missing — add it back")
                found[table.name] = empty_table(table), [missing]
                continue
            try:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except python_calamine.CalamineError as exc:
                raise InputError(f"{path.name}: sheet '{name}' cannot be read: {exc}") from exc
            order = date_order(found[schema.SETTINGS.name][0]) if table is not schema.SETTINGS else ""
            found[table.name] = read_rows(table, rows, unreadable.get(name), date_order=order)
    for table in schema.INPUT_TABLES:
        tables[table.name], table_problems = found[table.name]
        problems.extend(table_problems)
    logger.info("read %s: %s; %d problem(s)", path.name, {k: len(v) for k, v in tables.items()}, len(problems))
    return tables, problems


def _unreadable_cells(path: Path, titles: list[str]) -> dict[str, dict[tuple[int, int], sheet_cells.Unreadable]]:
    """Per sheet title, the cells whose saved value python-calamine gives as empty although they are not."""
    found = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = parts.sheet_parts(archive)
            for title in titles:
                if title in names:
                    data = archive.read(names[title])
                    if b"<f" in data or b't="e"' in data:
                        found[title] = sheet_cells.unreadable_cells(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, sheet_cells.CellsUnsupported) as error:
        logger.warning("%s: formulas and error cells not checked (%s)", path.name, error)
    return found


def read_output(path: str | Path, name: str) -> pd.DataFrame:
    """One output table as the user left it in the workbook (typed like `read`; its problems are only logged).

    A run reads the user's entries in an output sheet before rewriting it — the ReminderQueue's Approve column.
    An empty table when the sheet is missing or the file unreadable (the run itself reports that).
    """
    table = schema.TABLES[name]
    path = Path(path)
    try:
        guard.check(path)
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (InputError, python_calamine.CalamineError, OSError, ValueError) as exc:
        logger.info("%s: %s not read (%s)", path.name, name, exc)
        return empty_table(table)
    with book:
        sheets = {sheet.strip().casefold(): sheet for sheet in book.sheet_names}
        sheet = sheets.get(table.sheet.casefold())
        if sheet is None:
            return empty_table(table)
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    frame, problems = read_rows(table, rows)
    for problem in problems:
        logger.info("%s", problem)
    return frame


def sheet_rows(workbook: Path, sheet: str) -> list[list[Any]]:
    """A sheet's cells as rows from A1, bad values included (empty list when the workbook has no such sheet).

    The file twin of `book.live.sheet_rows`: what the import (`book.importer`) and the bank statement mappings
    (`bank.inbox`) read of the Invoices, Customers and Mappings sheets.
    """
    guard.check(workbook)
    try:
        with python_calamine.CalamineWorkbook.from_path(str(workbook)) as book:
            names = {name.casefold(): name for name in book.sheet_names}
            if sheet.casefold() not in names:
                return []
            return book.get_sheet_by_name(names[sheet.casefold()]).to_python(skip_empty_area=False)
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise InputError(f"{workbook.name} is not an Excel workbook or cannot be opened: {exc}") from exc


def empty_table(table: Table) -> pd.DataFrame:
    """A table with no rows and every schema column, typed as `read` types them."""
    columns = {column.key: _typed(pd.Series([], dtype=object), column.kind) for column in table.columns}
    return pd.DataFrame(columns, index=pd.Index([], dtype="int64"))


def date_order(settings_table: pd.DataFrame) -> str:
    """Settings DateOrder from the typed Settings table: "DMY", "MDY", or "" when blank or not usable.

    The value is checked (and a bad one reported) by `book.settings`; here a bad value counts as not set.
    """
    if settings_table.empty or SettingsSheet.KEY not in settings_table:
        return ""
    keys = settings_table[SettingsSheet.KEY].astype(str).str.replace(r"[\s_-]", "", regex=True).str.casefold()
    values = settings_table.loc[keys == "dateorder", SettingsSheet.VALUE]
    text = str(values.iloc[0]).strip().upper() if len(values) and pd.notna(values.iloc[0]) else ""
    return text if text in dates.DATE_ORDERS else ""


def read_rows(
    table: Table,
    rows: list[list[Any]],
    unreadable: Mapping[tuple[int, int], sheet_cells.Unreadable] | None = None,
    *,
    date_order: str = "",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the raw rows of one sheet (first row = header, row i = Excel row i + 1) as `table`'s columns.

    `unreadable` names the cells, by (Excel row, column number), whose saved value cannot be read — an error
    value or a formula saved without its result (`sheet_cells.unreadable_cells`); the rows hold them as empty. Each is
    a problem; in a required column the row is left out, and an unreadable Do not contact or Auto-pay holds the
    customer (reads as TRUE). `date_order` is Settings DateOrder ("DMY", "MDY" or "" for not set): how slash dates
    are read (`book.dates`). Every problem that leaves a row out carries what could be read of that row
    (`Problem.left_out`).
    """
    header = rows[0] if rows else []
    positions, problems = _match_header(table, header)
    if problems:
        return empty_table(table), problems
    body = rows[1:]
    widths = set(map(len, body))
    width = max(widths, default=0)
    if len(widths) > 1:  # calamine's rows are even; rows from elsewhere may not be
        body = [[*row, *([None] * (width - len(row)))] for row in body]
    raw = pd.DataFrame(body, dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw))
    raw = raw.reindex(columns=range(max(len(header), raw.shape[1])))
    cells = pd.DataFrame({key: raw[position] for key, position in positions.items()}, index=raw.index)
    kinds, empty, too_long = _classify(cells)
    lost = _unreadable_mask(cells, positions, unreadable)
    empty &= ~lost
    cells = cells[~empty.all(axis=1)]
    kinds, empty, too_long = kinds.loc[cells.index], empty.loc[cells.index], too_long.loc[cells.index]
    lost = lost.loc[cells.index]

    keep = pd.Series(True, index=cells.index)
    columns: dict[str, pd.Series] = {}
    unknown_auto_pay: pd.Series | None = None
    for column in table.columns:
        if column.key not in cells:
            columns[column.key] = _typed(pd.Series(None, index=cells.index, dtype=object), column.kind)
            continue
        raw_column = cells[column.key]
        unread = lost[column.key]
        usable = ~empty[column.key] & ~too_long[column.key] & ~unread
        values, bad, notes = _convert_noting(
            raw_column.where(usable, None), column.kind, usable, kinds[column.key], date_order
        )
        bad = bad | too_long[column.key]
        hold = (table.name, column.key) in _HOLD_WHEN_UNREADABLE
        if hold and (bad | unread).any():
            values = values.mask(bad | unread, True)
            if column.key == Customers.AUTO_PAY:  # TRUE alone would send the notice that a direct debit failed
                unknown_auto_pay = bad | unread
        values, unknown = validate.canonical(values, column)
        if (table.name, column.key) == _TIME_ZONE_COLUMN:
            values, bad = validate.time_zones(values, bad)
        if column.kind is Kind.CODE and column.key == _CURRENCY:
            values, bad, notes = validate.currencies(values, bad, notes)
        skip_unknown = (table.name, column.key) in _SKIP_ROW_ON_UNKNOWN
        drop = unknown if skip_unknown else pd.Series(False, index=cells.index)
        if column.required:
            drop = drop | bad | unknown | empty[column.key] | unread
        found = validate.report(table, column, raw_column, bad, unknown, empty[column.key], drop, notes)
        if hold:
            found = [problem._replace(reason=problem.reason + _HELD) for problem in found]
        problems.extend(found)
        problems.extend(_unreadable_problems(table, column, unread, unreadable or {}, positions, drop, hold))
        keep &= ~drop
        columns[column.key] = values
    if unknown_auto_pay is not None and Customers.DO_NOT_CONTACT in columns:  # held: neither dunned nor told
        columns[Customers.DO_NOT_CONTACT] = columns[Customers.DO_NOT_CONTACT].mask(unknown_auto_pay, True)
    if table.name == schema.CUSTOMERS.name and Customers.COUNTRY in columns:
        keep &= validate.places(table, columns, problems)
    whole = pd.DataFrame(columns, index=cells.index)
    frame = whole[keep]
    frame.attrs["letters"] = {table.column(key).header: get_column_letter(at + 1) for key, at in positions.items()}
    if not keep.all():
        problems = _noting_left_out(problems, whole[~keep])
    frame, duplicates = validate.drop_duplicates(table, frame, cells)
    problems.extend(duplicates)
    problems.sort(key=lambda problem: (problem.row, table.headers.index(problem.column)))
    return frame, problems


def _unreadable_mask(
    cells: pd.DataFrame, positions: dict[str, int], unreadable: Mapping[tuple[int, int], Any] | None
) -> pd.DataFrame:
    """True where a cell of `cells` (index: Excel rows, columns: keys) is one of the `unreadable` ones."""
    mask = pd.DataFrame(False, index=cells.index, columns=cells.columns)
    if not unreadable:
        return mask
    by_column = {position + 1: key for key, position in positions.items()}
    for row, column in unreadable:
        key = by_column.get(column)
        if key is not None and row in mask.index:
            mask.loc[row, key] = True
    return mask


def _unreadable_problems(
    table: Table,
    column: schema.Column,
    unread: pd.Series,
    unreadable: Mapping[tuple[int, int], sheet_cells.Unreadable],
    positions: dict[str, int],
    dropped: pd.Series,
    hold: bool,
) -> list[Problem]:
    """One problem per cell of `column` whose saved value cannot be read, saying what the cell holds."""
    problems = []
    number = positions.get(column.key, -1) + 1
    for row in unread.index[unread]:
        cell = unreadable[(int(row), number)]
        formula = f"={cell.formula}" if cell.formula is not None else None
        if cell.error is not None:
            what = f"{formula} gives the error {cell.error}" if formula else f"the cell holds the error {cell.error}"
            reason = f"{what} — fix the formula or type the value"
        else:
            reason = (
                f"the formula {formula} has no saved result — open the workbook in Excel or LibreOffice and save "
                "it (arcollect reads the values a spreadsheet saved; it does not calculate formulas)"
            )
        if dropped[row]:
            reason += "; the row is left out"
        elif hold:
            reason += _HELD
        problems.append(Problem(table.name, int(row), column.header, formula or cell.error, reason))
    return problems


def _noting_left_out(problems: list[Problem], left_out: pd.DataFrame) -> list[Problem]:
    """`problems` with what could be read of each left-out row attached to the problems of that row."""
    records = {
        int(row): tuple((key, None if _missing(value) else value) for key, value in values.items())
        for row, values in zip(left_out.index, left_out.to_dict("records"), strict=True)
    }
    return [
        problem._replace(left_out=records[problem.row]) if problem.row in records else problem for problem in problems
    ]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, tuple | list) and bool(pd.isna(value)))


# ---- header ------------------------------------------------------------------------------------------------


def _match_header(table: Table, header: list[Any]) -> tuple[dict[str, int], list[Problem]]:
    """Map each schema key to its position in the header row; problems when required columns are absent."""
    found = {}
    for position, cell in enumerate(header):
        found.setdefault(header_key(cell), position)
    positions = {}
    for column in table.columns:
        for name in (column.header, column.key):
            if header_key(name) in found:
                positions[column.key] = found[header_key(name)]
                break
    missing = [column.header for column in table.columns if column.required and column.key not in positions]
    if not missing:
        return positions, []
    names = ", ".join(missing)
    reason = f"required column{'s' if len(missing) > 1 else ''} {names} missing from the header row (row 1) — "
    reason += "add the column; the whole sheet is ignored until then"
    return positions, [Problem(table.name, 1, names, None, reason)]


# ---- conversion --------------------------------------------------------------------------------------------


def convert(values: pd.Series, kind: Kind, *, date_order: str = "") -> tuple[pd.Series, pd.Series]:
    """`values` (raw cells, None for empty) converted per `kind`, and a mask of cells that could not be."""
    result, bad, _notes = _convert_noting(values, kind, values.notna(), None, date_order)
    return result, bad


def _convert(
    values: pd.Series, kind: Kind, present: pd.Series, kinds: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    result, bad, _notes = _convert_noting(values, kind, present, kinds)
    return result, bad


def _convert_noting(
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


def _typed(values: pd.Series, kind: Kind) -> pd.Series:
    result, _ = convert(values, kind)
    return result


def _classify(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
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
    chosen = english.where(~comma_decimal, european).where(~dot_thousands, no_dots)
    return pd.to_numeric(chosen, errors="coerce").astype("float64")


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
