"""Refuse a hostile or broken workbook file before any parser opens it.

    >>> from arcollect.book import guard
    >>> guard.check("Receivables.xlsx")          # returns None, or raises InputError saying what is wrong

An .xlsx file is a zip archive of XML parts, and both readers arcollect uses (python-calamine for reading,
openpyxl for writing back) trust what they unpack. `check` looks at the archive first, in bounded memory and
time, and raises `arcollect.errors.InputError` with a plain sentence naming the file and the reason when:

- the file is empty, not a zip archive (an old .xls or a password-protected workbook is an OLE file, said so),
  damaged or cut short (no central directory, a part that fails its checksum or ends early), or a zip that is
  not an Excel workbook (no spreadsheet content type);
- it has more than `MAX_PARTS` parts, a part that unpacks to more than `MAX_PART_BYTES`, or more than
  `MAX_TOTAL_BYTES` in all;
- a part larger than `_RATIO_FROM` unpacks to more than `MAX_RATIO` times its packed size (a "zip bomb": real
  sheets pack 5 to 30 times);
- a part unpacks to more bytes than the archive's directory declares (a bomb that lies about its size);
- a part is encrypted or packed with a method Excel never uses;
- an XML part declares a document type (``<!DOCTYPE`` or ``<!ENTITY``, in UTF-8, UTF-16 or UTF-32): Excel never
  writes one, and it is how "billion laughs" entity expansion and external-entity attacks start. (openpyxl
  refuses entities too, through defusedxml; python-calamine does not expand them. Refusing here gives one
  clear message for both.)

Every part is inflated once, in pieces of at most 1 MiB, counting bytes and the CRC: the sizes checked are the real
ones, not the ones the archive claims. The last file that passed is remembered by path, modification time and
size, so reading and then writing back the same workbook checks it once.
"""

from __future__ import annotations

import logging
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from arcollect.errors import InputError

logger = logging.getLogger(__name__)

MAX_PARTS = 10_000
MAX_PART_BYTES = 1 << 30  # 1 GiB of XML in one part: millions of rows, far more than arcollect is built for
MAX_TOTAL_BYTES = 2 << 30
MAX_RATIO = 100  # the inflate ratio Apache POI refuses too (ZipSecureFile.MIN_INFLATE_RATIO = 0.01)
_RATIO_FROM = 1 << 20  # small parts (styles, a one-row sheet) may pack better than that harmlessly
_STEP = 1 << 16  # packed bytes read at a time
_PIECE = 1 << 20  # unpacked bytes handled at a time: the most a part costs in memory while it is checked
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls, and any workbook saved with a password
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_DECLARATIONS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_OVERLAP = max(len(marker) for marker in _DECLARATIONS) - 1
_OPENERS = tuple(sorted({"<!".encode(encoding).strip(b"\x00") for encoding in ("utf-8", "utf-16-le", "utf-32-le")}))
_TEXT_SUFFIXES = (".xml", ".rels", ".vml")

_passed: dict[str, Any] = {}


def check(path: str | Path) -> None:
    """Raise `InputError` if the file at `path` is not a workbook arcollect can open safely (see the module doc)."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{path.name}: file not found or not readable ({path})") from exc
    stamp = (str(path.resolve()), info.st_mtime_ns, info.st_size)
    if _passed.get("stamp") == stamp:
        return
    with path.open("rb") as handle:
        _check_file(path.name, handle, info.st_size)
    _passed["stamp"] = stamp


def _check_file(name: str, handle: BinaryIO, size: int) -> None:
    start = handle.read(8)
    handle.seek(0)
    if size == 0:
        raise InputError(f"{name} is empty (0 bytes) — it is not an Excel workbook")
    if start == _OLE:
        raise InputError(
            f"{name} is a password-protected workbook or an old-format .xls file — open it in Excel and save it "
            "as an Excel Workbook (.xlsx) without a password"
        )
    if not start.startswith(b"PK"):
        raise InputError(f"{name} is not an Excel workbook (.xlsx): it is not a zip archive, as every .xlsx is")
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"{name} is damaged or incomplete (the zip archive inside every .xlsx cannot be read: {exc}) — "
            "was it copied or downloaded completely? Open it in Excel and save it again"
        ) from exc
    with archive:
        parts = archive.infolist()
        _check_directory(name, archive, parts)
        for part in parts:
            _check_part(name, handle, part)
    logger.debug("%s: %d parts checked", name, len(parts))


def _check_directory(name: str, archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> None:
    """What the central directory says: part count, declared sizes, ratios, encryption, that it is Excel's."""
    if len(parts) > MAX_PARTS:
        raise InputError(f"{name} has {len(parts):,} parts inside; a workbook has at most a few hundred — refused")
    total = sum(part.file_size for part in parts)
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"{name} would unpack to {_size(total)}, more than the {_size(MAX_TOTAL_BYTES)} allowed")
    for part in parts:
        _check_sizes(name, part.filename, part.file_size, part.compress_size)
        if part.flag_bits & 0x1:
            raise InputError(f"{name}: part {part.filename} is encrypted — save the workbook without a password")
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(f"{name}: part {part.filename} is packed in a way Excel never writes — refused")
    try:
        content_types = archive.read("[Content_Types].xml") if len(parts) else b""
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error, EOFError) as exc:
        raise InputError(f"{name} is a zip archive but not an Excel workbook (.xlsx): {exc}") from exc
    if b"spreadsheetml" not in content_types and b"ms-excel" not in content_types:
        raise InputError(f"{name} is a zip archive but not an Excel workbook (.xlsx): it holds no worksheets")


def _check_sizes(name: str, part: str, unpacked: int, packed: int) -> None:
    if unpacked > MAX_PART_BYTES:
        raise InputError(
            f"{name}: part {part} would unpack to {_size(unpacked)}, more than the {_size(MAX_PART_BYTES)} allowed "
            "— refused as a possible zip bomb"
        )
    if unpacked > _RATIO_FROM and unpacked > MAX_RATIO * max(packed, 1):
        raise InputError(
            f"{name}: part {part} unpacks {unpacked // max(packed, 1):,} times larger than it is packed "
            f"({_size(packed)} → {_size(unpacked)}); real workbooks stay under {MAX_RATIO} — refused as a zip bomb"
        )


def _check_part(name: str, handle: BinaryIO, part: zipfile.ZipInfo) -> None:
    """Inflate one part from its raw bytes: its real size, CRC, and no document type declaration."""
    damaged = f"{name} is damaged (part {part.filename} cannot be unpacked) — open it in Excel and save it again"
    handle.seek(part.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise InputError(damaged)
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
    handle.seek(name_length + extra_length, 1)
    scan = part.filename.lower().endswith(_TEXT_SUFFIXES) or part.filename == "[Content_Types].xml"
    produced, crc, tail = 0, 0, b""
    try:
        for piece in _unpacked(handle, part):
            produced += len(piece)
            if produced > part.file_size:
                raise InputError(
                    f"{name}: part {part.filename} unpacks to more than the {_size(part.file_size)} the archive "
                    "declares — refused as a disguised zip bomb"
                )
            crc = zlib.crc32(piece, crc)
            if scan:
                if _declares(tail, piece):
                    raise InputError(
                        f"{name}: part {part.filename} declares an XML document type (<!DOCTYPE or <!ENTITY>), "
                        "which Excel never writes — refused: this is how entity-expansion ('billion laughs') "
                        "and external-entity attacks begin"
                    )
                tail = (tail + piece[-_OVERLAP:])[-_OVERLAP:]
    except zlib.error as exc:
        raise InputError(damaged) from exc
    if produced != part.file_size or crc != part.CRC:
        raise InputError(damaged)


def _unpacked(handle: BinaryIO, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes from its packed data at the handle's position, in pieces of at most `_PIECE` bytes.

    Stops one byte after the size the archive declares, so a part that lies about its size costs no more than that.
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if part.compress_type == zipfile.ZIP_DEFLATED else None
    left, produced = part.compress_size, 0
    while True:
        packed = handle.read(min(_STEP, left)) if left > 0 else b""
        left -= len(packed)
        if inflater is None:
            if packed:
                yield packed
        else:
            data = packed
            while produced <= part.file_size:
                piece = inflater.decompress(data, _PIECE)
                produced += len(piece)
                if piece:
                    yield piece
                data = inflater.unconsumed_tail
                if not data and len(piece) < _PIECE:  # a full piece may leave more output pending
                    break
        if not packed or produced > part.file_size:
            return


def _declares(tail: bytes, piece: bytes) -> bool:
    """Whether an XML document type declaration, in any encoding an XML part may use, is in `piece` or runs into
    it from `tail` (the end of what came before).

    Most pieces hold no "!" at all, which one byte search shows; the rest are searched for "<!" as each encoding
    writes it, and only those holding one for the declarations themselves.
    """
    edge = tail + piece[:_OVERLAP]
    if any(marker in edge for marker in _DECLARATIONS):
        return True
    if b"!" not in piece or not any(opener in piece for opener in _OPENERS):
        return False
    return any(marker in piece for marker in _DECLARATIONS)


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} GiB"
