"""The ews transport: reminders sent through Exchange Web Services (exchangelib) and found again in Sent Items.

    >>> ews = EwsTransport("https://mail.example.com/EWS/Exchange.asmx", mailbox="ar@example.com",
    ...                    auth="ntlm", username="EXAMPLE\\\\svc-ar", password=secret)      # doctest: +SKIP
    >>> [result.status for result in ews.send(reminders)]                                # doctest: +SKIP
    ['sent', 'sent', 'failed']
    >>> ews.find_sent(reminders[0].key)                                                   # doctest: +SKIP
    True
    >>> ews.check()                                                                       # doctest: +SKIP
    'OK: EWS at mail.example.com answers, the account EXAMPLE\\\\svc-ar may send as ar@example.com and its Sent Items …'

For Exchange Server (NTLM or basic, delegate access) and for Exchange Online tenants that still allow-list the app
(OAuth2 client credentials, impersonation). Exchange Online blocks EWS since 2026-10-01 and switches it off on
2027-04-01: use the graph transport there.

No probing: autodiscover is off and the endpoint, auth type and server version are given, so the first send makes
exactly GetFolder (root), GetFolder (Sent Items) and one CreateItem per chunk. Messages go with
``CreateItem MessageDisposition=SendAndSaveCopy`` (`Account.bulk_create`, `chunk_size` per request), so each one
leaves a copy in Sent Items carrying the reminder's idempotency key in a named MAPI property of our own property set
(`KEY_PROPERTY_SET`, `KEY_PROPERTY_NAME`) — `find_sent` finds it with one FindItem restriction — and, for the
recipients' systems, the ``X-Arcollect-Key`` internet header. The graph transport uses the same property, so either
lookup finds mail sent by the other.

The body is the HTML alternative only: EWS takes one body per item (`Item.text_body` is read-only), Exchange
derives the plain-text part for clients that want one. The From is the mailbox itself (`Reminder.sender` is not sent
as a From: sending as another address needs Send As rights and fails with ErrorSendAsDenied otherwise).
`SendResult.message_id` is arcollect's `Reminder.message_id`, the identity every transport records in the ledger; the
Message-ID header on the wire is Exchange's own (setting ``InternetMessageId`` is refused by some Exchange versions
with ErrorInvalidPropertySet), which is why lookups go by the key property and never by Message-ID.

Exactly once. `send` reports each chunk as Exchange answered it: ``sent``, or ``failed`` for a per-item refusal
(ErrorMailRecipientNotFound, ErrorMessageSizeExceeded …). Server pushback is retried inside exchangelib
(`FaultTolerance`): ErrorServerBusy waits its BackOffMilliseconds, HTTP 503 its Retry-After, for at most `max_wait`
seconds per wait. A timed-out request is never retried (one connection, so exchangelib re-raises it): whatever the
server did with it is unknowable here. When a chunk raises, `send` stops and raises `SendStopped` (a
`TransportError`) whose ``results`` cover every reminder of the call:

- chunks answered before it keep their results;
- the raising chunk is ``unknown`` — part of it may have gone (Exchange processes a batch item by item) — unless the
  error proves the request never reached the mailbox (connection refused, TLS failure, HTTP 401/403) or that nothing
  of it could go (ErrorSendAsDenied: the account may not send as the mailbox), in which case it counts as not
  attempted;
- later chunks are not attempted: ``failed`` with an error starting "not attempted", their keys in ``not_attempted``
  so the caller records them as retryable.

A caller that only knows the `Transport` contract treats the whole call as in doubt and reconciles (safe, just
slower). A quota error (ErrorSubmissionQuotaExceeded, ErrorQuotaExceeded) also sets `exhausted`: every later `send`
on this transport raises `SendStopped` at once without contacting the server — the mailbox is done for the day.

OAuth2 (client credentials): the token comes from ``{authority}/{tenant}/oauth2/v2.0/token`` with the scope
``https://outlook.office365.com/.default``; `authority` is Settings ``GraphAuthority`` (Microsoft's sign-in address
unless told otherwise — a national cloud, or a local identity server in tests). exchangelib fetches it once per
connection and sends it as ``Authorization: Bearer`` on every request, together with the impersonation header and
``X-AnchorMailbox`` naming `mailbox`.

TLS: `verify` is True (the default CA store), False (logged as a warning every time a transport is built, i.e. on
every run), or the path of a CA bundle (a company CA). exchangelib builds its
`requests` sessions itself and offers one hook, the class attribute `BaseProtocol.HTTP_ADAPTER_CLS`; it mounts that
adapter for the EWS endpoint and, with OAuth2, for the token URL too. We install, once per process, an adapter (mixed
into whatever adapter class is already there) that applies the `verify` registered for the request's URL — the EWS
endpoint, and the token URL of an oauth2 transport — and leaves every other URL (other EWS users) exactly as
`requests` would handle it. The last `EwsTransport` built for an endpoint or token URL decides its verification in
this process. Each transport gets its own exchangelib `Protocol` (its own timeout, retry policy and connection), not
the shared cached one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.exceptions
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    OAUTH2,
    Account,
    Build,
    Configuration,
    Credentials,
    ExtendedProperty,
    FailFast,
    FaultTolerance,
    FileAttachment,
    HTMLBody,
    Identity,
    Mailbox,
    Message,
    OAuth2Credentials,
    Version,
)
from exchangelib import errors as ews_errors
from exchangelib.items import SEND_AND_SAVE_COPY
from exchangelib.protocol import BaseProtocol, Protocol, RetryPolicy

from arcollect.errors import ConfigError, InputError, TransportError
from arcollect.mail.message import (
    KEY_HEADER,
    KEY_PROPERTY_NAME,
    KEY_PROPERTY_SET,
    RECORD_PROPERTY_NAME,
    Reminder,
    one_line,
    parse_address,
    read_record,
)
from arcollect.mail.transports import SendResult, SentCopy

logger = logging.getLogger(__name__)

__all__ = ["KEY_PROPERTY_NAME", "KEY_PROPERTY_SET", "EwsTransport", "SendStopped"]

EWS_BLOCKED = (
    "Exchange Online blocks EWS since 2026-10-01 unless the tenant allow-lists the app (and for good from "
    "2027-04-01) — use Transport graph"
)
AuthKind = Literal["ntlm", "basic", "oauth2"]
PROBE_SUBJECT = "arcollect test-connection: a draft without recipients, never sent"


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


class _AuthorityCredentials(OAuth2Credentials):
    """exchangelib's client-credentials grant with the token URL under `authority` instead of the fixed
    ``https://login.microsoftonline.com`` (national clouds, a local identity server); the scope stays exchangelib's
    ``https://outlook.office365.com/.default``."""

    def __init__(self, *, authority: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.authority = authority.rstrip("/")

    @property
    def token_url(self) -> str:
        return _token_url(self.authority, self.tenant_id)


def _token_url(authority: str, tenant_id: str) -> str:
    """Where the OAuth2 token for EWS is fetched: ``{authority}/{tenant}/oauth2/v2.0/token``."""
    return f"{authority.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"


_registered = threading.Lock()


def _register_properties() -> None:
    """Register both properties on `Message` once per process (exchangelib keeps them on the class)."""
    with _registered:
        properties = (
            ("arcollect_key", IdempotencyKey), ("arcollect_key_header", KeyHeader), ("arcollect_record", ReminderRecord)
        )  # fmt: skip
        for name, cls in properties:
            with suppress(ValueError):  # already registered
                Message.register(name, cls)


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


# -- TLS -----------------------------------------------------------------------------------------------------------

_VERIFY: dict[str, bool | str] = {}


class _EndpointVerification(requests.adapters.HTTPAdapter):
    """Applies the `verify` registered for the request's URL (EWS endpoint or token URL); other URLs keep what
    requests passes."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        for endpoint, verify in list(_VERIFY.items()):
            if url.startswith(endpoint):
                kwargs["verify"] = verify
                if len(args) >= 3:  # send(request, stream, timeout, verify, …) called positionally
                    args = (*args[:2], verify, *args[3:])
                break
        return super().send(request, *args, **kwargs)


def _install_verification(endpoint: str, verify: bool | str) -> None:
    with _registered:
        current = BaseProtocol.HTTP_ADAPTER_CLS
        if not issubclass(current, _EndpointVerification):
            BaseProtocol.HTTP_ADAPTER_CLS = (
                _EndpointVerification
                if current is requests.adapters.HTTPAdapter
                else type(f"Verifying{current.__name__}", (_EndpointVerification, current), {})
            )
        if verify is True:
            _VERIFY.pop(endpoint, None)
        else:
            _VERIFY[endpoint] = verify


# -- the transport -------------------------------------------------------------------------------------------------


class EwsTransport:
    """Sends reminders from `mailbox` through the EWS `endpoint`; see the module docstring for the guarantees.

    Secrets (`password`, `client_secret`) come from the caller (environment or keyring), are handed to exchangelib
    only, and never appear in logs or messages.
    """

    name = "ews"
    sent_items_page = 100  # items per FindItem page in `sent_items`

    def __init__(
        self,
        endpoint: str,
        *,
        mailbox: str,
        auth: AuthKind = "ntlm",
        username: str = "",
        password: str = "",
        tenant_id: str = "",
        client_id: str = "",
        client_secret: str = "",
        verify: bool | str = True,
        authority: str = "https://login.microsoftonline.com",
        chunk_size: int = 10,
        max_wait: float = 60.0,
        timeout: float = 30.0,
        build: tuple[int, ...] = (15, 1, 2507, 6),
    ) -> None:
        if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).hostname:
            raise ConfigError(f"EwsEndpoint {endpoint!r} is not a URL like https://mail.example.com/EWS/Exchange.asmx")
        if auth not in ("ntlm", "basic", "oauth2"):
            raise ConfigError(f"EwsAuth {auth!r} is not one of ntlm, basic, oauth2")
        if auth == "oauth2" and not (tenant_id and client_id and client_secret):
            raise ConfigError("EwsAuth oauth2 needs GraphTenantId, GraphClientId and ARCOLLECT_GRAPH_CLIENT_SECRET")
        if auth == "oauth2" and urlsplit(authority).scheme != "https":
            raise ConfigError(
                f"GraphAuthority {authority!r} is not an https:// URL like https://login.microsoftonline.com"
            )
        if auth != "oauth2" and not (username and password):
            raise ConfigError(f"EwsAuth {auth} needs EwsUser and the password in ARCOLLECT_EWS_PASSWORD (or keyring)")
        if isinstance(verify, str) and not Path(verify).is_file():
            raise ConfigError(f"VerifyTls: the CA bundle {verify} does not exist — give the path of a PEM file")
        if chunk_size < 1:
            raise ConfigError(f"EWS chunk size must be at least 1, not {chunk_size}")
        self.endpoint, self.mailbox, self.auth = endpoint, mailbox, auth
        self.username, self.tenant_id, self.client_id = username, tenant_id, client_id
        self.authority = authority.rstrip("/")
        self._password, self._client_secret = password, client_secret
        self.verify, self.chunk_size, self.max_wait, self.timeout = verify, chunk_size, max_wait, timeout
        self.build = tuple(build)
        self.exhausted: str | None = None
        self._account: Account | None = None
        if verify is False:
            logger.warning("TLS certificate verification is OFF for EWS at %s (VerifyTls = false)", self.host)
        _register_properties()
        _install_verification(endpoint, verify)
        if auth == "oauth2":
            _install_verification(_token_url(self.authority, tenant_id), verify)

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).hostname or self.endpoint

    def _new_account(self, retry_policy: RetryPolicy) -> Account:
        """An `Account` with its own `Protocol`: exchangelib caches protocols per endpoint and credentials, which
        would make a second transport silently reuse the first one's timeout and retry policy."""
        if self.auth == "oauth2":
            identity = Identity(primary_smtp_address=self.mailbox)
            credentials: Any = _AuthorityCredentials(
                authority=self.authority, client_id=self.client_id, client_secret=self._client_secret,
                tenant_id=self.tenant_id, identity=identity,
            )  # fmt: skip
            auth_type, access_type = OAUTH2, IMPERSONATION
        else:
            credentials = Credentials(self.username, self._password)
            auth_type, access_type = (NTLM if self.auth == "ntlm" else BASIC), DELEGATE
        config = Configuration(
            service_endpoint=self.endpoint,
            credentials=credentials,
            auth_type=auth_type,
            version=Version(build=Build(*self.build)),
            retry_policy=retry_policy,
            max_connections=1,
        )
        with suppress(KeyError):
            del Protocol[config]
        account = Account(self.mailbox, config=config, autodiscover=False, access_type=access_type)
        account.protocol.TIMEOUT = self.timeout
        return account

    @property
    def account(self) -> Account:
        """The sending account (fault-tolerant, made on first use; constructing it makes no request)."""
        if self._account is None:
            self._account = self._new_account(FaultTolerance(max_wait=self.max_wait))
        return self._account

    # -- send ------------------------------------------------------------------------------------------------------

    def send(
        self, reminders: Iterable[Reminder], *, on_result: Callable[[SendResult], None] | None = None
    ) -> list[SendResult]:
        """Send `reminders` one request (`chunk_size` reminders) at a time, taking each request's reminders from
        `reminders` only when the previous request has its answer; each answer goes to `on_result` at once.

        Raises `SendStopped` as `send_batch` does, its ``results`` covering every reminder taken so far.
        """
        done: list[SendResult] = []
        iterator = iter(reminders)
        while chunk := list(itertools.islice(iterator, self.chunk_size)):
            try:
                answered = self.send_batch(chunk)
            except SendStopped as stopped:
                # A list given by the caller is reported in full; a stream (dispatch's gate) is not drained: the
                # reminders not taken from it were never attempted and stay as they are.
                rest = list(iterator) if isinstance(reminders, Sequence) else []
                stopped.results = (
                    done
                    + stopped.results
                    + [
                        SendResult(item.key, "failed", None, f"not attempted: {stopped}", retryable=True)
                        for item in rest
                    ]
                )
                stopped.not_attempted = (*stopped.not_attempted, *(item.key for item in rest))
                raise
            for result in answered:
                done.append(result)
                if on_result is not None:
                    on_result(result)
        return done

    def send_batch(self, reminders: Sequence[Reminder]) -> list[SendResult]:
        """Send `reminders` in chunks of `chunk_size`, one CreateItem each; one result per reminder, same order.

        A reminder with an unusable address is ``failed`` without contacting the server. Raises `SendStopped`
        (carrying the results) when a chunk raises or the Sent Items folder cannot be reached; see the module
        docstring.
        """
        results: list[SendResult | None] = [None] * len(reminders)
        if self.exhausted:
            self._stop(reminders, results, [], f"{self.exhausted} (already reported in this run)", quota=True)
        try:
            account = self.account
            folder = account.sent  # GetFolder root + sentitems, cached on the account afterwards
        except Exception as error:
            self._stop(reminders, results, [], _explain(error, self), quota=False, cause=error)
        ready: list[tuple[int, Message]] = []
        for index, reminder in enumerate(reminders):
            try:
                ready.append((index, self._message(account, folder, reminder)))
            except (InputError, ValueError, TypeError) as error:
                logger.warning("Reminder %s not sent through EWS: %s", reminder.key[:12], error)
                results[index] = SendResult(reminder.key, "failed", None, str(error))
        for start in range(0, len(ready), self.chunk_size):
            chunk = ready[start : start + self.chunk_size]
            try:
                outcomes = account.bulk_create(
                    folder, [message for _, message in chunk], message_disposition=SEND_AND_SAVE_COPY,
                    chunk_size=self.chunk_size,
                )  # fmt: skip
            except Exception as error:
                self._chunk_raised(reminders, results, chunk, error)
            for (index, _), outcome in zip(chunk, outcomes, strict=True):
                key = reminders[index].key
                if isinstance(outcome, Exception):
                    logger.warning("Reminder %s refused by Exchange: %s", key[:12], _short(outcome))
                    results[index] = SendResult(key, "failed", None, f"{type(outcome).__name__}: {_short(outcome)}")
                else:  # True: Exchange accepted it for submission (send modes return no item id)
                    results[index] = SendResult(key, "sent", reminders[index].message_id)
        final = [result for result in results if result is not None]
        sent = sum(result.status == "sent" for result in final)
        logger.info("EWS %s: %d of %d reminders sent from %s", self.host, sent, len(final), self.mailbox)
        return final

    def _message(self, account: Account, folder: Any, reminder: Reminder) -> Message:
        if not reminder.to:
            raise InputError(f"Reminder {reminder.key[:12]} for customer {reminder.customer_id} has no recipient")
        reply_to = [_mailbox(reminder.reply_to)] if reminder.reply_to else None
        message = Message(
            account=account,
            folder=folder,
            subject=one_line(reminder.subject),
            body=HTMLBody(reminder.html),
            to_recipients=[_mailbox(address) for address in reminder.to],
            cc_recipients=[_mailbox(address) for address in reminder.cc] or None,
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

    def _chunk_raised(
        self,
        reminders: Sequence[Reminder],
        results: list[SendResult | None],
        chunk: list[tuple[int, Message]],
        error: Exception,
    ) -> NoReturn:
        quota = isinstance(error, ews_errors.ErrorSubmissionQuotaExceeded | ews_errors.ErrorQuotaExceeded)
        reason = _explain(error, self)
        if quota:
            self.exhausted = reason
        unknown = [] if _never_delivered(error) else [index for index, _ in chunk]
        for index in unknown:
            results[index] = SendResult(reminders[index].key, "unknown", None, f"outcome unknown: {reason}")
        logger.warning("EWS send stopped (%s); %d reminders in doubt", type(error).__name__, len(unknown))
        self._stop(reminders, results, unknown, reason, quota=quota, cause=error)

    def _stop(
        self,
        reminders: Sequence[Reminder],
        results: list[SendResult | None],
        unknown: list[int],
        reason: str,
        *,
        quota: bool,
        cause: Exception | None = None,
    ) -> NoReturn:
        not_attempted = [index for index, result in enumerate(results) if result is None]
        for index in not_attempted:
            results[index] = SendResult(
                reminders[index].key, "failed", None, f"not attempted: {reason}", retryable=True
            )
        done = sum(1 for result in results if result is not None and result.status != "failed") - len(unknown)
        message = f"EWS stopped after {done} of {len(reminders)} reminders: {reason}"
        final = [result for result in results if result is not None]
        raise SendStopped(message, final, [reminders[index].key for index in not_attempted], quota=quota) from cause

    # -- lookup and check --------------------------------------------------------------------------------------------

    def find_sent(self, key: str) -> bool:
        """True if a Sent Items copy carries `key` (one FindItem), False if none does yet; errors → `TransportError`.

        Exchange writes the Sent Items copy shortly after submission: `reconcile` waits before trusting False.
        """
        try:
            return bool(self.account.sent.filter(arcollect_key=key).exists())
        except Exception as error:
            raise TransportError(
                f"Cannot look up reminder {key[:12]} in Sent Items: {_explain(error, self)}"
            ) from error

    def sent_items(self) -> Iterator[SentCopy]:
        """Every reminder in the mailbox's Sent Items: the items carrying the key property (FindItem with an Exists
        restriction, `sent_items_page` a page, then GetItem for the fields); errors raise `TransportError`."""
        try:
            items = (
                self.account.sent.filter(arcollect_key__exists=True)
                .only("subject", "to_recipients", "cc_recipients", "datetime_sent", "arcollect_key", "arcollect_record")
                .order_by("datetime_sent")
            )
            items.page_size = self.sent_items_page
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
            raise TransportError(f"Cannot read the Sent Items of {self.mailbox}: {_explain(error, self)}") from error

    def check(self) -> str:
        """One plain sentence: OK (the Sent Items folder can be read and the account may send as the mailbox) or
        what is wrong and which setting to fix.

        Uses its own fail-fast account, so a refused password is reported at once instead of being retried as
        throttling (EWS sometimes answers 401 to mean "slow down"). Sending is tested without sending anything
        (`_send_as_probe`).
        """
        account = self._new_account(FailFast())
        try:
            _ = account.sent  # GetFolder root + sentitems: what send and find_sent use
            self._send_as_probe(account)
        except Exception as error:
            return _explain(error, self)
        finally:
            account.protocol.close()
        return (
            f"OK: EWS at {self.host} answers, {self._who} may send as {self.mailbox} and its Sent Items folder can be "
            "read."
        )

    def _send_as_probe(self, account: Account) -> None:
        """Raise what Exchange answers when this account submits a message as `mailbox`; send nothing.

        A draft without any recipient is saved in the mailbox's Drafts folder (CreateItem SaveOnly: writing there
        needs access to the mailbox, ErrorAccessDenied otherwise), submitted (SendItem, no copy kept) and deleted
        (DeleteItem, hard) whatever the answer. Exchange checks that the account may send as the mailbox before it
        looks at the recipients: ErrorSendAsDenied when it may not, ErrorInvalidRecipients — the answer expected
        here, since a message without recipients cannot go anywhere — when it may. That order is what the Graph
        check relies on too; it is modelled by the local test server, not verified against a real Exchange here.
        """
        draft = Message(account=account, folder=account.drafts, subject=PROBE_SUBJECT, body=PROBE_SUBJECT)
        draft.save()
        try:
            draft.send(save_copy=False)
        except ews_errors.ErrorInvalidRecipients:
            logger.debug("EWS send check: %s may send as %s (only the missing recipient was refused)", self._who,
                         self.mailbox)  # fmt: skip
        finally:
            if draft.id is not None:  # refused (as expected): remove the draft again
                try:
                    draft.delete()
                except Exception as error:
                    logger.warning("test-connection could not delete its draft %r in the Drafts folder of %s: %s",
                                   PROBE_SUBJECT, self.mailbox, _short(error))  # fmt: skip

    @property
    def _who(self) -> str:
        return f"the app {self.client_id}" if self.auth == "oauth2" else f"the account {self.username}"


def _mailbox(text: str) -> Mailbox:
    address = parse_address(text)
    return Mailbox(name=address.display_name or None, email_address=address.addr_spec)


# -- errors in plain words --------------------------------------------------------------------------------------------

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


def _never_delivered(error: BaseException) -> bool:
    """True when the error proves the request's messages never went out: no connection, TLS refused, 401/403, or
    ErrorSendAsDenied (the account may not send as the mailbox — true of every message of the request alike)."""
    refused = any(isinstance(link, ews_errors.ErrorSendAsDenied) for link in _chain(error))
    return refused or _never_connected(error) is not None or _http_status(error) in (401, 403)


def _short(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    text = text.split(" headers:", 1)[0]  # MalformedResponseError appends the raw response
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _explain(error: BaseException, transport: EwsTransport) -> str:
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
        reason = reason or (errno.group(1).strip() if errno else _short(connection, 120))
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
            who = transport._who
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
    return f"EWS at {host} failed: {type(error).__name__}: {_short(error)}"
