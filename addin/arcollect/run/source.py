"""Where a run's tables come from and go back to — a workbook file or a workbook open in Excel (`Source`) — and
the workbook's own ledger, found and checked (`open_ledger`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from arcollect.book import dashboard, files, live, read, settings, write
from arcollect.mail.ledger import Ledger, identity, locate
from arcollect.problems import Problem


@dataclass(frozen=True)
class Source:
    """Where the tables come from and go back to: a workbook file, or a workbook open in Excel (`book.live`).

    ``write_tables(tables, updates=(), charts=None)`` writes the output tables, applies the cell updates and, given
    `dashboard.build`'s keywords as `charts`, rebuilds the Dashboard: in a file in the same load and save, in a
    live book through `live.write_dashboard` (native Excel charts over the same cells).
    """

    path: Path
    read_tables: Callable[[], tuple[dict[str, pd.DataFrame], list[Problem]]]
    write_tables: Callable[..., write.WriteResult]
    live: bool = False
    stamp: Callable[[], identity.Stamp | None] = lambda: None
    log_rows: Callable[[], list[list[Any]]] = list
    read_queue: Callable[[], pd.DataFrame] = lambda: pd.DataFrame()  # the ReminderQueue as the user left it

    @classmethod
    def of(cls, book: Path | str | Any) -> Source:
        if isinstance(book, str | Path):
            path = files.real_path(Path(book))  # a symlinked workbook: its ledger, outbox and cases beside the file
            return cls(
                path, lambda: read.read(path), lambda *args, **kw: cls._write_file(path, *args, **kw),
                stamp=lambda: identity.read_stamp(path), log_rows=lambda: identity.log_rows(path),
                read_queue=lambda: read.read_output(path, "ReminderQueue"),
            )  # fmt: skip
        return cls(
            live.location(book), lambda: live.read(book), lambda *args, **kw: cls._write_live(book, *args, **kw),
            live=True, stamp=lambda: identity.read_live_stamp(book),
            log_rows=lambda: live.sheet_rows(book, "ReminderLog"),
            read_queue=lambda: live.read_table(book, "ReminderQueue"),
        )  # fmt: skip

    @staticmethod
    def _write_file(
        path: Path,
        tables: Mapping[str, pd.DataFrame],
        updates: list[write.CellUpdate] | tuple[write.CellUpdate, ...] = (),
        charts: Mapping[str, Any] | None = None,
        *,
        stamp: identity.Stamp | None = None,
    ) -> write.WriteResult:
        also = None if charts is None else (lambda book: dashboard.build(book, **charts))
        names = identity.names(stamp.ledger_id, stamp.sequence) if stamp is not None else None
        return write.write_tables(path, tables, updates=updates, also=also, names=names)

    @staticmethod
    def _write_live(
        book: Any,
        tables: Mapping[str, pd.DataFrame],
        updates: list[write.CellUpdate] | tuple[write.CellUpdate, ...] = (),
        charts: Mapping[str, Any] | None = None,
        *,
        stamp: identity.Stamp | None = None,
    ) -> write.WriteResult:
        result = live.write_tables(book, tables, updates=updates)
        if charts is not None:
            live.write_dashboard(book, **charts)
        if stamp is not None:
            identity.write_live_stamp(book, stamp.ledger_id, stamp.sequence)
        return result


def open_ledger(book: Path | str | Any, config: settings.Settings) -> Ledger:
    """The workbook's own ledger, found and checked as `collect` opens it (`locate.open_for`: LedgerUrl, LedgerPath,
    a renamed workbook's ledger; a missing, emptied, older or foreign one raises `LedgerError` in one sentence).

    For what writes to the ledger outside a run — approvals from the CLI and the ribbon — so that they land in the
    ledger the next send reads, never in a fresh file beside the workbook.
    """
    return open_own_ledger(Source.of(book), config)


def open_own_ledger(source: Source, config: settings.Settings) -> Ledger:
    """`source`'s ledger (`open_ledger` for a `Source`): its stamp, or the ReminderLog's sent count without one."""
    stamp = source.stamp()
    sent_before = 0 if stamp is not None else identity.sent_in_log(source.log_rows())
    return locate.open_for(source.path, config, stamp=stamp, sent_in_log=sent_before)
