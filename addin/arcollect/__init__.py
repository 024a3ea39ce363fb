"""arcollect — accounts-receivable collections for Excel.

    >>> from arcollect.engine import aging, terms
    >>> aging.bucket(aging.days_past_due("2026-10-01", "2026-11-24"))
    '31-60'
    >>> str(terms.due_date(terms.parse("2/10 net 30"), "2026-11-01"))
    '2026-12-01'

The engine (`arcollect.engine`) is pure and vectorised; the workbook, mail and Excel layers are thin shells
over it. docs/ARCHITECTURE.md draws the layers, the one flow and where each rule lives.
"""

from __future__ import annotations

__version__ = "0.1.0"
