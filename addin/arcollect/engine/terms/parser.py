"""Payment terms as data (`Terms`, `DiscountTier`, `Dating`) and from text: `parse`, `format`, `parse_column`.

    >>> parse("2 % 10, n/30") == Terms((DiscountTier(2, 10),), net_days=30)
    True
    >>> format(parse("net10th prox"))
    'net 10th prox'

What the words mean (invoice, EOM and prox dating, due on receipt) is the rules list of `arcollect.engine.terms`;
a `Terms` refuses to exist when it makes no sense (a discount period not shorter than the net period, tiers out
of order, 100 %). The dates and amounts the terms give are `deadlines` and `discounts`.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import texts
from arcollect.errors import InputError

#: Days after the (last) discount day at which EOM or prox terms that state no net fall due ("1/10 EOM").
DEFAULT_NET_AFTER_DISCOUNT = 20
#: The longest net or discount period accepted: ten years. Longer ones are typos, and would overflow date arithmetic.
MAX_DAYS = 3660
_EXAMPLES = "'net 30', '2/10 net 30', '3/10 2/20 net 45', '1/10 EOM', '2/10 prox net 30', 'net 10th prox', 'COD'"


class Dating(StrEnum):
    """Where the periods of a set of terms start counting."""

    INVOICE = "invoice"
    EOM = "eom"
    PROX = "prox"


#: The code of each dating in the per-row columns of `deadlines` (−1 there: no terms).
DATING_CODE = {Dating.INVOICE: 0, Dating.EOM: 1, Dating.PROX: 2}


@dataclass(frozen=True, order=True)
class DiscountTier:
    """`percent` off when paid within `days` (or by day `days` of next month for prox dating)."""

    percent: Decimal
    days: int

    def __post_init__(self) -> None:
        try:
            percent = Decimal(str(self.percent)).normalize()
        except InvalidOperation as exc:
            raise InputError(f"discount percentage {self.percent!r} is not a number") from exc
        object.__setattr__(self, "percent", percent)
        object.__setattr__(self, "days", int(self.days))


@dataclass(frozen=True, order=True)
class Terms:
    """One set of payment terms; build it with `parse`. Construction validates and raises `InputError`."""

    discounts: tuple[DiscountTier, ...] = ()
    net_days: int = 0
    dating: Dating = Dating.INVOICE
    net_day_of_month: int = 0  # prox terms "net Nth prox": due on day N of the next month; 0 when not used

    def __post_init__(self) -> None:
        object.__setattr__(self, "discounts", tuple(self.discounts))
        object.__setattr__(self, "dating", Dating(self.dating))
        reason = _why_invalid(self)
        if reason:
            raise InputError(f"Invalid payment terms: {reason}")

    def __str__(self) -> str:
        return format(self)


def _why_invalid(t: Terms) -> str | None:
    tiers = t.discounts
    if t.net_days < 0:
        return f"the net period ({t.net_days} days) cannot be negative"
    if t.net_days > MAX_DAYS:
        return f"a net period of {t.net_days} days is more than ten years ({MAX_DAYS} days)"
    for tier in tiers:
        if not 0 < tier.percent < 100:
            return f"a discount of {tier.percent:f}% is not possible — it must be more than 0% and less than 100%"
        if tier.days < 0:
            return f"the discount period ({tier.days} days) cannot be negative"
        if tier.days > MAX_DAYS:
            return f"a discount period of {tier.days} days is more than ten years ({MAX_DAYS} days)"
    for earlier, later in itertools.pairwise(tiers):
        if later.days <= earlier.days or later.percent >= earlier.percent:
            return (
                f"discount tiers must run from the earliest deadline with the biggest discount to later, smaller "
                f"ones; {earlier.percent:f}/{earlier.days} then {later.percent:f}/{later.days} does not"
            )
    if t.net_day_of_month and (t.dating is not Dating.PROX or t.net_days):
        return "a net day of the month ('net 10th prox') goes only with prox terms and no net days"
    if not 0 <= t.net_day_of_month <= 31:
        return f"day {t.net_day_of_month} of the month does not exist"
    if t.dating is not Dating.PROX or not t.net_day_of_month:
        for tier in tiers:
            if tier.days >= net_day(t) and t.dating is Dating.INVOICE:
                return f"the discount period ({tier.days} days) must be shorter than the net period ({t.net_days} days)"
            if tier.days >= net_day(t):
                return (
                    f"the discount period ({tier.days} days) must end before the net due date — with "
                    f"{t.dating.value.upper()} dating both count from the end of the invoice month"
                )
    if t.dating is Dating.PROX:
        for tier in tiers:
            if not 1 <= tier.days <= 31:
                return f"a prox discount runs to a day of the next month (1–31), not day {tier.days}"
        if t.net_day_of_month and tiers and tiers[-1].days >= t.net_day_of_month:
            return (
                f"the discount day ({_ordinal(tiers[-1].days)}) must come before the net day "
                f"({_ordinal(t.net_day_of_month)})"
            )
    return None


def net_day(t: Terms) -> int:
    """The nominal day of the net due date, on the tiers' scale: days after the invoice date (invoice dating) or
    after the end of the invoice month (EOM and prox dating; a prox day N is day N)."""
    if t.dating is Dating.INVOICE or t.dating is Dating.EOM:
        return t.net_days
    if t.net_day_of_month:
        return t.net_day_of_month
    return 1 + t.net_days  # "prox net N": N days after the 1st of the next month


# ---- text ---------------------------------------------------------------------------------------------------

_RECEIPT_PHRASES = frozenset(
    {
        "due on receipt",
        "due upon receipt",
        "on receipt",
        "upon receipt",
        "payable on receipt",
        "receipt",
        "due immediately",
        "immediate",
        "cod",
        "cia",
        "cash on delivery",
        "cash in advance",
    }
)
_VOCABULARY = sorted({"net", "n", "eom", "prox", "days", "day"} | {w for p in _RECEIPT_PHRASES for w in p.split()})
_TIER = re.compile(r"^(\d+(?:\.\d+)?)/(\d+)(?:st|nd|rd|th)?$")
_NUMBER = re.compile(r"^\d+$")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


class _NotUnderstood(Exception):
    """The words do not form payment terms (as opposed to well-formed terms that make no sense)."""


def _normalise(text: str) -> str:
    s = re.sub(r"(\d)\s*%\s*(?=\d)", r"\1/", text.lower())  # "2% 10 net 30" → "2/10 net 30"
    s = s.replace(",", " ").replace(";", " ").replace("%", "")
    s = re.sub(r"(?<!\d)\.|\.(?!\d)", "", s)  # c.o.d. → cod, prox. → prox, but 1.5 stays
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"\b(?:n|net)/(?=\d)", "net ", s)
    s = re.sub(r"(?<=[a-z])(?=\d)", " ", s)  # n30, net30 → n 30, net 30
    s = re.sub(r"(?<=\d)(?!(?:st|nd|rd|th)\b)(?=[a-z])", " ", s)  # 30eom → 30 eom, but 10th stays
    return " ".join(s.split())


def _read(normalised: str) -> Terms:
    """Terms from normalised text; `_NotUnderstood` for bad words, `InputError` for senseless terms."""
    if normalised in _RECEIPT_PHRASES:
        return Terms()
    tokens = [tok for tok in normalised.split() if tok not in ("days", "day")]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    tiers: list[tuple[str, int]] = []
    while (token := peek()) and (match := _TIER.match(token)):
        tiers.append((match.group(1), int(match.group(2))))
        position += 1
    dating: Dating | None = None
    if peek() in ("eom", "prox"):
        dating = Dating(tokens[position])
        position += 1
    net_days: int | None = None
    net_day_of_month = 0
    if peek() in ("net", "n"):
        position += 1
        token = peek() or ""
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        if _ORDINAL.match(token) or (_NUMBER.match(token) and following == "prox"):
            if following != "prox" or dating is Dating.EOM:
                raise _NotUnderstood
            net_day_of_month = int(re.sub(r"\D", "", token))
            dating = Dating.PROX
            position += 2
        elif _NUMBER.match(token):
            net_days = int(token)
            position += 1
        else:
            raise _NotUnderstood
    if dating is None and peek() in ("eom", "prox"):
        dating = Dating(tokens[position])
        position += 1
    if position != len(tokens) or (not tiers and net_days is None and not net_day_of_month):
        raise _NotUnderstood
    if net_days is None and not net_day_of_month:
        if dating is None:
            raise InputError("it states a discount but no net period — add one, e.g. '2/10 net 30'")
        net_days = int(tiers[-1][1]) + DEFAULT_NET_AFTER_DISCOUNT - (1 if dating is Dating.PROX else 0)
    discounts = tuple(DiscountTier(Decimal(pct), days) for pct, days in tiers)
    return Terms(discounts, net_days or 0, dating or Dating.INVOICE, net_day_of_month)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Terms:
    normalised = _normalise(text)
    if not normalised:
        raise InputError("Payment terms are empty — write them like 'net 30' or '2/10 net 30'")
    try:
        return _read(normalised)
    except _NotUnderstood:
        suggestion = _suggest(normalised)
        hint = f"try '{suggestion}'" if suggestion else f"write them like {_EXAMPLES}"
        raise InputError(f"Payment terms '{text}' not understood — {hint}") from None
    except InputError as exc:
        reason = str(exc).removeprefix("Invalid payment terms: ")
        raise InputError(f"Payment terms '{text}' cannot be used: {reason}") from None


def _suggest(normalised: str) -> str | None:
    """The canonical text of the nearest valid terms, correcting misspelt words one token at a time."""
    tokens = normalised.split()
    choices = []
    for token in tokens:
        if token in _VOCABULARY or _TIER.match(token) or _NUMBER.match(token) or _ORDINAL.match(token):
            choices.append([token])
        else:
            choices.append([*difflib.get_close_matches(token, _VOCABULARY, n=3, cutoff=0.6), ""])
    for candidate in itertools.islice(itertools.product(*choices), 200):
        try:
            return format(_read(" ".join(word for word in candidate if word)))
        except (_NotUnderstood, InputError):
            continue
    return None


def parse(text: str | Terms) -> Terms:
    """Terms from text, case- and space-insensitive; a `Terms` passes through unchanged.

    Raises `InputError` naming the text: "not understood — try '…'" with the nearest valid form when the words
    are wrong, or "cannot be used: …" saying why when well-formed terms make no sense (discount ≥ net period,
    tiers out of order, 100 % discount).
    """
    if isinstance(text, Terms):
        return text
    if not isinstance(text, str):
        raise InputError(f"Payment terms {text!r} are not text — write them like 'net 30' or '2/10 net 30'")
    return _parse_text(text.strip())


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format(t: Terms) -> str:
    """The canonical text of `t`; ``parse(format(t)) == t`` always holds."""
    parts = [f"{tier.percent:f}/{tier.days}" for tier in t.discounts]
    if t.dating is Dating.INVOICE:
        return " ".join([*parts, f"net {t.net_days}"]) if parts or t.net_days else "due on receipt"
    if t.dating is Dating.EOM:
        return " ".join([*parts, f"net {t.net_days} EOM"])
    if t.net_day_of_month:
        return " ".join([*parts, f"net {_ordinal(t.net_day_of_month)} prox"])
    return " ".join([*parts, f"prox net {t.net_days}"])


def parse_column(
    values: Any, parse: Callable[[Any], Terms | None] = parse
) -> tuple[pd.Series, list[tuple[Any, Any, str]]]:
    """Parse a column of terms for a reader, each distinct value by `parse`: never raises on a bad row.

    Returns a Series of `Terms` (None where the text is missing or bad) with the input's index (a RangeIndex for
    lists and arrays), and one ``(index label, text, message)`` per bad row. Blank cells are None without a
    problem: whether terms are required is the reader's decision. Each distinct text is parsed once.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(texts(values), dtype=object)
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    parsed = np.full(len(uniques) + 1, None, dtype=object)  # the extra last slot serves code −1 (missing)
    messages = np.full(len(uniques) + 1, None, dtype=object)
    for position, value in enumerate(uniques):
        if isinstance(value, str) and not value.strip():
            continue
        try:
            parsed[position] = parse(value)
        except InputError as exc:
            messages[position] = str(exc)
    row_messages = messages[codes]
    bad = np.flatnonzero(pd.notna(row_messages))
    problems = [(series.index[row], series.iloc[row], row_messages[row]) for row in bad]
    return pd.Series(parsed[codes], index=series.index, name=series.name, dtype=object), problems
