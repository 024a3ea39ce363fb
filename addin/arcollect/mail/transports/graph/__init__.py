"""The Microsoft Graph transport: app-only sign-in with msal, one ``sendMail`` request per reminder.

    >>> graph = GraphTransport("ar@contoso.com", tenant_id="…", client_id="…", client_secret=secret)  # doctest: +SKIP
    >>> graph.check()                                                                              # doctest: +SKIP
    'OK: signed in to Microsoft Graph as app … and can read the Sent Items of ar@contoso.com …'
    >>> graph.send([reminder])                                                                     # doctest: +SKIP
    [SendResult(key='3f0c…', status='sent', message_id='<3f0c…@acme.example>', error=None)]
    >>> graph.find_sent(reminder.key)                                                              # doctest: +SKIP
    True

Sign-in: client credentials (`msal.ConfidentialClientApplication.acquire_token_for_client`) for the resource of
`endpoint` (``https://graph.microsoft.com/.default``). msal keeps the token in memory and asks for a new one only
when it is about to expire, so a run makes one token request, not one per message.

The package by topic: `transport` (`GraphTransport`: ``sendMail`` per reminder, test-connection), `message` (the
``sendMail`` body with the key header and properties), `signin` (msal: the app's token, refused sign-ins in plain
words), `http` (requests with the token, throttling waited out, a refused token renewed once, what each answer means,
Graph's errors in plain words), `sent_items` (finding reminders again for reconcile and `arcollect ledger rebuild`).
"""

from arcollect.mail.transports.graph.message import KEY_PROPERTY, RECORD_PROPERTY, graph_message
from arcollect.mail.transports.graph.signin import SECRET_VARIABLE
from arcollect.mail.transports.graph.transport import GraphStopped, GraphTransport

__all__ = ["KEY_PROPERTY", "RECORD_PROPERTY", "SECRET_VARIABLE", "GraphStopped", "GraphTransport", "graph_message"]
