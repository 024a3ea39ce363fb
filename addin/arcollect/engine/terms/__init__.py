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

By topic: `parser` (the `Terms` data and reading them from text), `deadlines` (due date and discount deadline:
the date arithmetic), `discounts` (discount amount, APR, dynamic discount). This package's namespace is the
public API; `arcollect.engine.phrases` reads European-language phrases in front of `parse_column`.
"""

from arcollect.engine.terms.deadlines import discount_deadline, due_date
from arcollect.engine.terms.discounts import discount, discount_apr, dynamic_discount
from arcollect.engine.terms.parser import (
    DEFAULT_NET_AFTER_DISCOUNT,
    MAX_DAYS,
    Dating,
    DiscountTier,
    Terms,
    format,
    parse,
    parse_column,
)

__all__ = [
    "DEFAULT_NET_AFTER_DISCOUNT",
    "MAX_DAYS",
    "Dating",
    "DiscountTier",
    "Terms",
    "discount",
    "discount_apr",
    "discount_deadline",
    "due_date",
    "dynamic_discount",
    "format",
    "parse",
    "parse_column",
]
