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

How cells become typed values, per `Kind` (dates, amounts, yes/no, text, codes, email addresses), is
`arcollect.book.values`; this module reads the sheets, matches the header and decides what a bad cell means
for its row.

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

import logging
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine
from openpyxl.utils import get_column_letter

from arcollect import schema
from arcollect.book import cells as sheet_cells
from arcollect.book import dates, empty_sheets, guard, parts, validate
from arcollect.book.cell_updates import header_key
from arcollect.book.values import classify, convert_noting, typed
from arcollect.errors import InputError
from arcollect.problems import Problem
from arcollect.schema import Customers, Invoices, Kind, SettingsSheet, Table

logger = logging.getLogger(__name__)

_SKIP_ROW_ON_UNKNOWN = {(schema.INVOICES.name, Invoices.STATUS)}
_TIME_ZONE_COLUMN = (schema.CUSTOMERS.name, Customers.TIME_ZONE)
# A yes/no that holds reminders when TRUE: when it cannot be read it holds them too — never a silent FALSE.
_HOLD_WHEN_UNREADABLE = {(schema.CUSTOMERS.name, Customers.DO_NOT_CONTACT), (schema.CUSTOMERS.name, Customers.AUTO_PAY)}
_HELD = "; until it is fixed the customer is held (read as TRUE): no reminder goes out"
_CURRENCY = "currency"  # the key of every currency column (Customers, Invoices, Payments, FX)


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
    columns = {column.key: typed(pd.Series([], dtype=object), column.kind) for column in table.columns}
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
    kinds, empty, too_long = classify(cells)
    lost = _unreadable_mask(cells, positions, unreadable)
    empty &= ~lost
    cells = cells[~empty.all(axis=1)]
    first = table.keys[0]
    if empty_sheets.note(table) and first in cells:  # an empty output table's note row is not data
        cells = cells[
            empty_sheets.data_rows(table, cells[first], empty.loc[cells.index].drop(columns=first).all(axis=1))
        ]
    kinds, empty, too_long = kinds.loc[cells.index], empty.loc[cells.index], too_long.loc[cells.index]
    lost = lost.loc[cells.index]

    keep = pd.Series(True, index=cells.index)
    columns: dict[str, pd.Series] = {}
    unknown_auto_pay: pd.Series | None = None
    for column in table.columns:
        if column.key not in cells:
            columns[column.key] = typed(pd.Series(None, index=cells.index, dtype=object), column.kind)
            continue
        raw_column = cells[column.key]
        unread = lost[column.key]
        usable = ~empty[column.key] & ~too_long[column.key] & ~unread
        values, bad, notes = convert_noting(
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
