"""Payment terms as European ERPs print them, turned into the terms `engine.terms` reads.

    >>> from arcollect.engine import phrases
    >>> phrases.to_english("30 Tage netto")
    'net 30'
    >>> phrases.to_english("14 Tage 2 % Skonto, 30 Tage netto")
    '2/14 net 30'
    >>> phrases.to_english("Zahlbar sofort ohne Abzug")
    'due on receipt'
    >>> phrases.to_english("30 jours fin de mois")
    'net 30 EOM'
    >>> phrases.to_english("2/10 net 30")                   # English passes through untouched
    '2/10 net 30'
    >>> phrases.parse("30 dagen netto").net_days
    30

A layer in front of `terms.parse`: it knows words, not dates. Each phrase becomes the English terms the parser
already understands, so every rule about due dates, discounts and EOM stays in one place (`engine.terms`).

What is read, in German, French, Dutch, Spanish and Italian (case, accents and punctuation do not matter):

- **net days**: a number of days with a net word or on its own — "30 Tage netto", "netto 30 Tage", "zahlbar
  innerhalb von 30 Tagen", "30 jours net", "paiement à 30 jours", "30 dagen netto", "betaling binnen 30 dagen",
  "30 días neto", "pago a 30 días", "30 giorni netto", "pagamento a 30 gg", "30 gg df" (data fattura);
- **a discount**: a percentage with a discount word (Skonto, escompte, remise, korting, descuento, sconto) and a
  number of days, in either order — "14 Tage 2 % Skonto", "2 % Skonto bei Zahlung innerhalb von 14 Tagen",
  "2 % d'escompte à 10 jours", "2% korting binnen 10 dagen"; several clauses make tiers ("3 % 8 Tage, 2 % 14
  Tage, 30 Tage netto" → "3/8 2/14 net 30"); a decimal comma is a decimal point ("1,5 % Skonto");
- **end of month**: "fin de mois", "Monatsende", "einde (van de) maand", "fin de mes", "fine mese" (and "FM", "FDM")
  make EOM terms — counted, as `engine.terms` counts EOM, from the last day of the invoice month ("30 jours fin de
  mois" = month end + 30 days, one of the two readings French practice allows; the other, invoice date + 30 days
  then to month end, is not one arcollect computes, so such terms should be written as a due date);
- **immediate payment**: "sofort", "zahlbar sofort ohne Abzug", "bei Erhalt", "comptant", "à réception", "direct",
  "contant", "bij ontvangst", "al contado", "a la recepción", "rimessa diretta", "a vista" → due on receipt; cash on
  delivery ("Nachnahme", "contre remboursement", "rembours", "contra reembolso", "contrassegno") → COD; payment in
  advance ("Vorkasse", "Vorauszahlung", "paiement d'avance", "vooruitbetaling", "pago anticipado", "pagamento
  anticipato") → CIA.

Terms the parser reads as they are (English) are never rewritten, and text with none of these words is passed on as
it is, so English terms and their error messages are unchanged ("30 days net" is read too). A phrase that has the
words but not a usable shape ("Skonto" without a number of days) is passed on, and the parser's error names the
user's own text. So is "data fattura fine mese" (DFFM): it states the other month-end reading, which arcollect
does not compute.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import pandas as pd

from arcollect.engine import terms
from arcollect.errors import InputError

_DAYS = r"(?:tage|tagen|tag|tg|jours|jour|j|dagen|dag|dg|dias|dia|giorni|giorno|gg|gs|days|day|d)"
_DISCOUNT = r"(?:skonto|escompte|remise|korting|descuento|dto|sconto)"
_EOM = (
    r"(?:fin\s+de\s+mois|fdm|f\s*d\s*m|monatsende|ende\s+des\s+monats|ab\s+ende\s+monat|einde\s+(?:van\s+de\s+)?maand|"
    r"einde\s+mnd|fin\s+de\s+mes|fine\s+mese|f\s*m)"
)
_FOREIGN = re.compile(
    rf"\b(?:netto|neto|net|{_DAYS}|{_DISCOUNT}|sofort|umgehend|abzug|erhalt|comptant|reception|direct|contant|"
    r"ontvangst|contado|recepcion|rimessa|vista|nachnahme|remboursement|rembours|reembolso|contrassegno|vorkasse|"
    r"vorauszahlung|avance|vooruitbetaling|anticipado|anticipato|zahlbar|payable|paiement|betaling|pago|pagamento|"
    rf"innerhalb|binnen|entro|dentro|mois|maand|mes|mese|monatsende|{_EOM})\b"
)
_OTHER_MONTH_END = re.compile(r"\b(?:data\s+fattura\s+fine\s+mese|d\s*f\s*f\s*m|df\s+fm|date\s+de\s+facture\s+fin)\b")
_IMMEDIATE = (
    r"sofort|umgehend|bei\s+erhalt|nach\s+erhalt|ohne\s+abzug\s+sofort|rein\s+netto\s+kasse|netto\s+kasse|"
    r"comptant|a\s+reception|des\s+reception|a\s+la\s+reception|a\s+vue|"
    r"direct|per\s+direct|contant|bij\s+ontvangst|na\s+ontvangst|"
    r"al\s+contado|contado|a\s+la\s+recepcion|a\s+la\s+vista|"
    r"rimessa\s+diretta|a\s+vista|vista\s+fattura|pagamento\s+immediato|immediato"
)
_COD = r"nachnahme|contre\s+remboursement|rembours|onder\s+rembours|contra\s+reembolso|contrassegno"
_CIA = (
    r"vorkasse|vorauszahlung|paiement\s+d\s*avance|paiement\s+anticipe|vooruitbetaling|pago\s+anticipado|"
    r"pagamento\s+anticipato"
)
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_DAYS_NUMBER = re.compile(rf"(\d+)\s*{_DAYS}\b|\b{_DAYS}\s*(\d+)\b")
_LONE_NUMBER = re.compile(r"\b(\d{1,4})\b")
_CLAUSES = re.compile(r";|,(?!\d)|(?<!\d),|\b(?:und|sonst|danach|ansonsten|oder|et|ou|puis|en|anders|of|y|o|e)\b")


def to_english(text: str) -> str:
    """The English terms for a European phrase; other text (English included) comes back unchanged."""
    if not isinstance(text, str):
        return text
    return _to_english(text.strip())


@lru_cache(maxsize=4096)
def _to_english(text: str) -> str:
    folded = _fold(text)
    if not folded or _understood(text) or not _FOREIGN.search(folded) or _OTHER_MONTH_END.search(folded):
        return text
    eom = bool(re.search(rf"\b{_EOM}\b", folded))
    tiers: list[tuple[str, int]] = []
    net: int | None = None
    for clause in filter(None, (part.strip() for part in _CLAUSES.split(re.sub(rf"\b{_EOM}\b", " ", folded)))):
        percent = _PERCENT.search(clause)
        days = _days(clause, percent)
        if percent and days is not None:
            tiers.append((percent.group(1).replace(",", "."), days))
        elif days is not None and not percent:
            net = days if net is None else max(net, days)
        elif percent is None and _is(clause, _COD):
            return "COD"
        elif percent is None and _is(clause, _CIA):
            return "CIA"
        elif percent is None and _is(clause, _IMMEDIATE):
            net = 0 if net is None else net
        else:
            return text  # words we know in a shape we do not: let the parser say it is not understood
    if net is None and not tiers:
        return text
    tiers.sort(key=lambda tier: tier[1])
    parts = [f"{percent}/{days}" for percent, days in tiers]
    if net is None:
        return " ".join([*parts, "EOM"]) if eom else text
    if net == 0 and not tiers and not eom:
        return "due on receipt"
    return " ".join([*parts, f"net {net}", *(["EOM"] if eom else [])])


def _understood(text: str) -> bool:
    """True for terms `engine.terms` reads as they are (English): those are never rewritten."""
    try:
        terms.parse(text)
    except InputError:
        return False
    return True


def _days(clause: str, percent: re.Match[str] | None) -> int | None:
    """The number of days a clause names ("30 Tage", "binnen 30 dagen", "gg 30"), else a lone number in it."""
    found = _DAYS_NUMBER.search(clause)
    if found:
        return int(found.group(1) or found.group(2))
    rest = _PERCENT.sub(" ", clause) if percent else clause
    numbers = _LONE_NUMBER.findall(rest)
    return int(numbers[0]) if len(numbers) == 1 and re.search(r"[a-z]", rest) else None


def _is(clause: str, pattern: str) -> bool:
    return re.search(rf"\b(?:{pattern})\b", clause) is not None


def _fold(text: str) -> str:
    """Lower case, accents off, apostrophes and dots as spaces: "Zahlbar sofort, ohne Abzug." → plain words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"['’`]", " ", plain)
    plain = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", plain)
    return " ".join(plain.split())


def parse(text: str | terms.Terms) -> terms.Terms:
    """`terms.parse` of `to_english(text)`; an error names the text as the user wrote it."""
    if isinstance(text, terms.Terms):
        return text
    english = to_english(text)
    try:
        return terms.parse(english)
    except InputError as error:
        if english == text:
            raise
        raise InputError(f"Payment terms '{text}' read as '{english}', which cannot be used: {_why(error)}") from None


def _why(error: InputError) -> str:
    message = str(error)
    return message.split(": ", 1)[1] if ": " in message else message


def parse_column(values: Any) -> tuple[pd.Series, list[tuple[Any, Any, str]]]:
    """`terms.parse_column` over the phrases' English forms: each distinct text translated and parsed once.

    Returns the Series of `terms.Terms` (None where missing or bad) and one ``(index label, text as written,
    message)`` per bad row, as `terms.parse_column` does.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    return terms.parse_column(series, parse=_parse_cell)


def _parse_cell(value: Any) -> terms.Terms | None:
    """A cell's terms through the phrases; a value that is neither text nor `terms.Terms` is no terms."""
    return parse(value) if isinstance(value, str | terms.Terms) else None


__all__ = ["parse", "parse_column", "to_english"]
