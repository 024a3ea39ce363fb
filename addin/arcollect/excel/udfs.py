"""The ``=AR_…`` cell functions: thin xlwings wrappers over `arcollect.engine`, one vectorised call per formula.

    >>> import datetime as dt
    >>> from arcollect.excel import udfs
    >>> due = [[dt.datetime(2026, 10, 1)], [46296.0], ["soon"], ["#N/A"], [None]]
    >>> udfs.AR_DAYS_PAST_DUE(due, dt.datetime(2026, 11, 24))
    [[54], [54], ['#VALUE!'], ['#N/A'], [None]]
    >>> round(udfs.AR_DISCOUNT_APR("2/10 net 30"), 2)
    37.24

Excel loads this module through the add-in (``UDF MODULES = arcollect.excel.udfs``); off Windows the xlwings
decorators are inert, so every function is a plain callable that tests call with the values xlwings would pass.
xlwings runs cell functions on Windows only: on a Mac the ribbon works, the ``=AR_…`` functions do not.

Rules shared by every function (how cells are read is `arcollect.excel.cells`):

- **Shapes.** Each argument may be one cell, a row, a column or a block (every range argument is declared
  ``ndim=2``); arguments broadcast together like numpy arrays and the result has their common shape, spilled by
  Excel as a dynamic array. Shapes that cannot be broadcast (a 10-row column with a 9-row column) give one
  ``#VALUE!``. A whole column (``C:C``) or row is read down to its last used cell, not 1,048,576 rows. The whole
  column is computed by one engine call.
- **Errors, per cell.** An error cell in an input gives the same error in that row's result (every argument is
  declared ``err_to_str=True``, so xlwings hands errors over instead of blanks). A value that cannot be read (text
  that is not a date or number, unknown terms, a currency or jurisdiction arcollect does not know) gives
  ``#VALUE!`` in that cell only; an empty input cell gives an empty result. A figure the engine cannot define for
  good inputs gives an error of its own: ``#N/A`` when there is no such value (terms without a discount have no
  deadline and no APR, no FX rate for a currency, a late-interest reference rate missing from the table) and
  ``#DIV/0!`` for DSO and CEI without credit sales. A bad or error *option* (``edges``, ``method``,
  ``base_currency``) makes the whole result one error. The errors are returned as their texts (`VALUE`, `NA`,
  `DIV0`, …); the add-in's VBA wrappers turn them into Excel's error values (``CVErr``).
- **Dates** as `arcollect.excel.cells` reads them, serial numbers in the calling workbook's date system: the
  wrappers pass ``date1904`` (the workbook's "Use 1904 date system") to every function that reads dates.
- **Money** comes back as float rounded (half up) by the engine to the minor unit, never as `Decimal`.
- **Today.** ``as_of`` (AR_DAYS_PAST_DUE, AR_BUCKET, AR_LATE_INTEREST) and ``pay_date`` (AR_DISCOUNT) default to
  `today`, the computer's local date — the only place arcollect reads a clock. Those functions are marked with
  `uses_today`: the add-in makes a formula volatile (recalculated at every recalculation, like ``TODAY()``) exactly
  when that argument is left out or an empty cell, so a result never keeps yesterday's date after a save and
  reopen; with a date given, it is recalculated only when its inputs change. Tests pass the date or patch `today`.
- **AR_FX** converts with the ``FX`` table of the workbook that holds the formula (``caller``, the calling cell
  xlwings passes, not the active workbook): 1 unit of a currency = rate units of that workbook's ``BaseCurrency``,
  read through `arcollect.book.live`. `convert` does the same from rates given as data. Another
  ``base_currency`` than the table's is reached through the cross rate (newest rates).
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
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw
from babel import numbers as babel_numbers

from arcollect.engine import aging, fx, interest, metrics
from arcollect.engine import terms as payment_terms
from arcollect.errors import ArcollectError, ConfigError
from arcollect.excel import cells
from arcollect.excel.cells import ShapeError

logger = logging.getLogger(__name__)

CATEGORY = "arcollect"
VALUE = "#VALUE!"
NA = "#N/A"
DIV0 = "#DIV/0!"

#: The VBA expression the add-in's wrappers pass as ``date1904``: the calling workbook's date system.
DATE1904_VBA = "ArcollectDate1904()"
_DSO_METHODS = ("simple", "best", "countback")


def today() -> dt.date:
    """The default as-of date: today on the computer's local calendar (the one place a clock is read)."""
    return dt.date.today()


def uses_today(parameter: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a cell function whose `parameter` defaults to `today` (read by the add-in builder, `udf_wrappers`)."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        function.arcollect_today = parameter  # type: ignore[attr-defined]
        return function

    return mark


def workbook_rates(caller: Any = None) -> tuple[pd.DataFrame, str]:
    """The FX table and base currency (its ``BaseCurrency`` setting) of the workbook holding the calling cell.

    `caller` is the calling cell as xlwings passes it (a Range); without one, xlwings' calling book.
    """
    from arcollect.book import live
    from arcollect.book.settings import parse_settings

    book = caller.sheet.book if caller is not None else xw.Book.caller()
    settings, _ = parse_settings(live.read_table(book, "Settings"))
    return live.read_table(book, "FX"), settings.base_currency


def _dates(date1904: Any) -> cells.Reader:
    """The date reader for the calling workbook's date system."""
    return cells.dates_1904 if date1904 is True or date1904 == 1 else cells.dates


def _as_of(value: Any) -> Any:
    return dt.datetime.combine(today(), dt.time()) if value is None else value


def _shape_safe(function: Callable[..., Any]) -> Callable[..., Any]:
    """Shapes that cannot go together are one ``#VALUE!`` for the whole call, not a Python traceback.

    The wrapper carries no annotations on purpose: xlwings reads a UDF's type hints as converters, and ``Any``
    is none. `inspect.signature` follows ``__wrapped__``, so xlwings and the add-in builder see the real arguments.
    """

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ShapeError:
            return VALUE

    call.__name__, call.__qualname__, call.__doc__ = function.__name__, function.__qualname__, function.__doc__
    call.__wrapped__ = function  # type: ignore[attr-defined]
    return call


_DATE1904_DOC = "The workbook's date system (the add-in passes it)."

# ---- aging and terms ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("due", ndim=2, err_to_str=True, doc="Due date(s): a cell or a column of dates.")
@xw.arg("as_of", ndim=2, err_to_str=True, doc="Date to count to; default today.")
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@uses_today("as_of")
@_shape_safe
def AR_DAYS_PAST_DUE(due: Any, as_of: Any = None, date1904: Any = False) -> Any:
    """Days from the due date to the as-of date (negative: not yet due; 0: due today)."""
    dates = _dates(date1904)
    layout, (due_days, as_of_days, state) = cells.prepare((due, dates), (_as_of(as_of), dates))
    days = np.asarray(aging.days_past_due(due_days, as_of_days), dtype="float64")
    return cells.emit(layout, days, state, whole=True)


@xw.func(category=CATEGORY)
@xw.arg("due", ndim=2, err_to_str=True, doc="Due date(s): a cell or a column of dates.")
@xw.arg("as_of", ndim=2, err_to_str=True, doc="Date to age at; default today.")
@xw.arg(
    "edges",
    err_to_str=True,
    doc='Bucket edges in days, e.g. "0,30,60,90,120" or a range of numbers; default 0,30,60,90,120.',
)
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@uses_today("as_of")
@_shape_safe
def AR_BUCKET(due: Any, as_of: Any = None, edges: Any = None, date1904: Any = False) -> Any:
    """Aging bucket of each due date: Current, 1-30, 31-60, 61-90, 91-120 or 120+ (by the edges given)."""
    bucket_edges = _edges(edges)
    if not isinstance(bucket_edges, tuple):
        return bucket_edges
    dates = _dates(date1904)
    layout, (due_days, as_of_days, state) = cells.prepare((due, dates), (_as_of(as_of), dates))
    days = aging.days_past_due(due_days, as_of_days)
    return cells.emit(layout, aging.bucket(np.asarray(days, dtype="float64"), bucket_edges), state)


def _edges(edges: Any) -> tuple[int, ...] | str:
    """Edges from text "0,30,60", a number or a range of numbers; the error to return when they are not usable."""
    if edges is None:
        return aging.DEFAULT_EDGES
    if isinstance(edges, str):
        if cells.error_of(edges):
            return edges
        values: Sequence[Any] = [part for part in edges.replace(";", ",").split(",") if part.strip()]
    else:
        values = [value for value in cells.grid(edges)[0].reshape(-1) if value is not None and value != ""]
        error = next((cells.error_of(value) for value in values if cells.error_of(value)), None)
        if error:
            return error
    try:
        aging.labels(values)
        return tuple(int(float(value)) for value in values)
    except (ArcollectError, TypeError, ValueError):
        return VALUE


@xw.func(category=CATEGORY)
@xw.arg("invoice_date", ndim=2, err_to_str=True, doc="Invoice date(s).")
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30", "net 30 EOM", "COD".')
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@_shape_safe
def AR_DUE_DATE(invoice_date: Any, terms: Any, date1904: Any = False) -> Any:
    """Net due date under the payment terms."""
    layout, (invoice_days, parsed, state) = cells.prepare((invoice_date, _dates(date1904)), (terms, cells.terms))
    return cells.emit(layout, payment_terms.due_date(parsed, invoice_days), state)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="Invoice amount(s).")
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30".')
@xw.arg("invoice_date", ndim=2, err_to_str=True, doc="Invoice date(s).")
@xw.arg("pay_date", ndim=2, err_to_str=True, doc="Date of payment; default today.")
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@uses_today("pay_date")
@_shape_safe
def AR_DISCOUNT(amount: Any, terms: Any, invoice_date: Any, pay_date: Any = None, date1904: Any = False) -> Any:
    """Early-payment discount earned if paid on the payment date (0 when too late), rounded to cents."""
    dates = _dates(date1904)
    layout, (money, parsed, invoice_days, paid_days, state) = cells.prepare(
        (amount, cells.numbers), (terms, cells.terms), (invoice_date, dates), (_as_of(pay_date), dates)
    )
    return cells.emit(layout, payment_terms.discount(money, parsed, invoice_days, paid_days), state)


@xw.func(category=CATEGORY)
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30".')
@xw.arg("invoice_date", ndim=2, err_to_str=True, doc="Invoice date(s).")
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@_shape_safe
def AR_DISCOUNT_DEADLINE(terms: Any, invoice_date: Any, date1904: Any = False) -> Any:
    """Last day the (first) early-payment discount applies; #N/A for terms without a discount."""
    layout, (parsed, invoice_days, state) = cells.prepare((terms, cells.terms), (invoice_date, _dates(date1904)))
    return cells.emit(layout, payment_terms.discount_deadline(parsed, invoice_days), state, undefined=NA)


@xw.func(category=CATEGORY)
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30".')
@_shape_safe
def AR_DISCOUNT_APR(terms: Any) -> Any:
    """Annual cost of skipping the discount, percent (simple, 365 days); #N/A for terms without a discount."""
    layout, (parsed, state) = cells.prepare((terms, cells.terms))
    return cells.emit(layout, payment_terms.discount_apr(parsed), state, undefined=NA)


# ---- interest ---------------------------------------------------------------------------------------------------


def _jurisdictions(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cells.codes(grid, lambda code: code in interest.JURISDICTIONS)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="Amount(s) overdue.")
@xw.arg("due", ndim=2, err_to_str=True, doc="Due date(s).")
@xw.arg("as_of", ndim=2, err_to_str=True, doc="Interest runs up to and including this date; default today.")
@xw.arg(
    "jurisdiction", ndim=2, err_to_str=True,
    doc="Law governing the contract, a country code: DE, AT, FR, GB, NL, IT, ES, IE …",
)  # fmt: skip
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@uses_today("as_of")
@_shape_safe
def AR_LATE_INTEREST(amount: Any, due: Any, as_of: Any = None, jurisdiction: Any = None, date1904: Any = False) -> Any:
    """Statutory late interest under the contract's law, from the day after the due date; #VALUE! without a law."""
    dates = _dates(date1904)
    layout, (money, due_days, as_of_days, codes, state) = cells.prepare(
        (amount, cells.numbers),
        (due, dates),
        (_as_of(as_of), dates),
        ("?" if jurisdiction is None else jurisdiction, _jurisdictions),
    )
    result, unavailable = _late_interest(money, due_days, as_of_days, codes)
    values = result.astype(object)
    values[unavailable] = NA
    return cells.emit(layout, values, state)


@cache
def _rate_coverage() -> dict[str, tuple[np.datetime64, np.datetime64]]:
    """First and last day of the newest unbroken run of each law's reference-rate rows in the shipped table.

    Rows outside it (a law whose table has a gap) are probed for a missing rate like any other doubtful row.
    """
    coverage = {}
    for code, rows in interest.reference_rates().sort_values("valid_from").groupby("jurisdiction"):
        starts, ends = rows["valid_from"].to_numpy(), rows["valid_to"].to_numpy()
        breaks = np.flatnonzero(starts[1:] != ends[:-1] + np.timedelta64(1, "D"))
        first = int(breaks[-1]) + 1 if breaks.size else 0
        coverage[str(code)] = (np.datetime64(starts[first], "D"), np.datetime64(ends[-1], "D"))
    return coverage


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
@xw.arg("amount", ndim=2, err_to_str=True, doc="Invoice amount(s) (tiers compare the amount as given).")
@xw.arg(
    "jurisdiction", ndim=2, err_to_str=True,
    doc="Law governing the contract, a country code: DE, AT, FR, GB, NL, IT, ES, IE …",
)  # fmt: skip
@_shape_safe
def AR_FIXED_COMP(amount: Any, jurisdiction: Any) -> Any:
    """Fixed recovery-cost compensation per late invoice, in the statute's currency (GBP for GB, PLN sums in EUR …)."""
    layout, (money, codes, state) = cells.prepare((amount, cells.numbers), (jurisdiction, _jurisdictions))
    sums, _statute_currency = interest.fixed_compensation(money, codes)
    return cells.emit(layout, sums, state)


# ---- currency ---------------------------------------------------------------------------------------------------


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(babel_numbers.list_currencies())


def _currencies(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cells.codes(grid, lambda code: code in _currency_codes())


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="Amount(s) to convert.")
@xw.arg("currency_code", ndim=2, err_to_str=True, doc="ISO currency code(s) of the amounts, e.g. USD.")
@xw.arg("base_currency", err_to_str=True, doc="Currency to convert to; default the workbook's BaseCurrency.")
@_shape_safe
def AR_FX(amount: Any, currency_code: Any, base_currency: Any = None, caller: Any = None) -> Any:
    """Amount converted with the FX table of this workbook, rounded to the target currency's minor unit."""
    rates, rates_base = workbook_rates(caller)
    return convert(amount, currency_code, base_currency, rates=rates, rates_base=rates_base)


@_shape_safe
def convert(
    amount: Any, currency_code: Any, base: Any = None, *, rates: fx.Rates | None, rates_base: str = "EUR"
) -> Any:
    """`AR_FX` with the rates given: `rates` (any form `fx.rate_table` takes) are quoted in `rates_base`.

    The engine's one conversion, `fx.convert`: another `base` than `rates_base` goes through the cross rate of
    the newest rates. Not an ISO code → ``#VALUE!``; a currency (or `base`) without a rate → ``#N/A`` in its
    cell, never 0 or a blank; the engine's reason ("no FX rate for CHF — add 1 CHF = ? EUR to the FX sheet") is
    logged once per call.
    """
    target = rates_base if base is None else base
    if cells.error_of(target):
        return target
    if not isinstance(target, str) or target.strip().upper() not in _currency_codes():
        return VALUE
    layout, (money, codes, state) = cells.prepare((amount, cells.numbers), (currency_code, _currencies))
    usable = state.reshape(-1) == cells.OK
    converted, problems = fx.convert(money.reshape(-1), codes.reshape(-1), target, rates_base, rates)
    for reason in dict.fromkeys(problem.reason for problem in problems if usable[problem.row]):
        logger.info("AR_FX: %s", reason)
    return cells.emit(layout, np.asarray(converted, dtype="float64").reshape(money.shape), state, undefined=NA)


# ---- metrics ----------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("receivables", ndim=2, err_to_str=True, doc="Receivables at period end (current AR for method best).")
@xw.arg(
    "credit_sales",
    ndim=2,
    err_to_str=True,
    doc="Credit sales of the period; countback: monthly sales, newest first, across.",
)
@xw.arg(
    "days", ndim=2, err_to_str=True, doc="Days in the period (default 365); countback: days per month (default 30)."
)
@xw.arg("method", err_to_str=True, doc='"simple" (default), "best" (best possible DSO) or "countback".')
@_shape_safe
def AR_DSO(receivables: Any, credit_sales: Any, days: Any = None, method: Any = "simple") -> Any:
    """Days sales outstanding; #DIV/0! without credit sales."""
    if cells.error_of(method):
        return method
    chosen = str(method or "simple").strip().lower()
    if chosen not in _DSO_METHODS:
        return VALUE
    if chosen == "countback":
        return _dso_countback(receivables, credit_sales, 30 if days is None else days)
    layout, (ar, sales, period, state) = cells.prepare(
        (receivables, cells.numbers), (credit_sales, cells.numbers), (365 if days is None else days, cells.numbers)
    )
    compute = metrics.dso_simple if chosen == "simple" else metrics.best_possible_dso
    return cells.emit(layout, compute(ar, sales, period), state, undefined=DIV0)


def _dso_countback(receivables: Any, credit_sales: Any, days: Any) -> Any:
    """One result per receivables cell (a cell or a column); its row of `credit_sales` holds the months."""
    (ar_grid, form), (sales_grid, _) = cells.trimmed([cells.grid(receivables), cells.grid(credit_sales)])
    if ar_grid.shape[1] != 1:
        raise ShapeError("count-back DSO takes a cell or a column of receivables")
    if ar_grid.shape[0] == 1:
        sales_grid = sales_grid.reshape(1, -1)
    days_grid = cells.grid(days)[0]
    if days_grid.shape[0] == 1 or days_grid.shape[1] == 1:
        days_grid = days_grid.reshape(1, -1)
    ar, ar_state = cells.numbers(ar_grid)
    sales, sales_state = cells.numbers(sales_grid)
    month_days, days_state = cells.numbers(days_grid)
    try:
        sales, month_days, sales_state, days_state = np.broadcast_arrays(sales, month_days, sales_state, days_state)
        ar, ar_state, _ = np.broadcast_arrays(ar, ar_state, sales[:, :1])
    except ValueError as exc:
        raise ShapeError(str(exc)) from exc
    state = np.maximum(ar_state[:, 0], cells.worst(sales_state, days_state).max(axis=1))
    result = metrics.dso_countback(ar[:, 0], sales, month_days)
    layout = cells.Layout((state.size, 1), "scalar" if form == "scalar" and state.size == 1 else "grid")
    return cells.emit(layout, np.asarray(result, dtype="float64"), state, undefined=DIV0)


@xw.func(category=CATEGORY)
@xw.arg("beginning_receivables", ndim=2, err_to_str=True, doc="Receivables at the start of the period.")
@xw.arg("credit_sales", ndim=2, err_to_str=True, doc="Credit sales of the period.")
@xw.arg("ending_receivables", ndim=2, err_to_str=True, doc="Total receivables at the end of the period.")
@xw.arg("ending_current_receivables", ndim=2, err_to_str=True, doc="Receivables not yet due at the end of the period.")
@xw.arg("periods", ndim=2, err_to_str=True, doc="Months in the period for the monthly-average variant; default 1.")
@_shape_safe
def AR_CEI(
    beginning_receivables: Any,
    credit_sales: Any,
    ending_receivables: Any,
    ending_current_receivables: Any,
    periods: Any = 1,
) -> Any:
    """Collection effectiveness index, percent; #DIV/0! when nothing was collectable."""
    layout, (beginning, sales, ending, ending_current, period_count, state) = cells.prepare(
        (beginning_receivables, cells.numbers),
        (credit_sales, cells.numbers),
        (ending_receivables, cells.numbers),
        (ending_current_receivables, cells.numbers),
        (1 if periods is None else periods, cells.numbers),
    )
    result = metrics.cei(beginning, sales, ending, ending_current, periods=period_count)
    return cells.emit(layout, result, state, undefined=DIV0)
