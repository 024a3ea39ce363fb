"""The .xlsx package as parts: copy big sheets' cell data byte for byte around an openpyxl round trip.

    >>> skeleton = Skeleton.of(path, strip={"Invoices", "Payments"})   # those sheets' <sheetData> set aside
    >>> book = openpyxl.load_workbook(skeleton.stream)                  # fast: the big cell data is not parsed
    >>> ...                                                              # change the rest with openpyxl
    >>> skeleton.save(book, target, rows={"Aging": (2, ["<row r=\\"2\\">…</row>", …])})

Why: openpyxl parses and rebuilds every cell of a workbook it saves, which costs about a minute for a 100,000-invoice
book. The input tables a refresh does not change (Invoices, Payments …) only need to be carried over, and the output
tables are written faster as XML than as openpyxl cells. So `Skeleton` hands openpyxl a copy of the workbook whose
stripped sheets have an empty ``<sheetData/>`` — everything around the cells (tables, validations, conditional
formats, column widths, merged cells, hyperlinks) still loads and saves the openpyxl way — and `save` puts the
original ``<sheetData>`` back into openpyxl's output, and ready-made rows into the sheets written directly.

Two things make the copied cells valid in openpyxl's output: openpyxl keeps the cell formats (``cellXfs``) in the
order it read them and only appends new ones, so a cell's style index still points at the same format; and the
shared strings the copied cells refer to are kept, in their order, in front of the strings openpyxl writes, whose
indices in openpyxl's own sheets are shifted by as many. Anything unexpected (a prefixed namespace, a part missing)
raises `Unsupported`, and the caller goes the plain openpyxl way instead.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.workbook.workbook import Workbook

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHARED_STRINGS = "xl/sharedStrings.xml"
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", re.DOTALL)
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_SHARED_STRING_CELL = re.compile(rb'(<c\b[^>]*?\bt="s"[^>]*>)<v>(\d+)</v>')
_STRING_ITEM = re.compile(rb"<si[\s>]")


class Unsupported(Exception):
    """The package is not laid out the way `Skeleton` can copy from: use the plain openpyxl round trip."""


@dataclass
class _Stripped:
    sheet_data: bytes
    dimension: bytes | None


@dataclass
class Skeleton:
    """A workbook with some sheets' cell data set aside (`stream` is what openpyxl loads)."""

    stream: io.BytesIO
    stripped: dict[str, _Stripped] = field(default_factory=dict)
    shared_strings: bytes = b""
    string_count: int = 0

    @classmethod
    def of(cls, path: Path, strip: set[str]) -> Skeleton:
        """The workbook at `path` with the cell data of the sheets titled in `strip` set aside."""
        try:
            with zipfile.ZipFile(path) as source:
                parts = sheet_parts(source)
                names = {parts[title]: title for title in strip if title in parts}
                stream = io.BytesIO()
                skeleton = cls(stream)
                with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as copy:
                    for info in source.infolist():
                        data = source.read(info)
                        title = names.get(info.filename)
                        if title is not None:
                            data = skeleton._set_aside(title, data)
                        elif info.filename == _SHARED_STRINGS:
                            skeleton._keep_strings(data)
                        copy.writestr(info.filename, data)  # stored: openpyxl reads it once, in memory
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as error:
            raise Unsupported(str(error)) from error
        stream.seek(0)
        return skeleton

    def _set_aside(self, title: str, data: bytes) -> bytes:
        start, end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
        if start < 0:
            raise Unsupported(f"sheet {title}: no <sheetData>")
        if end < 0:  # <sheetData/>: nothing to set aside
            end = data.index(b">", start) + 1
        else:
            end += len(b"</sheetData>")
        dimension = _DIMENSION.search(data, 0, start)
        self.stripped[title] = _Stripped(data[start:end], dimension.group(0) if dimension else None)
        return data[:start] + b"<sheetData/>" + data[end:]

    def _keep_strings(self, data: bytes) -> None:
        start = data.find(b"<sst")
        if start < 0 or data[start + 4 : start + 5] not in (b" ", b">", b"/"):
            raise Unsupported("shared strings with a namespace prefix")
        opened = data.index(b">", start) + 1
        if data[opened - 2 : opened] == b"/>":
            return
        self.shared_strings = data[opened : data.rindex(b"</sst>")]
        self.string_count = len(_STRING_ITEM.findall(self.shared_strings))

    def save(self, book: Workbook, target: Path, rows: Mapping[str, tuple[str, Sequence[bytes]]]) -> None:
        """Save `book` to `target` atomically, with the set-aside cell data back and `rows` added.

        `rows` maps a sheet title to (dimension ref, rows as ``<row>`` XML); those sheets' cells written by
        openpyxl (the header) stay, and the rows are merged in by row number.
        """
        staged = io.BytesIO()
        book.save(staged)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
        try:
            with zipfile.ZipFile(staged) as saved, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as out:
                parts = sheet_parts(saved)
                titles = {part: title for title, part in parts.items()}
                sheets = set(titles)
                if self.shared_strings and _SHARED_STRINGS not in saved.namelist():
                    raise Unsupported("openpyxl wrote no shared strings")
                for info in saved.infolist():
                    data = saved.read(info)
                    if info.filename == _SHARED_STRINGS:
                        data = self._merged_strings(data)
                    elif info.filename in sheets:
                        data = self._sheet(titles[info.filename], data, rows)
                    out.writestr(info, data, compresslevel=1 if len(data) > 1 << 20 else None)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _merged_strings(self, data: bytes) -> bytes:
        if not self.string_count:
            return data
        start = data.index(b"<sst")
        opened = data.index(b">", start) + 1
        if data[opened - 2 : opened] == b"/>":
            head, body, tail = data[start : opened - 2] + b">", b"", b"</sst>"
        else:
            head, body, tail = data[start:opened], data[opened : data.rindex(b"</sst>")], b"</sst>"
        head = re.sub(rb'\s(count|uniqueCount)="\d+"', b"", head)
        return data[:start] + head + self.shared_strings + body + tail

    def _sheet(self, title: str, data: bytes, rows: Mapping[str, tuple[str, Sequence[bytes]]]) -> bytes:
        if self.string_count:
            offset = self.string_count
            data = _SHARED_STRING_CELL.sub(lambda m: m.group(1) + b"<v>%d</v>" % (int(m.group(2)) + offset), data)
        stripped = self.stripped.get(title)
        if title in rows:
            dimension, new_rows = rows[title]
            return _with_rows(data, dimension, new_rows)
        if stripped is None:
            return data
        if stripped.dimension is not None:  # before the cells go back: the regex and the copy stay small
            data = _DIMENSION.sub(stripped.dimension.replace(b"\\", b"\\\\"), data, count=1)
        found = _SHEET_DATA.search(data)
        if found is None:
            raise Unsupported(f"sheet {title}: openpyxl wrote no <sheetData>")
        return b"".join((data[: found.start()], stripped.sheet_data, data[found.end() :]))


def _with_rows(data: bytes, dimension: str, new_rows: Sequence[bytes]) -> bytes:
    """`data` (a sheet openpyxl wrote) with `new_rows` merged into its <sheetData> by row number."""
    data = _DIMENSION.sub(b'<dimension ref="%s"/>' % dimension.encode(), data, count=1)  # while `data` is small
    found = _SHEET_DATA.search(data)
    if found is None:
        raise Unsupported("openpyxl wrote no <sheetData>")
    existing = found.group(0)
    if existing.endswith(b"/>"):
        old_rows: list[tuple[int, bytes]] = []
    else:
        inner = existing[len(b"<sheetData>") : -len(b"</sheetData>")]
        starts = [match.start() for match in re.finditer(rb"<row\b", inner)]
        old_rows = [
            (int(_ROW_NUMBER.match(inner, start).group(1)), inner[start:end])  # type: ignore[union-attr]
            for start, end in zip(starts, [*starts[1:], len(inner)], strict=True)
        ]
    first_new = int(_ROW_NUMBER.match(new_rows[0]).group(1)) if new_rows else 0  # type: ignore[union-attr]
    last_new = first_new + len(new_rows) - 1
    if any(first_new <= number <= last_new for number, _ in old_rows):
        raise Unsupported("rows to add overlap rows already on the sheet")
    before = [row for number, row in old_rows if number < first_new]
    after = [row for number, row in old_rows if number > last_new]
    return b"".join(
        (data[: found.start()], b"<sheetData>", *before, *new_rows, *after, b"</sheetData>", data[found.end() :])
    )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name in the package (``xl/worksheets/sheet3.xml``), from workbook.xml and its rels."""
    root_rels = ElementTree.fromstring(archive.read("_rels/.rels"))
    workbook_part = next(
        rel.get("Target", "").lstrip("/")
        for rel in root_rels.iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship")
        if rel.get("Type", "").endswith("/officeDocument")
    )
    folder, name = posixpath.split(workbook_part)
    rels = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship")}
    workbook = ElementTree.fromstring(archive.read(workbook_part))
    parts = {}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_RELATIONSHIPS}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        parts[sheet.get("name")] = path
    return parts
