"""The one interface every mail transport (outbox, smtp, ews, graph) implements.

    >>> from arcollect.mail.transports.outbox import OutboxTransport
    >>> transport: Transport = OutboxTransport(Path("outbox"))      # doctest: +SKIP
    >>> [result.status for result in transport.send(reminders)]   # doctest: +SKIP
    ['sent', 'sent', 'failed']

Contract, relied on by `arcollect.mail.ledger` for exactly-once delivery:

- `send` returns one `SendResult` per reminder, in the same order. A problem with one reminder (a recipient the
  server refuses) is a ``failed`` result, not an exception. ``unknown`` means the transport cannot tell whether the
  message left (a timeout after the request was written): the ledger keeps such a reminder out of any resend until
  it is reconciled. A transport raises `TransportError` only when it cannot go on at all (server unreachable, quota
  exhausted); reminders it had not reported on are then treated as in doubt by the caller — unless the error
  carries ``results`` (the outcomes up to the failure): then the reminders without a result were certainly not
  handed over and go back to be sent again. A ``failed`` result with ``retryable=True`` means the same for one
  reminder (the server throttled it away, nothing was sent).
- `find_sent(key)` answers True when a message with this idempotency key was handed over (found in Sent Items or in
  the outbox), False only when the transport is *certain* it was not, and None when it cannot look (smtp) or cannot
  be sure yet (a Sent Items copy may appear with a delay). False makes the ledger send the reminder again, so a
  transport must never answer False on a guess.
- `check()` returns one plain sentence: "OK …" or what is wrong and what to do.
- ews and graph also have `sent_items()`: every reminder in the mailbox's Sent Items (one `SentCopy` each, found by
  the key property), which `arcollect ledger rebuild` records as sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from arcollect.errors import ConfigError, TransportError
from arcollect.mail.message import Reminder

logger = logging.getLogger(__name__)

__all__ = ["SendResult", "SendStatus", "SentCopy", "Transport", "from_settings"]

SendStatus = Literal["sent", "failed", "unknown"]


@dataclass(frozen=True)
class SendResult:
    """What happened to one reminder: ``sent`` (with the Message-ID used), ``failed`` (with why) or ``unknown``."""

    key: str
    status: SendStatus
    message_id: str | None = None
    error: str | None = None
    retryable: bool = False  # a failure that did not hand anything over and may succeed later (throttled, quota)


@dataclass(frozen=True)
class SentCopy:
    """A reminder read back from the mailbox's Sent Items (ews, graph: `sent_items()`), for `arcollect ledger rebuild`.

    ``record`` is `message.read_record` of the copy's record property ({} for mail sent before it was written).
    """

    key: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: dt.datetime | None
    record: dict[str, Any]


@runtime_checkable
class Transport(Protocol):
    """A way out for reminders; see the module docstring for the exactly-once contract."""

    name: str

    def send(self, reminders: Sequence[Reminder]) -> list[SendResult]:
        """Deliver `reminders`; one result per reminder, same order; per-reminder errors are results.

        The four transports also take ``on_result`` (called with each result the moment it is known) and pull
        `reminders` lazily, one message (EWS: one request) at a time — what `dispatch` relies on to record each
        result at once and to hand over only what passed the ledger's gate.
        """
        ...

    def find_sent(self, key: str) -> bool | None:
        """True if a message with `key` was handed over, False if certainly not, None if it cannot tell."""
        ...

    def check(self) -> str:
        """One plain sentence: OK, or what is wrong with the set-up."""
        ...


def from_settings(config: Any, workbook: Path) -> Transport:
    """The transport the workbook's Settings choose, with its secrets from the environment or the keyring.

    - ``outbox`` (default): `.eml` files in OutboxDir (beside the workbook unless absolute).
    - ``smtp``: SmtpHost/SmtpPort/SmtpSecurity; with SmtpUser and ARCOLLECT_SMTP_PASSWORD it logs in with the
      password, otherwise with GraphTenantId/GraphClientId set it uses XOAUTH2 with an app token from msal
      (scope ``https://outlook.office365.com/.default``, client secret ARCOLLECT_GRAPH_CLIENT_SECRET).
    - ``ews``: EwsEndpoint, EwsAuth (ntlm/basic with EwsUser + ARCOLLECT_EWS_PASSWORD; oauth2 with the Graph app's
      tenant, client id and secret, impersonating SenderMailbox).
    - ``graph``: GraphTenantId, GraphClientId, ARCOLLECT_GRAPH_CLIENT_SECRET, GraphAuthority, GraphEndpoint.

    TLS certificates are verified unless VerifyTls is false: then the smtp, ews and graph transports log a WARNING
    each time one is built — every run and every scheduler tick builds its own. A company CA bundle can be named in
    the environment variable ARCOLLECT_CA_BUNDLE.
    """
    from arcollect.mail import credentials

    verify: bool | str = True
    if not config.verify_tls:
        verify = False  # each TLS transport's constructor logs the warning, so no way of building one skips it
    elif os.environ.get("ARCOLLECT_CA_BUNDLE"):
        verify = os.environ["ARCOLLECT_CA_BUNDLE"]
    name = config.transport
    if name == "outbox":
        from arcollect.mail.transports.outbox import OutboxTransport

        return OutboxTransport(config.outbox_folder(workbook))
    if name == "smtp":
        from arcollect.mail.transports.smtp import SmtpTransport

        password = credentials.get(credentials.SMTP_PASSWORD)
        token_provider = None
        if not password and config.graph_client_id:
            token_provider = _app_token_provider(config, "https://outlook.office365.com/.default", verify)
        elif config.smtp_user and not password:
            credentials.require(credentials.SMTP_PASSWORD, "The SMTP password")
        return SmtpTransport(
            config.smtp_host,
            config.smtp_port,
            security=config.smtp_security,
            username=config.smtp_user or config.sender_mailbox,
            password=password or "",
            token_provider=token_provider,
            verify=verify,
            sender=config.sender_mailbox,
        )
    if name == "ews":
        from arcollect.mail.transports.ews import EwsTransport

        if config.ews_auth == "oauth2":
            secret = credentials.require(credentials.GRAPH_CLIENT_SECRET, "The app's client secret")
            return EwsTransport(
                config.ews_endpoint, mailbox=config.sender_mailbox, auth="oauth2", tenant_id=config.graph_tenant_id,
                client_id=config.graph_client_id, client_secret=secret, authority=config.graph_authority, verify=verify,
            )  # fmt: skip
        password = credentials.require(credentials.EWS_PASSWORD, "The EWS password")
        return EwsTransport(
            config.ews_endpoint, mailbox=config.sender_mailbox, auth=config.ews_auth, username=config.ews_user,
            password=password, verify=verify,
        )  # fmt: skip
    if name == "graph":
        from arcollect.mail.transports.graph import GraphTransport

        secret = credentials.require(credentials.GRAPH_CLIENT_SECRET, "The Graph client secret")
        return GraphTransport(
            config.sender_mailbox, tenant_id=config.graph_tenant_id, client_id=config.graph_client_id,
            client_secret=secret, authority=config.graph_authority, endpoint=config.graph_endpoint, verify=verify,
        )  # fmt: skip
    raise ConfigError(f"Transport '{name}' is not known — use outbox, smtp, ews or graph")


def _app_token_provider(config: Any, scope: str, verify: bool | str) -> Any:
    """A callable returning an app-only OAuth token (msal caches it until it expires)."""
    import msal

    from arcollect.mail import credentials

    app = msal.ConfidentialClientApplication(
        config.graph_client_id,
        client_credential=credentials.require(credentials.GRAPH_CLIENT_SECRET, "The app's client secret"),
        authority=f"{config.graph_authority.rstrip('/')}/{config.graph_tenant_id}",
        verify=verify,
    )

    def token() -> str:
        result = app.acquire_token_for_client(scopes=[scope])
        if "access_token" not in result:
            raise TransportError(f"No OAuth token for SMTP: {result.get('error_description') or result.get('error')}")
        return result["access_token"]

    return token
