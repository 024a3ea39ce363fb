"""The notices that are not dunning levels: the collection-failed notice and the thank-you, in every language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from arcollect.book import template
from arcollect.book.settings import Settings, default_settings_rows
from arcollect.book.write import write_tables
from arcollect.engine import dunning
from arcollect.engine.policy import default_policy_rows, parse_policy
from arcollect.mail import compose
from arcollect.mail.render import Renderer
from arcollect.run import collect
from arcollect.schema import Customers, Invoices, Payments, Queue, SettingsSheet
from tests.unit.test_dunning import NOW, customers, paid_invoice, payment
from tests.unit.test_render import LANGUAGES, _eur, _plain, make_context


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_collection_failed_notice_renders_in_every_language(renderer: Renderer, language: str) -> None:
    rendered = renderer.render("collection_failed", language, make_context(language=language))
    assert rendered.language == language
    assert rendered.subject and "\n" not in rendered.subject and "C-1001" in rendered.subject
    for number in ("INV-1001", "INV-1002", "INV-2001"):
        assert number in rendered.text and number in rendered.html
    assert _eur("1734.56", language, "DE") in _plain(rendered.text)
    assert "IBAN DE89" in rendered.text  # pay by transfer instead: the bank details are shown
    english = renderer.render("collection_failed", "en", make_context(language="en"))
    assert language == "en" or rendered.subject != english.subject  # really translated, not the fallback


def test_the_collection_failed_notice_asks_to_check_the_mandate_or_pay_by_transfer(renderer: Renderer) -> None:
    rendered = renderer.render("collection_failed", "en", make_context(language="en"))
    assert rendered.subject == "Direct debit payment not received – account C-1001"
    text = " ".join(rendered.text.split())
    assert "not yet received payment of the invoices below, which were due to be collected by direct debit" in text
    assert "check your direct debit mandate and bank details, or pay" in text and "by bank transfer" in text


def test_the_german_notice_speaks_of_the_lastschrift(renderer: Renderer) -> None:
    rendered = renderer.render("collection_failed", "de", make_context())
    assert rendered.subject == "Zahlung per Lastschrift nicht eingegangen – Kundenkonto C-1001"
    assert "keinen Zahlungseingang feststellen" in rendered.html and "Lastschriftmandat" in rendered.html


# What a bank return, a refused or failed debit is called in each language: the notice may not say it, because all
# arcollect knows is that the payment has not arrived N days after the due date (dunning rule 5), not why.
_RETURNED = {
    "de": ("eingelöst", "Rücklastschrift", "nicht einziehen", "nicht per Lastschrift einziehen"),
    "en": ("unsuccessful", "unable to collect", "returned", "bounced", "failed"),
    "fr": ("Échec", "pas pu encaisser", "rejet", "impayé"),
    "es": ("no atendida", "no hemos podido cobrar", "devuelt"),
    "it": ("non riuscito", "non è stato possibile incassare", "insolut"),
    "nl": ("niet gelukt", "niet via automatische incasso kunnen innen", "gestorneerd", "storno"),
    "pt": ("não cobrado", "não nos foi possível cobrar", "devolvid"),
    "ja": ("振替不能", "お引き落としができませんでした"),
    "zh": ("未成功", "未能通过自动扣款"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_direct_debit_notice_says_only_that_the_payment_has_not_arrived(renderer: Renderer, language: str) -> None:
    rendered = renderer.render("collection_failed", language, make_context(language=language))
    for words in (rendered.subject, " ".join(rendered.text.split())):
        for phrase in _RETURNED[language]:
            assert phrase.lower() not in words.lower(), (language, phrase)


def test_a_customer_name_with_markup_is_escaped_in_the_notice(renderer: Renderer) -> None:
    rendered = renderer.render("collection_failed", "en", make_context(name="<b>X</b>", language="en"))
    assert "&lt;b&gt;X&lt;/b&gt;" in rendered.html and "<b>X</b>" not in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_planned_thank_you_composes_with_the_paid_invoices_and_amounts(renderer: Renderer, language: str) -> None:
    policy, _ = parse_policy(default_policy_rows())
    level = next(item for item in policy if item.is_thanks)
    invoices = pd.DataFrame([paid_invoice("A", "2026-11-25", 1234.56), paid_invoice("B", "2026-11-30", 65.44)])
    payments = pd.DataFrame([payment("A", "2026-11-20", 1234.56), payment("B", "2026-11-23", 65.44)])
    people = customers(**{Customers.LANGUAGE: language})
    queue = dunning.thanks(invoices, payments, people, level, now=NOW)
    row = queue.iloc[0].to_dict()
    row[Queue.KEY] = compose.key_for(row)
    items = dunning.paid_on_time(invoices, payments)
    records = compose.Records(items, items.iloc[0:0], people, reminders=queue)
    settings = Settings(company_name="Acme Supplies GmbH", base_currency="EUR")
    values = compose.context_from(row, records, settings, level)
    assert [invoice["open_amount"] for invoice in values["sections"][0]["invoices"]] == [
        Decimal("1234.56"),
        Decimal("65.44"),
    ]
    assert [invoice["days_past_due"] for invoice in values["sections"][0]["invoices"]] == [-5, -7]
    reminder = compose.compose_from(row, records, settings, level, renderer)
    assert reminder.template == "thanks" and reminder.invoices == ("A", "B")
    assert "A" in reminder.text and "B" in reminder.text
    assert _eur("1300.00", language, "DE") in _plain(reminder.text)  # the paid subtotal


def _book(folder: Path, thank_you: str) -> Path:
    """A new template workbook with one customer who paid an invoice in full, on time, yesterday."""
    path = folder / "book.xlsx"
    template.build(path)
    setting_rows = default_settings_rows()
    for key, value in {
        "CompanyName": "Acme Supplies Ltd",
        "SenderMailbox": "ar@acme.example",
        "BankDetails": "Acme Bank plc, account 12345678",
        "ThankYou": thank_you,
    }.items():
        setting_rows.loc[setting_rows[SettingsSheet.KEY] == key, SettingsSheet.VALUE] = value
    people = pd.DataFrame(
        [
            {
                Customers.ID: "C1",
                Customers.NAME: "Client GmbH",
                Customers.EMAIL: "ap@client.example",
                Customers.COUNTRY: "DE",
                Customers.LANGUAGE: "en",
                Customers.CURRENCY: "EUR",
            }
        ]
    )
    bills = pd.DataFrame(
        [
            {
                Invoices.NUMBER: "INV-1",
                Invoices.CUSTOMER_ID: "C1",
                Invoices.INVOICE_DATE: date(2026, 11, 1),
                Invoices.DUE_DATE: date(2026, 12, 1),
                Invoices.CURRENCY: "EUR",
                Invoices.AMOUNT: 500.0,
                Invoices.OPEN_AMOUNT: 0.0,
                Invoices.STATUS: "Paid",
            }
        ]
    )
    paid = pd.DataFrame(
        [
            {
                Payments.DATE: date(2026, 11, 23),
                Payments.CUSTOMER_ID: "C1",
                Payments.INVOICE_NUMBER: "INV-1",
                Payments.AMOUNT: 500.0,
                Payments.CURRENCY: "EUR",
                Payments.METHOD: "Bank transfer",
            }
        ]
    )
    write_tables(path, {"Customers": people, "Invoices": bills, "Payments": paid, "Settings": setting_rows})
    return path


@pytest.mark.parametrize(("thank_you", "thanked"), [("false", False), ("true", True)])
def test_the_run_thanks_only_when_the_thank_you_setting_is_on(tmp_path: Path, thank_you: str, thanked: bool) -> None:
    report = collect(_book(tmp_path, thank_you), now=NOW, send=True, write_back=False)
    rows = report.queue[report.queue[Queue.TEMPLATE] == "thanks"] if not report.queue.empty else report.queue
    assert len(rows) == (1 if thanked else 0)
    assert len(report.sent) == (1 if thanked else 0)
    if thanked:
        reminder = report.reminders[rows.iloc[0][Queue.KEY]]
        assert reminder.subject == "Thank you for your payment – account C1" and "INV-1" in reminder.text
        again = collect(tmp_path / "book.xlsx", now=NOW, send=True, write_back=False)
        assert again.sent == [] and again.queue[Queue.REASON].str.startswith("already").all()
