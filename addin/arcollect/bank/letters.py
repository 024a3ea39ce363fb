"""The payment block of every reminder: reference, amount, account per currency, QR code, link, PDF statement.

    payments = letters.Payments(settings, issued={})          # one per run; `issued` collects the references used
    reminder = compose.compose_from(row, records, settings, level, renderer, extras=payments)

`compose` asks `Payments` twice per reminder: `block(values)` before rendering gives the template context's
``pay`` (the layouts' ``payment()`` macro shows it)::

    pay = {reference: "RF42 C1UQ BKHY IB", reference_compact: "RF42C1UQBKHYIB",
           sections: [{currency, amount (Decimal: the section's amount due), account_lines: [...],
                       qr: {cid, kind: "epc" | "swiss", payload, code} or None, link: str or None}]}

and `attachments(values, level, language, renderer)` after it: the QR codes as inline PNG images (``cid:`` in the
HTML; the text part carries the same details as text) and — where the level attaches a statement — the PDF
statement (`bank.pdf`), in the language the letter was rendered in.

**The amount** is the section's ``amount_due`` as `mail.compose` computes it (principal, plus interest and
compensation where the level adds them, less the customer's credits in that currency, never below zero): the
letter, the QR code, the link and the statement all state that one number. No QR code and no link when it is
not positive. The statement-level link comes only from PaymentLinkPattern (``{customer}``, ``{amount}``,
``{currency}``, ``{reference}``, each URL-encoded), for the whole amount of the section — never a single
invoice's link for a multi-invoice balance.
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

    def block(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The ``pay`` context of one reminder (its template context `values`), and its reference recorded."""
        customer = values["customer"]
        numbers = [str(invoice["number"]) for section in values["sections"] for invoice in section["invoices"]]
        reference = references.creditor_reference(customer["id"], numbers, self.settings.reference_pattern)
        self.issued[reference] = (customer["id"], numbers)
        sections = []
        for section in values["sections"]:
            currency = section["currency"]
            amount = Decimal(section["amount_due"])  # compose's rule, the number the letter states
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
            sections.append(block)
        return {"reference": references.printed(reference), "reference_compact": reference, "sections": sections}

    def attachments(
        self, values: Mapping[str, Any], level: Any, language: str, renderer: Any = None
    ) -> tuple[Attachment, ...]:
        """The inline QR images of `values["pay"]` and, where `level` attaches a statement, the PDF statement in
        `language` (the language the letter was rendered in)."""
        pay = values.get("pay") or {"sections": []}
        files = [
            Attachment(
                f"pay-{block['currency']}.png", block["qr"]["code"].png(), "image/png", content_id=block["qr"]["cid"]
            )
            for block in pay["sections"]
            if block.get("qr")
        ]
        if getattr(level, "attach_statement", False):
            from arcollect.bank import pdf

            files.append(pdf.statement_attachment(values, self.settings, renderer, language))
        return tuple(files)

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
