"""The statement-level payment link (Settings PaymentLinkPattern) carries the letter's own amount due and reference.

A customer owes two EUR invoices less a EUR credit note, and one USD invoice; the letter is rendered by a real
run on a real .xlsx. Each currency section gets one link for the section's balance due — the number the letter
states, after the credit — with the reference the letter prints, every placeholder URL-encoded (the customer ID
has a space and a slash), the same link in the HTML part (read with an HTML parser) and in the plain text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

from stdnum import iso11649

from arcollect.run import collect
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book

CUSTOMER = "ACME 7/B"
PATTERN = "https://pay.example/c/{customer}?amount={amount}&currency={currency}&ref={reference}"
USD_PATTERN = "https://usd.example/pay?who={customer}&sum={amount}&ccy={currency}&rf={reference}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value and "pay" in value]


def _letter(tmp_path, **settings):
    invoices = [
        invoice("INV-1", CUSTOMER, due="2026-11-10", amount=1000.0),
        invoice("INV-2", CUSTOMER, due="2026-11-12", amount=300.5),
        invoice("CN-1", CUSTOMER, due="2026-11-01", amount=-200.0),
        invoice("US-1", CUSTOMER, due="2026-11-09", amount=250.0, currency="USD"),
    ]
    path = make_book(
        tmp_path,
        customers=[customer(CUSTOMER, name="Acme & Söhne", email="ap@acme-soehne.example")],
        invoices=invoices,
        settings={
            "IBAN": "DE89 3704 0044 0532 0130 00",
            "BankDetails.USD": "Chase, ABA 021000021, acct 000123456789",
            "PaymentLinkPattern": PATTERN,
            **settings,
        },
    )
    report = collect(path, now=TUESDAY, send=False, write_back=False)
    (reminder,) = report.reminders.values()
    return reminder


def _text_links(text: str) -> list[str]:
    return re.findall(r"https://\S+", text)


def _html_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def test_the_link_carries_each_sections_amount_due_and_the_letters_reference_url_encoded(tmp_path):
    reminder = _letter(tmp_path)
    text = reminder.text
    printed = re.findall(r"Payment reference: (RF[0-9A-Z ]+?)\n", text)
    assert printed and len(set(printed)) == 1 and iso11649.is_valid(printed[0])
    reference = printed[0].replace(" ", "")
    assert printed[0] in reminder.html

    # the amounts the letter states as due: the credit note is taken off the EUR section
    assert re.search(r"Balance due \(EUR\)\s+1\.100,50\s€", text)
    assert re.search(r"Balance due \(USD\)\s+250,00\sUS\$", text)

    links = _text_links(text)
    assert links == _html_links(reminder.html)  # one link per section, the same in both parts
    assert len(links) == 2
    by_currency = {}
    for link in links:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc) == ("https", "pay.example")
        assert parts.path == "/c/ACME%207%2FB" and unquote(parts.path) == f"/c/{CUSTOMER}"  # encoded, not cut
        query = parse_qs(parts.query, strict_parsing=True)
        assert set(query) == {"amount", "currency", "ref"}
        by_currency[query["currency"][0]] = (query["amount"][0], query["ref"][0])
    assert by_currency == {"EUR": ("1100.50", reference), "USD": ("250.00", reference)}


def test_a_currencys_own_pattern_wins_for_that_currency(tmp_path):
    reminder = _letter(tmp_path, **{"PaymentLinkPattern.USD": USD_PATTERN})
    links = _text_links(reminder.text)
    assert links == _html_links(reminder.html)
    eur, usd = links
    assert eur.startswith("https://pay.example/c/ACME%207%2FB?amount=1100.50&currency=EUR&ref=RF")
    parts = urlsplit(usd)
    assert parts.netloc == "usd.example"
    query = parse_qs(parts.query, strict_parsing=True)
    assert query["who"] == [CUSTOMER] and "ACME%207%2FB" in parts.query
    assert query["sum"] == ["250.00"] and query["ccy"] == ["USD"]
    assert query["rf"][0] == parse_qs(urlsplit(eur).query)["ref"][0]
