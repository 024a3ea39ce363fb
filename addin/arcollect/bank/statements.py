"""Bank statements in: every booked credit of a camt.053 / camt.054 (ISO 20022), MT940 (SWIFT) or CSV file.

    credits, problems = statements.read(Path("camt053_2026-11-24.xml"))
    credits[0].key, credits[0].amount, credits[0].reference, credits[0].remittance

The format is recognised from the content, not the file name. Only what the bank has booked counts: entries with
status BOOK (camt) — pending and information-only entries are skipped — and credits (CRDT, MT940 ``C``); debits
are not payments from customers. A reversal (camt ``RvslInd``, MT940 ``RC``/``RD``) is kept and marked, so that
matching hands it to a person rather than applying it.

Each credit carries a `key` that identifies it at its bank for good — the account plus the account servicer's
reference of the entry (camt ``AcctSvcrRef``, else ``NtryRef``) and of the transaction within a batch booking; for
MT940 the account, the statement number and the line's position in it; for CSV the mapped entry column, else the
row's content and its occurrence — so that importing the same statement again adds nothing.

XML is parsed with defusedxml (no DTDs, no entities, no network); any camt version (001.02 – 001.13) is read by
local element names. A file that cannot be read is one `Problem`, never a crash; the other files go on.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import mt940
import mt940.options
from defusedxml import ElementTree as SafeTree

from arcollect.problems import Problem

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
SHEET = "Bank statements"


@dataclass(frozen=True)
class Credit:
    """One booked credit on one of our accounts: who paid how much, with which reference and remittance text."""

    key: str
    booking_date: dt.date
    amount: Decimal
    currency: str
    payer: str = ""
    payer_account: str = ""
    reference: str = ""  # the structured creditor reference (camt CdtrRefInf/Ref), if the bank passed one on
    remittance: str = ""  # unstructured remittance text, end-to-end reference and further details, joined
    account: str = ""
    source: str = ""
    reversal: bool = False
    value_date: dt.date | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)


def read(path: Path, *, mapping: Mapping[str, str] | None = None) -> tuple[list[Credit], list[Problem]]:
    """The booked credits of one statement file, and a problem if it cannot be read (then no credits)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB — not a daily statement")
        data = path.read_bytes()
        return parse(data, path.name, mapping=mapping), []
    except Exception as error:  # any parser's complaint about a hostile or broken file is a Problem, not a crash
        logger.warning("%s: not read (%s)", path.name, error)
        return [], [Problem(SHEET, None, "File", path.name, f"statement not read: {error}")]


def parse(data: bytes, source: str, *, mapping: Mapping[str, str] | None = None) -> list[Credit]:
    """The booked credits in `data` (camt XML, MT940 or CSV, recognised from the content); ValueError if none fits."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_camt(data, source)
    text = _decode(data)
    if re.search(r"^:20:", text, re.MULTILINE) and re.search(r"^:61:", text, re.MULTILINE):
        return parse_mt940(text, source)
    if re.search(r"^:20:", text, re.MULTILINE):
        return []  # an MT940 without entries: a statement of a day without movements
    return parse_csv(text, source, mapping=mapping)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# ---- ISO 20022 camt.053 / camt.054 ------------------------------------------------------------------------------


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
    reversal = _text(entry, "RvslInd").lower() == "true"
    entry_key = f"camt|{account}|{reference}" if reference else f"camt|{account}|{booked}|{amount[0]}|#{position}"
    details = [tx for block in _children(entry, "NtryDtls") for tx in _children(block, "TxDtls")]
    common = {
        "booking_date": booked,
        "value_date": _date(_child(entry, "ValDt")),
        "account": account,
        "source": source,
        "reversal": reversal,
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


# ?31 is the payer's IBAN (DFÜ-Abkommen, Anlage 3), not part of the name; marks in any case; a BOM stripped.
_MT940_OPTIONS = mt940.options.Options(applicant_iban=True, case_insensitive_marks=True, strip_bom=True)


# ---- SWIFT MT940 ------------------------------------------------------------------------------------------------


def parse_mt940(text: str, source: str) -> list[Credit]:
    """Booked credits of an MT940 statement (several statements per file allowed), with the :86: details."""
    processors = {"post_transaction_details": [mt940.processors.transaction_details_post_processor]}
    credits: list[Credit] = []
    positions: dict[str, int] = {}
    for block in re.split(r"(?m)^-\s*$", text):
        if ":61:" not in block:
            continue
        statement = mt940.models.Transactions(processors=processors, options=_MT940_OPTIONS)
        statement.parse(block)
        account = str(statement.data.get("account_identification") or "").replace(" ", "")
        number = f"{statement.data.get('statement_number') or ''}/{statement.data.get('sequence_number') or ''}"
        for transaction in statement:
            data = transaction.data
            slot = f"{account}|{number}"
            positions[slot] = positions.get(slot, 0) + 1
            status = str(data.get("status") or "")
            amount = Decimal(str(data["amount"].amount))
            if status not in ("C", "RD", "RC") or (status == "C" and amount <= 0):
                continue
            details = str(data.get("transaction_details") or "")
            texts = [
                str(data.get(name) or "")
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
                    currency=str(data.get("currency") or data["amount"].currency),
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


def _slashed(details: str, name: str) -> str:
    """A ``/NAME/value/`` field of the unstructured :86: layout many banks use (ING, ABN AMRO, Rabobank)."""
    match = re.search(rf"/{re.escape(name)}/([^/]*)", details.replace("\n", ""))
    return match.group(1).strip() if match else ""


# ---- CSV -------------------------------------------------------------------------------------------------------

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "booking_date": ("booking date", "date", "buchungstag", "buchungsdatum", "datum", "date comptable"),
    "value_date": ("value date", "valuta", "wertstellung", "valutadatum"),
    "amount": ("amount", "betrag", "montant", "credit", "gutschrift"),
    "currency": ("currency", "währung", "waehrung", "devise", "ccy"),
    "payer": ("payer", "name", "counterparty", "auftraggeber", "zahlungspflichtiger", "debtor"),
    "payer_account": ("payer account", "iban", "counterparty iban", "kontonummer/iban", "debtor iban"),
    "remittance": ("remittance", "remittance information", "description", "verwendungszweck", "purpose", "libellé"),
    "reference": ("creditor reference", "structured reference", "reference", "referenz", "kundenreferenz"),
    "entry": ("entry reference", "bank reference", "transaction id", "id", "buchungsreferenz"),
}


def parse_csv(text: str, source: str, *, mapping: Mapping[str, str] | None = None) -> list[Credit]:
    """Credits of a CSV export: columns found by their usual names (English, German, French) or `mapping`
    (field → the export's header); a ``date_format`` entry gives the date format. Negative amounts are debits."""
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|") if text.strip() else csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return []
    header = [cell.strip().casefold() for cell in rows[0]]
    columns: dict[str, int] = {}
    for name, candidates in CSV_COLUMNS.items():
        wanted = [mapping[name].casefold()] if mapping and mapping.get(name) else list(candidates)
        found = next((header.index(option) for option in wanted if option in header), None)
        if found is not None:
            columns[name] = found
    missing = [name for name in ("booking_date", "amount") if name not in columns]
    if missing:
        raise ValueError(f"no {' or '.join(missing)} column in the CSV header (map it in the Mappings sheet)")
    date_format = (mapping or {}).get("date_format")
    seen: dict[str, int] = {}
    credits = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            position = columns.get(name)
            return row[position].strip() if position is not None and position < len(row) else ""

        amount = _csv_amount(cell("amount"), number)
        if amount <= 0:
            continue
        booked = _csv_date(cell("booking_date"), date_format, number)
        currency = (cell("currency") or (mapping or {}).get("currency", "")).upper()
        if len(currency) != 3:
            raise ValueError(f"row {number}: no currency (add a Currency column or map a fixed one)")
        content = "|".join([str(booked), str(amount), currency, cell("payer"), cell("remittance"), cell("reference")])
        seen[content] = seen.get(content, 0) + 1
        own = cell("entry")
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:20]
        credits.append(
            Credit(
                key=f"csv|{own}" if own else f"csv|{digest}|{seen[content]}",
                booking_date=booked,
                value_date=_csv_date(cell("value_date"), date_format, number) if cell("value_date") else None,
                amount=amount,
                currency=currency,
                payer=cell("payer"),
                payer_account=cell("payer_account").replace(" ", "").upper(),
                reference=cell("reference"),
                remittance=cell("remittance"),
                source=source,
            )
        )
    return credits


def _csv_amount(text: str, row: int) -> Decimal:
    cleaned = re.sub(r"[\s'\u00a0]", "", text).replace("+", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)", cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"row {row}: amount {text!r} is not a number") from None


def _csv_date(text: str, date_format: str | None, row: int) -> dt.date:
    try:
        if date_format:
            return dt.datetime.strptime(text, date_format).date()
        if re.fullmatch(r"\d{4}-\d\d-\d\d.*", text):
            return dt.date.fromisoformat(text[:10])
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", text):  # European 24.11.2026
            day, month, year = (int(part) for part in text.split("."))
            return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        pass
    raise ValueError(f"row {row}: date {text!r} not understood (ISO 2026-11-24, 24.11.2026, or map a format)")
