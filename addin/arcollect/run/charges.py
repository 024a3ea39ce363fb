"""What a run says about late charges: a note per governing law under which nothing statutory is charged, and
the InterestStatement sheet with the invoices its letter claims charges on."""

from __future__ import annotations

import pandas as pd

from arcollect.book import settings
from arcollect.engine import pricing
from arcollect.engine.law import claims as law_claims
from arcollect.problems import Problem
from arcollect.schema import INTEREST_STATEMENT, Aging, Customers, Invoices, Queue


def law_notes(config: settings.Settings, customers: pd.DataFrame) -> list[Problem]:
    """One line per governing law under which nothing statutory is charged, so that a zero is never silent."""
    from arcollect.engine import law

    notes = []
    if not config.governing_law:
        notes.append(
            Problem(
                "Settings", None, "GoverningLaw", None,
                "GoverningLaw is blank: customers without their own Jurisdiction are charged no statutory late "
                "interest — set it to the country whose law governs your contracts (arcollect config PATH "
                "GoverningLaw DE)",
            )
        )  # fmt: skip
    resolved = customers[pricing.JURISDICTION].astype(str)
    without_rule = resolved.where(customers[law_claims.LATE_CHARGE].isna(), "")
    for code, count in without_rule[without_rule != ""].value_counts().items():
        if not law.modelled(code):
            why = (
                "arcollect has no statutory rule for it" if code not in law.LAWS else "its rule could not be confirmed"
            )
            first = without_rule.index[without_rule == code][0]  # the row of the first such customer
            notes.append(
                Problem(
                    "Customers", first, "Jurisdiction", code,
                    f"{count} customer(s) under {code} law get no statutory late interest ({why}, see docs/LAW.md); "
                    "set a Late charge if their contract has one",
                )
            )  # fmt: skip
    return notes


CLAIM = "_claim"  # interest + compensation claimed on an invoice of the interest statement


def interest_statement(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    config: settings.Settings,
    problems: list[Problem],
    history: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The InterestStatement sheet for Settings InterestStatementPeriod (None when no period is set), and its
    invoices as the statement letter shows them: nothing open, the charges claimed, the days of interest."""
    if config.interest_statement_period is None:
        return None, pd.DataFrame()
    rows, more = law_claims.statement(
        invoices, customers, tables["Payments"], tables["FX"], config.interest_statement_period,
        base_currency=config.base_currency, history=history,
    )  # fmt: skip
    problems += more
    columns = INTEREST_STATEMENT.keys
    if rows.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame()
    names = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)[Customers.NAME]
    rows = rows.assign(**{Queue.CUSTOMER_NAME: rows[Invoices.CUSTOMER_ID].map(names)})
    sheet = rows[columns].sort_values([Invoices.CUSTOMER_ID, Invoices.NUMBER], ignore_index=True)
    claim = rows[Aging.LATE_INTEREST].to_numpy() + rows[Aging.FIXED_COMPENSATION].to_numpy()
    letters = rows.assign(
        **{
            Invoices.OPEN_AMOUNT: 0.0,
            Aging.DAYS_PAST_DUE: rows[Invoices.DAYS_LATE].to_numpy(),
            Aging.BASE_OPEN_AMOUNT: 0.0,
            CLAIM: claim,
        }
    )
    return sheet, letters.reset_index(drop=True)
