"""Requests to Microsoft Graph with the app's token: throttling waited out, a refused token renewed once, and what
an answer that is not one proves about the request.

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
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import Any

import requests
import urllib3

from arcollect.errors import TransportError
from arcollect.mail.transports.graph.signin import SignIn

logger = logging.getLogger(__name__)

_THROTTLED = frozenset({429, 503})
_SERVER_MAY_HAVE_ACTED = frozenset({500, 502, 504})
_MAX_BACKOFF = 30.0


class Unknown(Exception):
    """The request may have been carried out; the reason is the message."""


class GaveUp(Exception):
    """Throttled beyond the retry budget; the request was certainly not carried out."""


class GraphHttp(SignIn):
    """The transport's requests (`_call`) and Graph's answers in plain words (`_graph_error`, `_no_mailbox`)."""

    mailbox: str
    endpoint: str
    timeout: float
    max_retries: int
    max_wait: float
    _sleep: Any

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
        raise `Unknown`. Exhausted throttling raises `GaveUp`; an unreachable server raises `TransportError`.
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
                        raise Unknown(outcome) from None
                    response = None
                else:
                    raise TransportError(self._unreachable(self.endpoint, "GraphEndpoint")) from None
            except requests.exceptions.Timeout:
                outcome = f"no answer from Graph within {self.timeout:g} s after the request was sent"
                if not repeatable:
                    raise Unknown(outcome) from None
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
                raise Unknown(f"Graph answered HTTP {response.status_code} ({self._graph_error(response)})")
            transient = response is None or response.status_code in _THROTTLED | _SERVER_MAY_HAVE_ACTED
            if not transient:
                return response
            delay = _retry_after(response) if response is not None else None
            if delay is None:
                delay = min(2.0**attempt, _MAX_BACKOFF)
            status = f"HTTP {response.status_code}" if response is not None else outcome
            if attempt >= self.max_retries or waited + delay > self.max_wait:
                raise GaveUp(
                    f"Graph kept answering {status} after {attempt + 1} attempts and {waited:g} s of waiting — "
                    "nothing was sent; it can be sent again later"
                )
            logger.warning("Graph answered %s; waiting %g s before attempt %d", status, delay, attempt + 2)
            self._sleep(delay)
            waited += delay
            attempt += 1

    def _no_mailbox(self, response: requests.Response) -> str:
        return (
            f"Graph has no mailbox {self.mailbox} ({self._graph_error(response)}): check SenderMailbox — it must be "
            "an Exchange Online mailbox of this tenant"
        )

    def _graph_error(self, response: requests.Response) -> str:
        """Graph's ``error.code: error.message`` (first 300 characters), scrubbed of the secret."""
        error = json_of(response).get("error")
        if isinstance(error, dict):
            text = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
        else:
            text = response.reason or ""
        return self._scrub(text[:300]) or f"HTTP {response.status_code}"


def json_of(response: requests.Response) -> dict[str, Any]:
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
