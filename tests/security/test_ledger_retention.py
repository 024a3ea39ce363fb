"""What the ledger keeps (no bodies unless asked), exporting it, and purging old entries without breaking exactly-once.

arcollect ledger export BOOK [--out FILE.csv|.jsonl]
arcollect ledger purge BOOK --before DATE [--dry-run]
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from arcollect.book.reminder_log import reminder_log
from arcollect.book.settings import Settings
from arcollect.cli import main
from arcollect.mail.ledger import Ledger
from arcollect.mail.message import Reminder, idempotency_key
from arcollect.mail.transports import SendResult
from arcollect.run import collect
from arcollect.schema import Queue
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book, replace_rows

NAME = "Zebulon Quartermaine Holdings"  # in the body only: the ledger never stores customer names
LATER_SAME_DAY = TUESDAY + dt.timedelta(hours=3)


def book(folder: Path, **settings: str) -> Path:
    return make_book(
        folder,
        customers=[customer("C1", name=NAME), customer("C2")],
        invoices=[invoice("I-1", "C1", due="2026-11-19"), invoice("I-2", "C2", due="2026-11-19")],
        settings=settings,
    )


def ledger_bytes(path: Path) -> bytes:
    """The ledger database and its WAL/shared-memory files, as raw bytes."""
    ledger = Settings().ledger_file(path)
    return b"".join(p.read_bytes() for p in ledger.parent.glob(ledger.name + "*"))


def test_the_ledger_stores_what_was_sent_but_no_body_by_default(tmp_path):
    path = book(tmp_path)
    report = collect(path, now=TUESDAY, send=True)
    assert len(report.sent) == 2
    with Ledger(Settings().ledger_file(path)) as ledger:
        entry = ledger.get(report.sent[0])
        assert entry.state == "sent" and entry.sent_at is not None and entry.to and entry.subject and entry.invoices
        assert entry.level == 1 and entry.body is None
    assert NAME.encode() not in ledger_bytes(path)
    assert NAME in (tmp_path / "outbox" / next(p.name for p in (tmp_path / "outbox").glob("*C1*.eml"))).read_text()


def test_store_bodies_true_keeps_the_text_and_html_of_each_email(tmp_path):
    path = book(tmp_path, StoreBodies="true")
    report = collect(path, now=TUESDAY, send=True)
    with Ledger(Settings().ledger_file(path)) as ledger:
        bodies = [json.loads(ledger.get(key).body) for key in report.sent]
    assert any(NAME in body["text"] and NAME in body["html"] for body in bodies)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_ledger_export_writes_every_row_atomically_without_bodies_unless_stored(tmp_path, capsys, suffix):
    plain, stored = tmp_path / "plain", tmp_path / "stored"
    plain.mkdir(), stored.mkdir()
    for folder, extra in ((plain, {}), (stored, {"StoreBodies": "true"})):
        path = book(folder, **extra)
        collect(path, now=TUESDAY, send=True)
        out = folder / f"export{suffix}"
        out.write_text("an older export\n")
        assert main(["ledger", "export", str(path), "--out", str(out)]) == 0
        assert f"Exported 2 ledger rows to {out}" in capsys.readouterr().out
        text = out.read_text(encoding="utf-8-sig")
        rows = (
            list(csv.DictReader(text.splitlines())) if suffix == ".csv" else [json.loads(x) for x in text.splitlines()]
        )
        assert len(rows) == 2 and {row["state"] for row in rows} == {"sent"}
        assert {"key", "recipients", "subject", "invoices", "level", "planned_at", "sent_at"} <= set(rows[0])
        assert ("body" in rows[0]) == (folder is stored)
        assert (NAME in text) == (folder is stored)
        assert not list(folder.glob(".*arcollect*")), "written through a temporary file and renamed"


def test_export_quotes_text_that_excel_would_run_as_a_formula(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        item = Reminder(
            key=idempotency_key("C1", 1, ["I-1"], TUESDAY), customer_id="=HYPERLINK(\"http://x\")", level=1,
            template="friendly", language="en", sender="ar@acme.example", to=("ap@client.example",), cc=(),
            reply_to=None, subject="+1 reminder", html="", text="", invoices=("-I-1",),
        )  # fmt: skip
        ledger.plan(item, now=TUESDAY, transport="outbox")
        ledger.export(tmp_path / "out.csv")
    [row] = list(csv.DictReader((tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert row["customer_id"].startswith("'=") and row["subject"] == "'+1 reminder"


def _in_doubt_and_failed(ledger: Ledger) -> tuple[str, str]:
    base = Reminder(
        key=idempotency_key("C9", 2, ["I-9"], TUESDAY), customer_id="C9", level=2, template="firm", language="en",
        sender="ar@acme.example", to=("ap-c9@client.example",), cc=(), reply_to=None, subject="Second reminder",
        html="", text="", invoices=("I-9",),
    )  # fmt: skip
    failed = dataclasses.replace(base, key=idempotency_key("C8", 2, ["I-8"], TUESDAY), customer_id="C8")
    for item, outcome in ((base, None), (failed, SendResult(failed.key, "failed", None, "550 no such user"))):
        ledger.plan(item, now=TUESDAY, transport="smtp")
        ledger.begin_send(item.key, now=TUESDAY, transport="smtp")
        if outcome:
            ledger.record(outcome, now=TUESDAY)
    return base.key, failed.key


def test_purge_deletes_old_entries_but_never_those_in_doubt_or_about_open_invoices(tmp_path, capsys):
    path = book(tmp_path)
    report = collect(path, now=TUESDAY, send=True)
    with Ledger(Settings().ledger_file(path)) as ledger:
        in_doubt, failed = _in_doubt_and_failed(ledger)
    # C1 paid in full since; C2's invoice is still open.
    replace_rows(path, "Invoices", [invoice("I-1", "C1", due="2026-11-19", status="Paid"),
                                    invoice("I-2", "C2", due="2026-11-19")])  # fmt: skip
    c1_key = report.queue.set_index(Queue.CUSTOMER_ID).at["C1", Queue.KEY]
    assert c1_key in report.sent

    assert main(["ledger", "purge", str(path), "--before", "2026-11-24"]) == 0
    assert "Purged 0 reminder(s)" in capsys.readouterr().out, "nothing is older than the date"

    assert main(["ledger", "purge", str(path), "--before", "2026-11-25", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run" in out and "Purged 2 reminder(s) (1 sent ones kept as a tombstone" in out
    with Ledger(Settings().ledger_file(path)) as ledger:
        assert ledger.get(c1_key).purged is False

    assert main(["ledger", "purge", str(path), "--before", "2026-11-25"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Purged 2 reminder(s) (1 sent ones kept as a tombstone" in out
    assert "Kept 1 in doubt" in out and "1 about invoices still open" in out
    with Ledger(Settings().ledger_file(path)) as ledger:
        assert ledger.get(in_doubt).state == "sending"
        assert ledger.get(failed) is None
        tombstone = ledger.get(c1_key)
        assert tombstone.purged and tombstone.state == "sent" and tombstone.to == () and tombstone.subject == ""
        assert len(reminder_log(ledger.history())) == 2, "the open invoice's reminder and the one in doubt"
    raw = ledger_bytes(path)
    assert b"ap-c1@client.example" not in raw and b"ap-c8@client.example" not in raw, "overwritten, not unlinked"
    assert b"ap-c2@client.example" in raw and c1_key.encode() in raw


def test_after_a_purge_a_rerun_the_same_day_sends_nothing_twice(tmp_path):
    path = book(tmp_path)
    first = collect(path, now=TUESDAY, send=True)
    assert len(first.sent) == 2
    with Ledger(Settings().ledger_file(path)) as ledger:
        report = ledger.purge(dt.date(2026, 11, 25))  # the worst case: no open invoices passed in
        assert sorted(report.tombstoned) == sorted(first.sent)
        assert reminder_log(ledger.history()).empty
    for eml in (tmp_path / "outbox").glob("*.eml"):
        eml.unlink()  # the outbox is not what stops a second send here: the tombstones are

    again = collect(path, now=LATER_SAME_DAY, send=True)
    assert again.sent == [] and not list((tmp_path / "outbox").glob("*.eml"))
    reasons = again.queue.set_index(Queue.KEY).loc[first.sent, Queue.REASON]
    ledger_said = r"already sent at 2026-11-24 10:00:\d\d(\.\d+)?\+00:00 \(ledger\) — nothing new to send"
    assert reasons.str.fullmatch(ledger_said).all(), reasons.tolist()  # the tombstone, not the planner's history
    with Ledger(Settings().ledger_file(path)) as ledger:
        for key in first.sent:
            assert ledger.begin_send(key, now=LATER_SAME_DAY) is False


def test_export_lists_tombstones_with_key_and_date_only(tmp_path):
    path = book(tmp_path)
    first = collect(path, now=TUESDAY, send=True)
    with Ledger(Settings().ledger_file(path)) as ledger:
        ledger.purge(dt.date(2026, 11, 25))
        rows = ledger.export_rows()
    assert {row["key"] for row in rows} == set(first.sent)
    for row in rows:
        assert row["purged"] is True and row["state"] == "sent" and row["sent_at"]
        assert {name for name, value in row.items() if value not in (None, "")} == {"key", "state", "sent_at", "purged"}
