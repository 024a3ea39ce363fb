"""`arcollect ledger rebuild BOOK`: a lost, emptied, damaged or older ledger rebuilt from what survived it.

    print(rebuild(Path("Receivables.xlsx"), config, now=now))

Sources, merged by reminder key (a sent record wins over any other):

- the ReminderLog sheet of the workbook, and of its side files (``<stem>.schedule.xlsx`` written by the schedule,
  ``<stem>.results.xlsx`` written while Excel had the workbook open), which may be newer;
- the outbox folder: every ``.eml`` there was handed over (the outbox is the record of what it sent), so one that
  no ReminderLog lists yet is added as sent — its key, customer, level, recipients and subject come from the file;
- the mailbox's Sent Items (Transport ews or graph): every message carrying our key property was handed over, so
  it is recorded as sent — a reminder sent but missing from every ReminderLog, or one a log shows in doubt, is not
  sent again. Customer, level, template and invoices come from the record property sent with it
  (`Reminder.record`), recipients, subject and time from the message. When Sent Items cannot be read the rebuild
  stops with one sentence and changes nothing (a rebuild without them could send those reminders again).

Reminders a log shows in doubt (``sending``/``unknown``) come back as ``unknown``: the next send looks each one up in
Sent Items (ews, graph) or the outbox before anything is resent, and `arcollect ledger resolve` settles the rest
(smtp cannot look up what it sent). Failed ones come back retryable. The rebuilt ledger keeps the identity the
workbook records, with a sequence no lower than the one the workbook has seen, so the workbook accepts it. The old
file, if any, is kept beside it as ``<name>.replaced-<time>`` — nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import json
import logging
import re
from pathlib import Path
from typing import Any

from arcollect.errors import InputError, TransportError
from arcollect.mail import transports
from arcollect.mail.ledger import identity, locate
from arcollect.mail.ledger.core import Ledger, utc_text
from arcollect.mail.ledger.store import LedgerError
from arcollect.mail.message import KEY_HEADER, message_id
from arcollect.schema import TABLES, Log

logger = logging.getLogger(__name__)

_RANK = {"sent": 3, "unknown": 2, "sending": 2, "failed": 1, "planned": 0}
_FILE = re.compile(r"^(\d{8})-(.+)-L(\d+)-[0-9A-Za-z_-]{1,12}\.eml$")


def rebuild(workbook: Path, config: Any, *, now: dt.datetime) -> str:
    """Rebuild the ledger of `workbook` (see the module docstring); returns the sentence to print."""
    stamp = identity.read_stamp(workbook)
    rows: dict[str, dict[str, Any]] = {}
    sources = [workbook, workbook.with_name(f"{workbook.stem}.schedule.xlsx")]
    sources.append(workbook.with_name(f"{workbook.stem}.results{workbook.suffix or '.xlsx'}"))
    for source in (path for path in sources if path.is_file()):
        for row in _log(identity.log_rows(source)):
            _merge(rows, row)
    outbox_added = mailbox_added = 0
    if config.transport == "outbox":
        for row in _outbox(config.outbox_folder(workbook)):
            outbox_added += row["key"] not in rows or rows[row["key"]]["state"] != "sent"
            _merge(rows, row)
    if config.transport in ("ews", "graph"):
        for row in _sent_items(workbook, config):
            mailbox_added += row["key"] not in rows or rows[row["key"]]["state"] != "sent"
            _merge(rows, row)
    if getattr(config, "ledger_url", ""):
        from arcollect.mail.ledger.postgres import PostgresStore

        ledger = Ledger(PostgresStore(config.ledger_url))
        if ledger.sequence:
            ledger.close()
            raise LedgerError(
                f"The ledger database {ledger.where} is not empty — rebuild only into an empty database or schema"
            )
        kept = ""
    else:
        path = locate.ledger_file(workbook, config, stamp)
        kept = _set_aside(path, now)
        ledger = Ledger(path, store_bodies=config.store_bodies)
    with ledger:
        _fill(ledger, rows.values(), stamp, now)
        summary = {state: sum(row["state"] == state for row in rows.values()) for state in ("sent", "unknown")}
        where = ledger.where
    parts = [f"{summary['sent']} sent"]
    if outbox_added:
        parts.append(f"{outbox_added} of them found only in the outbox")
    if mailbox_added:
        parts.append(f"{mailbox_added} of them found only in Sent Items of {config.sender_mailbox}")
    if summary["unknown"]:
        parts.append(f"{summary['unknown']} in doubt: the next send looks them up, or use arcollect ledger resolve")
    kept_note = f"; the old file is kept as {kept}" if kept else ""
    return f"Rebuilt the ledger {where} with {len(rows)} reminders ({', '.join(parts)}){kept_note}."


def _log(sheet: list[list[Any]]) -> list[dict[str, Any]]:
    if not sheet:
        return []
    headers = {column.header.casefold(): column.key for column in TABLES["ReminderLog"].columns}
    keys = [headers.get(str(cell).strip().casefold()) if cell is not None else None for cell in sheet[0]]
    found = []
    for values in sheet[1:]:
        record = {key: value for key, value in zip(keys, values, strict=False) if key}
        key = str(record.get(Log.KEY) or "").strip()
        state = str(record.get(Log.STATE) or "").strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", key) or state not in _RANK:
            continue
        found.append(
            {
                "key": key, "customer_id": _text(record.get(Log.CUSTOMER_ID)), "level": _int(record.get(Log.LEVEL)),
                "template": _text(record.get(Log.TEMPLATE)), "state": state, "subject": _text(record.get(Log.SUBJECT)),
                "to": _list(record.get(Log.TO)), "cc": _list(record.get(Log.CC)),
                "invoices": _list(record.get(Log.INVOICES)), "transport": _text(record.get(Log.TRANSPORT)) or "unknown",
                "message_id": _text(record.get(Log.MESSAGE_ID)) or None,
                "planned_at": _moment(record.get(Log.PLANNED_AT)), "sent_at": _moment(record.get(Log.SENT_AT)),
                "error": _text(record.get(Log.ERROR)) or None,
            }
        )  # fmt: skip
    return found


def _outbox(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found = []
    for path in sorted(folder.glob("*.eml")):
        match = _FILE.match(path.name)
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle)
        except OSError:
            continue
        key = str(headers.get(KEY_HEADER, "")).strip()
        if not match or not re.fullmatch(r"[0-9a-f]{64}", key):
            continue
        try:
            sent = headers["Date"].datetime.astimezone(dt.UTC) if headers["Date"] else None
        except (AttributeError, TypeError, ValueError):
            sent = None
        sent = sent or dt.datetime.strptime(match[1], "%Y%m%d").replace(tzinfo=dt.UTC)
        found.append(
            {
                "key": key, "customer_id": match[2], "level": int(match[3]), "template": "", "state": "sent",
                "subject": str(headers.get("Subject", "")), "to": _list(str(headers.get("To", ""))),
                "cc": _list(str(headers.get("Cc", ""))), "invoices": [], "transport": "outbox",
                "message_id": str(headers.get("Message-ID", "")) or None, "planned_at": sent, "sent_at": sent,
                "error": None,
            }
        )  # fmt: skip
    return found


def _sent_items(workbook: Path, config: Any) -> list[dict[str, Any]]:
    """Every reminder in the Sent Items of the workbook's mailbox (ews, graph), as rows to merge."""
    transport = transports.from_settings(config, workbook)
    domain = str(getattr(config, "sender_mailbox", "") or "").rpartition("@")[2] or None
    found = []
    try:
        for copy in transport.sent_items():  # type: ignore[attr-defined]
            record = copy.record
            found.append(
                {
                    "key": copy.key, "customer_id": record.get("customer_id", ""), "level": record.get("level", 0),
                    "template": record.get("template", ""), "state": "sent", "subject": copy.subject,
                    "to": list(copy.to), "cc": list(copy.cc), "invoices": list(record.get("invoices", [])),
                    "transport": transport.name, "message_id": _message_id(copy.key, domain),
                    "planned_at": copy.sent_at, "sent_at": copy.sent_at, "error": None,
                }
            )  # fmt: skip
    except TransportError as error:
        raise LedgerError(f"{error} — nothing was rebuilt; fix that and run arcollect ledger rebuild again") from None
    finally:
        close = getattr(transport, "close", None)
        if callable(close):
            close()
    return found


def _message_id(key: str, domain: str | None) -> str:
    """The Message-ID the transport recorded for the reminder: in the sender's domain where it is usable."""
    try:
        return message_id(key, domain)
    except InputError:
        return message_id(key)


def _merge(rows: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
    known = rows.get(row["key"])
    if known is None or _RANK[row["state"]] > _RANK[known["state"]]:
        if known is not None:  # keep what the better record lacks (invoices, template)
            row = {**row, **{name: value for name, value in known.items() if not row.get(name) and value}}
        rows[row["key"]] = row


def _fill(ledger: Ledger, rows: Any, stamp: identity.Stamp | None, now: dt.datetime) -> None:
    count = 0
    with ledger.write() as tx:
        for row in rows:
            state = {"sending": "unknown", "planned": None}.get(row["state"], row["state"])
            if state is None:
                continue
            planned = row["planned_at"] or row["sent_at"] or now
            tx.execute(
                """INSERT INTO reminders (key, customer_id, level, template, variant, language, recipients, cc,
                       subject, invoices, state, retryable, transport, message_id, attempts, planned_at, sending_at,
                       sent_at, error)
                   VALUES (?, ?, ?, ?, NULL, '', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)""",
                (
                    row["key"], row["customer_id"], row["level"], row["template"], json.dumps(row["to"]),
                    json.dumps(row["cc"]), row["subject"], json.dumps(row["invoices"]), state, int(state == "failed"),
                    row["transport"], row["message_id"], utc_text(planned), utc_text(planned),
                    utc_text(row["sent_at"]) if state == "sent" and row["sent_at"] else None, row["error"],
                ),
            )  # fmt: skip
            tx.execute(
                "INSERT INTO transitions (key, from_state, to_state, at, note) VALUES (?, NULL, ?, ?, ?)",
                (row["key"], state, utc_text(now), "rebuilt from ReminderLog / outbox / Sent Items"),
            )
            count += 1
        if stamp is not None:
            tx.execute("UPDATE meta SET value = ? WHERE name = 'ledger_id'", (stamp.ledger_id,))
        tx.execute("UPDATE sequence SET value = ? WHERE id = 1", (max(count, stamp.sequence if stamp else 0),))
    ledger.ledger_id = stamp.ledger_id if stamp is not None else ledger.ledger_id


def _set_aside(path: Path, now: dt.datetime) -> str:
    if not path.exists():
        return ""
    suffix = f".replaced-{now.astimezone(dt.UTC):%Y%m%d%H%M%S}"
    for extra in ("", "-wal", "-shm", "-journal"):
        part = path.with_name(path.name + extra)
        if part.exists():
            part.rename(path.with_name(path.name + suffix + extra))
    return path.name + suffix


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _list(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", _text(value)) if part.strip()]


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value.strip():
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return None
