"""The demo workbook's data: big enough, varied enough, every bucket and status, and the deliberate bad rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from arcollect.bank import accounts
from arcollect.book.settings import parse_settings
from arcollect.demo import data as demo
from arcollect.engine import aging, calendar, terms
from arcollect.engine.policy import parse_policy
from arcollect.schema import FX, LANGUAGES, STATUSES, TABLES, Customers, Invoices, Payments, SettingsSheet

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo.tables(AS_OF)


@pytest.fixture(scope="module")
def good_invoices(tables) -> pd.DataFrame:
    invoices = tables["Invoices"]
    bad = invoices[Invoices.NUMBER].isin(list(demo.BAD_ROWS)) | (invoices.index == invoices.index[-1])
    return invoices[~bad]


def test_every_input_table_is_there_with_schema_columns(tables):
    assert set(tables) == {"Customers", "Invoices", "Payments", "FX", "Settings", "DunningLevels"}
    for name, table in tables.items():
        assert list(table.columns) == TABLES[name].keys, name


def test_customers_span_countries_currencies_and_every_template_language(tables):
    customers = tables["Customers"]
    assert len(customers) >= 300
    assert customers[Customers.COUNTRY].nunique() >= 12
    assert customers[Customers.CURRENCY].nunique() >= 8
    assert set(LANGUAGES) <= set(customers[Customers.LANGUAGE].dropna())
    assert customers[Customers.ID].is_unique and customers[Customers.NAME].is_unique
    names = set(customers[Customers.NAME])
    assert any("GmbH" in name for name in names) and any(name.endswith("株式会社") for name in names)
    assert any(name.endswith("有限公司") for name in names) and any("& Filhos" in name for name in names)


def test_addresses_use_reserved_domains_only(tables):
    customers = tables["Customers"]
    emails = pd.concat([customers[Customers.EMAIL], customers[Customers.ACCOUNT_MANAGER]]).dropna()
    good = emails[emails != demo.BAD_EMAIL]
    assert good.str.fullmatch(r"[a-z0-9.\-]+@[a-z0-9.\-]+\.(example|test)").all()
    assert customers[Customers.EMAIL].isna().sum() >= 1


def test_customer_settings_vary_realistically(tables):
    customers = tables["Customers"]
    zoned = customers[customers[Customers.TIME_ZONE].notna()]
    assert set(zoned[Customers.COUNTRY]) == {"US", "CA", "AU", "BR"}
    assert customers[Customers.TIME_ZONE].isna().mean() > 0.7
    assert customers[Customers.DO_NOT_CONTACT].sum() >= 2 and customers[Customers.AUTO_PAY].sum() >= 2
    assert customers[Customers.TERMS].nunique() >= 8
    for text in customers[Customers.TERMS].unique():
        terms.parse(text)  # raises for terms the engine does not understand
    subdivisions = customers[[Customers.COUNTRY, Customers.SUBDIVISION]].dropna().drop_duplicates()
    assert {("DE", "BY"), ("GB", "SCT"), ("US", "TX")} <= set(map(tuple, subdivisions.to_numpy()))
    for country, subdivision in subdivisions.itertuples(index=False):
        calendar.is_business_day(AS_OF, country, subdivision)  # raises for an unknown subdivision


def test_invoices_fill_every_aging_bucket_and_the_pre_due_window(tables, good_invoices):
    customers = tables["Customers"].set_index(Customers.ID)
    open_items = good_invoices[good_invoices[Invoices.STATUS] != "Paid"]
    assert len(open_items) >= 5000
    due = pd.to_datetime(open_items[Invoices.DUE_DATE])
    effective_terms = open_items[Invoices.TERMS].fillna(
        open_items[Invoices.CUSTOMER_ID].map(customers[Customers.TERMS])
    )
    due = due.fillna(terms.due_date(effective_terms, open_items[Invoices.INVOICE_DATE]))
    days = aging.days_past_due(due, AS_OF)
    counts = aging.bucket(days).value_counts()
    assert (counts[aging.labels()] >= 100).all(), counts
    assert ((days >= -5) & (days <= 0)).sum() >= 50


def test_statuses_promises_plans_credit_notes_and_partial_payments(good_invoices):
    invoices = good_invoices
    assert set(invoices[Invoices.STATUS]) == set(STATUSES)
    amount = invoices[Invoices.AMOUNT].astype(float)
    assert (amount < 0).sum() >= 20
    assert (invoices[Invoices.NUMBER].str.startswith("CN-") == (amount < 0)).all()
    open_ = invoices[Invoices.STATUS] != "Paid"
    assert ((invoices[Invoices.OPEN_AMOUNT] < amount) & open_ & (amount > 0)).sum() >= 50
    disputed = invoices[invoices[Invoices.STATUS] == "Disputed"]
    assert disputed[Invoices.DISPUTE_REASON].notna().all()
    promised = invoices.loc[invoices[Invoices.STATUS] == "Promised", Invoices.PROMISE_DATE]
    assert promised.notna().all()
    assert (promised < pd.Timestamp(AS_OF)).any() and (promised > pd.Timestamp(AS_OF)).any()
    assert invoices.loc[invoices[Invoices.STATUS] == "Plan", Invoices.PLAN_NEXT_DATE].notna().all()
    paid = invoices[invoices[Invoices.STATUS] == "Paid"]
    assert (paid[Invoices.OPEN_AMOUNT] == 0).all()


def test_invoices_are_billed_in_the_customer_currency_or_a_second_one(tables, good_invoices):
    customers = tables["Customers"].set_index(Customers.ID)
    home = good_invoices[Invoices.CUSTOMER_ID].map(customers[Customers.CURRENCY])
    foreign = good_invoices[good_invoices[Invoices.CURRENCY] != home]
    assert 3 <= foreign[Invoices.CUSTOMER_ID].nunique() <= 20
    rates = set(tables["FX"][FX.CURRENCY])
    assert set(good_invoices[Invoices.CURRENCY]) <= rates


def test_payments_cover_a_year_of_history_with_late_payers_and_unapplied_cash(tables, good_invoices):
    payments = tables["Payments"]
    span = payments[Payments.DATE].max() - payments[Payments.DATE].min()
    assert span >= pd.Timedelta(days=365)
    assert payments[Payments.DATE].max() < pd.Timestamp(AS_OF)
    assert payments[Payments.INVOICE_NUMBER].isna().sum() >= 5
    paid = good_invoices[good_invoices[Invoices.STATUS] == "Paid"].set_index(Invoices.NUMBER)
    applied = payments.dropna(subset=[Payments.INVOICE_NUMBER]).set_index(Payments.INVOICE_NUMBER)
    assert paid.index.isin(applied.index).all()
    paid_on = applied.loc[paid.index, Payments.DATE]
    late = paid_on > pd.to_datetime(paid[Invoices.DUE_DATE])
    assert 0.1 < late.mean() < 0.9


def test_invoice_numbers_are_unique_apart_from_the_deliberate_duplicate(tables):
    numbers = tables["Invoices"][Invoices.NUMBER]
    duplicated = numbers[numbers.duplicated(keep=False)]
    assert len(duplicated) == 2 and duplicated.iloc[-1] == numbers.iloc[-1]
    assert numbers.str.fullmatch(r"(INV|CN)-\d{4}-\d{6}").all()


def test_the_deliberately_bad_rows_are_present(tables):
    invoices = tables["Invoices"].set_index(Invoices.NUMBER)
    assert invoices.loc["INV-2026-900001", Invoices.DUE_DATE] == "31/02/2026"
    assert invoices.loc["INV-2026-900002", Invoices.AMOUNT] == "12,34,5x"
    assert invoices.loc["INV-2026-900003", Invoices.CURRENCY] == "EURO"
    assert invoices.loc["INV-2026-900004", Invoices.CUSTOMER_ID] not in set(tables["Customers"][Customers.ID])
    customers = tables["Customers"].set_index(Customers.ID)
    assert customers.loc[demo.BAD_CUSTOMER, Customers.EMAIL] == "accounts(at)example.com"
    assert tables["Invoices"][Invoices.DUE_DATE].dtype == object and tables["Invoices"][Invoices.AMOUNT].dtype == object


def test_settings_and_policy_sheets_parse_cleanly(tables):
    settings, problems = parse_settings(tables["Settings"])
    assert problems == []
    assert settings.company_name == "Northwind Components GmbH"
    assert settings.sender_mailbox == "ar@northwind.example"
    assert settings.sender_name == "Northwind Components Credit Control"
    assert settings.reply_to == "credit-control@northwind.example"
    assert (settings.iban, settings.bic) == ("DE89 3704 0044 0532 0130 00", "COBADEFFXXX")  # the account, #20
    assert settings.for_currency("iban", "CHF") == "CH93 0076 2011 6238 5295 7"
    billed = set(tables["Customers"][Customers.CURRENCY].dropna())
    assert len(billed) > 5 and accounts.missing(settings, billed) == []  # every currency billed has an account
    assert settings.finance_contact
    assert set(tables["Settings"][SettingsSheet.KEY]) >= {"BaseCurrency", "BankDetails"}
    levels, problems = parse_policy(tables["DunningLevels"])
    assert problems == [] and len(levels) == 7  # the default ladder, its thank-you and interest-statement levels


def test_fx_has_a_rate_for_every_currency_and_some_dated_rows(tables):
    fx = tables["FX"]
    used = set(tables["Customers"][Customers.CURRENCY])
    assert used <= set(fx[FX.CURRENCY])
    assert fx[FX.DATE].notna().sum() >= 1 and (fx[FX.RATE] > 0).all()


def test_the_same_seed_gives_the_same_tables_and_another_seed_does_not(tables):
    again = demo.tables(AS_OF, seed=7)
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, again[name])
    other = demo.tables(AS_OF, seed=8)
    assert not np.array_equal(
        other["Invoices"][Invoices.OPEN_AMOUNT].to_numpy(), tables["Invoices"][Invoices.OPEN_AMOUNT].to_numpy()
    )
