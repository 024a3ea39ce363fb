"""Contractual late-charge rules: the late interest a contract sets, where no statute applies or instead of it.

    >>> from arcollect.engine.law import contract
    >>> rule = contract.parse("1.5 % per month")
    >>> rule.annual_rate, rule.series
    (Decimal('18.0'), None)
    >>> contract.parse("8 points over ECB").describe("de")
    '8 Prozentpunkte über dem Hauptrefinanzierungssatz der EZB'
    >>> contract.parse("1.5% per month").describe("fr")
    '1,5 % par mois'

Forms understood (case and spacing free, decimal point or comma):

- ``X % per month`` (also "a month", "monthly", "/month", "p.m."): simple interest at 12 × X % a year, day by day
  (ACT/365): 1.5 % per month is 18 % a year.
- ``X % per year`` (also "a year", "per annum", "p.a.", "annual", "yearly"): simple interest at X % a year.
- ``X points over ECB`` (also "X % over ECB", "ECB + X"): the ECB main refinancing rate in force on 1 January /
  1 July + X, per half-year, as the Late Payment Directive reckons its minimum. This is how a contract can adopt
  the directive's rate: as a contractual clause, labelled as such in every letter, never as a law.
- ``X points over BoE`` ("Bank of England base rate"): the Bank Rate on 31 December / 30 June + X, per half-year.

A rule that is not understood raises `InputError` with the forms above. A contractual rule replaces the statutory
interest; the statutory fixed compensation, where the governing law gives one, is still claimed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

from arcollect.errors import InputError

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_PER_MONTH = re.compile(rf"^{_NUMBER}\s*%?\s*(?:per month|a month|monthly|/\s*month|p\.?\s?m\.?)$")
_PER_YEAR = re.compile(rf"^{_NUMBER}\s*%?\s*(?:per year|a year|per annum|p\.?\s?a\.?|annual|yearly|/\s*year)$")
_OVER = re.compile(
    rf"^{_NUMBER}\s*(?:%|percentage points?|points?|pp|pts?)?\s*(?:over|above|\+)\s*(?:the\s+)?(\w[\w ]*)$"
)
_PLUS = re.compile(rf"^(\w[\w ]*?)\s*\+\s*{_NUMBER}\s*(?:%|percentage points?|points?|pp|pts?)?$")
_SERIES = {
    "ecb": "ECB_MRO",
    "ecb rate": "ECB_MRO",
    "ecb main refinancing rate": "ECB_MRO",
    "boe": "GB_BANK_RATE",
    "boe base rate": "GB_BANK_RATE",
    "bank of england base rate": "GB_BANK_RATE",
    "base rate": "GB_BANK_RATE",
}
_FORMS = "'1.5 % per month', '12 % per year' or '8 points over ECB'"

_MONTH = {
    "en": "{rate} % per month", "de": "{rate} % pro Monat", "fr": "{rate} % par mois", "nl": "{rate} % per maand",
    "es": "{rate} % al mes", "it": "{rate} % al mese", "pt": "{rate} % ao mês", "ja": "月{rate}%",
    "zh": "每月{rate}%",
}  # fmt: skip
_YEAR = {
    "en": "{rate} % per year", "de": "{rate} % pro Jahr", "fr": "{rate} % par an", "nl": "{rate} % per jaar",
    "es": "{rate} % anual", "it": "{rate} % annuo", "pt": "{rate} % ao ano", "ja": "年{rate}%", "zh": "年利率{rate}%",
}  # fmt: skip
_OVER_TEXT = {
    "ECB_MRO": {
        "en": "{rate} percentage points above the ECB main refinancing rate",
        "de": "{rate} Prozentpunkte über dem Hauptrefinanzierungssatz der EZB",
        "fr": "{rate} points de pourcentage au-dessus du taux des opérations principales de refinancement de la BCE",
        "nl": "{rate} procentpunt boven de basisherfinancieringsrente van de ECB",
        "es": "{rate} puntos porcentuales por encima del tipo de las operaciones principales de financiación del BCE",
        "it": "{rate} punti percentuali sopra il tasso delle operazioni di rifinanziamento principali della BCE",
        "pt": "{rate} pontos percentuais acima da taxa das operações principais de refinanciamento do BCE",
        "ja": "欧州中央銀行の主要リファイナンス金利に{rate}パーセントポイントを加えた率",
        "zh": "欧洲中央银行主要再融资利率加{rate}个百分点",
    },
    "GB_BANK_RATE": {
        "en": "{rate} percentage points above the Bank of England base rate",
        "de": "{rate} Prozentpunkte über dem Leitzins der Bank of England",
        "fr": "{rate} points de pourcentage au-dessus du taux directeur de la Banque d'Angleterre",
        "nl": "{rate} procentpunt boven de basisrente van de Bank of England",
        "es": "{rate} puntos porcentuales por encima del tipo oficial del Banco de Inglaterra",
        "it": "{rate} punti percentuali sopra il tasso ufficiale della Banca d'Inghilterra",
        "pt": "{rate} pontos percentuais acima da taxa diretora do Banco de Inglaterra",
        "ja": "イングランド銀行の政策金利に{rate}パーセントポイントを加えた率",
        "zh": "英格兰银行基准利率加{rate}个百分点",
    },
}


@dataclass(frozen=True)
class ContractRule:
    """A contractual late-charge rule; `annual_rate` for fixed rates, `series` + `margin` for floating ones."""

    text: str
    kind: str  # "month", "year" or "over"
    value: Decimal  # the number as written: X % per month / year, or X points
    series: str | None = None

    @property
    def annual_rate(self) -> Decimal | None:
        """The yearly rate of a fixed rule (per month × 12); None for a rule over a reference rate."""
        if self.kind == "month":
            return self.value * 12
        if self.kind == "year":
            return self.value
        return None

    @property
    def margin(self) -> Decimal:
        """The percent a year added to `series` (0 for none): the fixed rate itself for a fixed rule."""
        return self.value if self.kind == "over" else (self.annual_rate or Decimal(0))

    def describe(self, language: str) -> str:
        """The rule in `language`, numbers in its format (English for a language without a text)."""
        locale = {"zh": "zh_Hans_CN", "pt": "pt_PT"}.get(language, language)
        try:
            rate = format_decimal(self.value, locale=locale)
        except Exception:
            rate, language = format_decimal(self.value, locale="en"), "en"
        texts = _OVER_TEXT[str(self.series)] if self.kind == "over" else _MONTH if self.kind == "month" else _YEAR
        return texts.get(language, texts["en"]).format(rate=rate)


def parse(text: str) -> ContractRule:
    """The rule in `text` (see the module docstring); `InputError` naming the forms understood otherwise."""
    cleaned = " ".join(str(text).strip().lower().replace("percent", "%").split())
    if match := _PER_MONTH.match(cleaned):
        return ContractRule(str(text).strip(), "month", _decimal(match[1], text))
    if match := _PER_YEAR.match(cleaned):
        return ContractRule(str(text).strip(), "year", _decimal(match[1], text))
    number, name = None, None
    if match := _OVER.match(cleaned):
        number, name = match[1], match[2]
    elif match := _PLUS.match(cleaned):
        name, number = match[1], match[2]
    if number is not None and name is not None:
        series = _SERIES.get(name.strip())
        if series is None:
            raise InputError(
                f"Late charge '{text}': the reference rate '{name.strip()}' is not known — use ECB or BoE, e.g. "
                "{_FORMS}"
            )
        return ContractRule(str(text).strip(), "over", _decimal(number, text), series)
    raise InputError(f"Late charge '{text}' not understood — write it like {_FORMS}")


def _decimal(number: str, text: str) -> Decimal:
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation:
        raise InputError(f"Late charge '{text}': '{number}' is not a number") from None
    if not 0 <= value <= 100:
        raise InputError(f"Late charge '{text}': {value} % is not a plausible rate")
    return value
