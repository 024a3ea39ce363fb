"""`GraphTransport`: reminders sent through Microsoft Graph, one ``sendMail`` request per reminder, exactly once.

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

What each answer means (sent, failed, unknown, or the transport stops): `arcollect.mail.transports.graph.http`.
The body is built in `message`, the token comes from `signin`, lookups are in `sent_items`.

Secrets: the client secret and access tokens never appear in logs, results or exception messages; text that comes
back from the servers is scrubbed of the secret before it is shown.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote, urlsplit

import msal

from arcollect.errors import InputError, TransportError
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult
from arcollect.mail.transports.graph.http import GaveUp, Unknown
from arcollect.mail.transports.graph.message import MAX_REQUEST_BYTES, graph_message
from arcollect.mail.transports.graph.sent_items import SentItems
from arcollect.mail.transports.graph.signin import Session

logger = logging.getLogger(__name__)


class GraphStopped(TransportError):
    """Sending cannot go on; ``results`` are the reminders answered before. The one in flight was not sent."""

    def __init__(self, message: str, results: Sequence[SendResult]) -> None:
        super().__init__(message)
        self.results = list(results)


class GraphTransport(SentItems):
    """Sends reminders from `mailbox` through Microsoft Graph with app-only (client credentials) sign-in.

    `authority` and `endpoint` default to the Microsoft cloud (Settings ``GraphAuthority``/``GraphEndpoint``);
    `verify` is True (system CAs) or a CA bundle path, never False in production (False is logged as a warning
    every time a transport is built, i.e. on every run). `sleep` is how back-off waits.
    """

    name = "graph"

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
        self._session = Session(verify, timeout)
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
        """One ``sendMail`` per reminder, in order; retries and what each outcome means: the `http` module docstring.

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
        except Unknown as error:
            logger.warning(
                "Reminder %s: outcome unknown (%s); it will be looked up before any resend", reminder.key[:12], error
            )
            return SendResult(reminder.key, "unknown", None, str(error))
        except GaveUp as error:
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
        except (Unknown, GaveUp) as error:
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
