"""A statement is made once per process for what it shows: a second run over the same book (the demo's plan and
send, each tick of the schedule) gets the PDF made the first time, and a change to what a statement shows makes a
new one with the new text, while the others stay as they were.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from arcollect.bank.pdf import statement
from arcollect.engine.policy import default_policy_rows
from arcollect.run import collect
from arcollect.schema import Customers
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, replace_rows

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make test installs it)")

_JAPANESE = customer("JP1", country="JP", language="ja", name="株式会社サンプル商事")


def _statements(path: Path) -> dict[str, bytes]:
    report = collect(path, now=TUESDAY, send=False, write_back=False)  # a preview: only the rendering counts here
    return {
        reminder.customer_id: attachment.content
        for reminder in report.reminders.values()
        for attachment in reminder.attachments
        if attachment.mime_type == "application/pdf"
    }


def _text(pdf: bytes, folder: Path) -> str:
    target = folder / "statement.pdf"
    target.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(target), "-"], check=True, capture_output=True, text=True).stdout


def test_a_statement_is_made_once_for_what_it_shows_and_anew_when_that_changes(tmp_path):
    policy = default_policy_rows()
    policy["attach_statement"] = True
    path = make_book(
        tmp_path,
        customers=[customer("DE1", name="Müller & Söhne GmbH", language="de"), _JAPANESE],
        invoices=[invoice("DE-1", "DE1", due="2026-11-17"), invoice("JP-1", "JP1", due="2026-11-12", amount=880.0)],
        settings={"CompanyName": "Acme Supplies AG", "IBAN": "DE89370400440532013000", "BIC": "COBADEFFXXX"},
        policy=policy,
    )
    statement._made.clear()
    first = _statements(path)
    again = _statements(path)
    assert set(first) == {"DE1", "JP1"}
    assert all(again[key] is first[key] for key in first), "the second run made no statement again"

    renamed = {**_JAPANESE, Customers.NAME: "北海道物産株式会社"}  # characters the first subset did not hold
    replace_rows(path, "Customers", [customer("DE1", name="Müller & Söhne GmbH", language="de"), renamed])
    changed = _statements(path)
    assert changed["DE1"] is first["DE1"]
    assert changed["JP1"] is not first["JP1"]
    text = _text(changed["JP1"], tmp_path)
    assert "北海道物産株式会社" in text and "サンプル" not in text
    assert "株式会社サンプル商事" in _text(first["JP1"], tmp_path)
