"""The Microsoft Graph transport: app-only sign-in with msal, one ``sendMail`` request per reminder.

    >>> graph = GraphTransport("ar@contoso.com", tenant_id="…", client_id="…", client_secret=secret)  # doctest: +SKIP
    >>> graph.check()                                                                              # doctest: +SKIP
    'OK: signed in to Microsoft Graph as app … and can read the Sent Items of ar@contoso.com …'
    >>> graph.send([reminder])                                                                     # doctest: +SKIP
    [SendResult(key='3f0c…', status='sent', message_id='<3f0c…@acme.example>', error=None)]
    >>> graph.find_sent(reminder.key)                                                              # doctest: +SKIP
    True

Sign-in: client credentials (`msal.ConfidentialClientApplication.acquire_token_for_client`) for the resource of
`endpoint` (``https://graph.microsoft.com/.default``). msal keeps the token in memory and asks for a new one only
when it is about to expire, so a run makes one token request, not one per message.

Sending: ``POST {endpoint}/users/{mailbox}/sendMail`` with ``saveToSentItems: true``, so every message leaves a copy
in the mailbox's Sent Items carrying the idempotency key twice: as the ``X-Arcollect-Key`` internet header (seen by
recipients and in bounces) and as a named extended property in our own property set (`KEY_PROPERTY`), which is
stored on the Sent Items copy itself and is what `find_sent` filters on. Graph takes a single body, so the HTML is
sent and the plain-text part of the reminder is not (Exchange derives a text alternative for internet recipients
itself); a reminder without HTML is sent as text. Graph assigns the real Internet Message-ID; the result carries our
deterministic `Reminder.message_id` (key, sender's domain), the same identity every transport records in the ledger
— the key, not that header, is how a Graph message is found again. The From address is the mailbox in the URL
(`mailbox`, Settings ``SenderMailbox``); the reminder's own sender is not sent, because sending as another address
needs SendAs rights.

One request per reminder, deliberately: JSON ``$batch`` (up to 20 requests) saves round trips but not throttling
(each inner request counts against the mailbox's limits), and its per-request answers make "which ones went out?"
harder to settle after a timeout. At the Exchange Online limit of 30 messages a minute, round trips are not the
bottleneck.

Exactly once (see `arcollect.mail.transports` for the contract): ``sendMail`` is not idempotent, so a request is
repeated only when Graph certainly did not act on it.

- 202 → ``sent``.
- 429 and 503 (throttled, refused before processing) → waited out — the ``Retry-After`` seconds, else 1, 2, 4 … s —
  and repeated, at most `max_retries` times and `max_wait` seconds per reminder; after that → ``failed`` ("nothing
  was sent"), never ``unknown``.
- 401 → the cached token is dropped and a new one fetched, then the request is repeated once; a second 401 raises
  `TransportError` (the token is refused for a reason that will not go away by itself).
- A read timeout, a connection reset after the request was written, and 500/502/504 (a gateway that gave up
  waiting for a server which may still send) → ``unknown``: the ledger holds the reminder back until `reconcile`
  finds it in Sent Items (or, after the settle time, certainly does not).
- Other 4xx (bad recipient, message too large) → ``failed`` with Graph's own message; a message over Graph's 4 MB
  request limit fails before it is sent.
- 403 (no Mail.Send for this mailbox), 404 (no such mailbox), a refused sign-in, an unreachable or untrusted server
  → `TransportError`: nothing more can be sent. Reminders of the batch not yet reported are then in doubt for the
  caller, which reconciles them like a crash.

Secrets: the client secret and access tokens never appear in logs, results or exception messages; text that comes
back from the servers is scrubbed of the secret before it is shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import msal
import requests
import urllib3

from arcollect.errors import InputError, TransportError
from arcollect.mail.message import (
    KEY_HEADER,
    KEY_PROPERTY_NAME,
    KEY_PROPERTY_SET,
    RECORD_PROPERTY_NAME,
    Reminder,
    message_id,
    one_line,
    parse_address,
    read_record,
)
from arcollect.mail.transports import SendResult, SentCopy

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "ARCOLLECT_GRAPH_CLIENT_SECRET"
PROPERTY_SET = KEY_PROPERTY_SET
PROPERTY_NAME = KEY_PROPERTY_NAME
KEY_PROPERTY = f"String {{{PROPERTY_SET}}} Name {PROPERTY_NAME}"
RECORD_PROPERTY = f"String {{{PROPERTY_SET}}} Name {RECORD_PROPERTY_NAME}"
MAX_REQUEST_BYTES = 4 * 1024 * 1024
SENT_ITEMS = "mailFolders('sentitems')/messages"

_THROTTLED = frozenset({429, 503})
_SERVER_MAY_HAVE_ACTED = frozenset({500, 502, 504})
_MAX_BACKOFF = 30.0
_KEY = re.compile(r"[A-Za-z0-9_-]+")


class GraphStopped(TransportError):
    """Sending cannot go on; ``results`` are the reminders answered before. The one in flight was not sent."""

    def __init__(self, message: str, results: Sequence[SendResult]) -> None:
        super().__init__(message)
        self.results = list(results)


class _Unknown(Exception):
    """The request may have been carried out; the reason is the message."""


class _GaveUp(Exception):
    """Throttled beyond the retry budget; the request was certainly not carried out."""


class _Session(requests.Session):
    """A session whose `verify` and timeout hold for every request, msal's included.

    A plain ``Session.verify`` loses to ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` from the environment (requests
    merges the environment into each request), so a CA bundle given here is passed with each request instead.
    ``verify=True`` still picks up those variables: they name the system's trusted CAs.
    """

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self._verify = verify
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        if kwargs.get("verify") is None:
            kwargs["verify"] = self._verify
        return super().request(method, url, *args, **kwargs)


class GraphTransport:
    """Sends reminders from `mailbox` through Microsoft Graph with app-only (client credentials) sign-in.

    `authority` and `endpoint` default to the Microsoft cloud (Settings ``GraphAuthority``/``GraphEndpoint``);
    `verify` is True (system CAs) or a CA bundle path, never False in production (False is logged as a warning
    every time a transport is built, i.e. on every run). `sleep` is how back-off waits.
    """

    name = "graph"
    sent_items_page = 100  # messages per Sent Items page in `sent_items`

    def __init__(
        self,
        mailbox: str,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority: str = "https://login.microsoftonline.com",
        endpoint: str = "https://graph.microsoft.com/v1.0",
        verify: bool | str = True,
        timeout: float = 30.0,
        max_retries: int = 5,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mailbox = mailbox
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority = f"{authority.rstrip('/')}/{tenant_id}"
        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        self.scope = f"{parts.scheme}://{parts.netloc}/.default"
        self.verify = verify
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._secret = client_secret
        self._sleep = sleep
        self._app: msal.ConfidentialClientApplication | None = None
        self._session = _Session(verify, timeout)
        self._user_url = f"{self.endpoint}/users/{quote(mailbox, safe='@')}"
        if verify is False:
            logger.warning(
                "TLS certificate verification is OFF for Microsoft Graph %s and sign-in %s (VerifyTls = false)",
                urlsplit(self.endpoint).netloc, urlsplit(self.authority).netloc,
            )  # fmt: skip

    def __repr__(self) -> str:
        return f"GraphTransport({self.mailbox!r}, tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"

    # -- the transport interface ---------------------------------------------------------------------------------------

    def send(
        self, reminders: Iterable[Reminder], *, on_result: Callable[[SendResult], None] | None = None
    ) -> list[SendResult]:
        """One ``sendMail`` per reminder, in order; see the module docstring for retries and what each outcome means.

        Each reminder is taken from `reminders` only when the previous one has its answer, which goes to
        `on_result` at once. Raises `GraphStopped` (a `TransportError` with the results so far) when nothing more
        can be sent (sign-in refused, Mail.Send missing, no such mailbox, server unreachable or untrusted): Graph
        did not act on the request in flight then, so it stays retryable.
        """
        results: list[SendResult] = []
        try:
            for reminder in reminders:
                result = self._send_one(reminder)
                results.append(result)
                if on_result is not None:
                    on_result(result)
        except GraphStopped:
            raise
        except TransportError as error:
            raise GraphStopped(str(error), results) from None
        sent = sum(result.status == "sent" for result in results)
        logger.info("Graph: %d of %d reminders sent from %s", sent, len(results), self.mailbox)
        return results

    def _send_one(self, reminder: Reminder) -> SendResult:
        try:
            body = json.dumps(graph_message(reminder), ensure_ascii=False).encode("utf-8")
        except InputError as error:
            logger.warning("Reminder %s not sent: %s", reminder.key[:12], error)
            return SendResult(reminder.key, "failed", None, str(error))
        if len(body) > MAX_REQUEST_BYTES:
            reason = (
                f"The message with its attachments is {len(body) // 1024} KB, over Graph's 4 MB request limit — "
                "send smaller attachments"
            )
            return SendResult(reminder.key, "failed", None, reason)
        try:
            response = self._call("POST", f"{self._user_url}/sendMail", body=body, repeatable=False)
        except _Unknown as error:
            logger.warning(
                "Reminder %s: outcome unknown (%s); it will be looked up before any resend", reminder.key[:12], error
            )
            return SendResult(reminder.key, "unknown", None, str(error))
        except _GaveUp as error:
            logger.warning("Reminder %s not sent: %s", reminder.key[:12], error)
            return SendResult(reminder.key, "failed", None, str(error), retryable=True)
        if response.status_code == 202:
            logger.debug("Reminder %s accepted by Graph", reminder.key[:12])
            return SendResult(reminder.key, "sent", reminder.message_id)
        if response.status_code == 403:
            raise TransportError(
                f"The app may not send as {self.mailbox} ({self._graph_error(response)}): give it the "
                f"'Application Mail.Send' role scoped to this mailbox (see docs/GRAPH.md)"
            )
        if response.status_code == 404:
            raise TransportError(self._no_mailbox(response))
        reason = f"Graph refused the message (HTTP {response.status_code}: {self._graph_error(response)})"
        logger.warning("Reminder %s not sent: %s", reminder.key[:12], reason)
        return SendResult(reminder.key, "failed", None, reason)

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
        except (_Unknown, _GaveUp) as error:
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
        return bool(_json(response).get("value"))

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
            except (_Unknown, _GaveUp) as error:
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
            page = _json(response)
            for item in page.get("value") or []:
                copy = _sent_copy(item)
                if copy is not None:
                    yield copy
            url, params = page.get("@odata.nextLink"), None

    def check(self) -> str:
        """One sentence: the app may send as `mailbox` and can search its Sent Items, or what is wrong and what to do.

        Sending is tested without sending anything: a ``sendMail`` request with no recipient, which Graph refuses
        with 400 ErrorInvalidRecipients *after* checking that the app may send as the mailbox (403 if it may not).
        The Sent Items search is the one `find_sent` runs (Mail.Read); it, not ``GET /users/{mailbox}``, is used
        because reading a user object needs a directory permission the least-privilege set-up does not grant.
        """
        probe = {"message": {"subject": "arcollect test-connection (never sent: no recipient)",
                             "body": {"contentType": "Text", "content": ""}, "toRecipients": []},
                 "saveToSentItems": False}  # fmt: skip
        try:
            response = self._call(
                "POST", f"{self._user_url}/sendMail", body=json.dumps(probe).encode("utf-8"), repeatable=True
            )
        except TransportError as error:
            return str(error)
        except (_Unknown, _GaveUp) as error:
            return f"Microsoft Graph did not answer the send check: {error}"
        if response.status_code == 403:
            return (
                f"The app may not send as {self.mailbox} ({self._graph_error(response)}): give it the "
                "'Application Mail.Send' role scoped to this mailbox (see docs/GRAPH.md)"
            )
        if response.status_code == 404:
            return self._no_mailbox(response)
        if response.status_code not in (400, 202):
            return f"Graph answered the send check with HTTP {response.status_code}: {self._graph_error(response)}"
        try:
            self.find_sent("0" * 64)
        except TransportError as error:
            return str(error)
        return (
            f"OK: signed in to Microsoft Graph as app {self.client_id}, may send as {self.mailbox} and can search "
            "its Sent Items."
        )

    # -- HTTP with sign-in and retries ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        params: dict[str, str] | None = None,
        repeatable: bool,
    ) -> requests.Response:
        """The response with the final status, after waiting out throttling and renewing a refused token once.

        `repeatable` requests (lookups) are also repeated after a timeout or a 500/502/504; for the others those
        raise `_Unknown`. Exhausted throttling raises `_GaveUp`; an unreachable server raises `TransportError`.
        """
        waited = 0.0
        attempt = 0
        renewed = False
        while True:
            headers = {"Authorization": f"Bearer {self._token()}", "Content-Type": "application/json"}
            try:
                response = self._session.request(method, url, data=body, params=params, headers=headers)
            except requests.exceptions.SSLError as error:
                raise TransportError(self._untrusted(self.endpoint, error)) from None
            except (requests.exceptions.ConnectTimeout, requests.exceptions.ConnectionError) as error:
                if _request_may_have_left(error):
                    outcome = "the connection broke after the request was sent"
                    if not repeatable:
                        raise _Unknown(outcome) from None
                    response = None
                else:
                    raise TransportError(self._unreachable(self.endpoint, "GraphEndpoint")) from None
            except requests.exceptions.Timeout:
                outcome = f"no answer from Graph within {self.timeout:g} s after the request was sent"
                if not repeatable:
                    raise _Unknown(outcome) from None
                response = None
            if response is not None and response.status_code == 401 and not renewed:
                logger.info("Graph refused the access token; fetching a new one")
                self._forget_token()
                renewed = True
                continue
            if response is not None and response.status_code == 401:
                raise TransportError(
                    f"Graph refused a freshly issued access token ({self._graph_error(response)}): check that "
                    f"GraphEndpoint ({self.endpoint}) belongs to the same cloud as GraphAuthority"
                )
            if response is not None and response.status_code in _SERVER_MAY_HAVE_ACTED and not repeatable:
                raise _Unknown(f"Graph answered HTTP {response.status_code} ({self._graph_error(response)})")
            transient = response is None or response.status_code in _THROTTLED | _SERVER_MAY_HAVE_ACTED
            if not transient:
                return response
            delay = _retry_after(response) if response is not None else None
            if delay is None:
                delay = min(2.0**attempt, _MAX_BACKOFF)
            status = f"HTTP {response.status_code}" if response is not None else outcome
            if attempt >= self.max_retries or waited + delay > self.max_wait:
                raise _GaveUp(
                    f"Graph kept answering {status} after {attempt + 1} attempts and {waited:g} s of waiting — "
                    "nothing was sent; it can be sent again later"
                )
            logger.warning("Graph answered %s; waiting %g s before attempt %d", status, delay, attempt + 2)
            self._sleep(delay)
            waited += delay
            attempt += 1

    def _token(self) -> str:
        """An access token from msal's cache, or a new one; `TransportError` with a plain sentence if refused."""
        app = self._client()
        try:
            result = app.acquire_token_for_client(scopes=[self.scope])
        except requests.exceptions.SSLError as error:
            raise TransportError(self._untrusted(self.authority, error)) from None
        except requests.exceptions.RequestException:
            raise TransportError(self._unreachable(self.authority, "GraphAuthority")) from None
        if "access_token" in result:
            return result["access_token"]
        raise TransportError(self._sign_in_refused(result))

    def _client(self) -> msal.ConfidentialClientApplication:
        """The msal application, built on first use: building it already fetches the tenant's OpenID metadata."""
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    http_client=self._session,
                    instance_discovery=False,  # no call to login.microsoftonline.com to vet a custom authority
                )
            except requests.exceptions.SSLError as error:
                raise TransportError(self._untrusted(self.authority, error)) from None
            except requests.exceptions.RequestException:
                raise TransportError(self._unreachable(self.authority, "GraphAuthority")) from None
            except (ValueError, RuntimeError):
                raise TransportError(
                    f"Microsoft sign-in at {self.authority} does not know the tenant {self.tenant_id!r}: "
                    "check GraphTenantId (the Directory (tenant) ID of the app registration) and GraphAuthority"
                ) from None
        return self._app

    def _forget_token(self) -> None:
        """Drop msal's cached token so the next `_token` asks for a new one (after a 401)."""
        if self._app is not None:
            self._app.remove_tokens_for_client()

    # -- plain sentences -----------------------------------------------------------------------------------------------

    def _sign_in_refused(self, result: dict[str, Any]) -> str:
        error = result.get("error", "")
        description = self._scrub(str(result.get("error_description", "")).split("\n")[0].strip())
        code = description.split(":")[0] if description.startswith("AADSTS") else error
        if error == "invalid_client":
            return (
                f"Microsoft sign-in refused the client secret of app {self.client_id} ({code}): the client secret "
                f"was refused — set {SECRET_VARIABLE} (or the keyring entry) to a current secret of the app"
            )
        if error == "unauthorized_client":
            return (
                f"Microsoft sign-in does not know the app {self.client_id} in tenant {self.tenant_id} ({code}): "
                "check GraphClientId and GraphTenantId"
            )
        if error == "invalid_scope":
            return f"Microsoft sign-in refused the scope {self.scope} ({code}): check GraphEndpoint"
        return f"Microsoft sign-in failed for app {self.client_id}: {error or 'no token'} ({description or code})"

    def _no_mailbox(self, response: requests.Response) -> str:
        return (
            f"Graph has no mailbox {self.mailbox} ({self._graph_error(response)}): check SenderMailbox — it must be "
            "an Exchange Online mailbox of this tenant"
        )

    def _untrusted(self, url: str, error: Exception) -> str:
        reason = "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in str(error) else "TLS handshake failed"
        return (
            f"The certificate of {urlsplit(url).netloc} is not trusted ({reason}): check the address, or the "
            "company CA bundle if traffic goes through an inspecting proxy; keep VerifyTls true"
        )

    def _unreachable(self, url: str, setting: str) -> str:
        return (
            f"Cannot reach {urlsplit(url).netloc} ({setting} {url}): check the address, the network and any proxy "
            "settings"
        )

    def _graph_error(self, response: requests.Response) -> str:
        """Graph's ``error.code: error.message`` (first 300 characters), scrubbed of the secret."""
        error = _json(response).get("error")
        if isinstance(error, dict):
            text = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
        else:
            text = response.reason or ""
        return self._scrub(text[:300]) or f"HTTP {response.status_code}"

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


# -- the message and the lookup ----------------------------------------------------------------------------------------


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


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: requests.Response) -> float | None:
    """``Retry-After`` as seconds (a number or an HTTP date), or None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _request_may_have_left(error: requests.exceptions.RequestException) -> bool:
    """False when the connection was never made (refused, DNS, connect timeout): the request cannot have left."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return False
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return not isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)
