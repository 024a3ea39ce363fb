"""How the ews transport reaches Exchange: OAuth2 credentials under an authority, TLS verification per endpoint, and
test-connection (`check`: Sent Items readable, Send As allowed — without sending anything).

OAuth2 (client credentials): the token comes from ``{authority}/{tenant}/oauth2/v2.0/token`` with the scope
``https://outlook.office365.com/.default``; `authority` is Settings ``GraphAuthority`` (Microsoft's sign-in address
unless told otherwise — a national cloud, or a local identity server in tests). exchangelib fetches it once per
connection and sends it as ``Authorization: Bearer`` on every request, together with the impersonation header and
``X-AnchorMailbox`` naming `mailbox`.

TLS: `verify` is True (the default CA store), False (logged as a warning every time a transport is built, i.e. on
every run), or the path of a CA bundle (a company CA). exchangelib builds its
`requests` sessions itself and offers one hook, the class attribute `BaseProtocol.HTTP_ADAPTER_CLS`; it mounts that
adapter for the EWS endpoint and, with OAuth2, for the token URL too. We install, once per process, an adapter (mixed
into whatever adapter class is already there) that applies the `verify` registered for the request's URL — the EWS
endpoint, and the token URL of an oauth2 transport — and leaves every other URL (other EWS users) exactly as
`requests` would handle it. The last `EwsTransport` built for an endpoint or token URL decides its verification in
this process. Each transport gets its own exchangelib `Protocol` (its own timeout, retry policy and connection), not
the shared cached one.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import requests
import requests.adapters
from exchangelib import Account, FailFast, Message, OAuth2Credentials
from exchangelib import errors as ews_errors
from exchangelib.protocol import BaseProtocol

from arcollect.mail.transports.ews.errors import explain, short

if TYPE_CHECKING:
    from arcollect.mail.transports.ews.transport import EwsTransport

logger = logging.getLogger(__name__)

PROBE_SUBJECT = "arcollect test-connection: a draft without recipients, never sent"


class AuthorityCredentials(OAuth2Credentials):
    """exchangelib's client-credentials grant with the token URL under `authority` instead of the fixed
    ``https://login.microsoftonline.com`` (national clouds, a local identity server); the scope stays exchangelib's
    ``https://outlook.office365.com/.default``."""

    def __init__(self, *, authority: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.authority = authority.rstrip("/")

    @property
    def token_url(self) -> str:
        return token_url(self.authority, self.tenant_id)


def token_url(authority: str, tenant_id: str) -> str:
    """Where the OAuth2 token for EWS is fetched: ``{authority}/{tenant}/oauth2/v2.0/token``."""
    return f"{authority.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"


# -- TLS -----------------------------------------------------------------------------------------------------------

_VERIFY: dict[str, bool | str] = {}
_installing = threading.Lock()


class _EndpointVerification(requests.adapters.HTTPAdapter):
    """Applies the `verify` registered for the request's URL (EWS endpoint or token URL); other URLs keep what
    requests passes."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        for endpoint, verify in list(_VERIFY.items()):
            if url.startswith(endpoint):
                kwargs["verify"] = verify
                if len(args) >= 3:  # send(request, stream, timeout, verify, …) called positionally
                    args = (*args[:2], verify, *args[3:])
                break
        return super().send(request, *args, **kwargs)


def install_verification(endpoint: str, verify: bool | str) -> None:
    """Make every exchangelib request to a URL under `endpoint` verify TLS with `verify` (True: requests' own)."""
    with _installing:
        current = BaseProtocol.HTTP_ADAPTER_CLS
        if not issubclass(current, _EndpointVerification):
            BaseProtocol.HTTP_ADAPTER_CLS = (
                _EndpointVerification
                if current is requests.adapters.HTTPAdapter
                else type(f"Verifying{current.__name__}", (_EndpointVerification, current), {})
            )
        if verify is True:
            _VERIFY.pop(endpoint, None)
        else:
            _VERIFY[endpoint] = verify


def check(transport: EwsTransport) -> str:
    """One plain sentence: OK (the Sent Items folder can be read and the account may send as the mailbox) or
    what is wrong and which setting to fix.

    Uses its own fail-fast account, so a refused password is reported at once instead of being retried as
    throttling (EWS sometimes answers 401 to mean "slow down"). Sending is tested without sending anything
    (`send_as_probe`).
    """
    account = transport.new_account(FailFast())
    try:
        _ = account.sent  # GetFolder root + sentitems: what send and find_sent use
        send_as_probe(transport, account)
    except Exception as error:
        return explain(error, transport)
    finally:
        account.protocol.close()
    return (
        f"OK: EWS at {transport.host} answers, {transport.who} may send as {transport.mailbox} and its Sent Items "
        "folder can be read."
    )


def send_as_probe(transport: EwsTransport, account: Account) -> None:
    """Raise what Exchange answers when the transport's account submits a message as `mailbox`; send nothing.

    A draft without any recipient is saved in the mailbox's Drafts folder (CreateItem SaveOnly: writing there
    needs access to the mailbox, ErrorAccessDenied otherwise), submitted (SendItem, no copy kept) and deleted
    (DeleteItem, hard) whatever the answer. Exchange checks that the account may send as the mailbox before it
    looks at the recipients: ErrorSendAsDenied when it may not, ErrorInvalidRecipients — the answer expected
    here, since a message without recipients cannot go anywhere — when it may. That order is what the Graph
    check relies on too; it is modelled by the local test server, not verified against a real Exchange here.
    """
    draft = Message(account=account, folder=account.drafts, subject=PROBE_SUBJECT, body=PROBE_SUBJECT)
    draft.save()
    try:
        draft.send(save_copy=False)
    except ews_errors.ErrorInvalidRecipients:
        logger.debug("EWS send check: %s may send as %s (only the missing recipient was refused)", transport.who,
                     transport.mailbox)  # fmt: skip
    finally:
        if draft.id is not None:  # refused (as expected): remove the draft again
            try:
                draft.delete()
            except Exception as error:
                logger.warning("test-connection could not delete its draft %r in the Drafts folder of %s: %s",
                               PROBE_SUBJECT, transport.mailbox, short(error))  # fmt: skip
