"""How a workbook file is saved (issue #14, section 3): never under an open spreadsheet, as the same file (mode,
owner, symlink), durably (fsync before the rename), without leftovers, with pasted rows taken into their Table —
and a dry run saves nothing at all."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from arcollect import cli
from arcollect.book import files, read, settings, write
from arcollect.book.parts import sheet_parts
from arcollect.run import collect
from arcollect.schema import Invoices
from tests.integration.user_books import NOW, user_book

ARGS_NOW = ["--now", NOW.isoformat()]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return user_book(tmp_path / "Receivables.xlsx")


def _aging(count: int = 2) -> dict[str, pd.DataFrame]:
    return {"Aging": pd.DataFrame({Invoices.NUMBER: [f"R-{i}" for i in range(count)]})}


@pytest.mark.parametrize("lock_name", ["~$Receivables.xlsx", ".~lock.Receivables.xlsx#"], ids=["excel", "libreoffice"])
def test_a_workbook_open_in_excel_or_libreoffice_is_left_alone(book: Path, lock_name: str) -> None:
    (book.parent / lock_name).write_text("someone,host,2026-11-24")
    before = book.read_bytes()
    result = write.write_tables(book, _aging())
    assert book.read_bytes() == before
    assert result.side_file and result.path_written.name == "Receivables.results.xlsx"
    program = "Excel" if lock_name.startswith("~$") else "LibreOffice"
    assert f"open in {program}" in result.message


def test_the_rewritten_workbook_keeps_its_mode_and_owner(book: Path) -> None:
    os.chmod(book, 0o640)
    if os.geteuid() == 0:  # only root can hand a file to someone else; CI runs as root
        os.chown(book, 4321, 4322)
    write.write_tables(book, _aging())
    info = book.stat()
    assert oct(info.st_mode & 0o7777) == oct(0o640)
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (4321, 4322)


def test_a_new_file_gets_the_umask_permissions_not_0600(tmp_path: Path, book: Path) -> None:
    target = tmp_path / "results.xlsx"
    write.write_tables(book, _aging(), out=target)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_symlinked_workbook_is_written_through_and_has_one_ledger(tmp_path: Path, book: Path) -> None:
    shared = tmp_path / "share"
    shared.mkdir()
    real = shared / "Receivables.xlsx"
    book.rename(real)
    link = tmp_path / "Receivables.xlsx"
    link.symlink_to(real)
    report = collect(link, now=NOW, send=True)
    assert link.is_symlink() and link.resolve() == real
    assert "Aging" in zipfile.ZipFile(real).read("xl/workbook.xml").decode()
    assert report.sent, "the run sent reminders"
    assert (shared / "Receivables.ledger.sqlite").is_file()
    assert not (tmp_path / "Receivables.ledger.sqlite").exists()  # no second ledger beside the link
    assert settings.Settings().ledger_file(link) == settings.Settings().ledger_file(real)
    again = collect(real, now=NOW, send=True)
    assert not again.sent  # through the real path: the same ledger, nothing twice
    assert sorted(path.name for path in tmp_path.iterdir()) == ["Receivables.xlsx", "share"]


def test_the_save_is_flushed_to_disk_before_the_rename_and_the_folder_after(book: Path, monkeypatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "fsync file")
        real_fsync(descriptor)

    def replace(source, target) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write.write_tables(book, _aging())
    assert events == ["fsync file", "replace", "fsync folder"]


def test_a_temporary_file_left_by_a_killed_save_is_removed_by_the_next_save(book: Path) -> None:
    left = book.parent / ".~arcollect.Receivables.xlsx.k1ll3d.tmp"
    left.write_bytes(b"PK\x03\x04 half a workbook")
    older = book.parent / ".Receivables.abcd1234.tmp"  # what arcollect 0.1 left behind
    older.write_bytes(b"PK")
    os.utime(older, (0, 0))
    busy = book.parent / ".~arcollect.Receivables.xlsx.busy01.tmp"  # a save still running in another process
    with busy.open("wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        write.write_tables(book, _aging())
        assert busy.exists()
    assert not left.exists() and not older.exists()
    assert sorted(path.name for path in book.parent.iterdir() if path.name.startswith(".")) == [busy.name]
    assert files.remove_stale_temporaries(book) == [busy]


def test_rows_pasted_below_an_input_table_are_read_and_the_table_is_widened(book: Path) -> None:
    with zipfile.ZipFile(book) as archive:
        part = sheet_parts(archive)["Invoices"]
        table_part = next(name for name in archive.namelist() if name.startswith("xl/tables/")
                          and b'displayName="Invoices"' in archive.read(name))  # fmt: skip
        entries = {name: archive.read(name) for name in archive.namelist()}
    rows = len(re.findall(rb"<row ", entries[part])) - 1
    entries[table_part] = re.sub(rb'ref="A1:([A-Z]+)\d+"', rb'ref="A1:\g<1>10"', entries[table_part])  # as pasted
    with zipfile.ZipFile(book, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    tables, _problems = read.read(book)
    assert len(tables["Invoices"]) == rows > 9  # rows 11 and below are outside the Table, and read all the same
    collect(book, now=NOW, send=False)
    with zipfile.ZipFile(book) as archive:
        assert re.search(rb'<table\b[^>]*\bref="A1:[A-Z]+%d"' % (rows + 1), archive.read(table_part))
        assert archive.read(part) == entries[part]  # the sheet itself is untouched


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_send_dry_run_writes_nothing_at_all(book: Path, capsys) -> None:
    folder = book.parent
    before = _snapshot(folder)
    assert cli.main(["send", str(book), "--dry-run", *ARGS_NOW]) == 0
    assert "Would send" in capsys.readouterr().out
    assert _snapshot(folder) == before  # no workbook change, ledger, outbox, preview or side file
    assert cli.main(["send", str(book), *ARGS_NOW]) == 0  # a real send: ledger and outbox now exist
    (folder / ".~lock.Receivables.xlsx#").write_text("open")  # and the book is open: a side file would appear
    before = _snapshot(folder)
    assert cli.main(["send", str(book), "--dry-run", "--now", "2026-12-15T10:00:00+00:00"]) == 0
    assert _snapshot(folder) == before


def test_config_changes_one_settings_cell_and_nothing_else(book: Path) -> None:
    def settings_cells() -> list[bytes]:
        with zipfile.ZipFile(book) as archive:
            part = archive.read(sheet_parts(archive)["Settings"])
        return re.findall(rb"<c\b[^>]*?(?:/>|>.*?</c>)", part, re.DOTALL)

    before = settings_cells()
    assert cli.main(["config", str(book), "basecurrency", "usd"]) == 0
    after = settings_cells()
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1 and b"USD" in changed[0][1]
    config, _problems = settings.parse_settings(read.read(book)[0]["Settings"])
    assert config.base_currency == "USD"
