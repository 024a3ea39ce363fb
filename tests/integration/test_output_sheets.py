"""What every output sheet says about itself (#18): the currency of each money column, why an empty sheet is
empty, and a risk score that does not read "no risk" for a customer nobody has seen pay.

Real workbooks, written by a run and read back with openpyxl.
"""

from __future__ import annotations

import re

import openpyxl
import pytest

from arcollect.run import collect
from arcollect.schema import FX, OUTPUT_TABLES, Kind

from .workbooks import TUESDAY, customer, invoice, make_book

# A money column names its currency: the base currency's code, or — where the amount is in each row's own
# currency — says so, with that Currency column beside it.
_BASE = re.compile(r"\(CHF\)$")
_OWN_CURRENCY = re.compile(r"\((invoice|statement) currency\)$")


@pytest.fixture
def swiss_book(tmp_path):
    """A seller whose base currency is CHF, billing in CHF, EUR and GBP (the header is built at run time)."""
    return make_book(
        tmp_path,
        customers=[customer("CH1", country="CH", currency="CHF"), customer("DE1"), customer("GB1", country="GB")],
        invoices=[
            invoice("C-1", "CH1", due="2026-10-30", amount=5000.0, currency="CHF"),
            invoice("E-1", "DE1", due="2026-11-17", amount=1200.5),
            invoice("G-1", "GB1", due="2026-12-20", amount=310.0, currency="GBP"),
        ],
        fx=[{FX.CURRENCY: "EUR", FX.RATE: 0.93}, {FX.CURRENCY: "GBP", FX.RATE: 1.06}],
        settings={"BaseCurrency": "CHF", "InterestStatementPeriod": "2026-07-01..2026-09-30"},
    )


def test_every_money_column_of_every_output_sheet_names_its_currency(swiss_book):
    collect(swiss_book, now=TUESDAY, send=False)

    book = openpyxl.load_workbook(swiss_book)
    for table in OUTPUT_TABLES:
        headers = [cell.value for cell in book[table.sheet][1] if cell.value is not None]
        kinds = {column.header: column.kind for column in table.columns}
        money = [
            header
            for header in headers
            if kinds.get(header, kinds.get(_BASE.sub("(base)", header), Kind.MONEY)) is Kind.MONEY
        ]
        for header in money:
            assert _BASE.search(header) or _OWN_CURRENCY.search(header), f"{table.sheet}: {header!r}"
            if _OWN_CURRENCY.search(header):
                assert "Currency" in headers, f"{table.sheet}: {header!r} without a Currency column"
        assert not any("(base)" in header for header in headers), table.sheet
    assert [cell.value for cell in book["AgingSummary"][1]][2:] == [
        "Current (CHF)", "1-30 (CHF)", "31-60 (CHF)", "61-90 (CHF)", "91-120 (CHF)", "120+ (CHF)", "Total (CHF)",
    ]  # fmt: skip
    assert {str(rule.sqref)[0] for rule in book["AgingSummary"].conditional_formatting} == set("CDEFGH")  # not Total
    dashboard = [cell.value for row in book["Dashboard"].iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not any("(base)" in text for text in dashboard)
    assert {"Amount (CHF)", "Open (CHF)", "Overdue (CHF)", "Total open (CHF)"} <= set(dashboard)
