"""The outbox transport: one `.eml` file per reminder and an `index.html` preview, nothing leaves the machine.

    >>> outbox = OutboxTransport(Path("outbox"))           # doctest: +SKIP
    >>> outbox.send([reminder])                            # doctest: +SKIP
    [SendResult(key='3f0c…', status='sent', message_id='<3f0c…@acme.example>', error=None)]
    >>> outbox.find_sent(reminder.key)                     # doctest: +SKIP
    True

Each file is the RFC 5322 message from `Reminder.to_email()` (any mail client opens it), named
``<YYYYmmdd>-<customer id>-L<level>-<key[:12]>.eml`` (UTC date of the send time). Files are written atomically
(`arcollect.files.atomic_write`: a temporary file in the same folder, flushed and fsynced, then renamed over the
final name), readable by the user only, so a crash leaves either the whole message or none of it, and `find_sent`
can answer False with certainty: the outbox *is* the record of what was handed over. (A user who moves files out of
the folder before a crashed run is reconciled makes those reminders look unsent.) Sending a reminder whose key is
already in the outbox writes nothing and reports it sent. A write killed half-way leaves only a
``.~arcollect.*.tmp`` file, which lookups and the index ignore and the next send removes once no process holds it.
The file and the folder are fsynced before a reminder's result is reported, so a message the ledger records as sent
survives a power cut.

After every batch `index.html` is rebuilt from the `.eml` files present: date, recipients, subject, level, a link
to each file and the plain-text body in a collapsible block — every value HTML-escaped, no scripts, no iframes. A
message is parsed for it once: the page keeps each row under its file's name, time and size (`write_index`).
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import html
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

from arcollect.errors import TransportError
from arcollect.files import atomic_write, remove_stale_temporaries_in
from arcollect.mail.message import KEY_HEADER, Reminder, message_id_local
from arcollect.mail.transports import SendResult

logger = logging.getLogger(__name__)

INDEX = "index.html"
_TEMP_PREFIX = ".arcollect-"
_TEMP_SUFFIX = ".tmp"
_STALE_TEMP_SECONDS = 600  # temporary files of older versions (no lock to tell whether they are in use)
_PRIVATE = 0o600  # a new message or index is the user's alone: reminders hold customer data
_LEVEL = re.compile(r"-L(\d+)-[0-9A-Za-z_-]{1,12}\.eml$")


def file_name(reminder: Reminder, when: dt.datetime) -> str:
    """``<YYYYmmdd>-<customer id, ASCII letters/digits/._- only>-L<level>-<key[:12]>.eml``; `when` is aware."""
    day = when.astimezone(dt.UTC).strftime("%Y%m%d")
    return f"{day}-{_safe(reminder.customer_id)}-L{reminder.level}-{reminder.key[:12]}.eml"


def _safe(text: object) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")[:40] or "customer"


class OutboxStopped(TransportError):
    """The outbox folder cannot be written; ``results`` are the reminders handled before (the rest: not written)."""

    def __init__(self, message: str, results: Sequence[SendResult]) -> None:
        super().__init__(message)
        self.results = list(results)


class OutboxTransport:
    """Writes reminders to `folder` (created when needed). `clock` gives the Date of reminders without a send time.

    Single writer per folder: the caller holds the run's single-instance lock.
    """

    name = "outbox"

    def __init__(self, folder: str | Path, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.folder = Path(folder)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._rows: dict[tuple[str, int, int], str] = {}

    def send(
        self, reminders: Iterable[Reminder], *, on_result: Callable[[SendResult], None] | None = None
    ) -> list[SendResult]:
        """Write one `.eml` per reminder, each durable (file and folder fsynced) before its result is reported to
        `on_result`. A reminder whose key is already in the outbox is reported ``sent`` without a second copy.

        A reminder that cannot become a message (a bad address) is ``failed`` — the data must be fixed. A folder
        that cannot be written (disk full, read-only, missing permission) is this computer's problem, not the
        reminder's: `send` stops with `OutboxStopped`, whose ``results`` hold the reminders written until then; the
        rest stay retryable, and a run after the fix writes them.
        """
        results: list[SendResult] = []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_stale_temp_files()
            for reminder in reminders:
                result = self._write(reminder)
                results.append(result)
                if on_result is not None:
                    on_result(result)
        except OSError as error:
            reason = error.strerror or str(error)
            where = error.filename if isinstance(error.filename, str) else self.folder
            raise OutboxStopped(
                f"The outbox folder {self.folder} cannot be written ({reason}: {where}) — free space or fix its "
                "permissions (or choose another OutboxDir), then run again: nothing was lost",
                results,
            ) from None
        finally:
            if results:
                try:
                    self.write_index()
                except OSError as error:
                    logger.warning("Could not refresh %s in %s: %s", INDEX, self.folder, error)
        written = sum(result.status == "sent" for result in results)
        logger.info("Outbox %s: %d of %d reminders written", self.folder, written, len(results))
        return results

    def _write(self, reminder: Reminder) -> SendResult:
        """One message, durable before this returns ``sent``; OSError propagates (the folder's problem)."""
        if self._path_of(reminder.key) is not None:
            logger.info("Reminder %s is already in the outbox; not written again", reminder.key[:12])
            return SendResult(reminder.key, "sent", reminder.message_id)
        when = reminder.send_at or self._clock()
        try:
            data = reminder.to_email(date=when).as_bytes()
        except ValueError as error:  # InputError (a bad address) is a ValueError
            logger.warning("Reminder %s not written to the outbox: %s", reminder.key[:12], error)
            return SendResult(reminder.key, "failed", None, str(error))
        atomic_write(self.folder / file_name(reminder, when), data, mode=_PRIVATE, clean=False)
        return SendResult(reminder.key, "sent", reminder.message_id)

    def find_sent(self, key: str) -> bool:
        """True if an `.eml` for `key` is in the outbox (name contains ``key[:12]``, key header or Message-ID matches).

        False is certain (writes are atomic); an unreadable folder raises `TransportError` rather than guess.
        """
        try:
            return self._path_of(key) is not None
        except OSError as error:
            raise TransportError(f"Cannot read the outbox folder {self.folder}: {error}") from error

    def _path_of(self, key: str) -> Path | None:
        if not self.folder.is_dir():
            return None
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        for path in self.folder.glob(f"*-{key[:12]}.eml"):
            with path.open("rb") as handle:
                headers = parser.parse(handle)
            stored_key = str(headers.get(KEY_HEADER, "")).strip()
            left = str(headers.get("Message-ID", "")).strip().removeprefix("<").partition("@")[0]
            if stored_key == key or (not stored_key and left == message_id_local(key)):  # any sender's domain
                return path
        return None

    def check(self) -> str:
        """One sentence: whether reminders can be written to the outbox folder."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{_TEMP_PREFIX}check{_TEMP_SUFFIX}", b"", mode=_PRIVATE)
            (self.folder / f"{_TEMP_PREFIX}check{_TEMP_SUFFIX}").unlink()
        except OSError as error:
            reason = error.strerror or error
            return f"The outbox folder {self.folder} cannot be written ({reason}) — choose another OutboxDir."
        return f"OK: reminders will be written to {self.folder} as .eml files, with an index.html preview."

    def _remove_stale_temp_files(self) -> None:
        """Left-overs of a crashed write; nothing refers to them. Ours are removed once no process holds them
        (`files.remove_stale_temporaries_in`); ``.arcollect-*.tmp`` of older versions once ten minutes old."""
        remove_stale_temporaries_in(self.folder)
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for path in self.folder.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue

    # -- the preview -------------------------------------------------------------------------------------------------

    def write_index(self) -> Path:
        """Rebuild ``index.html`` from the `.eml` files present, in file-name order (date first); returns its path.

        Each file is parsed once: a row is kept under the file's name, modification time and size, in memory and
        in ``index.html`` itself (a comment before the row), so a new run — each tick of the schedule, each
        `arcollect send` — parses only the messages written since, not the whole outbox again.
        """
        with os.scandir(self.folder) as entries:
            files = sorted((entry.name, entry.stat()) for entry in entries if entry.name.endswith(".eml"))
        stamps = [(name, status.st_mtime_ns, status.st_size) for name, status in files]
        target = self.folder / INDEX
        if not self._rows:
            self._rows = _rows_of(target)
        rows = [_stamp_comment(stamp) + self._row(stamp) for stamp in stamps]
        self._rows = {stamp: self._rows[stamp] for stamp in stamps}
        atomic_write(target, _render_index(rows, self.folder).encode("utf-8"), durable=False, mode=_PRIVATE)
        return target

    def _row(self, stamp: tuple[str, int, int]) -> str:
        """The index row of one file version (name, mtime, size), parsed once: the index is rebuilt every batch."""
        cached = self._rows.get(stamp)
        if cached is not None:
            return cached
        name = stamp[0]
        level_match = _LEVEL.search(name)
        level = level_match.group(1) if level_match else ""
        try:
            message = email.message_from_bytes((self.folder / name).read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            row = _index_row(
                name,
                date=str(message.get("Date", "")),
                to=", ".join(filter(None, (str(message.get("To", "")), str(message.get("Cc", ""))))),
                subject=str(message.get("Subject", "")),
                level=level,
                text=body.get_content() if body is not None else "",
            )
        except (OSError, LookupError, ValueError) as error:
            row = _index_row(name, date="", to="", subject=f"(cannot be read: {error})", level=level, text="")
        self._rows[stamp] = row
        return row


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
pre { white-space: pre-wrap; background: #fafafa; padding: .8em; border: 1px solid #eee; max-width: 60em; }
"""


_STAMP = re.compile(r"<!--arcollect:([^:<>]+):(\d+):(\d+)-->(<tr>.*?</tr>)", re.DOTALL)


def _stamp_comment(stamp: tuple[str, int, int]) -> str:
    """The comment that keys the row after it in ``index.html``: the file's quoted name, mtime (ns) and size."""
    name, mtime_ns, size = stamp
    return f"<!--arcollect:{quote(name, safe='')}:{mtime_ns}:{size}-->"


def _rows_of(index: Path) -> dict[tuple[str, int, int], str]:
    """The rows an earlier `write_index` left in `index`, by file stamp; none when it is missing or unreadable.

    Every value in a row is HTML-escaped, so neither a comment nor ``</tr>`` can occur inside one.
    """
    try:
        page = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {(unquote(name), int(mtime), int(size)): row for name, mtime, size, row in _STAMP.findall(page)}


def _index_row(name: str, *, date: str, to: str, subject: str, level: str, text: str) -> str:
    """One table row; every value from the message is escaped."""
    escape = html.escape
    return (
        "<tr>"
        f"<td>{escape(date)}</td>"
        f"<td>{escape(to)}</td>"
        f"<td>{escape(level)}</td>"
        f'<td><a href="{escape(quote(name))}">{escape(subject) or "(no subject)"}</a>'
        f"<details><summary>Text</summary><pre>{escape(text)}</pre></details></td>"
        "</tr>"
    )


def _render_index(rows: Sequence[str], folder: Path) -> str:
    """The preview page around the (escaped) rows; a strict CSP forbids scripts outright."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            f"<title>arcollect outbox — {len(rows)} messages</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<h1>Outbox: {len(rows)} messages</h1>",
            f"<p>Folder: {html.escape(str(folder))}. Click a subject to open the message in your mail program.</p>",
            "<table><thead><tr><th>Date</th><th>To</th><th>Level</th><th>Subject</th></tr></thead><tbody>",
            *rows,
            "</tbody></table></body></html>",
            "",
        ]
    )
