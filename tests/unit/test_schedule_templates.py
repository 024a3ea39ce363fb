"""The schedule's own emails to the finance contact — the digest and the failure alert — are templates rendered
like reminders, in the finance contact's language (FinanceLanguage), HTML escaped and plain text."""

from __future__ import annotations

import datetime as dt

import pytest

from arcollect.book.settings_values import language_tag
from arcollect.mail.render import Renderer
from arcollect.scheduler import ALERT_TEMPLATE, DIGEST_TEMPLATE

DAY = dt.date(2026, 11, 24)
ROWS = [
    {"customer": "Müller & Söhne <GmbH>", "level": "Friendly", "at": "2026-11-24 09:00 CET"},
    {"customer": "Dupont SA", "level": "Firm", "at": "2026-11-24 09:05 CET"},
]
DIGEST = {"workbook": "Receivables.xlsx", "zone": "Europe/Berlin", "day": DAY, "rows": ROWS}
ALERT = {"workbook": "Receivables.xlsx", "failures": 3, "reason": "Not an <xlsx> file", "at": "2026-11-24 09:45 UTC"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize(
    ("language", "subject", "said", "date"),
    [
        ("en", "arcollect: 2 reminders go out in Europe/Berlin on 2026-11-24",
         "2 reminders from Receivables.xlsx go out", "Tuesday, November 24, 2026"),
        ("de", "arcollect: 2 Zahlungserinnerungen gehen am 24.11.2026 in Europe/Berlin hinaus",
         "2 Zahlungserinnerungen aus Receivables.xlsx werden am", "Dienstag, 24. November 2026"),
        ("fr", "arcollect : 2 relances partent le 24 nov. 2026 (Europe/Berlin)",
         "2 relances de Receivables.xlsx seront", "mardi 24 novembre 2026"),
    ],
)  # fmt: skip
def test_the_digest_in_the_finance_contacts_language(renderer, language, subject, said, date):
    rendered = renderer.render(DIGEST_TEMPLATE, language, DIGEST)
    assert (rendered.language, rendered.subject) == (language, subject)
    for body in (rendered.html, rendered.text):
        assert said in body and date in body
        assert body.index("Müller") < body.index("Dupont SA"), "in the order they go out"
        assert "09:05 CET" in body and "Firm" in body
    assert "Müller &amp; Söhne &lt;GmbH&gt;" in rendered.html and "<GmbH>" not in rendered.html
    assert "2026-11-24 09:00 CET · Müller & Söhne <GmbH> · Friendly" in rendered.text
    assert f'<html lang="{language}">' in rendered.html


def test_one_reminder_is_singular(renderer):
    one = {**DIGEST, "rows": ROWS[:1]}
    assert renderer.render(DIGEST_TEMPLATE, "en", one).subject.startswith("arcollect: 1 reminder goes out in")
    assert "1 Zahlungserinnerung geht am" in renderer.render(DIGEST_TEMPLATE, "de", one).subject


@pytest.mark.parametrize(
    ("language", "subject", "said"),
    [
        ("en", "arcollect schedule of Receivables.xlsx failed 3 times in a row", "You get this email once"),
        ("de", "arcollect: Der Zeitplan für Receivables.xlsx ist 3-mal in Folge fehlgeschlagen",
         "Diese E-Mail kommt einmal"),
        ("fr", "arcollect : la planification de Receivables.xlsx a échoué 3 fois de suite", "Ce message n’est envoyé"),
    ],
)  # fmt: skip
def test_the_failure_alert_in_the_finance_contacts_language(renderer, language, subject, said):
    rendered = renderer.render(ALERT_TEMPLATE, language, ALERT)
    assert (rendered.language, rendered.subject) == (language, subject)
    assert said in rendered.html and said in rendered.text
    assert "Not an &lt;xlsx&gt; file" in rendered.html and "Not an <xlsx> file" in rendered.text
    assert "2026-11-24 09:45 UTC" in rendered.text


def test_a_language_without_these_templates_gets_english_in_its_own_formats(renderer):
    rendered = renderer.render(DIGEST_TEMPLATE, "de-CH", DIGEST)
    assert rendered.language == "de" and "24.11.2026" in rendered.subject
    assert renderer.render(DIGEST_TEMPLATE, "ja", DIGEST).language == "en"


def test_finance_language_accepts_a_language_tag_only():
    assert [language_tag(value) for value in ("de", " FR ", "de_ch", "zh-Hant")] == ["de", "fr", "de-CH", "zh-Hant"]
    for bad in ("", "german language", "d", "de/../x"):
        with pytest.raises(ValueError, match="language code"):
            language_tag(bad)
