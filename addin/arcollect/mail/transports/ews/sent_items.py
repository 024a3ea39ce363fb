"""Reminders found again in the mailbox's Sent Items, by the key property every sent copy carries: one key for
`reconcile` (`find_sent`), every reminder for `arcollect ledger rebuild` (`sent_items`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from arcollect.errors import TransportError
from arcollect.mail.message import read_record
from arcollect.mail.transports import SentCopy
from arcollect.mail.transports.ews.errors import explain

if TYPE_CHECKING:
    from arcollect.mail.transports.ews.transport import EwsTransport


def find_sent(transport: EwsTransport, key: str) -> bool:
    """True if a Sent Items copy carries `key` (one FindItem), False if none does yet; errors → `TransportError`.

    Exchange writes the Sent Items copy shortly after submission: `reconcile` waits before trusting False.
    """
    try:
        return bool(transport.account.sent.filter(arcollect_key=key).exists())
    except Exception as error:
        raise TransportError(
            f"Cannot look up reminder {key[:12]} in Sent Items: {explain(error, transport)}"
        ) from error


def sent_items(transport: EwsTransport) -> Iterator[SentCopy]:
    """Every reminder in the mailbox's Sent Items: the items carrying the key property (FindItem with an Exists
    restriction, `sent_items_page` a page, then GetItem for the fields); errors raise `TransportError`."""
    try:
        items = (
            transport.account.sent.filter(arcollect_key__exists=True)
            .only("subject", "to_recipients", "cc_recipients", "datetime_sent", "arcollect_key", "arcollect_record")
            .order_by("datetime_sent")
        )
        items.page_size = transport.sent_items_page
        for item in items:
            if isinstance(item, Exception):
                raise item
            key = str(item.arcollect_key or "").strip().lower()
            if not re.fullmatch(r"[0-9a-f]{64}", key):
                continue
            sent_at = item.datetime_sent
            yield SentCopy(
                key=key, subject=str(item.subject or ""),
                to=tuple(str(box.email_address or "") for box in item.to_recipients or ()),
                cc=tuple(str(box.email_address or "") for box in item.cc_recipients or ()),
                sent_at=dt.datetime.fromtimestamp(sent_at.timestamp(), dt.UTC) if sent_at is not None else None,
                record=read_record(item.arcollect_record),
            )  # fmt: skip
    except TransportError:
        raise
    except Exception as error:
        raise TransportError(
            f"Cannot read the Sent Items of {transport.mailbox}: {explain(error, transport)}"
        ) from error
