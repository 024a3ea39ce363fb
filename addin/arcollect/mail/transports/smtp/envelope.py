"""The SMTP envelope of a reminder and the server's replies: MAIL FROM and RCPT TO (To + Cc + Bcc, once each, no
Bcc header left), the DATA bytes as smtplib sends them, which reply codes accept, which refusals name the sender's
rights, and replies as text."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from email.message import EmailMessage

ACCEPTED = (250, 251)
SENDER_REFUSED = re.compile(
    r"5\.7\.(60|57|708|139)\b|send(ing)? as|not (allowed|authori[sz]ed|permitted) to send", re.IGNORECASE
)


def envelope_of(message: EmailMessage, envelope_from: str | None) -> tuple[str, list[str], bytes]:
    """MAIL FROM, RCPT TO (To + Cc + Bcc, each address once) and the message bytes without any Bcc header."""
    recipients: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for value in message.get_all(header, []):
            for address in value.addresses:
                if address.addr_spec.lower() not in {known.lower() for known in recipients}:
                    recipients.append(address.addr_spec)
    del message["Bcc"]
    sender = envelope_from or message["From"].addresses[0].addr_spec
    return sender, recipients, message.as_bytes()


def deferred(refused: dict[str, str], primary: set[str]) -> bool:
    """True when a To recipient was refused with 4xx: the whole message is offered again later."""
    return any(address.lower() in primary and reply.startswith("4") for address, reply in refused.items())


def addr_specs(texts: Sequence[str]) -> list[str]:
    """The addr-specs of header texts ("Name <a@b>" or "a@b"); texts that do not parse are left out."""
    found = []
    for text in texts:
        try:
            found.append(email.utils.parseaddr(text)[1])
        except (TypeError, ValueError):
            continue
    return found


def dot_stuffed(payload: bytes) -> bytes:
    """The DATA body as smtplib's ``data()`` sends it: CRLF line ends, leading dots doubled, then ``.`` CRLF."""
    lines = re.sub(rb"\r\n|\n|\r", b"\r\n", payload)
    stuffed = re.sub(rb"(?m)^\.", b"..", lines)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def reply_text(reply: bytes | str) -> str:
    """A server reply as text (smtplib gives bytes)."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def listing(refused: dict[str, str]) -> str:
    """Refused recipients with their replies, in one line."""
    return "; ".join(f"{address}: {reply}" for address, reply in refused.items())
