"""Payment terms: parsing, due dates, discount deadlines and amounts, the cost of a discount.

Worked examples cite their source; "domain-rules" is docs/DOMAIN-RULES.md, section 2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import terms
from arcollect.engine.terms import Dating, DiscountTier, Terms
from arcollect.errors import InputError

D = dt.date


# ---- parsing ------------------------------------------------------------------------------------------------

TWO_TEN_NET_30 = Terms((DiscountTier(Decimal(2), 10),), 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("net 30", Terms(net_days=30)),
        ("n30", Terms(net_days=30)),
        ("NET30", Terms(net_days=30)),
        ("Net 30 days", Terms(net_days=30)),
        ("2/10 net 30", TWO_TEN_NET_30),
        ("2/10 n/30", TWO_TEN_NET_30),
        ("2/10, net 30", TWO_TEN_NET_30),
        ("  2 / 10   NET   30 ", TWO_TEN_NET_30),
        ("2% 10 net 30", TWO_TEN_NET_30),
        ("1/10 EOM", Terms((DiscountTier(1, 10),), 30, Dating.EOM)),
        ("net 30 EOM", Terms(net_days=30, dating=Dating.EOM)),
        ("2/10 net 20 EOM", Terms((DiscountTier(2, 10),), 20, Dating.EOM)),
        ("2/10 prox net 30", Terms((DiscountTier(2, 10),), 30, Dating.PROX)),
        ("net 10th prox", Terms(dating=Dating.PROX, net_day_of_month=10)),
        ("3/10 2/20 net 45", Terms((DiscountTier(3, 10), DiscountTier(2, 20)), 45)),
        ("1.5/10 net 30", Terms((DiscountTier(Decimal("1.5"), 10),), 30)),
    ],
)
def test_parse_understands_the_usual_trade_notations(text: str, expected: Terms) -> None:
    assert terms.parse(text) == expected


@pytest.mark.parametrize("text", ["due on receipt", "Due upon receipt", "CIA", "COD", "c.o.d.", "net 0"])
def test_receipt_cod_and_cia_are_all_due_on_the_invoice_date(text: str) -> None:
    assert terms.parse(text) == Terms()
    assert terms.due_date(text, D(2026, 3, 5)) == D(2026, 3, 5)


def test_eom_discount_without_net_is_due_twenty_days_after_the_discount_period() -> None:
    assert terms.parse("1/10 EOM") == terms.parse("1/10 net 30 EOM")


def test_terms_are_hashable_and_comparable() -> None:
    assert len({terms.parse("net 30"), terms.parse("n30"), terms.parse("net 60")}) == 2
    assert sorted([terms.parse("net 60"), terms.parse("net 30")])[0] == terms.parse("net 30")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2/10 n/30", "2/10 net 30"),
        ("1/10 eom", "1/10 net 30 EOM"),
        ("2/10 PROX NET 30", "2/10 prox net 30"),
        ("net 1st prox", "net 1st prox"),
        ("net 22 prox", "net 22nd prox"),
        ("COD", "due on receipt"),
        ("1.50/10 net 30", "1.5/10 net 30"),
        ("3/10 2/20 net 45", "3/10 2/20 net 45"),
    ],
)
def test_format_gives_canonical_text_that_parses_back(text: str, canonical: str) -> None:
    parsed = terms.parse(text)
    assert terms.format(parsed) == canonical == str(parsed)
    assert terms.parse(canonical) == parsed


def test_parse_passes_terms_through() -> None:
    assert terms.parse(TWO_TEN_NET_30) is TWO_TEN_NET_30


def test_misspelt_terms_are_not_understood_and_the_nearest_valid_form_is_suggested() -> None:
    # The message is the founding design's own example of a suggestion.
    with pytest.raises(InputError, match=r"Payment terms '2/10 nett 30' not understood — try '2/10 net 30'"):
        terms.parse("2/10 nett 30")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("due on reciept", "due on receipt"), ("net 30 eon", "net 30 EOM"), ("2/10 proxx net 30", "2/10 prox net 30")],
)
def test_suggestions_are_checked_by_parsing_them(text: str, suggestion: str) -> None:
    with pytest.raises(InputError, match=f"not understood — try '{suggestion}'"):
        terms.parse(text)


def test_gibberish_lists_example_forms_instead_of_a_suggestion() -> None:
    with pytest.raises(InputError, match=r"'xyzzy' not understood — write them like 'net 30', '2/10 net 30'"):
        terms.parse("xyzzy")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2/30 net 10", "discount period .30 days. must be shorter than the net period .10 days."),
        ("2/30 net 30", "must be shorter than the net period"),
        ("3/10 4/20 net 45", "biggest discount"),
        ("2/20 3/10 net 45", "earliest deadline"),
        ("100/10 net 30", "less than 100%"),
        ("2/10", "no net period"),
        ("2/25th prox net 10th prox", "must come before the net day"),
    ],
)
def test_senseless_terms_are_rejected_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=f"Payment terms '{text}' cannot be used: .*{reason}"):
        terms.parse(text)


@pytest.mark.parametrize("value", ["", "   ", None, 30])
def test_empty_or_non_text_terms_raise_input_error(value: object) -> None:
    with pytest.raises(InputError, match="Payment terms"):
        terms.parse(value)  # type: ignore[arg-type]


def test_parse_column_reports_every_bad_row_and_never_raises() -> None:
    column = pd.Series(["net 30", "nett 30", "", None, "2/30 net 10", "net 30"], index=[10, 11, 12, 13, 14, 15])
    parsed, problems = terms.parse_column(column)
    assert parsed.index.tolist() == column.index.tolist()
    assert parsed[10] == parsed[15] == Terms(net_days=30)
    assert parsed[[11, 12, 13, 14]].isna().all()
    assert [(label, text) for label, text, _ in problems] == [(11, "nett 30"), (14, "2/30 net 10")]
    assert "try 'net 30'" in problems[0][2]
    assert "must be shorter" in problems[1][2]


def test_parse_column_accepts_a_plain_list() -> None:
    parsed, problems = terms.parse_column(["COD", "net 60"])
    assert parsed.tolist() == [Terms(), Terms(net_days=60)]
    assert problems == []


# ---- due dates and discount deadlines -----------------------------------------------------------------------


def test_invoice_dated_terms_count_from_the_invoice_date() -> None:
    assert terms.due_date("2/10 net 30", D(2026, 3, 5)) == D(2026, 4, 4)
    assert terms.discount_deadline("2/10 net 30", D(2026, 3, 5)) == D(2026, 3, 15)


def test_eom_discount_and_net_periods_both_count_from_the_end_of_the_month() -> None:
    # "In end-of-month dating, the discount and credit periods both begin at the end of the month in the invoice
    # date" (2/10, n/30, EOM); businessdaycalculator.org: "Net 30 EOM: the 30-day clock starts at month-end".
    # A June 16 invoice: discount through July 10, net due July 30 — the discount does not push the due date.
    assert terms.discount_deadline("2/10 net 30 EOM", D(2026, 6, 16)) == D(2026, 7, 10)
    assert terms.due_date("2/10 net 30 EOM", D(2026, 6, 16)) == D(2026, 7, 30)
    assert terms.due_date("2/10 net 30 EOM", D(2026, 6, 16)) == terms.due_date("net 30 EOM", D(2026, 6, 16))
    assert terms.due_date("2/10 net 20 EOM", D(2026, 6, 16)) == D(2026, 7, 20)


def test_net_30_eom_is_30_days_after_the_end_of_the_invoice_month() -> None:
    # domain-rules §2 (investidorpetrobras): July 15 → due 30 days after July 31.
    assert terms.due_date("net 30 EOM", D(2026, 7, 15)) == D(2026, 8, 30)


def test_net_30_eom_from_january_31_in_a_leap_year_lands_on_march_1() -> None:
    assert terms.due_date("net 30 EOM", D(2024, 1, 31)) == D(2024, 3, 1)
    assert terms.due_date("net 30 EOM", D(2023, 1, 31)) == D(2023, 3, 2)


def test_invoice_dated_on_leap_day() -> None:
    assert terms.due_date("net 30", D(2024, 2, 29)) == D(2024, 3, 30)
    assert terms.due_date("net 30 EOM", D(2024, 2, 29)) == D(2024, 3, 30)
    assert terms.discount_deadline("2/10 prox net 30", D(2024, 2, 29)) == D(2024, 3, 10)


def test_eom_on_the_31st_counts_from_that_same_day() -> None:
    assert terms.discount_deadline("1/10 EOM", D(2026, 3, 31)) == D(2026, 4, 10)
    assert terms.due_date("1/10 EOM", D(2026, 3, 31)) == D(2026, 4, 30)


def test_prox_discount_runs_to_the_10th_and_net_30_days_after_the_1st_of_the_following_month() -> None:
    # "2/10 prox net 30": 2 % off through the 10th of the next month (proximo mense), the net amount due 30 days
    # after the 1st of that month — for a June 16 invoice, July 1 + 30 days = July 31.
    assert terms.discount_deadline("2/10 prox net 30", D(2026, 6, 16)) == D(2026, 7, 10)
    assert terms.due_date("2/10 prox net 30", D(2026, 6, 16)) == D(2026, 7, 31)
    assert terms.due_date("2/10 prox net 30", D(2026, 1, 31)) == D(2026, 3, 3)  # Feb 1 + 30 days


def test_the_26th_of_the_month_rule_moves_late_invoices_to_the_next_month() -> None:
    # design-marketing-dictionary: EOM invoices dated after the 25th count as dated the 1st of the next month.
    assert terms.due_date("net 30 EOM", D(2026, 6, 26)) == D(2026, 7, 30)
    assert terms.due_date("net 30 EOM", D(2026, 6, 26), cutoff_day=25) == D(2026, 8, 30)
    assert terms.due_date("2/10 prox net 30", D(2026, 6, 26), cutoff_day=25) == D(2026, 8, 31)
    assert terms.due_date("net 30 EOM", D(2026, 6, 25), cutoff_day=25) == D(2026, 7, 30)


def test_prox_in_december_rolls_into_january_of_the_next_year() -> None:
    assert terms.due_date("net 10th prox", D(2026, 12, 31)) == D(2027, 1, 10)
    assert terms.discount_deadline("2/10 prox net 30", D(2026, 12, 1)) == D(2027, 1, 10)


def test_net_10th_prox_is_due_on_the_10th_of_the_next_month() -> None:
    # domain-rules §2 (investidorpetrobras): "Net 10th prox" = the 10th of the month after the invoice month.
    assert terms.due_date("net 10th prox", D(2026, 5, 2)) == D(2026, 6, 10)


def test_prox_day_missing_from_the_month_clamps_to_its_last_day() -> None:
    assert terms.due_date("net 31st prox", D(2024, 1, 15)) == D(2024, 2, 29)
    assert terms.due_date("net 31st prox", D(2023, 1, 15)) == D(2023, 2, 28)
    assert terms.due_date("net 31st prox", D(2023, 3, 15)) == D(2023, 4, 30)


def test_due_on_receipt_is_due_today() -> None:
    assert terms.due_date("due on receipt", D(2026, 1, 1)) == D(2026, 1, 1)


def test_eom_cutoff_is_off_by_default_and_treats_late_invoices_as_next_month_when_on() -> None:
    # domain-rules §2: invoices dated after the 25th count as dated the 1st of the next month.
    assert terms.due_date("net 30 EOM", D(2026, 1, 26)) == D(2026, 3, 2)
    assert terms.due_date("net 30 EOM", D(2026, 1, 26), cutoff_day=25) == D(2026, 3, 30)
    assert terms.due_date("net 30 EOM", D(2026, 1, 25), cutoff_day=25) == D(2026, 3, 2)
    assert terms.discount_deadline("2/10 prox net 30", D(2026, 1, 26), cutoff_day=25) == D(2026, 3, 10)
    assert terms.due_date("net 30", D(2026, 1, 26), cutoff_day=25) == D(2026, 2, 25)


def test_terms_without_discount_have_no_deadline() -> None:
    assert terms.discount_deadline("net 30", D(2026, 1, 1)) is None


def test_missing_dates_and_terms_give_none() -> None:
    assert terms.due_date("net 30", None) is None
    assert terms.due_date(None, D(2026, 1, 1)) is None
    assert terms.discount_deadline("2/10 net 30", pd.NaT) is None


def test_series_in_keeps_the_index_and_mixes_texts_terms_and_gaps() -> None:
    column = pd.Series(["net 30", terms.parse("2/10 net 30"), None, "1/10 EOM"], index=["a", "b", "c", "d"])
    due = terms.due_date(column, D(2026, 1, 15))
    assert due.index.tolist() == ["a", "b", "c", "d"]
    assert due.tolist()[:2] == [pd.Timestamp("2026-02-14")] * 2
    assert pd.isna(due["c"])
    assert due["d"] == pd.Timestamp("2026-03-02")


def test_list_of_mixed_texts_gives_a_numpy_date_array() -> None:
    due = terms.due_date(["net 30", "COD", "net 10th prox"], ["2026-01-01", "2026-02-01", None])
    assert due.dtype == np.dtype("datetime64[D]")
    assert due[:2].tolist() == [D(2026, 1, 31), D(2026, 2, 1)]
    assert np.isnat(due[2])


def test_a_bad_text_in_a_column_raises_naming_it() -> None:
    with pytest.raises(InputError, match="'nett 30' not understood"):
        terms.due_date(["net 30", "nett 30"], D(2026, 1, 1))


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(InputError, match="different lengths"):
        terms.due_date(["net 30", "net 60"], [D(2026, 1, 1)] * 3)


# ---- discount amount ----------------------------------------------------------------------------------------


def test_paying_on_the_deadline_earns_the_discount_and_the_day_after_does_not() -> None:
    assert terms.discount(1000, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 11)) == Decimal("20.00")
    assert terms.discount(1000, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 12)) == Decimal("0.00")


def test_two_tiers_apply_the_tier_whose_deadline_covers_the_payment() -> None:
    tiers = "3/10 2/20 net 45"
    assert terms.discount(1000, tiers, D(2026, 1, 1), D(2026, 1, 11)) == Decimal("30.00")
    assert terms.discount(1000, tiers, D(2026, 1, 1), D(2026, 1, 12)) == Decimal("20.00")
    assert terms.discount(1000, tiers, D(2026, 1, 1), D(2026, 1, 21)) == Decimal("20.00")
    assert terms.discount(1000, tiers, D(2026, 1, 1), D(2026, 1, 22)) == Decimal("0.00")


def test_eom_discount_follows_the_ama_deadline() -> None:
    # AMA example (see above): discount through July 10 for a June 16 order.
    assert terms.discount(500, "2/10 net 20 EOM", D(2026, 6, 16), D(2026, 7, 10)) == Decimal("10.00")
    assert terms.discount(500, "2/10 net 20 EOM", D(2026, 6, 16), D(2026, 7, 11)) == Decimal("0.00")


def test_credit_notes_and_zero_amounts_get_no_discount() -> None:
    assert terms.discount(-1000, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 2)) == Decimal("0.00")
    assert terms.discount(0, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 2)) == Decimal("0.00")


def test_discount_rounds_half_up_to_the_currency_minor_unit() -> None:
    assert terms.discount(100.25, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 2)) == Decimal("2.01")
    assert terms.discount(12345, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 2), currency="JPY") == Decimal("247")
    assert terms.discount(1234.5, "1/10 net 30", D(2026, 1, 1), D(2026, 1, 2), currency="BHD") == Decimal("12.345")


def test_discount_with_decimal_percentage() -> None:
    assert terms.discount(Decimal("1000.00"), "1.5/10 net 30", D(2026, 1, 1), D(2026, 1, 5)) == Decimal("15.00")


def test_missing_inputs_give_none_or_nan() -> None:
    assert terms.discount(None, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 2)) is None
    assert terms.discount(100, "2/10 net 30", D(2026, 1, 1), None) is None
    assert terms.discount(100, None, D(2026, 1, 1), D(2026, 1, 2)) is None
    column = terms.discount([np.nan, 100], "2/10 net 30", [D(2026, 1, 1), pd.NaT], D(2026, 1, 2))
    assert np.isnan(column).all()


def test_discount_series_keeps_index_and_takes_a_currency_column() -> None:
    amount = pd.Series([1000.0, 12345.0, -5.0], index=[7, 8, 9])
    result = terms.discount(amount, "2/10 net 30", D(2026, 1, 1), D(2026, 1, 5), currency=["EUR", "JPY", "EUR"])
    assert result.index.tolist() == [7, 8, 9]
    assert result.tolist() == [20.0, 247.0, 0.0]


def test_pay_before_the_invoice_date_earns_the_first_tier() -> None:
    assert terms.discount(1000, "3/10 2/20 net 45", D(2026, 1, 10), D(2026, 1, 1)) == Decimal("30.00")


# ---- cost of skipping a discount ----------------------------------------------------------------------------


def test_simple_apr_of_2_10_net_30() -> None:
    # domain-rules §2 (brainmass): 2/98 × 365/20 = 37.24 %; 36.73 % with a 360-day basis.
    assert terms.discount_apr("2/10 net 30") == pytest.approx(37.24, abs=0.005)
    assert terms.discount_apr("2/10 net 30", basis=360) == pytest.approx(36.73, abs=0.005)


def test_simple_apr_of_3_15_net_60_at_360() -> None:
    # domain-rules §2 (qammunity 6414539): 24.74 %.
    assert terms.discount_apr("3/15 net 60", basis=360) == pytest.approx(24.74, abs=0.005)


def test_simple_apr_of_2_12_net_35() -> None:
    # domain-rules §2 (smartsolve): 2/12 n35 = 32.4 %.
    assert terms.discount_apr("2/12 net 35") == pytest.approx(32.4, abs=0.05)


def test_compound_apr_examples() -> None:
    # domain-rules §2 (analystforum): 2/10 n50 = 20.24 %; 2/20 n45 = 34.3 %.
    assert terms.discount_apr("2/10 net 50", method="compound") == pytest.approx(20.24, abs=0.005)
    assert terms.discount_apr("2/20 net 45", method="compound") == pytest.approx(34.3, abs=0.05)


def test_apr_of_eom_and_prox_terms_uses_the_days_between_the_discount_and_the_net_date() -> None:
    # "2/10 net 30 EOM": discount through month end + 10, net due month end + 30: 20 days, as for 2/10 net 30.
    assert terms.discount_apr("2/10 net 30 EOM") == pytest.approx(terms.discount_apr("2/10 net 30"))
    assert terms.discount_apr("2/10 net 25th prox") == pytest.approx(2 / 98 * 365 / 15 * 100)
    # "2/10 prox net 30": discount through the 10th, net due the 1st + 30 days = day 31 of that month: 21 days.
    assert terms.discount_apr("2/10 prox net 30") == pytest.approx(2 / 98 * 365 / 21 * 100)


def test_two_tier_apr_prices_each_tier_against_the_next_option() -> None:
    # Skipping 3 % at day 10 still leaves 2 % at day 20: the buyer pays 98 instead of 97, 10 days later.
    assert terms.discount_apr("3/10 2/20 net 45") == pytest.approx(1 / 97 * 365 / 10 * 100)  # 37.63 %
    # Skipping the 2 % at day 20 buys the 25 days to the net date.
    assert terms.discount_apr("3/10 2/20 net 45", tier=2) == pytest.approx(2 / 98 * 365 / 25 * 100)  # 29.80 %
    assert terms.discount_apr("2/10 net 30", tier=2) is None
    compound = terms.discount_apr("3/10 2/20 net 45", method="compound")
    assert compound == pytest.approx(((1 + 1 / 97) ** 36.5 - 1) * 100)


def test_terms_without_discount_have_no_apr() -> None:
    assert terms.discount_apr("net 30") is None
    result = terms.discount_apr(pd.Series(["net 30", "2/10 net 30"], index=[3, 4]))
    assert np.isnan(result[3])
    assert result[4] == pytest.approx(37.24, abs=0.005)


def test_apr_rejects_an_unknown_method_or_basis() -> None:
    with pytest.raises(InputError, match=r"simple.*compound"):
        terms.discount_apr("2/10 net 30", method="continuous")
    with pytest.raises(InputError, match="basis"):
        terms.discount_apr("2/10 net 30", basis=0)


# ---- dynamic discounting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_early", "apr", "expected"),
    [(7, 18, Decimal("35.00")), (7, 24, Decimal("46.67")), (14, 24, Decimal("93.33"))],
)
def test_oracle_dynamic_discount_examples(days_early: int, apr: int, expected: Decimal) -> None:
    # Oracle Payables, "Examples of Reviewing Early Payment Discount Offers", $10,000 (domain-rules §2).
    assert terms.dynamic_discount(10_000, days_early, apr) == expected


def test_dynamic_discount_12_pct_for_30_days_is_one_percent() -> None:
    # domain-rules §2: 12 % APR / 360 × 30 days = 1 %.
    assert terms.dynamic_discount(5000, 30, 12) == Decimal("50.00")


def test_dynamic_discount_is_zero_when_not_early_or_for_credit_notes() -> None:
    assert terms.dynamic_discount(10_000, 0, 24) == Decimal("0.00")
    assert terms.dynamic_discount(10_000, -3, 24) == Decimal("0.00")
    assert terms.dynamic_discount(-10_000, 7, 24) == Decimal("0.00")


def test_dynamic_discount_vectorised_with_currency() -> None:
    result = terms.dynamic_discount(pd.Series([10_000.0, 1_000_000.0], index=["x", "y"]), 7, 24, currency="JPY")
    assert result.index.tolist() == ["x", "y"]
    assert result.tolist() == [47.0, 4667.0]
    assert terms.dynamic_discount(None, 7, 24) is None
