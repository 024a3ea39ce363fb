"""Passwords, client secrets and tokens: from the environment or the OS keyring, never from the workbook.

    password = credentials.get("ARCOLLECT_SMTP_PASSWORD")      # env var first, then keyring ("arcollect", name)

Store one in the keyring once with ``python -m keyring set arcollect ARCOLLECT_SMTP_PASSWORD``. The value is
never logged, never put into an error message and never written anywhere by arcollect.
"""

from __future__ import annotations

import logging
import os

from arcollect.errors import ConfigError

logger = logging.getLogger(__name__)

SERVICE = "arcollect"
SMTP_PASSWORD = "ARCOLLECT_SMTP_PASSWORD"
EWS_PASSWORD = "ARCOLLECT_EWS_PASSWORD"
GRAPH_CLIENT_SECRET = "ARCOLLECT_GRAPH_CLIENT_SECRET"


def get(name: str) -> str | None:
    """The secret called `name`: the environment variable of that name, else the keyring entry, else None."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency; a broken install just means "not there"
        return None
    try:
        return keyring.get_password(SERVICE, name)
    except (KeyringError, RuntimeError) as error:  # no usable backend (a headless server): not fatal
        logger.debug("No keyring available for %s: %s", name, type(error).__name__)
        return None


def require(name: str, what: str) -> str:
    """`get(name)`, or a `ConfigError` that says where to put it."""
    value = get(name)
    if not value:
        raise ConfigError(
            f"{what} is not set — put it in the environment variable {name} or in the OS keyring "
            f"(python -m keyring set {SERVICE} {name}); never in the workbook"
        )
    return value
