"""The vocabulary of the reminder queue that `arcollect.engine.dunning` plans: the states of a row, the columns
the planner adds to `Queue`'s, the `Level` it works with, the direct-debit notice, and an empty queue.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from arcollect.engine.policy import DunningLevel
from arcollect.schema import Queue

DUE, SCHEDULED, HELD = "due", "scheduled", "held"
# An escalating reminder that would go out, waiting for a finance user's approval (set by `arcollect.run`).
AWAITING_APPROVAL = "awaiting approval"
LOCAL_DATE = "local_date"
INVOICE_LIST = "invoice_list"
COUNTRY, SUBDIVISION, TIME_ZONE = "country", "subdivision", "time_zone"
CUSTOMER_ROW = "_customer"  # an item's row in the planner's customer table, -1 when the customer is not known
# A failed SEPA / ACH debit comes back within a few business days: an auto-pay invoice still open this many days
# after its due date (plus the grace days) was not collected.
DIRECT_DEBIT_SETTLE_DAYS = 3
# The notice to auto-pay customers whose debit failed: not a level of the policy; the ledger records it under this
# level number, so a policy should not use 99 for a level of its own.
COLLECTION_FAILED = DunningLevel(
    level=99,
    name="Direct debit failed",
    days_offset=DIRECT_DEBIT_SETTLE_DAYS,
    templates=("collection_failed",),
    tone="friendly",
    min_days_since_previous=0,
)


class Level(Protocol):
    """What the planner needs of a dunning level (`arcollect.engine.policy.DunningLevel` has it)."""

    level: int
    name: str
    days_offset: int
    tone: str
    min_days_since_previous: int
    cc_account_manager: bool
    repeat_every_days: int | None

    def template_for(self, customer_id: str) -> str: ...


def empty_queue() -> pd.DataFrame:
    """A queue without rows, with the columns of one the planner fills."""
    return pd.DataFrame(columns=[*Queue, INVOICE_LIST, LOCAL_DATE, COUNTRY, SUBDIVISION, TIME_ZONE, "_position"])


def flag(values: pd.Series) -> np.ndarray:
    """A yes/no column as booleans; blank is no."""
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)
