"""The law that governs each contract: national late-payment rules, contractual late charges, citations.

    >>> from arcollect.engine import law
    >>> law.get("AT").business[0].provision.native
    '§ 456 UGB'
    >>> law.modelled("US"), law.modelled("DE")
    (False, True)

One `Law` per EU and EEA state, GB and CH (`national.LAWS`), each with its sources; the dated reference rates in
`rates`; contractual late-charge rules ("1.5 % per month", "8 points over ECB") in `contract`; how a letter names
a provision in its language in `names`. docs/LAW.md describes each country as implemented.

A customer's governing law is the contract's: the seller's own country by default (Settings ``GoverningLaw``),
overridden per customer (Customers ``Jurisdiction``). For a consumer without an override it is the consumer's
own country (Customers ``Country``): under Rome I art. 6 a business that directs its activities to the consumer's
country cannot take the protection of that country's law away by choosing another. A country outside
the table (US, JP, CN, …) governs too — there is simply no statute arcollect applies under it; only a contractual
late charge can then be claimed. ``EU`` is not a law: the Late Payment Directive binds member states, not
debtors.
"""

from __future__ import annotations

from arcollect.engine.law.contract import ContractRule
from arcollect.engine.law.contract import parse as parse_contract
from arcollect.engine.law.model import Compensation, Law, Provision, Regime
from arcollect.engine.law.names import cite
from arcollect.engine.law.national import COVERED, LAWS
from arcollect.errors import InputError

#: The code a workbook may still hold from before: the Directive, which is not a law between companies.
DIRECTIVE = "EU"

__all__ = [
    "COVERED",
    "DIRECTIVE",
    "LAWS",
    "Compensation",
    "ContractRule",
    "Law",
    "Provision",
    "Regime",
    "cite",
    "get",
    "modelled",
    "parse_contract",
]


def get(code: str) -> Law:
    """The `Law` of a country code; `InputError` for a country outside the table (or ``EU``)."""
    text = str(code).strip().upper()
    found = LAWS.get(text)
    if found is None:
        if text == DIRECTIVE:
            raise InputError(
                "'EU' is not a law that governs a contract: the Late Payment Directive binds the member states, "
                "not a debtor. Use the national law of the contract (e.g. DE), or agree the directive's rate in the "
                "contract and set it as a late charge: '8 points over ECB'"
            )
        raise InputError(
            f"arcollect has no statutory late-payment rule for '{text}' — it covers {', '.join(COVERED)}; "
            "set a contractual late charge (e.g. '1.5 % per month') for customers under other laws"
        )
    return found


def modelled(code: str, *, consumer: bool = False) -> bool:
    """True when arcollect computes statutory interest under `code`'s law (for a consumer debtor with `consumer`)."""
    found = LAWS.get(str(code).strip().upper())
    if found is None:
        return False
    return bool(found.consumer if consumer else found.business)
