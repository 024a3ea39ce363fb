"""Saving a workbook file safely: atomically, durably, as the same file, and never under an open spreadsheet.

    >>> owner_file(Path("Receivables.xlsx"))              # ~$Receivables.xlsx (Excel) or .~lock.Receivables.xlsx#
    >>> with atomic_file(Path("Receivables.xlsx")) as handle:
    ...     book.save(handle)                             # or any writer of bytes

`atomic_file` writes a temporary file in the folder of the real file (a symbolic link is written through, so the
link stays a link and every path to the workbook still names the one file), flushes it to disk (``fsync``), gives
it the old file's permission bits and, where the system allows, its owner and group, moves it over the file in one
step (``os.replace``) and flushes the folder, so that after a power cut the folder holds either the old workbook or
the new one, complete. A save that is killed leaves its temporary file behind: the next save of the same workbook
removes it, unless another process still holds it open (it is locked while it is written).
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


def real_path(path: Path) -> Path:
    """`path` with symbolic links followed: the file a save must replace (the link itself stays)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[IO[bytes]]:
    """A binary file handle whose contents replace `target` when the block ends without an exception."""
    real = real_path(Path(target))
    folder = real.parent
    remove_stale_temporaries(real)
    handle, temporary = tempfile.mkstemp(prefix=f"{_PREFIX}{real.name}.", suffix=".tmp", dir=folder)
    stream = os.fdopen(handle, "w+b")
    try:
        _lock(stream)
        yield stream
        stream.flush()
        os.fsync(stream.fileno())
        _same_mode_and_owner(real, Path(temporary))
        if os.name == "nt":  # Windows cannot replace a file that is open
            stream.close()
        os.replace(temporary, real)
    except BaseException:
        stream.close()
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        stream.close()
    _sync_folder(folder)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporary files that a killed save of `target` left beside it; returns those removed.

    Ours carry the prefix ``.~arcollect.`` and are locked while written; older versions of arcollect wrote
    ``.<stem>.<8 characters>.tmp`` without a lock, which counts as stale after an hour.
    """
    folder = target.parent
    ours = re.compile(rf"^{re.escape(_PREFIX + target.name)}\.[A-Za-z0-9_]+\.tmp$")
    older = re.compile(rf"^\.{re.escape(target.stem)}\.[a-z0-9_]{{8}}\.tmp$")
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not (ours.match(name) or older.match(name)):
            continue
        candidate = folder / name
        if _in_use(candidate, locked=bool(ours.match(name))):
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


def _same_mode_and_owner(real: Path, temporary: Path) -> None:
    """The new file gets the old one's permissions and, where allowed, owner and group (a new file: the umask's)."""
    try:
        info = real.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
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
