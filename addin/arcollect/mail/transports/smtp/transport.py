"""`SmtpTransport`: reminders handed to an SMTP server one MAIL/RCPT/DATA transaction at a time, exactly once.

What the server says decides each reminder's `SendResult` — the exactly-once contract of
`arcollect.mail.transports` rests on telling the phases of the SMTP dialogue apart, which is why the message is
sent with the low-level ``MAIL``/``RCPT``/``DATA`` calls rather than ``send_message``:

- A 4xx reply (451, 452, 421, 432 rate limit …) at connect, MAIL, RCPT (every recipient) or end of DATA means
  "not taken, try later": the message is sent again after ``backoff × 2**attempt`` seconds, at most `retries` more
  times, then reported ``failed`` with the last reply (whether to retry in a later run is the ledger's business).
- A 5xx reply to MAIL FROM (the sender address refused, e.g. ``553 5.7.1 not allowed to send as``) or a refusal
  at the end of DATA that names the sender's rights (``5.7.60`` "send as", ``5.7.57``, ``5.7.708``) is the set-up's
  problem, not the reminder's: every other reminder would be refused the same way. `send` stops at once with
  `SmtpBatchError` carrying the server's reply — one sentence for the whole run — and the reminder in flight is
  reported ``failed`` *retryable*, so a run after the setting is fixed sends it the same day.
- Any other 5xx reply is ``failed`` for good with the server's reply: the recipient's side refused this message.
  Recipients are judged one by one: if the server refuses every recipient the reminder is ``failed``; if it accepts
  some (the others refused with 4xx or 5xx), the message is delivered to those and the reminder is ``sent``, its
  ``error`` naming the refused addresses and replies, which the ledger keeps on the reminder and ReminderLog shows
  (sending it again would duplicate it for the others). A recipient refused with 4xx (451/452: try later) is asked
  again, within the same transaction, after ``backoff`` seconds — up to `retries` times — before that verdict.
- The connection dropped or timed out *before* the message body was transmitted (at MAIL, RCPT or the DATA command
  itself): the server holds nothing, so the transport reconnects — once per reminder — and sends it again.
- The connection dropped or timed out *after* the body was transmitted and before the final reply: the server may
  well have queued the message. The reminder is ``unknown``; the batch goes on over a new connection. SMTP cannot
  look up what was sent, so `find_sent` always answers None and `arcollect.mail.ledger.reconcile` leaves such a
  reminder ``unknown`` for a person to settle (``arcollect ledger resolve``) — it is never resent automatically.

When the server becomes unusable mid-batch (unreachable, login refused, drops the line again right after a
reconnect) `send` raises `SmtpBatchError`, a `TransportError` whose ``results`` hold the outcome of every reminder
handled so far; the reminders after those were certainly not handed over.

The connection (TLS, sign-in) is set up in `connection`; the envelope and the replies are read in `envelope`.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Iterable, Sequence

from arcollect.errors import TransportError
from arcollect.mail.message import Reminder
from arcollect.mail.transports import SendResult
from arcollect.mail.transports.smtp.connection import SECURITIES, Connection, Security, Transient, is_loopback
from arcollect.mail.transports.smtp.envelope import (
    ACCEPTED,
    SENDER_REFUSED,
    addr_specs,
    deferred,
    dot_stuffed,
    envelope_of,
    listing,
    reply_text,
)

logger = logging.getLogger(__name__)


class SmtpBatchError(TransportError):
    """The server became unusable part-way through a batch; `results` are the reminders handled until then.

    ``sent`` and ``unknown`` results among them are real outcomes the caller must record; the reminders after the
    last result were not handed over to the server at all.
    """

    def __init__(self, message: str, results: Sequence[SendResult]) -> None:
        super().__init__(message)
        self.results = list(results)


class _SenderRefused(Exception):
    """The server refuses the sender itself: no reminder can go until the set-up is fixed."""


class _Dropped(Exception):
    """The connection was lost before the message body was transmitted: the server holds nothing."""


class SmtpTransport(Connection):
    """Sends reminders through one SMTP server; see the module docstring for security, retries and outcomes.

    `sleep` is called for every back-off (tests pass a recorder); `envelope_from` is the MAIL FROM address when it
    must differ from the message's From (Exchange requires the signed-in mailbox or one it may send as).
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        security: Security = "starttls",
        username: str = "",
        password: str = "",
        token_provider: Callable[[], str] | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 2.0,
        sleep: Callable[[float], object] = time.sleep,
        envelope_from: str | None = None,
        sender: str = "",
    ) -> None:
        if security not in SECURITIES:
            raise TransportError(f"SmtpSecurity {security!r} is not one of starttls, tls, none — use starttls.")
        if security == "none" and not is_loopback(host):
            raise TransportError(
                f"SmtpSecurity 'none' is only allowed for a mail server on this machine, not {host}: the password "
                "and the reminders would cross the network unencrypted — use starttls (port 587) or tls (port 465)."
            )
        self.host = host
        self.port = int(port)
        self.security: Security = security
        self.username = username
        self._password = password
        self._token_provider = token_provider
        self.verify = verify
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self._sleep = sleep
        self.envelope_from = envelope_from
        self.sender = sender
        self._token: str | None = None
        self._client: smtplib.SMTP | None = None
        if verify is False and security != "none":
            logger.warning("TLS certificate verification is OFF for %s (VerifyTls = false)", self._where)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port}, security={self.security!r}, username={self.username!r})"

    # -- sending -----------------------------------------------------------------------------------------------------

    def send(
        self, reminders: Iterable[Reminder], *, on_result: Callable[[SendResult], None] | None = None
    ) -> list[SendResult]:
        """Send each reminder over one connection; one result per reminder, same order (see the module docstring).

        Reminders are taken from `reminders` one at a time, each only when the previous one has its answer, and
        each result goes to `on_result` the moment the server has answered. Raises `SmtpBatchError` (with the
        results so far) when the server cannot be used at all or refuses the sender.
        """
        results: list[SendResult] = []
        try:
            for reminder in reminders:
                try:
                    result = self._send_one(reminder)
                except _SenderRefused as refusal:
                    results.append(SendResult(reminder.key, "failed", None, str(refusal), retryable=True))
                    raise TransportError(str(refusal)) from None
                results.append(result)
                if on_result is not None:
                    on_result(result)
        except TransportError as error:
            self._close()
            logger.warning("SMTP batch stopped after %d reminders: %s", len(results), error)
            raise SmtpBatchError(str(error), results) from error
        finally:
            self._quit()
        counts = {status: sum(result.status == status for result in results) for status in ("sent", "failed")}
        logger.info(
            "SMTP %s: %d sent, %d failed, %d unknown of %d reminders",
            self._where, counts["sent"], counts["failed"], len(results) - sum(counts.values()), len(results),
        )  # fmt: skip
        return results

    def _send_one(self, reminder: Reminder) -> SendResult:
        """One reminder with its retries: 4xx → back-off and again; a drop before the body → reconnect once."""
        try:
            sender, recipients, payload = envelope_of(reminder.to_email(), self.envelope_from)
        except (ValueError, LookupError) as error:  # InputError (a bad address) is a ValueError
            logger.warning("Reminder %s not sent: %s", reminder.key[:12], error)
            return SendResult(reminder.key, "failed", None, str(error))
        attempt = 0
        reconnected = False
        while True:
            try:
                return self._transaction(reminder, sender, recipients, payload)
            except _Dropped as drop:
                self._close()
                if reconnected:
                    raise TransportError(
                        f"The SMTP server {self._where} closed the connection again right after reconnecting ({drop})"
                        " — try again later."
                    ) from None
                reconnected = True
                logger.info("Connection lost before reminder %s was sent (%s); reconnecting", reminder.key[:12], drop)
            except Transient as refusal:
                if attempt >= self.retries:
                    logger.warning(
                        "Reminder %s temporarily refused %d times: %s", reminder.key[:12], attempt + 1, refusal
                    )
                    return SendResult(
                        reminder.key, "failed", None,
                        f"The SMTP server temporarily refused the message {attempt + 1} times; last reply: {refusal}",
                        retryable=True,
                    )  # fmt: skip
                delay = self.backoff * 2**attempt
                logger.info(
                    "Reminder %s temporarily refused (%s); retrying in %.1f s", reminder.key[:12], refusal, delay
                )
                self._sleep(delay)
                attempt += 1

    def _transaction(self, reminder: Reminder, sender: str, recipients: list[str], payload: bytes) -> SendResult:
        """MAIL, RCPT per recipient, DATA — keeping track of whether the body has been transmitted yet."""
        client = self._connection()
        refused: dict[str, str] = {}
        try:
            code, reply = client.mail(sender)
            if 500 <= code < 600:
                self._reset(client)
                raise _SenderRefused(
                    f"The SMTP server {self._where} refused the sender {sender} ({code} {reply_text(reply)}) — check "
                    "SenderMailbox (and that SmtpUser may send as it); nothing more is sent until that is fixed"
                )
            if code not in ACCEPTED:
                return self._refused(client, reminder, "MAIL FROM", code, reply)
            primary = {address.lower() for address in addr_specs(reminder.to)}
            for recipient in recipients:
                code, reply = client.rcpt(recipient)
                # A copy recipient (Cc) deferred with 4xx is asked again here; a deferred To retries the message.
                again = 400 <= code < 500 and recipient.lower() not in primary and not deferred(refused, primary)
                for attempt in range(self.retries if again else 0):
                    self._sleep(self.backoff * 2**attempt)
                    code, reply = client.rcpt(recipient)
                    if code in ACCEPTED:
                        break
                if code not in ACCEPTED:
                    refused[recipient] = f"{code} {reply_text(reply)}"
            if len(refused) == len(recipients) or deferred(refused, primary):
                self._reset(client)
                if any(text.startswith("4") for text in refused.values()):
                    raise Transient(listing(refused))
                return SendResult(
                    reminder.key, "failed", None, f"The SMTP server refused every recipient: {listing(refused)}"
                )
            code, reply = client.docmd("DATA")
            if code != 354:
                return self._refused(client, reminder, "DATA", code, reply)
        except OSError as error:  # smtplib's SMTPServerDisconnected, timeouts, resets: all before the body
            raise _Dropped(str(error) or type(error).__name__) from error

        # From here on the server may hold the whole message; only its final reply says whether it took it.
        try:
            client.send(dot_stuffed(payload))
            code, reply = client.getreply()
            if code < 0:  # smtplib's "no parsable reply": nothing we can trust either way
                raise smtplib.SMTPServerDisconnected(f"unreadable reply {reply_text(reply)!r}")
        except OSError as error:
            self._close()
            logger.warning("Reminder %s: connection lost before the server confirmed it (%s)", reminder.key[:12], error)
            return SendResult(
                reminder.key, "unknown", reminder.message_id,
                f"The connection to the SMTP server {self._where} was lost after the message was transmitted and "
                f"before the server confirmed it ({error}); it may have been delivered, so it is not sent again "
                "automatically — settle it with `arcollect ledger resolve`.",
            )  # fmt: skip
        if code in ACCEPTED:
            if refused:
                accepted = [recipient for recipient in recipients if recipient not in refused]
                note = f"Delivered to {', '.join(accepted)} only; refused: {listing(refused)}"
                logger.warning("Reminder %s: %s", reminder.key[:12], note)
                return SendResult(reminder.key, "sent", reminder.message_id, note)
            logger.debug("Reminder %s accepted by %s", reminder.key[:12], self._where)
            return SendResult(reminder.key, "sent", reminder.message_id)
        return self._refused(client, reminder, "the end of DATA", code, reply)

    def _refused(self, client: smtplib.SMTP, reminder: Reminder, stage: str, code: int, reply: bytes) -> SendResult:
        """A definite refusal: raise `Transient` for 4xx, else the ``failed`` result; the transaction is reset."""
        text = f"{code} {reply_text(reply)}"
        if code < 0:  # smtplib's "no parsable reply" before the body: treat as a lost connection
            self._close()
            raise _Dropped(text)
        if code == 421:  # the server is closing the connection
            self._close()
        else:
            self._reset(client)
        if 400 <= code < 500:
            raise Transient(text)
        if stage != "RCPT" and SENDER_REFUSED.search(text):
            raise _SenderRefused(
                f"The SMTP server {self._where} refused to send as the sender ({text}) — check SenderMailbox and "
                "that SmtpUser may send as it; nothing more is sent until that is fixed"
            )
        logger.warning("Reminder %s refused at %s: %s", reminder.key[:12], stage, text)
        return SendResult(reminder.key, "failed", None, f"The SMTP server refused the message at {stage}: {text}")

    def _reset(self, client: smtplib.SMTP) -> None:
        try:
            client.rset()
        except OSError:
            self._close()

    # -- the rest of the contract ------------------------------------------------------------------------------------

    def find_sent(self, key: str) -> None:
        """Always None: SMTP has no way to ask what was sent, so in-doubt reminders stay ``unknown`` for a person."""
        return None

    def check(self) -> str:
        """Connect, EHLO, STARTTLS, AUTH, then ``MAIL FROM`` the sender and ``RSET``, QUIT: "OK …" or one sentence
        on what is wrong. Sends nothing — but a server that will refuse the sender says so here, not at the first
        of 240 reminders."""
        try:
            client = self._open()
        except TransportError as error:
            return str(error)
        except Transient as refusal:
            return f"The SMTP server {self._where} is turning connections away for now ({refusal}) — try again later."
        sender = self.envelope_from or self.sender or (self.username if "@" in self.username else "")
        verdict = ""
        try:
            if sender:
                code, reply = client.mail(sender)
                if 500 <= code < 600:
                    verdict = (
                        f"The SMTP server {self._where} refuses the sender {sender} ({code} {reply_text(reply)}) — "
                        "check SenderMailbox and that SmtpUser may send as it."
                    )
                elif code not in ACCEPTED:
                    verdict = (
                        f"The SMTP server {self._where} deferred the sender {sender} ({code} {reply_text(reply)})."
                    )
                client.rset()
            client.quit()
        except OSError:
            client.close()
        if verdict:
            return verdict
        channel = {"starttls": "STARTTLS", "tls": "TLS", "none": "no encryption"}[self.security]
        accepted = f"; the server accepts {sender} as the sender" if sender else ""
        if self._token_provider is not None:
            return f"OK: signed in to {self._where} as {self._user} ({channel}, XOAUTH2){accepted}."
        if self.username:
            return f"OK: signed in to {self._where} as {self.username} ({channel}, password){accepted}."
        return f"OK: connected to {self._where} ({channel}, no sign-in){accepted}."
