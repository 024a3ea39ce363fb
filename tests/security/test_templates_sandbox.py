"""User-edited templates are untrusted code: the sandbox stops them, and customer data is never template code."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from arcollect.engine import dunning
from arcollect.mail.render import Renderer, RenderError
from arcollect.run import collect
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book

HOSTILE_EXPRESSIONS = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ joiner }}",
    "{{ request }}",
    "{{ config.items() }}",
    "{{ customer.__class__ }}",
    "{{ customer.name.__class__.__mro__ }}",
    "{{ customer._private }}",
    "{{ customer.update({'email': 'thief@attacker.example'}) }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(customer) }}",
    "{{ namespace.__init__.__globals__ }}",
]


# A field path through an object the template made itself reaches the environment: a macro's
# `__init__.__globals__` is jinja2.runtime's module namespace, whose `sys.modules` holds `os`. On Jinja2 3.1.4 with
# the sandbox's `call` overridden (issue #19) the first one printed ARCOLLECT_SMTP_PASSWORD into the reminder;
# the others are the ways around Jinja2's own `str.format` guard fixed in 3.1.5 (a stored reference,
# CVE-2024-56326) and 3.1.6 (`|attr`, CVE-2025-27516).
_ENVIRON = "{0.__init__.__globals__[sys].modules[os].environ[ARCOLLECT_SMTP_PASSWORD]}"
FORMAT_ESCAPES = [
    "{% macro m() %}{% endmacro %}{{ '" + _ENVIRON + "'.format(m) }}",
    "{% macro m() %}{% endmacro %}{% set f = '" + _ENVIRON + "'.format %}{{ f(m) }}",
    "{% macro m() %}{% endmacro %}{{ ('" + _ENVIRON + "'|attr('format'))(m) }}",
    "{% macro m() %}{% endmacro %}{{ '" + _ENVIRON.replace("{0", "{x") + "'.format_map({'x': m}) }}",
    "{% macro m() %}{% endmacro %}{{ '" + _ENVIRON + "'.format(m)|upper }}",
    "{% set ns = namespace() %}{{ '" + _ENVIRON + "'.format(ns) }}",
    "{% macro m() %}{% endmacro %}{{ m|attr('__init__') }}",
]
CANARY = "canary-7f3e9b-not-a-real-password"


def _write_template(folder: Path, language: str, name: str, html_body: str) -> None:
    (folder / language).mkdir(parents=True, exist_ok=True)
    (folder / language / f"{name}.html.j2").write_text(
        "{% block subject %}Reminder{% endblock %}\n<p>" + html_body + "</p>\n", encoding="utf-8"
    )
    (folder / language / f"{name}.txt.j2").write_text("Reminder\n", encoding="utf-8")


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS)
def test_hostile_template_expression_fails_with_an_error_naming_the_template_file(tmp_path, expression):
    _write_template(tmp_path, "en", "friendly", expression)
    context = {"customer": {"id": "C1", "name": "Acme", "email": "ap@client.example"}}
    renderer = Renderer([tmp_path])
    with pytest.raises(RenderError) as raised:
        renderer.render("friendly", "en", context)
    message = str(raised.value)
    assert "Template 'friendly' (en)" in message
    assert "en/friendly.html.j2 line 2" in message
    assert "SecurityError" in message or "UndefinedError" in message
    assert context["customer"]["email"] == "ap@client.example", "the template could not change the data"
    # the renderer stays usable for the next reminder (a built-in template)
    _write_template(tmp_path, "en", "friendly", "{{ customer.name }}")
    assert renderer.render("friendly", "en", context).html.startswith("Reminder")


@pytest.mark.parametrize("template", FORMAT_ESCAPES)
def test_str_format_through_an_object_the_template_made_cannot_read_the_environment(tmp_path, monkeypatch, template):
    """Run by the floors run too (make test): on the lowest Jinja2 pyproject allows, not only on the lock's."""
    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", CANARY)
    _write_template(tmp_path, "en", "friendly", template)
    renderer = Renderer([tmp_path])
    with pytest.raises(RenderError) as raised:
        renderer.render("friendly", "en", {"customer": {"id": "C1", "name": "Acme"}})
    assert CANARY not in str(raised.value)
    assert "en/friendly.html.j2 line 2" in str(raised.value)
    assert "SecurityError" in str(raised.value) or "UndefinedError" in str(raised.value)


def test_the_renderer_runs_jinjas_stock_immutable_sandbox_with_nothing_overridden():
    """No speed-up inside the security boundary: the environment is Jinja2's class itself, not a subclass."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    assert type(Renderer().environment) is ImmutableSandboxedEnvironment


def test_preview_with_a_hostile_user_template_writes_no_secret_anywhere(tmp_path, monkeypatch, capsys):
    """`arcollect preview` end to end with the first escape in the user's TemplateDir and the password set: the
    reminder is held with the sandbox's refusal as its reason, and the canary is in no file and not on screen."""
    from arcollect.cli import main

    monkeypatch.setenv("ARCOLLECT_SMTP_PASSWORD", CANARY)
    _write_template(tmp_path / "my-templates", "en", "friendly", FORMAT_ESCAPES[0])
    path = make_book(
        tmp_path,
        customers=[customer("C1", language="en", country="GB"), customer("C2", language="de")],
        invoices=[invoice("I-1", "C1", due="2026-11-19"), invoice("I-2", "C2", due="2026-11-19")],
        settings={"TemplateDir": "my-templates"},
    )
    assert main(["preview", str(path), "--now", TUESDAY.isoformat()]) == 0
    assert CANARY not in capsys.readouterr().out
    previews = sorted((tmp_path / "preview").glob("*.eml"))
    assert [file.name.split("-")[1] for file in previews] == ["C2"]
    written = [file for file in tmp_path.rglob("*") if file.is_file()]
    assert written and not [file for file in written if CANARY.encode() in file.read_bytes()]


def test_customer_data_that_looks_like_template_code_or_html_is_shown_literally(tmp_path):
    _write_template(tmp_path, "en", "plain", "Dear {{ customer.name }}")
    (tmp_path / "en" / "plain.txt.j2").write_text("Dear {{ customer.name }}\n", encoding="utf-8")
    name = "{{ 7*7 }} {% raw %}<script>alert('x')</script>"
    rendered = Renderer([tmp_path]).render("plain", "en", {"customer": {"name": name}})
    assert "{{ 7*7 }}" in rendered.html and "49" not in rendered.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in rendered.html and "<script>" not in rendered.html
    assert rendered.text == f"Dear {name}\n", "plain text is not escaped, and not evaluated either"


def test_a_hostile_user_template_holds_only_its_own_reminder_and_the_run_sends_the_others(tmp_path):
    """Through run.collect on a real workbook: the English friendly template in the user's TemplateDir reaches for
    Python internals; the English customer's reminder is held with the template error as its reason, the German
    and French customers' reminders (built-in templates) go to the outbox, and the French customer's name —
    template syntax and a script tag — arrives literally, escaped in HTML."""
    templates = tmp_path / "my-templates"
    _write_template(templates, "en", "friendly", "{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    hostile_name = "Evil {{ 7*7 }} <script>alert(1)</script> SARL"
    path = make_book(
        tmp_path,
        customers=[
            customer("C1", language="en", country="GB"),
            customer("C2", language="de", country="DE"),
            customer("C3", language="fr", country="FR", name=hostile_name),
        ],
        invoices=[invoice(f"I-{n}", f"C{n}", due="2026-11-19") for n in (1, 2, 3)],
        settings={"TemplateDir": "my-templates"},
    )
    report = collect(path, now=TUESDAY, send=True)

    queue = report.queue.set_index("customer_id")
    held = queue.loc["C1"]
    assert held["state"] == dunning.HELD
    assert "template problem" in held["reason"] and "en/friendly.html.j2" in held["reason"]
    assert "unsafe" in held["reason"] or "undefined" in held["reason"]
    assert any("en/friendly.html.j2" in problem.reason for problem in report.problems)
    assert set(queue.loc[["C2", "C3"], "state"]) == {"sent"}
    assert len(report.sent) == 2

    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [file.name.split("-")[1] for file in files] == ["C2", "C3"]
    french = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    html = french.get_body(("html",)).get_content()
    text = french.get_body(("plain",)).get_content()
    assert "Evil {{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; SARL" in html
    assert "<script>" not in html and "Evil 49" not in html
    assert hostile_name in text
