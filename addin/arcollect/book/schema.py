"""Column names of the workbook's tables: the single place where they are spelled.

Code refers to a column through these enums (`Invoices.DUE_DATE`), never through a string literal, so a rename
is one edit. Each enum member is a `str`, so it indexes a DataFrame directly: ``df[Invoices.OPEN_AMOUNT]``.
"""

from __future__ import annotations

from enum import StrEnum


class Customers(StrEnum):
    ID = "customer_id"
    NAME = "name"
    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    LANGUAGE = "language"
    CURRENCY = "currency"
    TIME_ZONE = "time_zone"
    TERMS = "terms"


class Invoices(StrEnum):
    NUMBER = "invoice_number"
    CUSTOMER_ID = "customer_id"
    INVOICE_DATE = "invoice_date"
    DUE_DATE = "due_date"
    CURRENCY = "currency"
    AMOUNT = "amount"
    OPEN_AMOUNT = "open_amount"
    TERMS = "terms"
    STATUS = "status"


class Payments(StrEnum):
    DATE = "payment_date"
    CUSTOMER_ID = "customer_id"
    INVOICE_NUMBER = "invoice_number"
    AMOUNT = "amount"
    CURRENCY = "currency"


class FX(StrEnum):
    """One row per currency (and optionally per date): 1 unit of CURRENCY = RATE units of the base currency."""

    CURRENCY = "currency"
    RATE = "rate"
    DATE = "rate_date"


class Aging(StrEnum):
    """Columns the engine adds to invoices when it ages them."""

    DAYS_PAST_DUE = "days_past_due"
    BUCKET = "bucket"
    BASE_OPEN_AMOUNT = "base_open_amount"


TOTAL = "Total"
