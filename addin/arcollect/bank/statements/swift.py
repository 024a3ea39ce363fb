"""SWIFT MT940 statements (several per file): the booked credits (``C``; reversals ``RC``/``RD`` marked) with
the payer, the creditor reference and the remittance from the :86: field — German DFÜ-Abkommen subfields
(?20–?29, ?60–?63, SEPA identifiers EREF+/SVWZ+ …) and the ``/NAME/value/`` layout of Dutch banks alike.

Read with the mt-940 library (`MT940_OPTIONS`, and `MT940_TAGS`: balance tags that survive a balance dated a day
its month does not have).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from decimal import Decimal
from typing import Any

import mt940
import mt940.options
import mt940.tags

from arcollect.bank.statements.credit import Credit

logger = logging.getLogger(__name__)

# ?31 is the payer's IBAN (DFÜ-Abkommen, Anlage 3), not part of the name; marks in any case; a BOM stripped.
MT940_OPTIONS = mt940.options.Options(applicant_iban=True, case_insensitive_marks=True, strip_bom=True)


def _lenient(tag: mt940.tags.BalanceBase) -> mt940.tags.BalanceBase:
    """A balance tag that reads a balance dated a day its month does not have as of the month's last day.

    Balances are not payments, and arcollect does not use their dates; a statement must not be lost over one. Die
    Deutsche Kreditwirtschaft's own MT940 example (DFÜ-Abkommen, Anlage 3, 8.2.5) closes on ``:62F:C021131`` —
    31 November.
    """

    class Lenient(type(tag)):  # type: ignore[misc]
        def __call__(self, transactions: Any, value: dict[str, Any]) -> dict[str, object]:
            try:
                return super().__call__(transactions, dict(value))  # a copy: the tag writes its results into it
            except ValueError:
                year, month = 2000 + int(value["year"]) % 100, int(value["month"])
                if not 1 <= month <= 12:
                    raise
                last = calendar.monthrange(year, month)[1]
                logger.info(
                    "MT940 balance dated %s-%s-%s read as of day %s",
                    *(value[k] for k in ("year", "month", "day")),
                    last,
                )
                return super().__call__(transactions, {**value, "day": f"{min(int(value['day']), last):02d}"})

    Lenient.__name__ = Lenient.__qualname__ = type(tag).__name__  # the tag's slug (its result's key) comes from it
    return Lenient()


MT940_TAGS = {
    key: _lenient(tag) for key, tag in mt940.tags.TAG_BY_ID.items() if isinstance(tag, mt940.tags.BalanceBase)
}


def parse_mt940(text: str, source: str) -> list[Credit]:
    """Booked credits of an MT940 statement (several statements per file allowed), with the :86: details."""
    processors = {"post_transaction_details": [_keep_details, mt940.processors.transaction_details_post_processor]}
    credits: list[Credit] = []
    positions: dict[str, int] = {}
    for block in re.split(r"(?m)^-\s*$", text):
        if ":61:" not in block:
            continue
        statement = mt940.models.Transactions(processors=processors, options=MT940_OPTIONS, tags=MT940_TAGS)
        statement.parse(block)
        account = str(statement.data.get("account_identification") or "").replace(" ", "")
        number = f"{statement.data.get('statement_number') or ''}/{statement.data.get('sequence_number') or ''}"
        opening = next(
            (statement.data[name] for name in _OPENING if statement.data.get(name) is not None), None
        )  # the statement's currency, for lines that do not carry their own (a funds code, as in DK's example)
        own_currency = str(getattr(getattr(opening, "amount", None), "currency", None) or "")
        for transaction in statement:
            data = transaction.data
            slot = f"{account}|{number}"
            positions[slot] = positions.get(slot, 0) + 1
            status = str(data.get("status") or "")
            amount = Decimal(str(data["amount"].amount))
            if status not in ("C", "RD", "RC") or (status == "C" and amount <= 0):
                continue
            details = str(data.get("transaction_details") or data.get(_RAW_DETAILS) or "")
            texts = [
                str((_dk_purpose(details) if name == "purpose" else "") or data.get(name) or "")
                for name in ("purpose", "end_to_end_reference", "customer_reference", "additional_purpose")
            ]
            texts.append(re.sub(r"\?\d\d", "", details) if not data.get("purpose") else "")
            payer = str(data.get("applicant_name") or _slashed(details, "NAME") or "")
            account_of_payer = str(data.get("applicant_iban") or _slashed(details, "IBAN") or "")
            booked = data.get("entry_date") or data.get("date")
            credits.append(
                Credit(
                    key=f"mt940|{slot}|{positions[slot]}|{data.get('date')}|{abs(amount)}",
                    booking_date=dt.date(booked.year, booked.month, booked.day),
                    value_date=dt.date(data["date"].year, data["date"].month, data["date"].day),
                    amount=abs(amount),
                    currency=_currency(data.get("currency") or data["amount"].currency or own_currency, source),
                    payer=" ".join(payer.split()),
                    payer_account=account_of_payer.replace(" ", "").upper(),
                    reference=_slashed(details, "CDTRREFTP//CD/SCOR/ISSR//CUR") or _slashed(details, "REMI/STRD/CUR"),
                    remittance=" ".join(
                        " ".join(part.split()) for part in texts if part and part not in ("NONREF", "NOTPROVIDED")
                    ),
                    account=account,
                    source=source,
                    reversal=status != "C",
                )
            )
    return credits


_OPENING = ("final_opening_balance", "opening_balance", "intermediate_opening_balance")
_RAW_DETAILS = "arcollect_raw_details"


def _keep_details(transactions: Any, tag: Any, tag_dict: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Keep the :86: field as the bank wrote it (mt-940 drops it once it has split a structured one)."""
    del transactions, tag
    result[_RAW_DETAILS] = tag_dict.get("transaction_details") or ""
    return result


_SEPA_KEY = re.compile(r"\b(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
_DK_SUBFIELD = 27  # a DK :86: purpose subfield (?20–?29, ?60–?63) holds 27 characters; a full one continues


def _dk_purpose(details: str) -> str:
    """The purpose of a German-layout :86: field (DFÜ-Abkommen Anlage 3): its ?20–?29 and ?60–?63 subfields, line
    breaks of the field removed; a subfield continues the one before without a space only when that one is full
    (27 characters), as the specification fills them — so that two invoice numbers on two lines stay two words."""
    flat = details.replace("\r", "").replace("\n", "")
    text, previous = "", ""
    for part in re.findall(r"\?(?:2\d|6[0-3])([^?]*)", flat):
        text += part if len(previous) >= _DK_SUBFIELD else (" " if text else "") + part
        previous = part
    keyed = _SEPA_KEY.split(text)
    if len(keyed) > 1:  # SEPA identifiers (EREF+ … SVWZ+ …): the remittance is SVWZ's part; mt-940 reads the rest
        values = dict(zip(keyed[1::2], keyed[2::2], strict=True))
        return " ".join(values.get("SVWZ", "").split())
    return " ".join(text.split())


def _currency(value: Any, source: str) -> str:
    code = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{source}: a statement line without a currency (no :60F: opening balance with one)")
    return code


def _slashed(details: str, name: str) -> str:
    """A ``/NAME/value/`` field of the unstructured :86: layout many banks use (ING, ABN AMRO, Rabobank)."""
    match = re.search(rf"/{re.escape(name)}/([^/]*)", details.replace("\n", ""))
    return match.group(1).strip() if match else ""
