"""A reminder's context and letter say what the run's tables say, the renderer's shortcuts (remembered formats,
wrapped text) give what Babel and Jinja give, and Jinja's stock sandbox reads data and refuses the rest."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from babel import localedata
from babel.dates import format_date
from babel.numbers import format_currency
from benchmarks import synthetic
from jinja2 import Environment
from jinja2.filters import do_wordwrap

from arcollect.book import settings
from arcollect.engine import aging, dunning, money, pricing
from arcollect.engine.policy import parse_policy
from arcollect.mail import compose
from arcollect.mail.formats import letter_locale
from arcollect.mail.message import idempotency_key
from arcollect.mail.render import Renderer, RenderError
from arcollect.schema import Aging, Customers, Invoices, Log, Queue

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def plan() -> dict:
    tables = synthetic.tables(3_000, customers=60)
    config, _ = settings.parse_settings(tables["Settings"])
    policy, _ = parse_policy(tables["DunningLevels"])
    customers = pricing.resolve_jurisdictions(tables["Customers"], config.governing_law, config.late_charge)
    invoices, _ = pricing.prepare(tables["Invoices"], customers)
    aged, _ = aging.age(
        pricing.open_items(invoices), synthetic.AS_OF, base_currency=config.base_currency, rates=tables["FX"]
    )
    aged, _ = pricing.price(
        aged, customers, tables["Payments"], tables["FX"], synthetic.AS_OF,
        base_currency=config.base_currency,
    )  # fmt: skip
    queue = dunning.plan(aged, customers, policy, now=NOW, window=config.send_window)
    going = queue[queue[Queue.STATE] != dunning.HELD]
    levels = {dunning.COLLECTION_FAILED.level: dunning.COLLECTION_FAILED, **{level.level: level for level in policy}}
    return {"aged": aged, "customers": customers, "config": config, "going": going, "levels": levels}


def _money(value: float, currency: str) -> Decimal:
    """An amount as the letter states it: half up to the currency's minor unit (engine.money's rule)."""
    step = Decimal(1).scaleb(-money.minor_units(currency))
    return Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)


def _value(record: dict, column: str) -> float:
    value = record.get(column)
    return 0.0 if value is None or pd.isna(value) else float(value)


def test_each_reminders_context_states_its_invoices_credits_other_items_and_history_from_the_tables(plan):
    aged, customers, going = plan["aged"].copy(), plan["customers"], plan["going"]
    longer = [numbers for numbers in going[dunning.INVOICE_LIST] if len(numbers) > 2]
    switched = [numbers[0] for numbers in longer[:5]]  # these reminders list two currencies
    aged.loc[aged[Invoices.NUMBER].isin(switched), Invoices.CURRENCY] = "USD"
    credits = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0]
    sent_at = pd.Timestamp("2026-11-02T23:30:00Z")  # 3 November in Tokyo, 2 November in Berlin
    history = pd.DataFrame(
        {
            Log.CUSTOMER_ID: aged[Invoices.CUSTOMER_ID],
            Log.LEVEL: 1,
            Invoices.NUMBER: aged[Invoices.NUMBER],
            Log.SENT_AT: sent_at,
        }
    ).iloc[::3]
    reminded = set(history[Invoices.NUMBER])
    names = {level.level: level.name for level in plan["levels"].values()}
    records = compose.Records(
        aged, credits, customers, reminders=going, accounts=aged, history=history, level_names=names
    )
    by_number = aged.set_index(Invoices.NUMBER, drop=False)
    shapes = {"several currencies": 0, "credits": 0, "credit applied": 0, "other items": 0, "history": 0}
    shapes["not reminded"] = 0
    assert len(going) > 20
    for row in going.to_dict("records"):
        level = plan["levels"][int(row[Queue.LEVEL])]
        numbers = list(row[dunning.INVOICE_LIST])
        items = by_number.loc[numbers]
        own_credits = credits[credits[Invoices.CUSTOMER_ID] == row[Queue.CUSTOMER_ID]]
        account = aged[aged[Invoices.CUSTOMER_ID] == row[Queue.CUSTOMER_ID]]
        values = compose.context_from(row, records, plan["config"], level)
        assert values["customer"]["id"] == str(row[Queue.CUSTOMER_ID])
        assert values["level"]["number"] == level.level and values["as_of"] == row[dunning.LOCAL_DATE].date()
        # one section per currency, each invoice with its open amount (and, where the level charges, its charges)
        assert [section["currency"] for section in values["sections"]] == sorted(set(items[Invoices.CURRENCY]))
        listed = [invoice["number"] for section in values["sections"] for invoice in section["invoices"]]
        assert sorted(listed) == sorted(numbers)
        for section in values["sections"]:
            currency = section["currency"]
            mine = items[items[Invoices.CURRENCY] == currency]
            shown = {invoice["number"]: invoice for invoice in section["invoices"]}
            for item in mine.to_dict("records"):
                invoice = shown[item[Invoices.NUMBER]]
                to_charges = _money(_value(item, Aging.PAID_TO_CHARGES), currency) if level.add_interest else 0
                assert invoice["open_amount"] == _money(item[Invoices.OPEN_AMOUNT], currency) + to_charges
                interest = _money(_value(item, Aging.LATE_INTEREST), currency) if level.add_interest else Decimal(0)
                assert invoice["interest"] == interest
                assert invoice["days_past_due"] == item[Aging.DAYS_PAST_DUE]
            subtotal = sum((invoice["open_amount"] for invoice in section["invoices"]), Decimal(0))
            assert section["subtotal"] == subtotal
            # the customer's credits in this currency are applied up to the principal, the rest carried forward
            credit = sum(
                (abs(_money(v, currency)) for v in own_credits.loc[own_credits[Invoices.CURRENCY] == currency,
                                                                   Invoices.OPEN_AMOUNT]),
                Decimal(0),
            )  # fmt: skip
            applied = min(credit, max(subtotal, Decimal(0)))
            assert (section["credit_total"], section["credit_applied"]) == (credit, applied)
            assert section["credit_carried"] == credit - applied
            charges = section["interest_total"] + section["compensation_total"]
            assert section["amount_due"] == max(subtotal + charges - applied, Decimal(0))
            shapes["credit applied"] += bool(applied)
        expected = 0.0  # each currency's amount due at the rate its invoices were converted with
        for section in values["sections"]:
            mine = items[items[Invoices.CURRENCY] == section["currency"]]
            rate = mine[Aging.BASE_OPEN_AMOUNT].sum() / mine[Invoices.OPEN_AMOUNT].sum()
            expected += float(section["amount_due"]) * rate
        assert abs(float(values["total_base"]) - expected) <= 0.011
        if not len(own_credits) and not level.add_interest:  # nothing added or taken off: the base amounts as read
            total = Decimal(repr(float(items[Aging.BASE_OPEN_AMOUNT].sum())))
            assert values["total_base"] == total.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert sorted(credit["number"] for credit in values["credits"]) == sorted(own_credits[Invoices.NUMBER])
        # the statement section: the customer's other open items, oldest due date first
        others = account[(account[Invoices.OPEN_AMOUNT] > 0) & ~account[Invoices.NUMBER].isin(numbers)]
        others = others.drop_duplicates(Invoices.NUMBER).sort_values([Invoices.DUE_DATE, Invoices.NUMBER])
        assert [item["number"] for item in values["other_items"]] == list(others[Invoices.NUMBER].astype(str))
        # the earlier reminder about these invoices, on the customer's local day; the invoices it was about
        told = [number for number in numbers if number in reminded]
        zone = ZoneInfo(row[dunning.TIME_ZONE]) if row.get(dunning.TIME_ZONE) else dt.UTC
        day = sent_at.tz_convert(zone).date()
        assert values["history"] == ([{"date": day, "level": 1, "name": names[1]}] if told else [])
        assert values["history_groups"] == ([{"dates": [day], "numbers": told}] if told else [])
        assert values["not_reminded"] == ([number for number in numbers if number not in reminded] if told else [])
        shapes["several currencies"] += len(values["sections"]) > 1
        shapes["credits"] += bool(values["credits"])
        shapes["other items"] += bool(values["other_items"])
        shapes["history"] += bool(told)
        shapes["not reminded"] += bool(told) and len(told) < len(numbers)
    assert all(shapes.values()), shapes  # the table met every shape


def test_reminder_invoices_of_a_level_without_interest_show_none_even_after_a_level_with_interest(plan):
    row = plan["going"].to_dict("records")[0]
    charged = next(level for level in plan["levels"].values() if level.add_interest)
    plain = next(level for level in plan["levels"].values() if not level.add_interest)
    aged = plan["aged"].copy()
    aged[Aging.LATE_INTEREST] = 12.345
    records = compose.Records(aged, aged.iloc[0:0], plan["customers"])
    with_interest = compose.context_from(row, records, plan["config"], charged)
    without = compose.context_from(row, records, plan["config"], plain)
    assert with_interest["sections"] and without["sections"]
    assert all(i["interest"] == Decimal("12.35") for s in with_interest["sections"] for i in s["invoices"])
    assert all(i["interest"] == 0 for s in without["sections"] for i in s["invoices"])
    assert compose.context_from(row, records, plan["config"], charged) == with_interest  # the records are unchanged


def test_records_of_an_unknown_currency_fail_only_the_reminder_that_lists_it(plan):
    aged = plan["aged"].copy()
    rows = plan["going"].to_dict("records")
    broken = rows[0][dunning.INVOICE_LIST][0]
    aged.loc[aged[Invoices.NUMBER] == broken, Invoices.CURRENCY] = "XQQ"
    records = compose.Records(aged, aged.iloc[0:0], plan["customers"])
    level = plan["levels"][int(rows[0][Queue.LEVEL])]
    with pytest.raises(Exception, match="XQQ"):
        compose.context_from(rows[0], records, plan["config"], level)
    other = next(row for row in rows if broken not in row[dunning.INVOICE_LIST])
    assert compose.context_from(other, records, plan["config"], plan["levels"][int(other[Queue.LEVEL])])["sections"]


def _money_template(tmp_path: Path, body: str) -> Renderer:
    folder = tmp_path / "en"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.html.j2").write_text("{% block subject %}probe{% endblock %}" + body, encoding="utf-8")
    (folder / "probe.txt.j2").write_text(body, encoding="utf-8")
    return Renderer([tmp_path])


@pytest.mark.parametrize("country", ["DE", "CH", "FR", "IN", "US"])
def test_remembered_amounts_and_dates_equal_babels_own_output_every_time(tmp_path, country):
    values = ["0.00", "-0.00", "1234.5", "-1234.50", "0.005", "-0.004", "1E+3", "1000", "999999.999", "-7"]
    renderer = _money_template(
        tmp_path,
        "{% for v in values %}{{ v | money(c) }}|{% endfor %}{% for d in days %}{{ d | date(f) }}|{% endfor %}",
    )
    days = [dt.date(2026, 1, 31), dt.datetime(2026, 2, 1, 23, 59), "2026-03-04", dt.date(2026, 1, 31)]
    locale = {"DE": "en_DE", "CH": "en_CH", "FR": "en_FR", "IN": "en_IN", "US": "en_US"}[country]
    locale = locale if localedata.exists(locale) else "en"  # the renderer's fallback (Babel before 2.18: no en_FR)
    for currency in ("EUR", "JPY", "BHD", "CHF"):
        for fmt in ("medium", "long", "short", "d MMM y"):
            context = {"customer": {"country": country}, "values": [Decimal(v) for v in values] * 2, "c": currency}
            context |= {"days": days, "f": fmt}
            text = renderer.render("probe", "en", context).text
            expected_money = [format_currency(Decimal(v), currency, locale=locale) for v in values] * 2
            expected_dates = [format_date(dt.date(2026, 1, 31), fmt, locale=locale)]
            expected_dates += [format_date(dt.date(2026, 2, 1), fmt, locale=locale)]
            expected_dates += [format_date(dt.date(2026, 3, 4), fmt, locale=locale), expected_dates[0]]
            assert text == "|".join(expected_money + expected_dates) + "|"
    assert "-€0.00" in renderer.render("probe", "en", {"customer": {}, "values": [Decimal("-0")], "c": "EUR"} | {
        "days": [], "f": "medium"}).text  # fmt: skip


def test_wordwrap_gives_jinjas_own_wrapping_when_the_same_text_comes_again(tmp_path):
    renderer = _money_template(
        tmp_path, "{% for p in texts %}{{ p | wordwrap(w, break_long_words=false) }}\n{% endfor %}"
    )
    texts = [
        "Please arrange payment of EUR 1,234.56 by 4 December 2026 at the latest, quoting the invoice numbers.",
        "short",
        "Averyveryverylongwordthatcannotbebrokenbecausebreaklongwordsisfalse and then some more words to wrap",
        "Line one.\nLine two is here and it is rather long so that it will need wrapping at the given width.",
    ] * 2
    environment = Environment()
    for width in (20, 40, 76):
        text = renderer.render("probe", "en", {"customer": {}, "texts": texts, "w": width}).text
        expected = "".join(do_wordwrap(environment, p, width, break_long_words=False) + "\n" for p in texts)
        assert text == expected


@pytest.mark.parametrize(
    "expression",
    [
        "{{ customer.__class__ }}",
        "{{ customer.update({'id': 'x'}) }}",
        "{{ customer.pop('id') }}",
        "{% set ns = namespace(a=1) %}{{ ns.__init__ }}",
        "{% set ns = namespace(a=1) %}{{ ns._Namespace__attrs }}",
        "{{ '{0[__class__]}'.format(customer) }}",
        "{{ '{0.__class__}'.format(customer) }}",
        "{{ '{x:{y.__class__}}'.format(x=1, y=customer) }}",
        "{{ '{0.__class__}'.format_map({'0': customer}) }}",
        "{% import 'en/_strings.j2' as t %}{{ t._TemplateModule__name }}",
        "{% import 'en/_strings.j2' as t %}{{ t.__class__ }}",
    ],
)
def test_the_sandbox_refuses_private_and_mutating_access_and_format_field_paths(tmp_path, expression):
    renderer = _money_template(tmp_path, expression)
    with pytest.raises(RenderError):
        renderer.render("probe", "en", {"customer": {"id": "C-1", "name": "Acme"}})


def test_the_sandbox_reads_keys_names_and_bare_format_fields(tmp_path):
    body = (
        "{% import 'en/_strings.j2' as t %}{% set ns = namespace(total='9') %}"
        "{{ customer.name }}|{{ customer.missing is defined }}|{{ t.lang }}|{{ ns.total }}|"
        "{{ '{name} {0} {n:>4}!r'.format('a', name=customer.name, n=7) }}|"
        "{{ t.account.format(customer='<b>', customer_id=1) }}"
    )
    renderer = _money_template(tmp_path, body)
    rendered = renderer.render("probe", "en", {"customer": {"id": "C-1", "name": "A & B"}})
    assert rendered.text == "A & B|False|en|9|A & B a    7!r|Customer account <b> (1)"
    assert rendered.html == "probeA &amp; B|False|en|9|A &amp; B a    7!r|Customer account &lt;b&gt; (1)"


def test_a_composed_reminder_is_keyed_and_addressed_as_its_row_and_its_letter_states_every_invoice_and_amount(plan):
    aged, customers = plan["aged"], plan["customers"]
    credits = aged.loc[aged[Invoices.OPEN_AMOUNT] < 0]
    records = compose.Records(aged, credits, customers, reminders=plan["going"])
    renderer = Renderer()
    people = customers.drop_duplicates(Customers.ID).set_index(Customers.ID)
    for row in plan["going"].head(40).to_dict("records"):
        level = plan["levels"][int(row[Queue.LEVEL])]
        numbers = tuple(row[dunning.INVOICE_LIST])
        reminder = compose.compose_from(row, records, plan["config"], level, renderer)
        day = pd.Timestamp(row[dunning.LOCAL_DATE])
        assert reminder.key == idempotency_key(row[Queue.CUSTOMER_ID], level.level, list(numbers), day)
        assert (reminder.customer_id, reminder.level) == (row[Queue.CUSTOMER_ID], level.level)
        assert reminder.invoices == numbers
        assert reminder.template == row[Queue.TEMPLATE] and reminder.language == row[Queue.LANGUAGE]
        addresses = str(row[Queue.TO]).replace(",", ";").split(";")
        assert reminder.to == tuple(part.strip() for part in addresses if part.strip())
        assert reminder.subject and "\n" not in reminder.subject
        assert reminder.send_at == pd.Timestamp(row[Queue.SEND_AT_UTC]).to_pydatetime()
        for number in numbers:
            assert number in reminder.text and number in reminder.html
        # the amount due of each currency, written as the letter's locale writes money
        values = compose.context_from(row, records, plan["config"], level)
        customer = {"language": people.at[row[Queue.CUSTOMER_ID], Customers.LANGUAGE], "country": values[
            "customer"]["country"]}  # fmt: skip
        locale = letter_locale(reminder.language, customer)
        html = reminder.html.replace("\u00a0", " ").replace("\u202f", " ")
        for section in values["sections"]:
            due = format_currency(section["amount_due"], section["currency"], locale=locale)
            assert due.replace("\u00a0", " ").replace("\u202f", " ") in html, (row[Queue.CUSTOMER_ID], due)
