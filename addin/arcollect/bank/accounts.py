"""The bank account a customer pays into, per currency, from the Settings sheet.

    >>> account = accounts.for_currency(settings, "CHF")      # None: no account for payments in CHF
    >>> account.iban, account.bic, account.lines()

Settings keys (book/settings.py): ``IBAN``, ``BIC``, ``AccountHolder`` and ``BankDetails`` are the account for the
base currency; the same keys with a currency suffix (``IBAN.CHF``, ``BankDetails.USD``) are the account for that
currency. A currency without its own account gets none: a EUR IBAN is never offered to a customer billed in USD.
IBAN and BIC are validated with python-stdnum when the Settings sheet is read; a value that fails is reported on
the Exceptions sheet and refuses `send` (`readiness.send_refusals`) — a reminder must never show a wrong account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stdnum import iban as stdnum_iban

from arcollect.book.settings import Settings
from arcollect.problems import Problem

BANK_KEYS = ("IBAN", "BIC")


@dataclass(frozen=True)
class Account:
    """Where payments in `currency` go. `iban` is compact (no spaces) or "" when only free-text details exist."""

    currency: str
    holder: str
    iban: str
    bic: str
    details: str

    @property
    def printed_iban(self) -> str:
        return stdnum_iban.format(self.iban) if self.iban else ""

    @property
    def country(self) -> str:
        return self.iban[:2]

    def lines(self) -> list[str]:
        """The account as a letter shows it: holder, IBAN, BIC, then the free-text details line by line."""
        lines = [self.holder] if self.holder and self.iban else []
        if self.iban:
            lines.append(f"IBAN {self.printed_iban}")
        if self.bic:
            lines.append(f"BIC {self.bic}")
        lines += [line.strip() for line in self.details.strip().splitlines() if line.strip()]
        return lines


def for_currency(settings: Settings, currency: str) -> Account | None:
    """The account for payments in `currency`, or None when Settings give none for it."""
    iban = settings.for_currency("iban", currency).replace(" ", "")
    details = settings.for_currency("bank_details", currency)
    if not iban and not details:
        return None
    holder = settings.for_currency("account_holder", currency) or settings.company_name
    return Account(currency, holder, iban, settings.for_currency("bic", currency) if iban else "", details)


def missing(settings: Settings, currencies: Iterable[str]) -> list[Problem]:
    """One warning per billed currency that has no account: its customers' reminders carry no bank details."""
    return [
        Problem(
            "Settings",
            None,
            "Key",
            f"IBAN.{currency}",
            f"customers billed in {currency} get no bank details: there is no account for {currency} — add "
            f"IBAN.{currency} (and BIC.{currency}) or BankDetails.{currency} to Settings",
        )
        for currency in sorted({str(code) for code in currencies})
        if for_currency(settings, currency) is None
    ]


def refusals(settings: Settings) -> list[str]:
    """Why nothing may be sent with these bank settings: an IBAN or BIC that was given but is not valid."""
    bad = [name for name in settings.unusable if name.split(".")[0] in BANK_KEYS]
    return [
        f"Settings {name} is not a valid {name.split('.')[0]} (see the Exceptions sheet) — fix it before sending: "
        "a reminder must never show a wrong account"
        for name in bad
    ]
