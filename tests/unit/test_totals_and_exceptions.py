"""One reconciled total and its "not in totals" line; problems folded back to their source (issue #18)."""

from __future__ import annotations

import pandas as pd

from arcollect.book import exceptions
from arcollect.engine import totals
from arcollect.problems import Problem
from arcollect.schema import TOTAL, Aging, Customers, ExceptionsSheet, Invoices, Payments


def _aged() -> pd.DataFrame:
    return pd.DataFrame(
        {
            Invoices.NUMBER: ["A", "B", "C"],
            Invoices.CUSTOMER_ID: ["K1", "K1", "K2"],
            Invoices.CURRENCY: ["EUR", "PLN", "EUR"],
            Invoices.OPEN_AMOUNT: [100.0, 400.0, 50.0],
            Aging.BASE_OPEN_AMOUNT: [100.0, float("nan"), 50.0],
            Aging.BUCKET: ["1-30", "1-30", None],
        },
        index=[2, 3, 4],
    )


def test_the_total_covers_items_with_a_base_amount_and_a_bucket_and_the_line_names_the_rest():
    summary = pd.DataFrame({"1-30": [100.0], TOTAL: [100.0]}, index=pd.Index([TOTAL]))
    left_row = Problem(
        "Invoices", 9, "Amount", "x", "not an amount; the row is left out",
        left_out=((Invoices.NUMBER, "Z"), (Invoices.CURRENCY, "EUR"), (Invoices.AMOUNT, 25.0), (Invoices.STATUS, None)),
    )  # fmt: skip
    paid_row = Problem("Invoices", 10, "Amount", "x", "…", left_out=((Invoices.AMOUNT, 5.0), (Invoices.STATUS, "Paid")))
    found, in_totals = totals.reconcile(_aged(), summary, [left_row, paid_row], None, base_currency="EUR")
    assert found.total == 100.0 and in_totals.tolist() == [True, False, False]
    assert found.line == "not in totals: 3 invoices, 75.00 EUR + 400.00 PLN (no FX rate) — see Exceptions"
    assert dict(zip(found.left_out[totals.ROW], found.left_out[totals.WHY], strict=True)) == {
        3: "no FX rate for PLN",
        4: totals.NO_BUCKET,
        9: "row left out: not an amount; the row is left out",
    }


def test_nothing_left_out_gives_no_line():
    summary = pd.DataFrame({TOTAL: [100.0]}, index=pd.Index([TOTAL]))
    found, _in = totals.reconcile(_aged().iloc[:1], summary, [], None, base_currency="EUR")
    assert found.line == ""


def _tables() -> dict[str, pd.DataFrame]:
    invoices = pd.DataFrame(
        {
            Invoices.NUMBER: ["A", "B", "C", "D"],
            Invoices.CUSTOMER_ID: ["K1", "K1", "K2", "K2"],
            Invoices.CURRENCY: ["PLN", "PLN", "EUR", "EUR"],
            Invoices.AMOUNT: [100.0, 200.0, 10.0, 20.0],
            Invoices.OPEN_AMOUNT: [None, 150.0, None, None],
            Invoices.TERMS: [None, None, None, "bogus"],
        },
        index=[2, 3, 4, 5],
    )
    customers = pd.DataFrame(
        {Customers.ID: ["K1", "K2"], Customers.TERMS: ["net 30", "nach Vereinbarung"]}, index=[2, 3]
    )
    return {"Invoices": invoices, "Customers": customers, "FX": pd.DataFrame(index=pd.Index([2]))}


def test_per_invoice_consequences_fold_into_one_problem_at_their_source():
    rate = "no FX rate for PLN — add 1 PLN = ? EUR to the FX sheet"
    terms_bad = "Payment terms 'nach Vereinbarung' not understood — write them like 'net 30'"
    override_bad = "Payment terms 'bogus' not understood — write them like 'net 30'"
    problems = [
        Problem("Invoices", 2, Invoices.CURRENCY, "PLN", rate),
        Problem("Invoices", 3, Invoices.CURRENCY, "PLN", rate),
        Problem("Invoices", 4, "Terms override", "nach Vereinbarung", terms_bad),
        Problem("Invoices", 5, "Terms override", "bogus", override_bad),
        Problem("Invoices", 4, "due_date", None, "no due date: it cannot be aged"),
        Problem("Invoices", 4, "due_date", None, "no due date: it cannot be aged"),  # the same one twice
    ]
    found = exceptions.at_source(problems, _tables(), base_currency="EUR")
    places = {(p.sheet, p.row, p.column): p for p in found}
    assert set(places) == {("FX", 3, "Currency"), ("Customers", 3, "Payment terms"), ("Invoices", 5, "Terms override")}
    fx = places[("FX", 3, "Currency")]
    assert fx.affects == 2 and "2 open invoices, 250.00 PLN (Invoices rows 2, 3)" in fx.reason
    customer_terms = places[("Customers", 3, "Payment terms")]
    assert customer_terms.affects == 1 and "1 of them has no due date: not aged, not in totals" in customer_terms.reason


def test_payments_a_missing_rate_keeps_from_counting_fold_into_that_rates_one_fx_row():
    """#17/#18: a payment that cannot be converted is one more consequence of the missing rate — named on the FX
    row of that currency (with its Payments row and amount), not a row of its own; another currency's payment
    makes that currency's row."""
    tables = _tables()
    tables["Payments"] = pd.DataFrame(
        {Payments.AMOUNT: [8000.0, 70.0], Payments.CURRENCY: ["PLN", "chf"], Payments.CUSTOMER_ID: ["K1", "K2"]},
        index=[2, 3],
    )
    rate = "no FX rate for PLN — add 1 PLN = ? EUR to the FX sheet"
    problems = [
        Problem("Invoices", 2, Invoices.CURRENCY, "PLN", rate),
        Problem(
            "Payments", 2, Payments.CURRENCY, "PLN",
            f"unapplied payment not counted against the balance of K1, so any reminder to K1 is held: {rate}",
        ),
        Problem(
            "Payments", 3, Payments.CURRENCY, "CHF",
            "invoice D is not claimed in the interest statement, the day it was paid in full being unknown: no FX "
            "rate for CHF on 2026-09-30 to convert this payment of CHF into EUR — add it to the FX sheet",
        ),
    ]  # fmt: skip
    found = exceptions.at_source(problems, tables, base_currency="EUR")
    assert [(p.sheet, p.value, p.affects) for p in found] == [("FX", "PLN", 2), ("FX", "CHF", 1)]
    pln, chf = found
    assert (
        pln.reason.startswith("no FX rate for PLN — add it on this row") and "1 open invoice, 100.00 PLN" in pln.reason
    )
    assert pln.reason.endswith(
        "; Payments row 2 (8,000.00 PLN): unapplied payment not counted against the balance of K1, so any reminder to "
        "K1 is held"
    )
    assert chf.reason == (
        "no FX rate for CHF — add it on this row: Currency CHF, Rate to base = the EUR value of 1 CHF. Until then "
        "Payments row 3 (70.00 CHF): invoice D is not claimed in the interest statement, the day it was paid in full "
        "being unknown"
    )


def test_the_sheet_is_sorted_by_sheet_and_row_and_links_each_cell():
    problems = [
        Problem("FX", 4, "Currency", "PLN", "no rate", affects=3),
        Problem("Invoices", 12, "Due date", "x", "bad"),
        Problem("export.csv", 7, "Amount", "x", "bad"),
        Problem("Customers", 9, "Email", "x", "bad"),
        Problem("Invoices", 3, "Amount", "x", "bad"),
    ]
    frame = exceptions.sheet(problems)
    assert list(zip(frame[ExceptionsSheet.SHEET], frame[ExceptionsSheet.ROW], strict=True)) == [
        ("Customers", 9), ("Invoices", 3), ("Invoices", 12), ("FX", 4), ("export.csv", 7),
    ]  # fmt: skip
    assert frame[ExceptionsSheet.CELL].tolist() == ["Customers!C9", "Invoices!F3", "Invoices!D12", "FX!A4", None]
    assert frame[ExceptionsSheet.AFFECTS].tolist() == [1, 1, 1, 3, 1]
