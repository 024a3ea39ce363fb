"""Small real workbooks for the collection-run tests, built the way a user fills in a new template.

    path = make_book(tmp_path, customers=[customer("C1")], invoices=[invoice("INV-1", "C1", due="2026-11-10")])
    report = collect(path, now=TUESDAY, send=True)
    queue = sheet_rows(path, "ReminderQueue")     # dicts keyed by schema keys, read back with openpyxl

Rows are plain dicts keyed by schema keys; dates are ISO strings or `datetime.date`. Everything not given gets a
sensible default (a German customer billed in EUR with a valid address), so each test states only what it pins.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import functools
import io
import re
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from arcollect import schema
from arcollect.book import empty_sheets, settings_keys, template
from arcollect.book import settings as book_settings
from arcollect.book.write import write_tables
from arcollect.schema import FX, TABLES, Customers, Invoices, Payments, SettingsSheet

BOOK_NAME = "collections.xlsx"
TUESDAY = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # 11:00 in Berlin, 10:00 in London: business hours


def customer(customer_id: str, **fields: Any) -> dict[str, Any]:
    row = {
        Customers.ID: customer_id,
        Customers.NAME: f"Customer {customer_id} GmbH",
        Customers.EMAIL: f"ap-{customer_id.lower()}@client.example",
        Customers.COUNTRY: "DE",
        Customers.LANGUAGE: "en",
        Customers.CURRENCY: "EUR",
        Customers.TERMS: "net 30",
    }
    row.update({Customers(key): value for key, value in fields.items()})
    return row


def invoice(number: str, customer_id: str, *, due: str, amount: float = 1000.0, **fields: Any) -> dict[str, Any]:
    due_date = dt.date.fromisoformat(due)
    row = {
        Invoices.NUMBER: number,
        Invoices.CUSTOMER_ID: customer_id,
        Invoices.INVOICE_DATE: due_date - dt.timedelta(days=30),
        Invoices.DUE_DATE: due_date,
        Invoices.CURRENCY: "EUR",
        Invoices.AMOUNT: amount,
        Invoices.STATUS: "Open",
    }
    row.update({Invoices(key): _date_or_value(value) for key, value in fields.items()})
    return row


def payment(
    day: str, customer_id: str, amount: float, *, invoice_number: str | None, currency: str = "EUR"
) -> dict[str, Any]:
    return {
        Payments.DATE: dt.date.fromisoformat(day),
        Payments.CUSTOMER_ID: customer_id,
        Payments.INVOICE_NUMBER: invoice_number,
        Payments.AMOUNT: amount,
        Payments.CURRENCY: currency,
        Payments.METHOD: "Bank transfer",
    }


DEFAULT_FX = tuple({FX.CURRENCY: code, FX.RATE: rate} for code, rate in (("USD", 0.9), ("GBP", 1.15), ("JPY", 0.006)))


def make_book(
    folder: Path,
    *,
    customers: Iterable[Mapping[str, Any]],
    invoices: Iterable[Mapping[str, Any]],
    payments: Iterable[Mapping[str, Any]] = (),
    fx: Iterable[Mapping[str, Any]] = DEFAULT_FX,
    settings: Mapping[str, str] | None = None,
    policy: pd.DataFrame | None = None,
    name: str = BOOK_NAME,
) -> Path:
    """A new template workbook in `folder` with these input rows and Settings values (key → text)."""
    path = folder / name
    path.write_bytes(_new_template())
    setting_rows = book_settings.default_settings_rows()
    defaults = {
        "CompanyName": "Acme Supplies Ltd",
        "SenderMailbox": "ar@acme.example",
        "BankDetails": "Acme Bank plc, account 12345678",
        "GoverningLaw": "DE",  # the seller's law: statutory late charges under German law
    }
    for key, value in {**defaults, **(settings or {})}.items():
        matches = setting_rows[SettingsSheet.KEY] == key
        if not matches.any():  # a per-currency key such as IBAN.CHF is a row of its own
            extra = {SettingsSheet.KEY: settings_keys.canonical_key(key), SettingsSheet.VALUE: value}
            setting_rows = pd.concat([setting_rows, pd.DataFrame([extra])], ignore_index=True)
            continue
        setting_rows.loc[matches, SettingsSheet.VALUE] = value
    write_tables(
        path,
        {
            "Customers": _frame("Customers", customers),
            "Invoices": _frame("Invoices", invoices),
            "Payments": _frame("Payments", payments),
            "FX": _frame("FX", fx),
            "Settings": setting_rows,
            **({"DunningLevels": policy} if policy is not None else {}),
        },
    )
    return path


@functools.cache
def _new_template() -> bytes:
    """What `template.build(path)` writes, built once per process: the new template is the same for every book (its
    document dates are fixed, its Settings the defaults), and building it is most of what a small book costs."""
    buffer = io.BytesIO()
    template.build().save(buffer)
    return buffer.getvalue()


def seed_sent(path: Path, reminders: Iterable[tuple[str, int, Iterable[str], str]]) -> None:
    """Earlier reminders in the workbook's ledger, as a past run would have sent them: (customer, level,
    invoices, day sent), each sent at 09:00 UTC that day through the outbox."""
    from arcollect.book import read
    from arcollect.book import settings as book_settings
    from arcollect.mail.ledger import Ledger
    from arcollect.mail.message import Reminder, idempotency_key

    config, _ = book_settings.parse_settings(read.read(path)[0]["Settings"])
    with Ledger(config.ledger_file(path)) as ledger:
        for customer_id, level, numbers, day in reminders:
            numbers = tuple(numbers)
            when = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9), tzinfo=dt.UTC)
            reminder = Reminder(
                key=idempotency_key(customer_id, level, numbers, day), customer_id=customer_id, level=level,
                template="earlier", language="en", sender="ar@acme.example", to=("ap@client.example",), cc=(),
                reply_to=None, subject=f"Reminder level {level}", html="", text="", invoices=numbers,
            )  # fmt: skip
            ledger.plan(reminder, now=when, transport="outbox", cycle_date=day)
            assert ledger.begin_send(reminder.key, now=when, transport="outbox")
            ledger.mark_sent(reminder.key, now=when, message_id=reminder.message_id)


def ready_to_escalate(path: Path, customer_id: str, numbers: Iterable[str], *, approved_by: str = "Anna") -> None:
    """The customer had the friendly, second and final reminders for `numbers` (4, 15 and 31 October 2026) and a
    finance user approved its escalation: the next send escalates it (if its invoices are 60+ days overdue)."""
    from arcollect import escalation
    from arcollect.book import read
    from arcollect.book import settings as book_settings
    from arcollect.mail.ledger import Ledger

    numbers = tuple(numbers)
    seed_sent(path, [(customer_id, 1, numbers, "2026-10-05"), (customer_id, 2, numbers, "2026-10-15"),
                     (customer_id, 3, numbers, "2026-10-30")])  # fmt: skip
    config, _ = book_settings.parse_settings(read.read(path)[0]["Settings"])
    with Ledger(config.ledger_file(path)) as ledger:
        when = dt.datetime(2026, 11, 23, 16, tzinfo=dt.UTC)
        escalation.record(ledger, customer_id, 4, by=approved_by, now=when, source="cli")


def replace_rows(path: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """What a user does between two runs: edit an input table (here: replace its rows) and save."""
    write_tables(path, {table: _frame(table, rows)})


def _frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    keys = TABLES[table].keys
    return pd.DataFrame([{str(key): value for key, value in row.items()} for row in rows], columns=keys)


def _date_or_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


# ---- reading what the user sees ------------------------------------------------------------------------------


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The rows of an output table as dicts keyed by schema key (unknown headers, e.g. buckets, kept as is)."""
    header_to_key = {column.header: column.key for column in TABLES[sheet].columns}
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    # "Open (base)" is written with the base currency's code ("Open (EUR)"); AgingSummary's buckets too, keyed
    # by their label ("Current (EUR)" → "Current")
    base_label = re.compile(r"\([A-Z]{3}\)$")
    headers = [
        header_to_key.get(
            header, header_to_key.get(base_label.sub("(base)", str(header)), base_label.sub("", str(header)).strip())
        )
        for header in rows[0]
    ]
    table = TABLES[sheet]  # an empty output table's note row is not data (book.empty_sheets)
    return [
        dict(zip(headers, row, strict=False))
        for row in rows[1:]
        if any(value is not None for value in row) and not empty_sheets.is_note(table, row)
    ]


def by_customer(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[Customers.ID], []).append(row)
    return grouped


def outbox_messages(folder: Path) -> list[EmailMessage]:
    """Every .eml in the outbox beside the workbook, parsed as a mail client would."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((folder / "outbox").glob("*.eml"))
    ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def to_address(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec


def add_mappings(path: Path, rows: list[tuple]) -> None:
    """Type rows into the template's Mappings table, as a user would, and widen the table over them."""
    book = openpyxl.load_workbook(path)
    sheet = book[schema.MAPPINGS.sheet]
    assert [cell.value for cell in sheet[1]] == schema.MAPPINGS.headers
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    sheet.tables[schema.MAPPINGS.name].ref = f"A1:D{max(2, len(rows) + 1)}"
    book.save(path)


OUTPUT_SHEETS = (
    "Aging", "AgingSummary", "CustomerRisk", "NextActions", "ReminderQueue", "ReminderLog", "Effectiveness",
    "Unmatched", "InterestStatement", "Exceptions",
)  # fmt: skip


def clipped_values(path: Path, book: Any = None) -> list[str]:
    """Texts in the output sheets that a reader cannot see whole: longer than their column (in characters, with a
    little slack), not wrapped, and stopped by a value in the next cell (over an empty one a spreadsheet lets the
    text run on). Columns the schema keeps narrow on purpose (`fit=False`: ledger keys, Message-IDs) are left out.
    `book`: that file already loaded in full by openpyxl (widths and alignment are read), to spare a second load."""
    import openpyxl

    from arcollect import schema

    book = book if book is not None else openpyxl.load_workbook(path)
    clipped = []
    for sheet in (book[title] for title in OUTPUT_SHEETS if title in book.sheetnames):
        narrow = {column.header for column in schema.TABLES[sheet.title].columns if not column.fit}
        for column in sheet.iter_cols(min_row=2):
            if not column or column[0].offset(row=-1).value in narrow:
                continue
            width = sheet.column_dimensions[column[0].column_letter].width or 8.43
            for cell in column:
                if not isinstance(cell.value, str) or cell.value.startswith("=") or len(cell.value) <= width * 1.15:
                    continue
                beside = sheet.cell(row=cell.row, column=cell.column + 1).value
                if beside not in (None, "") and not (cell.alignment and cell.alignment.wrap_text):
                    clipped.append(f"{sheet.title}!{cell.coordinate} ({width:.0f} wide): {cell.value[:60]}")
    return clipped
