"""Writing a file safely: atomically, durably, as the same file — for the workbook, the outbox and the ledger.

    >>> with atomic_file(Path("Receivables.xlsx")) as handle:   # doctest: +SKIP
    ...     book.save(handle)                                    # or any writer of bytes
    >>> atomic_write(Path("outbox/20261124-C1-L1-3f0c.eml"), data, mode=0o600)   # doctest: +SKIP

`atomic_file` writes a temporary file in the folder of the real file (a symbolic link is written through, so the
link stays a link and every path to the file still names the one file), flushes it to disk (``fsync``), gives it
the old file's permission bits and, where the system allows, its owner and group (a new file: `mode`, else what the
umask gives), moves it over the file in one step (``os.replace``) and flushes the folder, so that after a power cut
the folder holds either the old file or the new one, complete. A write that is killed leaves its temporary file
(``.~arcollect.<name>.<random>.tmp``) behind: the next write of the same file removes it, unless another process
still holds it open (it is locked while it is written); `remove_stale_temporaries_in` clears a whole folder. This is
the one implementation; `arcollect.book.files` adds the spreadsheet programs' lock files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

_PREFIX = ".~arcollect."
_STALE_AFTER = 3600  # seconds: a temporary file this old is stale wherever locks cannot be tested


def real_path(path: Path) -> Path:
    """`path` with symbolic links followed: the file a save must replace (the link itself stays)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def atomic_file(
    target: Path, *, durable: bool = True, mode: int | None = None, clean: bool = True
) -> Iterator[IO[bytes]]:
    """A binary file handle whose contents replace `target` when the block ends without an exception.

    `durable` flushes the file before the rename and the folder after it (a file rebuilt from others anyway, like
    the outbox's index, may skip that cost). `mode`: the permission bits of a NEW file (None: what the umask
    gives); a file that exists keeps its own. `clean` first removes what killed writes of `target` left behind — a
    writer of many files in one folder passes False and calls `remove_stale_temporaries_in` once instead.
    """
    real = real_path(Path(target))
    folder = real.parent
    if clean:
        remove_stale_temporaries(real)
    handle, temporary = tempfile.mkstemp(prefix=f"{_PREFIX}{real.name}.", suffix=".tmp", dir=folder)
    stream = os.fdopen(handle, "w+b")
    try:
        _lock(stream)
        yield stream
        stream.flush()
        if durable:
            os.fsync(stream.fileno())
        _same_mode_and_owner(real, Path(temporary), mode)
        if os.name == "nt":  # Windows cannot replace a file that is open
            stream.close()
        os.replace(temporary, real)
    except BaseException:
        stream.close()
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        stream.close()
    if durable:
        _sync_folder(folder)


def atomic_write(path: Path, data: bytes, *, durable: bool = True, mode: int | None = None, clean: bool = True) -> None:
    """Write `data` to `path` so that readers (and a crash) see the old file or the whole new one, never a part
    (`atomic_file`, same options)."""
    with atomic_file(path, durable=durable, mode=mode, clean=clean) as handle:
        handle.write(data)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporary files that a killed write of `target` left beside it; returns those removed.

    Ours carry the prefix ``.~arcollect.`` and are locked while written; older versions of arcollect wrote
    ``.<stem>.<8 characters>.tmp`` without a lock, which counts as stale after an hour.
    """
    ours = re.compile(rf"^{re.escape(_PREFIX + target.name)}\.[A-Za-z0-9_]+\.tmp$")
    older = re.compile(rf"^\.{re.escape(target.stem)}\.[a-z0-9_]{{8}}\.tmp$")
    return _remove_stale(target.parent, ours, older)


def remove_stale_temporaries_in(folder: Path) -> list[Path]:
    """Delete every temporary file a killed `atomic_file` left in `folder`, whatever file it was writing."""
    return _remove_stale(Path(folder), re.compile(rf"^{re.escape(_PREFIX)}.+\.[A-Za-z0-9_]+\.tmp$"), None)


def _remove_stale(folder: Path, ours: re.Pattern[str], older: re.Pattern[str] | None) -> list[Path]:
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        is_ours = bool(ours.match(name))
        if not (is_ours or (older is not None and older.match(name))):
            continue
        candidate = folder / name
        if _in_use(candidate, locked=is_ours):
            continue
        try:
            candidate.unlink()
        except OSError:  # Windows: still open in another process
            continue
        removed.append(candidate)
        logger.info("removed %s, left behind by an interrupted save", name)
    return removed


def _lock(stream: IO[bytes]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: an open file cannot be deleted, which protects it the same way
        return
    with contextlib.suppress(OSError):
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _in_use(candidate: Path, *, locked: bool) -> bool:
    """True while a save may still be writing `candidate`."""
    try:
        age = time.time() - candidate.stat().st_mtime
    except OSError:
        return True
    try:
        import fcntl
    except ImportError:
        return False  # Windows: the unlink fails while the writer holds it open
    if not locked:
        return age < _STALE_AFTER
    try:
        with candidate.open("rb") as probe:
            fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # a file system without flock: only the age tells
        return age < _STALE_AFTER
    return False


def _same_mode_and_owner(real: Path, temporary: Path, mode: int | None = None) -> None:
    """The new file gets the old one's permissions and, where allowed, owner and group (a new file: `mode`, else
    the umask's)."""
    try:
        info = real.stat()
    except FileNotFoundError:
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        return
    os.chmod(temporary, stat.S_IMODE(info.st_mode))
    if not hasattr(os, "chown"):
        return
    mine = temporary.stat()
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.chown(temporary, info.st_uid, info.st_gid)
    except PermissionError:
        try:
            os.chown(temporary, -1, info.st_gid)  # a member of the group may keep the group
        except PermissionError:
            logger.warning("%s: saved, but now owned by this account (only root can keep another owner)", real.name)
        os.chmod(temporary, stat.S_IMODE(info.st_mode))  # chown may clear set-id bits


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no folder handles to flush)."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
