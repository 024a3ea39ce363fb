"""A cell update in a user's input table, and the one rule that finds its cells — in a file and in Excel alike.

    update = CellUpdate("Invoices", Invoices.NUMBER, Invoices.STATUS, {"INV-1001": "Paid"})
    target = locate(update, header)        # the header row's cells as read; None when a column is not there
    for row in rows:
        found, value = target.value_for(row[target.key])

`book.write` applies updates to a file (through openpyxl, or cell by cell into the package's XML) and `book.live`
to the workbook open in Excel; all of them find the sheet, the columns and the rows here, so a workbook whose
header says `` customer-ID `` or ``CREDIT_HOLD`` or whose key cells hold ``1001`` as a number is updated the same
way on every path — and as the reader (`book.read`) reads it:

- a sheet by its name, case and surrounding spaces ignored (as Excel names sheets);
- a column by its header or its schema key, case, spaces and punctuation ignored; the first such column wins;
- a row by its key cell as text: surrounding spaces ignored, a whole number without a decimal part (Excel and
  calamine hand ``1001`` over as ``1001.0``); a blank key cell matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arcollect import schema


@dataclass(frozen=True)
class CellUpdate:
    """Set `column` of the rows of `table` whose `key` column holds one of `values`' keys — nothing else changes.

    For an input table the user owns (Customers' "Credit hold" after an escalation): rewriting the whole table
    would drop the user's own columns and formatting, so only those cells are written.
    """

    table: str
    key: str
    column: str
    values: Mapping[Any, Any]


def header_key(text: Any) -> str:
    """A header as it is compared: case, spaces and punctuation ignored (``Credit hold`` = `` credit-HOLD ``)."""
    return re.sub(r"[\W_]+", "", str(text)).casefold() if text is not None else ""


def key_text(value: Any) -> str:
    """A key cell (or an update's key) as it is compared; "" for a blank one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sheet_named(names: Iterable[str], wanted: str) -> str | None:
    """The name among `names` that is `wanted`, case and surrounding spaces ignored; None when there is none."""
    folded = wanted.strip().casefold()
    return next((name for name in names if name.strip().casefold() == folded), None)


@dataclass(frozen=True)
class Target:
    """Where an update lands in a table: the positions of its key and value columns in the header row (from 0),
    and the new values by key text."""

    key: int
    column: int
    values: Mapping[str, Any]

    def value_for(self, key_cell: Any) -> tuple[bool, Any]:
        """(True, the new value) for a row whose key cell is one of the update's keys, else (False, None)."""
        text = key_text(key_cell)
        return (True, self.values[text]) if text in self.values else (False, None)


def locate(update: CellUpdate, header: Sequence[Any]) -> Target | None:
    """The columns of `update` in a table whose header row holds `header`; None when either column is missing."""
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        if cell is not None and str(cell).strip():
            positions.setdefault(header_key(cell), position)
    table = schema.TABLES[update.table]
    found = [_position(positions, table.column(name)) for name in (update.key, update.column)]
    if found[0] is None or found[1] is None:
        return None
    values = {key_text(key): value for key, value in update.values.items() if key_text(key)}
    return Target(found[0], found[1], values)


def _position(positions: Mapping[str, int], column: schema.Column) -> int | None:
    for name in (column.header, column.key):  # as the reader matches a header
        if header_key(name) in positions:
            return positions[header_key(name)]
    return None
