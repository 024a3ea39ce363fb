"""The LedgerUrl setting's form: a PostgreSQL address without a password.

    >>> check_url("postgresql://arcollect@db.acme.example:5432/arcollect")
    'postgresql://arcollect@db.acme.example:5432/arcollect'
    >>> safe_url("postgresql://arcollect:secret@db.acme.example/arcollect")
    'postgresql://arcollect@db.acme.example/arcollect'

Settings checks a LedgerUrl with `check_url` and shows it with `safe_url`; the PostgreSQL ledger
(`arcollect.mail.ledger.postgres`) connects to it. Both layers need the same rule, so it lives at the bottom.
The password comes from `PASSWORD` (environment or OS keyring), never from the workbook.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

PASSWORD = "ARCOLLECT_LEDGER_PASSWORD"


def safe_url(url: str) -> str:
    """The URL without any password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def check_url(url: str) -> str:
    """`url` if it is a usable PostgreSQL address without a password; `ValueError` (the expected form) if not."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres") or (not parts.hostname and "host=" not in parts.query):
        raise ValueError("a PostgreSQL address like postgresql://arcollect@db.yourcompany.example/arcollect")
    if parts.password:
        raise ValueError(f"an address without the password — put the password in {PASSWORD} or the OS keyring")
    return url.strip()
