"""The export layouts an import knows: the Invoices columns an export owns, and where each comes from.

Built-in mappings (source column → Invoices column), matched against an export's header row by `find` (case,
spaces and punctuation ignored; `normal`):

- ``quickbooks`` — QuickBooks Online "A/R Aging Detail" and Xero "Aged Receivables Detail" CSV exports:
  Num / Invoice Number → Invoice, Customer / Contact → Customer ID and customer name, Date / Invoice Date →
  Invoice date, Due Date → Due date, Amount / Total → Amount, Open Balance / Due → Open amount, Currency →
  Currency, Reference / P.O. Number → PO number. Dates are US month first (%m/%d/%Y); ISO dates work too. An
  export without a Currency column (single-currency QuickBooks) takes the workbook's BaseCurrency setting.
- ``sap_fbl5n`` — SAP FBL5N customer line items, English or German headers: Document Number / Belegnummer →
  Invoice, Customer / Kunde → Customer ID, Name 1 → customer name, Document Date / Belegdatum → Invoice date, Net
  due date / Nettofälligkeit → Due date, Amount in doc. curr. / Betrag in Belegwährung → Amount and Open amount,
  Document currency / Belegwährung → Currency, Reference → PO number; a filled Clearing date / Ausgleichsdatum
  marks the item as cleared (paid), even in a partial export. Dates dd.mm.yyyy, amounts "1.234,56" or
  "1,234.56", trailing minus allowed.
- ``xero`` — Xero "Aged Receivables Detail" grouped by contact: the customer is the heading above its items
  (`Mapping.grouped`). Dates "20 Nov 2026".

The Mappings sheet adjusts these and adds more (`book.importer.mapping`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from arcollect import schema
from arcollect.schema import Invoices, Kind

# Targets an export may fill beside the Invoices columns: the customer's name (for new customers and name
# matching) and SAP's clearing date (a cleared item is paid).
CUSTOMER_NAME = "customer_name"
CLEARING_DATE = "clearing_date"
IMPORTED = (
    Invoices.NUMBER,
    Invoices.CUSTOMER_ID,
    Invoices.INVOICE_DATE,
    Invoices.DUE_DATE,
    Invoices.CURRENCY,
    Invoices.AMOUNT,
    Invoices.OPEN_AMOUNT,
    Invoices.PO_NUMBER,
)
"""The Invoices columns an export owns; every other column belongs to the user and is never overwritten."""

EXTRA_TARGETS = {CUSTOMER_NAME: ("Customer name", Kind.TEXT), CLEARING_DATE: ("Clearing date", Kind.DATE)}


@dataclass(frozen=True)
class Mapping:
    """How one export layout maps to Invoices: target key → candidate source headers, fixed values, date formats.

    `grouped`: the export names the customer in a heading row above its items instead of in a column (Xero's
    Aged Receivables Detail); each item takes the customer of the heading above it.
    """

    name: str
    sources: dict[str, tuple[str, ...]]
    fixed: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    grouped: bool = False

    @property
    def required(self) -> list[str]:
        """Targets the export itself must supply: required Invoices columns without a fixed value or fallback."""
        needed = [c.key for c in schema.INVOICES.columns if c.required and c.key in IMPORTED]
        return [key for key in needed if key not in self.fixed and key != Invoices.CURRENCY and key in self.sources]


BUILT_IN: dict[str, Mapping] = {
    "quickbooks": Mapping(
        "quickbooks",
        {
            Invoices.NUMBER: ("Num", "Invoice Number", "No."),
            Invoices.CUSTOMER_ID: ("Customer", "Contact", "Customer full name"),
            CUSTOMER_NAME: ("Customer", "Contact", "Customer full name"),
            Invoices.INVOICE_DATE: ("Date", "Invoice Date"),
            Invoices.DUE_DATE: ("Due Date",),
            Invoices.AMOUNT: ("Amount", "Total", "Invoice Total"),
            Invoices.OPEN_AMOUNT: ("Open Balance", "Due", "Balance"),
            Invoices.CURRENCY: ("Currency", "Currency Code"),
            Invoices.PO_NUMBER: ("Reference", "P.O. Number"),
        },
        formats={Invoices.INVOICE_DATE: "%m/%d/%Y", Invoices.DUE_DATE: "%m/%d/%Y"},
    ),
    "sap_fbl5n": Mapping(
        "sap_fbl5n",
        {
            Invoices.NUMBER: ("Document Number", "DocumentNo", "Belegnummer", "Belegnr.", "Beleg"),
            Invoices.CUSTOMER_ID: ("Customer", "Account", "Kunde", "Konto", "Debitor"),
            CUSTOMER_NAME: ("Name 1", "Name"),
            Invoices.INVOICE_DATE: ("Document Date", "Belegdatum", "Belegdat."),
            Invoices.DUE_DATE: (
                "Net due date",
                "Net Due Date",
                "Nettofälligkeitsdatum",
                "Nettofälligkeit",
                "Nettofällig",
                "Netto-Fälligkeit",
                "Fälligkeit netto",
                "Fälligkeit",
            ),
            Invoices.AMOUNT: (
                "Amount in doc. curr.",
                "Amount in DC",
                "Betrag in Belegwährung",
                "Betrag in BW",
                "Betrag",
            ),
            Invoices.OPEN_AMOUNT: (
                "Amount in doc. curr.",
                "Amount in DC",
                "Betrag in Belegwährung",
                "Betrag in BW",
                "Betrag",
            ),
            Invoices.CURRENCY: ("Document currency", "Currency", "Belegwährung", "Währung"),
            Invoices.PO_NUMBER: ("Reference", "Referenz"),
            CLEARING_DATE: ("Clearing date", "Ausgleichsdatum", "Ausgleich"),
        },
    ),
    "xero": Mapping(
        "xero",
        {
            Invoices.NUMBER: ("Invoice Number", "Number", "Invoice #"),
            CUSTOMER_NAME: (),
            Invoices.INVOICE_DATE: ("Invoice Date", "Date"),
            Invoices.DUE_DATE: ("Due Date",),
            Invoices.AMOUNT: ("Invoice Total", "Gross", "Total"),
            Invoices.OPEN_AMOUNT: ("Due", "Balance", "Amount Due", "Total"),
            Invoices.CURRENCY: ("Currency", "Currency Code"),
            Invoices.PO_NUMBER: ("Invoice Reference", "Reference"),
        },
        formats={Invoices.INVOICE_DATE: "%d %b %Y", Invoices.DUE_DATE: "%d %b %Y"},
        grouped=True,
    ),
}


def find(mapping: Mapping, key: str, header: set[str]) -> str | None:
    """The first of `mapping`'s source headers for `key` found in `header` (a set of `normal` headers)."""
    return next((source for source in mapping.sources.get(key, ()) if normal(source) in header), None)


def is_required(key: str) -> bool:
    """Whether Invoices needs `key` in every row (a row whose value cannot be read is left out)."""
    return key in schema.INVOICES.keys and schema.INVOICES.column(key).required


def header_of(key: str) -> str:
    """The column header a target is shown and reported under."""
    if key in EXTRA_TARGETS:
        return EXTRA_TARGETS[key][0]
    return schema.INVOICES.column(key).header


def normal(text: Any) -> str:
    """A header as it is compared: case, spaces and punctuation ignored."""
    return re.sub(r"[\W_]+", "", str(text)).casefold() if text is not None else ""
