"""A real SMTP server on 127.0.0.1 for the tests: aiosmtpd with STARTTLS (or implicit TLS), AUTH and injected faults.

    with SmtpServer(tls="starttls", users={"ar@acme.example": "s3cret"}) as server:
        transport = SmtpTransport(server.host, server.port, username="ar@acme.example", password="s3cret",
                                  verify=ca_bundle())
        transport.send([reminder])
        [received] = server.messages          # parsed MIME, envelope, key header, receive time

Security as in production: ``tls="starttls"`` advertises STARTTLS and refuses MAIL and AUTH before it
(``require_starttls``, ``auth_require_tls``); ``tls="implicit"`` speaks TLS from the first byte (port 465 style);
``tls=None`` is plain text (AUTH then allowed, for the loopback-only ``security="none"``). The certificate comes from
`tests.servers.tls`, so clients verify it against `ca_bundle()`. AUTH offers LOGIN and PLAIN (`users`, minus
`exclude_mechanisms`) and XOAUTH2 (`tokens`: user → bearer token).

Faults, set before or between sends (thread-safe enough for tests: the server's loop only pops and reads):

- ``fail_next``: reply codes for the next end-of-DATA replies (451 → ``451 4.3.0``, 550 → ``550 5.7.1`` …); a
  refused message is not stored.
- ``fail_next_rcpt``: reply codes for the next RCPT commands.
- ``fail_ratio``: that share of messages gets a 451 at end of DATA, drawn from ``random.Random(seed)``.
- ``refuse``: recipient addresses answered ``550 5.1.1`` at RCPT.
- ``defer``: address → how many more times RCPT answers it ``451 4.2.0`` (a mailbox that is busy for a while).
- ``refuse_senders``: MAIL FROM addresses answered ``553 5.7.1`` (the server does not let this client send as them).
- ``latency``: seconds to wait before the final reply to DATA (a slow server, to widen race windows).
- ``drop_next_mail``: that many next MAIL commands get the connection closed without a reply (a server that drops
  an idle connection between messages).
- ``hang_after_data``: seconds to wait after storing a message before the final 250 — past the client's timeout, so
  the client cannot know that the message was accepted.

``connections`` counts client connections that said EHLO (the controller's own start-up probe never does);
``logins`` lists ``(mechanism, user)`` per successful AUTH.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email
import email.policy
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.tls import server_context

KEY_HEADER = "X-Arcollect-Key"
_REPLIES = {
    421: "421 4.3.2 Service not available, closing transmission channel (injected)",
    432: "432 4.3.2 Message rate limit exceeded, try again later (injected)",
    451: "451 4.3.0 Temporary server error, try again later (injected)",
    452: "452 4.3.1 Insufficient system storage (injected)",
    550: "550 5.7.1 Message rejected by policy (injected)",
    552: "552 5.3.4 Message size exceeds fixed limit (injected)",
    554: "554 5.6.0 Transaction failed (injected)",
}


@dataclass(frozen=True)
class Received:
    """One message the server accepted (stored before the final reply is sent)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    key: str | None
    received_at: float
    login: str | None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (also used as an 'unreachable' port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _text(value: object) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None if value is None else str(value)


def _reply(code: int) -> str:
    return _REPLIES.get(code, f"{code} {code // 100}.0.0 Injected failure")


class _Handler:
    """aiosmtpd hooks. Every attribute named ``auth_*`` becomes an AUTH mechanism, so only `auth_XOAUTH2` is one."""

    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_EHLO(self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]):
        session.host_name = hostname  # a 5-argument EHLO hook must do what aiosmtpd would otherwise do itself
        self._server._peers.add(session.peer)
        return responses

    async def handle_MAIL(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]):
        if self._server.drop_next_mail > 0:
            self._server.drop_next_mail -= 1
            smtp.transport.close()
        if address.lower() in {sender.lower() for sender in self._server.refuse_senders}:
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]):
        server = self._server
        if server.fail_next_rcpt:
            return _reply(server.fail_next_rcpt.pop(0))
        if address.lower() in {refused.lower() for refused in server.refuse}:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if server.defer.get(address.lower(), 0) > 0:
            server.defer[address.lower()] -= 1
            return f"451 4.2.0 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        server = self._server
        if server.fail_next:
            return _reply(server.fail_next.pop(0))
        if server.fail_ratio and server._random.random() < server.fail_ratio:
            return _reply(451)
        raw = bytes(envelope.original_content or b"")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        key = message.get(KEY_HEADER)
        with server._lock:
            server.messages.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    raw=raw,
                    message=message,  # type: ignore[arg-type]
                    key=None if key is None else str(key).strip(),
                    received_at=time.time(),
                    login=_text(getattr(session, "login_data", None)),
                )
            )
        if server.hang_after_data:
            await asyncio.sleep(server.hang_after_data)
        if server.latency:
            await asyncio.sleep(server.latency)
        return "250 2.0.0 OK: queued"

    async def auth_XOAUTH2(self, smtp: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: ``base64("user=<user>\\x01auth=Bearer <token>\\x01\\x01")``, as an initial response or
        after an empty challenge."""
        if len(args) > 1:
            try:
                blob: Any = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False, message="501 5.5.2 Can't decode base64")
        else:
            blob = await smtp.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode("utf-8", "replace").split("\x01") if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        expected = self._server.tokens.get(user)
        if expected is None or bearer != f"Bearer {expected}":
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        self._server.logins.append(("XOAUTH2", user))
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))


class SmtpServer:
    """Context manager running aiosmtpd in a thread on 127.0.0.1; see the module docstring."""

    host = "127.0.0.1"

    def __init__(
        self,
        tls: Literal["starttls", "implicit"] | None = "starttls",
        *,
        users: dict[str, str] | None = None,
        tokens: dict[str, str] | None = None,
        exclude_mechanisms: tuple[str, ...] = (),
        fail_ratio: float = 0.0,
        seed: int = 0,
        port: int | None = None,
    ) -> None:
        self.tls = tls
        self.users = dict(users or {})
        self.tokens = dict(tokens or {})
        self.exclude_mechanisms = exclude_mechanisms
        self.port = port or free_port()
        self.messages: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self.fail_next: list[int] = []
        self.fail_next_rcpt: list[int] = []
        self.fail_ratio = fail_ratio
        self.refuse: set[str] = set()
        self.refuse_senders: set[str] = set()
        self.defer: dict[str, int] = {}
        self.latency = 0.0
        self.hang_after_data = 0.0
        self.drop_next_mail = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._peers: set[Any] = set()
        self._controller: Controller | None = None

    @property
    def connections(self) -> int:
        """Client connections that said EHLO (STARTTLS and its second EHLO do not count twice)."""
        return len(self._peers)

    def keys(self) -> Counter[str | None]:
        """How many times each idempotency key arrived."""
        with self._lock:
            return Counter(message.key for message in self.messages)

    def _authenticate(self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        """LOGIN and PLAIN: `data` is a `LoginPassword`; XOAUTH2 is checked by the handler itself."""
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode("utf-8", "replace"), data.password.decode("utf-8", "replace")
        if user not in self.users or self.users[user] != password:
            return AuthResult(success=False, handled=False)
        self.logins.append((mechanism, user))
        return AuthResult(success=True, auth_data=data)

    def __enter__(self) -> SmtpServer:
        options: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_exclude_mechanism": list(self.exclude_mechanisms),
            # aiosmtpd only knows STARTTLS as "TLS": on an implicit-TLS port it would hide AUTH altogether.
            "auth_require_tls": self.tls == "starttls",
        }
        if self.tls == "starttls":
            options.update(tls_context=server_context(), require_starttls=True)
        elif self.tls == "implicit":
            options.update(ssl_context=server_context())
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
