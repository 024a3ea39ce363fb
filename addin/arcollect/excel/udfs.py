"""The ``=AR_…`` cell functions: thin xlwings wrappers over `arcollect.engine`, one vectorised call per formula.

    >>> import datetime as dt
    >>> from arcollect.excel import udfs
    >>> due = [[dt.datetime(2026, 10, 1)], [46296.0], ["soon"], ["#N/A"], [None]]
    >>> udfs.AR_DAYS_PAST_DUE(due, dt.datetime(2026, 11, 24))
    [[54], [54], ['#VALUE!'], ['#N/A'], [None]]
    >>> round(udfs.AR_DISCOUNT_APR("2/10 net 30"), 2)
    37.24

This module holds the declarations only — what Excel sees: names, arguments, help, error values —, each a
thin call into `arcollect.engine`; the work that is more than one engine call is `arcollect.excel.formulas`, and
reading and writing cell values is `arcollect.excel.cells`.

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
  read through `arcollect.book.live`. `formulas.convert` does the same from rates given as data. Another
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
from collections.abc import Callable
from typing import Any

import numpy as np
import xlwings as xw

from arcollect.engine import aging, interest, metrics
from arcollect.engine import terms as payment_terms
from arcollect.excel import cells, formulas
from arcollect.excel.cells import DIV0, NA, VALUE
from arcollect.excel.formulas import shape_safe

CATEGORY = "arcollect"

#: The VBA expression the add-in's wrappers pass as ``date1904``: the calling workbook's date system.
DATE1904_VBA = "ArcollectDate1904()"


def today() -> dt.date:
    """The default as-of date: today on the computer's local calendar (the one place a clock is read)."""
    return dt.date.today()


def uses_today(parameter: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a cell function whose `parameter` defaults to `today` (read by the add-in builder, `udf_wrappers`)."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        function.arcollect_today = parameter  # type: ignore[attr-defined]
        return function

    return mark


def _dates(date1904: Any) -> cells.Reader:
    """The date reader for the calling workbook's date system."""
    return cells.dates_1904 if date1904 is True or date1904 == 1 else cells.dates


def _as_of(value: Any) -> Any:
    return dt.datetime.combine(today(), dt.time()) if value is None else value


_DATE1904_DOC = "The workbook's date system (the add-in passes it)."

# ---- aging and terms ---------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("due", ndim=2, err_to_str=True, doc="Due date(s): a cell or a column of dates.")
@xw.arg("as_of", ndim=2, err_to_str=True, doc="Date to count to; default today.")
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@uses_today("as_of")
@shape_safe
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
@shape_safe
def AR_BUCKET(due: Any, as_of: Any = None, edges: Any = None, date1904: Any = False) -> Any:
    """Aging bucket of each due date: Current, 1-30, 31-60, 61-90, 91-120 or 120+ (by the edges given)."""
    bucket_edges = formulas.bucket_edges(edges)
    if not isinstance(bucket_edges, tuple):
        return bucket_edges
    dates = _dates(date1904)
    layout, (due_days, as_of_days, state) = cells.prepare((due, dates), (_as_of(as_of), dates))
    days = aging.days_past_due(due_days, as_of_days)
    return cells.emit(layout, aging.bucket(np.asarray(days, dtype="float64"), bucket_edges), state)


@xw.func(category=CATEGORY)
@xw.arg("invoice_date", ndim=2, err_to_str=True, doc="Invoice date(s).")
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30", "net 30 EOM", "COD".')
@xw.arg("date1904", vba=DATE1904_VBA, doc=_DATE1904_DOC)
@shape_safe
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
@shape_safe
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
@shape_safe
def AR_DISCOUNT_DEADLINE(terms: Any, invoice_date: Any, date1904: Any = False) -> Any:
    """Last day the (first) early-payment discount applies; #N/A for terms without a discount."""
    layout, (parsed, invoice_days, state) = cells.prepare((terms, cells.terms), (invoice_date, _dates(date1904)))
    return cells.emit(layout, payment_terms.discount_deadline(parsed, invoice_days), state, undefined=NA)


@xw.func(category=CATEGORY)
@xw.arg("terms", ndim=2, err_to_str=True, doc='Payment terms, e.g. "2/10 net 30".')
@shape_safe
def AR_DISCOUNT_APR(terms: Any) -> Any:
    """Annual cost of skipping the discount, percent (simple, 365 days); #N/A for terms without a discount."""
    layout, (parsed, state) = cells.prepare((terms, cells.terms))
    return cells.emit(layout, payment_terms.discount_apr(parsed), state, undefined=NA)


# ---- interest ---------------------------------------------------------------------------------------------------


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
@shape_safe
def AR_LATE_INTEREST(amount: Any, due: Any, as_of: Any = None, jurisdiction: Any = None, date1904: Any = False) -> Any:
    """Statutory late interest under the contract's law, from the day after the due date; #VALUE! without a law."""
    dates = _dates(date1904)
    layout, (money, due_days, as_of_days, codes, state) = cells.prepare(
        (amount, cells.numbers),
        (due, dates),
        (_as_of(as_of), dates),
        ("?" if jurisdiction is None else jurisdiction, formulas.jurisdictions),
    )
    result, unavailable = formulas.late_interest(money, due_days, as_of_days, codes)
    values = result.astype(object)
    values[unavailable] = NA
    return cells.emit(layout, values, state)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="Invoice amount(s) (tiers compare the amount as given).")
@xw.arg(
    "jurisdiction", ndim=2, err_to_str=True,
    doc="Law governing the contract, a country code: DE, AT, FR, GB, NL, IT, ES, IE …",
)  # fmt: skip
@shape_safe
def AR_FIXED_COMP(amount: Any, jurisdiction: Any) -> Any:
    """Fixed recovery-cost compensation per late invoice, in the statute's currency (GBP for GB, PLN sums in EUR …)."""
    layout, (money, codes, state) = cells.prepare((amount, cells.numbers), (jurisdiction, formulas.jurisdictions))
    sums, _statute_currency = interest.fixed_compensation(money, codes)
    return cells.emit(layout, sums, state)


# ---- currency ---------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="Amount(s) to convert.")
@xw.arg("currency_code", ndim=2, err_to_str=True, doc="ISO currency code(s) of the amounts, e.g. USD.")
@xw.arg("base_currency", err_to_str=True, doc="Currency to convert to; default the workbook's BaseCurrency.")
@shape_safe
def AR_FX(amount: Any, currency_code: Any, base_currency: Any = None, caller: Any = None) -> Any:
    """Amount converted with the FX table of this workbook, rounded to the target currency's minor unit."""
    rates, rates_base = formulas.workbook_rates(caller)
    return formulas.convert(amount, currency_code, base_currency, rates=rates, rates_base=rates_base)


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
@shape_safe
def AR_DSO(receivables: Any, credit_sales: Any, days: Any = None, method: Any = "simple") -> Any:
    """Days sales outstanding; #DIV/0! without credit sales."""
    if cells.error_of(method):
        return method
    chosen = str(method or "simple").strip().lower()
    if chosen not in formulas.DSO_METHODS:
        return VALUE
    if chosen == "countback":
        return formulas.dso_countback(receivables, credit_sales, 30 if days is None else days)
    layout, (ar, sales, period, state) = cells.prepare(
        (receivables, cells.numbers), (credit_sales, cells.numbers), (365 if days is None else days, cells.numbers)
    )
    compute = metrics.dso_simple if chosen == "simple" else metrics.best_possible_dso
    return cells.emit(layout, compute(ar, sales, period), state, undefined=DIV0)


@xw.func(category=CATEGORY)
@xw.arg("beginning_receivables", ndim=2, err_to_str=True, doc="Receivables at the start of the period.")
@xw.arg("credit_sales", ndim=2, err_to_str=True, doc="Credit sales of the period.")
@xw.arg("ending_receivables", ndim=2, err_to_str=True, doc="Total receivables at the end of the period.")
@xw.arg("ending_current_receivables", ndim=2, err_to_str=True, doc="Receivables not yet due at the end of the period.")
@xw.arg("periods", ndim=2, err_to_str=True, doc="Months in the period for the monthly-average variant; default 1.")
@shape_safe
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
