"""Row problems: bad input reported as data, not raised.

Following beancount's loader, readers and engine steps return ``(result, problems)``; every problem names the
sheet, the row as the user sees it in Excel, the column header, the offending value and the reason. The run goes
on without the row, and the `Exceptions` sheet lists them all.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Problem(NamedTuple):
    """One rejected value: where it is and why it cannot be used.

    `affects` is how many rows the problem touches beyond its own cell (the invoices of a left-out customer, of a
    currency without a rate), when that is known; None means just this one. `left_out` holds, when the problem
    left its row out of the run, what could be read of that row (schema key, typed value) — the invoice's amount
    and currency for the "not in totals" line, the customer's ID for the invoices that lose their customer.
    """

    sheet: str
    row: Any
    column: str
    value: Any
    reason: str
    affects: int | None = None
    left_out: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}, {self.column} = {self.value!r}: {self.reason}"
