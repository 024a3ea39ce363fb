"""Bank statements into a workbook, the watched folder, and payments a run has not seen yet.

    report = inbox.import_files(Path("Receivables.xlsx"), [Path("camt053.xml")], now=now)   # arcollect bank
    report.summary()      # "12 credits: 9 applied (6 by RF reference, …), 3 to Unmatched, 0 already imported"

An import reads the statements, leaves out every credit the bank ledger (`store.Store`) already holds, matches the
rest (`matching.match`) against the open items — after the payments the ledger holds and the workbook does not yet
show — records everything in the ledger in one transaction, and then brings the workbook up to date: a Payments
row per payment (Bank entry = the credit's key, Matched by = the rule), the paid invoices' Open amount reduced
(Status Paid when nothing is left) and the Unmatched sheet rewritten. A workbook open in Excel gets a side file,
as every write does; the ledger already holds the import, and the next refresh of the workbook catches up.

`before_run` is what every run does first: the ledger's payments that the workbook's Payments sheet does not list
(imported by the unattended schedule, or not yet saved) are applied in memory, so a payment booked at 09:00 stops
the 10:00 reminder whether or not anyone has opened the workbook. `watch` reads new files from the BankFolder
(each file once, by its SHA-256) into the ledger; the re-check right before sending holds a reminder whose
invoices have been paid since it was planned ("paid on 2026-11-24 (bank)").

    ledger_view  the workbook's view of the ledger: pending payments, Payments rows, open amounts, Unmatched, sync
    mappings     the Mappings sheet's bank statement mappings for CSV exports (csv_mappings, mapping_named)
    imports      import_files (arcollect bank, the ribbon) and ImportReport; assign (an unmatched credit by hand)
    folder       the watched BankFolder: new_files, watch
    runs         the bank side of a run: before_run, RunBank (its re-check before sending), hold_paid, remember

The package exposes what the rest of arcollect uses.
"""

from arcollect.bank.inbox.folder import STATEMENT_SUFFIXES, new_files, watch
from arcollect.bank.inbox.imports import ImportReport, assign, import_files
from arcollect.bank.inbox.mappings import csv_mappings, mapping_named
from arcollect.bank.inbox.runs import RunBank, before_run, hold_paid, remember

__all__ = [
    "STATEMENT_SUFFIXES",
    "ImportReport",
    "RunBank",
    "assign",
    "before_run",
    "csv_mappings",
    "hold_paid",
    "import_files",
    "mapping_named",
    "new_files",
    "remember",
    "watch",
]
