"""ISO 20022 camt.053 statements and camt.054 notifications (any version 001.02 – 001.13, also camt.052 reports):
the booked credits (status BOOK, CRDT), a batch booking split into its transactions where their amounts add up,
reversals (``RvslInd``) and returned payments of ours (``TxDtls/RtrInf`` or sub-family ``RRTN``) marked.

Parsed with defusedxml (no DTDs, no entities, no network); elements are found by their local names, so that every
version's namespace reads alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree

from arcollect.bank.statements.credit import Credit

RETURN_SUB_FAMILIES = frozenset({"RRTN"})  # ISO 20022 bank transaction sub-family "reversal due to payment return"


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _local(child) == name), None)
    return element


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [child for child in element if _local(child) == name]


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _all_text(element: Element | None, name: str) -> list[str]:
    return [] if element is None else [(e.text or "").strip() for e in element.iter() if _local(e) == name and e.text]


def _date(element: Element | None) -> dt.date | None:
    """A camt date choice (``Dt`` or ``DtTm``) as the date the bank states, never shifted to another zone."""
    text = _text(element, "Dt") or _text(element, "DtTm")
    return dt.date.fromisoformat(text[:10]) if text else None


def _amount(element: Element | None) -> tuple[Decimal, str] | None:
    if element is None or not (element.text or "").strip():
        return None
    try:
        return Decimal(element.text.strip()), element.get("Ccy", "")
    except InvalidOperation:
        raise ValueError(f"amount {element.text!r} is not a number") from None


def parse_camt(data: bytes, source: str) -> list[Credit]:
    """Booked credits of a camt.053 statement or camt.054 notification (any version), in file order."""
    root = SafeTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    message = _child(root, "BkToCstmrStmt") or _child(root, "BkToCstmrDbtCdtNtfctn") or _child(root, "BkToCstmrAcctRpt")
    if message is None:
        raise ValueError("not an ISO 20022 camt.053, camt.054 or camt.052 message")
    credits: list[Credit] = []
    for report in [*_children(message, "Stmt"), *_children(message, "Ntfctn"), *_children(message, "Rpt")]:
        account = _text(report, "Acct", "Id", "IBAN") or _text(report, "Acct", "Id", "Othr", "Id")
        for position, entry in enumerate(_children(report, "Ntry"), start=1):
            credits += _entry_credits(entry, account, position, source)
    return credits


def _status(entry: Element) -> str:
    status = _child(entry, "Sts")
    return (_text(status, "Cd") or (status.text or "").strip()) if status is not None else ""


def _entry_credits(entry: Element, account: str, position: int, source: str) -> list[Credit]:
    if _text(entry, "CdtDbtInd") != "CRDT" or _status(entry) != "BOOK":
        return []
    amount = _amount(_child(entry, "Amt"))
    booked = _date(_child(entry, "BookgDt")) or _date(_child(entry, "ValDt"))
    if amount is None or booked is None:
        raise ValueError(f"entry {position} has no amount or booking date")
    reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    returned = _returned(entry)
    reversal = _text(entry, "RvslInd").lower() == "true" or returned is not None
    entry_key = f"camt|{account}|{reference}" if reference else f"camt|{account}|{booked}|{amount[0]}|#{position}"
    details = [tx for block in _children(entry, "NtryDtls") for tx in _children(block, "TxDtls")]
    common = {
        "booking_date": booked,
        "value_date": _date(_child(entry, "ValDt")),
        "account": account,
        "source": source,
        "reversal": reversal,
        "extra": {"returned": returned} if returned is not None else {},
    }
    if len(details) > 1:
        parts = [_tx_amount(tx) for tx in details]
        if (
            all(part is not None and part[1] == amount[1] for part in parts)
            and sum(part[0] for part in parts if part) == amount[0]
        ):
            return [
                _credit(tx, f"{entry_key}|{_tx_reference(tx) or index}", part[0], amount[1], common, entry)
                for index, (tx, part) in enumerate(zip(details, parts, strict=True), start=1)
                if part is not None
            ]
    # One transaction (or a batch whose parts cannot be told apart): the booked amount is the credit.
    return [_credit(details[0] if len(details) == 1 else None, entry_key, amount[0], amount[1], common, entry, details)]


def _returned(entry: Element) -> str | None:
    """The return reason of a returned payment (money of ours coming back, not a customer paying), else None.

    A return is marked by return information in its transaction details (``TxDtls/RtrInf``, with the reason code,
    e.g. AC04 "account closed") or by the bank transaction sub-family ``RRTN`` ("reversal due to payment return",
    ISO 20022 external bank transaction codes); the result is the reason code, or "" when none is given.
    """
    for element in entry.iter():
        if _local(element) == "RtrInf":
            return _text(element, "Rsn", "Cd") or _text(element, "Rsn", "Prtry")
    for element in entry.iter():
        if _local(element) == "SubFmlyCd" and (element.text or "").strip().upper() in RETURN_SUB_FAMILIES:
            return ""
    return None


def _tx_amount(tx: Element) -> tuple[Decimal, str] | None:
    return _amount(_child(tx, "Amt")) or _amount(_child(tx, "AmtDtls", "TxAmt", "Amt"))


def _tx_reference(tx: Element) -> str:
    return _text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "TxId") or _text(tx, "Refs", "EndToEndId")


def _credit(
    tx: Element | None,
    key: str,
    amount: Decimal,
    currency: str,
    common: Mapping[str, Any],
    entry: Element,
    batch: Iterable[Element] = (),
) -> Credit:
    sources = [tx] if tx is not None else list(batch)
    texts: list[str] = []
    references: list[str] = []
    payer = payer_account = ""
    for part in sources:
        remittance = _child(part, "RmtInf")
        texts += _all_text(remittance, "Ustrd")
        references += [ref for ref in _all_text(_child(remittance, "Strd"), "Ref") if ref]
        texts += _all_text(_child(remittance, "Strd"), "AddtlRmtInf")
        end_to_end = _text(part, "Refs", "EndToEndId")
        if end_to_end and end_to_end.upper() != "NOTPROVIDED":
            texts.append(end_to_end)
        texts += [text for text in (_text(part, "AddtlTxInf"),) if text]
        parties = _child(part, "RltdPties")
        payer = payer or _text(parties, "Dbtr", "Nm") or _text(parties, "Dbtr", "Pty", "Nm")
        payer = payer or _text(parties, "UltmtDbtr", "Nm") or _text(parties, "UltmtDbtr", "Pty", "Nm")
        payer_account = (
            payer_account or _text(parties, "DbtrAcct", "Id", "IBAN") or _text(parties, "DbtrAcct", "Id", "Othr", "Id")
        )
    texts += [text for text in (_text(entry, "AddtlNtryInf"),) if text]
    return Credit(
        key=key,
        amount=amount,
        currency=currency,
        payer=payer,
        payer_account=payer_account.replace(" ", "").upper(),
        reference=references[0] if references else "",
        remittance=" ".join(dict.fromkeys(texts)),
        **common,
    )
