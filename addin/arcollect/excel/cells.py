"""Excel cell values as the cell functions receive them → typed arrays with a state per cell, and back.

    >>> from arcollect.excel import cells
    >>> layout, (days, state) = cells.prepare(([[46296.0], ["#N/A"], [None]], cells.dates))
    >>> cells.emit(layout, days, state)
    [[datetime.datetime(2026, 10, 1, 0, 0)], ['#N/A'], [None]]

What a value is, cell by cell:

- **Shapes.** One cell (a scalar), a row (a flat list), a column or a block (a list of lists, as xlwings passes a
  range declared ``ndim=2``). `prepare` reads each argument at its own size and broadcasts them together like
  numpy arrays; the result (`emit`) has their common shape. Shapes that cannot be broadcast raise `ShapeError`.
- **Whole columns and rows.** A reference to a whole column (``C:C``, 1,048,576 rows) or row (``1:1``, 16,384
  columns) is cut after its last non-empty cell — across all the arguments of that size, so columns of one table
  stay aligned — as Excel's own functions read it. The add-in's wrappers already cut such a reference to the
  sheet's used range before it reaches Python (no million-row transfer); this is the same rule on this side.
- **Errors.** An error cell arrives as its text (``"#N/A"``, with xlwings' ``err_to_str=True``, which every range
  argument of the cell functions declares) or as the COM error code xlwings passes through without it; either way
  that cell's result is the same error, as an Excel formula propagates an input's error. A value that cannot be
  read (text that is not a date, unknown terms) is ``#VALUE!`` in its cell; an empty cell gives an empty result.
- **Dates** arrive as ``datetime`` (date-formatted cells: COM hands over the real date in either date system), as
  serial numbers (unformatted cells) or as ISO text (``2026-03-31``). A serial counts days in the workbook's date
  system: the 1900 system from 1899-12-30 with Excel's phantom 29 February 1900 (serial 60, ``#VALUE!``; serials
  1-59 one day later than the arithmetic gives), or the 1904 system (Excel for Mac's old default) from 1904-01-01.
  Time of day is dropped; serials outside 1900-01-01 (1904-01-01) … 9999-12-31 are ``#VALUE!``.

The state of a cell is `OK`, `MISSING` (empty), `BAD` (``#VALUE!``) or one of Excel's error values (from
`FIRST_ERROR` on, in the order of `ERRORS`); combining arguments keeps the worst state of a cell (`worst`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine import terms as payment_terms

VALUE = "#VALUE!"
NA = "#N/A"  # no such value: terms without a discount, no FX rate, no reference rate
DIV0 = "#DIV/0!"  # DSO and CEI without credit sales

#: Excel's error values with their `CVErr` numbers (the XlCVError enumeration): the texts xlwings hands over with
#: ``err_to_str=True`` and the values the add-in's wrappers turn such texts back into.
ERROR_CODES: dict[str, int] = {
    "#NULL!": 2000,
    "#DIV/0!": 2007,
    "#VALUE!": 2015,
    "#REF!": 2023,
    "#NAME?": 2029,
    "#NUM!": 2036,
    "#N/A": 2042,
    "#GETTING_DATA": 2043,
    "#SPILL!": 2045,
    "#CONNECT!": 2046,
    "#BLOCKED!": 2047,
    "#UNKNOWN!": 2048,
    "#FIELD!": 2049,
    "#CALC!": 2050,
    "#BUSY!": 2051,
}
ERRORS = tuple(ERROR_CODES)
#: COM's HRESULT for an error value is 0x800A0000 plus its CVErr number (as a signed 32-bit int, as pywin32 gives it).
_COM_ERROR_BASE = 0x800A0000 - (1 << 32)

OK, MISSING, BAD = 0, 1, 2
FIRST_ERROR = 3
_ERROR_STATE: dict[Any, int] = {text: FIRST_ERROR + index for index, text in enumerate(ERRORS)}
_COM_ERROR_STATE: dict[int, int] = {
    _COM_ERROR_BASE + code: FIRST_ERROR + index for index, code in enumerate(ERROR_CODES.values())
}
_ERROR_TEXTS = np.array(ERRORS, dtype=object)

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_EPOCH_1900 = np.datetime64("1899-12-30", "D")
_EPOCH_1904 = np.datetime64("1904-01-01", "D")
_PHANTOM_LEAP_DAY = 60
_LAST_SERIAL_1900 = 2958465  # 9999-12-31
_LAST_SERIAL_1904 = 2957003  # 9999-12-31

Reader = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class ShapeError(ValueError):
    """Arguments whose shapes cannot be broadcast together (or a ragged list of lists)."""


@dataclass(frozen=True)
class Layout:
    """The shape of the result and how to hand it back: "scalar", "row" (flat list) or "grid" (list of lists)."""

    shape: tuple[int, int]
    form: str


def error_of(value: Any) -> str | None:
    """The Excel error a single argument holds (its text, or the COM code xlwings passes), or None."""
    if isinstance(value, str):
        return value if value in _ERROR_STATE else None
    if type(value) is int and value in _COM_ERROR_STATE:
        return ERRORS[_COM_ERROR_STATE[value] - FIRST_ERROR]
    return None


def grid(value: Any) -> tuple[np.ndarray, str]:
    """One argument as a 2-D object array, and its form."""
    if isinstance(value, list | tuple):
        if value and all(isinstance(row, list | tuple) for row in value):
            if len({len(row) for row in value}) != 1:
                raise ShapeError("rows of different lengths")
            cells = np.empty((len(value), len(value[0])), dtype=object)
            cells[:] = value
            return cells, "grid"
        cells = np.empty((1, len(value)), dtype=object)
        cells[0, :] = value
        return cells, "row"
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = value
    return cells, "scalar"


def trimmed(grids: list[tuple[np.ndarray, str]]) -> list[tuple[np.ndarray, str]]:
    """Whole columns cut after the last row that is non-empty in any of them; whole rows likewise by column."""
    for axis, size in ((0, EXCEL_ROWS), (1, EXCEL_COLUMNS)):
        whole = [cells for cells, _ in grids if cells.shape[axis] == size]
        if not whole:
            continue
        end = max(_last_filled(cells, axis) for cells in whole)
        grids = [
            ((cells[:end] if axis == 0 else cells[:, :end]), form) if cells.shape[axis] == size else (cells, form)
            for cells, form in grids
        ]
    return grids


def _last_filled(cells: np.ndarray, axis: int) -> int:
    """1 + the index of the last row (axis 0) or column (axis 1) holding a value; at least 1."""
    filled = ~pd.isna(cells) & (cells != "")
    lines = np.flatnonzero(filled.any(axis=1 - axis))
    return int(lines[-1]) + 1 if lines.size else 1


def layout_of(*grids: tuple[np.ndarray, str]) -> Layout:
    forms = {form for _, form in grids}
    form = "grid" if "grid" in forms else "row" if "row" in forms else "scalar"
    try:
        shape = np.broadcast_shapes(*(cells.shape for cells, _ in grids))
    except ValueError as exc:
        raise ShapeError(str(exc)) from exc
    return Layout((int(shape[0]), int(shape[1])), form)


def flat(layout: Layout, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each 2-D array broadcast to the result's shape and flattened (row-major, as Excel reads a block)."""
    return [np.broadcast_to(array, layout.shape).reshape(-1) for array in arrays]


def worst(*states: np.ndarray) -> np.ndarray:
    return np.maximum.reduce([np.asarray(state) for state in states])


def prepare(*arguments: tuple[Any, Reader]) -> tuple[Layout, list[np.ndarray]]:
    """Read each (argument, reader) at its own size, then broadcast values and states to the result's shape.

    Returns the layout and the flat values of each argument followed by the worst state of each cell.
    """
    grids = trimmed([grid(value) for value, _ in arguments])
    layout = layout_of(*grids)
    columns: list[np.ndarray] = []
    states: list[np.ndarray] = []
    for (cells, _), (_, reader) in zip(grids, arguments, strict=True):
        values, state = reader(cells)
        flat_values, flat_state = flat(layout, values, state)
        columns.append(flat_values)
        states.append(flat_state)
    return layout, [*columns, worst(*states)]


def emit(layout: Layout, result: Any, state: np.ndarray, undefined: str | None = None, *, whole: bool = False) -> Any:
    """The result in the caller's shape: dates as ``datetime``, numbers as Python numbers, errors per cell.

    `undefined` fills cells the engine could not define (NaN, NaT); `whole` hands numbers back as ``int`` (days),
    even when the engine gave floats because of a missing row.
    """
    result = np.asarray(result).reshape(-1)
    if result.dtype.kind == "M":
        empty = np.isnat(result)
        values = result.astype("datetime64[us]").astype(object)
    elif result.dtype.kind == "f":
        empty = np.isnan(result)
        values = np.where(empty, 0, result).astype("int64").astype(object) if whole else result.astype(object)
    else:
        values = result.astype(object)
        empty = pd.isna(values)
    values[empty] = undefined
    values[state == MISSING] = None
    values[state == BAD] = VALUE
    errors = state >= FIRST_ERROR
    if errors.any():
        values[errors] = _ERROR_TEXTS[state[errors] - FIRST_ERROR]
    if layout.form == "scalar":
        return values[0]
    if layout.form == "row":
        return values.tolist()
    return values.reshape(layout.shape).tolist()


# ---- readers: cells → (values, state) --------------------------------------------------------------------------


def _kind(cells: np.ndarray) -> str:
    return pd.api.types.infer_dtype(cells, skipna=True)


def _error_states(cells: np.ndarray, kind: str) -> np.ndarray | None:
    """The error state of each cell holding an Excel error (text or COM code), or None when there is none."""
    if kind in ("empty", "floating", "datetime", "date", "datetime64", "boolean") or not cells.size:
        return None
    series = pd.Series(cells, dtype=object)
    found = series.map(_ERROR_STATE).fillna(series.map(_COM_ERROR_STATE)).to_numpy()
    hit = ~pd.isna(found)
    if not hit.any():
        return None
    # A float that happens to equal a COM code is a number; only int (COM) and str (xlwings) carry errors.
    exact = np.array([type(value) in (str, int) for value in cells[hit]], dtype=bool)
    states = np.zeros(cells.shape, dtype="int8")
    states[np.flatnonzero(hit)[exact]] = found[hit][exact].astype("int8")
    return states if states.any() else None


def _with_errors(state: np.ndarray, errors: np.ndarray | None) -> np.ndarray:
    return state if errors is None else np.where(errors > 0, errors, state).astype("int8")


def _blank_text(cells: np.ndarray) -> np.ndarray:
    texts = np.array([isinstance(value, str) for value in cells], dtype=bool) if cells.size else np.zeros(0, bool)
    blank = np.zeros(cells.shape, dtype=bool)
    blank[texts] = pd.Series(cells[texts], dtype=object).str.strip().eq("").to_numpy()
    return blank


def _types(cells: np.ndarray) -> pd.Series:
    return pd.Series([type(value) for value in cells], dtype=object)


def dates(cells: np.ndarray, *, date1904: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Cells as ``datetime64[D]`` (NaT where missing or bad) and a state per cell; serials in the given system."""
    values = cells.reshape(-1)
    days = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    state = np.where(pd.isna(values), MISSING, OK).astype("int8")
    kind = _kind(values)
    if kind == "empty":
        return days.reshape(cells.shape), state.reshape(cells.shape)
    errors = _error_states(values, kind)
    if kind in ("datetime", "date", "datetime64"):
        days = _datetimes(values)
    elif kind in ("floating", "integer", "mixed-integer-float"):
        days, bad = _serials(values.astype("float64"), date1904)
        state[bad] = BAD
    else:
        types = _types(values)
        is_date = types.map(lambda kind_: issubclass(kind_, dt.date)).to_numpy(dtype=bool)
        is_number = types.isin([float, int, np.float64, np.int64]).to_numpy()
        is_text = types.eq(str).to_numpy()
        blank = _blank_text(values)
        days[is_date] = _datetimes(values[is_date])
        days[is_number], bad = _serials(values[is_number].astype("float64"), date1904)
        state[np.flatnonzero(is_number)[bad]] = BAD
        parseable = is_text & ~blank
        parsed = pd.to_datetime(pd.Series(values[parseable], dtype=object), format="ISO8601", errors="coerce")
        days[parseable] = parsed.to_numpy().astype("datetime64[D]")
        state[blank] = MISSING
        state[parseable & np.isnat(days)] = BAD
        state[~(is_date | is_number | is_text) & (state == OK)] = BAD
    state[(state == OK) & np.isnat(days)] = BAD  # a datetime outside what pandas holds, e.g. year 9999
    return days.reshape(cells.shape), _with_errors(state, errors).reshape(cells.shape)


def dates_1904(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`dates` for a workbook in the 1904 date system."""
    return dates(cells, date1904=True)


def _datetimes(values: np.ndarray) -> np.ndarray:
    parsed = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[D]")


def _serials(serial: np.ndarray, date1904: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Serials as days; bad where no real date (1900: below 1, serial 60; 1904: below 0; after 9999-12-31)."""
    whole = np.floor(serial)
    if date1904:
        bad = ~np.isfinite(whole) | (whole < 0) | (whole > _LAST_SERIAL_1904)
        offset, epoch = whole, _EPOCH_1904
    else:
        bad = ~np.isfinite(whole) | (whole < 1) | (whole == _PHANTOM_LEAP_DAY) | (whole > _LAST_SERIAL_1900)
        offset, epoch = np.where(whole < _PHANTOM_LEAP_DAY, whole + 1, whole), _EPOCH_1900
    days = epoch + np.where(bad, 0, offset).astype("int64").astype("timedelta64[D]")
    return np.where(bad, np.datetime64("NaT", "D"), days), bad


def numbers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells as float64 (NaN where missing or bad) and a state per cell; numeric text counts, booleans do not."""
    values = cells.reshape(-1)
    state = np.where(pd.isna(values), MISSING, OK).astype("int8")
    kind = _kind(values)
    errors = _error_states(values, kind)
    if errors is None and kind in ("floating", "integer", "mixed-integer-float", "empty"):
        return values.astype("float64").reshape(cells.shape), state.reshape(cells.shape)
    types = _types(values)
    is_number = types.isin([float, int, np.float64, np.int64]).to_numpy()
    is_text = types.eq(str).to_numpy()
    blank = _blank_text(values)
    result = np.full(values.shape, np.nan)
    result[is_number] = values[is_number].astype("float64")
    readable = is_text & ~blank
    result[readable] = pd.to_numeric(pd.Series(values[readable], dtype=object).str.strip(), errors="coerce")
    state[blank] = MISSING
    state[(readable & np.isnan(result)) | ~(is_number | is_text | (state == MISSING))] = BAD
    state = _with_errors(state, errors)
    result[state >= FIRST_ERROR] = np.nan
    return result.reshape(cells.shape), state.reshape(cells.shape)


def codes(cells: np.ndarray, known: Callable[[str], bool]) -> tuple[np.ndarray, np.ndarray]:
    """Code cells (currency, jurisdiction) upper-cased, checked once per distinct value; None where not usable."""
    values = cells.reshape(-1)
    positions, distinct = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.full(len(distinct) + 1, None, dtype=object)  # the extra last slot serves −1 (missing)
    states = np.full(len(distinct) + 1, MISSING, dtype="int8")
    for position, value in enumerate(distinct):
        error = error_of(value)
        code = value.strip().upper() if isinstance(value, str) else None
        if error is not None:
            states[position] = _ERROR_STATE[error]
        elif code == "":
            continue
        elif code is not None and known(code):
            cleaned[position], states[position] = code, OK
        else:
            states[position] = BAD
    return cleaned[positions].reshape(cells.shape), states[positions].reshape(cells.shape)


def terms(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Terms cells parsed once per distinct text (`terms.parse_column`); None where blank or not understood."""
    values = cells.reshape(-1)
    parsed, problems = payment_terms.parse_column(values)
    result = parsed.to_numpy(dtype=object)
    state = np.where(pd.isna(result), MISSING, OK).astype("int8")
    state[[row for row, _, _ in problems]] = BAD
    errors = _error_states(values, _kind(values))
    if errors is not None:
        state = _with_errors(state, errors)
        result = np.where(state >= FIRST_ERROR, None, result)
    return result.reshape(cells.shape), state.reshape(cells.shape)
