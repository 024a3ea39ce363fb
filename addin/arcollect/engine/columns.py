"""Columns and cells in, numpy out, and back: how every engine function takes a scalar or a whole column.

Every public engine function accepts a scalar wherever it accepts a column. It calls `dates`/`amounts`/`texts`
on each argument, computes on whole numpy arrays, and hands the result to `Shape.wrap`, which returns:

- a plain Python value (``int``, ``str``, ``datetime.date``, ``Decimal`` or ``None`` for missing) when every
  argument was a scalar;
- a ``pandas.Series`` with the index of the first Series argument when one was a Series;
- a numpy array otherwise.

Bad values raise `InputError` naming the first few. `equals`, `per_distinct` and `factorize_sorted` are the
fast paths for text columns of a hundred thousand rows. Money (minor units, rounding): `arcollect.engine.money`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from arcollect.errors import InputError

NAT = np.datetime64("NaT", "D")
_MISSING_TEXT = {"", "nan", "nat", "none", "null"}
_TIME_ZONE = re.compile(r"^(.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d\d(?::?\d\d)?)$", re.IGNORECASE)
_NOT_A_DATE = "not a date"


@dataclass(frozen=True)
class Shape:
    """What the caller gave us: a scalar, a Series (keep its index) or an array of some length."""

    scalar: bool
    index: pd.Index | None = None

    @staticmethod
    def of(*values: Any) -> Shape:
        index = None
        scalar = True
        for value in values:
            if isinstance(value, pd.Series):
                scalar = False
                index = value.index if index is None else index
            elif not is_scalar(value):
                scalar = False
        return Shape(scalar=scalar, index=index)

    def wrap(self, result: np.ndarray, *, kind: str = "auto", name: str | None = None) -> Any:
        """Return `result` in the caller's shape. `kind` picks the scalar type: int, float, str, date, auto."""
        if self.scalar:
            value = result.reshape(-1)[0] if isinstance(result, np.ndarray) else result
            return _python_scalar(value, kind)
        if self.index is not None:
            if isinstance(result, np.ndarray) and result.dtype == np.dtype("datetime64[D]"):
                result = result.astype("datetime64[s]")  # pandas has no day unit; seconds convert without a copy loop
            if kind == "int":
                return pd.Series(result, index=self.index, name=name).astype("Int64")
            return pd.Series(result, index=self.index, name=name)
        return result


def is_scalar(value: Any) -> bool:
    return value is None or (np.ndim(value) == 0 and not isinstance(value, pd.Series | pd.Index))


def _python_scalar(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]").astype(dt.date)
        if not isinstance(day, dt.date):  # numpy gives an int for a day Python's dates cannot hold
            raise InputError(f"the result falls after {dt.date.max.isoformat()}, the last date Excel can show")
        return day
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "str":
        return None if value is None else str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scalar_day(value: Any, name: str) -> np.datetime64:
    if value is None or value is pd.NaT:
        return NAT
    if isinstance(value, float) and np.isnan(value):
        return NAT
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]")
    if isinstance(value, dt.datetime):  # aware or naive: the wall-clock date where it was taken
        return np.datetime64(value.date(), "D")
    if isinstance(value, dt.date):
        return np.datetime64(value, "D")
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _MISSING_TEXT:
            return NAT
        try:
            stamp = pd.Timestamp(text)
            return np.datetime64(stamp.date(), "D")
        except (ValueError, TypeError, OverflowError, NotImplementedError) as exc:  # pandas: year 0, year 10000
            raise InputError(f"{name} '{value}' is not a date — write it as YYYY-MM-DD, e.g. 2026-03-31") from exc
    raise InputError(f"{name} {value!r} is not a date — write it as YYYY-MM-DD, e.g. 2026-03-31")


def dates(value: Any, name: str = "date") -> np.ndarray:
    """Any date-like input as a ``datetime64[D]`` array (0-d for a scalar); missing values become NaT.

    Text must be an ISO date; anything else raises `InputError` naming the first few bad values.
    """
    if is_scalar(value):
        return np.asarray(_scalar_day(value, name))
    if isinstance(value, pd.Series | pd.Index):
        values = value
    else:
        values = pd.Series(np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        series = pd.Series(values)
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return series.to_numpy().astype("datetime64[D]")
    series = pd.Series(values, dtype=object).map(_quiet)
    text = series.astype(str).str.strip().str.lower()
    missing = series.isna() | text.isin(_MISSING_TEXT)
    cells = series.where(~missing).map(_date_cell)
    try:
        parsed = pd.to_datetime(cells, errors="coerce", format="mixed")
    except (ValueError, OverflowError, TypeError):  # what coerce does not cover: one value at a time, each once
        parsed = pd.to_datetime(cells.map(_date_or_nat, na_action="ignore"), errors="coerce")
    bad = parsed.isna() & ~missing
    if bad.any():
        examples = ", ".join(repr(v) for v in series[bad].head(3).tolist())
        raise InputError(f"{name}: {int(bad.sum())} value(s) are not dates ({examples}) — use YYYY-MM-DD")
    return parsed.to_numpy().astype("datetime64[D]")


def _date_cell(value: Any) -> Any:
    """One cell as `pd.to_datetime` should see it: the wall-clock time of an aware value, numbers refused.

    A bare number is not a date here (pandas would take it for nanoseconds since 1970); Excel serials are the
    reader's and the cell functions' business.
    """
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _TIME_ZONE.sub(r"\1", value.strip())
    if isinstance(value, int | float | np.number | Decimal) and not pd.isna(value):
        return _NOT_A_DATE
    return value


def _date_or_nat(value: Any) -> Any:
    try:
        return _scalar_day(value, "date")
    except InputError:
        return NAT


def amounts(value: Any, name: str = "amount") -> np.ndarray:
    """Any number-like input (int, float, Decimal, numeric text) as a float64 array; missing become NaN."""
    if is_scalar(value):
        if value is None:
            return np.asarray(np.nan)
        if isinstance(value, str):
            try:
                return np.asarray(float(Decimal(value.replace(",", "").strip())))
            except (ArithmeticError, ValueError) as exc:  # ValueError: a signalling NaN ("sNaN") has no float
                raise InputError(f"{name} '{value}' is not a number") from exc
        try:
            return np.asarray(float(value))
        except (TypeError, ValueError, OverflowError) as exc:
            raise InputError(f"{name} {value!r} is not a number") from exc
    array = np.asarray(value.to_numpy() if isinstance(value, pd.Series | pd.Index) else value)
    if array.dtype.kind in "fiub":
        return array.astype("float64")
    cells = pd.Series(array.reshape(-1), dtype=object).map(_quiet)
    numeric = pd.to_numeric(cells.map(_number_or_text), errors="coerce")
    bad = numeric.isna() & ~pd.isna(cells)
    if bad.any():
        examples = ", ".join(repr(v) for v in cells[bad].head(3).tolist())
        raise InputError(f"{name}: {int(bad.sum())} value(s) are not numbers ({examples})")
    return numeric.to_numpy(dtype="float64").reshape(array.shape)


def _quiet(value: Any) -> Any:
    """A signalling-NaN Decimal as its text: pandas cannot even test it for missing without an exception."""
    return "sNaN" if isinstance(value, Decimal) and value.is_snan() else value


def _number_or_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return value.replace(",", "").strip()
    return value


def texts(value: Any, name: str = "text") -> np.ndarray:
    """Any text-like input as an object array of ``str`` (upper-cased codes are the caller's business)."""
    if is_scalar(value):
        return np.asarray(value, dtype=object)
    array = value.to_numpy(dtype=object) if isinstance(value, pd.Series | pd.Index) else np.asarray(value, dtype=object)
    return array


def per_distinct(column: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``transform(column)``, computed once per distinct value of a text column and spread back to its rows.

    A column of customer countries, zones or codes repeats a few dozen values over a hundred thousand rows; text
    methods cost per row. `transform` must work value by value (no dependence on position or neighbours).
    Columns that are not text (or mix in numbers, which can hash alike: 1 and 1.0) are transformed whole.
    """
    if pd.api.types.infer_dtype(column, skipna=True) != "string":
        return transform(column)
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    done = transform(pd.Series(np.asarray(distinct, dtype=object), dtype=column.dtype, name=column.name))
    return pd.Series(done.array.take(codes), index=column.index, name=done.name)


def factorize_sorted(column: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(column, sort=True)``, sorting the distinct texts with Python's own sort.

    Python sorts a list of ``str`` with a specialised comparison, faster than the generic one numpy and pandas use
    on objects: worth it for a hundred thousand customer IDs. The order is the same (code point order); columns
    that are not all text are left to pandas.
    """
    codes, uniques = pd.factorize(column)
    if pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        return pd.factorize(column, sort=True)
    values = np.asarray(uniques, dtype=object).tolist()
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(order) + 1, dtype=codes.dtype)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # code −1 (missing) stays −1
    return rank[codes], uniques.take(order)


def equals(column: pd.Series, text: str) -> np.ndarray:
    """``column == text`` as booleans, missing values False.

    Compared as plain Python objects: pandas' comparison of a text column first builds the missing-value mask,
    which doubles its cost on a million rows. pandas' own ``NA`` cannot be compared that way; such a column
    falls back to pandas.
    """
    try:
        return np.asarray(column.to_numpy(dtype=object) == text, dtype=bool)
    except TypeError:
        return (column == text).fillna(False).to_numpy(dtype=bool)


def broadcast(*arrays: np.ndarray) -> list[np.ndarray]:
    """numpy broadcasting with a finance-user message when column lengths differ."""
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError as exc:
        lengths = sorted({a.shape[0] for a in arrays if a.ndim})
        raise InputError(f"columns of different lengths were given together: {lengths}") from exc
