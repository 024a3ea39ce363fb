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

Filters, all in the customer's locale (language + country, e.g. de + AT → de_AT; the bare language when Babel does
not know the pair): `money(value, currency)`, `date(value, format="medium")`, `percent(value)` (a percent number:
12.75 → "12.75%"), `format_list(items, style="standard")` (Babel's list: "A, B und C", "A、B、C"),
`date_list(dates, format="long")` (each day once, the year written once when they share it: "27. Oktober,
3. November und 17. November 2026"); and helpers for layouts: `add_days(date, n)`, `pad(text, width,
align="left")` (East-Asian-width aware, for aligned plain-text columns), `http_url(value)` (the value if it is an
http(s) URL, else ""), `wrap(text, width=76)` (lines of at most `width` display columns: between words, and in
Chinese and Japanese text between characters, never before closing punctuation).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list as babel_format_list
from babel.numbers import format_currency, format_percent
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    pass_environment,
    select_autoescape,
)
from jinja2.filters import do_wordwrap
from markupsafe import Markup

import arcollect
from arcollect.errors import ArcollectError
from arcollect.mail import sandbox

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"
# An installed arcollect carries the templates in the package (setup.py); a checkout keeps them in templates/.
_PACKAGED_TEMPLATES = Path(arcollect.__file__).resolve().parent / "templates"
BUILTIN_TEMPLATE_DIR = (
    _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else Path(arcollect.__file__).resolve().parents[2] / "templates"
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_SUBJECT_MAX = 250
_UNDOCUMENTED_GLOBALS = ("lipsum", "cycler", "joiner")
_REMEMBERED = 20_000  # formatted amounts and dates kept per locale; the cache starts afresh beyond that


class _Formats:
    """A locale and the amounts and dates already formatted in it.

    Formatting is a pure function of its inputs, so a reminder that shows the same amount in the table, the
    subtotal and both bodies formats it once. Babel's output for an amount depends only on its value and sign
    (it normalises the `Decimal` first), hence the key `(currency, value, is_signed)`: `Decimal("-0")` keeps its
    minus sign.
    """

    __slots__ = ("dates", "locale", "money")

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.money: dict[tuple[str, Decimal, bool], str] = {}
        self.dates: dict[tuple[Any, type, Any], str] = {}


_WRAPPED: dict[tuple[Any, ...], str] = {}
_locale: contextvars.ContextVar[_Formats] = contextvars.ContextVar("arcollect_render_locale")


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
    when a file changes). A failing template raises `RenderError` and leaves the renderer usable.
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
        requested, region = _split_tag(language)
        used = requested if requested and self.has_template(template, requested) else FALLBACK_LANGUAGE
        if used != requested:
            logger.debug("template %r has no %r version, using %r", template, language, used)
        if used != requested and not self.has_template(template, used):
            raise RenderError(f"Template '{template}' not found in {', '.join(map(str, self.search_path))}")
        customer = context.get("customer") or {}
        country = region or str(customer.get("country") or "").strip().upper()
        token = _locale.set(_formats_for(used, country))
        try:
            html, subject = self._render_html(template, used, context)
            text = self._render_text(template, used, context)
        except RenderError:
            raise
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise RenderError(_describe(template, used, exc)) from exc
        finally:
            _locale.reset(token)
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


def letter_locale(language: str, customer: Mapping[str, Any]) -> Locale:
    """The locale a letter rendered in `language` for `customer` formats its money and dates in (as `render`:
    the region of the customer's language tag, else the customer's country) — for what goes with the letter, such
    as the PDF statement, so that it writes numbers and dates exactly as the letter does."""
    _requested, region = _split_tag(str(customer.get("language") or ""))
    country = region or str(customer.get("country") or "").strip().upper()
    return _formats_for(language, country).locale


@contextlib.contextmanager
def letter_formats(language: str, customer: Mapping[str, Any]) -> Iterator[None]:
    """Inside it the filters (`money`, `date`, `date_list`, `format_list`) write as a letter rendered in `language`
    for `customer` does (`letter_locale`) — for a tool that checks what a rendered letter says."""
    _requested, region = _split_tag(str(customer.get("language") or ""))
    token = _locale.set(_formats_for(language, region or str(customer.get("country") or "").strip().upper()))
    try:
        yield
    finally:
        _locale.reset(token)


def clean_subject(value: str) -> str:
    """One line of text: control, format and line/paragraph-separator characters become spaces, runs of
    whitespace collapse, and the result is capped at 250 characters (a header can never be split by a value)."""
    chars = [" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch for ch in str(value)]
    return " ".join("".join(chars).split())[:_SUBJECT_MAX].strip()


def money(value: Any, currency: str) -> str:
    """`value` (Decimal, int, float or numeric text) in `currency`, with that currency's minor unit (JPY: none)."""
    if value is None:
        return ""
    number, code, formats = _decimal(value), str(currency).strip().upper(), _current_formats()
    try:
        key = (code, number, number.is_signed())
        text = formats.money.get(key)
    except TypeError:  # a signalling NaN cannot be a key
        return format_currency(number, code, locale=formats.locale)
    if text is None:
        text = format_currency(number, code, locale=formats.locale)
        _remember(formats.money, key, text)
    return text


def date(value: Any, format: str = "medium") -> str:
    """A date (or datetime, or ISO text) in the locale's `short`, `medium`, `long` or `full` format."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value.strip()[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    formats = _current_formats()
    try:
        key = (value, type(value), format)
        text = formats.dates.get(key)
    except TypeError:  # an unhashable format: Babel reports what is wrong with it
        return format_date(value, format=format, locale=formats.locale)
    if text is None:
        text = format_date(value, format=format, locale=formats.locale)
        _remember(formats.dates, key, text)
    return text


def format_list(values: Any, style: str = "standard") -> str:
    """Items joined as the locale writes a list: "A, B und C" (de), "A, B et C" (fr), "A、B、C" (ja), "A、B和C" (zh).

    `style` is one of CLDR's list styles ("standard": and; "or"; "unit" …). Empty items are left out; an empty list
    gives "".
    """
    if values is None:
        return ""
    items = [str(value) for value in ([values] if isinstance(values, str) else values) if str(value)]
    return babel_format_list(items, style=style, locale=_current_locale()) if items else ""


def date_list(values: Any, format: str = "long") -> str:
    """Dates as the locale writes a list of them, each day once, in the given order: for the dates of earlier
    reminders ("am {previous}"). In the `long` format, days of one year carry the year once, where the language puts
    it, and days of one month its name once: "27. Oktober, 3. und 17. November 2026", "27 octobre, 3 et 17 novembre
    2026", "27 de octubre, 3 y 17 de noviembre de 2026", "2026年10月27日、11月3日、17日"; English written month first
    keeps the month on each day ("October 27, November 3, and November 17, 2026": "3, and 17, 2026" would end on a
    bare day); days of different years are written in full."""
    days: list[dt.date] = []
    for value in [] if values is None else values:
        if value is None:
            continue
        if isinstance(value, str):
            value = dt.date.fromisoformat(value.strip()[:10])
        day = value.date() if isinstance(value, dt.datetime) else value
        if day not in days:
            days.append(day)
    if format != "long" or len(days) < 2 or len({day.year for day in days}) > 1:
        return format_list([date(day, format) for day in days])
    locale = _current_locale()
    pattern = re.sub(r"'[^']*'", "", locale.date_formats["long"].pattern)  # quoted literals are not fields
    year_first, month_first = pattern.find("y") < pattern.find("d"), pattern.find("M") < pattern.find("d")
    full = 0 if year_first else len(days) - 1  # the year is written once: first (ja, zh) or last
    grouped = not month_first or year_first  # "March 3, 5, and 9, 2026" would end on a bare day: en-US is not
    items = []
    for i, day in enumerate(days):
        # Days of one month share its name, written once where the language puts it: beside the last of them
        # ("3, 5 et 9 mars 2026", "3., 5. und 9. März") or the first ("2026年3月3日、5日、9日").
        beside = days[i - 1 : i] if month_first else days[i + 1 : i + 2]
        if grouped and i != full and beside and _same_month(day, beside[0]):
            items.append(_day_only(day, locale, month_first))
        else:
            items.append(date(day, "long") if i == full else format_skeleton("MMMMd", day, locale=locale))
    return format_list(items)


def _same_month(one: dt.date, other: dt.date) -> bool:
    return (one.year, one.month) == (other.year, other.month)


def _day_only(day: dt.date, locale: Locale, month_first: bool) -> str:
    """The day of `day` as the locale writes it before or after its month: "5." (de), "5" (fr, es), "5日" (ja)."""
    if month_first:
        return format_skeleton("d", day, locale=locale)
    return format_skeleton("MMMMd", day, locale=locale).split(" ")[0]


def percent(value: Any) -> str:
    """A percent number (12.75, not 0.1275) with at most two decimals, in the locale's percent format."""
    if value is None:
        return ""
    number = _decimal(value).quantize(Decimal("0.01")).normalize()
    return format_percent(number / 100, locale=_current_locale(), decimal_quantization=False)


def add_days(value: dt.date, days: int) -> dt.date:
    """The calendar date `days` after `value` (for "please pay by" lines)."""
    return value + dt.timedelta(days=int(days))


def pad(value: Any, width: int, align: str = "left") -> str:
    """`value` padded to `width` display columns (wide CJK characters count two); never truncated.

    A value as wide as the column or wider still gets one space on its outer side, so neighbouring columns of a
    plain-text table never run together ("Rechnungsdatum Fällig am", not "RechnungsdatumFällig am").
    """
    text = str(value)
    shortfall = max(int(width) - _display_width(text), 1)
    return " " * shortfall + text if align == "right" else text + " " * shortfall


@functools.lru_cache(maxsize=8192)
def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pass_environment
def wordwrap(
    environment: Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja's own `wordwrap`, remembered: the plain-text layout wraps the same sentences in reminder after
    reminder, and `textwrap` is slow."""
    if wrapstring is None:
        wrapstring = environment.newline_sequence
    key = (s, width, type(width), break_long_words, wrapstring, break_on_hyphens)
    try:
        text = _WRAPPED.get(key) if type(s) is str else None
    except TypeError:  # an unhashable argument: nothing to remember
        return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)
    if text is None:
        text = do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)
        if type(s) is str:
            _remember(_WRAPPED, key, text)
    return text


# Chinese and Japanese break between characters, but a line never starts with closing punctuation or small kana,
# and never ends with opening punctuation (kinsoku shori, simplified).
_NO_LINE_START = frozenset(
    "、。，．,.)）]］}｝」』】〕〉》〗!！?？:：;；%％…‥・ーゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
_NO_LINE_END = frozenset("(（[［{｛「『【〔〈《〖")


@pass_environment
def wrap(environment: Environment, value: Any, width: int = 76) -> str:
    """`value` in lines of at most `width` display columns (wide CJK characters count two) where it can be broken.

    Text without wide characters wraps between words as ``wordwrap(width, break_long_words=false,
    break_on_hyphens=false)`` does (a word longer than the line, such as a URL, keeps its own line; "ci-dessus" and
    "INV-2026-0042" are not split at their hyphens). Text with them is also broken between two
    wide characters — Chinese and Japanese put no spaces between words — but never before closing punctuation or
    small kana and never after opening punctuation. Never broken inside: a statute's section sign or article and
    its number ("§ 288 Abs. 2", "art. L441-10", "Art. 104"), a payment reference or IBAN, a date written with
    spaces (`_together`). Existing line breaks are kept.
    """
    text = str(value)
    locale = _current_locale()
    key = ("wrap", text, width, str(locale), environment.newline_sequence)
    done = _WRAPPED.get(key)
    if done is not None:
        return done
    together = _together(locale)
    if not any(_display_width(ch) == 2 for ch in text):
        kept = together.sub(lambda match: match.group().replace(" ", _KEEP), text) if " " in text else text
        done = wordwrap(environment, kept, width, break_long_words=False, break_on_hyphens=False).replace(_KEEP, " ")
    else:
        done = environment.newline_sequence.join(
            _wrap_wide(line, int(width), together) for line in text.splitlines() or [""]
        )
    _remember(_WRAPPED, key, done)
    return done


# A space the wrap must not break at (inside a payment reference or a date); put back as a space afterwards.
_KEEP = "\ue000"


# A statute's section sign or article word and its number — "§ 288", "§§ 286, 288", "art. L441-10", "Art. 104",
# "artikel 6:96", with a following "Abs. 2" / "al. 1" / "lid 6" — a no-break unit, as legal typography keeps it
# (a "§" alone at a line's end cites nothing). The number may carry letters, colons and hyphens: L441-10, 6:96.
_NUMBER = r"[A-Z]{0,2}[0-9][0-9A-Za-z:/-]*"
_CITATION = (
    rf"(?<![\w])(?:§§?|artt?\.|artikel|article|artículo|articolo|artigo|abs\.|al\.|lid)"
    rf" {_NUMBER}(?:, {_NUMBER})*(?:,? (?:abs\.|al\.|lid|para\.) [0-9]+[a-z]?)?(?![\w])"
)


@functools.lru_cache(maxsize=64)
def _together(locale: Locale) -> re.Pattern[str]:
    """What a line must not be broken inside: a statute's section and number ("§ 288 Abs. 2", "art. L441-10",
    `_CITATION`), a payment reference or IBAN written in groups of four ("RF18 5390
    0754 7034", "DE89 3704 0044 0532 0130 00"), a Swiss QR reference ("21 00000 00003 13947 14300 09017") and a
    date the locale writes with spaces ("11. Dezember 2026", "1 de diciembre de 2026", "December 11, 2026",
    "2026年12月11日")."""
    names: set[str] = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names.update(str(name).rstrip(".") for name in locale.months.get(context, {}).get(width, {}).values())
    month = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True) if name)
    parts = [
        _CITATION,
        r"(?-i:(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?: [0-9A-Z]{4})+(?: [0-9A-Z]{1,3})?(?![0-9A-Za-z]))",
        r"(?<![0-9])[0-9]{2}(?: [0-9]{5}){5}(?![0-9])",
        r"(?:[0-9]{4}年)?[0-9]{1,2}月(?:[0-9]{1,2}日)?",
    ]
    if month:
        parts += [
            rf"(?<![\w.])[0-9]{{1,2}}\.?(?: de)? (?:{month})\.?(?:,?(?: de)? [0-9]{{4}})?(?![\w])",
            rf"(?<![\w])(?:{month})\.? [0-9]{{1,2}}(?:, [0-9]{{4}})?(?![0-9])",
        ]
    return re.compile("|".join(parts), re.IGNORECASE)


def _wrap_wide(line: str, width: int, together: re.Pattern[str] | None = None) -> str:
    units: list[str] = []
    kept = f"(?:{together.pattern})|" if together is not None else ""
    for match in re.finditer(kept + r"\s+|\S", line, re.IGNORECASE if together is not None else 0):
        piece = match.group()
        previous = units[-1][-1] if units else " "
        glue = not previous.isspace() and (
            piece[0] in _NO_LINE_START
            or previous in _NO_LINE_END
            or (not piece.isspace() and _display_width(piece) == 1 and _display_width(previous) == 1)
        )
        if glue:
            units[-1] += piece
        else:
            units.append(piece)
    lines: list[str] = []
    current, used = "", 0
    for unit in units:
        size = _display_width(unit)
        if current and used + size - (size if unit.isspace() else 0) > width:
            lines.append(current.rstrip())
            current, used = ("", 0) if unit.isspace() else (unit, size)
        else:
            current, used = current + unit, used + size
    lines.append(current.rstrip())
    return "\n".join(lines)


def http_url(value: Any) -> str:
    """`value` when it is an absolute http(s) URL without whitespace, else "" (no javascript: links)."""
    if not value:
        return ""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(ch.isspace() for ch in text):
        return ""
    return text


def _decimal(value: Any) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def _current_formats() -> _Formats:
    formats = _locale.get(None)
    return formats if formats is not None else _formats_for(FALLBACK_LANGUAGE, "")


def _current_locale() -> Locale:
    return _current_formats().locale


def _remember(cache: dict[Any, str], key: Any, text: str) -> None:
    if len(cache) >= _REMEMBERED:
        cache.clear()
    cache[key] = text


def _split_tag(tag: str | None) -> tuple[str, str]:
    """("de", "CH") from "de-CH", ("pt", "BR") from "pt_BR", ("zh", "CN") from "zh-Hans-CN", ("", "") if unusable."""
    text = str(tag or "").strip()
    if not _TAG.match(text):
        return "", ""
    parts = re.split(r"[-_]", text)
    region = next((p.upper() for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())), "")
    return parts[0].lower(), region


@functools.lru_cache(maxsize=1024)
def _formats_for(language: str, country: str) -> _Formats:
    for identifier in (f"{language}_{country}" if country else "", language, FALLBACK_LANGUAGE):
        if not identifier:
            continue
        try:
            return _Formats(Locale.parse(identifier))
        except (UnknownLocaleError, ValueError):
            continue
    return _Formats(Locale.parse(FALLBACK_LANGUAGE))


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
