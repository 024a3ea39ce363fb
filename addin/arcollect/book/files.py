"""Saving a workbook file safely: atomically, durably, as the same file, and never under an open spreadsheet.

    >>> owner_file(Path("Receivables.xlsx"))              # ~$Receivables.xlsx (Excel) or .~lock.Receivables.xlsx#
    >>> with atomic_file(Path("Receivables.xlsx")) as handle:
    ...     book.save(handle)                             # or any writer of bytes

`atomic_file` (from `arcollect.files`, the one implementation that the outbox and the ledger's export use too)
writes a temporary file in the folder of the real file (a symbolic link is written through, so the link stays a
link and every path to the workbook still names the one file), flushes it to disk (``fsync``), gives it the old
file's permission bits and, where the system allows, its owner and group, moves it over the file in one step
(``os.replace``) and flushes the folder, so that after a power cut the folder holds either the old workbook or the
new one, complete. A save that is killed leaves its temporary file behind: the next save of the same workbook
removes it, unless another process still holds it open (it is locked while it is written). This module adds what
is particular to spreadsheets: the lock file that tells a workbook is open (`owner_file`).
"""

from __future__ import annotations

from pathlib import Path

from arcollect.files import atomic_file, real_path, remove_stale_temporaries

__all__ = ["atomic_file", "owner_file", "real_path", "remove_stale_temporaries"]


def owner_file(path: Path) -> Path | None:
    """The lock file of a spreadsheet program that has `path` open, if one lies beside it.

    Excel writes ``~$`` + the name (for long names the first two characters replaced), LibreOffice and
    OpenOffice ``.~lock.`` + the name + ``#``.
    """
    path = Path(path)
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    if len(path.name) > 2:
        candidates.append(path.with_name("~$" + path.name[2:]))
    return next((candidate for candidate in candidates if candidate.exists()), None)
