"""The exceptions arcollect raises, each with a message a finance user can act on.

    ArcollectError            anything arcollect raises on purpose
     ├── InputError           a value in the workbook or a call is not usable (bad terms, unknown currency, bad date)
     ├── ConfigError          the set-up is missing something (a reference rate not in the table, a bad setting)
     └── TransportError       a mail server refused or could not be reached

A bad *row* in a workbook is not an exception: readers collect it as a `arcollect.problems.Problem` and go on.
Exceptions are for calls that cannot produce any answer at all.
"""

from __future__ import annotations


class ArcollectError(Exception):
    """Base class of every error arcollect raises deliberately."""


class InputError(ArcollectError, ValueError):
    """A value given to arcollect cannot be used; the message names the value and how to fix it."""


class ConfigError(ArcollectError):
    """The configuration or a shipped table lacks what the call needs; the message says what to add."""


class TransportError(ArcollectError):
    """Mail could not be handed to the configured transport."""
