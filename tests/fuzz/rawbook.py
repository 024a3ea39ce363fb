"""Write .xlsx files part by part with `zipfile`, streaming the XML: hostile and huge workbooks in seconds.

    book = tmp_path / "base.xlsx"                      # any real workbook, e.g. from tests.integration.workbooks
    rebuild(book, tmp_path / "big.xlsx", replace={sheet_part(book, "Invoices"): rows_xml(header, rows, 1_048_576)})

openpyxl would take minutes and gigabytes to write a sheet of a million rows or a 50 MB cell; a workbook is a zip
of XML parts, so these helpers copy every part of a real workbook and swap in the parts a test needs, written
from generators so that no part is ever held in memory whole.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Part = bytes | Iterable[bytes]


def sheet_part(book: Path, sheet: str) -> str:
    """The zip member name of `sheet`'s worksheet part (xl/worksheets/sheetN.xml)."""
    with zipfile.ZipFile(book) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        relations = archive.read("xl/_rels/workbook.xml.rels").decode()
    match = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', workbook)
    assert match, f"no sheet {sheet} in {book.name}"
    target = re.search(rf'<Relationship [^>]*Id="{match[1]}"[^>]*Target="([^"]+)"', relations)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{match[1]}"', relations)
    assert target
    name = target[1].lstrip("/")
    return name if name.startswith("xl/") else posixpath.normpath(posixpath.join("xl", name))


def rebuild(source: Path, target: Path, *, replace: Mapping[str, Part] = {}, level: int = 6) -> Path:
    """Copy `source` to `target`, swapping (or adding) the parts in `replace`; a part may be a bytes generator."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as new:
        for info in old.infolist():
            if info.filename not in replace:
                new.writestr(info, old.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
        for name, part in replace.items():
            write_part(new, name, part)
    return target


def write_part(archive: zipfile.ZipFile, name: str, part: Part) -> None:
    """One part, streamed into the archive chunk by chunk (zip64 so that parts over 2 GiB are possible)."""
    chunks = [part] if isinstance(part, bytes) else part
    with archive.open(name, "w", force_zip64=True) as handle:
        for chunk in chunks:
            handle.write(chunk)


def cell(column: int, row: int, value: Any, *, style: int | None = None) -> str:
    """One <c> element: numbers as numbers, text inline (no shared-strings part needed), None as nothing."""
    where = f'r="{get_column_letter(column)}{row}"' + (f' s="{style}"' if style is not None else "")
    if value is None:
        return f"<c {where}/>" if style is not None else ""
    if isinstance(value, bool):
        return f'<c {where} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c {where}><v>{value!r}</v></c>"
    return f'<c {where} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def row_xml(row: int, values: Sequence[Any]) -> str:
    return f'<row r="{row}">' + "".join(cell(column, row, value) for column, value in enumerate(values, 1)) + "</row>"


def sheet_xml(rows: Iterable[str], *, head: str = "", tail: str = "", chunk: int = 1 << 20) -> Iterator[bytes]:
    """A worksheet part around the given <row> elements, yielded in chunks of about `chunk` bytes."""
    yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{head}<worksheet xmlns="{SHEET_NS}">').encode()
    yield b"<sheetData>"
    buffer: list[str] = []
    size = 0
    for row in rows:
        buffer.append(row)
        size += len(row)
        if size >= chunk:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()
    yield f"</sheetData>{tail}</worksheet>".encode()


def table_rows(rows: Iterable[Sequence[Any]], first: int = 1) -> Iterator[str]:
    """<row> elements for `rows` (lists of values), the first one numbered `first`."""
    for number, values in enumerate(rows, start=first):
        yield row_xml(number, values)


def with_rows(book: Path, sheet: str, rows: Iterable[str], *, last_cell: str | None = None) -> Iterator[bytes]:
    """`sheet`'s part of `book` with its <sheetData> replaced by `rows` (streamed); everything around it kept."""
    with zipfile.ZipFile(book) as archive:
        text = archive.read(sheet_part(book, sheet)).decode()
    head, rest = text.split("<sheetData", 1)
    tail = rest.split("</sheetData>", 1)[1] if "</sheetData>" in rest else rest.split("/>", 1)[1]
    if last_cell:
        head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_cell}"/>', head)
    yield head.encode()
    yield b"<sheetData>"
    buffer: list[str] = []
    size = 0
    for row in rows:
        buffer.append(row)
        size += len(row)
        if size >= 1 << 20:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()
    yield b"</sheetData>"
    yield tail.encode()
