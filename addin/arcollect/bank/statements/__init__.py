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

    credit       Credit, the record every format is read into, and SHEET (the name its problems carry)
    reading      read (a file) and parse (bytes): the format recognised from the content
    camt         parse_camt: ISO 20022 camt.053 / camt.054 (and camt.052)
    swift        parse_mt940: SWIFT MT940, with the :86: details; MT940_OPTIONS / MT940_TAGS for the mt-940 library
    csv_exports  parse_csv: a bank's CSV export, CsvMapping (a Mappings-sheet mapping), header_key, BANK_TARGETS

The package exposes what the rest of arcollect uses; the modules' own helpers stay in them.
"""

from arcollect.bank.statements.camt import parse_camt
from arcollect.bank.statements.credit import SHEET, Credit
from arcollect.bank.statements.csv_exports import (
    BANK_TARGETS,
    CSV_COLUMNS,
    CsvMapping,
    date_format,
    decimal_separator,
    header_key,
    parse_csv,
)
from arcollect.bank.statements.reading import MAX_FILE_BYTES, parse, read
from arcollect.bank.statements.swift import MT940_OPTIONS, MT940_TAGS, parse_mt940

__all__ = [
    "BANK_TARGETS",
    "CSV_COLUMNS",
    "MAX_FILE_BYTES",
    "MT940_OPTIONS",
    "MT940_TAGS",
    "SHEET",
    "Credit",
    "CsvMapping",
    "date_format",
    "decimal_separator",
    "header_key",
    "parse",
    "parse_camt",
    "parse_csv",
    "parse_mt940",
    "read",
]
