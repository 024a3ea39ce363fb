"""The preview: what would go out, as files to open — one implementation for `arcollect preview`, the ribbon's
Preview reminders and the demo.

    folder = preview_folder(Path("Receivables.xlsx"))        # preview/ beside the workbook
    index = write_preview(report.reminders.values(), folder, now=now)

The folder holds the previewed reminders as ``.eml`` files (any mail program opens them) and the outbox's
``index.html`` listing them; each preview replaces the messages of the one before, so the folder always shows one
run. Nothing is sent and nothing is recorded in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from arcollect.mail.message import Reminder
from arcollect.mail.transports.outbox import INDEX, OutboxTransport

FOLDER = "preview"


def preview_folder(workbook: Path | str) -> Path:
    """The preview folder beside `workbook` (beside the real file when the workbook is a symbolic link)."""
    return Path(workbook).resolve().parent / FOLDER


def write_preview(reminders: Iterable[Reminder], folder: Path, *, now: dt.datetime) -> Path:
    """Replace the messages in `folder` with `reminders` and rebuild its index; returns the index's path.

    With nothing to preview the folder is emptied and the index says so. `now` dates reminders without a send time.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    outbox = OutboxTransport(folder, clock=lambda: now)
    waiting = list(reminders)
    if waiting:
        outbox.send(waiting)  # writes the index after the batch
        return folder / INDEX
    return outbox.write_index()
