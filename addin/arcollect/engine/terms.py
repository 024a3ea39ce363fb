"""Payment terms: read "2/10 net 30" and its relatives; due date, discount deadline and amount, cost of a discount.

    >>> import datetime as dt
    >>> from arcollect.engine import terms
    >>> t = terms.parse("2/10 net 30")
    >>> terms.format(t)
    '2/10 net 30'
    >>> terms.due_date(t, dt.date(2026, 3, 5))
    datetime.date(2026, 4, 4)
    >>> terms.discount(1000, "2/10 n/30", dt.date(2026, 3, 5), dt.date(2026, 3, 15))
    Decimal('20.00')
    >>> round(terms.discount_apr(t), 2)
    37.24

Every function takes a `Terms`, a terms text or a whole column of either, with scalar or column dates and
amounts (broadcast together). A column is parsed once per distinct text and computed with whole-array numpy date
arithmetic, never row by row. Scalars in give Python values out (``datetime.date``, ``Decimal``, ``float``,
``None`` for missing); a Series in gives a Series with the same index; otherwise a numpy array (money as float64
rounded to the minor unit). Missing terms, dates or amounts give NaT / NaN (``None`` for scalars).

The rules (days are calendar days; a deadline is the *last* day the payment may be made, inclusive):

- **Invoice dating** ("2/10 net 30", "n30", "3/10 2/20 net 45"): discount tier ``p/d`` applies when paid on or
  before invoice date + d; the net amount is due on invoice date + net days. Each discount period must be shorter
  than the net period.
- **Due on receipt**, **COD**, **CIA**: due on the invoice date itself; they are the same terms as "net 0".
- **EOM dating** ("1/10 EOM", "net 30 EOM", "2/10 net 30 EOM"): the discount and the net periods both start at
  the end of the invoice month (its last day): tier ``p/d`` applies through month end + d, and the net amount is
  due month end + net days — "2/10 net 30 EOM" is due on the same day as "net 30 EOM", the discount only adds an
  earlier option. A discount with no net stated ("1/10 EOM") is due 20 days after the discount period: the same
  terms as "1/10 net 30 EOM". Sources: end-of-month dating, "the discount and credit periods both begin at the end
  of the month in the invoice date" (celecoxibcelebrex.tk, quoting a business-math text, 2/10, n/30, EOM);
  "Net 30 EOM: the 30-day clock starts at month-end" (businessdaycalculator.org, EOM payment terms, June 2026);
  the Monash/AMA dictionary entry (monash.edu, end-of-month dating) states the same rule ("the cash discount and
  the net credit periods begin on the first day of the following month"); its worked example, which counts the
  net period from the end of the discount period, is not followed.
- **Prox dating** ("2/10 prox net 30", "net 10th prox"): *proximo mense*, the next month. ``p/d prox`` means the
  discount applies through day d of the month after the invoice month; "net Nth prox" (or "net N prox") means due
  on day N of that month; "prox net N" means due N days after the 1st of that month (a June invoice on "2/10 prox
  net 30": discount through July 10, due July 31). A day that the month lacks is clamped to its last day (day 31 of
  February → Feb 28/29). With "net Nth prox", the discounts are prox days too. Sources: reference.com and
  scimplified.com ("Net 10th Prox": due on or before the 10th of the following month; "2% 10th Prox Net 30");
  celecoxibcelebrex.tk (prox, "the next", with EOM dating).
- **26th-of-the-month rule** (off by default; Settings EomCutoffDay): with ``cutoff_day=25``, an EOM- or
  prox-dated invoice dated after the 25th is treated as dated the 1st of the following month, so that its periods
  count from the end of the next month. Invoice-dated terms ignore it. Source: "End-of-month invoices dated after
  the 25th of the month are considered to be dated on the first of the following month"
  (design-marketing-dictionary.blogspot.com, end-of-month dating); businessdictionary.com (EOM dating).
- The due date is never before the invoice date.
- **discount**: amount × pct of the tier whose deadline covers the payment date (with two tiers, the first one
  still open: the earliest deadline, biggest pct), else 0; paying on the deadline earns it, the day after does not.
  Payments before the invoice date earn the first tier. Amounts ≤ 0 (credit notes) get no discount. Rounded half
  up to the currency's minor unit (2 places when no currency is given).
- **discount_apr**: the cost, in percent a year, of skipping a discount tier and paying at the next option
  instead: the next tier (it pays p₂ % less than the invoice a few days later) or, after the last tier, the net
  due date. Skipping tier p₁ for tier p₂: (p₁ − p₂)/(100 − p₁) over d₂ − d₁ days — the buyer pays (100 − p₂)
  instead of (100 − p₁), that much later. Skipping the last tier p: p/(100 − p) over the days to the net date.
  Simple: rate × basis / days × 100; compound: ((1 + rate) ^ (basis / days) − 1) × 100. Days are the nominal
  day counts of the rules above ("2/10 net 30 EOM" → 20 days, "2/10 net 25th prox" → 15, "2/10 prox net 30" →
  21). For "3/10 2/20 net 45", skipping the 3 % costs 1/97 over 10 days (37.6 % simple), not 3/97 over 35 days:
  the 2 % tier is still open. Source: the cost of trade credit, d/(1 − d) × B/(z − y) (domain-rules §2,
  brainmass.com), applied to the increment between two tiers. Terms without a discount have no such cost: None
  (NaN in columns).
- **dynamic_discount**: amount × apr/100 × days_early / basis (Oracle's sliding scale); 0 when not paid early or
  for amounts ≤ 0.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from arcollect.engine.columns import Shape, amounts, broadcast, dates, is_scalar, texts
from arcollect.engine.money import minor_units, minor_units_array, round_money, to_decimal
from arcollect.errors import InputError

logger = logging.getLogger(__name__)

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


_DATING_CODE = {Dating.INVOICE: 0, Dating.EOM: 1, Dating.PROX: 2}


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
            if tier.days >= _net_day(t) and t.dating is Dating.INVOICE:
                return f"the discount period ({tier.days} days) must be shorter than the net period ({t.net_days} days)"
            if tier.days >= _net_day(t):
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


def _net_day(t: Terms) -> int:
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


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


# ---- columns of terms → per-row parameters ------------------------------------------------------------------


@dataclass(frozen=True)
class _RowTerms:
    """Each row's terms as numpy columns; dating is 0 invoice, 1 EOM, 2 prox, −1 where terms are missing."""

    dating: np.ndarray
    net_days: np.ndarray
    net_day_of_month: np.ndarray
    last_discount_days: np.ndarray  # 0 without a discount
    tier_days: list[np.ndarray]  # one column per tier position; 0 where a row has fewer tiers
    tier_percent: list[np.ndarray]  # NaN where a row has fewer tiers


def _distinct_terms(t: Any) -> tuple[np.ndarray, list[Terms]]:
    """Codes into a list of distinct `Terms` (−1 for missing), parsing each distinct text once."""
    if is_scalar(t):
        if not _present(t) or (isinstance(t, str) and not t.strip()):
            return np.asarray(-1), []
        return np.asarray(0), [parse(t)]
    codes, uniques = _factorize(texts(t).reshape(-1))
    remap = np.full(len(uniques) + 1, -1, dtype="int64")
    distinct: dict[Terms, int] = {}
    bad: list[str] = []
    for position, value in enumerate(uniques):
        if (not isinstance(value, Terms) and pd.isna(value)) or (isinstance(value, str) and not value.strip()):
            continue
        try:
            terms_value = parse(value)
        except InputError as exc:
            bad.append(str(exc))
            continue
        remap[position] = distinct.setdefault(terms_value, len(distinct))
    if bad:
        more = f" (and {len(bad) - 1} more distinct bad terms)" if len(bad) > 1 else ""
        raise InputError(bad[0] + more)
    return remap[codes], list(distinct)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize`, except that a column of parsed `Terms` is factorized by object identity.

    Such a column (`arcollect.engine.pricing` keeps one) repeats the few objects `parse_column` made, and hashing a
    frozen dataclass runs Python code for every row — seconds at a million invoices. Identical objects are equal,
    so codes by identity are correct; equal objects that are not identical only cost an extra `parse`.
    """
    sample = next((value for value in values[:1000] if _present(value)), None)
    if not isinstance(sample, Terms):
        return pd.factorize(values)
    codes, ids = pd.factorize(np.fromiter(map(id, values), dtype="int64", count=len(values)))
    # Codes are numbered in order of first appearance, so their running maximum finds each one's first row.
    first = np.searchsorted(np.maximum.accumulate(codes), np.arange(len(ids)))
    return codes, values[first]


def _row_terms(codes: np.ndarray, distinct: list[Terms]) -> _RowTerms:
    """Gather each row's parameters from a small table of the distinct terms; its extra last row serves −1."""
    width = max([1, *(len(t.discounts) for t in distinct)])
    table = [
        (_DATING_CODE[t.dating], t.net_days, t.net_day_of_month, t.discounts[-1].days if t.discounts else 0)
        for t in distinct
    ]
    dating, net_days, net_dom, last_days = np.array([*table, (-1, 0, 0, 0)], dtype="int64").T
    tier_days = np.zeros((len(distinct) + 1, width), dtype="int64")
    tier_percent = np.full((len(distinct) + 1, width), np.nan)
    for row, t in enumerate(distinct):
        for column, tier in enumerate(t.discounts):
            tier_days[row, column], tier_percent[row, column] = tier.days, float(tier.percent)
    return _RowTerms(
        dating[codes],
        net_days[codes],
        net_dom[codes],
        last_days[codes],
        [tier_days[:, column][codes] for column in range(width)],
        [tier_percent[:, column][codes] for column in range(width)],
    )


# ---- date arithmetic on whole arrays, as int64 day numbers (rows with a NaT date are masked at the end) ------

_NAT_DAY = np.iinfo(np.int64).min


def _month_ends(invoice: np.ndarray, rows: _RowTerms, cutoff_day: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Last day of the month the EOM/prox periods start from, and last day of the month after it.

    Day N of the next month is then ``min(month_end + N, next_month_end)``: clamped when the month is short.
    """
    month = invoice.astype("datetime64[M]")
    if cutoff_day is not None:
        day_in_month = invoice.view("int64") - month.astype("datetime64[D]").view("int64")
        month = month + ((rows.dating > 0) & (day_in_month >= cutoff_day)).astype("int64")
    month_end = (month + 1).astype("datetime64[D]").view("int64") - 1
    next_month_end = (month + 2).astype("datetime64[D]").view("int64") - 1
    return month_end, next_month_end


def _tier_deadlines(invoice: np.ndarray, rows: _RowTerms, cutoff_day: int | None) -> list[np.ndarray]:
    """Inclusive deadline (int64 day) of each tier position; _NAT_DAY where a row lacks that tier."""
    month_end, next_month_end = _month_ends(invoice, rows, cutoff_day)
    start = np.where(rows.dating == 0, invoice.view("int64"), month_end)
    deadlines = []
    for days, percent in zip(rows.tier_days, rows.tier_percent, strict=True):
        deadline = start + days
        deadline = np.where(rows.dating == 2, np.minimum(deadline, next_month_end), deadline)
        deadlines.append(np.where(np.isfinite(percent), deadline, _NAT_DAY))
    return deadlines


def _as_dates(days: np.ndarray, valid: np.ndarray) -> np.ndarray:
    return np.where(valid, days, _NAT_DAY).view("datetime64[D]")


def _due_dates(invoice: np.ndarray, rows: _RowTerms, cutoff_day: int | None) -> np.ndarray:
    month_end, next_month_end = _month_ends(invoice, rows, cutoff_day)
    on_day_of_month = np.minimum(month_end + rows.net_day_of_month, next_month_end)
    # EOM: net days after the month's end; prox: net days after the 1st of the next month (month end + 1).
    after_month = month_end + rows.net_days + (rows.dating == 2)
    month_dated = np.where(rows.net_day_of_month > 0, on_day_of_month, after_month)
    due = np.where(rows.dating == 0, invoice.view("int64") + rows.net_days, month_dated)
    return _as_dates(due, (rows.dating >= 0) & ~np.isnat(invoice))


def _prepare(t: Any, *columns: np.ndarray) -> tuple[_RowTerms, list[np.ndarray], tuple[int, ...]]:
    codes, distinct = _distinct_terms(t)
    broadcast_columns = broadcast(codes, *columns)
    shape = broadcast_columns[0].shape
    flat = [np.ascontiguousarray(column).reshape(-1) for column in broadcast_columns]
    return _row_terms(flat[0], distinct), flat[1:], shape


def _wrap_dates(shape: Shape, days: np.ndarray) -> Any:
    # pandas stores dates at second resolution; converting here is cheap, inside the Series constructor it is not.
    return shape.wrap(days.astype("datetime64[s]") if shape.index is not None else days, kind="date")


def due_date(t: Any, invoice_date: Any, *, cutoff_day: int | None = None) -> Any:
    """The date the net amount is due under the module's rules; never before the invoice date.

    `cutoff_day` (e.g. 25) turns on the EOM cutoff convention: EOM/prox invoices dated after that day of the
    month count as dated the 1st of the next month.
    """
    shape = Shape.of(t, invoice_date)
    rows, (invoice,), dims = _prepare(t, dates(invoice_date, "invoice date"))
    return _wrap_dates(shape, _due_dates(invoice, rows, cutoff_day).reshape(dims))


def discount_deadline(t: Any, invoice_date: Any, *, cutoff_day: int | None = None) -> Any:
    """The last day (inclusive) the first, best discount applies; None (NaT in columns) when there is none."""
    shape = Shape.of(t, invoice_date)
    rows, (invoice,), dims = _prepare(t, dates(invoice_date, "invoice date"))
    first = _tier_deadlines(invoice, rows, cutoff_day)[0]
    return _wrap_dates(shape, _as_dates(first, (first != _NAT_DAY) & ~np.isnat(invoice)).reshape(dims))


def _digits(currency: Any) -> int | np.ndarray:
    if currency is None:
        return 2
    if is_scalar(currency):
        return minor_units(currency)
    return minor_units_array(currency)


def discount(
    amount: Any,
    t: Any,
    invoice_date: Any,
    pay_date: Any,
    *,
    currency: Any = None,
    cutoff_day: int | None = None,
) -> Any:
    """The discount earned if `amount` is paid on `pay_date`: amount × pct of the tier still open, else 0.

    Paying on a deadline earns that tier; the day after does not. Amounts ≤ 0 (credit notes) earn nothing.
    Rounded half up to the currency's minor unit (2 places without a currency). Missing amount, dates or terms
    give None (NaN in columns).
    """
    shape = Shape.of(amount, t, invoice_date, pay_date, currency)
    rows, (money, invoice, paid, digits), dims = _prepare(
        t,
        amounts(amount),
        dates(invoice_date, "invoice date"),
        dates(pay_date, "payment date"),
        np.asarray(_digits(currency)),
    )
    paid_day = paid.view("int64")
    percent = np.zeros(len(money))
    deadlines = _tier_deadlines(invoice, rows, cutoff_day)
    for deadline, tier_percent in reversed(list(zip(deadlines, rows.tier_percent, strict=True))):
        percent = np.where((paid_day <= deadline) & (deadline != _NAT_DAY), tier_percent, percent)
    value = np.where(money > 0, money * percent / 100, 0.0)
    missing = np.isnan(money) | np.isnat(invoice) | np.isnat(paid) | (rows.dating < 0)
    value = round_money(np.where(missing, np.nan, value), digits).reshape(dims)
    if shape.scalar:
        return to_decimal(float(value.reshape(-1)[0]), int(digits[0]))
    return shape.wrap(value, kind="float")


def discount_apr(t: Any, basis: int = 365, method: str = "simple", *, tier: int = 1) -> Any:
    """Annual cost, in percent, of skipping discount tier `tier` (1 = the first) for the next option; None (NaN in
    columns) for terms without that tier.

    The next option is the next tier, or the net due date after the last one (see the module rules): for
    "3/10 2/20 net 45" the first tier costs (3 − 2)/97 over 10 days, the second 2/98 over 25 days. method
    "simple": rate × basis / days × 100; "compound": ((1 + rate) ^ (basis / days) − 1) × 100.
    """
    if method not in ("simple", "compound"):
        raise InputError(f"APR method '{method}' is not known — use 'simple' or 'compound'")
    if not basis or basis <= 0:
        raise InputError(f"day-count basis {basis!r} must be a positive number of days, e.g. 365 or 360")
    if tier < 1:
        raise InputError(f"discount tier {tier!r} does not exist — tiers count from 1")
    shape = Shape.of(t)
    codes, distinct = _distinct_terms(t)
    table = np.full(len(distinct) + 1, np.nan)
    for row, terms_value in enumerate(distinct):
        tiers = terms_value.discounts
        if len(tiers) < tier:
            continue
        here = tiers[tier - 1]
        percent = float(here.percent)
        if tier < len(tiers):
            later = tiers[tier]
            rate = (percent - float(later.percent)) / (100 - percent)
            days = later.days - here.days
        else:
            rate = percent / (100 - percent)
            days = _net_day(terms_value) - here.days
        periods = basis / days
        if method == "simple":
            table[row] = rate * periods * 100
        else:  # 99.999/1 net 2 compounds past the largest float: infinite, not an OverflowError
            with np.errstate(over="ignore"):
                table[row] = (np.power(1 + rate, periods) - 1) * 100
    return shape.wrap(table[codes], kind="float")


def dynamic_discount(amount: Any, days_early: Any, apr_pct: Any, basis: int = 360, *, currency: Any = None) -> Any:
    """Sliding-scale discount: amount × apr/100 × days_early / basis, rounded half up to the minor unit.

    0 when not paid early (days_early ≤ 0) and for amounts ≤ 0; None (NaN in columns) for missing inputs.
    """
    if not basis or basis <= 0:
        raise InputError(f"day-count basis {basis!r} must be a positive number of days, e.g. 360 or 365")
    shape = Shape.of(amount, days_early, apr_pct, currency)
    money, days, apr, digits = broadcast(
        amounts(amount), amounts(days_early, "days early"), amounts(apr_pct, "APR"), np.asarray(_digits(currency))
    )
    value = np.where((money > 0) & (days > 0), money * apr / 100 * days / basis, 0.0)
    value = round_money(np.where(np.isnan(money) | np.isnan(days) | np.isnan(apr), np.nan, value), digits)
    if shape.scalar:
        return to_decimal(float(value.reshape(-1)[0]), int(digits.reshape(-1)[0]))
    return shape.wrap(value, kind="float")
