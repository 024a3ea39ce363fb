"""Synthetic receivables books of any size, for the benchmarks: 10k, 100k and 1M invoices.

    >>> from benchmarks import synthetic
    >>> tables = synthetic.tables(10_000)                      # the six input tables, schema keys as columns
    >>> path = synthetic.workbook(100_000)                      # a real .xlsx, cached between runs

Built from the demo workbook's vocabulary (`arcollect.demo.data`: countries with their subdivisions, time zones,
languages and legal forms, company names, mailboxes, account managers, payment-terms mix, dispute reasons, aging
bands) and widened to 20 currencies. Customers scale with invoices (`customers_for`): 100 for 10k invoices, 1,000
for 100k, 100,000 for 1M. Everything is whole-column numpy except the customer rows; the same size and seed always give
the same tables. Open items land in every aging band, with disputes, promises, payment plans, credit notes and
partial payments; a share of the invoices is paid, with its payments.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from arcollect.book import template, write
from arcollect.book.settings import default_settings_rows
from arcollect.demo import data as demo
from arcollect.engine import money, terms
from arcollect.engine.policy import default_policy_rows
from arcollect.schema import CUSTOMERS, FX_TABLE, INVOICES, PAYMENTS, SETTINGS, SettingsSheet
from arcollect.schema import FX as FXColumns
from arcollect.schema import Customers as C
from arcollect.schema import Invoices as I
from arcollect.schema import Payments as P

AS_OF = dt.date(2026, 11, 24)
NOW = "2026-11-24T10:00:00+00:00"
SIZES = (10_000, 100_000, 1_000_000)
CUSTOMERS_FOR = {10_000: 100, 100_000: 1_000, 1_000_000: 100_000}
PAID_SHARE = 0.4
CACHE = Path(os.environ.get("ARCOLLECT_BENCH_DIR", Path(tempfile.gettempdir()) / "arcollect-bench")) / "v2"

# The demo's 11 currencies plus nine more countries, each billing in its own: 20 currencies in all.
_MORE_COUNTRIES = (
    demo._Country("NO", 6, "NOK", ("en",), forms=("AS",)),
    demo._Country("DK", 6, "DKK", ("en",), forms=("ApS", "A/S")),
    demo._Country("CZ", 5, "CZK", ("en",), forms=("s.r.o.",)),
    demo._Country("HU", 4, "HUF", ("en",), forms=("Kft.",)),
    demo._Country("MX", 6, "MXN", ("es",), forms=("S.A. de C.V.",)),
    demo._Country("IN", 8, "INR", ("en",), forms=("Pvt Ltd",)),
    demo._Country("ZA", 4, "ZAR", ("en",), forms=("(Pty) Ltd",)),
    demo._Country("SG", 5, "SGD", ("en",), forms=("Pte. Ltd.",)),
    demo._Country("HK", 5, "HKD", ("en", "zh"), forms=("Limited",)),
)
COUNTRIES = demo._COUNTRIES + _MORE_COUNTRIES
RATES = {
    **demo.RATES,
    "NOK": 0.085, "DKK": 0.134, "CZK": 0.041, "HUF": 0.0026, "MXN": 0.047,
    "INR": 0.0103, "ZAR": 0.05, "SGD": 0.66, "HKD": 0.11,
}  # fmt: skip


def customers_for(invoices: int) -> int:
    """The customer count of a book of `invoices`: 10k → 100, 100k → 1,000, 1M → 100,000 (else one per 100)."""
    return CUSTOMERS_FOR.get(invoices, max(10, invoices // 100))


def tables(invoices: int, customers: int | None = None, *, as_of: dt.date = AS_OF, seed: int = 11) -> dict:
    """The six input tables of a book with `invoices` invoices (open and paid) and `customers` customers."""
    rng = np.random.default_rng(seed)
    customer_table = _customers(rng, customers or customers_for(invoices))
    invoice_table, payments = _invoices(rng, customer_table, invoices, as_of)
    settings = default_settings_rows()
    keys, values = settings[SettingsSheet.KEY], settings[SettingsSheet.VALUE]
    settings[SettingsSheet.VALUE] = [demo.SETTINGS_VALUES.get(k, v) for k, v in zip(keys, values, strict=True)]
    return {
        CUSTOMERS.name: customer_table,
        INVOICES.name: invoice_table,
        PAYMENTS.name: payments,
        FX_TABLE.name: pd.DataFrame(
            {FXColumns.CURRENCY: list(RATES), FXColumns.RATE: list(RATES.values()), FXColumns.DATE: pd.NaT}
        )[list(FX_TABLE.keys)],
        SETTINGS.name: settings[list(SETTINGS.keys)],
        "DunningLevels": default_policy_rows(),
    }


def workbook(invoices: int, *, folder: Path = CACHE, fresh: bool = False) -> Path:
    """A pristine .xlsx of `invoices` invoices built from the template (cached in `folder`; `fresh` rebuilds)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"book-{invoices}.xlsx"
    if fresh or not path.exists():
        started = time.perf_counter()
        building = folder / f".building-{invoices}.xlsx"
        template.build(building)
        write.write_tables(building, tables(invoices))
        os.replace(building, path)
        print(f"  (built {path} in {time.perf_counter() - started:.1f} s)")
    return path


def copy_of(invoices: int, folder: Path) -> Path:
    """A fresh copy of the cached book in `folder` (a refresh rewrites its workbook and writes a ledger beside it)."""
    source = workbook(invoices)
    target = folder / source.name
    target.write_bytes(source.read_bytes())
    return target


# ---- customers -------------------------------------------------------------------------------------------------


def _customers(rng: np.random.Generator, count: int) -> pd.DataFrame:
    weights = np.array([country.count for country in COUNTRIES], dtype=float)
    which = np.sort(rng.choice(len(COUNTRIES), size=count, p=weights / weights.sum()))
    rows = []
    for number, country_index in enumerate(which):
        country = COUNTRIES[country_index]
        language = country.languages[number % len(country.languages)]
        sub_index = number % len(country.subdivisions)
        forms = demo._FORMS_BY_LANGUAGE.get((country.code, language), country.forms) or ("",)
        name = demo._company_name(rng, language, forms[number % len(forms)])
        customer_id = f"C{100_001 + number}"
        domain = f"{demo._slug(name) or 'customer'}-{number}.example"  # the reader refuses .test addresses
        rows.append(
            {
                C.ID: customer_id,
                C.NAME: f"{name} ({customer_id})",
                C.EMAIL: f"{demo._MAILBOXES[language]}@{domain}",
                C.CC: f"controller@{domain}" if number % 4 == 0 else "",
                C.COUNTRY: country.code,
                C.SUBDIVISION: country.subdivisions[sub_index],
                C.LANGUAGE: language,
                C.CURRENCY: country.currency,
                C.TIME_ZONE: country.zones[sub_index] if country.zones else "",
                C.TERMS: "net 30 EOM" if country.code == "JP" else "",
                C.ACCOUNT_MANAGER: demo._MANAGERS[number % len(demo._MANAGERS)] if number % 10 else "",
                C.JURISDICTION: demo._ENTITY_LAW.get(country.entity, ""),
                C.LATE_CHARGE: demo._ENTITY_LATE_CHARGE.get(country.entity, ""),
                C.CUSTOMER_TYPE: "",
                C.ENTITY: country.entity,
            }
        )
    frame = pd.DataFrame(rows)
    names, weights = zip(*demo._TERMS, strict=True)
    picked = np.array(names, dtype=object)[rng.choice(len(names), size=count, p=np.array(weights) / sum(weights))]
    frame[C.TERMS] = np.where(frame[C.TERMS] == "", picked, frame[C.TERMS])
    limit = rng.lognormal(10.6, 0.7, count) / frame[C.CURRENCY].map(RATES).to_numpy()
    magnitude = 10.0 ** np.maximum(np.floor(np.log10(limit)) - 1, 3)
    frame[C.CREDIT_LIMIT] = np.round(limit / magnitude) * magnitude
    roll = rng.random(count)
    frame[C.DO_NOT_CONTACT] = roll < 0.01
    frame[C.AUTO_PAY] = (roll > 0.9) & frame[C.COUNTRY].isin(["DE", "AT", "NL"]).to_numpy()
    frame[C.CREDIT_HOLD] = (roll > 0.01) & (roll < 0.016)
    return demo._blanks_missing(frame[list(CUSTOMERS.keys)])


# ---- invoices and payments -------------------------------------------------------------------------------------


def _invoices(
    rng: np.random.Generator, customers: pd.DataFrame, total: int, as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    today = np.datetime64(as_of, "D")
    activity = rng.lognormal(0.0, 0.8, len(customers))
    who = rng.choice(len(customers), size=total, p=activity / activity.sum())
    customer_ids = customers[C.ID].to_numpy()[who]
    currency = customers[C.CURRENCY].to_numpy()[who]
    override = rng.random(total) < 0.03
    invoice_terms = np.where(override, np.array(["net 60", "net 45", "2/10 net 30"], dtype=object)[who % 3], None)
    effective_terms = np.where(override, invoice_terms, customers[C.TERMS].to_numpy()[who])
    paid = rng.random(total) < PAID_SHARE

    shares, lows, highs = (np.array(column) for column in zip(*demo._BANDS, strict=True))
    band = rng.choice(len(shares), size=total, p=shares / shares.sum())
    target = rng.integers(lows[band], highs[band] + 1)
    term_length = (terms.due_date(effective_terms, today) - today).astype("timedelta64[D]").astype("int64")
    age = np.where(paid, rng.integers(20, 460, total), np.maximum(target + term_length, 0))
    invoice_date = today - age.astype("timedelta64[D]")
    due_date = terms.due_date(effective_terms, invoice_date).astype("datetime64[D]")
    days_due = (today - due_date).astype("int64")

    amount, open_amount, status, credit, partial = demo.amounts_and_status(
        rng, pd.Series(currency), RATES, paid, days_due
    )
    digits = money.minor_units_array(pd.Series(currency))
    order = np.argsort(invoice_date, kind="stable")
    sequence = np.empty(total, dtype="int64")
    sequence[order] = np.arange(1, total + 1)
    number = np.where(credit, "CN-", "INV-") + pd.Series(sequence).map("{:07d}".format).to_numpy()
    has_po = rng.random(total) < 0.6
    invoices = pd.DataFrame(
        {
            I.NUMBER: number,
            I.CUSTOMER_ID: customer_ids,
            I.INVOICE_DATE: pd.to_datetime(invoice_date),
            I.DUE_DATE: pd.to_datetime(np.where(rng.random(total) < 0.03, np.datetime64("NaT"), due_date)),
            I.CURRENCY: currency,
            I.AMOUNT: amount,
            I.OPEN_AMOUNT: open_amount,
            I.TERMS: invoice_terms,
            I.STATUS: status,
            I.PROMISE_DATE: pd.to_datetime(
                np.where(status == "Promised", today + rng.integers(-20, 21, total).astype("timedelta64[D]"), None)
            ),
            I.DISPUTE_REASON: np.where(
                status == "Disputed", np.array(demo._DISPUTES, dtype=object)[who % len(demo._DISPUTES)], None
            ),
            I.PLAN_NEXT_DATE: pd.to_datetime(
                np.where(status == "Plan", today + rng.integers(-6, 28, total).astype("timedelta64[D]"), None)
            ),
            I.PAYMENT_LINK: np.where(rng.random(total) < 0.4, "https://pay.northwind.example/i/" + number, None),
            I.PO_NUMBER: np.where(has_po, "PO-" + rng.integers(10_000, 99_999, total).astype(str), None),
        }
    )
    delay = np.round(rng.normal(4.0, 12.0, total)).astype("int64").astype("timedelta64[D]")
    paid_on = np.minimum(np.maximum(due_date + delay, invoice_date + np.timedelta64(1, "D")), today - 1)
    partial_on = np.minimum(invoice_date + rng.integers(5, 40, total).astype("timedelta64[D]"), today - 1)
    payments = pd.DataFrame(
        {
            P.DATE: pd.to_datetime(np.where(paid, paid_on, partial_on)),
            P.CUSTOMER_ID: customer_ids,
            P.INVOICE_NUMBER: number,
            P.AMOUNT: np.where(paid, amount, money.round_money(amount - open_amount, digits)),
            P.CURRENCY: currency,
            P.METHOD: np.array(["Bank transfer", "Wire", "Card", "Cheque", "SEPA direct debit"], dtype=object)[who % 5],
            P.REFERENCE: "Remittance " + number,
        }
    )[paid | partial]
    invoices = invoices.sort_values(I.INVOICE_DATE, kind="stable", ignore_index=True)[list(INVOICES.keys)]
    payments = payments.sort_values(P.DATE, kind="stable", ignore_index=True).reindex(columns=PAYMENTS.keys)
    return invoices, payments
