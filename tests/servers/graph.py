"""A local Microsoft Graph + Microsoft sign-in endpoint over HTTPS, for the graph transport's tests.

    with GraphServer() as graph:
        transport = GraphTransport(graph.mailbox, tenant_id=graph.tenant, client_id=graph.client_id,
                                   client_secret=graph.client_secret, authority=graph.authority,
                                   endpoint=graph.endpoint, verify=ca_bundle())
        transport.send([reminder])
        graph.received[0].message["subject"], graph.token_requests      # what arrived, how many sign-ins

It answers what msal and the transport actually send, and nothing else:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` — the tenant's metadata msal reads when it is built
  (``instance_discovery=False``: no call to the Microsoft instance-discovery service); 400 for another tenant.
- ``POST /{tenant}/oauth2/v2.0/token`` — client credentials; ``unauthorized_client`` for an unknown client id,
  401 ``invalid_client`` (AADSTS7000215) for a wrong secret; counts requests in `token_requests`.
- ``POST /v1.0/users/{mailbox}/sendMail`` — Bearer token checked; the parsed message is stored in `received`
  with its key and receive time; 202.
- ``GET /v1.0/users/{mailbox}/mailFolders('sentitems')/messages?$filter=…`` — the key is read from the filter;
  ``{"value": [{"id": …}]}`` when a message saved to Sent Items carries it, else an empty list. With the filter
  ``ep/id eq '…' and ep/value ne '…'`` it lists every Sent Items copy carrying the key property: ``$select``
  (subject, toRecipients, ccRecipients, sentDateTime), ``$expand=singleValueExtendedProperties($filter=id eq '…'
  or id eq '…')``, ``$top``/``$skip`` pages linked by ``@odata.nextLink``.

Faults: `fail_next` is consumed by sendMail requests, one entry each: ``("429", retry_after)``, ``("503",
retry_after)`` (None or absent: no Retry-After header) and ``("400",)``, ``("401",)``, ``("403",)``, ``("500",)``,
``("504",)`` answer with that status and store nothing; ``("slow", seconds)`` stores the message, then answers
only after `seconds` (longer than the client's timeout: the sender cannot know). `fail_ratio` refuses that share
of the other sendMail requests with 429 (seeded, so a run is repeatable; Retry-After `ratio_retry_after`).
`read_denied` answers lookups with 403; `send_denied` answers sendMail with 403 ErrorAccessDenied (the app may not
send as the mailbox) before looking at the message. A sendMail without recipients is answered 400
ErrorInvalidRecipients and stores nothing, as Graph does. `latency` delays every sendMail answer (after storing).
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.servers.tls import server_context

_REFUSALS = {
    "400": ("ErrorInvalidRecipients", "At least one recipient isn't valid."),
    "401": ("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
    "403": ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    "429": ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    "500": ("InternalServerError", "An internal server error occurred."),
    "503": ("ServiceUnavailable", "The service is temporarily unavailable."),
    "504": ("GatewayTimeout", "The gateway did not receive a timely response."),
}
_FILTER_KEY = re.compile(r"ep/id eq '(?P<id>[^']*)' and ep/value eq '(?P<key>[^']*)'")
_FILTER_ANY = re.compile(r"ep/id eq '(?P<id>[^']*)' and ep/value ne '(?P<value>[^']*)'")
_EXPAND = re.compile(r"^singleValueExtendedProperties\(\$filter=(?P<ids>.*)\)$")
_EXPAND_ID = re.compile(r"id eq '([^']*)'")
_SELECTABLE = {"subject", "toRecipients", "ccRecipients", "sentDateTime"}


@dataclass(frozen=True)
class Received:
    """One accepted sendMail request: the key from the extended property, the message, and when it arrived."""

    key: str | None
    message: dict[str, Any]
    save_to_sent_items: bool
    at: float


@dataclass
class GraphServer:
    """The endpoint on 127.0.0.1 (any free port) in a background thread; use it as a context manager."""

    tenant: str = "8f1b2c3d-0000-4000-8000-00000000a11c"
    client_id: str = "5e6f7a8b-0000-4000-8000-0000000c0de5"
    client_secret: str = "test-client-secret-value"
    mailbox: str = "ar@acme.example"
    key_property: str = "String {c11ff724-aa03-4555-9952-8fa248a11c3e} Name ReminderIdempotencyKey"
    token_lifetime: int = 3599
    seed: int = 0
    fail_next: list[tuple[Any, ...]] = field(default_factory=list)
    fail_ratio: float = 0.0
    ratio_retry_after: int = 0
    read_denied: bool = False
    send_denied: bool = False
    latency: float = 0.0
    received: list[Received] = field(default_factory=list)
    token_requests: int = 0
    token_scopes: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._server is not None, "start the server first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def authority(self) -> str:
        """What the transport takes as `authority` (the tenant is appended by the client)."""
        return self.base

    @property
    def endpoint(self) -> str:
        return f"{self.base}/v1.0"

    def keys(self) -> list[str | None]:
        return [item.key for item in self.received]

    @property
    def issued_tokens(self) -> frozenset[str]:
        """Every access token the token endpoint has handed out so far."""
        with self._lock:
            return frozenset(self._tokens)

    def token_valid(self, token: str) -> bool:
        """True for a token this server issued — for another local server that accepts them (EwsServer(bearer=…))."""
        with self._lock:
            return token in self._tokens

    def __enter__(self) -> GraphServer:
        handler = type("Handler", (_Handler,), {"graph": self})
        self._server = _TLSServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="graph-emulator", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # -- decisions, under the lock (handlers run in threads) --------------------------------------------------------

    def _issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        return token

    def _authorised(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        with self._lock:
            return scheme == "Bearer" and token in self._tokens

    def _next_fault(self) -> tuple[Any, ...] | None:
        with self._lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            if self.fail_ratio and self._random.random() < self.fail_ratio:
                return ("429", self.ratio_retry_after)
        return None

    def _store(self, payload: dict[str, Any]) -> None:
        message = payload.get("message", {})
        properties = message.get("singleValueExtendedProperties", [])
        key = next((item.get("value") for item in properties if item.get("id") == self.key_property), None)
        with self._lock:
            self.received.append(Received(key, message, payload.get("saveToSentItems", True), time.time()))

    def _sent_items_listed(self, property_id: str, other_than: str) -> list[tuple[str, Received]]:
        """(id, item) of every Sent Items copy whose `property_id` has a value other than `other_than`."""
        if property_id != self.key_property:
            return []
        with self._lock:
            return [
                (f"AAMk-{index}", item)
                for index, item in enumerate(self.received)
                if item.save_to_sent_items and item.key is not None and item.key.lower() != other_than.lower()
            ]

    def _sent_items_with(self, property_id: str, key: str) -> list[str]:
        if property_id != self.key_property:  # the Name part is case-sensitive in Exchange
            return []
        with self._lock:
            return [
                f"AAMk-{index}"
                for index, item in enumerate(self.received)
                if item.save_to_sent_items and (item.key or "").lower() == key.lower()  # values compare ignoring case
            ]


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        super().server_bind()
        self.socket = server_context().wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: refused handshakes (the verify=True test) and clients that time out and hang up are expected."""


class _Handler(BaseHTTPRequestHandler):
    graph: GraphServer
    protocol_version = "HTTP/1.1"
    timeout = 10

    def setup(self) -> None:
        super().setup()
        self.connection.do_handshake()

    def log_message(self, format: str, *args: object) -> None:
        """Silent; the test reads `graph.requests` instead."""

    def _reply(self, status: int, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._reply(status, {"error": {"code": code, "message": message}}, headers)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        self.graph.requests.append(("GET", path))
        graph = self.graph
        if path == f"/{graph.tenant}/v2.0/.well-known/openid-configuration":
            base = f"{graph.base}/{graph.tenant}"
            self._reply(
                200,
                {
                    "issuer": f"{graph.base}/{graph.tenant}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                },
            )
        elif path.endswith("/v2.0/.well-known/openid-configuration"):
            self._reply(400, {"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant not found."})
        elif path == f"/v1.0/users/{graph.mailbox}/mailFolders('sentitems')/messages":
            if not graph._authorised(self.headers.get("Authorization", "")):
                self._error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            elif graph.read_denied:
                self._error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            else:
                query = parse_qs(url.query)
                match = _FILTER_KEY.search(query.get("$filter", [""])[0])
                listing = _FILTER_ANY.search(query.get("$filter", [""])[0])
                if match is not None:
                    ids = graph._sent_items_with(match["id"], match["key"])
                    self._reply(200, {"value": [{"id": item} for item in ids[:1]]})
                elif listing is not None:
                    self._list_sent_items(path, query, graph._sent_items_listed(listing["id"], listing["value"]))
                else:
                    self._error(400, "BadRequest", "Invalid filter clause")
        elif path.startswith("/v1.0/users/"):
            self._error(404, "ErrorInvalidUser", "The requested user is invalid.")
        else:
            self._reply(404, {"error": "not found"})

    def _list_sent_items(self, path: str, query: dict[str, list[str]], found: list[tuple[str, Received]]) -> None:
        """One page of a Sent Items listing: $select'ed fields, $expand'ed extended properties, $top/$skip paging
        with ``@odata.nextLink`` while more remain (Graph's default page is 10)."""
        expand = _EXPAND.match(query.get("$expand", [""])[0])
        if query.get("$expand") and expand is None:
            self._error(400, "BadRequest", "Parsing OData Select and Expand failed")
            return
        wanted = set(_EXPAND_ID.findall(expand["ids"])) if expand else set()
        selected = {name for name in query.get("$select", [""])[0].split(",") if name} or _SELECTABLE
        if selected - _SELECTABLE:
            self._error(
                400, "RequestBroker--ParseUri", f"Could not find a property named '{min(selected - _SELECTABLE)}'"
            )
            return
        top, skip = int(query.get("$top", ["10"])[0]), int(query.get("$skip", ["0"])[0])
        value = []
        for item_id, item in found[skip : skip + top]:
            message = item.message
            entry: dict[str, Any] = {"id": item_id}
            fields = {
                "subject": message.get("subject", ""),
                "toRecipients": message.get("toRecipients", []),
                "ccRecipients": message.get("ccRecipients", []),
                "sentDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(item.at)),
            }
            entry.update({name: fields[name] for name in selected})
            if expand:
                properties = message.get("singleValueExtendedProperties", [])
                entry["singleValueExtendedProperties"] = [prop for prop in properties if prop.get("id") in wanted]
            value.append(entry)
        page: dict[str, Any] = {"value": value}
        if skip + top < len(found):
            rest = {name: values[0] for name, values in query.items()}
            rest["$skip"] = str(skip + top)
            page["@odata.nextLink"] = f"{self.graph.base}{quote(path)}?{urlencode(rest, quote_via=quote)}"
        self._reply(200, page)

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.graph.requests.append(("POST", path))
        body = self._body()
        graph = self.graph
        if path == f"/{graph.tenant}/oauth2/v2.0/token":
            self._token(parse_qs(body.decode()))
        elif path == f"/v1.0/users/{graph.mailbox}/sendMail":
            self._send_mail(body)
        elif path.startswith("/v1.0/users/") and path.endswith("/sendMail"):
            self._error(404, "ErrorInvalidUser", "The requested user is invalid.")
        else:
            self._reply(404, {"error": "not found"})

    def _token(self, form: dict[str, list[str]]) -> None:
        graph = self.graph
        with graph._lock:
            graph.token_requests += 1
            graph.token_scopes.extend(form.get("scope", []))
        field_value = {name: values[0] for name, values in form.items()}
        if field_value.get("grant_type") != "client_credentials":
            self._reply(400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"})
        elif field_value.get("client_id") != graph.client_id:
            description = f"AADSTS700016: Application with identifier '{field_value.get('client_id')}' was not found."
            self._reply(400, {"error": "unauthorized_client", "error_description": description})
        elif field_value.get("client_secret") != graph.client_secret:
            description = (
                f"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
                f"client secret value, not the client secret ID, for a secret added to app '{graph.client_id}'."
            )
            self._reply(401, {"error": "invalid_client", "error_description": description})
        else:
            token = graph._issue_token()
            self._reply(200, {"token_type": "Bearer", "expires_in": graph.token_lifetime, "access_token": token})

    def _send_mail(self, body: bytes) -> None:
        graph = self.graph
        if not graph._authorised(self.headers.get("Authorization", "")):
            self._error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return
        if graph.send_denied:
            self._error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            return
        fault = graph._next_fault()
        kind = fault[0] if fault else None
        if kind in _REFUSALS:
            code, message = _REFUSALS[kind]
            headers = {"Retry-After": str(fault[1])} if len(fault) > 1 and fault[1] is not None else {}
            self._error(int(kind), code, message, headers)
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._error(400, "BadRequest", "Unable to read JSON request payload.")
            return
        message = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(message, dict) or not message.get("toRecipients"):
            self._error(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
            return
        graph._store(payload)
        if kind == "slow":
            time.sleep(fault[1])
        if graph.latency:
            time.sleep(graph.latency)
        self._reply(202)
