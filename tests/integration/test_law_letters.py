"""What each letter says about the law: the governing law's statute in the letter's language, a contract labelled as
a contract, nothing statutory where no statute governs, NL's 14-day letter, and the interest statement."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel.numbers import format_currency

from arcollect.engine import interest, law
from arcollect.engine.policy import default_policy_rows
from arcollect.run import collect
from arcollect.schema import Aging, DunningLevels, ExceptionsSheet, Invoices

from .workbooks import TUESDAY, customer, invoice, make_book, payment, sheet_rows

AS_OF = TUESDAY.date()  # 24 Nov 2026


def _letters(report) -> dict[str, str]:
    """The plain text of each rendered reminder by customer, lines unwrapped (non-breaking spaces kept)."""
    return {reminder.customer_id: re.sub(r"[ \r\n]+", " ", reminder.text) for reminder in report.reminders.values()}


def _charging_from_the_first_reminder():
    """The default policy with the first reminder after the due date adding interest (one level goes at a time)."""
    policy = default_policy_rows()
    policy.loc[policy[DunningLevels.LEVEL] == 1, DunningLevels.ADD_INTEREST] = True
    return policy


def test_each_letter_cites_the_law_that_governs_that_customer_in_its_own_language(tmp_path):
    due = "2026-10-16"  # a Friday, 39 days before the run: the final notice, which adds interest
    path = make_book(
        tmp_path,
        customers=[
            customer("US-DE", country="US", language="en", currency="USD", time_zone="America/New_York"),
            customer("US-US", country="US", language="en", currency="USD", jurisdiction="US"),
            customer(
                "US-K", country="US", language="en", currency="USD", jurisdiction="US", late_charge="1.5 % per month"
            ),
            customer("AT-DE", country="AT", language="de"),
            customer("FR-DE", country="FR", language="fr"),
            customer("DE-B2C", country="DE", language="de", customer_type="Consumer"),
        ],
        invoices=[
            invoice("U-1", "US-DE", due=due, currency="USD"),
            invoice("U-2", "US-US", due=due, currency="USD"),
            invoice("U-3", "US-K", due=due, currency="USD"),
            invoice("A-1", "AT-DE", due=due),
            invoice("F-1", "FR-DE", due=due),
            invoice("P-1", "DE-B2C", due=due),
        ],
        settings={"GoverningLaw": "DE"},
        policy=_charging_from_the_first_reminder(),
    )
    report = collect(path, now=TUESDAY, send=False)
    letters = _letters(report)

    # A US buyer of a German seller: German interest (Basiszinssatz 1.52 + 9), the German statute named in English.
    german = interest.late_interest(1000, due, AS_OF, "DE", currency="USD")
    assert format_currency(german, "USD", locale="en") in letters["US-DE"]
    assert "legal basis: § 288 Abs. 2 BGB, German law" in letters["US-DE"]
    assert "legal basis: § 288 Abs. 5 BGB, German law" in letters["US-DE"]
    assert "Directive" not in letters["US-DE"]

    # Under US law no statute gives late interest: the letter claims nothing and cites nothing.
    assert "interest" not in letters["US-US"].lower()
    assert "legal basis" not in letters["US-US"]

    # A contract rate is labelled as the contract's, not as law.
    contractual = interest.contractual_interest(1000, due, AS_OF, law.parse_contract("1.5 % per month"), currency="USD")
    assert format_currency(contractual, "USD", locale="en") in letters["US-K"]
    assert "at the rate agreed in our contract (1.5 % per month)" in letters["US-K"]
    assert "statutory" not in letters["US-K"]

    # German letters cite the German statute as it is written; a French letter names it as German law.
    assert "(Rechtsgrundlage: § 288 Abs. 2 BGB)" in letters["AT-DE"]
    # French typography: a narrow no-break space before the colon, as the letters' own labels (string `colon`).
    assert "(fondement juridique\u202f: § 288 Abs. 2 BGB, droit allemand)" in letters["FR-DE"]

    # A consumer: § 288 Abs. 1 BGB (+5 points) and no Pauschale.
    consumer = interest.late_interest(1000, due, AS_OF, "DE", consumer=True)
    assert format_currency(consumer, "EUR", locale="de_DE") in letters["DE-B2C"]
    assert "§ 288 Abs. 1 BGB" in letters["DE-B2C"]
    assert "§ 288 Abs. 5 BGB" not in letters["DE-B2C"]

    basis = {row[Invoices.NUMBER]: row[Aging.CHARGE_BASIS] for row in sheet_rows(path, "Aging")}
    assert basis["U-2"] == "No statutory late charges (US law)"
    assert basis["U-3"] == "Contract: 1.5 % per month"
    assert basis["P-1"] == "§ 288 Abs. 1 BGB (German law, consumer)"


def test_a_dutch_consumer_gets_the_14_day_letter_before_any_collection_costs(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("NL-P", country="NL", language="nl", customer_type="Consumer")],
        invoices=[invoice("N-1", "NL-P", due="2026-11-13", amount=5000.0)],  # friendly reminder, no charges
        settings={"GoverningLaw": "NL"},
    )
    letters = _letters(collect(path, now=TUESDAY, send=False))
    costs = format_currency(Decimal("625.00"), "EUR", locale="nl_NL")  # BIK: 15 % of 2,500 + 10 % of 2,500
    assert (
        f"Als u niet binnen 14 dagen na de dag van ontvangst van deze brief betaalt, brengen wij incassokosten van "
        f"{costs} in rekening (wettelijke grondslag: artikel 6:96 lid 6 BW)."
    ) in letters["NL-P"]


def test_dutch_collection_costs_are_the_scale_of_what_the_letter_claims_not_of_each_invoice(tmp_path):
    """Besluit BIK (Stb. 2012, 141) art. 2: the scale of "de hoofdsom van de vordering" — a letter claiming several
    invoices claims one debt (das.nl; ruebincasso.nl). A consumer's 14-day letter about 2,000 + 2,000 + 1,000 announces
    € 625 (15 % of 2,500 + 10 % of 2,500), not € 300 + € 300 + € 150 = € 750; a business's letter about 3,000 + 2,000
    charges € 625 too (not € 425 + € 300), shared out 375 / 250 over the invoices."""
    path = make_book(
        tmp_path,
        customers=[
            customer("NL-P", country="NL", language="nl", customer_type="Consumer"),
            customer("NL-B", country="NL", language="nl"),
        ],
        invoices=[
            invoice("P-1", "NL-P", due="2026-11-13", amount=2000.0),
            invoice("P-2", "NL-P", due="2026-11-13", amount=2000.0),
            invoice("P-3", "NL-P", due="2026-11-13", amount=1000.0),
            invoice("B-1", "NL-B", due="2026-10-16", amount=3000.0),
            invoice("B-2", "NL-B", due="2026-10-16", amount=2000.0),
        ],
        settings={"GoverningLaw": "NL"},
        policy=_charging_from_the_first_reminder(),
    )
    report = collect(path, now=TUESDAY, send=False)
    letters = _letters(report)

    def eur(value: str) -> str:
        return format_currency(Decimal(value), "EUR", locale="nl_NL")

    assert f"brengen wij incassokosten van {eur('625.00')} in rekening" in letters["NL-P"]
    assert eur("750.00") not in letters["NL-P"]
    business = letters["NL-B"]
    assert eur("625.00") in business and eur("725.00") not in business
    (reminder,) = [r for r in report.reminders.values() if r.customer_id == "NL-B"]
    assert eur("375.00") in reminder.html and eur("250.00") in reminder.html


def test_invoices_paid_late_in_the_period_get_an_interest_statement_letter_and_sheet(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("DE1", country="DE", language="de")],
        invoices=[
            invoice("Z-1", "DE1", due="2026-07-31", amount=2000.0, open_amount=0.0, status="Paid"),
            invoice("Z-2", "DE1", due="2026-09-30", amount=1000.0, open_amount=0.0, status="Paid"),
        ],
        payments=[
            payment("2026-08-31", "DE1", 1000.0, invoice_number="Z-1"),
            payment("2026-09-30", "DE1", 1000.0, invoice_number="Z-1"),
            payment("2026-09-28", "DE1", 1000.0, invoice_number="Z-2"),
        ],
        settings={"GoverningLaw": "DE", "InterestStatementPeriod": "2026-07-01..2026-09-30"},
    )
    report = collect(path, now=TUESDAY, send=True)

    [row] = sheet_rows(path, "InterestStatement")
    # DE H2 2026, 10.52 %: 2,000 owed 1-31 Aug (31 days) = 17.87, then 1,000 owed 1-30 Sep (30 days) = 8.65,
    # 26.52 in all; + the € 40 Pauschale.
    august = interest.late_interest(2000, "2026-07-31", "2026-08-31", "DE")
    september = interest.late_interest(1000, "2026-08-31", "2026-09-30", "DE")
    assert (august, september) == (Decimal("17.87"), Decimal("8.65"))
    assert (row[Invoices.NUMBER], row[Invoices.DAYS_LATE]) == ("Z-1", 61)
    assert Decimal(str(row[Aging.LATE_INTEREST])) == august + september
    assert row[Aging.FIXED_COMPENSATION] == 40.0
    assert row[Invoices.PAID_DATE] == dt.datetime(2026, 9, 30)

    [sent] = [reminder for reminder in report.reminders.values() if reminder.template == "interest_statement"]
    text = re.sub(r"[ \r\n]+", " ", sent.text)
    assert sent.subject == "Zinsrechnung für verspätete Zahlungen – Kundenkonto DE1"
    claim = format_currency(Decimal("66.52"), "EUR", locale="de_DE")
    assert f"Bitte überweisen Sie {claim}" in text
    assert "Rechtsgrundlage: § 288 Abs. 2 BGB" in text
    assert "Z-2" not in text  # paid on time
    assert sent.customer_id == "DE1"

    # Sent once: the next run claims nothing new.
    again = collect(path, now=TUESDAY + dt.timedelta(days=1), send=True)
    assert not [r for r in again.reminders.values() if r.template == "interest_statement"]


def test_an_invoice_paid_with_money_that_cannot_be_converted_is_not_claimed_and_the_fx_row_says_so(tmp_path):
    """#17: Z-1 (2,000 EUR, due 31 Jul) was paid 1,000 EUR on 31 Aug and 1,000 CHF on 30 Sep, with no CHF rate.
    The CHF was counted 1:1, so Z-1 read as paid in full on 30 Sep and was claimed. Its day of full payment is
    unknown: no statement; the one FX row for CHF names the payment and, for DE1's unapplied CHF, that one too."""
    path = make_book(
        tmp_path,
        customers=[customer("DE1", country="DE", language="de")],
        invoices=[invoice("Z-1", "DE1", due="2026-07-31", amount=2000.0, open_amount=0.0, status="Paid")],
        payments=[
            payment("2026-08-31", "DE1", 1000.0, invoice_number="Z-1"),
            payment("2026-09-30", "DE1", 1000.0, invoice_number="Z-1", currency="CHF"),
            payment("2026-10-02", "DE1", 50.0, invoice_number=None, currency="CHF"),
        ],
        settings={"GoverningLaw": "DE", "InterestStatementPeriod": "2026-07-01..2026-09-30"},
    )
    report = collect(path, now=TUESDAY, send=True)

    assert sheet_rows(path, "InterestStatement") == []
    assert not [r for r in report.reminders.values() if r.template == "interest_statement"]
    exceptions = sheet_rows(path, "Exceptions")
    [row] = [row for row in exceptions if "CHF" in str(row[ExceptionsSheet.REASON])]
    assert (row[ExceptionsSheet.SHEET], row[ExceptionsSheet.VALUE], row[ExceptionsSheet.AFFECTS]) == ("FX", "CHF", 2)
    reason = row[ExceptionsSheet.REASON]
    assert reason.startswith("no FX rate for CHF — add it on this row: Currency CHF")
    assert (
        "Payments row 3 (1,000.00 CHF): invoice Z-1 is not claimed in the interest statement, the day it was paid in "
        "full being unknown" in reason
    )
    assert "Payments row 4 (50.00 CHF): unapplied payment not counted against the balance of DE1" in reason
    assert not [row for row in exceptions if row[ExceptionsSheet.SHEET] == "Payments"]
