"""A currency with something to remind but no bank account is one Exceptions row on every run, naming the setting.

The customer billed in GBP gets a letter without bank details ("reply and we will send them"); the Settings sheet
has accounts for EUR (the base currency) and USD only. Refresh, preview and send each write the Exceptions sheet of
the real .xlsx; each must show exactly one row for GBP — none for a currency that has an account, and none for a
currency whose invoices are all paid — and filling in IBAN.GBP makes it go away.
"""

from __future__ import annotations

from arcollect.cli import main
from arcollect.run import collect
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, outbox_messages, sheet_rows

EUR_IBAN = "DE89 3704 0044 0532 0130 00"
GB_IBAN = "GB29 NWBK 6016 1331 9268 19"  # the IBAN registry's example for the United Kingdom


def _book(tmp_path, **settings):
    customers = [
        customer("C1"),
        customer("G1", country="GB", currency="GBP"),
        customer("U1", country="US", currency="USD"),
        customer("S1", country="CH", currency="CHF"),
    ]
    invoices = [
        invoice("INV-1", "C1", due="2026-11-10", amount=1000.0),
        invoice("GB-1", "G1", due="2026-11-10", amount=1200.0, currency="GBP"),
        invoice("GB-2", "G1", due="2026-11-12", amount=100.0, currency="GBP"),
        invoice("US-1", "U1", due="2026-11-10", amount=500.0, currency="USD"),
        invoice("CH-1", "S1", due="2026-11-10", amount=700.0, currency="CHF", open_amount=0, status="Paid"),
    ]
    defaults = {"IBAN": EUR_IBAN, "BIC": "COBADEFFXXX", "BankDetails.USD": "Chase, ABA 021000021, acct 000123456789"}
    return make_book(tmp_path, customers=customers, invoices=invoices, settings={**defaults, **settings})


def _missing_rows(path):
    return [row for row in sheet_rows(path, "Exceptions") if str(row["value"]).startswith("IBAN.")]


def test_every_run_reports_the_currency_without_an_account_once_naming_the_setting(tmp_path, capsys):
    path = _book(tmp_path)
    now = TUESDAY.isoformat()
    for command in ("refresh", "preview", "send"):
        assert main([command, str(path), "--now", now]) == 0, command
        (row,) = _missing_rows(path)  # one row, not one per run or per invoice
        assert row["sheet"] == "Settings" and row["value"] == "IBAN.GBP", command
        assert "IBAN.GBP" in row["reason"] and "BankDetails.GBP" in row["reason"] and "GBP" in row["reason"]
    assert "Traceback" not in capsys.readouterr().out

    # what the row warns about: the GBP letter went out without any account, the EUR one with its IBAN
    letters = {message["To"]: message for message in outbox_messages(tmp_path)}
    gbp = letters["ap-g1@client.example"].get_body(("plain",)).get_content()
    eur = letters["ap-c1@client.example"].get_body(("plain",)).get_content()
    assert "IBAN" not in gbp and "DE89" not in gbp
    assert EUR_IBAN in eur


def test_the_row_goes_when_the_account_is_filled_in_and_a_paid_up_currency_never_had_one(tmp_path):
    report = collect(_book(tmp_path, **{"IBAN.GBP": GB_IBAN}), now=TUESDAY, send=False)
    assert [p for p in report.problems if str(p.value).startswith("IBAN.")] == []
    assert _missing_rows(tmp_path / "collections.xlsx") == []

    bare = tmp_path / "bare"
    bare.mkdir()
    report = collect(_book(bare, **{"BankDetails.USD": "", "IBAN.GBP": GB_IBAN}), now=TUESDAY, send=False)
    assert [p.value for p in report.problems if str(p.value).startswith("IBAN.")] == ["IBAN.USD"]  # CHF: all paid
