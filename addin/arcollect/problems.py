"""Row problems: bad input reported as data, not raised.

Following beancount's loader, readers and engine steps return ``(result, problems)``; every problem names the
sheet, the row as the user sees it in Excel, the column header, the offending value and the reason. The run goes
on without the row, and the `Exceptions` sheet lists them all.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Problem(NamedTuple):
    """One rejected value: where it is and why it cannot be used."""

    sheet: str
    row: Any
    column: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}, {self.column} = {self.value!r}: {self.reason}"
