"""Statutory late interest, reference rates and fixed compensation (arcollect.engine.interest).

Worked examples cite their source; sources are listed in docs/DOMAIN-RULES.md section 1 and, per country, docs/LAW.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from arcollect.engine import interest
from arcollect.errors import ConfigError, InputError


def _exact(amount: str, *rate_days: tuple[str, int]) -> Decimal:
    """amount × Σ(rate × days) / (100 × 365), rounded half up to the cent: the reference formula by hand."""
    total = sum((Decimal(rate) * days for rate, days in rate_days), Decimal(0))
    return (Decimal(amount) * total / Decimal(36500)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- worked examples -----------------------------------------------------------------------------------------


def test_gov_uk_example_with_half_percent_base_rate_override_is_11_64_unrounded_per_day():
    # gov.uk "charging interest on a commercial debt": GBP 1,000 at 0.5 % base -> 8.5 %, 50 days. gov.uk rounds
    # the daily interest to 0.23 (GBP 11.50); rounding only the final amount gives 11.64.
    # 2024-03-01 + 50 days: 2-31 March (30) + 1-20 April (20).
    result = interest.late_interest(1000, "2024-03-01", "2024-04-20", "GB", reference_rate=0.5)
    assert result == Decimal("11.64")


def test_toolfy_example_two_thousand_pounds_45_days_at_13_25_is_32_67():
    # toolfy.io statutory interest calculator: GBP 2,000, base 5.25 % (+8 = 13.25 %), 45 days -> 32.67 exact
    # (Toolfy shows 32.66 from rounding 45/365). Base rate on 31 Dec 2023 = 5.25 (payontime) governs debts
    # overdue from 1 Jan 2024; 1 Feb-16 Mar 2024 is 29 + 16 = 45 days.
    assert interest.late_interest(2000, "2024-01-31", "2024-03-16", "GB") == Decimal("32.67")


def test_paidnice_example_five_thousand_pounds_101_days_at_12_25_is_169_49():
    # support.paidnice.com: GBP 5,000 at 12.25 %, 101 days -> 169.49 exact (Paidnice rounds the daily figure and
    # shows 169.68). Base 4.25 on 30 Jun 2025 (rossmartin) governs debts overdue from 1 Jul 2025;
    # 16 Jul-24 Oct 2025 is 16 + 31 + 30 + 24 = 101 days.
    assert interest.late_interest(5000, "2025-07-15", "2025-10-24", "GB") == Decimal("169.49")


def test_france_follows_bpifrance_formula_amount_times_rate_times_days_over_365():
    # bpifrance-creation.fr/boiteaoutils/taux-penalites-retard: intérêts = montant × taux × jours / 365;
    # H2 2024 rate 14.25 % (ECB 4.25 + 10). 30 days (1-30 Oct 2024): 10,000 × 14.25 × 30 / 36,500 = 117.123...
    result = interest.late_interest(10000, "2024-09-30", "2024-10-30", "FR")
    assert result == _exact("10000", ("14.25", 30)) == Decimal("117.12")


def test_germany_rate_changes_at_the_half_year_boundary_during_the_debt():
    # BGB §288(2) + §247: Basiszinssatz 3.62 (H1 2024) then 3.37 (H2 2024), + 9 -> 12.62 then 12.37.
    # Due 2024-05-31: 1-30 June = 30 days at 12.62, 1 July-31 August = 62 days at 12.37.
    # 1,000 × (12.62 × 30 + 12.37 × 62) / 36,500 = 1,000 × (378.60 + 766.94) / 36,500 = 31.3846... -> 31.38
    result = interest.late_interest(1000, "2024-05-31", "2024-08-31", "DE")
    assert result == _exact("1000", ("12.62", 30), ("12.37", 62)) == Decimal("31.38")


def test_german_consumer_rate_is_basiszinssatz_plus_5_and_has_no_40_euro_pauschale():
    # BGB §288(1): + 5 when a consumer is involved; §288(5) Pauschale only if the debtor is not a consumer.
    # (8.62 × 30 + 8.37 × 62) × 1,000 / 36,500 = 777.54 / 36.5 = 21.3025... -> 21.30
    result = interest.late_interest(1000, "2024-05-31", "2024-08-31", "DE", consumer=True)
    assert result == _exact("1000", ("8.62", 30), ("8.37", 62)) == Decimal("21.30")
    assert interest.fixed_compensation(1000, "DE", consumer=True) == (Decimal("0.00"), "EUR")
    assert interest.fixed_compensation(1000, "DE") == (Decimal("40.00"), "EUR")


def test_uk_rate_stays_fixed_for_the_life_of_the_debt_across_a_half_year_boundary():
    # Late Payment Act 1998 / Rate of Interest (No. 3) Order 2002: base rate on 31 Dec 2024 (4.75, rossmartin)
    # governs a debt overdue from 16 Jun 2025 for its whole life, although the 30 Jun 2025 rate was 4.25.
    # 16-30 June (15) + July (31) + 1-15 August (15) = 61 days, all at 12.75.
    result = interest.late_interest(1000, "2025-06-15", "2025-08-15", "GB")
    assert result == _exact("1000", ("12.75", 61)) == Decimal("21.31")


def test_uk_debt_keeps_its_fixed_rate_after_the_last_table_row():
    # Only the reference date before the debt starts matters (30 Jun 2026 base rate 3.75 -> 11.75 %).
    result = interest.late_interest(1000, "2026-12-15", "2027-02-01", "GB")
    assert result == _exact("1000", ("11.75", 48))


def test_netherlands_adds_unpaid_interest_to_principal_after_each_full_year():
    # BW 6:119a(3) (debloggendeadvocaat.nl; rechtnet.nl): after each year the interest joins the principal.
    # Due 2024-01-31, interest from 2024-02-01. Year 1 (2024-02-01..2025-01-31, 366 days, ACT/365):
    #   12.5 % × 151 days + 12.25 % × 184 days + 11.15 % × 31 days -> 10,000 × 4,487.15 / 36,500 = 1,229.3562
    # Year 2 from 2025-02-01 to 2025-03-02 (30 days at 11.15 %) on 11,229.3562: 102.9101
    # Total 1,332.2663 -> 1,332.27 (simple interest at the same ECB + 8 rates, as under Italian law: 1,321.00).
    assert interest.late_interest(10000, "2024-01-31", "2025-01-31", "NL") == Decimal("1229.36")
    assert interest.late_interest(10000, "2024-01-31", "2025-03-02", "NL") == Decimal("1332.27")
    assert interest.late_interest(10000, "2024-01-31", "2025-03-02", "IT") == Decimal("1321.00")


def test_ireland_uses_one_rate_fixed_on_the_payment_date_unlike_the_half_year_rule_of_italy():
    # enterprise.gov.ie FAQ: "only one ECB rate will apply to a late payment — the ECB rate in force on the
    # payment date". Due 30 Jun 2024 -> H1 2024 ECB 4.50 + 8 = 12.5 % for all 30 days; Italian law (D.Lgs.
    # 231/2002 art. 5, rate per half-year) uses 12.25 for those July days.
    assert interest.late_interest(1000, "2024-06-30", "2024-07-30", "IE") == _exact("1000", ("12.5", 30))
    assert interest.late_interest(1000, "2024-06-30", "2024-07-30", "IT") == _exact("1000", ("12.25", 30))


def test_leap_day_counts_as_a_day_and_the_year_still_has_365_days():
    # ACT/365: 16-29 Feb 2024 (14 days incl. the 29th) + 1-15 Mar (15) = 29 days at 12.62 %.
    assert interest.late_interest(1000, "2024-02-15", "2024-03-15", "DE") == _exact("1000", ("12.62", 29))
    # A whole leap year earns 366/365 of the annual rate: 182 days at 12.5 + 184 at 12.25 (IT, ECB + 8).
    full_year = interest.late_interest(1000, "2023-12-31", "2024-12-31", "IT")
    assert full_year == _exact("1000", ("12.5", 182), ("12.25", 184)) == Decimal("124.08")


# ---- edges ---------------------------------------------------------------------------------------------------


def test_no_interest_when_due_today_or_not_yet_due():
    assert interest.late_interest(1000, "2024-05-31", "2024-05-31", "DE") == Decimal("0.00")
    assert interest.late_interest(1000, "2024-05-31", "2024-05-01", "DE") == Decimal("0.00")


def test_zero_or_negative_amount_earns_no_interest():
    assert interest.late_interest(-500, "2024-01-31", "2024-03-16", "GB") == Decimal("0.00")
    assert interest.late_interest(0, "2024-01-31", "2024-03-16", "GB") == Decimal("0.00")


def test_missing_dates_or_amount_give_none_for_scalars_and_nan_in_columns():
    assert interest.late_interest(1000, None, "2024-03-16", "GB") is None
    assert interest.late_interest(1000, "2024-01-31", pd.NaT, "GB") is None
    assert interest.late_interest(float("nan"), "2024-01-31", "2024-03-16", "GB") is None
    result = interest.late_interest([1000, None, 1000], ["2024-01-31", "2024-01-31", None], "2024-03-16", "GB")
    assert result[0] == 16.34
    assert np.isnan(result[1:]).all()


def test_series_input_keeps_its_index():
    amounts = pd.Series([2000.0, 5000.0], index=["INV-7", "INV-9"])
    result = interest.late_interest(amounts, "2024-01-31", "2024-03-16", "GB")
    assert list(result.index) == ["INV-7", "INV-9"]
    assert result["INV-7"] == 32.67


def test_mixed_jurisdiction_column_matches_each_jurisdiction_computed_alone():
    codes = ["DE", "FR", "GB", "NL", "ie", "AT", "IT", "ES"]
    due = pd.to_datetime(["2023-03-31", "2024-05-31", "2023-11-30", "2022-12-31"] * 2)
    as_of = pd.to_datetime(["2025-07-01", "2024-12-31", "2024-03-01", "2024-06-30"] * 2)
    result = interest.late_interest(np.full(8, 12345.67), due, as_of, codes)
    for row, code in enumerate(codes):
        alone = interest.late_interest(12345.67, due[row], as_of[row], code.upper())
        assert result[row] == float(alone)


def test_reference_rate_override_replaces_the_table_and_keeps_the_margin():
    # FR: 3.0 + 10 = 13 % for 30 days on 1,000 = 10.68 whatever the table says.
    result = interest.late_interest(1000, "2024-05-31", "2024-06-30", "FR", reference_rate=3.0)
    assert result == _exact("1000", ("13", 30))
    # Overrides also work past the end of the table: no ConfigError.
    assert interest.late_interest(1000, "2027-01-31", "2027-03-02", "DE", reference_rate=2) == _exact(
        "1000", ("11", 30)
    )


def test_currency_picks_the_minor_unit_of_the_result():
    result = interest.late_interest(200000, "2024-01-31", "2024-03-16", "GB", currency="JPY")
    assert result == Decimal("3267")


def test_amounts_too_large_for_int64_are_still_exact():
    amount = 10**13
    result = interest.late_interest(amount, "2024-09-30", "2024-10-30", "FR")
    assert result == _exact(str(amount), ("14.25", 30))


def test_a_law_without_a_statutory_rule_is_an_input_error_naming_the_covered_ones():
    with pytest.raises(InputError, match=r"no statutory late-payment rule for 'US'.*AT, BE, BG"):
        interest.late_interest(100, "2024-01-31", "2024-03-16", "US")


def test_the_directive_is_not_a_law_and_says_what_to_do_instead():
    with pytest.raises(InputError, match=r"'EU' is not a law.*'8 points over ECB'"):
        interest.late_interest(100, "2024-01-31", "2024-03-16", "EU")


def test_a_country_whose_rule_could_not_be_confirmed_charges_nothing_rather_than_a_guess():
    with pytest.raises(InputError, match=r"could not confirm IS law"):
        interest.late_interest(100, "2024-01-31", "2024-03-16", "IS")


def test_consumer_rate_under_a_law_for_businesses_only_is_an_input_error():
    # The Late Payment of Commercial Debts (Interest) Act 1998 covers business debts only.
    with pytest.raises(InputError, match=r"GB law has no statutory consumer"):
        interest.late_interest(100, "2024-01-31", "2024-03-16", "GB", consumer=True)


def test_a_day_after_the_table_is_a_config_error_saying_which_rate_to_add():
    with pytest.raises(
        ConfigError, match=r"no DE Basiszinssatz \(§ 247 BGB\) for 2027-01-01 onward.*add the rate valid from"
    ):
        interest.late_interest(1000, "2026-11-30", "2027-01-15", "DE")
    with pytest.raises(ConfigError, match=r"add"):
        interest.statutory_rate("FR", dt.date(2027, 1, 1))


def test_a_day_before_the_table_is_a_config_error_too():
    with pytest.raises(ConfigError, match=r"before 2020-01-01.*add the rates valid from 2019-07-01"):
        interest.late_interest(1000, "2019-12-15", "2020-02-01", "FR")


# ---- rates and the table -------------------------------------------------------------------------------------


def test_statutory_rates_match_published_values():
    # bpifrance: FR H2 2024 = 14.25; enterprise.gov.ie: IE from 1 Jul 2024 = 12.25; finanzmarktnachrichten:
    # Basiszinssatz 1.27 from 1 Jan 2026 -> DE B2B 10.27; assoambiente / edotto: IT H1 2026 = 2.15 + 8.
    assert interest.statutory_rate("FR", "2024-08-01") == Decimal("14.25")
    assert interest.statutory_rate("IE", "2024-12-31") == Decimal("12.25")
    assert interest.statutory_rate("DE", "2026-03-01") == Decimal("10.27")
    assert interest.statutory_rate("DE", "2026-03-01", consumer=True) == Decimal("6.27")
    assert interest.statutory_rate("IT", "2026-01-01") == Decimal("10.15")
    assert interest.reference_rate("GB", "2026-01-01") == Decimal("3.75")


def test_second_half_of_2026_rates_are_in_the_table():
    # ECB decision of 11 Jun 2026 (+25 bp, MRO 2.40 from 17 Jun); BoE held 3.75 on 18 Jun 2026.
    assert interest.reference_rate("FR", "2026-07-01") == Decimal("2.40")
    assert interest.statutory_rate("NL", "2026-12-31") == Decimal("10.40")
    assert interest.reference_rate("DE", "2026-09-30") == Decimal("1.52")
    assert interest.reference_rate("GB", "2026-07-01") == Decimal("3.75")


def test_reference_rate_over_a_column_returns_floats():
    result = interest.reference_rate(pd.Series(["DE", "GB"], index=[5, 6]), ["2023-01-01", "2023-07-01"])
    assert result.tolist() == [1.62, 5.00]
    assert list(result.index) == [5, 6]


def test_shipped_table_covers_2020_to_2026_without_gaps_with_a_source_on_every_row():
    table = interest.reference_rates()
    assert list(table.columns) == ["jurisdiction", "series", "valid_from", "valid_to", "reference_rate", "source"]
    complete = {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GB", "GR", "IE", "IT", "LT", "LV", "MT", "NL", "SI"}
    assert complete <= set(table["jurisdiction"])
    assert "EU" not in set(table["jurisdiction"])
    for _, rows in table[table["jurisdiction"].isin(complete)].groupby("jurisdiction"):
        assert rows["valid_from"].min() == pd.Timestamp("2020-01-01")
        assert rows["valid_to"].max() == pd.Timestamp("2026-12-31")
        assert (rows["valid_from"].iloc[1:].to_numpy() == (rows["valid_to"].iloc[:-1] + pd.Timedelta(days=1))).all()
    assert table["source"].str.len().min() > 10


# ---- fixed compensation --------------------------------------------------------------------------------------


def test_uk_fixed_sums_step_at_1000_and_10000_pounds():
    # gov.uk / Late Payment Act s.5A: GBP 40 up to 999.99, 70 for 1,000-9,999.99, 100 from 10,000.
    sums, currencies = interest.fixed_compensation([999.99, 1000, 9999.99, 10000], "GB")
    assert sums.tolist() == [40, 70, 70, 100]
    assert set(currencies) == {"GBP"}


def test_ireland_compensation_tiers_are_40_70_100_with_inclusive_upper_bounds():
    # enterprise.gov.ie "Compensation for recovery costs" (Schedule to S.I. 580/2012): not exceeding 1,000 -> 40;
    # exceeding 1,000 but not exceeding 10,000 -> 70; exceeding 10,000 -> 100.
    sums, _ = interest.fixed_compensation([1000, 1000.01, 10000, 10000.01], "IE")
    assert sums.tolist() == [40, 70, 70, 100]


def test_flat_40_euro_laws_pay_40_per_invoice_and_nothing_on_credit_notes():
    for code in ("AT", "FR", "IT", "ES", "DE", "SK", "GR"):
        assert interest.fixed_compensation(123456, code) == (Decimal("40.00"), "EUR")
    assert interest.fixed_compensation(-50, "FR") == (Decimal("0.00"), "EUR")
    assert interest.fixed_compensation(None, "FR") == (None, "EUR")


# ---- rounding on an exact tie (issue #19: half-down passed every test before) ----------------------------------


@pytest.mark.parametrize(
    ("jurisdiction", "amount", "due", "as_of", "half_up"),
    [
        ("IE", "0.73", "2024-01-31", "2024-02-20", "0.01"),  # 73 cents × 12.5 % × 20/365 = 0.5 cent exactly
        ("IT", "0.73", "2024-01-31", "2024-02-20", "0.01"),
        ("DE", "125.00", "2024-01-01", "2024-03-14", "3.16"),  # 12,500 cents × 12.62 % × 73/365 = 315.5 cents
    ],
)
def test_an_exact_half_cent_of_interest_rounds_up_under_national_law(jurisdiction, amount, due, as_of, half_up):
    days = (dt.date.fromisoformat(as_of) - dt.date.fromisoformat(due)).days
    rate = interest.statutory_rate(jurisdiction, dt.date.fromisoformat(due) + dt.timedelta(days=1))
    unrounded = Decimal(amount) * rate * days / Decimal(36500)
    assert unrounded % Decimal("0.01") == Decimal("0.005"), f"no longer a tie ({unrounded}): pick another case"
    assert interest.late_interest(float(amount), due, as_of, jurisdiction) == Decimal(half_up)
    column = interest.late_interest(
        pd.Series([float(amount), float(amount) - 0.01]), pd.Series(pd.to_datetime([due, due])), as_of, jurisdiction
    )
    assert column.tolist() == [float(half_up), float(Decimal(half_up) - Decimal("0.01"))]  # just below: down
