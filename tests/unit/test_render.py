"""Reminder rendering: every template in every language, locale formats, fallback, errors and hostile input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency

from arcollect.errors import ArcollectError
from arcollect.mail.render import Renderer, RenderError

TEMPLATES = ("incentive", "friendly", "friendly_b", "firm", "final", "escalation", "thanks")
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh")


def _invoice(number: str, days: int, amount: str, **extra: Any) -> dict[str, Any]:
    row = {
        "number": number,
        "invoice_date": date(2026, 9, 1),
        "due_date": date(2026, 10, 1),
        "days_past_due": days,
        "open_amount": Decimal(amount),
        "discount": None,
        "discount_deadline": None,
        "interest": Decimal("0"),
        "compensation": Decimal("0"),
        "payment_link": "https://pay.example.com/i/" + number,
        "po_number": None,
    }
    row.update(extra)
    return row


def make_context(name: str = "Müller & Söhne GmbH", country: str = "DE", language: str = "de") -> dict[str, Any]:
    """A statement in two currencies with a credit note, a discount still available and statutory interest."""
    eur = [
        _invoice("INV-1001", 54, "1234.56", interest=Decimal("16.02"), compensation=Decimal("40.00"), po_number="PO-7"),
        _invoice("INV-1002", -3, "500.00", discount=Decimal("10.00"), discount_deadline=date(2026, 11, 30)),
    ]
    jpy = [_invoice("INV-2001", 12, "123456", interest=Decimal("311"))]
    return {
        "customer": {
            "id": "C-1001",
            "name": name,
            "email": "ap@example.com",
            "country": country,
            "language": language,
            "currency": "EUR",
        },
        "company": {
            "name": "Acme Supplies GmbH",
            "bank_details": "IBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX",
            "reply_to": "ar@acme.example",
            "sender": "ar@acme.example",
        },
        "level": {"number": 2, "name": "Reminder", "tone": "friendly"},
        "as_of": date(2026, 11, 24),
        "sections": [
            {
                "currency": "EUR",
                "invoices": eur,
                "subtotal": Decimal("1734.56"),
                "discount_total": Decimal("10.00"),
                "interest_total": Decimal("16.02"),
                "compensation_total": Decimal("40.00"),
                "total_with_charges": Decimal("1790.58"),
                "credit_total": Decimal("100.00"),
                "credit_applied": Decimal("100.00"),
                "credit_carried": Decimal("0"),
                "amount_due": Decimal("1690.58"),
            },
            {
                "currency": "JPY",
                "invoices": jpy,
                "subtotal": Decimal("123456"),
                "discount_total": Decimal("0"),
                "interest_total": Decimal("311"),
                "compensation_total": Decimal("0"),
                "total_with_charges": Decimal("123767"),
                "credit_total": Decimal("0"),
                "credit_applied": Decimal("0"),
                "credit_carried": Decimal("0"),
                "amount_due": Decimal("123767"),
            },
        ],
        "credits": [{"number": "CN-9001", "currency": "EUR", "open_amount": Decimal("-100.00")}],
        "total_base": Decimal("2445.10"),
        "base_currency": "EUR",
        "payment_link": "https://pay.example.com/i/INV-1001",
        "interest_law": "§ 288 BGB",
        "discount_available": True,
        "other_items": [
            {"number": "INV-1003", "currency": "EUR", "due_date": date(2026, 12, 20), "days_past_due": -26,
             "open_amount": Decimal("75.00"), "status": "Open", "promise_date": None, "plan_date": None},
        ],
        "history": [{"date": date(2026, 11, 10), "level": 1, "name": "Friendly reminder"}],
    }  # fmt: skip


def _plain(text: str) -> str:
    """Babel separates with no-break spaces; compare with ordinary ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _eur(amount: str, language: str, country: str) -> str:
    return _money(amount, "EUR", language, country)


def _money(amount: str, currency: str, language: str, country: str) -> str:
    try:
        locale = Locale.parse(f"{language}_{country}")
    except UnknownLocaleError:
        locale = Locale.parse(language)
    return _plain(format_currency(Decimal(amount), currency, locale=locale))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(renderer: Renderer, template: str, language: str) -> None:
    rendered = renderer.render(template, language, make_context(language=language))
    assert rendered.language == language
    assert rendered.html.strip() and rendered.text.strip()
    assert rendered.subject and "\n" not in rendered.subject and "\r" not in rendered.subject
    for number in ("INV-1001", "INV-1002", "INV-2001"):
        assert number in rendered.text
    assert _eur("1734.56", language, "DE") in _plain(rendered.text)  # the EUR subtotal in the customer's locale


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_friendly_b_variant_has_the_same_words_with_the_payment_details_before_the_statement(
    renderer: Renderer, language: str
) -> None:
    context = make_context(language=language)
    context["level"] = {"number": 1, "name": "Reminder", "tone": "friendly"}
    plain = renderer.render("friendly", language, context)
    variant = renderer.render("friendly_b", language, context)
    assert variant.subject == plain.subject
    for rendered in (plain, variant):
        assert "DE89 3704" in rendered.text and "DE89 3704" in rendered.html
    assert plain.text.index("DE89 3704") > plain.text.index("INV-2001")
    assert variant.text.index("DE89 3704") < variant.text.index("INV-1002")
    assert variant.html.index("DE89 3704") < variant.html.index("INV-1002")
    assert sorted(variant.text.split()) == sorted(plain.text.split())  # only the order differs


def test_german_money_uses_comma_decimals_and_trailing_euro_sign(renderer: Renderer) -> None:
    rendered = renderer.render("friendly", "de", make_context())
    assert "1.234,56 €" in _plain(rendered.text) and "1.234,56 €" in _plain(rendered.html)


def test_japanese_yen_has_no_decimals(renderer: Renderer) -> None:
    rendered = renderer.render("friendly", "ja", make_context(country="JP", language="ja"))
    assert "￥123,456" in rendered.text
    assert "123,456.00" not in rendered.text


def test_unknown_language_falls_back_to_english(renderer: Renderer) -> None:
    rendered = renderer.render("friendly", "sv", make_context(country="SE", language="sv"))
    assert rendered.language == "en"
    assert rendered.subject.startswith("Payment reminder")


def test_regional_tag_uses_the_language_templates_and_the_regional_locale(renderer: Renderer) -> None:
    rendered = renderer.render("friendly", "de-CH", make_context(country="DE"))
    assert rendered.language == "de"
    assert "1’234.56" in rendered.text  # de_CH grouping, not de_DE


def test_customer_country_selects_the_locale(renderer: Renderer) -> None:
    rendered = renderer.render("friendly", "de", make_context(country="AT"))
    assert "€ 1.234,56" in _plain(rendered.text)  # de_AT puts the sign first


def test_text_and_html_share_one_single_line_subject(renderer: Renderer) -> None:
    rendered = renderer.render("final", "fr", make_context(language="fr", country="FR"))
    assert rendered.subject == "Mise en demeure de payer – compte C-1001"


def test_template_code_in_a_customer_name_is_shown_literally_and_escaped(renderer: Renderer) -> None:
    name = "{{ 7*7 }} <script>alert(1)</script>"
    rendered = renderer.render("friendly", "en", make_context(name=name, language="en"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert "{{ 7*7 }}" in rendered.html and "{{ 7*7 }}" in rendered.text
    assert name in rendered.text
    assert "49" not in rendered.text


def test_a_line_break_in_a_name_cannot_add_a_mail_header(renderer: Renderer, tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "named.html.j2").write_text(
        "{% block subject %}Reminder for {{ customer.name }}{% endblock %}<p>{{ customer.name }}</p>"
    )
    (tmp_path / "en" / "named.txt.j2").write_text("{{ customer.name }}")
    rendered = Renderer([tmp_path]).render(
        "named", "en", make_context(name="Evil Corp\r\nBcc: evil@example.com", language="en")
    )
    assert rendered.subject == "Reminder for Evil Corp Bcc: evil@example.com"


def test_a_misspelt_variable_is_an_error_naming_the_template(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "typo.html.j2").write_text("{% block subject %}Hi{% endblock %}\n{{ custmer.name }}")
    (tmp_path / "en" / "typo.txt.j2").write_text("Hi")
    with pytest.raises(RenderError, match=r"Template 'typo' \(en\).*custmer.*line 2"):
        Renderer([tmp_path]).render("typo", "en", make_context())


@pytest.mark.parametrize(
    "expression", ["''.__class__.__mro__", "cycler.__init__.__globals__", "''.__class__.__subclasses__()"]
)
def test_a_user_template_reaching_outside_the_context_fails_and_others_still_render(
    tmp_path: Path, expression: str
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "evil.html.j2").write_text("{% block subject %}x{% endblock %}{{ " + expression + " }}")
    (tmp_path / "en" / "evil.txt.j2").write_text("x")
    renderer = Renderer([tmp_path])
    with pytest.raises(RenderError, match="Template 'evil'") as caught:
        renderer.render("evil", "en", make_context())
    assert isinstance(caught.value, ArcollectError)
    assert renderer.render("friendly", "en", make_context(language="en")).language == "en"


def test_a_user_template_dir_overrides_the_builtin_one(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "friendly.html.j2").write_text("{% block subject %}Eigene Erinnerung{% endblock %}")
    (tmp_path / "de" / "friendly.txt.j2").write_text("Eigener Text {{ sections[0].subtotal | money('EUR') }}")
    rendered = Renderer([tmp_path]).render("friendly", "de", make_context())
    assert rendered.subject == "Eigene Erinnerung"
    assert _plain(rendered.text) == "Eigener Text 1.734,56 €"


def test_a_letter_is_rendered_once_and_again_when_its_template_file_changes(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    html, text = tmp_path / "en" / "kept.html.j2", tmp_path / "en" / "kept.txt.j2"
    html.write_text("{% block subject %}Version A for {{ customer.name }}{% endblock %}")
    text.write_text("Text for {{ customer.name }}")
    context = make_context(name="Acme Ltd", language="en")
    first = Renderer([tmp_path]).render("kept", "en", context)
    assert Renderer([tmp_path]).render("kept", "en", dict(context)) is first  # a later run: not rendered again
    other = Renderer([tmp_path]).render("kept", "en", make_context(name="Other Ltd", language="en"))
    assert (other.subject, other.text) == ("Version A for Other Ltd", "Text for Other Ltd")
    html.write_text("{% block subject %}Version B for {{ customer.name }}{% endblock %}")  # same size, same tick
    changed = Renderer([tmp_path]).render("kept", "en", context)
    assert (changed.subject, changed.text) == ("Version B for Acme Ltd", "Text for Acme Ltd")


def test_equal_values_of_other_types_are_rendered_as_their_own_letter(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "typed.html.j2").write_text("{% block subject %}{{ customer.flag }}{% endblock %}")
    (tmp_path / "en" / "typed.txt.j2").write_text("{{ customer.flag }}")
    renderer = Renderer([tmp_path])
    flags = (True, 1, 1.0, Decimal("1.0"))  # all equal to each other
    texts = [renderer.render("typed", "en", {"customer": {"flag": flag}}).text for flag in flags]
    assert texts == ["True", "1", "1.0", "1.0"]
    assert renderer.render("typed", "en", {"customer": {"flag": Decimal("1.00")}}).subject == "1.00"


def test_a_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "broken.html.j2").write_text("{% block subject %}x{% endblock %}\n\n{% if %}")
    (tmp_path / "en" / "broken.txt.j2").write_text("x")
    with pytest.raises(RenderError, match=r"Template 'broken' \(en\).*line 3"):
        Renderer([tmp_path]).render("broken", "en", make_context())


@pytest.mark.parametrize("name", ["../etc/passwd", "friendly/../../x", ""])
def test_template_names_cannot_leave_the_template_folder(renderer: Renderer, name: str) -> None:
    with pytest.raises(RenderError):
        renderer.render(name, "en", make_context())


def test_only_http_payment_links_become_links(renderer: Renderer) -> None:
    context = make_context(language="en")
    context["sections"][0]["invoices"][0]["payment_link"] = "javascript:alert(1)"
    rendered = renderer.render("friendly", "en", context)
    assert "javascript:" not in rendered.html and "javascript:" not in rendered.text
    assert 'href="https://pay.example.com/i/INV-1002"' in rendered.html  # the other invoice keeps its own link


LISTS = {  # language, country → dates of one year, dates across a new year, three invoice numbers
    ("de", "DE"): ("27. Oktober, 3. und 17. November 2026", "30. Dezember 2025 und 5. Januar 2026",
                   "A1, B2 und C3"),
    ("en", "GB"): ("27 October, 3 and 17 November 2026", "30 December 2025 and 5 January 2026",
                   "A1, B2 and C3"),
    ("en", "US"): ("October 27, November 3, and November 17, 2026", "December 30, 2025 and January 5, 2026",
                   "A1, B2, and C3"),
    ("fr", "FR"): ("27 octobre, 3 et 17 novembre 2026", "30 décembre 2025 et 5 janvier 2026", "A1, B2 et C3"),
    ("ja", "JP"): ("2026年10月27日、11月3日、17日", "2025年12月30日、2026年1月5日", "A1、B2、C3"),
    ("zh", "CN"): ("2026年10月27日、11月3日和17日", "2025年12月30日和2026年1月5日", "A1、B2和C3"),
}  # fmt: skip


@pytest.mark.parametrize(("language", "country"), list(LISTS))
def test_lists_of_dates_and_items_read_as_the_language_writes_them(tmp_path: Path, language: str, country: str) -> None:
    (tmp_path / language).mkdir()
    (tmp_path / language / "lists.html.j2").write_text("{% block subject %}{{ items | format_list }}{% endblock %}")
    (tmp_path / language / "lists.txt.j2").write_text(
        "{{ days | date_list }}\n{{ apart | date_list }}\n{{ days[:1] | date_list }}|{{ [] | date_list }}|"
        "{{ [] | format_list }}\n{{ days | date_list('short') }}\n"
    )
    context = make_context(country=country, language=language)
    context.update(
        items=["A1", "B2", "C3"],  # the same day twice (two levels on one day) is cited once; an ISO text is a date
        days=[date(2026, 10, 27), date(2026, 11, 3), "2026-11-03", date(2026, 11, 17)],
        apart=[date(2025, 12, 30), date(2026, 1, 5)],
    )
    rendered = Renderer([tmp_path]).render("lists", language, context)
    one_year, two_years, items = LISTS[language, country]
    lines = rendered.text.splitlines()
    assert rendered.subject == items
    assert lines[:2] == [one_year, two_years]
    assert lines[2] == format_date(date(2026, 10, 27), "long", locale=f"{language}_{country}") + "||"
    assert lines[3].count(format_date(date(2026, 11, 3), "short", locale=f"{language}_{country}")) == 1  # in full


@pytest.mark.parametrize(
    ("language", "country", "cited"),
    [
        ("de", "DE", "wir haben Sie am 27. Oktober, 3. und 17. November 2026 an die folgenden Rechnungen"),
        ("ja", "JP", "下記のご請求につきましては、2026年10月27日、11月3日、17日にご案内申し上げましたが"),
        ("en", "GB", "We wrote to you about the invoices below on 27 October, 3 and 17 November 2026."),
        ("en", "US", "We wrote to you about the invoices below on October 27, November 3, and November 17, 2026."),
        ("fr", "FR", "Nous vous avons écrit au sujet des factures ci-dessous les 27 octobre, 3 et 17 novembre 2026."),
        ("es", "ES", "Le escribimos en relación con las facturas siguientes los días 27 de octubre, 3 y 17 de "
                     "noviembre de 2026."),
        ("it", "IT", "Le abbiamo scritto in merito alle fatture sotto elencate nei giorni 27 ottobre, 3 e 17 novembre "
                     "2026."),
        ("pt", "PT", "Contactámos V. Sas. a respeito das faturas abaixo em 27 de outubro, 3 e 17 de novembro de 2026."),
    ],
)  # fmt: skip
def test_a_final_notice_lists_the_earlier_reminders_dates_as_prose(
    renderer: Renderer, language: str, country: str, cited: str
) -> None:
    context = make_context(country=country, language=language)
    context["level"] = {"number": 3, "name": "Final notice", "tone": "final"}
    context["history"] = [
        {"date": date(2026, 10, 27), "level": 1, "name": "Friendly reminder"},
        {"date": date(2026, 11, 3), "level": 2, "name": "Reminder"},
        {"date": date(2026, 11, 17), "level": 2, "name": "Reminder"},
    ]
    rendered = renderer.render("final", language, context)
    assert cited in _plain(rendered.html)
    joiner = "" if language == "ja" else " "  # the plain text is wrapped: CJK between characters, else between words
    assert cited in joiner.join(line.strip() for line in _plain(rendered.text).splitlines())


@pytest.mark.parametrize(
    ("language", "country", "cited"),
    [
        ("fr", "FR", "Nous vous avons écrit au sujet des factures ci-dessous le 3 novembre 2026."),
        ("es", "ES", "Le escribimos en relación con las facturas siguientes el 3 de noviembre de 2026."),
        ("it", "IT", "Le abbiamo scritto in merito alle fatture sotto elencate il 3 novembre 2026."),
        ("de", "DE", "wir haben Sie am 3. November 2026 an die folgenden Rechnungen erinnert."),
    ],
)  # fmt: skip
def test_one_earlier_reminder_is_cited_with_the_singular_article(
    renderer: Renderer, language: str, country: str, cited: str
) -> None:
    """ "le 3 novembre" for one day, "les 3 et 17 novembre" for several: the article follows the number of days."""
    context = make_context(country=country, language=language)
    context["level"] = {"number": 3, "name": "Final notice", "tone": "final"}
    context["history"] = [{"date": date(2026, 11, 3), "level": 1, "name": "Friendly reminder"}]
    rendered = renderer.render("final", language, context)
    assert cited in _plain(rendered.html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_customer_owing_in_one_foreign_currency_gets_no_base_currency_equivalent(
    renderer: Renderer, language: str
) -> None:
    """A GBP customer of a EUR company: their balance is in pounds; "equivalent in EUR" is our figure, not theirs.
    Across two currencies the base-currency total stays: it is the one figure that adds them up."""
    both = make_context(country="GB", language=language)  # EUR + JPY sections, base EUR: total_base 2445.10
    gbp = make_context(country="GB", language=language)
    gbp["sections"] = [dict(both["sections"][1], currency="GBP")]
    gbp["sections"][0]["invoices"] = [dict(both["sections"][1]["invoices"][0], open_amount=Decimal("562.04"))]
    gbp["credits"], gbp["total_base"] = [], Decimal("646.35")
    equivalent = _eur("2445.10", language, "GB")
    rendered = renderer.render("friendly", language, both)
    assert equivalent in _plain(rendered.text) and equivalent in _plain(rendered.html)
    rendered = renderer.render("friendly", language, gbp)
    assert "646" not in rendered.text and "646" not in rendered.html
    pounds = _money("562.04", "GBP", language, "GB")
    assert "INV-2001" in rendered.text and pounds in _plain(rendered.text)  # the letter itself is there, in pounds


@pytest.mark.parametrize(
    ("language", "country", "text", "kept"),
    [
        ("de", "DE", "Bitte geben Sie bei Ihrer Überweisung den Verwendungszweck RF70 1000 1JHB 23ZV B an, damit Ihre "
         "Zahlung bis zum 11. Dezember 2026 bei uns eingeht.", ["RF70 1000 1JHB 23ZV B", "11. Dezember 2026"]),
        ("en", "US", "Please pay the outstanding balance of $1,234.00 by December 11, 2026, "
         "quoting RF18 5390 0754 7034 with your transfer.", ["December 11, 2026", "RF18 5390 0754 7034"]),
        ("es", "ES", "Le escribimos en relación con las facturas siguientes el 3 de noviembre y "
         "10 de noviembre de 2026.",
         ["3 de noviembre", "10 de noviembre de 2026"]),
        ("fr", "FR", "Veuillez régler le solde au plus tard le 11 décembre 2026 en indiquant la référence "
         "RF70 1000 1JHB 23ZV B, comme indiqué ci-dessus pour la facture INV-2026-009731.",
         ["11 décembre 2026", "RF70 1000 1JHB 23ZV B", "ci-dessus", "INV-2026-009731"]),
        ("ja", "JP", "下記のご請求につきましては、2026年10月27日、11月3日、11月17日に"
         "ご案内申し上げましたが、いまだご入金を確認できておりません。参照番号RF70 1000 1JHB 23ZV B"
         "をご記入ください。",
         ["2026年10月27日", "11月3日", "11月17日", "RF70 1000 1JHB 23ZV B"]),
    ],
)  # fmt: skip
def test_the_plain_text_wrap_never_breaks_inside_a_payment_reference_or_a_date(
    renderer: Renderer, language: str, country: str, text: str, kept: list[str]
) -> None:
    """A reference split over two lines is typed wrong; "11." at a line's end and "Dezember 2026" below is not a
    date. At every width the wrap may choose, each stays on one line — and the words are all still there."""
    from arcollect.mail.formats import letter_formats
    from arcollect.mail.wrap import wrap

    with letter_formats(language, {"country": country}):
        for width in range(24, 80):
            lines = wrap(renderer.environment, text, width).splitlines()
            for token in kept:
                assert any(token in line for line in lines), (width, token, lines)
            joiner = "" if language == "ja" else " "
            assert joiner.join(lines) == text


@pytest.mark.parametrize(
    ("language", "country", "text", "kept"),
    [
        ("de", "DE", "Dieser Betrag enthält gesetzliche Verzugszinsen von 12,34 € (Rechtsgrundlage: § 288 Abs. 2 BGB) "
         "sowie die Pauschale nach §§ 286, 288 Abs. 5 BGB.", ["§ 288 Abs. 2", "§§ 286, 288 Abs. 5"]),
        ("fr", "FR", "Ce montant comprend des pénalités de retard légales de 12,34 € (fondement juridique : "
         "art. L441-10 du Code de commerce) et l’indemnité de l’art. D441-5.", ["art. L441-10", "art. D441-5"]),
        ("fr", "CH", "Ce montant comprend des intérêts moratoires (fondement juridique : art. 104, al. 1, CO).",
         ["art. 104, al. 1"]),
        ("de", "CH", "Dieser Betrag enthält Verzugszinsen (Rechtsgrundlage: Art. 104 Abs. 1 OR).", ["Art. 104 Abs. 1"]),
        ("nl", "NL", "Dit bedrag omvat de wettelijke handelsrente (rechtsgrond: artikel 6:119a BW) en de "
         "incassokosten (artikel 6:96 lid 6 BW).", ["artikel 6:119a", "artikel 6:96 lid 6"]),
        ("ja", "JP", "この金額には遅延損害金が含まれます（法的根拠：ドイツ法 § 288 Abs. 2 BGB）。", ["§ 288 Abs. 2"]),
    ],
)  # fmt: skip
def test_the_plain_text_wrap_never_splits_a_section_sign_or_article_from_its_number(
    renderer: Renderer, language: str, country: str, text: str, kept: list[str]
) -> None:
    """ "§" at a line's end and "288 Abs. 2 BGB" on the next is no citation; nor "art." apart from "L441-10". At
    every width each citation stays on one line, "L441-10" is never split at its hyphen, and no word is lost."""
    from arcollect.mail.formats import letter_formats
    from arcollect.mail.wrap import wrap

    with letter_formats(language, {"country": country}):
        for width in range(20, 80):
            lines = wrap(renderer.environment, text, width).splitlines()
            for token in kept:
                assert any(token in line for line in lines), (width, token, lines)
            assert not any(line.rstrip().endswith(("§", "§§", "art.", "Art.", "artikel")) for line in lines)
            if language == "ja":  # a line broken at a space between a Japanese word and "§" drops that space
                assert "".join(lines).replace(" ", "") == text.replace(" ", "")
            else:
                assert " ".join(lines) == text


def test_a_colon_after_a_label_is_written_as_the_language_writes_it(renderer: Renderer) -> None:
    context = make_context(country="FR", language="fr")
    context["company"] = dict(context["company"], bank_details="IBAN FR76 3000 6000 0112 3456 7890 189")
    rendered = renderer.render("friendly", "fr", context)
    assert "Coordonnées bancaires\u202f:" in rendered.text
    english = renderer.render("friendly", "en", make_context(country="GB", language="en"))
    assert "Bank details:" in english.text
    japanese = renderer.render("friendly", "ja", make_context(country="JP", language="ja"))
    assert "：\n" in japanese.text and ":\n" not in japanese.text  # a full-width colon after the label


@pytest.mark.parametrize("template", ["firm", "final", "interest_statement", "collection_failed", "thanks"])
def test_french_letters_put_a_narrow_no_break_space_before_every_colon_and_semicolon(
    renderer: Renderer, template: str
) -> None:
    """ "(fondement juridique : art. L441-10 …)" with a plain space reads as two styles in one letter (the labels use
    the `colon` string, U+202F) and lets the plain-text wrap start a line with ":"."""
    import re

    context = make_context(country="FR", language="fr")
    context["law"] = {
        "interest": "art. L441-10 du Code de commerce", "kind": "statute", "rule": None,
        "compensation": "art. D441-5 du Code de commerce", "allocation": "art. 1343-1 du Code civil",
        "notice": "artikel 6:96 lid 6 BW", "notice_costs": [{"currency": "EUR", "amount": Decimal("40")}],
    }  # fmt: skip
    context["interest_law"] = "art. L441-10 du Code de commerce"
    for section in context["sections"]:
        for item in section["invoices"]:
            item["paid_date"] = date(2026, 11, 20)
    context["sections"][0]["invoices"][0]["paid_to_charges"] = Decimal("5.00")
    context["sections"][0]["paid_to_charges_total"] = Decimal("5.00")
    rendered = renderer.render(template, "fr", context)
    for body in (rendered.text, rendered.html):
        assert not re.search(r"[ \xa0][:;?!]", body), re.findall(r".{30}[ \xa0][:;?!].{10}", body)
    if template != "thanks":
        assert "(fondement juridique\u202f: art. L441-10 du Code de commerce)" in rendered.text.replace("\n", " ")


def _one_invoice(language: str, country: str) -> dict[str, Any]:
    """make_context with a single invoice: one EUR section, one line, no credit."""
    context = make_context(country=country, language=language)
    section = dict(context["sections"][0], invoices=[dict(context["sections"][0]["invoices"][0], paid_date=None)])
    section.update(subtotal=Decimal("1234.56"), discount_total=Decimal("0"), credit_total=Decimal("0"),
                   credit_applied=Decimal("0"), amount_due=Decimal("1290.58"))  # fmt: skip
    context.update(sections=[section], credits=[], total_base=Decimal("1290.58"), other_items=[])
    return context


# (template, history) → per language what a letter about one invoice says, and the plural it must not say.
SINGULAR = {
    "en": {"incentive": ("the invoice below falls due soon", "the invoices below"),
           "coming_due": ("the invoice below falls due soon", "the invoices below"),
           "friendly": ("the following invoice is now past its due date", "the following invoices"),
           "firm": ("The invoice below is past its due date and remains unpaid", "invoices"),
           "final": ("about the invoice below on", "invoices below"),
           "thanks": ("your payment for the invoice below", "invoices below"),
           "collection_failed": ("payment of the invoice below, which was due", "invoices below")},
    "de": {"incentive": ("dass die folgende Rechnung in Kürze fällig wird", "Rechnungen"),
           "coming_due": ("dass die folgende Rechnung in Kürze fällig wird", "Rechnungen"),
           "friendly": ("dass die folgende Rechnung noch offen ist", "Rechnungen"),
           "firm": ("zu der folgenden Rechnung, deren Fälligkeit verstrichen ist", "Rechnungen"),
           "final": ("an die folgende Rechnung erinnert. Sie ist weiterhin unbezahlt", "Rechnungen"),
           "thanks": ("Ihre Zahlung für die folgende Rechnung", "Rechnungen"),
           "collection_failed": ("für die folgende Rechnung, die zum Fälligkeitstermin", "Rechnungen")},
    "fr": {"incentive": ("la facture ci-dessous arrivera prochainement à échéance", "les factures"),
           "coming_due": ("la facture ci-dessous arrivera prochainement à échéance", "les factures"),
           "friendly": ("la facture ci-dessous n’a pas encore été réglée à son échéance", "factures"),
           "firm": ("La facture ci-dessous a dépassé son échéance", "factures"),
           "final": ("au sujet de la facture ci-dessous le 10 novembre 2026. Elle demeure impayée", "factures"),
           "thanks": ("votre règlement de la facture ci-dessous", "des factures"),
           "collection_failed": ("le paiement de la facture ci-dessous, qui devait être réglée", "des factures")},
    "es": {"incentive": ("la factura siguiente vencerá próximamente", "facturas"),
           "friendly": ("la factura siguiente ha superado su fecha de vencimiento", "facturas"),
           "firm": ("La factura siguiente ha superado su fecha de vencimiento", "facturas"),
           "final": ("con la factura siguiente el 10 de noviembre de 2026. Continúa impagada", "facturas")},
    "it": {"incentive": ("la fattura sotto indicata giungerà a scadenza a breve", "fatture"),
           "friendly": ("la fattura sotto indicata è scaduta e non ancora saldata", "fatture"),
           "firm": ("La fattura sotto indicata è scaduta e risulta tuttora non pagata", "fatture"),
           "final": ("alla fattura sotto indicata il 10 novembre 2026. Risulta ancora non pagata", "fatture")},
    "nl": {"incentive": ("de onderstaande factuur binnenkort vervalt", "facturen"),
           "friendly": ("is de onderstaande factuur inmiddels vervallen", "facturen"),
           "firm": ("De onderstaande factuur is vervallen en staat nog steeds open", "facturen"),
           "final": ("herinnerd aan de onderstaande factuur. Deze is nog steeds niet betaald", "facturen")},
    "pt": {"incentive": ("a fatura abaixo vence em breve", "faturas"),
           "friendly": ("a fatura abaixo já ultrapassou a data de vencimento", "faturas"),
           "firm": ("A fatura abaixo já ultrapassou a data de vencimento e continua por liquidar", "faturas"),
           "final": ("da fatura abaixo em 10 de novembro de 2026. Continua por pagar", "faturas")},
}  # fmt: skip
COUNTRY = {"en": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT"}


@pytest.mark.parametrize(("language", "template"), [(lang, tone) for lang in SINGULAR for tone in SINGULAR[lang]])
def test_a_letter_about_one_invoice_speaks_of_it_in_the_singular(
    renderer: Renderer, language: str, template: str
) -> None:
    """ "the following invoices are now past their due date" over a table of one invoice is untrue to the eye; the
    tone's "one" words say it in the singular — and a letter about two invoices keeps the plural."""
    country = COUNTRY[language]  # ja and zh do not mark the number: "下記のご請求", "以下发票" fit one or many
    context = _one_invoice(language, country)
    if template in ("firm", "friendly", "incentive", "coming_due", "thanks", "collection_failed"):
        context["history"] = []
    said, plural = SINGULAR[language][template]
    if template == "coming_due":  # the incentive template without a discount left
        template, context["discount_available"] = "incentive", False
    one = renderer.render(template, language, context)
    for body in (_plain(one.html), " ".join(_plain(one.text).split())):
        assert said in body, (said, body[:600])
        sentence = body[max(body.rfind(".", 0, body.index(said)), 0) : body.index(".", body.index(said) + len(said))]
        assert plural not in sentence, sentence
    plurals = ("invoices", "Rechnungen", "factures", "facturas", "fatture", "facturen", "faturas")
    assert not any(word in one.subject for word in plurals), one.subject
    two = renderer.render(template, language, make_context(country=country, language=language))
    assert said not in " ".join(_plain(two.text).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_interest_statement_table_has_two_columns_like_every_letter(renderer: Renderer, language: str) -> None:
    """A six-column table (invoice, due, paid, days, interest, compensation) does not fit a 390 px phone; the
    reminders' two columns (what | amount) do. Every row of the interest statement has at most two cells, the
    invoice's dates and days and its interest/compensation are below its number, and its claim is on the right.
    (Checked in a browser at 390 px by hand: headless Chromium, scrollWidth = 390 in all 9 languages — see the
    commit.)"""
    import re

    context = make_context(country="DE", language=language)
    for section in context["sections"]:
        for item in section["invoices"]:
            item["paid_date"] = date(2026, 11, 20)
    html = renderer.render("interest_statement", language, context).html
    rows = re.findall(r"<tr\b.*?</tr>", html, flags=re.DOTALL)
    assert rows
    for row in rows:
        inner = re.sub(r"<table\b.*?</table>", "", row, flags=re.DOTALL)  # a nested table is its own rows
        assert len(re.findall(r"<t[dh]\b", inner)) <= 2, row
    first = context["sections"][0]["invoices"][0]  # INV-1001: 16.02 interest + 40.00 compensation
    claimed = _plain(_money(str(first["interest"] + first["compensation"]), "EUR", language, "DE"))
    assert re.search(rf"INV-1001.*?{re.escape(claimed)}", _plain(html), flags=re.DOTALL)
