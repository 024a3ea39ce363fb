"""`send` refuses with an invalid IBAN or BIC in Settings; refresh goes on and shows the problem."""

from __future__ import annotations

import pytest

from arcollect.cli import main
from arcollect.errors import ConfigError
from arcollect.run import collect
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, sheet_rows


def test_send_refuses_with_an_invalid_iban_and_sends_nothing_while_refresh_reports_it(tmp_path, capsys):
    path = make_book(
        tmp_path,
        customers=[customer("C1")],
        invoices=[invoice("INV-1", "C1", due="2026-11-10")],
        settings={"IBAN": "DE89 3704 0044 0532 0130 01", "BIC.CHF": "COBADEFF"},
    )
    with pytest.raises(ConfigError, match="Settings IBAN is not a valid IBAN"):
        collect(path, now=TUESDAY, send=True)
    assert not (tmp_path / "outbox").exists()
    assert main(["send", str(path), "--now", TUESDAY.isoformat()]) == 1
    out = capsys.readouterr().out
    assert "IBAN is not a valid IBAN" in out and "Nothing was sent" in out and "Traceback" not in out
    assert not (tmp_path / "outbox").exists()

    report = collect(path, now=TUESDAY, send=False)  # a refresh still runs and says what is wrong
    reasons = [problem.reason for problem in report.problems]
    assert any("IBAN 'DE89 3704 0044 0532 0130 01' is not usable" in reason for reason in reasons)
    assert any("IBAN" in str(row["reason"]) for row in sheet_rows(path, "Exceptions"))


def test_a_valid_foreign_bic_alone_does_not_refuse(tmp_path):
    path = make_book(
        tmp_path,
        customers=[customer("C1")],
        invoices=[invoice("INV-1", "C1", due="2026-11-10")],
        settings={"IBAN": "DE89 3704 0044 0532 0130 00", "BIC.CHF": "UBSWCHZH80A"},
    )
    report = collect(path, now=TUESDAY, send=True)
    assert report.sent
