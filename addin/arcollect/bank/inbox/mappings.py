"""The Mappings sheet's bank statement mappings: how a bank's CSV export maps to credits (`csv_mappings`), one by its
name (`mapping_named`, ``arcollect bank --mapping NAME``), and which statement files may be a CSV at all (for
the others no Mappings sheet is read).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcollect.bank import statements
from arcollect.book import live, read
from arcollect.errors import InputError

logger = logging.getLogger(__name__)


NOT_CSV = (".xml", ".053", ".054", ".sta", ".940", ".mt940")  # no Mappings sheet is read for these


def may_be_csv(path: Path) -> bool:
    """Whether `path` may be a CSV export (then the Mappings sheet's bank mappings are read for it)."""
    return Path(path).suffix.lower() not in NOT_CSV


def csv_mappings(book: Any) -> list[statements.CsvMapping]:
    """The bank statement mappings of the workbook's Mappings sheet (a path, or a live book), in sheet order.

    A mapping is a bank statement mapping when one of its rows has the target column "Booking date"; its rows map
    the targets of `statements.BANK_TARGETS` (Booking date, Value date, Amount, Currency, Payer, Payer account,
    Remittance, Creditor reference, Entry reference, Credit/debit; case, spaces and punctuation ignored) to the
    export's headers. "Fixed value or format" holds the date format on a date row (``%d/%m/%Y`` or
    ``DD/MM/YYYY``), the number format on the Amount row (``1.234,56``: decimal comma), the currency of every row
    on the Currency row, and the values that mean a credit on the Credit/debit row (``H`` or ``CR; Credit``).
    Unknown targets are logged and left out.
    """
    from arcollect import schema
    from arcollect.schema import Mappings

    if isinstance(book, str | Path):
        rows = read.sheet_rows(Path(book), schema.MAPPINGS.sheet)
    else:
        rows = live.sheet_rows(book, schema.MAPPINGS.sheet)
    if not rows:
        return []
    frame, problems = read.read_rows(schema.MAPPINGS, rows)
    for problem in problems:
        logger.warning("Mappings sheet: %s", problem)
    found = []
    for name, group in frame.groupby(Mappings.NAME, sort=False):
        targets = [statements.header_key(target) for target in group[Mappings.TARGET]]
        if statements.header_key("Booking date") not in targets:
            continue  # an open-items import mapping (book.importer)
        columns: dict[str, str] = {}
        options: dict[str, Any] = {}
        for target, source, extra in zip(targets, group[Mappings.SOURCE], group[Mappings.FIXED], strict=True):
            field_name = statements.BANK_TARGETS.get(target)
            if field_name is None:
                logger.warning("Mappings sheet: unknown target column %r in bank mapping %s", target, name)
                continue
            if isinstance(source, str) and source.strip():
                columns[field_name] = source.strip()
            extra = extra.strip() if isinstance(extra, str) else ""
            if not extra:
                continue
            if field_name == "booking_date" or (field_name == "value_date" and "date_format" not in options):
                options["date_format"] = statements.date_format(extra)  # one format; the booking date's wins
            elif field_name == "amount":
                options["decimal"] = statements.decimal_separator(extra)
            elif field_name == "currency":
                options["currency"] = extra.upper()
            elif field_name == "direction":
                marks = (part.strip() for part in extra.replace(",", ";").split(";"))
                options["credit_marks"] = tuple(mark for mark in marks if mark)
        found.append(statements.CsvMapping(str(name), columns, **options))
    return found


def mapping_named(mappings: Sequence[statements.CsvMapping], name: str) -> statements.CsvMapping:
    """The bank mapping `name` (case ignored) of `mappings` (`csv_mappings`); InputError naming the known ones."""
    for mapping in mappings:
        if mapping.name.casefold() == name.strip().casefold():
            return mapping
    known = ", ".join(mapping.name for mapping in mappings) or "none"
    raise InputError(
        f"no bank statement mapping named {name!r} in the Mappings sheet (known: {known}) — a bank mapping has a "
        "row with the target column Booking date"
    )


def workbook_mappings(workbook: Path) -> list[statements.CsvMapping]:
    try:
        return csv_mappings(workbook)
    except InputError as error:  # the run reads the workbook itself and says what is wrong with it
        logger.warning("bank mappings not read: %s", error)
        return []
