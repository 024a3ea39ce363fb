"""The watched BankFolder: its statement files the ledger has not read yet (`new_files`), and `watch`, which reads
each new file once (by its SHA-256) into the bank ledger — not the workbook; the next run or refresh shows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

import pandas as pd

from arcollect.bank import statements
from arcollect.bank.inbox.imports import ImportReport, match_into_store
from arcollect.bank.inbox.mappings import may_be_csv, workbook_mappings
from arcollect.bank.store import Store, path_for
from arcollect.book import settings
from arcollect.problems import Problem

logger = logging.getLogger(__name__)


STATEMENT_SUFFIXES = (".xml", ".053", ".054", ".sta", ".940", ".mt940", ".txt", ".csv")


def statement_files(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in STATEMENT_SUFFIXES and not path.name.startswith(("~", "."))
    ]


def new_files(workbook: Path, config: settings.Settings | None) -> list[Path]:
    """The BankFolder's statement files the ledger has not read yet (cheap: a directory listing and hashes)."""
    folder = config.bank_folder_path(workbook) if config is not None else None
    if folder is None or not folder.is_dir():
        return []
    files = statement_files(folder)
    if not files or not path_for(workbook).exists():
        return files
    with Store(path_for(workbook)) as store:
        return [path for path in files if not store.file_seen(hashlib.sha256(path.read_bytes()).hexdigest())]


def watch(
    workbook: Path,
    config: settings.Settings,
    *,
    now: dt.datetime,
    tables: dict[str, pd.DataFrame],
    problems: list[Problem] | None = None,
) -> int:
    """Import the BankFolder's new statement files into the ledger (not the workbook); how many credits were new.

    Each file is read once, by its content's SHA-256: a file that cannot be read is reported (in `problems`) once
    and tried again only when its content changes (a statement still being written is read when it is complete)
    or, for a CSV export, when the Mappings sheet's bank mappings change (the user mapped its columns).
    """
    folder = config.bank_folder_path(workbook)
    if folder is None or not folder.is_dir():
        return 0
    report = ImportReport()
    mappings: list[statements.CsvMapping] | None = None  # the Mappings sheet, read once a new file may be a CSV
    with Store(path_for(workbook)) as store:
        for path in statement_files(folder):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if store.file_seen(digest):
                continue
            retry = digest  # the key an unread file is recorded under: read again when it changes
            if may_be_csv(path):
                if mappings is None:
                    mappings = workbook_mappings(workbook)
                retry = f"{digest}|{hashlib.sha256(repr(mappings).encode()).hexdigest()}"  # … or the mappings do
                if store.file_seen(retry):
                    continue
            credits, found = statements.read(path, mappings=mappings or ())
            match_into_store(tables, store, credits, report, now=now)
            store.file_read(retry if found else digest, path.name, len(credits) if not found else -1, now=now)
            for problem in found:
                logger.warning("%s", problem)
            if problems is not None:
                problems += found
    new = report.credits - report.already
    if new:
        logger.info("watched folder %s: %s", folder, report.summary())
    return new
