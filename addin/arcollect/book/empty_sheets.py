"""What an output sheet with no rows says: why it is empty and what fills it, in its one table row.

    >>> from arcollect import schema
    >>> from arcollect.book import empty_sheets
    >>> empty_sheets.NOTES["ReminderLog"]
    'No reminder has been sent yet — Send (or arcollect send) records each one here.'
    >>> empty_sheets.is_note(schema.REMINDER_LOG, [empty_sheets.NOTES["ReminderLog"], None, ""])
    True

A header alone says nothing: is the sheet broken, not refreshed yet, or is there really nothing? An output table
with no rows (a new book, or a run that found none) keeps the one empty row an Excel Table needs, and that row's
first cell holds the sentence, in grey italics; the text runs on over the empty cells beside it. Each sentence is
true before the first refresh and after a run that found nothing. The next write with rows replaces it.

The rule every reader of an output sheet keeps (`is_note`, and `data_rows` for a whole table): a row whose first
cell is its table's sentence and whose other cells are all blank is that note, not data. `book.read.read_rows`
leaves it out; the ledger's rebuild from ReminderLog (`mail.ledger.rebuild`) and its count of sent rows
(`mail.ledger.identity.sent_in_log`) skip it already, since its Key is no reminder key and its State is blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from arcollect.book import template
from arcollect.schema import Table

NOTES: dict[str, str] = {
    "Aging": "No open invoice to age — each refresh (Refresh, or arcollect refresh) lists here every open invoice of "
    "the Invoices sheet, aged and priced.",
    "AgingSummary": "No open amount to total — each refresh totals the open invoices here, per customer and aging "
    "bucket.",
    "CustomerRisk": "No customer has invoices yet — each refresh scores here every customer with invoices on the "
    "Invoices sheet.",
    "NextActions": "No customer has open invoices, so nothing needs doing — each refresh lists here, per customer "
    "with open items, what happens next.",
    "ReminderQueue": "No reminder is due, planned or held — each refresh lists here every reminder the next send "
    "would make, or why it is held.",
    "ReminderLog": "No reminder has been sent yet — Send (or arcollect send) records each one here.",
    "Effectiveness": "No reminder has been sent yet, so none can be measured — once reminders go out, each refresh "
    "shows here how soon their invoices were paid.",
    "Unmatched": "No bank line is waiting to be matched — credits of imported bank statements (arcollect bank) that "
    "no rule matches with certainty wait here for a person.",
    "InterestStatement": "No interest statement — with Settings InterestStatementPeriod set, each refresh lists here "
    "the invoices paid late in that period and the interest and compensation still claimable on them.",
    "Exceptions": "No problem found in the input sheets — each refresh lists here every value it cannot use, with a "
    "link to its cell.",
}
"""Output table name → the sentence its empty table shows."""

COLOUR = "595959"  # the note's grey: read as a remark, not as a value


def note(table: Table) -> str:
    """The sentence `table` shows when it has no rows ("" for an input table: those keep a blank row to type in)."""
    return NOTES.get(table.name, "") if table.output else ""


def is_note(table: Table, row: Sequence[Any]) -> bool:
    """True for the note row of an empty output table: its first cell is the table's sentence and every other cell
    is blank (``None`` or ``""``, as python-calamine reads an empty cell)."""
    sentence = note(table)
    if not sentence or not row or str(row[0]).strip() != sentence:
        return False
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row[1:])


def data_rows(table: Table, first: pd.Series, others_blank: pd.Series) -> pd.Series:
    """`is_note` over a whole table at once: True where a row is data, False for the note. `first` holds each
    row's first cell, `others_blank` whether all its other cells are blank."""
    sentence = note(table)
    if not sentence:
        return pd.Series(True, index=first.index)
    return ~((first.astype("string").str.strip() == sentence).fillna(False) & others_blank)


def write_note(cell: Any, sentence: str) -> None:
    """Put `sentence` into `cell` (openpyxl) as the note: grey italics."""
    cell.value = sentence
    cell.font = _FONT


def note_row(sheet: Worksheet, row: int, column: int, sentence: str) -> bytes:
    """The note as one ``<row>`` of sheet XML (`book.write`'s part-for-part path), styled as `write_note` does."""
    styled = Cell(sheet)
    styled.font = _FONT
    reference = f"{get_column_letter(column)}{row}"
    cell = f'<c r="{reference}" s="{styled.style_id}" t="inlineStr"><is><t>{escape(sentence)}</t></is></c>'
    return f'<row r="{row}">{cell}</row>'.encode()


_FONT = template.font(italic=True, color=COLOUR)
