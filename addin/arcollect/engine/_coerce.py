"""The engine's former plumbing module, split by what it holds: `arcollect.engine.columns` (scalars and columns
to numpy and back) and `arcollect.engine.money` (minor units, half-up rounding). Import from those; this name
stays only until the code still using it has moved over.
"""

from __future__ import annotations

from arcollect.engine.columns import (
    NAT,
    Shape,
    amounts,
    broadcast,
    dates,
    equals,
    factorize_sorted,
    is_scalar,
    per_distinct,
    texts,
)
from arcollect.engine.money import currency_codes, minor_units, minor_units_array, round_money, to_decimal

__all__ = [
    "NAT",
    "Shape",
    "amounts",
    "broadcast",
    "currency_codes",
    "dates",
    "equals",
    "factorize_sorted",
    "is_scalar",
    "minor_units",
    "minor_units_array",
    "per_distinct",
    "round_money",
    "texts",
    "to_decimal",
]
