"""A bank's CSV export: its header found among the first rows (the usual column names in English, German and
French, or a Mappings-sheet mapping, `CsvMapping`), amounts in either decimal convention (never guessed when
ambiguous), dates ISO, European or in the mapping's format, and the credits only (positive amounts, or the rows a
credit/debit column marks as credits).

`header_key` is how headers and the Mappings sheet's target names are compared; `BANK_TARGETS`, `date_format` and
`decimal_separator` read a bank mapping's rows (`bank.inbox.mappings`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from arcollect.bank.statements.credit import Credit

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
