"""Getting paid: what a reminder gives the customer to pay with, and what the bank says came in.

    references   ISO 11649 RF creditor references per reminder (and the user's own pattern); finding them in text
    accounts     the bank account per currency from Settings, IBAN/BIC validated (python-stdnum)
    qr           EPC069-12 "GiroCode" for EUR, Swiss QR-bill data for CHF (qrbill), QR matrices and PNG images
    statements   bank statements in: ISO 20022 camt.053 / camt.054, SWIFT MT940, a mapped CSV → booked credits
    matching     credits → payments per invoice (RF reference, invoice number, customer + exact amount) or Unmatched
    store        the bank ledger beside the workbook (SQLite): entries by their bank reference, issued references
    inbox        importing statements into a workbook, the watched folder, and payments a run has not yet seen
    pdf          the PDF statement per customer, in their language and number formats, with the QR code

docs/PAYMENTS.md describes the reference scheme, the matching rules in their order and what is never auto-matched.
"""
