"""`EwsTransport`: reminders sent through Exchange Web Services in chunks, exactly once.

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


The message itself is built in `message`; credentials, TLS and test-connection live in `connection`, the Sent Items
lookups in `sent_items`, errors in plain words in `errors`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

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
    FaultTolerance,
    Identity,
    Message,
    Version,
)
from exchangelib import errors as ews_errors
from exchangelib.items import SEND_AND_SAVE_COPY
from exchangelib.protocol import Protocol, RetryPolicy

from arcollect.errors import ConfigError, InputError
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult, SentCopy
from arcollect.mail.transports.ews import connection, sent_items
from arcollect.mail.transports.ews.errors import SendStopped, explain, never_delivered, short
from arcollect.mail.transports.ews.message import build_message, register_properties

logger = logging.getLogger(__name__)

AuthKind = Literal["ntlm", "basic", "oauth2"]


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
        register_properties()
        connection.install_verification(endpoint, verify)
        if auth == "oauth2":
            connection.install_verification(connection.token_url(self.authority, tenant_id), verify)

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).hostname or self.endpoint

    def new_account(self, retry_policy: RetryPolicy) -> Account:
        """An `Account` with its own `Protocol`: exchangelib caches protocols per endpoint and credentials, which
        would make a second transport silently reuse the first one's timeout and retry policy."""
        if self.auth == "oauth2":
            identity = Identity(primary_smtp_address=self.mailbox)
            credentials: Any = connection.AuthorityCredentials(
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
            self._account = self.new_account(FaultTolerance(max_wait=self.max_wait))
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
            self._stop(reminders, results, [], explain(error, self), quota=False, cause=error)
        ready: list[tuple[int, Message]] = []
        for index, reminder in enumerate(reminders):
            try:
                ready.append((index, build_message(account, folder, reminder)))
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
                    logger.warning("Reminder %s refused by Exchange: %s", key[:12], short(outcome))
                    results[index] = SendResult(key, "failed", None, f"{type(outcome).__name__}: {short(outcome)}")
                else:  # True: Exchange accepted it for submission (send modes return no item id)
                    results[index] = SendResult(key, "sent", reminders[index].message_id)
        final = [result for result in results if result is not None]
        sent = sum(result.status == "sent" for result in final)
        logger.info("EWS %s: %d of %d reminders sent from %s", self.host, sent, len(final), self.mailbox)
        return final

    def _chunk_raised(
        self,
        reminders: Sequence[Reminder],
        results: list[SendResult | None],
        chunk: list[tuple[int, Message]],
        error: Exception,
    ) -> NoReturn:
        quota = isinstance(error, ews_errors.ErrorSubmissionQuotaExceeded | ews_errors.ErrorQuotaExceeded)
        reason = explain(error, self)
        if quota:
            self.exhausted = reason
        unknown = [] if never_delivered(error) else [index for index, _ in chunk]
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

    # -- lookup and check --------------------------------------------------------------------------------------------

    def find_sent(self, key: str) -> bool:
        """True if a Sent Items copy carries `key`, False if none does yet (`sent_items.find_sent`)."""
        return sent_items.find_sent(self, key)

    def sent_items(self) -> Iterator[SentCopy]:
        """Every reminder in the mailbox's Sent Items (`sent_items.sent_items`)."""
        return sent_items.sent_items(self)

    def check(self) -> str:
        """One plain sentence: OK or what is wrong and which setting to fix (`connection.check`)."""
        return connection.check(self)

    @property
    def who(self) -> str:
        """The app or account that signs in, as a sentence names it."""
        return f"the app {self.client_id}" if self.auth == "oauth2" else f"the account {self.username}"
