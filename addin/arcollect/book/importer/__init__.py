"""Load an open-items export from an ERP or accounting system into the workbook's Invoices and Customers.

    >>> from arcollect.book.importer import import_open_items
    >>> report = import_open_items("arcollect.xlsx", "fbl5n.xlsx")          # full export, mapping auto-detected
    >>> report.mapping_used, report.added, report.updated, report.closed
    ('sap_fbl5n', 4, 2, 3)

The import, topic by topic (each module's docstring has the details):

- `export` — the export file's cells as rows: a CSV in any common dialect and encoding, or an .xlsx's first sheet;
- `layouts` — the layouts an import knows (QuickBooks/Xero CSV, SAP FBL5N with English or German headers, Xero
  grouped by contact) and the Invoices columns an export owns (`IMPORTED`; every other column is the user's);
- `mapping` — the Mappings sheet, choosing the mapping and header row, ``arcollect import --show-mapping``;
- `rows` — the export's item rows as typed Invoices columns (headings and totals skipped, bad cells reported);
- `upsert` — merging them into the workbook's Invoices rows (upsert by invoice number; a full import closes what
  the export no longer lists);
- `customers` — exported customer names matched to the workbook's customers, new customers added;
- `apply` — the import as a whole: `import_open_items` on a file or a workbook open in Excel, the ImportCloseLimit
  check, the backup beside the file, and the `ImportReport`.

What the import does, and why:

- Rows are typed through `book.read.read_rows`, so an export is held to the same rules as the sheet itself; a
  bad row is left out and reported as a `Problem` with the export's file name, its row number there and the
  export's column header. The rest is imported.
- Upsert by invoice number (case-insensitive): new numbers are appended with Status Open; known ones get the
  export's amounts, dates, currency and reference, and the user's own columns (Status, Promise date, Dispute
  reason, payment plan, link, terms override) stay as they are — except that a Paid invoice that is open again
  in the export is set back to Open.
- ``full=True`` (the export lists every open item): open invoices the export does not list are set to Paid with
  open amount 0. ``full=False`` closes nothing. Nothing is ever deleted.
- Customers the workbook does not know are added with ID, name and currency, and reported in Exceptions, since
  the reminder run needs their country and email before it can remind them.
- The workbook's own rows are carried over cell for cell (bad cells included), so an import never drops a row
  the user has yet to fix. The save goes through `book.write.write_tables`: atomic, and to a side file when the
  workbook is open in Excel. Exceptions is rewritten with the import's problems.
- From the ribbon the workbook is open in Excel: the same `merge` reads its sheets and writes the three tables
  through `book.live` (nothing is saved; the user saves), so a live import gives the same rows as the CLI's.

The package exposes the entry points the CLI and the ribbon use: `import_open_items`, `ImportReport`, `describe`
and `MappingView`.
"""

from arcollect.book.importer.apply import ImportReport, import_open_items
from arcollect.book.importer.mapping import MappingView, describe

__all__ = ["ImportReport", "MappingView", "describe", "import_open_items"]
