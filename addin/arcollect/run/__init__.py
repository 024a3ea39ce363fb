"""The one flow: workbook → engine → plan → render → transport → ledger → output sheets.

    from arcollect.run import collect
    report = collect(Path("arcollect.xlsx"), now=datetime.now(UTC), send=False)   # refresh / preview
    report = collect(Path("arcollect.xlsx"), now=datetime.now(UTC), send=True)    # send what is due

The CLI, the ribbon and the scheduler are thin shells over `collect`. With ``send=False`` nothing is sent and the
ledger is only read; with ``send=True`` in-doubt reminders are reconciled first, then every reminder whose send
time has come passes the ledger's exactly-once gate one by one, within the mailbox's send-rate limit.

`book` is a workbook file, or a workbook open in Excel (an xlwings `Book`; the ribbon passes ``xw.Book.caller()``).
`Source` reads and writes either one the same way; for a live book the ledger, outbox and templates are found
beside its file (`Book.fullname`), exactly as for the file.

The package exposes `collect`, `RunReport` and `open_ledger`. Its modules:

- `flow` — `collect`, the flow itself, step by step;
- `report` — `RunReport`, what one run did, and the `Progress` callback;
- `source` — `Source` (a workbook file or a live book) and `open_ledger`, the workbook's own checked ledger;
- `charges` — the notes on laws under which nothing statutory is charged, and the InterestStatement sheet;
- `reminders` — the sent history, credits shown net, each reminder's ledger state, rendering the reminders;
- `sending` — sending the due reminders through the ledger, saving the credit holds of escalations;
- `outputs` — the output sheets (Aging, AgingSummary, ReminderQueue, ReminderLog, Exceptions, NextActions, …).
"""

from arcollect.run.flow import collect
from arcollect.run.report import RunReport
from arcollect.run.source import open_ledger

__all__ = ["RunReport", "collect", "open_ledger"]
