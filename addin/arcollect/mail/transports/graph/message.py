"""The ``sendMail`` request body for a reminder: recipients, one body (HTML, else text), attachments, the key as the
``X-Arcollect-Key`` header and as a named extended property (`KEY_PROPERTY`, the one `find_sent` filters on) with
`Reminder.record` beside it (`RECORD_PROPERTY`, for `arcollect ledger rebuild`) — the same property set the ews
transport writes, so either lookup finds mail sent by the other."""

from __future__ import annotations

import base64
from typing import Any

from arcollect.errors import InputError
from arcollect.mail.message import (
    KEY_HEADER,
    KEY_PROPERTY_NAME,
    KEY_PROPERTY_SET,
    RECORD_PROPERTY_NAME,
    Reminder,
    message_id,
    one_line,
    parse_address,
)

PROPERTY_SET = KEY_PROPERTY_SET
PROPERTY_NAME = KEY_PROPERTY_NAME
KEY_PROPERTY = f"String {{{PROPERTY_SET}}} Name {PROPERTY_NAME}"
RECORD_PROPERTY = f"String {{{PROPERTY_SET}}} Name {RECORD_PROPERTY_NAME}"
MAX_REQUEST_BYTES = 4 * 1024 * 1024


def graph_message(reminder: Reminder) -> dict[str, Any]:
    """The ``sendMail`` request body for `reminder`; `InputError` for an address that is not exactly one mailbox."""
    if not reminder.to:
        raise InputError(f"Reminder {reminder.key[:12]} for customer {reminder.customer_id} has no recipient")
    key = reminder.key
    message_id(key)  # validates the key
    if reminder.html:
        body = {"contentType": "HTML", "content": reminder.html}
    else:
        body = {"contentType": "Text", "content": reminder.text}
    message: dict[str, Any] = {
        "subject": one_line(reminder.subject),
        "body": body,
        "toRecipients": [_recipient(address) for address in reminder.to],
        "ccRecipients": [_recipient(address) for address in reminder.cc],
        "replyTo": [_recipient(reminder.reply_to)] if reminder.reply_to else [],
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": one_line(attachment.filename) or "attachment",
                "contentType": attachment.mime_type or "application/octet-stream",
                "contentBytes": base64.b64encode(attachment.content).decode("ascii"),
                **({"isInline": True, "contentId": attachment.content_id} if attachment.content_id else {}),
            }
            for attachment in reminder.attachments
        ],
        "internetMessageHeaders": [{"name": KEY_HEADER, "value": key}],
        "singleValueExtendedProperties": [
            {"id": KEY_PROPERTY, "value": key},
            {"id": RECORD_PROPERTY, "value": reminder.record()},
        ],
    }
    return {"message": message, "saveToSentItems": True}


def _recipient(text: str) -> dict[str, Any]:
    address = parse_address(text)
    entry = {"address": address.addr_spec}
    if address.display_name:
        entry["name"] = address.display_name
    return {"emailAddress": entry}
