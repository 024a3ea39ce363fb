"""The SMTP transport: reminders handed to a mail server with smtplib — STARTTLS or implicit TLS, AUTH or XOAUTH2.

    >>> smtp = SmtpTransport("smtp.office365.com", 587, username="ar@acme.example",
    ...                      token_provider=lambda: token_from_msal())            # doctest: +SKIP
    >>> smtp.check()                                                              # doctest: +SKIP
    'OK: signed in to smtp.office365.com:587 as ar@acme.example (STARTTLS, XOAUTH2).'
    >>> [result.status for result in smtp.send(reminders)]                        # doctest: +SKIP
    ['sent', 'sent', 'failed']
    >>> smtp.find_sent(reminders[0].key) is None       # SMTP cannot look up what was sent  # doctest: +SKIP
    True

Each reminder goes out as `Reminder.to_email()` — the MIME message the outbox writes, with the Message-ID derived
from its key and the ``X-Arcollect-Key`` header — to the envelope recipients To + Cc (+ Bcc, which is removed from
the headers). One connection serves a whole `send()` batch and is closed (QUIT) at its end.

The package by topic: `transport` (`SmtpTransport`: the MAIL/RCPT/DATA dialogue, what each reply means, retries,
test-connection), `connection` (connecting with STARTTLS or TLS, signing in with a password or XOAUTH2, set-up
failures in plain words), `envelope` (envelope sender and recipients, DATA bytes, reading the server's replies).
"""

from arcollect.mail.transports.smtp.connection import SECURITIES, Security
from arcollect.mail.transports.smtp.transport import SmtpBatchError, SmtpTransport

__all__ = ["SECURITIES", "Security", "SmtpBatchError", "SmtpTransport"]
