"""Is a path on a network share or in a synced folder? The ledger's journal mode — or a refusal — depends on it.

    kind, name = location.classify(Path(r"\\\\fs01\\finance\\AR.ledger.sqlite"))   # ("network", "SMB share")

- ``network``: SMB/CIFS and NFS (UNC paths and mapped network drives on Windows; cifs/smb3/nfs/… mounts on Linux and
  macOS). SQLite works there with a rollback journal and exclusive locking (`store.SqliteStore`), one run at a
  time — WAL would not: its index lives in shared memory that two computers cannot share.
- ``synced``: OneDrive, SharePoint libraries synced by OneDrive, Dropbox, Google Drive, iCloud Drive. Each computer
  writes its own copy and the sync service merges later, so no lock reaches the other computer: two senders would
  both send, and a sync can put an older copy back. A ledger is refused there (`refusal`).
- ``local``: anything else.

Detection looks at the path and the mount table only (no network traffic); when in doubt it answers ``local``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path, PurePath, PureWindowsPath
from typing import Literal

Kind = Literal["local", "network", "synced"]

NETWORK_FILESYSTEMS = frozenset(
    {
        "cifs", "smb", "smb2", "smb3", "smbfs", "nfs", "nfs4", "afs", "ncpfs", "9p", "ceph", "glusterfs", "lustre",
        "fuse.sshfs", "sshfs", "fuse.rclone", "davfs", "fuse.davfs2", "webdav", "afpfs", "fuse.glusterfs",
    }
)  # fmt: skip
_SYNCED_FOLDER = re.compile(
    r"^(onedrive( - .+|-.+)?|dropbox( \(.+\))?|google ?drive|my drive|icloud ?drive|icloud drive \(archive\))$",
    re.IGNORECASE,
)


def classify(path: Path, *, mounts: str | None = None) -> tuple[Kind, str]:
    """(kind, what it is) for `path` (which need not exist); `mounts` is Linux's /proc/self/mountinfo text."""
    synced = _synced(path)
    if synced:
        return "synced", synced
    network = _network(path, mounts)
    if network:
        return "network", network
    return "local", "local disk"


def refusal(path: Path, what: str, workbook: Path | None = None) -> str:
    """The sentence refusing a ledger in a synced folder, with the two ways out."""
    name = f"{workbook.stem}.ledger.sqlite" if workbook is not None else path.name
    local = Path.home() / "arcollect" / name
    return (
        f"The ledger {path} would be in a {what} folder, where each computer syncs its own copy and two runs cannot "
        "see each other — set LedgerPath to a folder on this computer "
        f'(e.g. arcollect config BOOK LedgerPath "{local}"), or share one ledger on a database server with LedgerUrl '
        "(docs/TEAMS.md)"
    )


def _synced(path: Path) -> str:
    parts = PurePath(path).parts
    for index, part in enumerate(parts):
        if _SYNCED_FOLDER.match(part):
            return part.split(" - ")[0].split("-")[0].strip() or part
        if part == "CloudStorage" and index > 0 and parts[index - 1] == "Library":  # macOS File Provider roots
            return parts[index + 1].split("-")[0] if index + 1 < len(parts) else "cloud storage"
        if part == "Mobile Documents" and index > 0 and parts[index - 1] == "Library":
            return "iCloud Drive"
    text = os.path.normcase(str(path))
    for root in _sync_roots():
        if text.startswith(os.path.normcase(root).rstrip("\\/") + os.sep):
            return "OneDrive/SharePoint"
    return ""


def _sync_roots() -> list[str]:
    """OneDrive's own roots from the environment and, on Windows, every folder OneDrive syncs (SharePoint too)."""
    names = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
    roots = [os.environ[name] for name in names if os.environ.get(name)]
    if sys.platform.startswith("win"):
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\SyncEngines\Providers\OneDrive") as providers:
                for index in range(winreg.QueryInfoKey(providers)[0]):
                    with winreg.OpenKey(providers, winreg.EnumKey(providers, index)) as provider:
                        roots.append(str(winreg.QueryValueEx(provider, "MountPoint")[0]))
        except OSError:
            pass
    return roots


def _network(path: Path, mounts: str | None) -> str:
    text = str(path)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
        return "network share (UNC path)"
    if sys.platform.startswith("win"):
        return _windows_drive(path)
    table = mounts if mounts is not None else _mount_table()
    fstype = _filesystem(Path(os.path.abspath(path)), table)
    return f"network file system ({fstype})" if fstype in NETWORK_FILESYSTEMS else ""


def _windows_drive(path: Path) -> str:
    drive = PureWindowsPath(os.path.abspath(path)).drive
    if not drive:
        return ""
    import ctypes

    if ctypes.windll.kernel32.GetDriveTypeW(f"{drive}\\") == 4:  # type: ignore[attr-defined]  # DRIVE_REMOTE
        return f"network drive ({drive})"
    return ""


def _mount_table() -> str:
    """Linux: /proc/self/mountinfo; macOS: `mount` output turned into the same two fields we read."""
    try:
        return Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
        lines = []
        for line in out.splitlines():  # "//user@fs/share on /Volumes/share (smbfs, nodev, …)"
            match = re.match(r"^.+ on (.+) \(([^,)]+)", line)
            if match:
                lines.append(f"0 0 0:0 / {match[1].replace(' ', chr(92) + '040')} rw - {match[2]} x rw")
        return "\n".join(lines)
    return ""


def _filesystem(path: Path, table: str) -> str:
    """The file system type of the longest mount point above `path` in a mountinfo table."""
    best, fstype = "", ""
    for line in table.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        kind = line.split(" - ", 1)[1].split()[0]
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, kind
    return fstype
