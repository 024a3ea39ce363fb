"""The ews transport: reminders sent through Exchange Web Services (exchangelib) and found again in Sent Items.

    >>> ews = EwsTransport("https://mail.example.com/EWS/Exchange.asmx", mailbox="ar@example.com",
    ...                    auth="ntlm", username="EXAMPLE\\\\svc-ar", password=secret)      # doctest: +SKIP
    >>> [result.status for result in ews.send(reminders)]                                # doctest: +SKIP
    ['sent', 'sent', 'failed']
    >>> ews.find_sent(reminders[0].key)                                                   # doctest: +SKIP
    True
    >>> ews.check()                                                                       # doctest: +SKIP
    'OK: EWS at mail.example.com answers, the account EXAMPLE\\\\svc-ar may send as ar@example.com and its Sent Items …'

For Exchange Server (NTLM or basic, delegate access) and for Exchange Online tenants that still allow-list the app
(OAuth2 client credentials, impersonation). Exchange Online blocks EWS since 2026-10-01 and switches it off on
2027-04-01: use the graph transport there.

The package by topic: `transport` (`EwsTransport`: its account, sending in chunks, exactly once), `message` (a
reminder as an exchangelib `Message` with the key, record and header properties), `connection` (OAuth2 credentials
under an authority, TLS verification per endpoint, test-connection), `sent_items` (finding reminders again in Sent
Items for reconcile and `arcollect ledger rebuild`), `errors` (`SendStopped`; what a failure proves; errors in plain
words).
"""

from arcollect.mail.message import KEY_PROPERTY_NAME, KEY_PROPERTY_SET
from arcollect.mail.transports.ews.errors import SendStopped
from arcollect.mail.transports.ews.transport import EwsTransport

__all__ = ["KEY_PROPERTY_NAME", "KEY_PROPERTY_SET", "EwsTransport", "SendStopped"]
