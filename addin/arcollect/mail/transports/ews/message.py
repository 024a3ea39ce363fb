"""A reminder as an exchangelib `Message`: recipients, HTML body, attachments and our extended properties.

Every message carries the reminder's idempotency key as a named MAPI property of our own property set
(`KEY_PROPERTY_SET`, `KEY_PROPERTY_NAME`: stored on the Sent Items copy, searchable with one FindItem restriction),
`Reminder.record` beside it (for `arcollect ledger rebuild`), and the key as the ``X-Arcollect-Key`` internet header
for the recipients' systems. The graph transport writes the same property, so either lookup finds mail sent by the
other. The body is the HTML alternative only (EWS takes one body per item; Exchange derives the plain text), and the
From is the mailbox itself.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

from exchangelib import Account, ExtendedProperty, FileAttachment, HTMLBody, Mailbox, Message

from arcollect.errors import InputError
from arcollect.mail.message import (
    KEY_HEADER,
    KEY_PROPERTY_NAME,
    KEY_PROPERTY_SET,
    RECORD_PROPERTY_NAME,
    Reminder,
    one_line,
    parse_address,
)


class IdempotencyKey(ExtendedProperty):
    """The key as a named property in our own property set: stored on the Sent Items copy, searchable."""

    property_set_id = KEY_PROPERTY_SET
    property_name = KEY_PROPERTY_NAME
    property_type = "String"


class ReminderRecord(ExtendedProperty):
    """`Reminder.record` (customer, level, template, invoices) beside the key, for `arcollect ledger rebuild`."""

    property_set_id = KEY_PROPERTY_SET
    property_name = RECORD_PROPERTY_NAME
    property_type = "String"


class KeyHeader(ExtendedProperty):
    """The key as the ``X-Arcollect-Key`` internet header (InternetHeaders set), for the recipients' systems."""

    distinguished_property_set_id = "InternetHeaders"
    property_name = KEY_HEADER
    property_type = "String"


_registered = threading.Lock()


def register_properties() -> None:
    """Register both properties on `Message` once per process (exchangelib keeps them on the class)."""
    with _registered:
        properties = (
            ("arcollect_key", IdempotencyKey), ("arcollect_key_header", KeyHeader), ("arcollect_record", ReminderRecord)
        )  # fmt: skip
        for name, cls in properties:
            with suppress(ValueError):  # already registered
                Message.register(name, cls)


def build_message(account: Account, folder: Any, reminder: Reminder) -> Message:
    """The `Message` that sends `reminder` from `account` and leaves its copy in `folder` (Sent Items);
    `InputError` when it has no recipient."""
    if not reminder.to:
        raise InputError(f"Reminder {reminder.key[:12]} for customer {reminder.customer_id} has no recipient")
    reply_to = [mailbox_of(reminder.reply_to)] if reminder.reply_to else None
    message = Message(
        account=account,
        folder=folder,
        subject=one_line(reminder.subject),
        body=HTMLBody(reminder.html),
        to_recipients=[mailbox_of(address) for address in reminder.to],
        cc_recipients=[mailbox_of(address) for address in reminder.cc] or None,
        reply_to=reply_to,
        arcollect_key=reminder.key,
        arcollect_key_header=reminder.key,
        arcollect_record=reminder.record(),
    )
    for attachment in reminder.attachments:
        message.attach(
            FileAttachment(
                name=one_line(attachment.filename) or "attachment",
                content=attachment.content,
                content_type=attachment.mime_type or "application/octet-stream",
                is_inline=attachment.content_id is not None,
                content_id=attachment.content_id,
            )
        )
    return message


def mailbox_of(text: str) -> Mailbox:
    """An exchangelib `Mailbox` for an address as a reminder writes it (``Name <addr>`` or ``addr``)."""
    address = parse_address(text)
    return Mailbox(name=address.display_name or None, email_address=address.addr_spec)
