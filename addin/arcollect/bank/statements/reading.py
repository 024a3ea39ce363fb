"""One statement file → its booked credits: the size guard, the format recognised from the content (camt XML,
MT940 or CSV) and a file that cannot be read turned into one `Problem`, never a crash."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from arcollect.bank.statements.camt import parse_camt
from arcollect.bank.statements.credit import SHEET, Credit
from arcollect.bank.statements.csv_exports import CsvMapping, parse_csv
from arcollect.bank.statements.swift import parse_mt940
from arcollect.problems import Problem

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024


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
