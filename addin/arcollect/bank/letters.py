"""The payment block of every reminder: reference, amount, account per currency, QR code, link, PDF statement.

    extras = letters.Payments(settings, issued={})          # one per run; `issued` collects the references used
    reminder = compose.compose_from(row, records, settings, level, renderer, extras=extras)

For each reminder `Payments` adds to the template context ``pay`` (the layouts' macro is called ``payment``)::

    pay = {reference: "RF42 C1UQ BKHY IB", reference_compact: "RF42C1UQBKHYIB",
               sections: [{currency, amount (Decimal, the balance due the letter states), account_lines: [...],
                           qr: {cid, kind: "epc" | "swiss"} or None, link: str or None}]}

and its attachments: the QR codes as inline PNG images (``cid:`` in the HTML; the text part carries the same
details as text), and — where the level attaches a statement — the PDF statement (`bank.pdf`). The amount is the
section's balance as the letter computes it (subtotal, plus interest and compensation where the level shows them,
less the customer's credits in that currency); no QR code and no link when it is not positive. The statement-level
link comes only from PaymentLinkPattern (``{customer}``, ``{amount}``, ``{currency}``, ``{reference}``, each
URL-encoded), for the whole amount of the section — never a single invoice's link for a multi-invoice balance.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from arcollect.bank import accounts, qr, references
from arcollect.book.settings import Settings
from arcollect.mail.message import Attachment

logger = logging.getLogger(__name__)


def section_due(section: Mapping[str, Any], credits: list[Mapping[str, Any]], show_charges: bool) -> Decimal:
    """The balance of one currency section exactly as the letter states it (layout.*.j2 and _common.j2)."""
    credit = sum(
        (abs(Decimal(item["open_amount"])) for item in credits if item["currency"] == section["currency"]), Decimal(0)
    )
    base = section["total_with_charges"] if show_charges else section["subtotal"]
    return Decimal(base) - credit


def shows_charges(values: Mapping[str, Any]) -> bool:
    """Whether the letter adds interest and compensation to the balance (the layouts' `show_charges`)."""
    sections = values["sections"]
    return (
        values.get("interest_law") is not None
        or any(section["interest_total"] for section in sections)
        or any(section["compensation_total"] for section in sections)
    )


class Payments:
    """Builds the payment block and its attachments for each reminder of a run (see the module docstring)."""

    def __init__(self, settings: Settings, issued: dict[str, tuple[str, list[str]]] | None = None) -> None:
        self.settings = settings
        self.issued = issued if issued is not None else {}
        self._accounts: dict[str, accounts.Account | None] = {}

    def account(self, currency: str) -> accounts.Account | None:
        if currency not in self._accounts:
            self._accounts[currency] = accounts.for_currency(self.settings, currency)
        return self._accounts[currency]

    def __call__(
        self, values: Mapping[str, Any], level: Any, renderer: Any = None
    ) -> tuple[dict[str, Any], tuple[Attachment, ...]]:
        customer = values["customer"]
        numbers = [str(invoice["number"]) for section in values["sections"] for invoice in section["invoices"]]
        reference = references.creditor_reference(customer["id"], numbers, self.settings.reference_pattern)
        self.issued[reference] = (customer["id"], numbers)
        charges = shows_charges(values)
        sections, inline = [], []
        for section in values["sections"]:
            currency = section["currency"]
            amount = section_due(section, values["credits"], charges)
            account = self.account(currency)
            block: dict[str, Any] = {
                "currency": currency,
                "amount": amount,
                "account_lines": account.lines() if account else [],
                "qr": None,
                "link": self._link(customer["id"], amount, currency, reference) if amount > 0 else None,
            }
            if amount > 0 and account is not None and account.iban:
                try:
                    code = qr.payment_code(
                        account, amount=amount, currency=currency, reference=reference,
                        note=f"{customer['id']} {self.settings.company_name}".strip(),
                        creditor_address=self.settings.company_address, language=customer["language"],
                    )  # fmt: skip
                except qr.NoCode as reason:
                    logger.debug("no QR code for %s in %s: %s", customer["id"], currency, reason)
                else:
                    cid = f"pay-{currency.lower()}-{reference.lower()}@arcollect.invalid"
                    block["qr"] = {"cid": cid, "kind": code.kind, "payload": code.payload, "code": code}
                    inline.append(Attachment(f"pay-{currency}.png", code.png(), "image/png", content_id=cid))
            sections.append(block)
        payment = {"reference": references.printed(reference), "reference_compact": reference, "sections": sections}
        files: list[Attachment] = list(inline)
        if getattr(level, "attach_statement", False):
            from arcollect.bank import pdf

            files.append(pdf.statement_attachment({**values, "pay": payment}, self.settings, renderer))
        return {"pay": payment}, tuple(files)

    def _link(self, customer_id: str, amount: Decimal, currency: str, reference: str) -> str | None:
        pattern = self.settings.for_currency("payment_link_pattern", currency)
        if not pattern:
            return None
        return pattern.format(
            customer=quote(str(customer_id), safe=""),
            amount=quote(f"{amount:.2f}", safe=""),
            currency=quote(currency, safe=""),
            reference=quote(reference, safe=""),
        )
