"""The ledger: every reminder's state, so each one is delivered exactly once — across runs, crashes, computers.

    from arcollect.mail.ledger import Ledger, reconcile
    with Ledger(path) as ledger, ledger.hold("send"):                 # one sender per ledger (the lease)
        reconcile(ledger, transport, now=now)                        # settle what a crash left in doubt
        dispatch(reminders, ledger, transport, now=now, rate_limit=30)

- `core`: the state machine (``planned → sending → sent | failed | unknown``) and its queries;
- `retention`: exporting the rows for an audit and purging them (tombstones keep exactly once);
- `store`: where the rows live — an SQLite file (the default, beside the workbook) or PostgreSQL (`postgres`,
  Settings ``LedgerUrl``, for a team);
- `lease`: one sender at a time across processes and computers;
- `reconcile`: settling in-doubt reminders through the transport's Sent Items / outbox lookup;
- `identity`: the workbook records which ledger it belongs to and how far it has seen it, so a missing, emptied,
  older or foreign ledger stops a send instead of sending everything again; `open_for` finds and checks it;
- `location`: network shares and synced folders; `rebuild`: a ledger rebuilt from ReminderLog and Sent Items;
- `schema`: the tables, and `schema.register` for a module's own tables (``Ledger.write``/``Ledger.read``).
"""

from arcollect.mail.ledger.core import (
    IN_DOUBT,
    LIST_SEPARATOR,
    SCHEMA_VERSION,
    STATES,
    Entry,
    Ledger,
    ReconcileReport,
    State,
    Transition,
    utc_text,
)
from arcollect.mail.ledger.lease import LeaseLost
from arcollect.mail.ledger.reconcile import reconcile
from arcollect.mail.ledger.retention import EXPORT_COLUMNS, PurgeReport
from arcollect.mail.ledger.store import LedgerBusy, LedgerError, LedgerMissing

__all__ = [
    "EXPORT_COLUMNS",
    "IN_DOUBT",
    "LIST_SEPARATOR",
    "SCHEMA_VERSION",
    "STATES",
    "Entry",
    "LeaseLost",
    "Ledger",
    "LedgerBusy",
    "LedgerError",
    "LedgerMissing",
    "PurgeReport",
    "ReconcileReport",
    "State",
    "Transition",
    "reconcile",
    "utc_text",
]
