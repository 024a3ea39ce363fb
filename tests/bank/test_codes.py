"""Pay in one scan: RF references, accounts per currency, and QR codes decoded by an independent reader.

Every code is decoded again with OpenCV's QR detector (tests/bank/decode.py) and compared field by field with
what the standard says the field must hold — the EPC069-12 line layout and the Swiss QR-bill element order
(SIX, Swiss Implementation Guidelines for the QR-bill, v2.3, section 4.3.3), written out here, not taken from
the code under test.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest
from stdnum import iso11649

from arcollect.bank import accounts, qr, references
from arcollect.bank.accounts import Account
from arcollect.book.settings import parse_settings
from arcollect.schema import SettingsSheet
from tests.bank.decode import decode_qr

EPC_FIELDS = (
    "service_tag", "version", "charset", "identification", "bic", "name", "iban", "amount", "purpose",
    "structured_reference", "unstructured_remittance", "information",
)  # fmt: skip
SWISS_FIELDS = (
    "qr_type", "version", "coding", "iban",
    "creditor_address_type", "creditor_name", "creditor_street", "creditor_house", "creditor_postcode",
    "creditor_town", "creditor_country",
    *(f"ultimate_creditor_{n}" for n in range(7)),
    "amount", "currency",
    *(f"debtor_{n}" for n in range(7)),
    "reference_type", "reference", "message", "trailer",
)  # fmt: skip


def _settings(*rows: tuple[str, str]):
    table = pd.DataFrame(
        {SettingsSheet.KEY: [key for key, _ in rows], SettingsSheet.VALUE: [value for _, value in rows]}
    )
    return parse_settings(table)


# ---- RF references ------------------------------------------------------------------------------------------------


def test_a_reminder_reference_is_a_valid_rf_reference_fixed_by_customer_and_invoice_set():
    one = references.creditor_reference("C-1001", ["INV-2026-0042", "INV-2026-0007"])
    assert iso11649.is_valid(one) and one.startswith("RF") and len(one) <= 25
    assert one == references.creditor_reference("C-1001", ["INV-2026-0007", "INV-2026-0042"])
    assert one[4:9] == "C1001"  # whose it is, readable
    assert one != references.creditor_reference("C-1001", ["INV-2026-0042"])
    assert one != references.creditor_reference("C-1002", ["INV-2026-0042", "INV-2026-0007"])


def test_the_iso_11649_example_reference_is_built_and_printed_as_the_standard_shows():
    # ISO 11649's worked example: body 539007547034 → RF18 5390 0754 7034
    assert references.from_body("539007547034") == "RF18539007547034"
    assert references.printed("RF18539007547034") == "RF18 5390 0754 7034"


def test_the_users_pattern_makes_the_body_and_a_too_long_result_falls_back_to_the_default():
    own = references.creditor_reference("C-1001", ["INV-7"], "{customer}{invoices}")
    assert own[4:] == "C1001INV7" and iso11649.is_valid(own)
    many = [f"INVOICE-2026-{n:05d}" for n in range(5)]
    assert references.creditor_reference("C-1001", many, "{customer}{invoices}") == references.creditor_reference(
        "C-1001", many
    )


def test_references_are_found_in_bank_text_printed_glued_or_lower_case_and_never_invented():
    assert references.found_in("Zahlung RF18 5390 0754 7034 danke") == ["RF18539007547034"]
    assert references.found_in("ref rf18539007547034/SEPA") == ["RF18539007547034"]
    assert references.found_in("RF18539007547034SEPAZAHLUNG") == ["RF18539007547034"]
    assert references.found_in("RF19 5390 0754 7034 and RF00 1") == []  # wrong check digits
    assert references.found_in(None) == [] and references.found_in("") == []


# ---- accounts per currency ---------------------------------------------------------------------------------------


def test_each_currency_gets_its_own_account_and_a_eur_iban_is_never_offered_for_usd():
    config, problems = _settings(
        ("CompanyName", "Northwind GmbH"),
        ("IBAN", "DE89370400440532013000"),
        ("BIC", "COBADEFFXXX"),
        ("IBAN.CHF", "CH93 0076 2011 6238 5295 7"),
        ("AccountHolder.CHF", "Northwind Schweiz AG"),
        ("BankDetails USD", "JPMorgan Chase, ABA 021000021, account 000123456789"),
    )
    assert problems == []
    eur = accounts.for_currency(config, "EUR")
    assert (eur.iban, eur.bic, eur.holder) == ("DE89370400440532013000", "COBADEFFXXX", "Northwind GmbH")
    chf = accounts.for_currency(config, "CHF")
    assert (chf.iban, chf.bic, chf.holder) == ("CH9300762011623852957", "", "Northwind Schweiz AG")
    usd = accounts.for_currency(config, "USD")
    assert usd.iban == "" and usd.lines() == ["JPMorgan Chase, ABA 021000021, account 000123456789"]
    assert accounts.for_currency(config, "GBP") is None
    warning = accounts.missing(config, ["EUR", "GBP", "USD"])
    assert [problem.value for problem in warning] == ["IBAN.GBP"]


def test_an_invalid_iban_or_bic_is_reported_and_refuses_sending():
    config, problems = _settings(("IBAN", "DE89370400440532013001"), ("BIC.CHF", "NOTABIC"))
    assert config.iban == "" and len(problems) == 2
    assert "IBAN 'DE89370400440532013001' is not usable" in problems[0].reason
    refusals = accounts.refusals(config)
    assert len(refusals) == 2 and "Settings IBAN is not a valid IBAN" in refusals[0]
    assert "BIC.CHF" in refusals[1]
    assert accounts.refusals(_settings(("IBAN", "DE89 3704 0044 0532 0130 00"))[0]) == []


# ---- QR codes, decoded independently -----------------------------------------------------------------------------


def test_epc_qr_code_decodes_to_every_field_the_standard_asks_for():
    account = Account("EUR", "Müller & Söhne GmbH", "DE89370400440532013000", "COBADEFFXXX", "")
    code = qr.payment_code(
        account, amount=Decimal("1234.5"), currency="EUR", reference="RF18539007547034", note="Kundenkonto C-1001"
    )
    assert code.kind == "epc" and code.version <= qr.EPC_MAX_VERSION
    (text,) = decode_qr(code.png())
    assert len(text.encode("utf-8")) <= 331
    fields = dict(zip(EPC_FIELDS, text.split("\n"), strict=True))
    assert fields == {
        "service_tag": "BCD",
        "version": "002",
        "charset": "1",
        "identification": "SCT",
        "bic": "COBADEFFXXX",
        "name": "Müller & Söhne GmbH",
        "iban": "DE89370400440532013000",
        "amount": "EUR1234.50",
        "purpose": "",
        "structured_reference": "RF18539007547034",
        "unstructured_remittance": "",
        "information": "Kundenkonto C-1001",
    }


@pytest.mark.parametrize("module_pixels", [2, 4, 8])
def test_swiss_qr_bill_code_decodes_to_every_element_with_the_cross_in_place(module_pixels):
    account = Account("CHF", "Helvetia Handels AG", "CH9300762011623852957", "", "")
    code = qr.payment_code(
        account, amount=Decimal("12345.6"), currency="CHF", reference="RF18 5390 0754 7034",
        note="Kundenkonto C-2001", creditor_address="Bahnhofstrasse 1, 8001 Zürich, CH", language="de",
    )  # fmt: skip
    assert code.kind == "swiss"
    (text,) = decode_qr(code.png(module_pixels))
    fields = dict(zip(SWISS_FIELDS, text.split("\r\n"), strict=True))
    assert fields == {
        "qr_type": "SPC", "version": "0200", "coding": "1", "iban": "CH9300762011623852957",
        "creditor_address_type": "S", "creditor_name": "Helvetia Handels AG", "creditor_street": "Bahnhofstrasse",
        "creditor_house": "1", "creditor_postcode": "8001", "creditor_town": "Zürich", "creditor_country": "CH",
        **{f"ultimate_creditor_{n}": "" for n in range(7)},
        "amount": "12345.60", "currency": "CHF",
        **{f"debtor_{n}": "" for n in range(7)},
        "reference_type": "SCOR", "reference": "RF18539007547034", "message": "Kundenkonto C-2001", "trailer": "EPD",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "iban", "why"),
    [
        ("USD", "DE89370400440532013000", "do not read payment QR codes for USD"),
        ("EUR", "", "no IBAN"),
        ("CHF", "DE89370400440532013000", "IBAN must start with"),
    ],
)
def test_no_code_where_no_bank_would_read_one(currency, iban, why):
    account = Account(currency, "Northwind GmbH", iban, "", "")
    with pytest.raises(qr.NoCode, match=why):
        qr.payment_code(
            account, amount=Decimal("10"), currency=currency, reference="RF18539007547034",
            creditor_address="Hauptstrasse 1, 8001 Zürich, CH",
        )  # fmt: skip


def test_no_epc_code_for_nothing_to_pay_or_more_than_it_can_carry():
    account = Account("EUR", "Northwind GmbH", "DE89370400440532013000", "", "")
    for amount in (Decimal(0), Decimal("-5"), Decimal("1000000000")):
        with pytest.raises(qr.NoCode, match=re.escape("0.01 to 999,999,999.99")):
            qr.payment_code(account, amount=amount, currency="EUR", reference="RF18539007547034")
