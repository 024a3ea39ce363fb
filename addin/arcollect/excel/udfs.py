"""The ``=AR_…`` cell functions: thin xlwings wrappers over `arcollect.engine`, one vectorised call per formula.

    >>> import datetime as dt
    >>> from arcollect.excel import udfs
    >>> udfs.AR_DAYS_PAST_DUE([[dt.datetime(2026, 10, 1)], [46296.0], ["soon"], [None]], dt.datetime(2026, 11, 24))
    [[54], [54], ['#VALUE!'], [None]]
    >>> round(udfs.AR_DISCOUNT_APR("2/10 net 30"), 2)
    37.24

Excel loads this module through xlwings (``UDF_MODULES=arcollect.excel.udfs``); off Windows the xlwings decorators
are inert, so every function is a plain callable that tests call with the values xlwings would pass.

Rules shared by every function:

- **Shapes.** Each argument may be one cell (a scalar), a row (a flat list), a column or a block (a list of
  lists; xlwings passes every range this way because the range arguments are declared ``ndim=2``). Arguments are
  broadcast together like numpy arrays, and the result has their common shape: scalar → scalar, n×1 → n×1,
  1×n → 1×n (a flat list → a flat list), n×m → n×m, spilled by Excel as a dynamic array. Shapes that cannot be
  broadcast (a 10-row column with a 9-row column) give one ``#VALUE!``. The whole column is computed by one
  engine call; only the conversion of cells into arrays looks at values, and a Python loop over rows runs only
  for columns that mix kinds of values (dates and text, say).
- **Dates** arrive as ``datetime`` (date-formatted cells), as Excel serial numbers (floats, unformatted cells) or
  as ISO text (``2026-03-31``). Serials use the 1900 date system, days since 1899-12-30, with Excel's
  phantom leap day: serial 60 is 29 February 1900, a day that never existed, and is ``#VALUE!``; serials 1-59
  are counted one day later than the epoch arithmetic gives, so that serial 1 is 1900-01-01. Time of day is
  dropped; serials below 1 or after 9999-12-31 are ``#VALUE!``. Dates are returned as ``datetime`` (midnight),
  which xlwings writes back as Excel dates.
- **Errors, per cell.** A value that cannot be read (text that is not a date or number, unknown terms, a
  currency or jurisdiction arcollect does not know) gives ``#VALUE!`` in that cell only; the rest of the column
  is computed. An empty input cell gives an empty result cell (``None``), never an error: empty table rows stay
  empty. A figure the engine cannot define for good inputs gives an error of its own: ``#N/A`` when there is no
  such value (terms without a discount have no deadline and no APR, no FX rate for a currency, a late-interest
  reference rate missing from the table) and ``#DIV/0!`` for DSO and CEI without credit sales. A bad *option*
  (``edges``, ``method``, ``base``) makes the whole result one ``#VALUE!``.
  The error values are the strings ``"#VALUE!"``, ``"#N/A"`` and ``"#DIV/0!"`` (`VALUE`, `NA`, `DIV0`): xlwings'
  Office.js and remote engines turn such strings into real Excel errors. Classic (COM) xlwings writes strings as
  text, so the generated VBA wrappers of ``arcollect.xlam`` are to map them to ``CVErr(xlErrValue)`` etc.
- **Money** comes back as float rounded (half up) by the engine to the minor unit, never as `Decimal`.
- **Today.** ``as_of`` and ``pay_date`` default to `today`, the computer's local date: the only place arcollect
  reads a clock. Tests pass ``as_of`` or patch `today`.
- **AR_FX** converts with the calling workbook's ``FX`` table (1 unit of a currency = rate units of the workbook's
  ``BaseCurrency`` setting), read through `arcollect.book.live` as ``live.read_table(book, "FX")`` and
  ``live.read_table(book, "Settings")``. `convert` does the same from rates given as data; `AR_FX` is `convert`
  fed by `workbook_rates`. Another ``base`` than the table's is reached through the cross rate (newest rates).
- **AR_DSO** ``(receivables, credit_sales, [days], [method])``: ``method`` "simple" (default, receivables /
  credit sales × days, days default 365), "best" (best possible DSO: ``receivables`` is the current, not yet
  due, AR; days default 365) or "countback" (``credit_sales`` holds the monthly credit sales of each row, newest
  month first, months across; ``days`` is the days of each month, default 30; a blank month leaves the row
  blank). **AR_CEI** ``(beginning_receivables, credit_sales, ending_receivables, ending_current_receivables,
  [periods])``, percent; ``periods`` > 1 is the monthly-average variant.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw
from babel import numbers as babel_numbers

from arcollect.book.schema import FX
from arcollect.engine import aging, fx, interest, metrics
from arcollect.engine import terms as payment_terms
from arcollect.errors import ArcollectError, ConfigError

logger = logging.getLogger(__name__)

CATEGORY = "arcollect"
VALUE = "#VALUE!"
NA = "#N/A"
DIV0 = "#DIV/0!"

_OK, _MISSING, _BAD = 0, 1, 2
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_PHANTOM_LEAP_DAY = 60
_LAST_SERIAL = 2958465  # 9999-12-31
_DSO_METHODS = ("simple", "best", "countback")


def today() -> dt.date:
    """The default as-of date: today on the computer's local calendar (the one place a clock is read)."""
    return dt.date.today()


def workbook_rates() -> tuple[pd.DataFrame, str]:
    """The calling workbook's FX table and the base currency it is quoted in (its ``BaseCurrency`` setting)."""
    from arcollect.book import live
    from arcollect.book.settings import parse_settings

    book = xw.Book.caller()
    settings, _ = parse_settings(live.read_table(book, "Settings"))
    return live.read_table(book, "FX"), settings.base_currency


# ---- cells → arrays ------------------------------------------------------------------------------------------


class _ShapeError(ValueError):
    """Arguments whose shapes cannot be broadcast together (or a ragged list of lists)."""


@dataclass(frozen=True)
class _Layout:
    """The shape of the result and how to hand it back: "scalar", "row" (flat list) or "grid" (list of lists)."""

    shape: tuple[int, int]
    form: str


def _grid(value: Any) -> tuple[np.ndarray, str]:
    """One argument as a 2-D object array, and its form."""
    if isinstance(value, list | tuple):
        if value and all(isinstance(row, list | tuple) for row in value):
            if len({len(row) for row in value}) != 1:
                raise _ShapeError("rows of different lengths")
            grid = np.empty((len(value), len(value[0])), dtype=object)
            grid[:] = value
            return grid, "grid"
        grid = np.empty((1, len(value)), dtype=object)
        grid[0, :] = value
        return grid, "row"
    grid = np.empty((1, 1), dtype=object)
    grid[0, 0] = value
    return grid, "scalar"


def _layout(*grids: tuple[np.ndarray, str]) -> _Layout:
    forms = {form for _, form in grids}
    form = "grid" if "grid" in forms else "row" if "row" in forms else "scalar"
    try:
        shape = np.broadcast_shapes(*(grid.shape for grid, _ in grids))
    except ValueError as exc:
        raise _ShapeError(str(exc)) from exc
    return _Layout((int(shape[0]), int(shape[1])), form)


def _flat(layout: _Layout, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each 2-D array broadcast to the result's shape and flattened (row-major, as Excel reads a block)."""
    return [np.broadcast_to(array, layout.shape).reshape(-1) for array in arrays]


def _kind(flat: np.ndarray) -> str:
    return pd.api.types.infer_dtype(flat, skipna=True)


def _blank_text(flat: np.ndarray) -> np.ndarray:
    texts = np.array([isinstance(value, str) for value in flat], dtype=bool) if flat.size else np.zeros(0, bool)
    blank = np.zeros(flat.shape, dtype=bool)
    blank[texts] = pd.Series(flat[texts], dtype=object).str.strip().eq("").to_numpy()
    return blank


def _types(flat: np.ndarray) -> pd.Series:
    return pd.Series([type(value) for value in flat], dtype=object)


def _dates(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells as ``datetime64[D]`` (NaT where missing or bad) and a state per cell (ok, missing, bad)."""
    flat = grid.reshape(-1)
    days = np.full(flat.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    state = np.where(pd.isna(flat), _MISSING, _OK).astype("int8")
    kind = _kind(flat)
    if kind == "empty":
        return days.reshape(grid.shape), state.reshape(grid.shape)
    if kind in ("datetime", "date", "datetime64"):
        days = _datetimes(flat)
    elif kind in ("floating", "integer", "mixed-integer-float"):
        days, bad = _serials(flat.astype("float64"))
        state[bad] = _BAD
    else:
        types = _types(flat)
        is_date = types.map(lambda kind_: issubclass(kind_, dt.date)).to_numpy(dtype=bool)
        is_number = types.isin([float, int, np.float64, np.int64]).to_numpy()
        is_text = types.eq(str).to_numpy()
        blank = _blank_text(flat)
        days[is_date] = _datetimes(flat[is_date])
        days[is_number], bad = _serials(flat[is_number].astype("float64"))
        state[np.flatnonzero(is_number)[bad]] = _BAD
        parseable = is_text & ~blank
        parsed = pd.to_datetime(pd.Series(flat[parseable], dtype=object), format="ISO8601", errors="coerce")
        days[parseable] = parsed.to_numpy().astype("datetime64[D]")
        state[blank] = _MISSING
        state[parseable & np.isnat(days)] = _BAD
        state[~(is_date | is_number | is_text) & (state == _OK)] = _BAD
    state[(state == _OK) & np.isnat(days)] = _BAD  # a datetime outside what pandas holds, e.g. year 9999
    return days.reshape(grid.shape), state.reshape(grid.shape)


def _datetimes(flat: np.ndarray) -> np.ndarray:
    parsed = pd.to_datetime(pd.Series(flat, dtype=object), errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[D]")


def _serials(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel 1900-system serials as days; bad where no real date: below 1, serial 60, after 9999-12-31."""
    whole = np.floor(serial)
    bad = ~np.isfinite(whole) | (whole < 1) | (whole == _PHANTOM_LEAP_DAY) | (whole > _LAST_SERIAL)
    offset = np.where(whole < _PHANTOM_LEAP_DAY, whole + 1, whole)
    days = _EXCEL_EPOCH + np.where(bad, 0, offset).astype("int64").astype("timedelta64[D]")
    return np.where(bad, np.datetime64("NaT", "D"), days), bad


def _numbers(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells as float64 (NaN where missing or bad) and a state per cell; numeric text counts, booleans do not."""
    flat = grid.reshape(-1)
    state = np.where(pd.isna(flat), _MISSING, _OK).astype("int8")
    kind = _kind(flat)
    if kind in ("floating", "integer", "mixed-integer-float", "empty"):
        return flat.astype("float64").reshape(grid.shape), state.reshape(grid.shape)
    types = _types(flat)
    is_number = types.isin([float, int, np.float64, np.int64]).to_numpy()
    is_text = types.eq(str).to_numpy()
    blank = _blank_text(flat)
    values = np.full(flat.shape, np.nan)
    values[is_number] = flat[is_number].astype("float64")
    readable = is_text & ~blank
    values[readable] = pd.to_numeric(pd.Series(flat[readable], dtype=object).str.strip(), errors="coerce")
    state[blank] = _MISSING
    state[(readable & np.isnan(values)) | ~(is_number | is_text | (state == _MISSING))] = _BAD
    return values.reshape(grid.shape), state.reshape(grid.shape)


def _codes(grid: np.ndarray, known: Callable[[str], bool]) -> tuple[np.ndarray, np.ndarray]:
    """Code cells (currency, jurisdiction) upper-cased, checked once per distinct value; None where not usable."""
    positions, distinct = pd.factorize(grid.reshape(-1), use_na_sentinel=True)
    cleaned = np.full(len(distinct) + 1, None, dtype=object)  # the extra last slot serves −1 (missing)
    states = np.full(len(distinct) + 1, _MISSING, dtype="int8")
    for position, value in enumerate(distinct):
        code = value.strip().upper() if isinstance(value, str) else None
        if code == "":
            continue
        if code is not None and known(code):
            cleaned[position], states[position] = code, _OK
        else:
            states[position] = _BAD
    return cleaned[positions].reshape(grid.shape), states[positions].reshape(grid.shape)


def _terms(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Terms cells parsed once per distinct text (`terms.parse_column`); None where blank or not understood."""
    parsed, problems = payment_terms.parse_column(grid.reshape(-1))
    values = parsed.to_numpy(dtype=object)
    state = np.where(pd.isna(values), _MISSING, _OK).astype("int8")
    state[[row for row, _, _ in problems]] = _BAD
    return values.reshape(grid.shape), state.reshape(grid.shape)


def _as_of(value: Any) -> Any:
    return dt.datetime.combine(today(), dt.time()) if value is None else value


# ---- arrays → cells ------------------------------------------------------------------------------------------


def _emit(
    layout: _Layout, result: np.ndarray, state: np.ndarray, undefined: str | None = None, *, whole: bool = False
) -> Any:
    """The result in the caller's shape: dates as ``datetime``, numbers as Python numbers, errors per cell.

    `whole` hands numbers back as ``int`` (days), even when the engine gave floats because of a missing row.
    """
    result = np.asarray(result).reshape(-1)
    if result.dtype.kind == "M":
        empty = np.isnat(result)
        cells = result.astype("datetime64[us]").astype(object)
    elif result.dtype.kind == "f":
        empty = np.isnan(result)
        cells = np.where(empty, 0, result).astype("int64").astype(object) if whole else result.astype(object)
    else:
        cells = result.astype(object)
        empty = pd.isna(cells)
    cells[empty] = undefined
    cells[state == _MISSING] = None
    cells[state == _BAD] = VALUE
    if layout.form == "scalar":
        return cells[0]
    if layout.form == "row":
        return cells.tolist()
    return cells.reshape(layout.shape).tolist()


def _worst(*states: np.ndarray) -> np.ndarray:
    return np.maximum.reduce([np.asarray(state) for state in states])


def _prepare(*arguments: tuple[Any, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]]) -> tuple[_Layout, list]:
    """Read each (argument, reader) at its own size, then broadcast values and states to the result's shape."""
    grids = [_grid(value) for value, _ in arguments]
    layout = _layout(*grids)
    columns: list[np.ndarray] = []
    states: list[np.ndarray] = []
    for (grid, _), (_, reader) in zip(grids, arguments, strict=True):
        values, state = reader(grid)
        flat_values, flat_state = _flat(layout, values, state)
        columns.append(flat_values)
        states.append(flat_state)
    return layout, [*columns, _worst(*states)]


def _shape_safe(function: Callable[..., Any]) -> Callable[..., Any]:
    """Shapes that cannot go together are one ``#VALUE!`` for the whole call, not a Python traceback.

    The wrapper carries no annotations on purpose: xlwings reads a UDF's type hints as converters, and ``Any``
    is none. `inspect.signature` follows ``__wrapped__``, so xlwings and the add-in builder see the real arguments.
    """

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except _ShapeError:
            return VALUE

    call.__name__, call.__qualname__, call.__doc__ = function.__name__, function.__qualname__, function.__doc__
    call.__wrapped__ = function  # type: ignore[attr-defined]
    return call


# ---- aging and terms ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("due", ndim=2, doc="Due date(s): a cell or a column of dates.")
@xw.arg("as_of", ndim=2, doc="Date to count to; default today.")
@_shape_safe
def AR_DAYS_PAST_DUE(due: Any, as_of: Any = None) -> Any:
    """Days from the due date to the as-of date (negative: not yet due; 0: due today)."""
    layout, (due_days, as_of_days, state) = _prepare((due, _dates), (_as_of(as_of), _dates))
    days = np.asarray(aging.days_past_due(due_days, as_of_days), dtype="float64")
    return _emit(layout, days, state, whole=True)


@xw.func(category=CATEGORY)
@xw.arg("due", ndim=2, doc="Due date(s): a cell or a column of dates.")
@xw.arg("as_of", ndim=2, doc="Date to age at; default today.")
@xw.arg("edges", doc='Bucket edges in days, e.g. "0,30,60,90,120" or a range of numbers; default 0,30,60,90,120.')
@_shape_safe
def AR_BUCKET(due: Any, as_of: Any = None, edges: Any = None) -> Any:
    """Aging bucket of each due date: Current, 1-30, 31-60, 61-90, 91-120 or 120+ (by the edges given)."""
    bucket_edges = _edges(edges)
    if bucket_edges is None:
        return VALUE
    layout, (due_days, as_of_days, state) = _prepare((due, _dates), (_as_of(as_of), _dates))
    days = aging.days_past_due(due_days, as_of_days)
    return _emit(layout, aging.bucket(np.asarray(days, dtype="float64"), bucket_edges), state)


def _edges(edges: Any) -> tuple[int, ...] | None:
    """Edges from text "0,30,60", a number or a range of numbers; None when they are not usable."""
    if edges is None:
        return aging.DEFAULT_EDGES
    if isinstance(edges, str):
        values: Sequence[Any] = [part for part in edges.replace(";", ",").split(",") if part.strip()]
    else:
        values = [value for value in _grid(edges)[0].reshape(-1) if value is not None and value != ""]
    try:
        aging.labels(values)
        return tuple(int(float(value)) for value in values)
    except (ArcollectError, TypeError, ValueError):
        return None


@xw.func(category=CATEGORY)
@xw.arg("invoice_date", ndim=2, doc="Invoice date(s).")
@xw.arg("terms", ndim=2, doc='Payment terms, e.g. "2/10 net 30", "net 30 EOM", "COD".')
@_shape_safe
def AR_DUE_DATE(invoice_date: Any, terms: Any) -> Any:
    """Net due date under the payment terms."""
    layout, (invoice_days, parsed, state) = _prepare((invoice_date, _dates), (terms, _terms))
    return _emit(layout, payment_terms.due_date(parsed, invoice_days), state)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, doc="Invoice amount(s).")
@xw.arg("terms", ndim=2, doc='Payment terms, e.g. "2/10 net 30".')
@xw.arg("invoice_date", ndim=2, doc="Invoice date(s).")
@xw.arg("pay_date", ndim=2, doc="Date of payment; default today.")
@_shape_safe
def AR_DISCOUNT(amount: Any, terms: Any, invoice_date: Any, pay_date: Any = None) -> Any:
    """Early-payment discount earned if paid on the payment date (0 when too late), rounded to cents."""
    layout, (money, parsed, invoice_days, paid_days, state) = _prepare(
        (amount, _numbers), (terms, _terms), (invoice_date, _dates), (_as_of(pay_date), _dates)
    )
    return _emit(layout, payment_terms.discount(money, parsed, invoice_days, paid_days), state)


@xw.func(category=CATEGORY)
@xw.arg("terms", ndim=2, doc='Payment terms, e.g. "2/10 net 30".')
@xw.arg("invoice_date", ndim=2, doc="Invoice date(s).")
@_shape_safe
def AR_DISCOUNT_DEADLINE(terms: Any, invoice_date: Any) -> Any:
    """Last day the (first) early-payment discount applies; #N/A for terms without a discount."""
    layout, (parsed, invoice_days, state) = _prepare((terms, _terms), (invoice_date, _dates))
    return _emit(layout, payment_terms.discount_deadline(parsed, invoice_days), state, undefined=NA)


@xw.func(category=CATEGORY)
@xw.arg("terms", ndim=2, doc='Payment terms, e.g. "2/10 net 30".')
@_shape_safe
def AR_DISCOUNT_APR(terms: Any) -> Any:
    """Annual cost of skipping the discount, percent (simple, 365 days); #N/A for terms without a discount."""
    layout, (parsed, state) = _prepare((terms, _terms))
    return _emit(layout, payment_terms.discount_apr(parsed), state, undefined=NA)


# ---- interest ---------------------------------------------------------------------------------------------------


def _jurisdictions(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _codes(grid, lambda code: code in interest.JURISDICTIONS)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, doc="Amount(s) overdue.")
@xw.arg("due", ndim=2, doc="Due date(s).")
@xw.arg("as_of", ndim=2, doc="Interest runs up to and including this date; default today.")
@xw.arg("jurisdiction", ndim=2, doc="Law that sets the rate: EU, DE, FR, GB, NL, IT, ES or IE; default EU.")
@_shape_safe
def AR_LATE_INTEREST(amount: Any, due: Any, as_of: Any = None, jurisdiction: Any = None) -> Any:
    """Statutory late-payment interest from the day after the due date to the as-of date."""
    layout, (money, due_days, as_of_days, codes, state) = _prepare(
        (amount, _numbers),
        (due, _dates),
        (_as_of(as_of), _dates),
        ("EU" if jurisdiction is None else jurisdiction, _jurisdictions),
    )
    result, unavailable = _late_interest(money, due_days, as_of_days, codes)
    cells = result.astype(object)
    cells[unavailable] = NA
    return _emit(layout, cells, state)


@cache
def _rate_coverage() -> dict[str, tuple[np.datetime64, np.datetime64]]:
    """First and last day each jurisdiction's reference rates cover in the shipped table."""
    table = interest.reference_rates().groupby("jurisdiction").agg(low=("valid_from", "min"), high=("valid_to", "max"))
    return {
        str(code): (np.datetime64(low, "D"), np.datetime64(high, "D"))
        for code, low, high in zip(table.index, table["low"], table["high"], strict=True)
    }


def _late_interest(
    money: np.ndarray, due_days: np.ndarray, as_of_days: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Interest per row, and the rows for which the rate table lacks a day (`ConfigError` for those rows only).

    Rows whose days from the due date to the as-of date all lie inside the table are computed in one call. The
    others (old debts, an as-of date past the table) are probed once per distinct (jurisdiction, due, as-of);
    `_unavailable` finds the keys that fail, and the rest are computed in one more call.
    """
    positions, distinct = pd.factorize(codes, use_na_sentinel=True)
    coverage = _rate_coverage()
    not_a_day = (np.datetime64("NaT", "D"), np.datetime64("NaT", "D"))
    bounds = np.array([*(coverage.get(code, not_a_day) for code in distinct), not_a_day], dtype="datetime64[D]")
    low, high = bounds[positions, 0], bounds[positions, 1]
    owing = (money > 0) & (as_of_days > due_days) & (positions >= 0)
    sure = ~owing | ((due_days >= low) & (as_of_days <= high))
    result = np.full(money.shape, np.nan)
    unavailable = np.zeros(money.shape, dtype=bool)
    if sure.any():
        result[sure] = interest.late_interest(money[sure], due_days[sure], as_of_days[sure], codes[sure])
    doubtful = np.flatnonzero(~sure)
    if doubtful.size:
        key_of_row, keys = pd.factorize(
            pd.MultiIndex.from_arrays([codes[doubtful], due_days[doubtful], as_of_days[doubtful]])
        )
        key_codes, key_due, key_as_of = (keys.get_level_values(level).to_numpy() for level in range(3))
        failing = _unavailable(
            lambda rows: interest.late_interest(1.0, key_due[rows], key_as_of[rows], key_codes[rows]), len(keys)
        )[key_of_row]
        fine = doubtful[~failing]
        if fine.size:
            result[fine] = interest.late_interest(money[fine], due_days[fine], as_of_days[fine], codes[fine])
        unavailable[doubtful[failing]] = True
    return result, unavailable


def _unavailable(probe: Callable[[np.ndarray], Any], count: int) -> np.ndarray:
    """Which of `count` items make `probe` raise `ConfigError`, found by halving: one call when none does."""
    failing = np.zeros(count, dtype=bool)
    pending = [np.arange(count)]
    while pending:
        rows = pending.pop()
        try:
            probe(rows)
        except ConfigError:
            if rows.size == 1:
                failing[rows] = True
            else:
                pending += [rows[: rows.size // 2], rows[rows.size // 2 :]]
    return failing


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, doc="Invoice amount(s) (tiers compare the amount as given).")
@xw.arg("jurisdiction", ndim=2, doc="Law that sets the sum: EU, DE, FR, GB, NL, IT, ES or IE.")
@_shape_safe
def AR_FIXED_COMP(amount: Any, jurisdiction: Any) -> Any:
    """Fixed recovery-cost compensation per late invoice, in the statute's currency (GBP for GB, else EUR)."""
    layout, (money, codes, state) = _prepare((amount, _numbers), (jurisdiction, _jurisdictions))
    sums, _statute_currency = interest.fixed_compensation(money, codes)
    return _emit(layout, sums, state)


# ---- currency ---------------------------------------------------------------------------------------------------


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(babel_numbers.list_currencies())


def _currencies(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _codes(grid, lambda code: code in _currency_codes())


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, doc="Amount(s) to convert.")
@xw.arg("currency", ndim=2, doc="ISO currency code(s) of the amounts, e.g. USD.")
@xw.arg("base", doc="Currency to convert to; default the workbook's BaseCurrency.")
@_shape_safe
def AR_FX(amount: Any, currency: Any, base: Any = None) -> Any:
    """Amount converted with the workbook's FX table, rounded to the target currency's minor unit."""
    rates, rates_base = workbook_rates()
    return convert(amount, currency, base, rates=rates, rates_base=rates_base)


@_shape_safe
def convert(amount: Any, currency: Any, base: Any = None, *, rates: fx.Rates | None, rates_base: str = "EUR") -> Any:
    """`AR_FX` with the rates given: `rates` (any form `fx.rate_table` takes) are quoted in `rates_base`.

    Not an ISO code → ``#VALUE!``; an ISO code without a rate → ``#N/A``. Another `base` than `rates_base`
    converts through the cross rate of the newest rates; a `base` without a rate makes every row ``#N/A``.
    """
    target = rates_base if base is None else base
    if not isinstance(target, str) or target.strip().upper() not in _currency_codes():
        return VALUE
    target, rates_base = target.strip().upper(), rates_base.strip().upper()
    layout, (money, codes, state) = _prepare((amount, _numbers), (currency, _currencies))
    quoted = _quoted_in(fx.rate_table(rates), rates_base, target)
    converted, _problems = fx.to_base(money, codes, target, quoted)
    return _emit(layout, converted, state, undefined=NA)


def _quoted_in(table: pd.DataFrame, quote: str, target: str) -> pd.DataFrame:
    """The rate table re-quoted in `target`: each rate divided by target's newest rate, `quote` itself added."""
    if target == quote:
        return table
    newest = table.drop_duplicates(FX.CURRENCY, keep="last").set_index(FX.CURRENCY)[FX.RATE]
    if target not in newest.index:
        return table.iloc[0:0]
    requoted = table.assign(**{FX.RATE: table[FX.RATE] / newest[target]})
    home = pd.DataFrame({FX.CURRENCY: [quote], FX.RATE: [1.0 / newest[target]], FX.DATE: [pd.NaT]})
    return pd.concat([home, requoted], ignore_index=True)


# ---- metrics ----------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("receivables", ndim=2, doc="Receivables at period end (current AR for method best).")
@xw.arg("credit_sales", ndim=2, doc="Credit sales of the period; countback: monthly sales, newest first, across.")
@xw.arg("days", ndim=2, doc="Days in the period (default 365); countback: days per month (default 30).")
@xw.arg("method", doc='"simple" (default), "best" (best possible DSO) or "countback".')
@_shape_safe
def AR_DSO(receivables: Any, credit_sales: Any, days: Any = None, method: Any = "simple") -> Any:
    """Days sales outstanding; #DIV/0! without credit sales."""
    chosen = str(method or "simple").strip().lower()
    if chosen not in _DSO_METHODS:
        return VALUE
    if chosen == "countback":
        return _dso_countback(receivables, credit_sales, 30 if days is None else days)
    layout, (ar, sales, period, state) = _prepare(
        (receivables, _numbers), (credit_sales, _numbers), (365 if days is None else days, _numbers)
    )
    compute = metrics.dso_simple if chosen == "simple" else metrics.best_possible_dso
    return _emit(layout, compute(ar, sales, period), state, undefined=DIV0)


def _dso_countback(receivables: Any, credit_sales: Any, days: Any) -> Any:
    """One result per receivables cell (a cell or a column); its row of `credit_sales` holds the months."""
    ar_grid, form = _grid(receivables)
    sales_grid = _grid(credit_sales)[0]
    if ar_grid.shape[1] != 1:
        raise _ShapeError("count-back DSO takes a cell or a column of receivables")
    if ar_grid.shape[0] == 1:
        sales_grid = sales_grid.reshape(1, -1)
    days_grid = _grid(days)[0]
    if days_grid.shape[0] == 1 or days_grid.shape[1] == 1:
        days_grid = days_grid.reshape(1, -1)
    ar, ar_state = _numbers(ar_grid)
    sales, sales_state = _numbers(sales_grid)
    month_days, days_state = _numbers(days_grid)
    try:
        sales, month_days, sales_state, days_state = np.broadcast_arrays(sales, month_days, sales_state, days_state)
        ar, ar_state, _ = np.broadcast_arrays(ar, ar_state, sales[:, :1])
    except ValueError as exc:
        raise _ShapeError(str(exc)) from exc
    state = np.maximum(ar_state[:, 0], _worst(sales_state, days_state).max(axis=1))
    result = metrics.dso_countback(ar[:, 0], sales, month_days)
    layout = _Layout((state.size, 1), "scalar" if form == "scalar" and state.size == 1 else "grid")
    return _emit(layout, np.asarray(result, dtype="float64"), state, undefined=DIV0)


@xw.func(category=CATEGORY)
@xw.arg("beginning_receivables", ndim=2, doc="Receivables at the start of the period.")
@xw.arg("credit_sales", ndim=2, doc="Credit sales of the period.")
@xw.arg("ending_receivables", ndim=2, doc="Total receivables at the end of the period.")
@xw.arg("ending_current_receivables", ndim=2, doc="Receivables not yet due at the end of the period.")
@xw.arg("periods", ndim=2, doc="Months in the period for the monthly-average variant; default 1.")
@_shape_safe
def AR_CEI(
    beginning_receivables: Any,
    credit_sales: Any,
    ending_receivables: Any,
    ending_current_receivables: Any,
    periods: Any = 1,
) -> Any:
    """Collection effectiveness index, percent; #DIV/0! when nothing was collectable."""
    layout, (beginning, sales, ending, ending_current, period_count, state) = _prepare(
        (beginning_receivables, _numbers),
        (credit_sales, _numbers),
        (ending_receivables, _numbers),
        (ending_current_receivables, _numbers),
        (1 if periods is None else periods, _numbers),
    )
    result = metrics.cei(beginning, sales, ending, ending_current, periods=period_count)
    return _emit(layout, result, state, undefined=DIV0)
