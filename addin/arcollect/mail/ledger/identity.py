"""A ledger that knows its workbook, and a workbook that knows its ledger.

    stamp = identity.read_stamp(Path("Receivables.xlsx"))       # Stamp(ledger_id='3c84…', sequence=1234) or None
    write.write_tables(path, outputs, names=identity.names(ledger_id, seq))   # recorded with the output sheets

Every time the output sheets are written, the workbook records two hidden defined names: ``_arcollect_ledger``
(the ledger's id, made when the ledger was created) and ``_arcollect_ledger_seq`` (how many changes the ledger had
recorded by then). Before a run uses a ledger, `check` compares the two:

- the ledger is missing or empty, but the workbook has a stamp — or lists sent reminders in ReminderLog → stop;
- the ledger is another workbook's (a different id) → stop;
- the ledger has recorded fewer changes than the workbook has seen (an older copy restored) → stop.

Each stop is one sentence with the way out: put the right file back, or ``arcollect ledger rebuild BOOK``, which
rebuilds it from ReminderLog and the outbox / Sent Items (`arcollect.mail.ledger.rebuild`). Sending with a ledger
that has forgotten what it sent would send it all again; refusing costs a minute. A renamed workbook
(Save As, a new name) keeps its ledger: the ledger beside it under the old name is found by its id (`locate`).
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcollect.errors import InputError

logger = logging.getLogger(__name__)

NAME_ID = "_arcollect_ledger"
NAME_SEQUENCE = "_arcollect_ledger_seq"
_DEFINED = re.compile(r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>")
_NAME_ATTRIBUTE = re.compile(r'\bname="([^"]*)"')


@dataclass(frozen=True)
class Stamp:
    """What a workbook records about its ledger."""

    ledger_id: str
    sequence: int


def read_stamp(path: Path) -> Stamp | None:
    """The stamp of the workbook file at `path`, or None (never stamped, or not readable as a workbook)."""
    try:
        with zipfile.ZipFile(path) as package:
            text = package.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    names = {}
    for attributes, value in _DEFINED.findall(text):
        match = _NAME_ATTRIBUTE.search(attributes)
        if match:
            names[match[1]] = value
    return _stamp(names.get(NAME_ID), names.get(NAME_SEQUENCE))


def _stamp(ledger_id: str | None, sequence: str | None) -> Stamp | None:
    if not ledger_id:
        return None
    ledger_id = ledger_id.strip().lstrip("=").strip().strip('"').replace("&quot;", "")
    try:
        count = int(float(str(sequence or "0").strip().lstrip("=")))
    except ValueError:
        count = 0
    return Stamp(ledger_id, count) if re.fullmatch(r"[0-9a-f]{32}", ledger_id) else None


def names(ledger_id: str, sequence: int) -> dict[str, str]:
    """The stamp as `write.write_tables(names=…)` records it: hidden workbook-level defined names."""
    return {NAME_ID: f'"{ledger_id}"', NAME_SEQUENCE: str(int(sequence))}


def read_live_stamp(book: Any) -> Stamp | None:
    """The stamp of a workbook open in Excel (xlwings `Book`), or None."""
    names = {}
    try:
        for name in book.names:
            names[str(name.name)] = str(name.refers_to)
    except (AttributeError, TypeError):
        return None
    return _stamp(names.get(NAME_ID), names.get(NAME_SEQUENCE))


def write_live_stamp(book: Any, ledger_id: str, sequence: int) -> None:
    """Record the stamp in a workbook open in Excel (saved when the user saves it)."""
    try:
        for name, value in ((NAME_ID, f'="{ledger_id}"'), (NAME_SEQUENCE, f"={int(sequence)}")):
            book.names.add(name, value)
    except (AttributeError, TypeError) as error:
        logger.warning("Could not record the ledger in %s: %s", getattr(book, "name", book), error)


def sent_in_log(rows: list[list[Any]]) -> int:
    """How many reminders a ReminderLog sheet (rows from A1) lists as sent."""
    from arcollect.schema import TABLES, Log

    if not rows:
        return 0
    header = [str(cell).strip().casefold() if cell is not None else "" for cell in rows[0]]
    wanted = TABLES["ReminderLog"].column(Log.STATE).header.casefold()
    if wanted not in header:
        return 0
    column = header.index(wanted)
    return sum(1 for row in rows[1:] if len(row) > column and str(row[column]).strip().lower() == "sent")


def log_rows(path: Path) -> list[list[Any]]:
    """The ReminderLog sheet of the workbook file at `path` as rows from A1 ([] when it has none)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError, ValueError) as error:
        raise InputError(f"{path.name} cannot be read: {error}") from None
    with book:
        names = {name.casefold(): name for name in book.sheet_names}
        if "reminderlog" not in names:
            return []
        return book.get_sheet_by_name(names["reminderlog"]).to_python(skip_empty_area=False)
