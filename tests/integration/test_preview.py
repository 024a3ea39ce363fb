"""One preview for the CLI, the ribbon and the demo (arcollect.mail.preview): the folder shows one run's reminders."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
from pathlib import Path

from arcollect.mail.message import Reminder
from arcollect.mail.preview import preview_folder, write_preview
from tests import factories

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def reminder(customer: str) -> Reminder:
    return factories.reminder(customer, to=(f"ap@{customer.lower()}.example",), sender="ar@acme.example")


def test_each_preview_replaces_the_one_before_and_lists_its_messages(tmp_path: Path) -> None:
    folder = preview_folder(tmp_path / "Receivables.xlsx")
    assert folder == tmp_path.resolve() / "preview"
    first = write_preview([reminder("C1"), reminder("C2")], folder, now=NOW)
    assert first == folder / "index.html" and len(list(folder.glob("*.eml"))) == 2
    write_preview([reminder("C3")], folder, now=NOW)
    [message] = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.glob("*.eml")]
    assert message["Subject"] == "Reminder for C3"
    assert "1 messages" in first.read_text(encoding="utf-8") and "C3" in first.read_text(encoding="utf-8")


def test_nothing_to_preview_empties_the_folder_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "preview"
    write_preview([reminder("C1")], folder, now=NOW)
    index = write_preview([], folder, now=NOW)
    assert list(folder.glob("*.eml")) == []
    assert "Outbox: 0 messages" in index.read_text(encoding="utf-8"), "no stale list of the previous preview"


def test_a_linked_workbook_previews_beside_its_real_file(tmp_path: Path) -> None:
    real = tmp_path / "share" / "Receivables.xlsx"
    real.parent.mkdir()
    real.write_bytes(b"")
    link = tmp_path / "Receivables.xlsx"
    os.symlink(real, link)
    assert preview_folder(link) == real.resolve().parent / "preview"
