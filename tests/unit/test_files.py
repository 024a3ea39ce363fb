"""arcollect.files: the one atomic, durable write that the workbook save, the outbox and the ledger export use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arcollect import files
from arcollect.book import files as book_files
from arcollect.mail.ledger import retention
from arcollect.mail.transports import outbox


@pytest.fixture
def events(monkeypatch) -> list[str]:
    seen: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        seen.append("fsync folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "fsync file")
        real_fsync(descriptor)

    def replace(source, target) -> None:
        seen.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return seen


def test_a_durable_write_flushes_the_file_before_the_rename_and_the_folder_after(tmp_path: Path, events) -> None:
    target = tmp_path / "message.eml"
    files.atomic_write(target, b"the whole message")
    assert target.read_bytes() == b"the whole message"
    assert events == ["fsync file", "replace", "fsync folder"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["message.eml"]


def test_a_write_that_need_not_survive_a_power_cut_only_renames(tmp_path: Path, events) -> None:
    target = tmp_path / "index.html"
    target.write_text("old")
    files.atomic_write(target, b"new", durable=False)
    assert (target.read_bytes(), events) == (b"new", ["replace"])


def test_a_new_file_gets_the_mode_asked_for_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    new = tmp_path / "new.eml"
    files.atomic_write(new, b"x", mode=0o600)
    assert new.stat().st_mode & 0o777 == 0o600
    kept = tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o640)
    files.atomic_write(kept, b"new", mode=0o600)
    assert (kept.read_bytes(), kept.stat().st_mode & 0o777) == (b"new", 0o640)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), files.atomic_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("killed")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.csv"]
    assert target.read_bytes() == b"old"


def test_a_folder_of_leftovers_is_cleared_of_ours_only(tmp_path: Path) -> None:
    ours = [tmp_path / ".~arcollect.a.eml.k1ll3d.tmp", tmp_path / ".~arcollect.Receivables.xlsx.abc_12.tmp"]
    theirs = [tmp_path / ".other.tmp", tmp_path / "a.eml", tmp_path / ".~lock.Receivables.xlsx#"]
    for path in (*ours, *theirs):
        path.write_bytes(b"")
    assert sorted(files.remove_stale_temporaries_in(tmp_path)) == sorted(ours)
    assert sorted(tmp_path.iterdir()) == sorted(theirs)


def test_there_is_one_implementation() -> None:
    assert book_files.atomic_file is files.atomic_file
    assert book_files.real_path is files.real_path
    assert book_files.remove_stale_temporaries is files.remove_stale_temporaries
    assert outbox.atomic_write is files.atomic_write
    assert retention.atomic_write is files.atomic_write
    assert not hasattr(outbox, "_replace") and not hasattr(outbox, "_fsync_folder")
