"""A ledger that cannot go missing (#15): deleted, emptied, an older copy, another workbook's, the workbook renamed,
LedgerPath on a share that is not connected — zero resends, one clear sentence and a way out; then a rebuild.

Each test sends a first time (two reminders to the outbox), breaks the ledger the way a user or a file server
would, and sends again: the outbox is the judge of what went out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.console import Console

from arcollect.book.reminder_log import reminder_log
from arcollect.cli import main, shell
from arcollect.mail.ledger import Ledger, identity
from arcollect.schema import TABLES, Log

from ..integration.workbooks import TUESDAY, customer, invoice, make_book, replace_rows
from ..servers.ews import EwsServer
from ..servers.graph import GraphServer
from ..servers.tls import ca_bundle

NOW = TUESDAY.isoformat()
LATER = TUESDAY.replace(hour=11).isoformat()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setattr(shell, "console", Console(width=400, highlight=False))


def first_send(tmp_path: Path, **settings: str) -> Path:
    book = make_book(
        tmp_path,
        customers=[customer("C1"), customer("C2")],
        invoices=[invoice("I-1", "C1", due="2026-11-10"), invoice("I-2", "C2", due="2026-11-01")],
        settings=settings or None,
    )
    assert main(["send", str(book), "--now", NOW]) == 0
    assert outbox(book) == 2
    return book


def outbox(book: Path) -> int:
    return len(list((book.parent / "outbox").glob("*.eml")))


def ledger_of(book: Path) -> Path:
    return book.with_name(f"{book.stem}.ledger.sqlite")


def send_again(book: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["send", str(book), "--now", LATER])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return status, " ".join((out.out + out.err).split())


def test_deleted_ledger_stops_send_and_rebuild_restores_exactly_once(tmp_path, capsys):
    book = first_send(tmp_path)
    for part in ledger_of(book).parent.glob(f"{ledger_of(book).name}*"):
        part.unlink()
    status, said = send_again(book, capsys)
    assert status == 1 and outbox(book) == 2
    assert "ledger of collections.xlsx is missing or empty" in said and "arcollect ledger rebuild BOOK" in said
    assert main(["ledger", "rebuild", str(book), "--now", LATER]) == 0
    assert "Rebuilt the ledger" in " ".join(capsys.readouterr().out.split())
    status, said = send_again(book, capsys)
    assert status == 0 and outbox(book) == 2, "nothing sent twice after the rebuild"


def test_emptied_ledger_stops_send(tmp_path, capsys):
    book = first_send(tmp_path)
    for part in ledger_of(book).parent.glob(f"{ledger_of(book).name}-*"):
        part.unlink()
    ledger_of(book).write_bytes(b"")
    status, said = send_again(book, capsys)
    assert status == 1 and outbox(book) == 2 and "missing or empty" in said


def test_damaged_ledger_is_one_sentence(tmp_path, capsys):
    book = first_send(tmp_path)
    for part in ledger_of(book).parent.glob(f"{ledger_of(book).name}-*"):
        part.unlink()
    ledger_of(book).write_bytes(b"this is not a database" * 100)
    status, said = send_again(book, capsys)
    assert status == 1 and outbox(book) == 2 and "is damaged" in said and "ledger rebuild" in said


def test_older_copy_of_the_ledger_stops_send(tmp_path, capsys):
    book = first_send(tmp_path)
    backup = tmp_path / "backup.sqlite"
    shutil.copy(ledger_of(book), backup)
    for extra in ("-wal", "-shm"):
        if ledger_of(book).with_name(ledger_of(book).name + extra).exists():
            shutil.copy(ledger_of(book).with_name(ledger_of(book).name + extra), str(backup) + extra)
    replace_rows(book, "Invoices", [invoice("I-1", "C1", due="2026-11-10"), invoice("I-2", "C2", due="2026-11-01"),
                                    invoice("I-3", "C1", due="2026-10-01", amount=500.0)])  # fmt: skip
    main(["send", str(book), "--now", "2026-12-08T10:00:00+00:00"])  # a week later: more goes out, the book sees it
    sent = outbox(book)
    assert sent > 2
    for part in tmp_path.glob(f"{ledger_of(book).name}*"):
        part.unlink()
    for part in tmp_path.glob("backup.sqlite*"):
        part.rename(tmp_path / part.name.replace("backup.sqlite", ledger_of(book).name))
    capsys.readouterr()
    status = main(["send", str(book), "--now", "2026-12-08T11:00:00+00:00"])
    said = " ".join(capsys.readouterr().out.split())
    assert status == 1 and outbox(book) == sent, "the older copy would have sent them again"
    assert "is older than collections.xlsx" in said and "put the latest copy back" in said


def test_another_workbooks_ledger_stops_send(tmp_path, capsys):
    book = first_send(tmp_path)
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other = first_send(other_folder)
    shutil.copy(ledger_of(other), ledger_of(book))
    for extra in ("-wal", "-shm"):
        ledger_of(book).with_name(ledger_of(book).name + extra).unlink(missing_ok=True)
    status, said = send_again(book, capsys)
    assert status == 1 and outbox(book) == 2 and "belongs to another workbook" in said


def test_renamed_workbook_keeps_its_ledger(tmp_path, capsys):
    book = first_send(tmp_path)
    renamed = book.rename(book.with_name("collections-2026.xlsx"))
    status, _said = send_again(renamed, capsys)
    assert status == 0 and outbox(renamed) == 2, "the ledger under the old name was found by its id"
    assert not renamed.with_name("collections-2026.ledger.sqlite").exists()


def test_ledger_path_on_a_share_that_is_not_connected_stops_send(tmp_path, capsys):
    share = tmp_path / "share"
    share.mkdir()
    book = first_send(tmp_path, LedgerPath=str(share / "ar.ledger.sqlite"))
    share.rename(tmp_path / "share-unmounted")  # the mount point is gone
    status, said = send_again(book, capsys)
    assert status == 1 and outbox(book) == 2
    assert "does not exist — connect the network drive" in said
    assert not share.exists(), "no fresh, empty ledger was created in its place"


def test_refresh_with_a_missing_ledger_does_not_wipe_the_reminder_log(tmp_path, capsys):
    from ..integration.workbooks import sheet_rows

    book = first_send(tmp_path)
    for part in tmp_path.glob(f"{ledger_of(book).name}*"):
        part.unlink()
    capsys.readouterr()
    assert main(["refresh", str(book), "--now", LATER]) == 1
    assert len(sheet_rows(book, "ReminderLog")) == 2, "ReminderLog, the rebuild's source, is kept"


@pytest.mark.parametrize("kind", ["graph", "ews"])
def test_rebuild_reads_sent_items_so_a_reminder_missing_from_reminderlog_is_not_sent_again(
    kind, tmp_path, capsys, monkeypatch
):
    """The ledger is lost and the workbook's ReminderLog lacks one of two sent reminders (a log row deleted, a save
    that never happened): rebuild reads the mailbox's Sent Items back through the real protocol, the next send on
    the same day hands nothing over twice — counted at the server — and the reminder comes back with its customer
    and level (from the record property sent with it)."""
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    with GraphServer() if kind == "graph" else EwsServer(tls=True, users={"svc-ar": "pw"}) as server:
        if kind == "graph":
            monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", server.client_secret)
            settings = {"Transport": "graph", "GraphTenantId": server.tenant, "GraphClientId": server.client_id,
                        "GraphAuthority": server.authority, "GraphEndpoint": server.endpoint}  # fmt: skip
        else:
            monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", "pw")
            settings = {"Transport": "ews", "EwsEndpoint": server.url, "EwsAuth": "basic", "EwsUser": "svc-ar"}
        book = make_book(
            tmp_path,
            customers=[customer("C1"), customer("C2")],
            invoices=[invoice("I-1", "C1", due="2026-11-10"), invoice("I-2", "C2", due="2026-11-01")],
            settings={**settings, "SenderMailbox": server.mailbox},
        )
        assert main(["send", str(book), "--now", NOW]) == 0
        received = lambda: [item.key for item in server.received]  # noqa: E731
        assert len(received()) == 2
        log = identity.log_rows(book)
        headers = {column.header: column.key for column in TABLES["ReminderLog"].columns}
        rows = [{headers[h]: value for h, value in zip(log[0], row, strict=False) if h in headers} for row in log[1:]]
        dropped = next(row for row in rows if row[Log.CUSTOMER_ID] == "C2")
        replace_rows(book, "ReminderLog", [row for row in rows if row is not dropped])
        for part in ledger_of(book).parent.glob(f"{ledger_of(book).name}*"):
            part.unlink()
        capsys.readouterr()
        assert main(["ledger", "rebuild", str(book), "--now", LATER]) == 0
        said = " ".join(capsys.readouterr().out.split())
        assert f"with 2 reminders (2 sent, 1 of them found only in Sent Items of {server.mailbox})" in said
        with Ledger(ledger_of(book)) as ledger:
            history = reminder_log(ledger.history()).set_index(str(Log.KEY))
        restored = history.loc[dropped[Log.KEY]]
        assert (restored[str(Log.STATE)], restored[str(Log.CUSTOMER_ID)]) == ("sent", "C2")
        assert restored[str(Log.LEVEL)] == dropped[Log.LEVEL] and restored[str(Log.INVOICES)] == "I-2"
        status, said = send_again(book, capsys)
        assert status == 0, said
        assert len(received()) == 2 and len(set(received())) == 2, "nothing handed over twice after the rebuild"


def test_rebuild_that_cannot_read_sent_items_changes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())
    with GraphServer() as graph:
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        book = make_book(
            tmp_path,
            customers=[customer("C1")],
            invoices=[invoice("I-1", "C1", due="2026-11-10")],
            settings={"Transport": "graph", "GraphTenantId": graph.tenant, "GraphClientId": graph.client_id,
                      "GraphAuthority": graph.authority, "GraphEndpoint": graph.endpoint,
                      "SenderMailbox": graph.mailbox},
        )  # fmt: skip
        assert main(["send", str(book), "--now", NOW]) == 0
        before = ledger_of(book).read_bytes()
        graph.read_denied = True
        capsys.readouterr()
        assert main(["ledger", "rebuild", str(book), "--now", LATER]) == 1
        out = capsys.readouterr()
    said = " ".join((out.out + out.err).split())
    assert "Traceback" not in said and "Mail.Read is needed" in said and "nothing was rebuilt" in said
    assert ledger_of(book).read_bytes() == before and not list(tmp_path.glob("*.replaced-*"))
