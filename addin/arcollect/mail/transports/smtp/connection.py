"""Opening the SMTP connection: TCP, EHLO, STARTTLS or implicit TLS, then AUTH — and a failed set-up in one plain
sentence (4xx replies become `Transient`: try again later).

Security: ``starttls`` (port 587) upgrades before AUTH and fails with a plain sentence if the server does not offer
STARTTLS; ``tls`` (port 465) speaks TLS from the start; ``none`` is allowed only for a server on this machine,
because the password and the reminders would otherwise cross the network in clear. Certificates are verified
against the system CAs (``verify=True``) or a company CA bundle (``verify="path.pem"``); ``verify=False`` turns
verification off and is logged as a warning every time a transport is built. AUTH: XOAUTH2 with the bearer token
from `token_provider` when one is given (Exchange Online), else LOGIN/PLAIN with `username` and `password`. The
password and the token are never logged and never appear in an error message.
"""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
from collections.abc import Callable
from typing import Literal

from arcollect.errors import TransportError
from arcollect.mail.transports.smtp.envelope import reply_text

logger = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "tls", "none")

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Transient(Exception):
    """A 4xx reply: nothing was taken, the same message may be offered again later."""


class Connection:
    """The transport's connection (`_connection`, `_open`, `_quit`, `_close`), TLS context, sign-in and the
    sentences for a failed set-up; `_scrub` keeps the password and the token out of any text shown."""

    host: str
    port: int
    security: Security
    username: str
    verify: bool | str
    timeout: float
    envelope_from: str | None
    _password: str
    _token_provider: Callable[[], str] | None
    _token: str | None
    _client: smtplib.SMTP | None

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _connection(self) -> smtplib.SMTP:
        if self._client is None:
            self._client = self._open()
        return self._client

    def _open(self) -> smtplib.SMTP:
        """Connect, EHLO, STARTTLS + EHLO (starttls), AUTH. `TransportError` with a plain sentence, or `Transient`."""
        where = self._where
        client: smtplib.SMTP | None = None
        try:
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            ehlo(client)
            if self.security == "starttls":
                if not client.has_extn("starttls"):
                    raise TransportError(
                        f"The SMTP server {where} does not offer STARTTLS — set SmtpSecurity to tls (usually port "
                        "465) or ask the mail administrator to enable STARTTLS."
                    )
                client.starttls(context=self._tls_context())
                ehlo(client)
            self._sign_in(client)
        except Exception as error:
            if client is not None:
                client.close()
            raise self._explain(error) from error
        logger.debug("Connected to SMTP server %s (%s)", where, self.security)
        return client

    def _explain(self, error: Exception) -> Exception:
        """The sentence for a failed connection set-up; 4xx replies become `Transient`."""
        where = self._where
        if isinstance(error, TransportError | Transient):
            return error
        if isinstance(error, ssl.SSLCertVerificationError):
            return TransportError(
                f"The TLS certificate of the SMTP server {where} is not trusted ({error.verify_message}) — if the "
                "company uses its own certificate authority, set VerifyTls to the path of its CA bundle."
            )
        if isinstance(error, ssl.SSLError):
            return TransportError(
                f"The TLS handshake with the SMTP server {where} failed ({error.reason or error}) — check SmtpSecurity "
                "and SmtpPort (starttls is usually port 587, tls port 465)."
            )
        if isinstance(error, smtplib.SMTPAuthenticationError):
            reply = self._scrub(f"{error.smtp_code} {reply_text(error.smtp_error)}")
            if self._token_provider is not None:
                return TransportError(
                    f"The SMTP server {where} refused the OAuth sign-in (XOAUTH2) for {self._user!r} ({reply}) — "
                    "check that the app has the SMTP.SendAsApp permission and that SMTP AUTH is on for the mailbox."
                )
            hint = (
                " The server no longer accepts passwords: use OAuth (XOAUTH2)."
                if "5.7.30" in reply or "basic authentication" in reply.lower()
                else ""
            )
            return TransportError(
                f"The SMTP server {where} refused the login for {self.username!r} ({reply}) — check SmtpUser and the "
                f"password in ARCOLLECT_SMTP_PASSWORD.{hint}"
            )
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return TransportError(
                f"The SMTP server {where} does not offer sign-in (AUTH) on this connection — check SmtpSecurity, or "
                "clear SmtpUser if the server accepts mail without a login."
            )
        if isinstance(error, smtplib.SMTPResponseException):
            reply = self._scrub(f"{error.smtp_code} {reply_text(error.smtp_error)}")
            if 400 <= error.smtp_code < 500:
                return Transient(reply)
            return TransportError(f"The SMTP server {where} refused the connection ({reply}).")
        if isinstance(error, smtplib.SMTPServerDisconnected):
            return TransportError(
                f"The SMTP server {where} closed the connection during set-up ({error}) — check SmtpSecurity and "
                "SmtpPort (starttls is usually port 587, tls port 465)."
            )
        if isinstance(error, OSError):
            reason = error.strerror or str(error) or type(error).__name__
            return TransportError(
                f"The SMTP server {where} is unreachable ({reason}) — check SmtpHost and SmtpPort and the network."
            )
        return error

    def _tls_context(self) -> ssl.SSLContext:
        """Verifying context: system CAs, or the bundle at `verify`; no verification only for ``verify=False``."""
        if self.verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.verify is True:
            return ssl.create_default_context()
        try:
            return ssl.create_default_context(cafile=str(self.verify))
        except (OSError, ssl.SSLError) as error:
            raise TransportError(
                f"The CA bundle {self.verify} in VerifyTls cannot be read ({error}) — give the path of a PEM file."
            ) from error

    @property
    def _user(self) -> str:
        return self.username or self.envelope_from or ""

    def _sign_in(self, client: smtplib.SMTP) -> None:
        """XOAUTH2 when a token provider is set, else LOGIN/PLAIN when a user is set, else no AUTH at all."""
        if self._token_provider is not None:
            if "XOAUTH2" not in client.esmtp_features.get("auth", "").upper().split():
                raise TransportError(
                    f"The SMTP server {self._where} does not offer OAuth sign-in (XOAUTH2) — use a password instead."
                )
            try:
                self._token = self._token_provider()
            except TransportError:
                raise
            except Exception as error:
                raise TransportError(f"No OAuth token for the SMTP sign-in could be obtained: {error}") from error
            response = f"user={self._user}\x01auth=Bearer {self._token}\x01\x01"
            # An error challenge (334 + JSON) must be answered with an empty line; the server then replies 535.
            client.auth("XOAUTH2", lambda challenge=None: response if challenge is None else "")
        elif self.username:
            client.login(self.username, self._password)

    def _scrub(self, text: str) -> str:
        """`text` with the password and the token blanked out, in case a server echoes them."""
        for secret in (self._password, self._token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _quit(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except OSError:
            client.close()

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (no DNS lookup: a name that merely resolves there does not count)."""
    name = host.strip().strip("[]").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def ehlo(client: smtplib.SMTP) -> None:
    """EHLO; any answer but 250 raises as the reply it is."""
    code, reply = client.ehlo()
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
