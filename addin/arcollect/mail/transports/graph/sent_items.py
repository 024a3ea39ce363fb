"""Reminders found again in the mailbox's Sent Items by the key property every sent copy carries: one key for
`reconcile` (`find_sent`: one filtered search), every reminder for `arcollect ledger rebuild` (`sent_items`: pages
following ``@odata.nextLink``). Both need Mail.Read on the mailbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from arcollect.errors import InputError, TransportError
from arcollect.mail.message import read_record
from arcollect.mail.transports import SentCopy
from arcollect.mail.transports.graph.http import GaveUp, GraphHttp, Unknown, json_of
from arcollect.mail.transports.graph.message import KEY_PROPERTY, RECORD_PROPERTY

SENT_ITEMS = "mailFolders('sentitems')/messages"
_KEY = re.compile(r"[A-Za-z0-9_-]+")


class SentItems(GraphHttp):
    """The transport's Sent Items lookups: `find_sent` and `sent_items`."""

    sent_items_page = 100  # messages per Sent Items page in `sent_items`
    _user_url: str

    def find_sent(self, key: str) -> bool:
        """True if the Sent Items of `mailbox` hold a message with `key` in our extended property, else False.

        Needs Mail.Read on the mailbox; without it (403), or when Graph cannot be asked, raises `TransportError`,
        and `reconcile` leaves the reminder in doubt for a later run. Exchange writes the Sent Items copy shortly
        *after* accepting a message, so callers give recent attempts a settle time before trusting False.
        """
        if not _KEY.fullmatch(key or ""):
            raise InputError(f"Idempotency key {key!r} is not a sha256 hex digest")
        try:
            response = self._call("GET", f"{self._user_url}/{SENT_ITEMS}", params=_lookup(key), repeatable=True)
        except (Unknown, GaveUp) as error:
            raise TransportError(f"Could not look up reminder {key[:12]} in Sent Items: {error}") from None
        if response.status_code == 403:
            raise TransportError(
                f"Mail.Read is needed to look up sent reminders in {self.mailbox}'s Sent Items "
                f"({self._graph_error(response)}): give the app 'Application Mail.Read' on the same scope"
            )
        if response.status_code == 404:
            raise TransportError(self._no_mailbox(response))
        if response.status_code != 200:
            raise TransportError(
                f"Graph could not search Sent Items (HTTP {response.status_code}: {self._graph_error(response)})"
            )
        return bool(json_of(response).get("value"))

    def sent_items(self) -> Iterator[SentCopy]:
        """Every reminder in the Sent Items of `mailbox`: the messages carrying our key property.

        ``GET …/mailFolders('sentitems')/messages`` filtered on the key property, expanded with the key and record
        properties, `sent_items_page` a page, following ``@odata.nextLink``. Needs Mail.Read; errors raise
        `TransportError` (one sentence).
        """
        condition = f"ep/id eq '{KEY_PROPERTY}' and ep/value ne ''"
        wanted = f"id eq '{KEY_PROPERTY}' or id eq '{RECORD_PROPERTY}'"
        url: str | None = f"{self._user_url}/{SENT_ITEMS}"
        params: dict[str, str] | None = {
            "$filter": f"singleValueExtendedProperties/Any(ep: {condition})",
            "$expand": f"singleValueExtendedProperties($filter={wanted})",
            "$select": "subject,toRecipients,ccRecipients,sentDateTime",
            "$top": str(self.sent_items_page),
        }
        while url:
            try:
                response = self._call("GET", url, params=params, repeatable=True)
            except (Unknown, GaveUp) as error:
                raise TransportError(f"Could not read {self.mailbox}'s Sent Items: {error}") from None
            if response.status_code == 403:
                raise TransportError(
                    f"Mail.Read is needed to read {self.mailbox}'s Sent Items ({self._graph_error(response)}): give "
                    "the app 'Application Mail.Read' on the same scope"
                )
            if response.status_code == 404:
                raise TransportError(self._no_mailbox(response))
            if response.status_code != 200:
                raise TransportError(
                    f"Graph could not list Sent Items (HTTP {response.status_code}: {self._graph_error(response)})"
                )
            page = json_of(response)
            for item in page.get("value") or []:
                copy = _sent_copy(item)
                if copy is not None:
                    yield copy
            url, params = page.get("@odata.nextLink"), None


def _lookup(key: str) -> dict[str, str]:
    """Query of the Sent Items search: one id of a message whose extended property holds `key`."""
    condition = f"ep/id eq '{KEY_PROPERTY}' and ep/value eq '{key}'"
    return {"$filter": f"singleValueExtendedProperties/Any(ep: {condition})", "$select": "id", "$top": "1"}


def _sent_copy(item: dict[str, Any]) -> SentCopy | None:
    """One Sent Items message of `GraphTransport.sent_items` as a `SentCopy`; None without a usable key."""
    properties = {
        str(prop.get("id", "")).casefold(): prop.get("value")
        for prop in item.get("singleValueExtendedProperties") or []
        if isinstance(prop, dict)
    }
    key = str(properties.get(KEY_PROPERTY.casefold()) or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        return None
    try:
        sent_at = dt.datetime.fromisoformat(str(item.get("sentDateTime") or "").replace("Z", "+00:00"))
    except ValueError:
        sent_at = None

    def addresses(name: str) -> tuple[str, ...]:
        return tuple(
            str((entry.get("emailAddress") or {}).get("address") or "")
            for entry in item.get(name) or []
            if isinstance(entry, dict)
        )

    return SentCopy(
        key=key, subject=str(item.get("subject") or ""), to=addresses("toRecipients"), cc=addresses("ccRecipients"),
        sent_at=sent_at.astimezone(dt.UTC) if sent_at and sent_at.tzinfo else None,
        record=read_record(properties.get(RECORD_PROPERTY.casefold())),
    )  # fmt: skip
