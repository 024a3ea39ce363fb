"""The sandbox every email template runs in: Jinja2's stock `ImmutableSandboxedEnvironment`, unchanged, and the
compiled template code kept for the life of the process.

    >>> from jinja2 import StrictUndefined
    >>> from arcollect.mail.sandbox import environment
    >>> environment(undefined=StrictUndefined).from_string('{{ "{0} days".format(3) }}').render()
    '3 days'
    >>> environment(undefined=StrictUndefined).from_string("{{ ''.__class__ }}").render()
    Traceback (most recent call last):
    ...
    jinja2.exceptions.SecurityError: access to attribute '__class__' of 'str' object is unsafe.

Nothing inside the security boundary is overridden or sped up here: every attribute look-up, call and `str.format`
goes through Jinja2's own checks. A shortcut around `getattr`/`call` once let a template on an allowed Jinja2
version read `ARCOLLECT_SMTP_PASSWORD` through `str.format` (issue #19); render speed is found outside the sandbox
instead (values computed in Python before rendering, `compose`). `arcollect.mail.render.Renderer` builds its
environment here. What the sandbox refuses, and the tests that pin it, are in docs/SECURITY.md
(tests/security/test_templates_sandbox.py).
"""

from __future__ import annotations

from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from jinja2.sandbox import ImmutableSandboxedEnvironment


class CompiledTemplates(BytecodeCache):
    """Compiled template code shared by every `Renderer` of the process, so that each run does not compile the
    templates again. Jinja keys it by template name and file and checks it against the file's source: an edited
    template is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


def environment(**options: Any) -> ImmutableSandboxedEnvironment:
    """Jinja2's own immutable sandbox with `options` (loader, autoescape, undefined, …): not a subclass."""
    return ImmutableSandboxedEnvironment(**options)
