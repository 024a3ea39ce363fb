"""Reminder emails from Jinja2 templates, in the customer's language and locale.

    >>> from arcollect.mail.render import Renderer
    >>> rendered = Renderer().render("friendly", "de-CH", context)   # context: docs/INTERFACES.md
    >>> rendered.language, rendered.subject
    ('de', 'Zahlungserinnerung – Kundenkonto C-1001')

Templates live in `templates/<lang>/<template>.html.j2` and `.txt.j2` and extend `templates/_base/layout.*.j2`.
The search path is the user's `TemplateDir` (when given) first, then the built-in `templates/` folder, so a user
can override one file and inherit the rest. The built-in folder is found next to the source tree
(`<repo>/templates`); a wheel install would need that folder shipped as package data (a packaging task).

Why a sandbox: templates are user-editable files (the `TemplateDir` setting), so they are treated as untrusted code.
They run in Jinja2's `ImmutableSandboxedEnvironment` (no private or dunder attributes, no changing the context's
lists and dicts, no `str.format` escapes), without Jinja's extra globals `lipsum`, `cycler` and `joiner`; reaching
outside the documented context (`''.__class__`, `self.__init__.__globals__`, `lipsum`, `config`) raises
`RenderError` naming the template file and line, as do syntax errors and undefined names (`StrictUndefined`: a typo
is an error, never a silent blank). Callers catch `RenderError` per reminder and go on with the others.

HTML is autoescaped (`.html.j2`), plain text is not (`.txt.j2`); customer data is never evaluated as template code.
The subject is the html template's `subject` block, unescaped and stripped of control characters so that no value
can start a new mail header line.

Filters: the locale's money, dates, percentages and lists (`arcollect.mail.formats`: `money`, `date`, `percent`,
`format_list`, `date_list`, `add_days`), all in the customer's locale (language + country, e.g. de + AT → de_AT; the
bare language when Babel does not know the pair), set for the duration of one `render`; plain-text layout
(`arcollect.mail.wrap`: `pad`, `wordwrap`, `wrap` — display-width and CJK aware); and `http_url(value)` (the value if
it is an http(s) URL, else "").

A letter is rendered once per process: the same template, language and context over the same template files give
the `Rendered` already made (a refresh and the send after it, the demo's plan and send; up to 1,024 letters). The
files are known by their names and contents, read at a `Renderer`'s first render: a renderer keeps rendering from
the files as they were then for a context it has seen (one run renders each letter once).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape
from markupsafe import Markup

import arcollect
from arcollect.errors import ArcollectError
from arcollect.mail import sandbox
from arcollect.mail.formats import (
    FALLBACK_LANGUAGE,
    add_days,
    date,
    date_list,
    format_list,
    in_locale,
    money,
    percent,
    split_tag,
)
from arcollect.mail.wrap import pad, wordwrap, wrap

logger = logging.getLogger(__name__)

# An installed arcollect carries the templates in the package (setup.py); a checkout keeps them in templates/.
_PACKAGED_TEMPLATES = Path(arcollect.__file__).resolve().parent / "templates"
BUILTIN_TEMPLATE_DIR = (
    _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else Path(arcollect.__file__).resolve().parents[2] / "templates"
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SUBJECT_MAX = 250
_UNDOCUMENTED_GLOBALS = ("lipsum", "cycler", "joiner")
_KEPT: dict[bytes, Rendered] = {}  # every Renderer's letters, by `_letter_key`: a run renders each letter once
_KEPT_MAX = 1024


class RenderError(ArcollectError):
    """A template could not be rendered; the message names the template, language and line."""


@dataclass(frozen=True)
class Rendered:
    """One rendered reminder: single-line subject, HTML and plain-text bodies, and the language actually used."""

    subject: str
    html: str
    text: str
    language: str


class Renderer:
    """Renders reminder templates from the user's folder (first) and the built-in one.

    One instance can be reused for every reminder of a run; templates are compiled once and cached (and reloaded
    when a file changes). A failing template raises `RenderError` and leaves the renderer usable. A letter this
    process rendered before from the same template files, template, language and context is not rendered again.
    """

    def __init__(self, template_dirs: Sequence[Path | str] | None = None) -> None:
        search = [Path(d) for d in template_dirs or ()]
        if BUILTIN_TEMPLATE_DIR not in search:
            search.append(BUILTIN_TEMPLATE_DIR)
        self.search_path: tuple[Path, ...] = tuple(search)
        self.environment = sandbox.environment(
            loader=FileSystemLoader([str(p) for p in self.search_path]),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=sandbox.COMPILED,
        )
        self.environment.filters.update(
            money=money,
            date=date,
            percent=percent,
            add_days=add_days,
            pad=pad,
            http_url=http_url,
            wordwrap=wordwrap,
            wrap=wrap,
            format_list=format_list,
            date_list=date_list,
        )
        for name in _UNDOCUMENTED_GLOBALS:  # not part of the documented context: a template using one is an error
            self.environment.globals.pop(name, None)
        self._files: bytes | None = b""  # the template files' digest, read at the first render

    def has_template(self, template: str, language: str) -> bool:
        """True when `<language>/<template>.html.j2` exists somewhere on the search path."""
        try:
            self.environment.get_template(f"{language}/{template}.html.j2")
        except TemplateNotFound:
            return False
        except TemplateError:
            return True  # it exists; the syntax error is reported by render()
        return True

    def render(self, template: str, language: str, context: Mapping[str, Any]) -> Rendered:
        """Render `template` for a customer speaking `language` (a tag such as "de", "de-CH" or "pt_BR").

        The customer's language is used when its folder has the template, else English; `Rendered.language` says
        which. Money and dates are formatted in the full locale: the tag's region (de-CH → de_CH), otherwise the
        customer's country (de + AT → de_AT). Raises `RenderError` for an unknown template or any template failure.
        """
        if not _NAME.match(str(template)):
            raise RenderError(f"Template name {template!r} is not valid — use letters, digits, '-' or '_'")
        if self._files == b"":
            self._files = _files_stamp(self.search_path)
        key = _letter_key(self._files, template, language, context)
        kept = _KEPT.get(key) if key is not None else None
        if kept is not None:
            return kept
        rendered = self._render(template, language, context)
        if key is not None:
            if len(_KEPT) >= _KEPT_MAX:
                del _KEPT[next(iter(_KEPT))]  # the oldest
            _KEPT[key] = rendered
        return rendered

    def _render(self, template: str, language: str, context: Mapping[str, Any]) -> Rendered:
        requested, region = split_tag(language)
        used = requested if requested and self.has_template(template, requested) else FALLBACK_LANGUAGE
        if used != requested:
            logger.debug("template %r has no %r version, using %r", template, language, used)
        if used != requested and not self.has_template(template, used):
            raise RenderError(f"Template '{template}' not found in {', '.join(map(str, self.search_path))}")
        customer = context.get("customer") or {}
        country = region or str(customer.get("country") or "").strip().upper()
        try:
            with in_locale(used, country):
                html, subject = self._render_html(template, used, context)
                text = self._render_text(template, used, context)
        except RenderError:
            raise
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise RenderError(_describe(template, used, exc)) from exc
        return Rendered(subject=subject, html=html, text=text, language=used)

    def _render_html(self, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
        tmpl = self.environment.get_template(f"{language}/{template}.html.j2")
        ctx = tmpl.new_context(dict(context))
        try:
            html = "".join(tmpl.root_render_func(ctx))
            blocks = ctx.blocks.get("subject")
            subject = Markup("".join(blocks[0](ctx))).unescape() if blocks else None
        except Exception:
            self.environment.handle_exception()  # re-raises with template file names and line numbers
        if subject is None:
            raise RenderError(f"Template '{template}' ({language}): no {{% block subject %}} in the html template")
        return html, clean_subject(subject)

    def _render_text(self, template: str, language: str, context: Mapping[str, Any]) -> str:
        tmpl = self.environment.get_template(f"{language}/{template}.txt.j2")
        return tmpl.render(dict(context))


def _files_stamp(folders: Sequence[Path]) -> bytes | None:
    """A digest of every file the loader can reach — each folder's files by relative name and content, in search
    order — or None when a folder cannot be read (then nothing is kept). Contents, not modification times: a
    template saved twice within one tick of the file system's clock is still told apart."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        for position, folder in enumerate(folders):
            digest.update(f"\0folder {position}\0".encode())
            for root, dirs, files in os.walk(folder):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(root, name)
                    digest.update(f"\0{os.path.relpath(path, folder)}\0".encode("utf-8", "surrogatepass"))
                    with open(path, "rb") as handle:
                        digest.update(hashlib.blake2b(handle.read(), digest_size=16).digest())
    except (OSError, UnicodeError):
        return None
    return digest.digest()


def _letter_key(files: bytes | None, template: str, language: str, context: Mapping[str, Any]) -> bytes | None:
    """What a letter is made of — the template files, the template, the language and the context (pickled: the
    same bytes mean the same values of the same types) — or None when the context cannot be pickled."""
    if files is None:
        return None
    try:
        data = pickle.dumps((template, language, dict(context)), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return files + hashlib.blake2b(data, digest_size=32).digest()


def clean_subject(value: str) -> str:
    """One line of text: control, format and line/paragraph-separator characters become spaces, runs of
    whitespace collapse, and the result is capped at 250 characters (a header can never be split by a value)."""
    chars = [" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch for ch in str(value)]
    return " ".join("".join(chars).split())[:_SUBJECT_MAX].strip()


def http_url(value: Any) -> str:
    """`value` when it is an absolute http(s) URL without whitespace, else "" (no javascript: links)."""
    if not value:
        return ""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(ch.isspace() for ch in text):
        return ""
    return text


def _describe(template: str, language: str, exc: BaseException) -> str:
    """ "Template 'friendly' (de): <what went wrong> — de/friendly.html.j2 line 12" from a Jinja exception."""
    where_file, where_line = getattr(exc, "filename", None) or getattr(exc, "name", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where_file, where_line = filename, tb.tb_lineno
        tb = tb.tb_next
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    location = ""
    if where_file:
        location = f" — {_short_name(str(where_file))}"
        if where_line:
            location += f" line {where_line}"
    return f"Template '{template}' ({language}): {type(exc).__name__}: {message}{location}"


def _short_name(filename: str) -> str:
    path = Path(filename)
    return "/".join(path.parts[-2:]) if len(path.parts) >= 2 else filename
