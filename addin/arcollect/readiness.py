"""Is a workbook ready to send? The reasons `send` refuses, shared by every way of sending (CLI, ribbon, schedule).

    >>> refusals = send_refusals(config)       # [] = go; else one sentence per setting to fix
    >>> if refusals: raise ConfigError(" ".join(refusals))

`run.collect(send=True)` asks before anything is reconciled or sent; `refresh` and `preview` only show the same
settings as problems on the Exceptions sheet. Each check names the setting and what to do. Extend the list here —
one function, so that no way of sending can skip a check.
"""

from __future__ import annotations

from arcollect.bank import accounts
from arcollect.book.settings import Settings


def send_refusals(config: Settings) -> list[str]:
    """Why nothing may be sent with these Settings, one sentence each; empty when sending may go ahead."""
    return [*accounts.refusals(config)]
