"""The demo: an application of the package that writes a sample workbook with a believable past and runs it.

- `data`: realistic sample input tables (352 customers in 19 countries, all template languages, a few bad rows);
- `history`: the sample ledger's past — a year of reminders about paid invoices, five weeks of the schedule;
- `job`: the work of ``arcollect demo`` (``make demo``): the workbook and its ledger, the morning's bank statement,
  the outbox index and the preview of what waits. The command line (`arcollect.cli`) says what happens.

It sits above the run and escalation layers (it plans, renders and records through the engine, the mail ledger
and the escalation bookkeeping); nothing in the package below the command line imports it.
"""
