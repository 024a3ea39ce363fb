"""A small writer of Compound File Binary (MS-CFB version 3) files — the container `vbaProject.bin` is.

    >>> from arcollect.excel.addin.cfb import Storage, write
    >>> blob = write(Storage("Root Entry", {"PROJECT": b"ID=...", "VBA": Storage("VBA", {"dir": b"..."})}))
    >>> blob[:8].hex()
    'd0cf11e0a1b11ae1'

Why written here: `olefile` (already installed through oletools) only reads. Of the writers on PyPI, `ms-cfb`
0.0.6 wrote a readable file in our trial, but it is a 0.0.x release whose API builds from a folder on disk (dates
taken from the file system) and pulls PyYAML and `python-red-black-trees` 0.0.2; `cfbwrite` 1.0.1 also worked and
is careful code, but a young single-author project for a job this small. What a VBA project needs is a few kilobytes
of streams written once, so this module writes exactly that and nothing more:

- 512-byte sectors; streams under 4,096 bytes go to the mini stream (64-byte mini sectors), as the format requires;
- a fixed layout `[header][FAT][directory][mini FAT][mini stream][large streams]`, so every sector number is known
  before anything is written, and the output depends on the input alone (zero timestamps and CLSIDs): rebuilding
  gives identical bytes;
- each storage's children sorted the CFB way (shorter names first, then case-insensitively) and hung as a balanced
  binary search tree, every node black — MS-CFB 2.6.4 asks that the root be black, that no two red nodes touch and
  that siblings be ordered, and an all-black ordered tree meets all three;
- at most 109 FAT sectors (about 6.8 MB of content), so no DIFAT sectors are ever needed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
_DIR_ENTRY_SIZE = 128
_ENTRIES_PER_SECTOR = SECTOR_SIZE // _DIR_ENTRY_SIZE
_IDS_PER_SECTOR = SECTOR_SIZE // 4
_HEADER_FAT_SLOTS = 109

_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_BLACK = 1


class CfbError(ValueError):
    """The tree cannot be written as a version-3 compound file (a name too long, too much content)."""


@dataclass
class Storage:
    """A storage: named children that are streams (bytes) or storages."""

    name: str
    children: dict[str, bytes | Storage] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _ENDOFCHAIN


def _sort_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4 order: by length of the UTF-16 name, then by its upper-case form."""
    return len(name.encode("utf-16-le")), name.upper()


def _flatten(root: Storage) -> list[_Entry]:
    entries = [_Entry(root.name, _ROOT)]

    def add(parent: int, children: dict[str, bytes | Storage]) -> None:
        for name in sorted(children, key=_sort_key):
            if len(name.encode("utf-16-le")) > 62 or any(ch in name for ch in "/\\:!"):
                raise CfbError(f"{name!r} is not a valid compound-file entry name")
            value = children[name]
            entries.append(_Entry(name, _STORAGE if isinstance(value, Storage) else _STREAM))
            index = len(entries) - 1
            entries[parent].children.append(index)
            if isinstance(value, Storage):
                add(index, value.children)
            else:
                entries[index].data = bytes(value)

    add(0, root.children)
    for entry in entries:
        entry.child = _balanced_tree(entries, entry.children)
    return entries


def _balanced_tree(entries: list[_Entry], ordered: list[int]) -> int:
    """Link siblings (already sorted) into a balanced binary search tree; return the index of its root."""
    if not ordered:
        return _NOSTREAM
    middle = len(ordered) // 2
    node = entries[ordered[middle]]
    node.left = _balanced_tree(entries, ordered[:middle])
    node.right = _balanced_tree(entries, ordered[middle + 1 :])
    return ordered[middle]


def _sectors(size: int, sector: int) -> int:
    return -(-size // sector)


def _pad(data: bytes, sector: int) -> bytes:
    return data + b"\0" * (_sectors(len(data), sector) * sector - len(data))


def _chain(table: list[int], start: int, count: int) -> None:
    for offset in range(count):
        table[start + offset] = start + offset + 1 if offset < count - 1 else _ENDOFCHAIN


def write(root: Storage) -> bytes:
    """Return the compound file holding `root`'s tree; the same tree always gives the same bytes."""
    entries = _flatten(root)
    streams = [entry for entry in entries if entry.kind == _STREAM]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in (e for e in streams if 0 < len(e.data) < MINI_STREAM_CUTOFF):
        first = len(mini_fat)
        count = _sectors(len(entry.data), MINI_SECTOR_SIZE)
        mini_fat.extend([0] * count)
        _chain(mini_fat, first, count)
        entry.start = first
        mini_stream += _pad(entry.data, MINI_SECTOR_SIZE)
    large = [e for e in streams if len(e.data) >= MINI_STREAM_CUTOFF]

    directory_sectors = _sectors(len(entries), _ENTRIES_PER_SECTOR)
    mini_fat_sectors = _sectors(len(mini_fat) * 4, SECTOR_SIZE)
    mini_stream_sectors = _sectors(len(mini_stream), SECTOR_SIZE)
    large_sectors = sum(_sectors(len(e.data), SECTOR_SIZE) for e in large)
    content = directory_sectors + mini_fat_sectors + mini_stream_sectors + large_sectors
    fat_sectors = 1
    while fat_sectors * _IDS_PER_SECTOR < fat_sectors + content:
        fat_sectors += 1
    if fat_sectors > _HEADER_FAT_SLOTS:
        raise CfbError("too much content for a compound file without DIFAT sectors")

    fat = [_FREESECT] * (fat_sectors * _IDS_PER_SECTOR)
    fat[:fat_sectors] = [_FATSECT] * fat_sectors
    next_sector = fat_sectors
    directory_start = next_sector
    _chain(fat, directory_start, directory_sectors)
    next_sector += directory_sectors
    mini_fat_start = next_sector if mini_fat_sectors else _ENDOFCHAIN
    _chain(fat, next_sector, mini_fat_sectors)
    next_sector += mini_fat_sectors
    if mini_stream_sectors:
        entries[0].start = next_sector
        _chain(fat, next_sector, mini_stream_sectors)
        next_sector += mini_stream_sectors
    for entry in large:
        count = _sectors(len(entry.data), SECTOR_SIZE)
        entry.start = next_sector
        _chain(fat, next_sector, count)
        next_sector += count

    out = bytearray(_header(fat_sectors, directory_start, mini_fat_start, mini_fat_sectors))
    out += struct.pack(f"<{len(fat)}I", *fat)
    directory = b"".join(
        _directory_entry(entry, len(mini_stream) if i == 0 else None) for i, entry in enumerate(entries)
    )
    unused = _directory_entry(None, None)
    out += directory + unused * (directory_sectors * _ENTRIES_PER_SECTOR - len(entries))
    out += _pad(struct.pack(f"<{len(mini_fat)}I", *mini_fat), SECTOR_SIZE)
    out += _pad(bytes(mini_stream), SECTOR_SIZE)
    for entry in large:
        out += _pad(entry.data, SECTOR_SIZE)
    return bytes(out)


def _header(fat_sectors: int, directory_start: int, mini_fat_start: int, mini_fat_sectors: int) -> bytes:
    difat = list(range(fat_sectors)) + [_FREESECT] * (_HEADER_FAT_SLOTS - fat_sectors)
    return (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIII", 0, fat_sectors, directory_start, 0, MINI_STREAM_CUTOFF)
        + struct.pack("<IIII", mini_fat_start, mini_fat_sectors, _ENDOFCHAIN, 0)
        + struct.pack(f"<{_HEADER_FAT_SLOTS}I", *difat)
    )


def _directory_entry(entry: _Entry | None, root_size: int | None) -> bytes:
    if entry is None:
        return bytes(64) + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM) + bytes(16 + 4 + 16 + 4 + 8)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    if entry.kind == _ROOT:
        start, size = (entry.start, root_size) if root_size else (_ENDOFCHAIN, 0)
    elif entry.kind == _STORAGE:
        start, size = 0, 0
    else:
        start, size = (entry.start, len(entry.data)) if entry.data else (_ENDOFCHAIN, 0)
    return (
        name.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(name), entry.kind, _BLACK, entry.left, entry.right, entry.child)
        + bytes(16)
        + struct.pack("<I", 0)
        + bytes(16)
        + struct.pack("<IQ", start, size)
    )
