"""The work behind the ``=AR_…`` cell functions that is more than reading the cells and one engine call.

    >>> from arcollect.excel import formulas
    >>> formulas.convert(100.0, "USD", "GBP", rates={"USD": 0.92, "GBP": 1.17})   # AR_FX, rates given
    78.63

What `arcollect.excel.udfs` declares (the functions Excel sees, their arguments and help) calls into this module:
bucket edges from text or a range (AR_BUCKET), code readers for currencies and jurisdictions, late interest with
the rows the reference-rate table does not cover found by halving (AR_LATE_INTEREST), conversion through the
engine's one conversion `fx.convert` (AR_FX, and `convert` with rates given as data), count-back DSO over a block
of months (AR_DSO), the FX table of the calling workbook, and `shape_safe`, which makes shapes that cannot go
together one ``#VALUE!``. How cell values are read and written back is `arcollect.excel.cells`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw
from babel import numbers as babel_numbers

from arcollect.engine import aging, fx, interest, metrics
from arcollect.errors import ArcollectError, ConfigError
from arcollect.excel import cells
from arcollect.excel.cells import DIV0, NA, VALUE, ShapeError

logger = logging.getLogger(__name__)

DSO_METHODS = ("simple", "best", "countback")


def shape_safe(function: Callable[..., Any]) -> Callable[..., Any]:
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


def workbook_rates(caller: Any = None) -> tuple[pd.DataFrame, str]:
    """The FX table and base currency (its ``BaseCurrency`` setting) of the workbook holding the calling cell.

    `caller` is the calling cell as xlwings passes it (a Range); without one, xlwings' calling book.
    """
    from arcollect.book import live
    from arcollect.book.settings import parse_settings

    book = caller.sheet.book if caller is not None else xw.Book.caller()
    settings, _ = parse_settings(live.read_table(book, "Settings"))
    return live.read_table(book, "FX"), settings.base_currency


def bucket_edges(edges: Any) -> tuple[int, ...] | str:
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


def jurisdictions(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jurisdiction cells: the codes `interest` knows, else ``#VALUE!``."""
    return cells.codes(grid, lambda code: code in interest.JURISDICTIONS)


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


def late_interest(
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


@cache
def _currency_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel knows."""
    return frozenset(babel_numbers.list_currencies())


def currencies(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Currency cells: ISO 4217 codes (Babel's list), else ``#VALUE!``."""
    return cells.codes(grid, lambda code: code in _currency_codes())


@shape_safe
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
    layout, (money, codes, state) = cells.prepare((amount, cells.numbers), (currency_code, currencies))
    usable = state.reshape(-1) == cells.OK
    converted, problems = fx.convert(money.reshape(-1), codes.reshape(-1), target, rates_base, rates)
    for reason in dict.fromkeys(problem.reason for problem in problems if usable[problem.row]):
        logger.info("AR_FX: %s", reason)
    return cells.emit(layout, np.asarray(converted, dtype="float64").reshape(money.shape), state, undefined=NA)


def dso_countback(receivables: Any, credit_sales: Any, days: Any) -> Any:
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
