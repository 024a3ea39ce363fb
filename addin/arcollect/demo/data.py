"""Realistic sample input tables for the demo workbook: many countries, currencies and languages.

    >>> import datetime as dt
    >>> from arcollect.demo import data
    >>> tables = data.tables(dt.date(2026, 11, 24))
    >>> sorted(tables)
    ['Customers', 'DunningLevels', 'FX', 'Invoices', 'Payments', 'Settings']
    >>> len(tables["Customers"]) >= 300 and len(tables["Invoices"]) >= 5000
    True

The same `as_of` and `seed` always give the same tables (numpy's default_rng). Invoices are generated as whole
columns; only the customers are built in a small loop. Dates sit relative to `as_of` so that every aging bucket
is populated whatever day the demo runs: open items not yet due, due within the pre-due window, 1-30 … 120+ days
past due, plus a year and more of paid invoices with their payments (on time and late) for payment behaviour,
DSO and CEI, and some unapplied cash.

Customers: 352 in 19 countries (DE with BY/BE/NW, GB with ENG/SCT, US with NY/CA/TX, CA, AU, BR …), billed in
their country's currency (a few in two), writing in every template language. Addresses use the reserved
``.example`` and ``.test`` domains only. Time zones are blank (derived from the country) except in the multi-zone
countries US, CA, AU and BR.

Deliberately bad rows, for the reader to report on the Exceptions sheet (see `BAD_ROWS`):

- Invoices ``INV-2026-900001``: due date text ``31/02/2026`` (no such day).
- Invoices ``INV-2026-900002``: amount text ``12,34,5x`` (not a number).
- Invoices ``INV-2026-900003``: currency ``EURO`` (not an ISO 4217 code).
- Invoices ``INV-2026-900004``: customer ``C99999``, which is not on the Customers sheet.
- Invoices: the last row repeats the number of an earlier open invoice (a duplicate invoice number).
- Customers ``C10007``: email ``accounts(at)example.com`` (not an email address).

The Invoices columns holding those values (due date, amount) are object columns: dates / numbers with one text
cell, which the writer writes as text, as a user's typo would be.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arcollect.book.settings import default_settings_rows
from arcollect.engine import money, terms
from arcollect.engine.policy import default_policy_rows
from arcollect.schema import (
    CUSTOMERS,
    FX_TABLE,
    INVOICES,
    PAYMENTS,
    SETTINGS,
    DunningLevels,
    SettingsSheet,
)
from arcollect.schema import FX as FXColumns
from arcollect.schema import Customers as C
from arcollect.schema import Invoices as I
from arcollect.schema import Payments as P

COMPANY = "Northwind Components GmbH"
BAD_CUSTOMER = "C10007"
BAD_EMAIL = "accounts(at)example.com"
UNKNOWN_CUSTOMER = "C99999"
BAD_ROWS: dict[str, tuple[str, str, str]] = {
    # invoice number or customer id → (table, column key, raw value)
    "INV-2026-900001": ("Invoices", I.DUE_DATE, "31/02/2026"),
    "INV-2026-900002": ("Invoices", I.AMOUNT, "12,34,5x"),
    "INV-2026-900003": ("Invoices", I.CURRENCY, "EURO"),
    "INV-2026-900004": ("Invoices", I.CUSTOMER_ID, UNKNOWN_CUSTOMER),
    BAD_CUSTOMER: ("Customers", C.EMAIL, BAD_EMAIL),
}
AB_TEMPLATES = ("friendly", "friendly_b")  # level 1 tests the payment-details-first layout
SETTINGS_VALUES = {
    "CompanyName": COMPANY,
    "SenderMailbox": "ar@northwind.example",
    "SenderName": "Northwind Components Credit Control",  # the From line reads as a company, not a bare mailbox
    "ReplyTo": "credit-control@northwind.example",
    "BankDetails": "Commerzbank AG, Hamburg",
    "IBAN": "DE89 3704 0044 0532 0130 00",
    "BIC": "COBADEFFXXX",
    "CompanyAddress": "Hafenstrasse 12, 20457 Hamburg, DE",
    "FinanceContact": "finance@northwind.example",
    "GoverningLaw": "DE",  # Northwind Components GmbH sells under German law
}
# Accounts for the other currencies the demo bills in (#20): a Swiss account (QR-bill), pound and dollar accounts.
SETTINGS_EXTRA = {
    "IBAN.CHF": "CH93 0076 2011 6238 5295 7",
    "BIC.CHF": "UBSWCHZH80A",
    "BankDetails.CHF": "UBS Switzerland AG, Zürich",
    "IBAN.GBP": "GB33 BUKB 2020 1555 5555 55",
    "BankDetails.GBP": "Barclays Bank UK PLC, sort code 20-20-15, account 55555555",
    "BankDetails.USD": "JPMorgan Chase Bank, N.A., New York · ABA 021000021 · account 000123456789 · SWIFT CHASUS33",
    # every other currency billed has its wire instructions too: a run lists a billed currency without any
    "BankDetails.CAD": "Royal Bank of Canada, Toronto · SWIFT ROYCCAT2 · transit 00002 · account 1234567",
    "BankDetails.AUD": "Westpac Banking Corporation, Sydney · SWIFT WPACAU2S · BSB 032-000 · account 123456",
    "BankDetails.JPY": "MUFG Bank, Ltd., Tokyo · SWIFT BOTKJPJT · branch 001 · account 1234567",
    "BankDetails.CNY": "Bank of China, Shanghai Branch · SWIFT BKCHCNBJ300 · account 1234 5678 9012 3456",
    "BankDetails.BRL": "Banco do Brasil S.A., São Paulo · SWIFT BRASBRRJSPO · agência 0001 · conta 12345-6",
    "BankDetails.SEK": "Skandinaviska Enskilda Banken, Stockholm · SWIFT ESSESESS · account 5000-1234567",
    "BankDetails.PLN": "PKO Bank Polski, Warszawa · SWIFT BPKOPLPW · account 12 1020 1026 0000 0402 0123 4567",
}
# 1 unit = rate EUR, rounded realistic values; undated rows hold for every date.
RATES = {
    "EUR": 1.0,
    "GBP": 1.14,
    "USD": 0.86,
    "CHF": 1.07,
    "JPY": 0.0056,
    "CNY": 0.121,
    "BRL": 0.16,
    "AUD": 0.56,
    "SEK": 0.091,
    "PLN": 0.235,
    "CAD": 0.615,
}
OPEN_INVOICES = 5_400
PAID_INVOICES = 3_600
PRE_DUE_WINDOW = 5


@dataclass(frozen=True)
class _Country:
    code: str
    count: int
    currency: str
    languages: tuple[str, ...]
    subdivisions: tuple[str, ...] = ("",)
    zones: tuple[str, ...] = ()  # one per subdivision, for multi-zone countries
    forms: tuple[str, ...] = ()
    entity: str = COMPANY


_COUNTRIES = (
    _Country("DE", 60, "EUR", ("de",), ("BY", "BE", "NW", "BW", "HE", ""), forms=("GmbH", "GmbH & Co. KG", "AG", "KG")),
    _Country("FR", 35, "EUR", ("fr",), forms=("SARL", "SAS", "SA")),
    _Country("GB", 35, "GBP", ("en",), ("ENG", "SCT", ""), forms=("Ltd", "plc", "LLP"), entity="Northwind UK Ltd"),
    _Country("NL", 20, "EUR", ("nl",), forms=("B.V.", "N.V.")),
    _Country("IT", 20, "EUR", ("it",), forms=("S.r.l.", "S.p.A.")),
    _Country("ES", 20, "EUR", ("es",), forms=("S.L.", "S.A.")),
    _Country("IE", 8, "EUR", ("en",), forms=("Ltd", "DAC"), entity="Northwind UK Ltd"),
    _Country("AT", 12, "EUR", ("de",), forms=("GmbH", "AG")),
    _Country("CH", 12, "CHF", ("de", "de", "fr", "it"), forms=("AG", "GmbH")),
    _Country("BE", 10, "EUR", ("nl", "fr"), forms=("BV",)),
    _Country("PT", 10, "EUR", ("pt",), forms=("Lda", "S.A.")),
    _Country(
        "US",
        36,
        "USD",
        ("en",),
        ("NY", "CA", "TX"),
        ("America/New_York", "America/Los_Angeles", "America/Chicago"),
        ("Inc.", "LLC", "Corp."),
        "Northwind Components Inc.",
    ),
    _Country(
        "CA",
        9,
        "CAD",
        ("en",),
        ("ON", "QC", "BC"),
        ("America/Toronto", "America/Toronto", "America/Vancouver"),
        ("Ltd.", "Inc."),
        "Northwind Components Inc.",
    ),
    _Country("JP", 14, "JPY", ("ja",)),
    _Country("CN", 14, "CNY", ("zh",)),
    _Country("BR", 12, "BRL", ("pt",), ("SP", "RJ", "AM"), ("America/Sao_Paulo",) * 2 + ("America/Manaus",), ("Ltda",)),
    _Country(
        "AU",
        9,
        "AUD",
        ("en",),
        ("NSW", "VIC", "WA"),
        ("Australia/Sydney", "Australia/Melbourne", "Australia/Perth"),
        ("Pty Ltd",),
    ),
    _Country("SE", 8, "SEK", ("",), forms=("AB",)),
    _Country("PL", 8, "PLN", ("en",), forms=("Sp. z o.o.",)),
)
_FORMS_BY_LANGUAGE = {("CH", "fr"): ("SA", "Sàrl"), ("CH", "it"): ("SA", "Sagl"), ("BE", "fr"): ("SRL", "SA")}
# The law of each selling entity's contracts: the GmbH's is GoverningLaw (DE); the UK company sells under English
# law, the US company under US law, where no statute gives late interest and its terms charge 1.5 % a month.
_ENTITY_LAW = {"Northwind UK Ltd": "GB", "Northwind Components Inc.": "US"}
_ENTITY_LATE_CHARGE = {"Northwind Components Inc.": "1.5 % per month"}
# Every third French customer buys on its own terms, which choose French law; every fifth Dutch customer is a
# private buyer (webshop): a consumer, whose own law governs (Rome I art. 6) with its consumer rules.
_OWN_LAW_EVERY = {"FR": 3}
_CONSUMER_EVERY = {"NL": 5}

_NAMES = {
    "de": (
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer"),
        ("Maschinenbau", "Metallbau", "Elektrotechnik", "Logistik", "Kunststofftechnik", "Antriebstechnik"),
    ),
    "fr": (
        ("Dupont", "Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Lefèvre", "Girard", "Bonnet"),
        ("Boulangerie", "Ateliers", "Transports", "Établissements", "Mécanique", "Menuiserie"),
    ),
    "en": (
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Davies", "Robinson", "Wright", "Thompson", "Clarke"),
        ("Engineering", "Components", "Supplies", "Logistics", "Fabrication", "Precision Tools"),
    ),
    "nl": (
        ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos"),
        ("Techniek", "Installatietechniek", "Handelsonderneming", "Transport", "Metaalbewerking"),
    ),
    "it": (
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Greco", "Conti"),
        ("Meccanica", "Costruzioni", "Forniture Industriali", "Trasporti", "Elettronica"),
    ),
    "es": (
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"),
        ("Suministros Industriales", "Construcciones", "Transportes", "Talleres", "Distribuciones"),
    ),
    "pt": (
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Gomes"),
        ("Metalúrgica", "Transportes", "Comércio", "Indústria", "Distribuidora"),
    ),
    "ja": (
        ("山田", "田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺", "中村", "小林", "加藤"),
        ("商事", "工業", "電機", "精機", "物産", "製作所"),
    ),
    "zh": (
        ("恒泰", "华盛", "金鼎", "宏达", "永利", "鑫源", "瑞丰", "东方", "中联", "新世纪"),
        ("贸易", "实业", "科技", "机械", "电子", "物流"),
    ),
    "sv": (
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"),
        ("Verkstad", "Maskin", "Transport", "Bygg", "Industri"),
    ),
}
_CHINESE_CITIES = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "宁波")
_MAILBOXES = {
    "de": "buchhaltung",
    "fr": "comptabilite",
    "en": "accounts.payable",
    "nl": "crediteuren",
    "it": "amministrazione",
    "es": "contabilidad",
    "pt": "financeiro",
    "ja": "keiri",
    "zh": "caiwu",
    "": "ekonomi",
}
_MANAGERS = tuple(
    f"{name}@northwind.example"
    for name in ("anna.keller", "ben.hartmann", "claire.martin", "david.osei", "elena.rossi", "farid.haddad")
)
_TERMS = (
    ("net 30", 0.34),
    ("2/10 net 30", 0.16),
    ("net 30 EOM", 0.10),
    ("1/10 EOM", 0.05),
    ("2/10 prox net 30", 0.05),
    ("net 60", 0.12),
    ("due on receipt", 0.05),
    ("3/10 2/20 net 45", 0.05),
    ("net 14", 0.08),
)
_DISPUTES = (
    "Goods damaged in transit",
    "Price differs from PO",
    "Quantity short-shipped",
    "Invoice sent to wrong entity",
    "Awaiting proof of delivery",
    "Duplicate billing claimed",
)
# (share of open invoices, lowest and highest days past due) — the pre-due window is its own band.
_BANDS = (
    (0.30, -60, -PRE_DUE_WINDOW - 1),
    (0.10, -PRE_DUE_WINDOW, 0),
    (0.24, 1, 30),
    (0.13, 31, 60),
    (0.09, 61, 90),
    (0.06, 91, 120),
    (0.08, 121, 400),
)


def tables(as_of: dt.date, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The six input tables of the demo workbook (schema keys as columns), deterministic for `as_of` and `seed`."""
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp(as_of).date()
    customers, second_currency = _customers(rng)
    invoices, payments = _invoices(rng, customers, second_currency, as_of)
    settings = default_settings_rows()
    keys, values = settings[SettingsSheet.KEY], settings[SettingsSheet.VALUE]
    chosen = {**SETTINGS_VALUES, "InterestStatementPeriod": _statement_period(as_of)}
    settings[SettingsSheet.VALUE] = [chosen.get(key, value) for key, value in zip(keys, values, strict=True)]
    extra = pd.DataFrame({SettingsSheet.KEY: list(SETTINGS_EXTRA), SettingsSheet.VALUE: list(SETTINGS_EXTRA.values())})
    settings = pd.concat([settings, extra.assign(**{SettingsSheet.DESCRIPTION: ""})], ignore_index=True)
    return {
        CUSTOMERS.name: customers,
        INVOICES.name: invoices,
        PAYMENTS.name: payments,
        FX_TABLE.name: _fx(as_of),
        SETTINGS.name: settings[list(SETTINGS.keys)],
        "DunningLevels": _policy(),
    }


def _statement_period(as_of: dt.date) -> str:
    """The calendar month before `as_of`: the interest statement claims charges on invoices paid late in it."""
    last = as_of.replace(day=1) - dt.timedelta(days=1)
    return f"{last.replace(day=1).isoformat()}..{last.isoformat()}"


def _policy() -> pd.DataFrame:
    """The default policy, with the friendly level as an A/B test of its two templates (`AB_TEMPLATES`)."""
    policy = default_policy_rows()
    policy.loc[policy[DunningLevels.TONE] == "friendly", DunningLevels.TEMPLATE] = "|".join(AB_TEMPLATES)
    return policy


# ---- customers -------------------------------------------------------------------------------------------------


def _company_name(rng: np.random.Generator, language: str, form: str) -> str:
    stems, trades = _NAMES[language or "sv"]
    stem, trade = stems[rng.integers(len(stems))], trades[rng.integers(len(trades))]
    if language == "ja":
        return f"{stem}{trade}株式会社" if rng.random() < 0.7 else f"株式会社{stem}{trade}"
    if language == "zh":
        return f"{_CHINESE_CITIES[rng.integers(len(_CHINESE_CITIES))]}{stem}{trade}有限公司"
    if language in {"fr", "it", "es"} or (language == "pt" and rng.random() < 0.5):
        return f"{trade} {stem} {form}"
    if language == "pt":
        return f"{stem} & Filhos {form}"
    if language == "":
        return f"{stem}s {trade} {form}"
    if language == "en" and rng.random() < 0.25:
        return f"{stem} & Sons {form}"
    return f"{stem} {trade} {form}"


def _every(index: int, every: int | None) -> bool:
    return every is not None and index % every == every - 1


def _slug(name: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("&", " ")):
        name = name.lower().replace(umlaut, plain)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [word for word in "".join(ch if ch.isalnum() else " " for ch in ascii_name).split() if word]
    return "-".join(words[:2])


def _customers(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, str]]:
    rows: list[dict[str, object]] = []
    used: set[str] = set()
    for country in _COUNTRIES:
        for index in range(country.count):
            language = country.languages[index % len(country.languages)]
            sub_index = index % len(country.subdivisions)
            subdivision = country.subdivisions[sub_index]
            if country.code == "CA" and subdivision == "QC":
                language = "fr"
            forms = _FORMS_BY_LANGUAGE.get((country.code, language), country.forms)
            form = forms[rng.integers(len(forms))] if forms else ""
            name = _company_name(rng, language, form)
            while name in used:
                name = _company_name(rng, language, form)
            used.add(name)
            own_law = _every(index, _OWN_LAW_EVERY.get(country.code))
            consumer = _every(index, _CONSUMER_EVERY.get(country.code))
            if consumer:  # a person, not a company: an initial and a family name
                name = f"{'JMAPEKLSRW'[index // 10 % 10]}. {_NAMES[language][0][index % 10]}"
            customer_id = f"C{10001 + len(rows)}"
            domain = f"{_slug(name) or customer_id.lower()}.{'test' if rng.random() < 0.2 else 'example'}"
            cc = f"controller@{domain}" if rng.random() < 0.25 else ""
            if cc and rng.random() < 0.3:
                cc += f"; cfo@{domain}"
            rows.append(
                {
                    C.ID: customer_id,
                    C.NAME: name,
                    C.EMAIL: f"{_MAILBOXES[language]}@{domain}" if rng.random() > 0.02 else "",
                    C.CC: cc,
                    C.COUNTRY: country.code,
                    C.SUBDIVISION: subdivision,
                    C.LANGUAGE: language,
                    C.CURRENCY: country.currency,
                    C.TIME_ZONE: country.zones[sub_index] if country.zones else "",
                    C.TERMS: "net 30 EOM" if country.code == "JP" else _pick_terms(rng),
                    C.ACCOUNT_MANAGER: _MANAGERS[rng.integers(len(_MANAGERS))] if rng.random() < 0.9 else "",
                    C.JURISDICTION: country.code if own_law else _ENTITY_LAW.get(country.entity, ""),
                    C.LATE_CHARGE: _ENTITY_LATE_CHARGE.get(country.entity, ""),
                    C.CUSTOMER_TYPE: "Consumer" if consumer else "",
                    C.ENTITY: country.entity,
                }
            )
    customers = pd.DataFrame(rows)
    count = len(customers)
    rates = customers[C.CURRENCY].map(RATES).to_numpy()
    limit = rng.lognormal(10.6, 0.7, count) / rates
    magnitude = 10.0 ** np.maximum(np.floor(np.log10(limit)) - 1, 3)
    customers[C.CREDIT_LIMIT] = np.round(limit / magnitude) * magnitude
    flags = rng.permutation(count)
    customers[C.DO_NOT_CONTACT] = np.isin(np.arange(count), flags[:4])
    eurozone_debit = customers[C.COUNTRY].isin(["DE", "AT", "NL"]).to_numpy()
    customers[C.AUTO_PAY] = np.isin(np.arange(count), flags[4:40]) & eurozone_debit
    customers[C.CREDIT_HOLD] = np.isin(np.arange(count), flags[40:42])
    customers.loc[customers[C.ID] == BAD_CUSTOMER, C.EMAIL] = BAD_EMAIL
    billed_twice = customers.iloc[flags[50:62]]
    second = dict(zip(billed_twice[C.ID], np.where(billed_twice[C.CURRENCY] == "EUR", "USD", "EUR"), strict=True))
    return _blanks_missing(customers[list(CUSTOMERS.keys)]), second


def _pick_terms(rng: np.random.Generator) -> str:
    names, weights = zip(*_TERMS, strict=True)
    return names[rng.choice(len(names), p=np.array(weights) / sum(weights))]


# ---- invoices and payments -------------------------------------------------------------------------------------


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _invoices(
    rng: np.random.Generator, customers: pd.DataFrame, second_currency: dict[str, str], as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    today = np.datetime64(as_of, "D")
    activity = rng.lognormal(0.0, 0.8, len(customers))
    activity /= activity.sum()
    total = OPEN_INVOICES + PAID_INVOICES
    who = rng.choice(len(customers), size=total, p=activity)
    frame = pd.DataFrame(
        {
            I.CUSTOMER_ID: customers[C.ID].to_numpy()[who],
            I.CURRENCY: customers[C.CURRENCY].to_numpy()[who],
            "_terms": customers[C.TERMS].to_numpy()[who],
            "_auto_pay": customers[C.AUTO_PAY].to_numpy()[who],
        }
    )
    billed_twice = frame[I.CUSTOMER_ID].map(second_currency)
    switch = billed_twice.notna().to_numpy() & (rng.random(total) < 0.35)
    frame.loc[switch, I.CURRENCY] = billed_twice[switch]
    override = rng.random(total) < 0.03
    frame[I.TERMS] = np.where(override, rng.choice(["net 60", "net 45", "2/10 net 30"], total), "")
    effective_terms = np.where(override, frame[I.TERMS], frame["_terms"])

    # Open items: pick a target band of days past due, then back out the invoice date through the terms.
    paid = np.arange(total) >= OPEN_INVOICES
    shares, lows, highs = (np.array(column) for column in zip(*_BANDS, strict=True))
    band = rng.choice(len(_BANDS), size=total, p=shares / shares.sum())
    target = rng.integers(lows[band], highs[band] + 1)
    term_length = (terms.due_date(effective_terms, today) - today).astype("timedelta64[D]").astype("int64")
    history_age = rng.integers(20, 460, total)
    invoice_date = today - _days(np.where(paid, history_age, np.maximum(target + term_length, 0)))
    due_date = terms.due_date(effective_terms, invoice_date).astype("datetime64[D]")
    frame[I.INVOICE_DATE] = pd.to_datetime(invoice_date)

    days_due = (today - due_date).astype("int64")
    amount, open_amount, status, credit, partial = amounts_and_status(rng, frame[I.CURRENCY], RATES, paid, days_due)
    frame[I.STATUS] = status
    frame[I.DISPUTE_REASON] = np.where(status == "Disputed", rng.choice(_DISPUTES, total), "")
    promise = today + _days(rng.integers(-20, 21, total))
    frame[I.PROMISE_DATE] = pd.to_datetime(np.where(status == "Promised", promise, np.datetime64("NaT")))
    plan_next = today + _days(rng.integers(-6, 28, total))
    frame[I.PLAN_NEXT_DATE] = pd.to_datetime(np.where(status == "Plan", plan_next, np.datetime64("NaT")))

    order = np.argsort(invoice_date, kind="stable")
    sequence = np.empty(total, dtype="int64")
    sequence[order] = np.arange(4_711, 4_711 + total)
    years = pd.DatetimeIndex(frame[I.INVOICE_DATE]).year.astype(str)
    prefix = np.where(credit, "CN-", "INV-")
    frame[I.NUMBER] = prefix + years + "-" + pd.Series(sequence).map("{:06d}".format).to_numpy()
    frame[I.AMOUNT] = amount.astype(object)
    frame[I.OPEN_AMOUNT] = open_amount
    # A few invoices leave the due date blank: the run derives it from the terms.
    frame[I.DUE_DATE] = pd.Series(pd.to_datetime(due_date).date, dtype=object)
    frame.loc[~paid & (rng.random(total) < 0.03), I.DUE_DATE] = None
    has_po = rng.random(total) < 0.6
    po = np.where(rng.random(total) < 0.5, "PO-", "45000") + rng.integers(10_000, 99_999, total).astype(str)
    frame[I.PO_NUMBER] = np.where(has_po, po, "")
    link = rng.random(total) < 0.4
    frame[I.PAYMENT_LINK] = np.where(link, "https://pay.northwind.example/i/" + frame[I.NUMBER], "")

    payments = _payments(rng, frame, paid, partial, due_date, today)
    frame = frame.sort_values(I.INVOICE_DATE, kind="stable", ignore_index=True)
    invoices = pd.concat([frame, _bad_invoices(frame, as_of)], ignore_index=True)
    return _blanks_missing(invoices[list(INVOICES.keys)]), _blanks_missing(payments)


def amounts_and_status(
    rng: np.random.Generator, currency: pd.Series, rates: dict[str, float], paid: np.ndarray, days_due: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Amount, open amount, status, and the credit-note and part-paid masks of generated invoices (demo, benchmarks).

    Amounts are log-normal in EUR converted at `rates` and rounded to each currency's minor unit; 3 % of the open
    items are credit notes, 8 % of the overdue ones are part-paid; overdue items are disputed (5 %), promised (5 %)
    or on a payment plan (3 %, only past 45 days). Paid items have nothing open.
    """
    total = len(currency)
    digits = money.minor_units_array(currency)
    amount = money.round_money(rng.lognormal(7.4, 1.1, total) / currency.map(rates).to_numpy(), digits)
    credit = ~paid & (rng.random(total) < 0.03)
    amount = np.where(credit, -np.abs(money.round_money(amount * 0.3, digits)), amount)
    partial = ~paid & ~credit & (days_due > 0) & (rng.random(total) < 0.08)
    open_amount = np.where(partial, money.round_money(amount * rng.uniform(0.2, 0.8, total), digits), amount)
    open_amount = np.where(paid, 0.0, open_amount)

    status = np.full(total, "Open", dtype=object)
    roll = rng.random(total)
    overdue = ~paid & ~credit & (days_due > 0)
    status[overdue & (roll < 0.05)] = "Disputed"
    status[overdue & (roll >= 0.05) & (roll < 0.10)] = "Promised"
    status[overdue & (roll >= 0.10) & (roll < 0.13) & (days_due > 45)] = "Plan"
    status[paid] = "Paid"
    return amount, open_amount, status, credit, partial


def _payments(
    rng: np.random.Generator,
    invoices: pd.DataFrame,
    paid: np.ndarray,
    partial: np.ndarray,
    due_date: np.ndarray,
    today: np.datetime64,
) -> pd.DataFrame:
    """Full payments of the paid invoices (each customer with its own habit: early, on time or late), partial
    payments of some open ones, and a few unapplied receipts."""
    customer_codes, customer_ids = pd.factorize(invoices[I.CUSTOMER_ID], sort=True)
    lateness = rng.normal(4.0, 12.0, len(customer_ids))[customer_codes]
    delay = np.round(lateness + rng.normal(0, 6, len(invoices))).astype("int64")
    invoice_date = invoices[I.INVOICE_DATE].to_numpy().astype("datetime64[D]")
    paid_on = np.maximum(due_date + _days(delay), invoice_date + _days(np.ones(len(invoices), dtype="int64")))
    paid_on = np.minimum(paid_on, today - _days(np.ones(len(invoices), dtype="int64")))
    partial_on = invoice_date + _days(rng.integers(5, 40, len(invoices)))
    partial_on = np.minimum(partial_on, today - _days(np.ones(len(invoices), dtype="int64")))
    amount = invoices[I.AMOUNT].to_numpy(dtype="float64")
    digits = money.minor_units_array(invoices[I.CURRENCY])
    auto_pay = invoices["_auto_pay"].to_numpy(dtype=bool)
    method = np.where(
        auto_pay, "SEPA direct debit", rng.choice(["Bank transfer", "Wire", "Card", "Cheque"], len(amount))
    )
    applied = pd.DataFrame(
        {
            P.DATE: pd.to_datetime(np.where(paid, paid_on, partial_on)),
            P.CUSTOMER_ID: invoices[I.CUSTOMER_ID],
            P.INVOICE_NUMBER: invoices[I.NUMBER],
            P.AMOUNT: np.where(paid, amount, money.round_money(amount - invoices[I.OPEN_AMOUNT], digits)),
            P.CURRENCY: invoices[I.CURRENCY],
            P.METHOD: method,
            P.REFERENCE: "Remittance " + invoices[I.NUMBER],
        }
    )[paid | partial]
    pick = rng.choice(len(invoices), size=15, replace=False)
    unapplied = pd.DataFrame(
        {
            P.DATE: pd.to_datetime(today - _days(rng.integers(1, 60, 15))),
            P.CUSTOMER_ID: invoices[I.CUSTOMER_ID].to_numpy()[pick],
            P.INVOICE_NUMBER: "",
            P.AMOUNT: money.round_money(
                rng.lognormal(6.0, 0.8, 15) / invoices[I.CURRENCY].map(RATES).to_numpy()[pick], 0
            ),
            P.CURRENCY: invoices[I.CURRENCY].to_numpy()[pick],
            P.METHOD: "Bank transfer",
            P.REFERENCE: "No remittance advice",
        }
    )
    payments = pd.concat([applied, unapplied], ignore_index=True)
    return payments.sort_values(P.DATE, kind="stable", ignore_index=True).reindex(columns=PAYMENTS.keys)


def _bad_invoices(invoices: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The deliberately bad rows (`BAD_ROWS`) and one duplicate of an earlier open invoice's number."""
    template = invoices[(invoices[I.STATUS] == "Open") & (invoices[I.CURRENCY] == "EUR")].iloc[:5].copy()
    template[I.INVOICE_DATE] = pd.Timestamp(as_of) - pd.Timedelta(days=40)
    template[I.DUE_DATE] = (pd.Timestamp(as_of) - pd.Timedelta(days=10)).date()
    numbers = [key for key, (table, _column, _value) in BAD_ROWS.items() if table == INVOICES.name]
    open_numbers = invoices.loc[invoices[I.STATUS] == "Open", I.NUMBER]
    template[I.NUMBER] = [*numbers, open_numbers.iloc[len(open_numbers) // 2]]
    template[I.PAYMENT_LINK] = ""
    for position, number in enumerate(numbers):
        _table, column, value = BAD_ROWS[number]
        template.iloc[position, template.columns.get_loc(column)] = value
    template[I.OPEN_AMOUNT] = pd.to_numeric(template[I.AMOUNT], errors="coerce")
    return template


def _blanks_missing(table: pd.DataFrame) -> pd.DataFrame:
    """Empty text becomes a missing value, as a blank cell reads back."""
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column]) or table[column].dtype == object:
            table[column] = table[column].mask(table[column].eq(""))
    return table


def _fx(as_of: dt.date) -> pd.DataFrame:
    undated = pd.DataFrame({FXColumns.CURRENCY: list(RATES), FXColumns.RATE: list(RATES.values())})
    undated[FXColumns.DATE] = pd.NaT
    dated = pd.DataFrame(
        {
            FXColumns.CURRENCY: ["USD", "GBP"],
            FXColumns.RATE: [0.87, 1.15],
            FXColumns.DATE: pd.to_datetime([as_of - dt.timedelta(days=30), as_of - dt.timedelta(days=30)]),
        }
    )
    return pd.concat([undated, dated], ignore_index=True)[list(FX_TABLE.keys)]
