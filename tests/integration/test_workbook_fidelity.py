"""A user's workbook keeps every value they typed (issue #14, section 3).

The workbook is made as a user makes it and saved by LibreOffice headless (formulas with their cached values,
Booleans as ``=TRUE()``/``=FALSE()``, a logo on the user's own sheet); then arcollect refreshes and sends from it.
"""

from __future__ import annotations

import email
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from arcollect.book import read
from arcollect.engine import dunning
from arcollect.run import collect
from arcollect.schema import INPUT_TABLES, Customers, Queue
from tests.integration import package_check
from tests.integration.user_books import LOGO, NOW, libreoffice_save, sheet_xml, user_book

pytestmark = pytest.mark.slow
INPUT_SHEETS = [table.sheet for table in INPUT_TABLES] + ["My notes", "README", "Mappings", "Lists"]


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("libreoffice")
    return libreoffice_save(user_book(folder / "Receivables.xlsx"), folder)


@pytest.fixture
def book(saved_by_libreoffice: Path, tmp_path: Path) -> Path:
    path = tmp_path / "Receivables.xlsx"
    path.write_bytes(saved_by_libreoffice.read_bytes())
    return path


def _cells(part: bytes) -> list[bytes]:
    return re.findall(rb"<c\b[^>]*?(?:/>|>.*?</c>)", part, re.DOTALL)


def test_the_libreoffice_book_holds_what_the_issue_describes(book: Path) -> None:
    """The starting point: LibreOffice wrote formulas with cached values and Booleans as =TRUE(). Under the yes/no
    columns' "TRUE";"TRUE";"FALSE" number format (#18: without one LibreOffice prints FALSE as 0) it saves such a
    cell as the number 1 or 0 (t="n"); without it, as a Boolean (t="b"). The reader takes both."""
    sheets = sheet_xml(book)
    assert re.search(rb'<c r="M3"[^>]*t="[bn]"[^>]*><f[^>]*>TRUE\(\)</f><v>1</v></c>', sheets["Customers"])
    assert re.search(rb'<c r="D2"[^>]*><f[^>]*>C2\+30</f><v>46267</v></c>', sheets["Invoices"])
    assert len(re.findall(rb"<f[ >]", sheets["DunningLevels"])) >= 24  # the policy's yes/no cells


def test_two_refreshes_keep_every_input_cell_byte_for_byte_and_give_identical_results(book: Path) -> None:
    before = sheet_xml(book)
    tables_before, problems_before = read.read(book)
    first = collect(book, now=NOW, send=False)
    after_first = sheet_xml(book)
    tables_first, _problems = read.read(book)
    second = collect(book, now=NOW, send=False)
    after_second = sheet_xml(book)
    tables_second, _problems = read.read(book)

    for title in INPUT_SHEETS:
        assert _cells(after_first[title]) == _cells(before[title]), title  # every cell, formulas with values
        assert after_first[title] == before[title] == after_second[title], title  # and the whole sheet part
    for name, frame in tables_before.items():
        pd.testing.assert_frame_equal(frame, tables_first[name], obj=name)
        pd.testing.assert_frame_equal(frame, tables_second[name], obj=name)
    assert not [problem for problem in problems_before if problem.sheet in ("Customers", "Invoices")]
    due = tables_first["Invoices"].set_index("invoice_number")["due_date"]
    assert due["R-2026000"] == pd.Timestamp("2026-09-02")  # =C2+30 read from its cached value
    for name, frame in first.outputs.items():
        pd.testing.assert_frame_equal(frame, second.outputs[name], obj=name)
    assert first.totals_by_bucket == second.totals_by_bucket
    queue = first.queue.set_index(Queue.CUSTOMER_ID)
    assert (queue.loc[["K101", "K102"], Queue.STATE] == dunning.HELD).all()  # =TRUE() and TRUE: do not contact
    assert package_check.problems(book) == []

    reopened = libreoffice_save(book, book.parent / "again")  # LibreOffice opens what arcollect wrote, and saves it
    tables_again, _problems = read.read(reopened)
    for name, frame in tables_before.items():
        pd.testing.assert_frame_equal(frame, tables_again[name], obj=name)


def test_the_logo_and_every_part_the_user_added_survive_a_write(book: Path) -> None:
    with zipfile.ZipFile(book) as archive:
        before = {name: archive.read(name) for name in archive.namelist()}
    collect(book, now=NOW, send=False)
    with zipfile.ZipFile(book) as archive:
        after = {name: archive.read(name) for name in archive.namelist()}
    pictures = [name for name, data in after.items() if name.startswith("xl/media/") and data == LOGO]
    assert len(pictures) == 1
    notes = sheet_xml(book)["My notes"]
    assert b"<drawing " in notes
    untouched = [name for name in before if not name.startswith(("xl/worksheets/", "xl/tables/", "xl/_rels/"))]
    owned = {"xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml", "[Content_Types].xml", "docProps/app.xml"}
    for name in untouched:
        if name not in owned:
            assert after.get(name) == before[name], name  # theme, drawings, media, properties: byte for byte
    assert package_check.problems(book) == []


def test_do_not_contact_and_auto_pay_written_by_libreoffice_hold_the_send(book: Path) -> None:
    """K101 (=TRUE()) and K102 (TRUE) are never contacted; auto-pay K103 and K104 (=1=1) get no dunning letter,
    only the notice that their direct debit did not arrive (dunning's collection_failed level)."""
    report = collect(book, now=NOW, send=True)
    sent = {}
    for path in (book.parent / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        sent[message["To"]] = message
    assert set(sent) == {f"ap@{key}.example.com" for key in ("k100", "k103", "k104", "k105", "k106")}
    assert len(report.sent) == len(sent)
    queue = report.queue.set_index(Queue.CUSTOMER_ID)
    assert (queue.loc[["K101", "K102"], Queue.STATE] == dunning.HELD).all()
    auto_pay = queue.loc[["K103", "K104"]]
    going = auto_pay[auto_pay[Queue.STATE] != dunning.HELD]
    assert set(going[Queue.TEMPLATE]) == {"collection_failed"}
    assert auto_pay[auto_pay[Queue.STATE] == dunning.HELD][Queue.REASON].str.contains("auto-pay").all()


def _set_cell(path: Path, sheet: str, pattern: bytes, replacement: bytes) -> None:
    """Edit one cell in the package, as another program might have saved it."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
        from arcollect.book.parts import sheet_parts

        part = sheet_parts(archive)[sheet]
    entries[part], count = re.subn(pattern, replacement, entries[part])
    assert count == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (b'<c r="M2" s="6" t="e"><f aca="false">NA()</f><v>#N/A</v></c>', "=NA() gives the error #N/A"),
        (b'<c r="M2" s="6"><f>FALSE()</f><v></v></c>', "the formula =FALSE() has no saved result"),
        (b'<c r="M2" s="6" t="inlineStr"><is><t>vielleicht</t></is></c>', "not TRUE or FALSE"),
    ],
    ids=["error", "formula-without-value", "text"],
)
def test_an_unreadable_do_not_contact_is_a_problem_and_holds_the_customer(book: Path, cell: bytes, shown: str) -> None:
    _set_cell(book, "Customers", rb'<c r="M2"[^>]*>.*?</c>', cell)  # K100, who may be contacted
    report = collect(book, now=NOW, send=True)
    problems = [p for p in report.problems if p.sheet == "Customers" and p.column == "Do not contact"]
    assert len(problems) == 1 and problems[0].row == 2
    assert shown in problems[0].reason and "held" in problems[0].reason
    queue = report.queue.set_index(Queue.CUSTOMER_ID)
    assert (queue.loc[["K100"], Queue.STATE] == dunning.HELD).all()
    recipients = {email.message_from_bytes(p.read_bytes())["To"] for p in (book.parent / "outbox").glob("*.eml")}
    assert recipients == {f"ap@{key}.example.com" for key in ("k103", "k104", "k105", "k106")}  # all but K100
    exceptions = read_exceptions(book)
    assert any("Do not contact" in row and shown in row for row in exceptions)


def test_an_unreadable_auto_pay_is_a_problem_and_holds_the_customer_without_a_direct_debit_notice(book: Path) -> None:
    """An Auto-pay cell we cannot read must neither remind (the customer may pay by direct debit) nor send the
    notice that a direct debit failed (nothing says there was one): K100 is held and said why."""
    _set_cell(book, "Customers", rb'<c r="N2"[^>]*>.*?</c>', b'<c r="N2" s="6" t="e"><f>NA()</f><v>#N/A</v></c>')
    report = collect(book, now=NOW, send=True)
    problems = [p for p in report.problems if p.sheet == "Customers" and p.column == "Auto-pay"]
    assert len(problems) == 1 and problems[0].row == 2
    assert "#N/A" in problems[0].reason and "held" in problems[0].reason
    queue = report.queue.set_index(Queue.CUSTOMER_ID)
    assert (queue.loc[["K100"], Queue.STATE] == dunning.HELD).all()
    recipients = {email.message_from_bytes(p.read_bytes())["To"] for p in (book.parent / "outbox").glob("*.eml")}
    assert "ap@k100.example.com" not in recipients
    assert recipients == {f"ap@{key}.example.com" for key in ("k103", "k104", "k105", "k106")}


def test_a_policy_flag_without_a_saved_value_is_reported_not_silently_off(book: Path) -> None:
    sheet = sheet_xml(book)["DunningLevels"]
    escalate = re.search(rb'<c r="(J\d)"[^>]*t="[bn]"[^>]*><f[^>]*>TRUE\(\)</f><v>1</v></c>', sheet)
    assert escalate is not None
    reference = escalate.group(1)
    _set_cell(book, "DunningLevels", rb'<c r="%s"[^>]*>.*?</c>' % reference,
              b'<c r="%s" s="6"><f>TRUE()</f><v></v></c>' % reference)  # fmt: skip
    report = collect(book, now=NOW, send=False)
    found = [p for p in report.problems if p.sheet == "DunningLevels" and p.row == int(reference[1:])]
    assert found and "no saved result" in found[0].reason


def read_exceptions(path: Path) -> list[str]:
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(str(path)) as workbook:
        rows = workbook.get_sheet_by_name("Exceptions").to_python()
    return [" | ".join(str(value) for value in row) for row in rows[1:]]


def test_customers_credit_hold_update_changes_that_cell_only(book: Path) -> None:
    """An escalation's Credit hold is the one cell written into an input sheet: the rest stays byte for byte."""
    from arcollect.book import write

    before = _cells(sheet_xml(book)["Customers"])
    update = write.CellUpdate("Customers", Customers.ID, Customers.CREDIT_HOLD, {"K105": True})
    write.write_tables(book, {}, updates=[update])
    after = _cells(sheet_xml(book)["Customers"])
    removed = [cell for cell in before if cell not in after]
    added = [cell for cell in after if cell not in before]
    assert len(added) == 1 and added[0].startswith(b'<c r="Q7"')
    assert all(cell.startswith(b'<c r="Q7"') for cell in removed)
    assert b't="b"><v>1</v>' in added[0]
    tables, _problems = read.read(book)
    assert bool(tables["Customers"].set_index(Customers.ID).loc["K105", Customers.CREDIT_HOLD]) is True
