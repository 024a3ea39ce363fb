"""Plain-text layout for the `.txt.j2` templates: display width, padding and line wrapping, CJK-aware.

Wide East-Asian characters count two display columns (`display_width`). `pad(text, width, align="left")` pads to a
column for aligned plain-text tables; `wordwrap` is Jinja's own filter, remembered; `wrap(text, width=76)` gives
lines of at most `width` display columns: between words, and in Chinese and Japanese text between characters, never
before closing punctuation nor after opening punctuation, and never inside a statute citation, a payment reference
or IBAN, or a date as the current locale (`formats.current_locale`) writes it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from babel import Locale
from jinja2 import Environment, pass_environment
from jinja2.filters import do_wordwrap

from arcollect.mail.formats import current_locale, remember

_WRAPPED: dict[tuple[Any, ...], str] = {}


def pad(value: Any, width: int, align: str = "left") -> str:
    """`value` padded to `width` display columns (wide CJK characters count two); never truncated.

    A value as wide as the column or wider still gets one space on its outer side, so neighbouring columns of a
    plain-text table never run together ("Rechnungsdatum Fällig am", not "RechnungsdatumFällig am").
    """
    text = str(value)
    shortfall = max(int(width) - display_width(text), 1)
    return " " * shortfall + text if align == "right" else text + " " * shortfall


@functools.lru_cache(maxsize=8192)
def display_width(text: str) -> int:
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
            remember(_WRAPPED, key, text)
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
    locale = current_locale()
    key = ("wrap", text, width, str(locale), environment.newline_sequence)
    done = _WRAPPED.get(key)
    if done is not None:
        return done
    together = _together(locale)
    if not any(display_width(ch) == 2 for ch in text):
        kept = together.sub(lambda match: match.group().replace(" ", _KEEP), text) if " " in text else text
        done = wordwrap(environment, kept, width, break_long_words=False, break_on_hyphens=False).replace(_KEEP, " ")
    else:
        done = environment.newline_sequence.join(
            _wrap_wide(line, int(width), together) for line in text.splitlines() or [""]
        )
    remember(_WRAPPED, key, done)
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
            or (not piece.isspace() and display_width(piece) == 1 and display_width(previous) == 1)
        )
        if glue:
            units[-1] += piece
        else:
            units.append(piece)
    lines: list[str] = []
    current, used = "", 0
    for unit in units:
        size = display_width(unit)
        if current and used + size - (size if unit.isspace() else 0) > width:
            lines.append(current.rstrip())
            current, used = ("", 0) if unit.isspace() else (unit, size)
        else:
            current, used = current + unit, used + size
    lines.append(current.rstrip())
    return "\n".join(lines)
