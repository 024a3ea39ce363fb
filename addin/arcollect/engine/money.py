"""Money: each currency's minor unit and rounding to it, half up, vectorised.

    >>> from arcollect.engine.money import minor_units, round_money, to_decimal
    >>> minor_units("JPY"), minor_units("BHD")
    (0, 3)
    >>> to_decimal(1.005)
    Decimal('1.01')

Money helpers round *half up* (away from zero on an exact half) to the currency's minor unit, taken from Babel's
ISO 4217 data (EUR 2 decimals, JPY 0, BHD 3). Floats are first brought to their shortest decimal representation
(``1.005`` rounds to ``1.01``, as a person reading the cell expects), never to the binary value under it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from babel import numbers as babel_numbers

from arcollect.engine.columns import texts
from arcollect.errors import InputError


@cache
def _currencies() -> frozenset[str]:
    return frozenset(babel_numbers.list_currencies())


def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel knows (current and historic)."""
    return _currencies()


@cache
def minor_units(currency: str) -> int:
    """Decimal places of an ISO 4217 currency (EUR 2, JPY 0, BHD 3); unknown codes raise `InputError`."""
    code = str(currency).strip().upper()
    if code not in _currencies():
        raise InputError(f"Currency '{currency}' is not an ISO 4217 currency code (e.g. EUR, USD, GBP, JPY)")
    return int(babel_numbers.get_currency_precision(code))


def minor_units_array(currencies: Any) -> np.ndarray:
    """`minor_units` over a column of currency codes (looked up once per distinct code)."""
    codes = np.asarray(texts(currencies), dtype=object)
    flat = codes.reshape(-1)
    if pd.api.types.infer_dtype(flat, skipna=False) == "string":  # text only: hash it, no sort of a text copy
        inverse, uniques = pd.factorize(flat)
    else:
        uniques, inverse = np.unique(flat.astype(str), return_inverse=True)
    digits = np.array([minor_units(code) for code in uniques], dtype="int64")
    return digits[inverse].reshape(codes.shape)


def round_money(values: np.ndarray, digits: int | np.ndarray = 2) -> np.ndarray:
    """Round half up (away from zero) to `digits` decimals, vectorised; NaN stays NaN."""
    values = np.asarray(values, dtype="float64")
    scale = np.power(10.0, digits)
    # Shortest-decimal first: 1.005 * 100 is 100.49999999999999 in binary but 100.5 to the user.
    scaled = np.round(np.abs(values) * scale, 6)
    return np.sign(values) * np.floor(scaled + 0.5) / scale


def to_decimal(value: float | Decimal | int | None, digits: int = 2) -> Decimal | None:
    """One amount as a `Decimal` with exactly `digits` places, half up; None for missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)
