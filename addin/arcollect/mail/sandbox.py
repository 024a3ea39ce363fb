"""The sandbox every email template runs in: Jinja2's immutable sandbox, with quicker answers where its answer is
known in advance, and compiled template code kept for the life of the process.

    >>> from jinja2 import StrictUndefined
    >>> from arcollect.mail.sandbox import Sandbox
    >>> Sandbox(undefined=StrictUndefined).from_string('{{ "{0} days".format(3) }}').render()
    '3 days'
    >>> Sandbox(undefined=StrictUndefined).from_string("{{ ''.__class__ }}").render()   # raises SecurityError

`arcollect.mail.render.Renderer` builds its environment from these. What the sandbox refuses, and the tests that
pin it, are in docs/SECURITY.md (tests/security/test_templates_sandbox.py).
"""

from __future__ import annotations

import functools
import string
from types import BuiltinMethodType, MethodType
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace


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
_DICT_NAMES = frozenset(dir(dict))
_DATA_HOLDERS = (TemplateModule, Namespace)
_METHODS = (MethodType, BuiltinMethodType)
_ABSENT = object()


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with quicker answers for the look-ups every reminder makes hundreds of times.

    Each shortcut gives what the sandbox's own `getattr` gives, by construction: `d.name` on a plain dict with no
    dict attribute of that name is the key look-up the sandbox falls back to; a public name of an imported
    template or a namespace is data the sandbox allows (neither type is a function, code or known mutable); and
    `text.format` of a plain string whose fields are bare names is `str.format` itself, since the sandboxed
    formatter only adds checks on attribute and index access inside fields. Calls of a plain string's methods skip
    only checks that such a method always passes. Everything else (private names, methods, other types,
    `Markup`) goes the sandbox's way.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if type(attribute) is str:
            if kind is dict:
                if attribute not in _DICT_NAMES:
                    try:
                        return obj[attribute]
                    except (TypeError, LookupError):
                        return self.undefined(obj=obj, name=attribute)
            elif kind in _DATA_HOLDERS:
                if not attribute.startswith("_"):
                    value = getattr(obj, attribute, _ABSENT)
                    safe = value is not _ABSENT and not isinstance(value, _METHODS)
                    if safe and self.is_safe_attribute(obj, attribute, value):  # the sandbox's own test as well
                        return value
            elif kind is str and attribute == "format" and _bare_fields(obj):
                return obj.format
        return super().getattr(obj, attribute)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """A plain string's own method is called as the sandbox would call it, without the checks it always passes
        (a built-in method carries no `unsafe_callable`, `alters_data` or Jinja pass-argument marker)."""
        if type(obj) is BuiltinMethodType and type(getattr(obj, "__self__", None)) is str:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return obj(*args, **kwargs)
            except StopIteration:
                return context.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(context, obj, *args, **kwargs)


@functools.lru_cache(maxsize=4096)
def _bare_fields(text: str) -> bool:
    """True when every replacement field of `text` is a bare name or position, without a nested field."""
    try:
        return all(
            field is None or not ("." in field or "[" in field or "{" in (spec or ""))
            for _literal, field, spec, _conversion in string.Formatter().parse(text)
        )
    except ValueError:
        return False
