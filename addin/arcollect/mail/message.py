"""A reminder as an immutable record, its idempotency key, and its RFC 5322 form.

    >>> key = idempotency_key("C-042", 2, ["INV-9", "INV-1"], "2026-11-24")
    >>> key == idempotency_key("C-042", 2, ["INV-1", "INV-9"], "2026-11-24")
    True
    >>> message_id(key, "acme.example") == f"<{key[:32]}@acme.example>"
    True

A `Reminder` carries everything a transport needs to deliver one email: recipients, subject, both bodies,
attachments and the idempotency key that makes it deliverable exactly once. `Reminder.to_email()` builds the MIME
message the outbox writes and the SMTP transport sends; the EWS and Graph transports read the fields directly but
use the same `message_id` and key header so that a message can be found again whichever way it left.

Header injection: a subject is collapsed onto one line (CR, LF and other control characters become spaces), after
decoding any RFC 2047 encoded words in it (``=?utf-8?b?DQpCY2M6…?=`` would otherwise be decoded by the header
machinery into a line break and a ``Bcc:`` line of its own); an address or display name containing a line break —
literally or inside an encoded word — or a value that is not exactly one valid addr-spec (``local@domain.tld``:
dot-atom local part, no quoting, no IP literal, host-name labels) raises `InputError`. Nothing is ever "repaired"
into something that might reach a different person, and no transport sends a reminder whose address was refused.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.policy
import email.utils
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage

from arcollect.errors import InputError

logger = logging.getLogger(__name__)

KEY_HEADER = "X-Arcollect-Key"
# The idempotency key as a named MAPI property on the Sent Items copy (EWS and Graph alike, so either transport
# finds what the other sent after a switch from EWS to Graph). Chosen once; never change them.
KEY_PROPERTY_SET = "c11ff724-aa03-4555-9952-8fa248a11c3e"
KEY_PROPERTY_NAME = "ReminderIdempotencyKey"
# Beside the key, in the same set: what the ledger records about the reminder (customer, level, template, invoices)
# as compact JSON, so `arcollect ledger rebuild` can read a reminder back from Sent Items (`Reminder.record`).
RECORD_PROPERTY_NAME = "ReminderRecord"
MESSAGE_ID_DOMAIN = "arcollect.invalid"

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_LINE_BREAK = re.compile(r"[\r\n\x85\u2028\u2029]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL_PART = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_UNSTRUCTURED = email.policy.default.header_factory
_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


class _UnfoldedHeader(UnstructuredHeader):
    """A header written on one line: ``X-Arcollect-Key: <64 hex>`` is 81 characters, over the 78 the policy folds
    at but far under RFC 5322's 998, and an unfolded value is matched byte-exact by every header search."""

    def fold(self, *, policy: email.policy.Policy) -> str:  # type: ignore[override]
        return f"{self.name}: {str(self).strip()}{policy.linesep}"


class _SubjectHeader(UnstructuredHeader):
    """A subject whose non-ASCII form is encoded as a whole (legacy `email.header.Header`).

    The modern folder drops the space between an ASCII word and the encoded word that follows it when it folds
    ("Zahlungserinnerung für" arrives as "Zahlungserinnerungfür", CPython 3.11); encoding the whole subject keeps
    every space inside the encoded text, where RFC 2047 decoders preserve it.
    """

    def fold(self, *, policy: email.policy.Policy) -> str:  # type: ignore[override]
        value = str(self)
        if value.isascii():
            return super().fold(policy=policy)
        header = email.header.Header(value, "utf-8", maxlinelen=policy.max_line_length, header_name=self.name)
        return f"{self.name}: {header.encode(linesep=policy.linesep)}{policy.linesep}"


def _policy() -> email.policy.EmailPolicy:
    """`email.policy.SMTP` (CRLF) with 7-bit output — bodies in quoted-printable/base64, non-ASCII headers as
    RFC 2047 encoded words — so the bytes pass any SMTP server and any mail client, and the key header unfolded."""
    registry = HeaderRegistry()
    registry.map_to_type(KEY_HEADER.lower(), _UnfoldedHeader)
    registry.map_to_type("subject", _SubjectHeader)
    return email.policy.SMTP.clone(cte_type="7bit", header_factory=registry)


POLICY = _policy()


def idempotency_key(customer_id: object, level: int, invoice_numbers: Iterable[object], cycle_date: object) -> str:
    """The reminder's identity: sha256 hex of ``[customer_id, level, sorted invoice numbers, cycle date]`` as JSON.

    JSON keeps the encoding unambiguous (no separator can collide with a value), the invoice numbers are sorted so
    their order does not matter, and the cycle date is ISO ``YYYY-MM-DD`` (a `date`, a `datetime` — its date part —
    or an ISO string). The same customer, level, invoices and cycle always give the same key, on any machine.
    """
    if isinstance(cycle_date, dt.datetime):
        cycle = cycle_date.date().isoformat()
    elif isinstance(cycle_date, dt.date):
        cycle = cycle_date.isoformat()
    else:
        try:
            cycle = dt.date.fromisoformat(str(cycle_date)[:10]).isoformat()
        except ValueError as error:
            raise InputError(f"Cycle date {cycle_date!r} is not a date — use YYYY-MM-DD") from error
    invoices = sorted(str(number) for number in invoice_numbers)
    canonical = json.dumps([str(customer_id), int(level), invoices, cycle], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_record(text: object) -> dict[str, object]:
    """`Reminder.record` read back: customer_id, level, template, invoices — {} for a missing or unreadable value."""
    try:
        fields = json.loads(str(text)) if text else {}
    except ValueError:
        return {}
    if not isinstance(fields, dict):
        return {}
    try:
        return {
            "customer_id": str(fields.get("customer_id") or ""),
            "level": int(fields.get("level") or 0),
            "template": str(fields.get("template") or ""),
            "invoices": [str(number) for number in fields.get("invoices") or []],
        }
    except (TypeError, ValueError):
        return {}


def message_id(key: str, domain: str | None = None) -> str:
    """The Message-ID of the reminder with this key: ``<first 32 hex digits of the key@domain>``, `domain` being the
    sender's (SenderMailbox's) domain, as RFC 5322 §3.6.4 asks of the right-hand side and as spam filters expect;
    ``arcollect.invalid`` (RFC 2606) only where there is no usable sender.

    The local part depends on the key alone, not on the clock or a random number: the same reminder written or sent
    again (a retry after an unknown outcome, a rerun after a crash) carries the same Message-ID, so mail readers that
    drop duplicates by Message-ID show it once. Reconciling never goes by the domain: a reminder is found by its key
    (``X-Arcollect-Key``, the key property on Exchange), and the outbox's fallback for a file without that header
    compares the local part only, so changing SenderMailbox between a crash and the next run loses nothing.
    128 bits of the key are ample to keep reminders apart.
    """
    if not _KEY.fullmatch(key or ""):
        raise InputError(f"Idempotency key {key!r} is not usable in a Message-ID — expected a sha256 hex digest")
    host = str(domain or "").strip().lower() or MESSAGE_ID_DOMAIN
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InputError(f"{domain!r} is not a domain name for a Message-ID — expected e.g. acme.example")
    return f"<{message_id_local(key)}@{host}>"


def message_id_local(key: str) -> str:
    """The left-hand side of the key's Message-ID (the same whatever the sender's domain)."""
    return key[:32]


def one_line(text: str) -> str:
    """`text` as a mail reader shows it, on one line: RFC 2047 encoded words decoded (repeatedly, so a word that
    decodes to another one is decoded too) and every run of control characters (CR, LF, TAB …) replaced by one
    space, trimmed. The result reads back as itself when it is put in a header, so no value can start a new one."""
    return _CONTROL.sub(" ", _decoded(_CONTROL.sub(" ", text or ""))).strip()


def _decoded(text: str) -> str:
    """`text` with its encoded words decoded the way the header machinery decodes them, until none is left."""
    current = text
    for _ in range(8):
        if not _ENCODED_WORD.search(current):
            return current
        decoded = str(_UNSTRUCTURED("subject", current))
        if decoded == current:
            return current
        current = decoded
    raise InputError(f"{text[:80]!r} nests encoded words eight levels deep — not a plausible header value")


def parse_address(text: str) -> Address:
    """One mailbox (``a@example.com`` or ``Name <a@example.com>``) as an `Address`, or `InputError`.

    Rejects a value containing CR/LF (also inside an encoded word of the display name), several addresses, and an
    addr-spec that is not ``dot-atom@host.name``: a quoted or non-ASCII local part (not deliverable without
    SMTPUTF8), consecutive or edge dots, an IP literal, a label with a leading or trailing hyphen, a domain
    without a dot. An internationalised domain is IDNA-encoded.
    """
    if _LINE_BREAK.search(text or "") or "\x00" in (text or ""):
        raise InputError(f"E-mail address {text!r} contains a line break — remove it")
    pairs = email.utils.getaddresses([text or ""])
    if len(pairs) != 1:
        raise InputError(f"{text!r} must be exactly one e-mail address")
    name, addr_spec = pairs[0]
    local, at, domain = addr_spec.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in addr_spec):
        raise InputError(f"E-mail address {text!r} is not valid — expected name@example.com")
    if not local.isascii():
        raise InputError(f"E-mail address {text!r} has non-ASCII characters before the @ — not deliverable")
    try:
        domain = domain.encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as error:
        raise InputError(f"E-mail address {text!r} is not valid — expected name@example.com") from error
    labels = domain.lower().split(".")
    if (
        len(local) > 64
        or not _LOCAL_PART.fullmatch(local)
        or len(domain) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InputError(f"E-mail address {text!r} is not valid — expected name@example.com")
    display_name = _decoded(_CONTROL.sub(" ", name))
    if _LINE_BREAK.search(display_name) or _CONTROL.search(display_name):
        raise InputError(f"The name in {text!r} hides a line break in an encoded word — remove it")
    try:
        return Address(display_name=one_line(display_name), username=local, domain=domain)
    except (ValueError, IndexError) as error:
        raise InputError(f"E-mail address {text!r} is not valid — expected name@example.com") from error


@dataclass(frozen=True)
class Attachment:
    """A file attached to a reminder (typically the customer's statement).

    With `content_id` it is an inline part of the HTML body instead (a QR code the HTML shows as
    ``<img src="cid:…">``): a multipart/related part beside the HTML, ``isInline`` for Graph and EWS.
    """

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    content_id: str | None = None


@dataclass(frozen=True)
class Reminder:
    """One reminder email, ready for a transport.

    Sequences are stored as tuples (lists are accepted and converted), so a `Reminder` is hashable and cannot change
    after the ledger has recorded it. `send_at`, when set, must be timezone-aware; it is also the message's Date.
    `variant` names the A/B template variant, if any.
    """

    key: str
    customer_id: str
    level: int
    template: str
    language: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str | None
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = field(default=())
    invoices: tuple[str, ...] = field(default=())
    variant: str | None = None
    send_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        for name in ("to", "cc", "attachments", "invoices"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(value or ()))
        object.__setattr__(self, "invoices", tuple(str(number) for number in self.invoices))
        object.__setattr__(self, "level", int(self.level))
        if self.send_at is not None and self.send_at.utcoffset() is None:
            raise InputError(f"Send time {self.send_at} of reminder {self.key[:12]} has no time zone")

    @property
    def message_id(self) -> str:
        """The deterministic Message-ID in the sender's domain, see `message_id`."""
        try:
            domain: str | None = parse_address(self.sender).domain
        except InputError:  # to_email refuses such a sender anyway; the identity stays usable
            domain = None
        return message_id(self.key, domain)

    def record(self) -> str:
        """What the ledger records about this reminder, as the `RECORD_PROPERTY_NAME` property on Sent Items copies.

        Compact JSON ``{"customer_id", "level", "template", "invoices"}``; `read_record` reads it back.
        """
        fields = {"customer_id": str(self.customer_id), "level": int(self.level), "template": self.template,
                  "invoices": [str(number) for number in self.invoices]}  # fmt: skip
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    def to_email(self, *, date: dt.datetime | None = None) -> EmailMessage:
        """The reminder as a MIME message (`POLICY`: CRLF line ends, 7-bit, RFC 2047 encoded words).

        Structure: multipart/alternative (text first, then HTML, so clients prefer the HTML), wrapped in
        multipart/mixed when there are attachments. Headers: From, To, Cc, Reply-To, Subject, Date (`date`, else
        `send_at`, else now in UTC), Message-ID from the key in the sender's domain, ``X-Arcollect-Key``,
        ``Content-Language``.
        Raises `InputError` for an unusable address or language tag.
        """
        if not self.to:
            raise InputError(f"Reminder {self.key[:12]} for customer {self.customer_id} has no recipient")
        language = one_line(self.language)
        if not _LANGUAGE.match(language):
            raise InputError(f"Language {self.language!r} is not a language tag such as 'en' or 'pt-BR'")
        when = date or self.send_at or dt.datetime.now(dt.UTC)
        if when.utcoffset() is None:
            raise InputError(f"Date {when} of reminder {self.key[:12]} has no time zone")

        message = EmailMessage(policy=POLICY)
        message["From"] = parse_address(self.sender)
        message["To"] = tuple(parse_address(address) for address in self.to)
        if self.cc:
            message["Cc"] = tuple(parse_address(address) for address in self.cc)
        if self.reply_to:
            message["Reply-To"] = parse_address(self.reply_to)
        message["Subject"] = one_line(self.subject)
        message["Date"] = email.utils.format_datetime(when)
        message["Message-ID"] = self.message_id
        message[KEY_HEADER] = self.key
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        inline = [attachment for attachment in self.attachments if attachment.content_id]
        if inline:
            html_part = message.get_payload()[1]
            for attachment in inline:
                maintype, _, subtype = attachment.mime_type.partition("/")
                html_part.add_related(
                    attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                    cid=f"<{one_line(attachment.content_id)}>", filename=one_line(attachment.filename) or "image",
                    disposition="inline",
                )  # fmt: skip
        for attachment in (attachment for attachment in self.attachments if not attachment.content_id):
            maintype, _, subtype = (attachment.mime_type or "application/octet-stream").partition("/")
            message.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=one_line(attachment.filename) or "attachment",
            )
        # After the body: set_content/add_alternative clear every Content-* header of the top-level part.
        message["Content-Language"] = language
        return message
