"""A small local Exchange Web Services endpoint that answers the SOAP subset exchangelib sends for reminders.

    with EwsServer(tls=True, users={"svc": "pw"}) as ews:
        transport = EwsTransport(ews.url, mailbox=ews.mailbox, auth="basic", username="svc", password="pw",
                                 verify=ca_bundle())
        transport.send([reminder])
        assert ews.requests == ["GetFolder", "GetFolder", "CreateItem"]
        assert ews.received[0].key == reminder.key

Operations: GetFolder (root, sentitems, drafts …), CreateItem (SendAndSaveCopy / SendOnly / SaveOnly, any batch size),
SendItem and DeleteItem of saved drafts, FindItem with an ``IsEqualTo`` or ``Exists`` restriction on an
``ExtendedFieldURI`` (``And``/``Or`` of those too; paged by IndexedPageItemView Offset/MaxEntriesReturned, in the
order the items were sent), GetItem of stored items (Subject, DateTimeSent, extended properties, To/Cc). Every
response carries the ``ServerVersionInfo`` header of Exchange 2016 CU (15.1.2507.6). Every message sent is parsed into
a `Received` record (subject, body and its type, recipients, attachments decoded, extended properties) with the time
the server took it; SendAndSaveCopy items are also kept in Sent Items for FindItem/GetItem. A SaveOnly item is a draft
(`drafts`) until SendItem sends it or DeleteItem removes it.

Mailboxes: a request is for the mailbox its DistinguishedFolderId names (``<t:Mailbox>``, delegate access), else the
impersonated one, else `mailbox`; folder and item ids carry their mailbox, so later requests are judged by it. As
Exchange does, the mailbox's permissions are checked before the message: a mailbox in ``access_denied`` answers every
operation with ErrorAccessDenied (the account may not open it), one in ``send_denied`` answers each send — CreateItem
with a send disposition, SendItem — with ErrorSendAsDenied (it may open it but not send as it); only then is a message
without any recipient refused with ErrorInvalidRecipients (nothing is sent).

Authentication: ``users`` ({name: password}) checks HTTP Basic; ``bearer`` checks ``Authorization: Bearer <token>``
against a set of tokens or a callable (``bearer=graph.token_valid`` accepts what the local identity server issued).
Either refusal is a 401 before the operation runs. Every request, refused or not, is kept in `calls` with its
Authorization and X-AnchorMailbox headers, the names of its SOAP headers and the impersonated PrimarySmtpAddress.

Faults, for the tests that need them:

- ``fail_next``: consumed one per request, in order — ``("ErrorServerBusy", back_off_ms)`` (SOAP fault, HTTP 500),
  ``("HTTP503", retry_after_s)``, ``("slow", seconds)`` (the request is processed and stored, then the answer is
  delayed past the client's timeout), ``("401",)``, ``("EwsDisabled",)`` (HTTP 403, empty body — what Exchange Online
  answers since EWS was blocked), ``("ResponseError", "ErrorAccessDenied")`` (the operation's response message fails
  with that code);
- ``fail_ratio``: that share of requests (seeded, reproducible) gets ``ErrorServerBusy`` with ``busy_back_off_ms``;
- ``quota_after=k``: once k messages were sent, each further message fails with ErrorSubmissionQuotaExceeded;
- ``recipient_not_found``: addresses that make a message fail with ErrorMailRecipientNotFound (nothing is sent);
- ``latency``: seconds added to every request (benchmarks).
"""

from __future__ import annotations

import base64
import random
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from tests.servers.tls import server_context

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
KEY_PROPERTY = "ReminderIdempotencyKey"
_ENVELOPE = (
    f'<s:Envelope xmlns:s="{S}" xmlns:m="{M}" xmlns:t="{T}"><s:Header>'
    '<t:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
    'Version="V2017_07_11"/></s:Header><s:Body>{body}</s:Body></s:Envelope>'
)


def _t(name: str) -> str:
    return f"{{{T}}}{name}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass
class Received:
    """One message as the server parsed it from CreateItem."""

    subject: str
    body: str
    body_type: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    reply_to: list[str]
    attachments: list[tuple[str, str, bytes]]  # (name, content type, content)
    extended: list[dict[str, str]]  # ExtendedFieldURI attributes plus "Value"
    disposition: str
    received_at: float
    element: Any = field(repr=False, default=None)

    @property
    def key(self) -> str | None:
        """The value of the idempotency-key extended property (any property set), if present."""
        return next((prop["Value"] for prop in self.extended if prop.get("PropertyName") == KEY_PROPERTY), None)

    def header(self, name: str) -> str | None:
        """The value of an internet header set through the InternetHeaders property set."""
        for prop in self.extended:
            if prop.get("DistinguishedPropertySetId") == "InternetHeaders" and prop.get("PropertyName") == name:
                return prop["Value"]
        return None


@dataclass(frozen=True)
class Call:
    """One HTTP request as it arrived: what a test checks about authentication and impersonation."""

    operation: str
    authorization: str | None  # the Authorization header
    anchor_mailbox: str | None  # the X-AnchorMailbox header
    soap_headers: tuple[str, ...]  # local names of the children of soap:Header, in order
    impersonated: str | None  # ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress

    @property
    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer …`` header, else None."""
        scheme, _, token = (self.authorization or "").partition(" ")
        return token if scheme.lower() == "bearer" else None


def _call(envelope: Any, operation: Any, headers: Any) -> Call:
    header = envelope.find(f"{{{S}}}Header")
    children = list(header) if header is not None else []
    return Call(
        operation=etree.QName(operation).localname,
        authorization=headers.get("Authorization"),
        anchor_mailbox=headers.get("X-AnchorMailbox"),
        soap_headers=tuple(etree.QName(child).localname for child in children),
        impersonated=envelope.findtext(
            f"{{{S}}}Header/{_t('ExchangeImpersonation')}/{_t('ConnectingSID')}/{_t('PrimarySmtpAddress')}"
        ),
    )


def _addresses(message: Any, container: str) -> list[str]:
    return [node.text or "" for node in message.iterfind(f"{_t(container)}/{_t('Mailbox')}/{_t('EmailAddress')}")]


def _parse(message: Any, disposition: str) -> Received:
    body = message.find(_t("Body"))
    attachments = [
        (
            node.findtext(_t("Name")) or "",
            node.findtext(_t("ContentType")) or "",
            base64.b64decode(node.findtext(_t("Content")) or ""),
        )
        for node in message.iterfind(f"{_t('Attachments')}/{_t('FileAttachment')}")
    ]
    extended = [
        {**dict(node.find(_t("ExtendedFieldURI")).attrib), "Value": node.findtext(_t("Value")) or ""}
        for node in message.iterfind(_t("ExtendedProperty"))
    ]
    return Received(
        subject=message.findtext(_t("Subject")) or "",
        body=(body.text or "") if body is not None else "",
        body_type=body.get("BodyType", "") if body is not None else "",
        to=_addresses(message, "ToRecipients"),
        cc=_addresses(message, "CcRecipients"),
        bcc=_addresses(message, "BccRecipients"),
        reply_to=_addresses(message, "ReplyTo"),
        attachments=attachments,
        extended=extended,
        disposition=disposition,
        received_at=time.time(),
        element=message,
    )


class EwsServer:
    """The endpoint, served from a thread on 127.0.0.1 (HTTP, or HTTPS with the test CA when `tls`)."""

    def __init__(
        self,
        *,
        tls: bool = False,
        users: dict[str, str] | None = None,
        bearer: Callable[[str], bool] | Collection[str] | None = None,
        mailbox: str = "ar@acme.example",
        latency: float = 0.0,
        fail_ratio: float = 0.0,
        busy_back_off_ms: int = 20,
        seed: int = 1,
        quota_after: int | None = None,
        recipient_not_found: set[str] | frozenset[str] = frozenset(),
        send_denied: Collection[str] = (),
        access_denied: Collection[str] = (),
    ) -> None:
        self.tls, self.users, self.bearer, self.mailbox, self.latency = tls, users, bearer, mailbox, latency
        self.fail_ratio, self.busy_back_off_ms, self.quota_after = fail_ratio, busy_back_off_ms, quota_after
        self.recipient_not_found = {address.lower() for address in recipient_not_found}
        self.send_denied = {address.lower() for address in send_denied}
        self.access_denied = {address.lower() for address in access_denied}
        self.drafts: dict[str, tuple[str, Received]] = {}  # item id → (mailbox, the saved message)
        self._next_id = 0
        self._request = threading.local()  # the impersonated mailbox of the request this thread answers
        self.fail_next: list[tuple[Any, ...]] = []
        self.requests: list[str] = []  # operations that passed authentication
        self.calls: list[Call] = []  # every request, refused ones too
        self.received: list[Received] = []
        self.sent_items: dict[str, Received] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "EwsServer is not running"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}/EWS/Exchange.asmx"

    def __enter__(self) -> EwsServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.ews = self  # type: ignore[attr-defined]
        if self.tls:
            server.socket = server_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="ews-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def closed_port_url(self) -> str:
        """A URL on a port nothing listens on (bound, then released) — for "unreachable" tests."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"https://127.0.0.1:{port}/EWS/Exchange.asmx"

    # -- the operations --------------------------------------------------------------------------------------------

    def _fault(self) -> tuple[Any, ...] | None:
        with self._lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            if self.fail_ratio and self._random.random() < self.fail_ratio:
                return ("ErrorServerBusy", self.busy_back_off_ms)
        return None

    def handle(self, operation: Any, error_code: str | None, impersonated: str | None = None) -> str:
        name = etree.QName(operation).localname
        if error_code:
            return _response(name, [_error(name, error_code)])
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            return _response(name, [_error(name, "ErrorInvalidRequest", f"{name} is not emulated")])
        self._request.impersonated = impersonated
        return handler(operation)

    # -- mailboxes -------------------------------------------------------------------------------------------------

    def _mailbox_of_request(self) -> str:
        return (getattr(self._request, "impersonated", None) or self.mailbox).lower()

    def _mailbox_of(self, folder: Any) -> str:
        """The mailbox a DistinguishedFolderId or FolderId element points into."""
        if etree.QName(folder).localname == "FolderId":
            return _mailbox_in_id(folder.get("Id", ""), self.mailbox)
        named = folder.findtext(f"{_t('Mailbox')}/{_t('EmailAddress')}")
        return named.lower() if named else self._mailbox_of_request()

    def _folder_id(self, name: str, mailbox: str) -> str:
        return f"{name}-id" if mailbox == self.mailbox.lower() else f"{name}-id:{mailbox}"

    def _item_id(self, mailbox: str) -> str:
        """A new draft's id (call with the lock held)."""
        self._next_id += 1
        return f"draft-{self._next_id}" if mailbox == self.mailbox.lower() else f"draft-{self._next_id}:{mailbox}"

    def _refusal(self, operation: str, mailbox: str, *, sending: bool) -> str | None:
        """The error response for a mailbox the account may not open (or, `sending`, not send as), else None."""
        if mailbox in self.access_denied:
            text = f"Access is denied. Check credentials and try again. ({mailbox})"
            return _error(operation, "ErrorAccessDenied", text)
        if sending and mailbox in self.send_denied:
            return _error(
                operation,
                "ErrorSendAsDenied",
                "The user account which was used to submit this request does not have the right to send mail on "
                f"behalf of the specified sending account ({mailbox}).",
            )
        return None

    def _op_GetFolder(self, operation: Any) -> str:
        messages = []
        for folder in operation.iterfind(f"{{{M}}}FolderIds/{_t('DistinguishedFolderId')}"):
            folder_id = folder.get("Id")
            mailbox = self._mailbox_of(folder)
            refused = self._refusal("GetFolder", mailbox, sending=False)
            if refused:
                messages.append(refused)
                continue
            messages.append(
                _success(
                    "GetFolder",
                    f'<m:Folders><t:Folder><t:FolderId Id="{self._folder_id(folder_id, mailbox)}" ChangeKey="ck"/>'
                    '<t:ParentFolderId Id="root-id" ChangeKey="ck"/><t:FolderClass>IPF.Note</t:FolderClass>'
                    f"<t:DisplayName>{'Sent Items' if folder_id == 'sentitems' else folder_id}</t:DisplayName>"
                    f"<t:TotalCount>{len(self.sent_items)}</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>"
                    "<t:UnreadCount>0</t:UnreadCount></t:Folder></m:Folders>",
                )
            )
        return _response("GetFolder", messages)

    def _op_CreateItem(self, operation: Any) -> str:
        disposition = operation.get("MessageDisposition", "SaveOnly")
        saved_in = operation.find(f"{{{M}}}SavedItemFolderId")
        into = saved_in[0] if saved_in is not None and len(saved_in) else None
        mailbox = self._mailbox_of(into) if into is not None else self._mailbox_of_request()
        messages = []
        for message in operation.iterfind(f"{{{M}}}Items/{_t('Message')}"):
            item = _parse(message, disposition)
            refused = [
                address for address in item.to + item.cc + item.bcc if address.lower() in self.recipient_not_found
            ]
            with self._lock:
                denied = self._refusal("CreateItem", mailbox, sending=disposition != "SaveOnly")
                if denied:
                    messages.append(denied)
                    continue
                if disposition == "SaveOnly":
                    item_id = self._item_id(mailbox)
                    self.drafts[item_id] = (mailbox, item)
                    saved = f'<m:Items><t:Message><t:ItemId Id="{item_id}" ChangeKey="ck"/></t:Message></m:Items>'
                    messages.append(_success("CreateItem", saved))
                    continue
                if not (item.to or item.cc or item.bcc):
                    messages.append(_error("CreateItem", "ErrorInvalidRecipients", _NO_RECIPIENTS))
                    continue
                if refused:
                    messages.append(_error("CreateItem", "ErrorMailRecipientNotFound", f"Recipient {refused[0]}"))
                    continue
                if self.quota_after is not None and len(self.received) >= self.quota_after:
                    messages.append(_error("CreateItem", "ErrorSubmissionQuotaExceeded", "Submission quota exceeded"))
                    continue
                self.received.append(item)
                if disposition == "SendAndSaveCopy":
                    self.sent_items[f"item-{len(self.received)}"] = item
            messages.append(_success("CreateItem", "<m:Items/>"))
        return _response("CreateItem", messages)

    def _op_SendItem(self, operation: Any) -> str:
        """Send saved drafts; ``SaveItemToFolder="true"`` keeps a copy in Sent Items."""
        keep = operation.get("SaveItemToFolder", "true").lower() == "true"
        messages = []
        for item_id in operation.iterfind(f"{{{M}}}ItemIds/{_t('ItemId')}"):
            key = item_id.get("Id", "")
            with self._lock:
                draft = self.drafts.get(key)
                if draft is None:
                    messages.append(_error("SendItem", "ErrorItemNotFound", "The specified object was not found."))
                    continue
                mailbox, item = draft
                denied = self._refusal("SendItem", mailbox, sending=True)
                if denied:
                    messages.append(denied)
                    continue
                if not (item.to or item.cc or item.bcc):
                    messages.append(_error("SendItem", "ErrorInvalidRecipients", _NO_RECIPIENTS))
                    continue
                del self.drafts[key]
                item.disposition = "SendItem"
                self.received.append(item)
                if keep:
                    self.sent_items[f"item-{len(self.received)}"] = item
            messages.append(_success("SendItem", ""))
        return _response("SendItem", messages)

    def _op_DeleteItem(self, operation: Any) -> str:
        messages = []
        for item_id in operation.iterfind(f"{{{M}}}ItemIds/{_t('ItemId')}"):
            key = item_id.get("Id", "")
            with self._lock:
                found = self.drafts.pop(key, None) or self.sent_items.pop(key, None)
            if found is None:
                messages.append(_error("DeleteItem", "ErrorItemNotFound", "The specified object was not found."))
            else:
                messages.append(_success("DeleteItem", ""))
        return _response("DeleteItem", messages)

    def _op_FindItem(self, operation: Any) -> str:
        restriction = operation.find(f"{{{M}}}Restriction")
        view = operation.find(f"{{{M}}}IndexedPageItemView")
        limit = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
        offset = int(view.get("Offset", "0")) if view is not None else 0
        with self._lock:
            found = [
                item_id
                for item_id, item in self.sent_items.items()
                if restriction is None or _matches(restriction[0], item)
            ]  # in the order they were sent (what a SortOrder on DateTimeSent gives)
        page = found[offset : offset + limit]
        items = "".join(f'<t:Message><t:ItemId Id="{item_id}" ChangeKey="ck"/></t:Message>' for item_id in page)
        last = offset + len(page) >= len(found)
        root = (
            f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" TotalItemsInView="{len(found)}" '
            f'IncludesLastItemInRange="{"true" if last else "false"}"><t:Items>{items}</t:Items>'
            "</m:RootFolder>"
        )
        return _response("FindItem", [_success("FindItem", root)])

    def _op_GetItem(self, operation: Any) -> str:
        messages = []
        for item_id in operation.iterfind(f"{{{M}}}ItemIds/{_t('ItemId')}"):
            item = self.sent_items.get(item_id.get("Id", ""))
            if item is None:
                messages.append(_error("GetItem", "ErrorItemNotFound", "The item was not found"))
                continue
            extended = "".join(
                etree.tostring(node, encoding="unicode") for node in item.element.iterfind(_t("ExtendedProperty"))
            )
            sent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(item.received_at))
            messages.append(
                _success(
                    "GetItem",
                    f'<m:Items><t:Message><t:ItemId Id="{item_id.get("Id")}" ChangeKey="ck"/>'
                    f"<t:Subject>{_escape(item.subject)}</t:Subject><t:DateTimeSent>{sent}</t:DateTimeSent>"
                    f"{extended}{_mailboxes('ToRecipients', item.to)}{_mailboxes('CcRecipients', item.cc)}"
                    "</t:Message></m:Items>",
                )
            )
        return _response("GetItem", messages)


_NO_RECIPIENTS = "At least one recipient isn't valid., A message can't be sent because it contains no recipients."


def _mailbox_in_id(identifier: str, default: str) -> str:
    """The mailbox a folder or item id of this server belongs to (ids of `mailbox` itself carry none)."""
    _, _, mailbox = identifier.partition(":")
    return (mailbox or default).lower()


def _mailboxes(container: str, addresses: list[str]) -> str:
    if not addresses:
        return ""
    boxes = "".join(
        f"<t:Mailbox><t:EmailAddress>{_escape(address)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox>"
        for address in addresses
    )
    return f"<t:{container}>{boxes}</t:{container}>"


def _matches(condition: Any, item: Received) -> bool:
    kind = etree.QName(condition).localname
    if kind == "And":
        return all(_matches(child, item) for child in condition)
    if kind == "Or":
        return any(_matches(child, item) for child in condition)
    if kind == "Exists":  # the item carries the property (any value)
        uri = condition.find(_t("ExtendedFieldURI"))
        if uri is None:
            return False
        wanted = {name: value for name, value in uri.attrib.items() if name != "PropertyType"}
        return any(all(prop.get(name) == value for name, value in wanted.items()) for prop in item.extended)
    if kind == "IsEqualTo":
        uri = condition.find(_t("ExtendedFieldURI"))
        constant = condition.find(f"{_t('FieldURIOrConstant')}/{_t('Constant')}")
        if uri is None or constant is None:
            return False
        wanted = {name: value for name, value in uri.attrib.items() if name != "PropertyType"}
        return any(
            all(prop.get(name) == value for name, value in wanted.items()) and prop["Value"] == constant.get("Value")
            for prop in item.extended
        )
    return False


def _success(operation: str, content: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f"{content}</m:{operation}ResponseMessage>"
    )


def _error(operation: str, code: str, text: str = "") -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Error"><m:MessageText>{_escape(text or code)}</m:MessageText>'
        f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        f"</m:{operation}ResponseMessage>"
    )


def _response(operation: str, messages: list[str]) -> str:
    return _ENVELOPE.format(
        body=f"<m:{operation}Response><m:ResponseMessages>{''.join(messages)}</m:ResponseMessages></m:{operation}Response>"
    )


def _server_busy(back_off_ms: int) -> str:
    text = "The server cannot service this request right now. Try again later."
    return _ENVELOPE.format(
        body=f'<s:Fault><faultcode xmlns:a="{T}">a:ErrorServerBusy</faultcode><faultstring>{text}</faultstring>'
        f'<detail><e:ResponseCode xmlns:e="{E}">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="{E}">{text}'
        f'</e:Message><t:MessageXml><t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value></t:MessageXml>'
        "</detail></s:Fault>"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as IIS does; exchangelib reuses its one connection
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall per answer

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    def do_POST(self) -> None:
        ews: EwsServer = self.server.ews  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if ews.latency:
            time.sleep(ews.latency)
        envelope = etree.fromstring(body)
        operation = envelope.find(f"{{{S}}}Body")[0]
        call = _call(envelope, operation, self.headers)
        with ews._lock:
            ews.calls.append(call)
        if ews.users is not None and not self._authorised(ews.users):
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="ews"'})
            return
        if ews.bearer is not None and not self._bearer_valid(ews.bearer):
            self._reply(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        with ews._lock:
            ews.requests.append(etree.QName(operation).localname)
        fault = ews._fault()
        kind = fault[0] if fault else None
        if kind == "ErrorServerBusy":
            self._reply(500, _server_busy(int(fault[1])).encode())
        elif kind == "HTTP503":
            self._reply(503, b"Service Unavailable", {"Retry-After": str(fault[1])})
        elif kind == "401":
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="ews"'})
        elif kind == "EwsDisabled":
            self._reply(403, b"")
        else:
            answer = ews.handle(operation, fault[1] if kind == "ResponseError" else None, call.impersonated).encode()
            if kind == "slow":
                time.sleep(float(fault[1]))
            self._reply(200, answer)

    def _authorised(self, users: dict[str, str]) -> bool:
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        username, _, password = base64.b64decode(encoded).decode("utf-8", "replace").partition(":")
        return users.get(username) == password

    def _bearer_valid(self, accepted: Callable[[str], bool] | Collection[str]) -> bool:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return accepted(token) if callable(accepted) else token in accepted

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up ("slow")
            self.close_connection = True
