"""The PDF statement: the customer's language and number formats, the letter's total, a QR code that scans.

Each statement is rendered back to PNG with pdftoppm (poppler-utils, installed by `make test`), its QR code read by
OpenCV from the picture and compared field by field, and its text extracted with pdftotext: the balance there is
the balance the letter states, formatted as the customer's locale writes it.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency

from arcollect.engine.policy import default_policy_rows
from arcollect.run import collect
from arcollect.schema import DunningLevels
from tests.bank.decode import decode_qr
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils (make test installs it)")


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, bytes]]:
    folder = tmp_path_factory.mktemp("pdf")
    policy = default_policy_rows()
    policy["attach_statement"] = True
    path = make_book(
        folder,
        customers=[
            customer("DE1", name="Müller & Söhne GmbH", language="de"),
            customer("CH1", country="CH", currency="CHF", language="fr", name="Helvetia Handels SA"),
            customer("JP1", country="JP", language="ja", name="株式会社サンプル商事"),
            customer("CN1", country="CN", language="zh", name="上海示例贸易有限公司"),
        ],
        invoices=[
            invoice("DE-1", "DE1", due="2026-11-17", amount=1000.0),
            invoice("DE-2", "DE1", due="2026-11-16", amount=250.5),
            invoice("CH-1", "CH1", due="2026-11-10", currency="CHF", amount=1234.5),
            invoice("JP-1", "JP1", due="2026-11-12", amount=880.0),
            invoice("CN-1", "CN1", due="2026-11-12", amount=660.0),
        ],
        fx=[{"currency": "CHF", "rate": 1.05}],
        settings={
            "CompanyName": "Acme Supplies AG",
            "IBAN": "DE89370400440532013000",
            "BIC": "COBADEFFXXX",
            "IBAN.CHF": "CH9300762011623852957",
            "CompanyAddress": "Bahnhofstrasse 1, 8001 Zürich, CH",
        },
        policy=policy,
    )
    report = collect(path, now=TUESDAY, send=False)  # a preview renders what goes out now and later
    found = {}
    for reminder in report.reminders.values():
        (pdf,) = [a for a in reminder.attachments if a.mime_type == "application/pdf"]
        target = folder / pdf.filename
        target.write_bytes(pdf.content)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(target), str(target.with_suffix(""))], check=True)
        found[reminder.customer_id] = (reminder, target)
    return found


def _spaces(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _text(pdf: Path) -> str:
    """The PDF's text as pdftotext extracts it (no-break spaces come out as spaces; so are they compared)."""
    run = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return _spaces(run.stdout)


def _page(pdf: Path) -> Path:
    return pdf.with_name(pdf.stem + "-1.png")


def test_the_eur_statement_is_german_has_the_letters_total_and_an_epc_code_that_scans(statements):
    reminder, pdf = statements["DE1"]
    text = _text(pdf)
    total = format_currency(Decimal("1250.50"), "EUR", locale="en_DE")  # the letter's locale (en + DE)
    assert "Kontoauszug" in text and "Offener Saldo (EUR)" in text and "Zahlungsreferenz" in text
    assert _spaces(format_currency(Decimal("1250.50"), "EUR", locale="de_DE")) in text
    assert total in reminder.text  # the letter states the same balance
    (payload,) = decode_qr(_page(pdf).read_bytes())
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"] and lines[6] == "DE89370400440532013000"
    reference = reminder.html.split("cid:pay-eur-")[1].split("@")[0].upper()
    assert lines[7] == "EUR1250.50" and lines[9] == reference and reference in reminder.text.replace(" ", "")


def test_the_chf_statement_carries_a_swiss_qr_bill_in_french_that_scans(statements):
    reminder, pdf = statements["CH1"]
    text = _text(pdf)
    assert "Relevé de compte" in text and "Section paiement" in text and "Récépissé" in text
    assert _spaces(format_currency(Decimal("1234.50"), "CHF", locale="fr_CH")) in text
    (payload,) = decode_qr(_page(pdf).read_bytes())
    fields = payload.split("\r\n")
    assert fields[0] == "SPC" and fields[3] == "CH9300762011623852957"
    assert (fields[18], fields[19], fields[27]) == ("1234.50", "CHF", "SCOR")
    assert fields[28] in reminder.text.replace(" ", "")


@pytest.mark.parametrize(
    ("customer_id", "title", "name"),
    [("JP1", "取引明細書", "株式会社サンプル商事"), ("CN1", "对账单", "上海示例贸易有限公司")],
)
def test_japanese_and_chinese_statements_show_their_script(statements, customer_id, title, name):
    _reminder, pdf = statements[customer_id]
    text = _text(pdf)
    assert title in text and name in text
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "CJK" in fonts and "yes" in fonts  # the CJK font is embedded, not left to the reader
    assert len(decode_qr(_page(pdf).read_bytes())) == 1


def _fonts(pdf: Path) -> list[list[str]]:
    """pdffonts' rows: name, type, encoding, emb, sub, uni, object, generation."""
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in listing.splitlines()[2:]]


@pytest.mark.parametrize("customer_id", ["JP1", "CN1"])
def test_a_cjk_statement_embeds_its_one_font_once_for_regular_and_bold_text(statements, customer_id):
    """The CJK collections have one weight: the title and the table heads (bold) are drawn with the same glyphs as
    the lines, from one embedded subset — not a second copy of the same 19 MB font parsed and subset again."""
    _reminder, pdf = statements[customer_id]
    ((name, *_kind, embedded, subset, unicode, _object, _generation),) = _fonts(pdf)
    assert "CJK" in name and (embedded, subset, unicode) == ("yes", "yes", "yes")


def test_a_latin_statement_embeds_its_regular_and_its_bold_face(statements):
    _reminder, pdf = statements["DE1"]
    names = [row[0] for row in _fonts(pdf)]
    assert len(names) == 2 and names[0] != names[1] and any("Bold" in name for name in names)


def test_a_contractual_late_charge_shows_no_column_of_zero_compensation(tmp_path):
    """A US buyer under a contractual late charge (1.5 % per month, no statutory €40) is charged interest only: its
    statement has an interest column and total, and no compensation column or line of zeros — as its letter. A
    German buyer in the same run is charged both, and its statement shows both."""
    policy = default_policy_rows()
    policy["attach_statement"] = True
    policy[DunningLevels.ADD_INTEREST] = True  # whichever level goes out adds the late charges
    due = "2026-10-16"  # 39 days before the run
    path = make_book(
        tmp_path,
        customers=[
            customer("US-K", country="US", currency="USD", jurisdiction="US", late_charge="1.5 % per month"),
            customer("DE-B", country="DE"),
        ],
        invoices=[invoice("U-3", "US-K", due=due, currency="USD"), invoice("D-1", "DE-B", due=due)],
        settings={"GoverningLaw": "DE", "IBAN": "DE89370400440532013000", "IBAN.USD": "DE89370400440532013000"},
        policy=policy,
    )
    report = collect(path, now=TUESDAY, send=False)
    texts = {}
    for reminder in report.reminders.values():
        (pdf,) = [a for a in reminder.attachments if a.mime_type == "application/pdf"]
        target = tmp_path / pdf.filename
        target.write_bytes(pdf.content)
        texts[reminder.customer_id] = (reminder, _text(target))
    letter, contract = texts["US-K"]
    assert "Interest" in contract and "Late-payment interest" in contract
    assert "Compensation" not in contract and "compensation" not in contract
    assert "compensation" not in letter.text.lower()
    _letter, statute = texts["DE-B"]
    assert "Interest" in statute and "Compensation" in statute and "Fixed compensation for recovery costs" in statute
    assert _spaces(format_currency(Decimal(40), "EUR", locale="en_DE")) in statute
