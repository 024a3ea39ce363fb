"""Which law governs each customer, and what each invoice's late charges are under it (engine/law/claims)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from arcollect.engine import interest
from arcollect.engine.law import claims
from arcollect.schema import FX, Aging, Customers, Invoices, Payments


def _customers(*rows: dict) -> pd.DataFrame:
    base = {
        Customers.NAME: "Customer",
        Customers.COUNTRY: "DE",
        Customers.SUBDIVISION: None,
        Customers.JURISDICTION: None,
        Customers.CUSTOMER_TYPE: None,
        Customers.LATE_CHARGE: None,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def _invoices(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if Invoices.OPEN_AMOUNT not in frame:
        frame[Invoices.OPEN_AMOUNT] = frame[Invoices.AMOUNT]
    frame[Invoices.DUE_DATE] = pd.to_datetime(frame[Invoices.DUE_DATE])
    return frame


def _invoice(number: str, customer: str, due: str, amount: float, currency: str = "EUR", **more) -> dict:
    return {
        Invoices.NUMBER: number,
        Invoices.CUSTOMER_ID: customer,
        Invoices.DUE_DATE: due,
        Invoices.AMOUNT: amount,
        Invoices.CURRENCY: currency,
        **more,
    }


NO_PAYMENTS = pd.DataFrame(
    columns=[Payments.DATE, Payments.CUSTOMER_ID, Payments.INVOICE_NUMBER, Payments.AMOUNT, Payments.CURRENCY]
)
FX_RATES = pd.DataFrame({FX.CURRENCY: ["GBP", "USD", "JPY"], FX.RATE: [1.15, 0.9, 0.0056], FX.DATE: pd.NaT})


def _charges(customers, invoices, as_of, governing="DE", payments=NO_PAYMENTS, rates=FX_RATES, history=None):
    governed, problems = claims.govern(customers, governing)
    charged, more = claims.charges(
        invoices, governed, payments, rates, dt.date.fromisoformat(as_of), base_currency="EUR", history=history
    )
    return charged, problems + more


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ---- which law ---------------------------------------------------------------------------------------------------


def test_a_us_customer_under_governing_law_de_is_charged_german_interest_and_the_pauschale():
    customers = _customers({Customers.ID: "US1", Customers.COUNTRY: "US"})
    invoices = _invoices(_invoice("I-1", "US1", "2026-05-29", 1000.0, "USD"))
    charged, problems = _charges(customers, invoices, "2026-08-31")
    expected = interest.late_interest(1000, "2026-05-29", "2026-08-31", "DE", currency="USD")
    assert charged[Aging.LATE_INTEREST].iloc[0] == float(expected)
    assert charged[claims.GOVERNING].iloc[0] == "DE"
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "§ 288 Abs. 2 BGB; § 288 Abs. 5 BGB (German law)"
    # The € 40 Pauschale in the invoice's currency at the FX rate (1 USD = 0.9 EUR): 40 / 0.9 = 44.44 USD.
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == pytest.approx(44.44)
    assert problems == []


def test_a_customer_under_a_law_without_a_statute_is_charged_nothing_statutory():
    customers = _customers({Customers.ID: "US1", Customers.COUNTRY: "US", Customers.JURISDICTION: "US"})
    invoices = _invoices(_invoice("I-1", "US1", "2026-05-31", 1000.0, "USD"))
    charged, _ = _charges(customers, invoices, "2026-08-31")
    assert charged[Aging.LATE_INTEREST].iloc[0] == 0.0
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    assert charged[claims.KIND].iloc[0] == claims.NOTHING
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "No statutory late charges (US law)"


def test_a_contractual_late_charge_applies_where_no_statute_does_and_is_labelled_contractual():
    customers = _customers(
        {
            Customers.ID: "US1",
            Customers.COUNTRY: "US",
            Customers.JURISDICTION: "US",
            Customers.LATE_CHARGE: "1.5 % per month",
        }
    )
    invoices = _invoices(_invoice("I-1", "US1", "2026-05-31", 1000.0, "USD"))
    charged, _ = _charges(customers, invoices, "2026-06-30")
    # 18 % a year for 30 days: 1,000 × 18 × 30 / 36,500 = 14.79
    assert charged[Aging.LATE_INTEREST].iloc[0] == 14.79
    assert charged[claims.KIND].iloc[0] == claims.CONTRACT
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "Contract: 1.5 % per month"


def test_eu_is_not_a_jurisdiction_it_is_reported_and_the_governing_law_applies():
    customers = _customers({Customers.ID: "AT1", Customers.COUNTRY: "AT", Customers.JURISDICTION: "EU"})
    governed, problems = claims.govern(customers, "DE")
    assert governed[claims.GOVERNING].iloc[0] == "DE"
    assert len(problems) == 1 and "'EU' is not a law" in problems[0].reason
    assert "'8 points over ECB'" in problems[0].reason


def test_an_austrian_customer_of_an_austrian_seller_gets_456_ugb():
    customers = _customers({Customers.ID: "AT1", Customers.COUNTRY: "AT"})
    invoices = _invoices(_invoice("I-1", "AT1", "2025-01-31", 10000.0))
    charged, _ = _charges(customers, invoices, "2025-03-02", governing="AT")
    # § 456 UGB: 2.53 + 9.2 = 11.73 % for 30 days (1 Feb - 2 Mar 2025).
    assert charged[Aging.LATE_INTEREST].iloc[0] == _cents(Decimal(10000) * Decimal("11.73") * 30 / 36500)
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "§ 456 UGB; § 458 UGB (Austrian law)"


# ---- consumers -------------------------------------------------------------------------------------------------


def test_a_consumer_gets_the_consumer_rule_and_no_pauschale():
    customers = _customers({Customers.ID: "P1", Customers.CUSTOMER_TYPE: "Consumer"})
    invoices = _invoices(_invoice("I-1", "P1", "2024-05-31", 1000.0))
    charged, _ = _charges(customers, invoices, "2024-08-31")
    # § 288 Abs. 1 BGB: Basiszinssatz + 5 -> 8.62 (June) and 8.37 (July, August); no € 40 (§ 288 Abs. 5).
    assert charged[Aging.LATE_INTEREST].iloc[0] == 21.30
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "§ 288 Abs. 1 BGB (German law, consumer)"


def test_a_consumer_is_protected_by_the_law_of_their_own_country_rome_i_art_6():
    customers = _customers({Customers.ID: "P1", Customers.COUNTRY: "AT", Customers.CUSTOMER_TYPE: "Consumer"})
    governed, _ = claims.govern(customers, "DE")
    assert governed[claims.GOVERNING].iloc[0] == "AT"
    invoices = _invoices(_invoice("I-1", "P1", "2025-01-31", 1000.0))
    charged, _ = _charges(customers, invoices, "2025-03-02")
    assert charged[Aging.LATE_INTEREST].iloc[0] == _cents(Decimal(1000) * 4 * 30 / 36500)  # § 1000 ABGB 4 %


def test_a_consumer_under_a_business_only_statute_is_charged_nothing():
    customers = _customers({Customers.ID: "P1", Customers.COUNTRY: "GB", Customers.CUSTOMER_TYPE: "Consumer"})
    invoices = _invoices(_invoice("I-1", "P1", "2025-01-31", 1000.0, "GBP"))
    charged, _ = _charges(customers, invoices, "2025-03-02")
    assert charged[Aging.LATE_INTEREST].iloc[0] == 0.0
    assert charged[Aging.CHARGE_BASIS].iloc[0] == "No statutory late charges (UK law, consumer)"


def test_a_dutch_consumer_owes_collection_costs_only_after_the_14_day_letter_has_run():
    customers = _customers({Customers.ID: "P1", Customers.COUNTRY: "NL", Customers.CUSTOMER_TYPE: "Consumer"})
    invoices = _invoices(_invoice("I-1", "P1", "2026-03-31", 5000.0))
    # No reminder yet: the letter must announce the BIK costs (625 on 5,000) and none are charged.
    charged, _ = _charges(customers, invoices, "2026-05-15")
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    assert charged[claims.NOTICE_COSTS].iloc[0] == 625.0
    # First reminder sent 1 May: its 14 days run 2-15 May (art. 6:96 lid 6 BW); on 15 May still nothing,
    # from 16 May the costs are owed.
    history = pd.DataFrame({Invoices.NUMBER: ["I-1"], "sent_at": [pd.Timestamp("2026-05-01 09:00", tz="UTC")]})
    on_15, _ = _charges(customers, invoices, "2026-05-15", history=history)
    on_16, _ = _charges(customers, invoices, "2026-05-16", history=history)
    assert on_15[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    assert (on_16[Aging.FIXED_COMPENSATION].iloc[0], on_16[claims.NOTICE_COSTS].iloc[0]) == (625.0, 0.0)


def test_a_note_sent_before_the_due_date_is_not_the_14_day_letter():
    customers = _customers({Customers.ID: "P1", Customers.COUNTRY: "NL", Customers.CUSTOMER_TYPE: "Consumer"})
    invoices = _invoices(_invoice("I-1", "P1", "2026-03-31", 5000.0))
    # A pre-due note on 26 March (before the consumer was late) gives no 14 days: on 15 May the costs are still
    # only announced. A reminder on 1 April (the first day late) is the letter: from 16 April they are owed.
    early = pd.DataFrame({Invoices.NUMBER: ["I-1"], "sent_at": [pd.Timestamp("2026-03-26 09:00", tz="UTC")]})
    charged, _ = _charges(customers, invoices, "2026-05-15", history=early)
    assert (charged[Aging.FIXED_COMPENSATION].iloc[0], charged[claims.NOTICE_COSTS].iloc[0]) == (0.0, 625.0)
    both = pd.DataFrame(
        {
            Invoices.NUMBER: ["I-1", "I-1"],
            "sent_at": [pd.Timestamp("2026-03-26 09:00", tz="UTC"), pd.Timestamp("2026-04-01 09:00", tz="UTC")],
        }
    )
    on_15, _ = _charges(customers, invoices, "2026-04-15", history=both)
    on_16, _ = _charges(customers, invoices, "2026-04-16", history=both)
    assert (on_15[Aging.FIXED_COMPENSATION].iloc[0], on_15[claims.NOTICE_COSTS].iloc[0]) == (0.0, 625.0)
    assert (on_16[Aging.FIXED_COMPENSATION].iloc[0], on_16[claims.NOTICE_COSTS].iloc[0]) == (625.0, 0.0)


# ---- thresholds and conversions --------------------------------------------------------------------------------


def test_gb_fixed_sum_tiers_compare_the_debt_in_sterling_whatever_the_invoice_currency():
    # s. 5A Late Payment Act: £70 for a debt of £1,000 to £9,999.99. € 10,327.78 at 1 GBP = 1.15 EUR is
    # £8,980.68: £70 (not £100), shown as € 80.50. ¥500,000 at 0.0056 EUR is £2,434.78: £70 = ¥14,375.
    customers = _customers({Customers.ID: "C1", Customers.COUNTRY: "FR"})
    invoices = _invoices(
        _invoice("E-1", "C1", "2025-07-31", 10327.78, "EUR"), _invoice("J-1", "C1", "2025-07-31", 500000.0, "JPY")
    )
    charged, problems = _charges(customers, invoices, "2025-09-01", governing="GB")
    assert charged[Aging.FIXED_COMPENSATION].tolist() == [80.50, 14375.0]
    assert problems == []


def test_compensation_without_the_fx_rate_of_its_day_is_not_guessed_but_reported():
    customers = _customers({Customers.ID: "C1"})
    invoices = _invoices(_invoice("C-1", "C1", "2025-07-31", 5000.0, "CHF"))
    charged, problems = _charges(customers, invoices, "2025-09-01", governing="GB")
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    assert any("CHF" in problem.reason and "FX sheet" in problem.reason for problem in problems)


def test_a_saturday_due_date_moves_to_monday_under_german_law_so_a_monday_payment_is_on_time():
    # § 193 BGB (BGH III ZR 159/06): due Saturday 8 Aug 2026 -> Monday 10 Aug. Paid Monday: nothing is owed.
    customers = _customers({Customers.ID: "D1"})
    invoices = _invoices(_invoice("S-1", "D1", "2026-08-08", 1000.0))
    on_monday, _ = _charges(customers, invoices, "2026-08-10")
    assert (on_monday[Aging.LATE_INTEREST].iloc[0], on_monday[Aging.FIXED_COMPENSATION].iloc[0]) == (0.0, 0.0)
    on_tuesday, _ = _charges(customers, invoices, "2026-08-11")
    assert on_tuesday[Aging.INTEREST_FROM].iloc[0] == pd.Timestamp("2026-08-11")
    assert on_tuesday[Aging.FIXED_COMPENSATION].iloc[0] == 40.0
    # French law moves no due date: interest from Sunday 9 August.
    french, _ = _charges(customers, invoices, "2026-08-10", governing="FR")
    assert french[Aging.INTEREST_FROM].iloc[0] == pd.Timestamp("2026-08-09")
    assert french[Aging.LATE_INTEREST].iloc[0] > 0


def test_a_holiday_due_date_moves_to_the_next_business_day_of_the_debtors_place():
    # 1 Nov 2026 (All Saints, a Sunday) -> Monday 2 Nov in Bavaria; 6 Jan 2026 (Epiphany, Tuesday) is a
    # holiday in BY, not in NW.
    customers = _customers(
        {Customers.ID: "BY", Customers.SUBDIVISION: "BY"}, {Customers.ID: "NW", Customers.SUBDIVISION: "NW"}
    )
    invoices = _invoices(_invoice("B-1", "BY", "2026-01-06", 1000.0), _invoice("N-1", "NW", "2026-01-06", 1000.0))
    charged, _ = _charges(customers, invoices, "2026-01-20")
    assert charged[Aging.INTEREST_FROM].tolist() == [pd.Timestamp("2026-01-08"), pd.Timestamp("2026-01-07")]


# ---- payments -------------------------------------------------------------------------------------------------


def _payments(*rows: tuple[str, str, float, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                Payments.DATE: pd.Timestamp(day),
                Payments.CUSTOMER_ID: "C1",
                Payments.INVOICE_NUMBER: number,
                Payments.AMOUNT: amount,
                Payments.CURRENCY: currency,
            }
            for day, number, amount, currency in rows
        ]
    )


def test_a_usd_payment_against_a_eur_invoice_is_converted_at_the_rate_of_its_own_date():
    # Italian law (no allocation rule modelled: the payment reduces the principal). € 10,000 due 30 Jun 2026;
    # $5,000 paid 31 Aug 2026, when 1 USD = 0.90 EUR (the FX row dated 1 Aug; a later row at 0.80 is not used):
    # € 4,500 off the principal, not € 5,000. Open amount 5,500 (the ERP booked the converted payment).
    customers = _customers({Customers.ID: "C1", Customers.COUNTRY: "IT"})
    invoices = _invoices(_invoice("U-1", "C1", "2026-06-30", 10000.0, open_amount=5500.0))
    rates = pd.DataFrame(
        {
            FX.CURRENCY: ["USD", "USD", "USD"],
            FX.RATE: [0.95, 0.90, 0.80],
            FX.DATE: pd.to_datetime(["2026-01-01", "2026-08-01", "2026-09-15"]),
        }
    )
    payments = _payments(("2026-08-31", "U-1", 5000.0, "USD"))
    charged, problems = _charges(customers, invoices, "2026-09-30", governing="IT", payments=payments, rates=rates)
    # ECB 2.40 + 8 = 10.40 % (H2 2026): 10,000 for 1 Jul - 31 Aug (62 days), then 5,500 for 1-30 Sep (30 days).
    first = Decimal(10000) * Decimal("10.40") * 62 / 36500
    second = Decimal(5500) * Decimal("10.40") * 30 / 36500
    assert charged[Aging.LATE_INTEREST].iloc[0] == pytest.approx(_cents(first) + _cents(second), abs=0.011)
    assert charged[Aging.PAID_TO_CHARGES].iloc[0] == 0.0
    assert problems == []


def test_german_law_applies_a_partial_payment_to_costs_then_interest_then_principal():
    # § 367 Abs. 1 BGB. € 10,000 due 31 Jan 2024; € 5,000 paid 1 Mar 2024 (30 days at 12.62 %: 103.73 interest).
    # The payment pays the € 40 Pauschale, then 103.73 interest, then 4,856.27 principal: 5,143.73 stays owed.
    customers = _customers({Customers.ID: "C1"})
    invoices = _invoices(_invoice("A-1", "C1", "2024-01-31", 10000.0, open_amount=5000.0))
    payments = _payments(("2024-03-01", "A-1", 5000.0, "EUR"))
    charged, _ = _charges(customers, invoices, "2024-03-31", payments=payments)
    interest_to_march = _cents(Decimal(10000) * Decimal("12.62") * 30 / 36500)
    assert interest_to_march == 103.73
    assert charged[Aging.PAID_TO_CHARGES].iloc[0] == pytest.approx(40 + 103.73)
    principal = 10000 - (5000 - 40 - 103.73)
    after = _cents(Decimal(str(principal)) * Decimal("12.62") * 30 / 36500)  # 2-31 March
    assert charged[Aging.LATE_INTEREST].iloc[0] == pytest.approx(after)
    assert charged[Aging.FIXED_COMPENSATION].iloc[0] == 0.0
    # Without an allocation rule (Italy) the same payment reduces the principal and the charges stay owed.
    italian, _ = _charges(customers, invoices, "2024-03-31", governing="IT", payments=payments)
    assert italian[Aging.PAID_TO_CHARGES].iloc[0] == 0.0
    assert italian[Aging.FIXED_COMPENSATION].iloc[0] == 40.0


# ---- the interest statement -------------------------------------------------------------------------------------


def test_the_interest_statement_claims_interest_on_invoices_paid_late_in_the_period():
    customers = _customers(
        {Customers.ID: "C1"}, {Customers.ID: "C2", Customers.COUNTRY: "US", Customers.JURISDICTION: "US"}
    )
    invoices = _invoices(
        _invoice("L-1", "C1", "2026-07-31", 2000.0, open_amount=0.0, **{Invoices.STATUS: "Paid"}),  # paid 30 Sep
        _invoice("L-2", "C1", "2026-09-30", 1000.0, open_amount=0.0, **{Invoices.STATUS: "Paid"}),  # on time
        _invoice("L-3", "C1", "2026-05-31", 500.0, open_amount=0.0, **{Invoices.STATUS: "Paid"}),  # before period
        _invoice("U-1", "C2", "2026-07-31", 900.0, "USD", open_amount=0.0, **{Invoices.STATUS: "Paid"}),
    )
    payments = _payments(
        ("2026-08-31", "L-1", 1000.0, "EUR"),
        ("2026-09-30", "L-1", 1000.0, "EUR"),
        ("2026-09-29", "L-2", 1000.0, "EUR"),
        ("2026-06-30", "L-3", 500.0, "EUR"),
        ("2026-09-01", "U-1", 900.0, "USD"),
    )
    governed, _ = claims.govern(customers, "DE")
    period = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    rows, problems = claims.statement(invoices, governed, payments, FX_RATES, period, base_currency="EUR")
    assert rows[Invoices.NUMBER].tolist() == ["L-1"]  # L-2 on time, L-3 paid before, U-1 under US law: nothing
    # DE H2 2026: 1.52 + 9 = 10.52 %. The 2,000 bore interest 1-31 Aug (31 days: 17.87); after 1,000 was paid on
    # 31 Aug, the other 1,000 bore it 1-30 Sep (30 days: 8.65). Payments reduce the principal here.
    expected = _cents(Decimal(2000) * Decimal("10.52") * 31 / 36500) + _cents(
        Decimal(1000) * Decimal("10.52") * 30 / 36500
    )
    assert expected == pytest.approx(26.52)
    assert rows[Aging.LATE_INTEREST].iloc[0] == pytest.approx(expected, abs=1e-9)
    assert rows[Aging.FIXED_COMPENSATION].iloc[0] == 40.0
    assert rows[Invoices.PAID_DATE].iloc[0] == pd.Timestamp("2026-09-30")
    assert rows[Invoices.DAYS_LATE].iloc[0] == 61
    assert problems == []


def test_the_interest_statement_claims_a_dutch_consumers_costs_only_where_the_14_day_letter_ran_before_payment():
    customers = _customers({Customers.ID: "P1", Customers.COUNTRY: "NL", Customers.CUSTOMER_TYPE: "Consumer"})
    paid = {Invoices.OPEN_AMOUNT: 0.0, Invoices.STATUS: "Paid"}
    invoices = _invoices(
        _invoice("N-1", "P1", "2026-08-31", 5000.0, **paid),  # paid 13 days late, no reminder: no costs
        _invoice("N-2", "P1", "2026-07-31", 5000.0, **paid),  # reminded 3 Aug, paid 30 Sep: the 14 days had run
    )
    payments = _payments(("2026-09-13", "N-1", 5000.0, "EUR"), ("2026-09-30", "N-2", 5000.0, "EUR"))
    history = pd.DataFrame({Invoices.NUMBER: ["N-2"], "sent_at": [pd.Timestamp("2026-08-03 09:00", tz="UTC")]})
    governed, _ = claims.govern(customers, "DE")  # a consumer keeps the law of their own country (NL)
    period = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    rows, _ = claims.statement(invoices, governed, payments, FX_RATES, period, base_currency="EUR", history=history)
    costs = dict(zip(rows[Invoices.NUMBER], rows[Aging.FIXED_COMPENSATION], strict=True))
    assert costs.get("N-1", 0.0) == 0.0  # art. 6:96 lid 6 BW: no letter, no collection costs
    assert costs["N-2"] == 625.0  # BIK on 5,000: 15 % of 2,500 + 10 % of 2,500
    assert (rows[claims.NOTICE_COSTS] == 0).all()  # nothing is announced for an invoice already paid
    without, _ = claims.statement(invoices, governed, payments, FX_RATES, period, base_currency="EUR")
    assert without.empty or (without[Aging.FIXED_COMPENSATION] == 0).all()


def test_a_payment_without_an_fx_rate_leaves_the_day_of_full_payment_unknown_and_the_invoice_unclaimed():
    """#17: a CHF payment with no CHF rate was counted 1:1 (factor 1) towards a EUR invoice, so the invoice read
    as paid in full late and was claimed. Now its completion day is unknown: not claimed, and the payment's row
    says why; a payment that is not needed to complete an invoice (already paid in EUR) changes nothing."""
    customers = _customers({Customers.ID: "C1"})
    paid = {Invoices.OPEN_AMOUNT: 0.0, Invoices.STATUS: "Paid"}
    invoices = _invoices(
        _invoice("F-1", "C1", "2026-07-31", 2000.0, **paid),  # 1,000 EUR, then 1,000 CHF: day of payment unknown
        _invoice("F-2", "C1", "2026-07-31", 8000.0, **paid),  # 8,000 CHF only
        _invoice("F-3", "C1", "2026-07-31", 1000.0, **paid),  # paid in EUR on 31 Aug; a CHF overpayment later
        _invoice("F-4", "C1", "2026-07-31", 500.0, **{Invoices.OPEN_AMOUNT: 400.0}),  # open: nothing to report
    )
    payments = _payments(
        ("2026-08-31", "F-1", 1000.0, "EUR"),
        ("2026-09-15", "F-1", 1000.0, "CHF"),
        ("2026-09-10", "F-2", 8000.0, "CHF"),
        ("2026-08-31", "F-3", 1000.0, "EUR"),
        ("2026-09-20", "F-3", 50.0, "CHF"),
        ("2026-09-20", "F-4", 100.0, "CHF"),  # a part payment
    )
    governed, _ = claims.govern(customers, "DE")
    period = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    rows, problems = claims.statement(invoices, governed, payments, FX_RATES, period, base_currency="EUR")
    assert rows[Invoices.NUMBER].tolist() == ["F-3"]  # F-1 and F-2: never as if 1 CHF were 1 EUR
    assert rows[Invoices.PAID_DATE].iloc[0] == pd.Timestamp("2026-08-31")
    assert [(p.sheet, p.row, p.column, p.value) for p in problems] == [
        ("Payments", 1, Payments.CURRENCY, "CHF"),
        ("Payments", 2, Payments.CURRENCY, "CHF"),
    ]
    assert problems[0].reason == (
        "invoice F-1 is not claimed in the interest statement, the day it was paid in full being unknown: no FX rate "
        "for CHF on 2026-09-15 to convert this payment of CHF into EUR — add it to the FX sheet"
    )
    assert problems[1].reason.startswith("invoice F-2 is not claimed in the interest statement")
    # With the rate, both are claimed again (paid in full on the CHF payment's day).
    rates = pd.concat([FX_RATES, pd.DataFrame({FX.CURRENCY: ["CHF"], FX.RATE: [1.07], FX.DATE: pd.NaT})])
    rows, problems = claims.statement(invoices, governed, payments, rates, period, base_currency="EUR")
    assert sorted(rows[Invoices.NUMBER]) == ["F-1", "F-2", "F-3"] and problems == []
    assert dict(zip(rows[Invoices.NUMBER], rows[Invoices.PAID_DATE], strict=True))["F-2"] == pd.Timestamp("2026-09-10")
