"""EWS failures: `SendStopped`, what an error proves about delivery, and each error in one plain sentence.

`never_delivered` decides whether a chunk that raised counts as not attempted (no connection, TLS refused,
HTTP 401/403, ErrorSendAsDenied) or as ``unknown``; `explain` turns any exchangelib, requests or oauthlib error
into one sentence a finance user can act on — which setting to fix — and never contains a secret.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import requests
import urllib3.exceptions
from exchangelib import errors as ews_errors

from arcollect.errors import TransportError
from arcollect.mail.transports import SendResult

if TYPE_CHECKING:
    from arcollect.mail.transports.ews.transport import EwsTransport

EWS_BLOCKED = (
    "Exchange Online blocks EWS since 2026-10-01 unless the tenant allow-lists the app (and for good from "
    "2027-04-01) — use Transport graph"
)


class SendStopped(TransportError):
    """`send` could not go on; ``results`` has one `SendResult` per reminder of the call, in order.

    ``not_attempted`` holds the keys that never reached Exchange (reported ``failed``, "not attempted …"): record
    them as retryable. ``quota`` is True when the mailbox's sending quota is exhausted.
    """

    def __init__(self, message: str, results: list[SendResult], not_attempted: Sequence[str], *, quota: bool) -> None:
        super().__init__(message)
        self.results = results
        self.not_attempted = tuple(not_attempted)
        self.quota = quota


_HTTP_CODE = re.compile(r"Code: (\d{3})")
_CERTIFICATE = re.compile(r"certificate verify failed[^()\]'\"]*", re.IGNORECASE)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^)\]'\"]+)")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
        if isinstance(current, requests.exceptions.RequestException) and current.args:
            inner = current.args[0]
            if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
                seen.append(current)
                current = inner.reason
    return seen


def _never_connected(error: BaseException) -> BaseException | None:
    for link in _chain(error):
        if isinstance(link, requests.exceptions.ConnectTimeout | urllib3.exceptions.NewConnectionError):
            return link
        if isinstance(link, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
            return link
    return None


def _http_status(error: BaseException) -> int | None:
    for link in _chain(error):
        if isinstance(link, ews_errors.UnauthorizedError):
            return 401
        if isinstance(link, ews_errors.MalformedResponseError | ews_errors.ErrorServerBusy):
            match = _HTTP_CODE.search(str(link)) or re.search(r"HTTP (\d{3})", str(link))
            if match:
                return int(match.group(1))
    return None


def never_delivered(error: BaseException) -> bool:
    """True when the error proves the request's messages never went out: no connection, TLS refused, 401/403, or
    ErrorSendAsDenied (the account may not send as the mailbox — true of every message of the request alike)."""
    refused = any(isinstance(link, ews_errors.ErrorSendAsDenied) for link in _chain(error))
    return refused or _never_connected(error) is not None or _http_status(error) in (401, 403)


def short(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    text = text.split(" headers:", 1)[0]  # MalformedResponseError appends the raw response
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(error: BaseException, transport: EwsTransport) -> str:
    """One sentence a finance user can act on; never contains a secret."""
    host = transport.host
    connection = _never_connected(error)
    if isinstance(connection, requests.exceptions.SSLError | urllib3.exceptions.SSLError) or "CERTIFICATE" in str(
        error
    ):
        detail = _CERTIFICATE.search(str(connection or error))
        return (
            f"The TLS certificate of {host} could not be verified "
            f"({detail.group(0).strip() if detail else 'certificate rejected'}) — install the company's CA "
            "certificate, or set VerifyTls to the path of its CA bundle."
        )
    if connection is not None:
        errno = _ERRNO.search(str(connection))
        reason = "connection timed out" if isinstance(connection, requests.exceptions.ConnectTimeout) else None
        reason = reason or (errno.group(1).strip() if errno else short(connection, 120))
        return f"The EWS endpoint {transport.endpoint} is unreachable ({reason}) — check EwsEndpoint and the network."
    status = _http_status(error)
    if status == 401:
        if transport.auth == "oauth2":
            return (
                "Exchange refused the OAuth token — check GraphTenantId, GraphClientId, ARCOLLECT_GRAPH_CLIENT_SECRET "
                "and the app's full_access_as_app permission."
            )
        return (
            f"The mailbox password was refused for {transport.username} — check EwsUser and ARCOLLECT_EWS_PASSWORD "
            "(environment or keyring)."
        )
    if status == 403:
        return f"Exchange at {host} answered 403 Forbidden: EWS is disabled for this mailbox or tenant. {EWS_BLOCKED}."
    for link in _chain(error):
        if isinstance(link, ews_errors.ErrorSubmissionQuotaExceeded | ews_errors.ErrorQuotaExceeded):
            quota = type(link).__name__
            return f"The mailbox {transport.mailbox} has used up its sending quota ({quota}) — stop for today."
        if isinstance(link, ews_errors.ErrorSendAsDenied):
            grant = (
                "give the app full_access_as_app (or ApplicationImpersonation) on it"
                if transport.auth == "oauth2"
                else f"grant {transport.username} Send As on it in Exchange"
            )
            who = transport.who
            return (
                f"{who[0].upper()}{who[1:]} may not send as {transport.mailbox} (ErrorSendAsDenied) — {grant}, or "
                "set SenderMailbox to a mailbox it may send as."
            )
        if isinstance(link, ews_errors.ErrorAccessDenied | ews_errors.ErrorImpersonateUserDenied):
            grant = (
                "grant the app full_access_as_app (or ApplicationImpersonation)"
                if transport.auth == "oauth2"
                else f"grant {transport.username} Full Access and Send As on it"
            )
            return (
                f"The account is missing permission on mailbox {transport.mailbox} ({type(link).__name__}) — {grant}, "
                "or set SenderMailbox to a mailbox it may use."
            )
        if isinstance(link, ews_errors.ErrorNonExistentMailbox | ews_errors.ErrorFolderNotFound):
            return (
                f"Exchange does not know the mailbox {transport.mailbox} ({type(link).__name__}) — check SenderMailbox."
            )
        if isinstance(link, ews_errors.RateLimitError):
            return (
                f"Exchange at {host} kept asking to back off for longer than {transport.max_wait:g} s (throttling) — "
                "try again later."
            )
        if isinstance(link, ews_errors.ErrorTimeoutExpired):
            return (
                f"EWS at {host} did not answer within {transport.timeout:g} s — the message may or may not have "
                "gone; it will be looked up in Sent Items before anything is resent."
            )
        if type(link).__module__.startswith("oauthlib"):
            return (
                f"Microsoft Entra refused the app credentials ({type(link).__name__}) — check GraphTenantId, "
                "GraphClientId and ARCOLLECT_GRAPH_CLIENT_SECRET."
            )
    return f"EWS at {host} failed: {type(error).__name__}: {short(error)}"
