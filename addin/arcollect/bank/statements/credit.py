"""The booked credit every statement format is read into (`Credit`), and the sheet name its problems carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SHEET = "Bank statements"


@dataclass(frozen=True)
class Credit:
    """One booked credit on one of our accounts: who paid how much, with which reference and remittance text."""

    key: str
    booking_date: dt.date
    amount: Decimal
    currency: str
    payer: str = ""
    payer_account: str = ""
    reference: str = ""  # the structured creditor reference (camt CdtrRefInf/Ref), if the bank passed one on
    remittance: str = ""  # unstructured remittance text, end-to-end reference and further details, joined
    account: str = ""
    source: str = ""
    reversal: bool = False
    value_date: dt.date | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)
