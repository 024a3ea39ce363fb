"""Bank statements in: every booked credit of a camt.053 / camt.054 (ISO 20022), MT940 (SWIFT) or CSV file.

    credits, problems = statements.read(Path("camt053_2026-11-24.xml"))
    credits[0].key, credits[0].amount, credits[0].reference, credits[0].remittance

The format is recognised from the content, not the file name. Only what the bank has booked counts: entries with
status BOOK (camt) — pending and information-only entries are skipped — and credits (CRDT, MT940 ``C``); debits
are not payments from customers. A reversal (camt ``RvslInd``, MT940 ``RC``/``RD``) and a returned payment of ours
(camt ``TxDtls/RtrInf`` or sub-family ``RRTN``) are kept and marked, so that matching hands them to a person rather
than applying them.

Each credit carries a `key` that identifies it at its bank for good — the account plus the account servicer's
reference of the entry (camt ``AcctSvcrRef``, else ``NtryRef``) and of the transaction within a batch booking; for
MT940 the account, the statement number and the line's position in it; for CSV the mapped entry column, else the
row's content and its occurrence — so that importing the same statement again adds nothing.

XML is parsed with defusedxml (no DTDs, no entities, no network); any camt version (001.02 – 001.13) is read by
local element names. A file that cannot be read is one `Problem`, never a crash; the other files go on.
"""

from __future__ import annotations

import calendar
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
import mt940.tags
from defusedxml import ElementTree as SafeTree

from arcollect.problems import Problem

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
RETURN_SUB_FAMILIES = frozenset({"RRTN"})  # ISO 20022 bank transaction sub-family "reversal due to payment return"
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


def read(
    path: Path, *, mapping: CsvMapping | None = None, mappings: Iterable[CsvMapping] = ()
) -> tuple[list[Credit], list[Problem]]:
    """The booked credits of one statement file, and a problem if it cannot be read (then no credits). `mapping`
    and `mappings` read a CSV export (`parse_csv`)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB — not a daily statement")
        data = path.read_bytes()
        return parse(data, path.name, mapping=mapping, mappings=mappings), []
    except Exception as error:  # any parser's complaint about a hostile or broken file is a Problem, not a crash
        logger.warning("%s: not read (%s)", path.name, error)
        return [], [Problem(SHEET, None, "File", path.name, f"statement not read: {error}")]


def parse(
    data: bytes, source: str, *, mapping: CsvMapping | None = None, mappings: Iterable[CsvMapping] = ()
) -> list[Credit]:
    """The booked credits in `data` (camt XML, MT940 or CSV, recognised from the content); ValueError if none fits."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_camt(data, source)
    text = _decode(data)
    if re.search(r"^:20:", text, re.MULTILINE) and re.search(r"^:61:", text, re.MULTILINE):
        return parse_mt940(text, source)
    if re.search(r"^:20:", text, re.MULTILINE):
        return []  # an MT940 without entries: a statement of a day without movements
    return parse_csv(text, source, mapping=mapping, mappings=mappings)


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


# ---- SWIFT MT940 ------------------------------------------------------------------------------------------------


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


# ---- CSV -------------------------------------------------------------------------------------------------------

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "booking_date": ("booking date", "date", "buchungstag", "buchungsdatum", "datum", "date comptable"),
    "value_date": ("value date", "valuta", "wertstellung", "valutadatum"),
    "amount": ("amount", "betrag", "montant", "credit", "gutschrift"),
    "currency": ("currency", "währung", "waehrung", "devise", "ccy"),
    "payer": (
        "payer",
        "name",
        "counterparty",
        "auftraggeber",
        "zahlungspflichtiger",
        "debtor",
        "begünstigter / auftraggeber",
        "beguenstigter/zahlungspflichtiger",
    ),
    "payer_account": ("payer account", "iban", "counterparty iban", "kontonummer/iban", "debtor iban"),
    "remittance": ("remittance", "remittance information", "description", "verwendungszweck", "purpose", "libellé"),
    "reference": ("creditor reference", "structured reference", "reference", "referenz", "kundenreferenz"),
    "entry": ("entry reference", "bank reference", "transaction id", "id", "buchungsreferenz"),
}


def header_key(text: object) -> str:
    """A header or target name as it is compared: case, spaces and punctuation ignored (as `book.importer` does),
    so that ``Begünstigter / Auftraggeber`` finds ``Begünstigter/Auftraggeber`` and ``Credit / debit`` a target."""
    return re.sub(r"[\W_]+", "", str(text)).casefold()


# The Mappings sheet's "Target column" names of a bank statement mapping (compared by `header_key`), and the field
# each fills. A mapping with a "Booking date" row is a bank statement mapping (the open-items import has no such
# column).
BANK_TARGETS: dict[str, str] = {
    header_key(name): field_name
    for name, field_name in (
        ("Booking date", "booking_date"), ("Value date", "value_date"), ("Amount", "amount"),
        ("Currency", "currency"), ("Payer", "payer"), ("Payer account", "payer_account"),
        ("Remittance", "remittance"), ("Creditor reference", "reference"), ("Entry reference", "entry"),
        ("Credit/debit", "direction"), ("Debit/credit", "direction"),
    )
}  # fmt: skip
# What a credit/debit column says for a credit when the mapping names no marks of its own (case ignored).
CREDIT_MARKS = ("c", "cr", "crdt", "credit", "h", "haben", "gutschrift", "+")
_HEADER_ROWS = 30  # a bank's export may start with a few lines about the account: the header is among these


@dataclass(frozen=True)
class CsvMapping:
    """How a bank's CSV export maps to credits: a Mappings-sheet mapping (`bank.inbox.csv_mappings`).

    `columns` maps a field (`CSV_COLUMNS`' keys, and ``direction``) to the export's header; a field left out is
    found by its usual names. `date_format` (strptime, e.g. ``%d/%m/%Y``) reads the dates, `currency` is the
    currency of every row when the export has no currency column, `credit_marks` the values of the
    credit/debit column that mean a credit (then amounts are read without their sign), and `decimal` the amounts'
    decimal separator (``,`` for 1.234,56; ``.`` for 1,234.56; blank: recognised per amount).
    """

    name: str
    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str = ""
    currency: str = ""
    credit_marks: tuple[str, ...] = ()
    decimal: str = ""


_DATE_TOKENS = {"YYYY": "%Y", "JJJJ": "%Y", "YY": "%y", "JJ": "%y", "MM": "%m", "DD": "%d", "TT": "%d"}


def date_format(text: str) -> str:
    """A strptime format from what a user types as a date format: ``%d.%m.%Y`` as it is, or the spreadsheet way,
    ``DD.MM.YYYY``, ``MM/DD/YYYY``, ``YYYY-MM-DD`` (German ``TT.MM.JJJJ``); anything else as it is (then a date
    the format cannot read is reported with it)."""
    text = text.strip()
    if "%" in text:
        return text
    return re.sub("|".join(_DATE_TOKENS), lambda match: _DATE_TOKENS[match.group(0)], text.upper())


def decimal_separator(text: str) -> str:
    """The decimal separator of a number format as a user types it: ``1.234,56`` or ``,`` → ``,``; ``1,234.56`` or
    ``.`` → ``.``; the last of the two in the text (blank when it holds neither)."""
    found = [mark for mark in text if mark in ",."]
    return found[-1] if found else ""


def parse_csv(
    text: str, source: str, *, mapping: CsvMapping | None = None, mappings: Iterable[CsvMapping] = ()
) -> list[Credit]:
    """Credits of a CSV export. `mapping` says how to read it; without one, the first of `mappings` (the Mappings
    sheet's bank mappings) whose columns the export's header holds — most columns found wins — and else the usual
    column names (English, German, French). The header is the first of the first rows that holds a booking date
    and an amount column. Negative amounts and blank ones (a debit in a debit/credit column pair) are not credits,
    nor rows a credit/debit column marks as debits."""
    rows = list(csv.reader(io.StringIO(text), _dialect(text)))
    if not rows:
        return []
    header_index, columns, chosen = _csv_header(rows, [mapping] if mapping is not None else [*mappings, None])
    if header_index is None:
        expected = (
            f"the columns of mapping {mapping.name!r}" if mapping is not None else "a booking date and an amount column"
        )
        raise ValueError(f"no header row with {expected} (map the export's columns in the Mappings sheet)")
    date_format = chosen.date_format if chosen else ""
    decimal = chosen.decimal if chosen else ""
    marks = {mark.casefold() for mark in ((chosen.credit_marks if chosen else ()) or CREDIT_MARKS)}
    seen: dict[str, int] = {}
    credits = []
    lines = amounts = 0
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            position = columns.get(name)
            return row[position].strip() if position is not None and position < len(row) else ""

        lines += 1
        if not cell("amount"):
            continue  # no amount in this column: a debit of a debit/credit column pair, or a note line
        amounts += 1
        amount = _csv_amount(cell("amount"), number, decimal)
        if "direction" in columns:
            if cell("direction").casefold() not in marks:
                continue
            amount = abs(amount)
        if amount <= 0:
            continue
        booked = _csv_date(cell("booking_date"), date_format, number)
        currency = (cell("currency") or (chosen.currency if chosen else "")).upper()
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
                extra={"mapping": chosen.name} if chosen else {},
            )
        )
    if lines and not amounts:  # never a silent "no payments": the amounts are in a column nobody named
        raise ValueError(
            f"the amount column {rows[header_index][columns['amount']].strip()!r} is empty in all {lines} rows — "
            "map the column that holds the credits (Target column Amount) in the Mappings sheet"
        )
    return credits


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:_HEADER_ROWS])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:  # lines about the account before the header can confuse the sniffer: the commonest wins
        counts = {delimiter: sample.count(delimiter) for delimiter in ";,\t|"}
        dialect = csv.excel()
        dialect.delimiter = max(counts, key=lambda delimiter: counts[delimiter])
        return dialect


def _csv_header(
    rows: list[list[str]], candidates: list[CsvMapping | None]
) -> tuple[int | None, dict[str, int], CsvMapping | None]:
    """(header row index, field → column, the mapping used) — the first header row a candidate fits; among the
    mappings that fit it, the one with most columns found, a mapping before the usual names."""
    for index, row in enumerate(rows[:_HEADER_ROWS]):
        header = [header_key(cell) for cell in row]
        fits = []
        for order, candidate in enumerate(candidates):
            columns = _csv_columns(header, candidate)
            mapped = candidate.columns if candidate is not None else {}
            if (
                "booking_date" in columns
                and "amount" in columns
                and all(name in columns for name in mapped if name in CSV_COLUMNS or name == "direction")
            ):
                fits.append((candidate is not None, len(mapped), -order, columns, candidate))
        if fits:
            _mapped, _count, _order, columns, chosen = max(fits, key=lambda fit: fit[:3])
            return index, columns, chosen
    return None, {}, None


def _csv_columns(header: list[str], mapping: CsvMapping | None) -> dict[str, int]:
    columns: dict[str, int] = {}
    own = {name: header_key(source) for name, source in (mapping.columns if mapping else {}).items()}
    for name in (*CSV_COLUMNS, "direction"):
        wanted = [own[name]] if name in own else [header_key(option) for option in CSV_COLUMNS.get(name, ())]
        found = next((header.index(option) for option in wanted if option in header), None)
        if found is not None:
            columns[name] = found
    return columns


def _csv_amount(text: str, row: int, decimal: str = "") -> Decimal:
    """An amount as the export writes it; `decimal` (the mapping's separator) settles 1.000 and 1,500, else a comma
    is the decimal separator when the amount reads as 1.234,56 / 1234,5 and a thousands separator otherwise — and
    1,500 or 1.500 alone, which could be either, is refused rather than read a thousand times too small or large."""
    cleaned = re.sub(r"[\s'\u00a0]", "", text).replace("+", "")
    if not decimal and re.fullmatch(r"-?\d{1,3}[.,]\d{3}", cleaned):
        raise ValueError(
            f"row {row}: amount {text!r} could be read two ways — give the mapping's Amount row a number format "
            "(1.234,56 or 1,234.56)"
        )
    if decimal == "," or (not decimal and re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)", cleaned)):
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
    if date_format:
        raise ValueError(f"row {row}: date {text!r} does not fit the mapping's format {date_format!r}")
    raise ValueError(f"row {row}: date {text!r} not understood (ISO 2026-11-24, 24.11.2026, or map a format)")
