"""Is a workbook ready to send? The reasons `send` refuses, shared by every way of sending (CLI, ribbon, schedule).

    >>> refusals = send_refusals(config)       # [] = go; else one sentence per setting to fix
    >>> if refusals: raise ConfigError(" ".join(refusals))

`run.collect(send=True)` asks before anything is reconciled or sent; `refresh` and `preview` only show the same
settings as problems on the Exceptions sheet. Each check names the setting and what to do. Extend the list here —
one function, so that no way of sending can skip a check.
"""

from __future__ import annotations

from arcollect.bank import accounts
from arcollect.book.settings import Settings

_EXAMPLES = {
    "CompanyName": "Northwind Components GmbH",
    "SenderMailbox": "ar@yourcompany.example",
    "IBAN": "DE89370400440532013000",
}


def send_refusals(config: Settings) -> list[str]:
    """Why nothing may be sent with these Settings, one sentence each; empty when sending may go ahead."""
    return [*identity(config), *accounts.refusals(config)]


def identity(config: Settings) -> list[str]:
    """Who writes and where to pay: a sentence per blank setting a reminder cannot do without.

    CompanyName (the letter's sender), SenderMailbox (the From address; without it mail would leave from a
    placeholder) and a bank account for the base currency (IBAN or BankDetails). `send` refuses while any is
    blank; `refresh` and `preview` show the same sentences as warnings.
    """
    blank = []
    if not config.company_name.strip():
        blank.append("CompanyName")
    if not config.sender_mailbox.strip():
        blank.append("SenderMailbox")
    if accounts.for_currency(config, config.base_currency) is None:
        blank.append("IBAN")
    return [
        (
            f"Settings {key} is blank — set it (arcollect config BOOK {key} {_EXAMPLES[key]})."
            if key != "IBAN"
            else "Settings IBAN and BankDetails are blank — customers would not know where to pay (arcollect "
            f"config BOOK IBAN {_EXAMPLES[key]}, or BankDetails)."
        )
        for key in blank
    ]
