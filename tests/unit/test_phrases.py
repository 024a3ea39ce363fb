"""European payment-terms phrases in front of the terms parser (engine/phrases.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from arcollect.engine import phrases, terms
from arcollect.errors import InputError


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("30 Tage netto", "net 30"),
        ("netto 30 Tage", "net 30"),
        ("Zahlbar innerhalb von 30 Tagen", "net 30"),
        ("14 Tage 2 % Skonto, 30 Tage netto", "2/14 net 30"),
        ("2 % Skonto bei Zahlung innerhalb von 10 Tagen, 30 Tage netto", "2/10 net 30"),
        ("3 % 8 Tage, 2 % 14 Tage, 30 Tage netto", "3/8 2/14 net 30"),
        ("1,5 % Skonto 10 Tage, 45 Tage netto", "1.5/10 net 45"),
        ("Zahlbar sofort ohne Abzug", "due on receipt"),
        ("30 Tage netto ab Monatsende", "net 30 EOM"),
        ("Vorkasse", "CIA"),
        ("per Nachnahme", "COD"),
        ("30 jours net", "net 30"),
        ("paiement à 30 jours", "net 30"),
        ("2 % d'escompte à 10 jours, 30 jours net", "2/10 net 30"),
        ("30 jours fin de mois", "net 30 EOM"),
        ("à réception de facture", "due on receipt"),
        ("30 dagen netto", "net 30"),
        ("betaling binnen 30 dagen", "net 30"),
        ("2% korting binnen 10 dagen, 30 dagen netto", "2/10 net 30"),
        ("30 dagen na einde maand", "net 30 EOM"),
        ("30 días neto", "net 30"),
        ("pago a 30 días", "net 30"),
        ("al contado", "due on receipt"),
        ("2% descuento 10 días, 30 días neto", "2/10 net 30"),
        ("30 giorni netto", "net 30"),
        ("pagamento a 30 gg", "net 30"),
        ("rimessa diretta", "due on receipt"),
        ("30 days net", "net 30"),
    ],
)
def test_a_european_phrase_becomes_the_english_terms_it_means(text, english):
    assert phrases.to_english(text) == english
    assert phrases.parse(text) == terms.parse(english)


@pytest.mark.parametrize("text", ["2/10 net 30", "net 30 EOM", "Due on receipt", "n30", "1/10 EOM", "COD"])
def test_english_terms_pass_through_untouched(text):
    assert phrases.to_english(text) == text


def test_the_due_date_of_german_terms_is_the_engines():
    assert terms.due_date(phrases.parse("30 Tage netto"), dt.date(2026, 9, 5)) == dt.date(2026, 10, 5)
    assert terms.due_date(phrases.parse("30 jours fin de mois"), dt.date(2026, 9, 12)) == dt.date(2026, 10, 30)


@pytest.mark.parametrize("text", ["nach Vereinbarung", "Skonto", "60 giorni data fattura fine mese", "30 gg DFFM"])
def test_what_cannot_be_computed_is_not_understood_and_named_as_written(text):
    with pytest.raises(InputError, match=f"Payment terms '{text}'"):
        phrases.parse(text)


def test_parse_column_reads_each_distinct_text_once_and_reports_bad_rows_as_written():
    column = pd.Series(["30 Tage netto", None, "nach Vereinbarung", "30 Tage netto"], index=[2, 3, 4, 5])
    parsed, problems = phrases.parse_column(column)
    assert parsed[2] == terms.parse("net 30") and parsed[3] is None and parsed[4] is None
    assert [(row, text) for row, text, _message in problems] == [(4, "nach Vereinbarung")]
