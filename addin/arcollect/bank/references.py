"""ISO 11649 structured creditor references ("RF references") for reminders and statements.

    >>> reference = creditor_reference("C-1001", ["INV-2026-0042", "INV-2026-0007"])
    >>> reference == creditor_reference("C-1001", ["INV-2026-0007", "INV-2026-0042"]), is_valid(reference)
    (True, True)
    >>> printed("RF18539007547034")
    'RF18 5390 0754 7034'
    >>> found_in("Zahlung RF18 5390 0754 7034 danke")
    ['RF18539007547034']

An RF reference is ``RF``, two check digits (ISO 7064 MOD 97-10) and a body of 1–21 letters and digits. The
default body is the customer ID's letters and digits (at most 9 of them, so a clerk can read whose it is) followed
by 8 base-36 characters of a SHA-256 digest of the customer and its sorted invoice numbers: the same reminder
always gets the same reference, on any machine, and two invoice sets of one customer share a reference with a
chance of about 1 in 2.8 × 10¹². A reference does not have to be decoded: the bank ledger records every reference
a reminder or statement carried with its customer and invoices (`store.Store.remember_references`), and matching
looks it up there.

`ReferencePattern` (Settings) replaces the default body with the user's own, from the placeholders ``{customer}``
(the customer ID's letters and digits), ``{invoices}`` (the invoice numbers' letters and digits, one after the
other) and ``{digest}`` (the 8 characters above): ``{customer}{invoices}`` gives ``RF.. C1001 INV20260042`` for a
one-invoice reminder. A pattern whose result is empty or longer than 21 characters falls back to the default body
for that reminder (and says so in the log), so every reminder carries a valid reference.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import string
from collections.abc import Iterable

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

logger = logging.getLogger(__name__)

MAX_BODY = 21
CUSTOMER_CHARACTERS = 9
DIGEST_CHARACTERS = 8
PLACEHOLDERS = ("customer", "invoices", "digest")
_ALPHABET = string.digits + string.ascii_uppercase
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
# "RF", check digits, then letters and digits, optionally in printed groups of four (single spaces between).
_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])R\s?F\s?(\d\s?\d(?:\s?[A-Za-z0-9]){1,21})", re.IGNORECASE)


def alnum(text: object) -> str:
    """The letters and digits of `text`, upper-cased (the characters an RF body may hold)."""
    return _NOT_ALNUM.sub("", str(text)).upper()


def digest(customer_id: object, invoice_numbers: Iterable[object]) -> str:
    """8 base-36 characters of SHA-256 over the customer and its sorted invoice numbers (order-independent)."""
    canonical = json.dumps([str(customer_id), sorted(str(n) for n in invoice_numbers)], separators=(",", ":"))
    value = int.from_bytes(hashlib.sha256(canonical.encode("utf-8")).digest()[:8], "big")
    characters = []
    for _ in range(DIGEST_CHARACTERS):
        value, remainder = divmod(value, 36)
        characters.append(_ALPHABET[remainder])
    return "".join(characters)


def from_body(body: str) -> str:
    """The RF reference (compact, no spaces) with `body`; `ValueError` unless the body is 1–21 letters/digits."""
    body = str(body).upper()
    if not 1 <= len(body) <= MAX_BODY or not body.isalnum() or not body.isascii():
        raise ValueError(f"an RF reference body has 1 to {MAX_BODY} letters and digits, not {body!r}")
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def check_pattern(pattern: str) -> str:
    """`pattern` if it only uses the known placeholders; `ValueError` naming them otherwise."""
    try:
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise ValueError(f"a pattern with placeholders {{customer}}, {{invoices}}, {{digest}} ({error})") from None
    unknown = sorted(fields - set(PLACEHOLDERS))
    if unknown or not fields:
        raise ValueError("a pattern using {customer}, {invoices} and/or {digest}, e.g. {customer}{digest}")
    return pattern


def creditor_reference(customer_id: object, invoice_numbers: Iterable[object], pattern: str = "") -> str:
    """The RF reference of a reminder (or statement) for these invoices of this customer; compact, no spaces."""
    numbers = sorted(str(number) for number in invoice_numbers)
    code = digest(customer_id, numbers)
    default = alnum(customer_id)[:CUSTOMER_CHARACTERS] + code
    if pattern:
        body = alnum(pattern.format(customer=alnum(customer_id), invoices="".join(map(alnum, numbers)), digest=code))
        if 1 <= len(body) <= MAX_BODY:
            return from_body(body)
        logger.info("ReferencePattern gives %d characters for %s; the default is used", len(body), customer_id)
    return from_body(default)


def is_valid(reference: str) -> bool:
    """True for a well-formed RF reference with correct check digits (spaces allowed, any case)."""
    return iso11649.is_valid(reference)


def compact(reference: str) -> str:
    """The reference without spaces, upper-cased; `ValueError` when it is not a valid RF reference."""
    try:
        return iso11649.validate(reference)
    except ValidationError as error:
        raise ValueError(f"{reference!r} is not a valid RF creditor reference ({error.message})") from None


def printed(reference: str) -> str:
    """The reference in groups of four, as ISO 11649 prints it: ``RF18 5390 0754 7034``."""
    return iso11649.format(reference)


def found_in(text: object) -> list[str]:
    """Every valid RF reference written in `text` (compact), in order; printed groups and any case are read.

    Where letters run on after a reference (``RF18539007547034SEPA``) the longest prefix with correct check
    digits is taken, so glued text never hides a reference and never invents one: a candidate is accepted only
    when its MOD 97-10 check holds.
    """
    found: list[str] = []
    for match in _IN_TEXT.finditer(str(text or "")):
        characters = alnum(match.group(1))
        for end in range(len(characters), 2, -1):
            candidate = "RF" + characters[:end]
            if iso11649.is_valid(candidate):
                if candidate not in found:
                    found.append(candidate)
                break
    return found
