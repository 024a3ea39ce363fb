"""An .xlsx file as an OPC package, read part by part: relationships, sheets, tables, shared strings, styles.

    >>> package = Package(Path("Receivables.xlsx"))
    >>> package.sheets                            # {'README': 'xl/worksheets/sheet1.xml', 'Customers': …}
    >>> package.table_parts(package.sheets["Invoices"])   # {'Invoices': 'xl/tables/table2.xml'}
    >>> package.rels("xl/workbook.xml")           # [Relationship(id='rId1', type=…/worksheet, target=…), …]

What `arcollect.book.parts` needs to graft arcollect's own parts into a user's workbook without disturbing the rest:
part names resolved from relationships (never assumed: LibreOffice and Excel number parts differently), the
shared-string list merged so that copied cells keep their indices (`SharedStrings`), and a check that openpyxl's
style table keeps every cell format of the original in place (`check_formats`). Reading never changes anything.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from arcollect.book import cells

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
TYPE = RELATIONSHIPS + "/"
WORKSHEET_TYPE = TYPE + "worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = TYPE + "sharedStrings"
SHARED_STRINGS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STYLES_TYPE = TYPE + "styles"
CALC_CHAIN_TYPE = TYPE + "calcChain"
TABLE_TYPE = TYPE + "table"
CONTENT_TYPES_PART = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
SHARED_STRING_CELL = re.compile(rb'(<c\b[^>]*?\bt="s"[^>]*>)<v>(\d+)</v>')
STRING_ITEM = re.compile(rb"<si\b.*?</si>|<si/>", re.DOTALL)
TABLE_START = re.compile(rb"<table\b[^>]*>")
LARGE = 1 << 20


class Unsupported(Exception):
    """The package is not laid out the way `assemble` can keep it: the workbook is left as it is."""


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # a part name without the leading slash, or the URL of an external target
    external: bool


# ---- reading a package ---------------------------------------------------------------------------------------


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def parse_rels(data: bytes, source: str) -> list[Relationship]:
    root = ElementTree.fromstring(data)
    found = []
    for rel in root.iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship"):
        external = rel.get("TargetMode") == "External"
        target = rel.get("Target", "")
        found.append(
            Relationship(
                rel.get("Id", ""), rel.get("Type", ""), target if external else _resolve(source, target), external
            )
        )
    return found


class Package:
    """A zip package whose parts are read when asked for (and kept)."""

    def __init__(self, source: Path | IO[bytes]) -> None:
        try:
            self._zip = zipfile.ZipFile(source)
            self.infos = self._zip.infolist()
            self.names = [info.filename for info in self.infos]
            self._data: dict[str, bytes] = {}
            roots = self.rels("")
            self.workbook = next(rel.target for rel in roots if rel.type.endswith("/officeDocument"))
            self.sheets = self._sheets()
        except (zipfile.BadZipFile, KeyError, StopIteration, ElementTree.ParseError, OSError) as error:
            raise Unsupported(f"not a package arcollect can keep: {error}") from error

    def close(self) -> None:
        self._zip.close()

    def read(self, name: str) -> bytes:
        if name not in self._data:
            self._data[name] = self._zip.read(name)
        return self._data[name]

    def rels(self, part: str) -> list[Relationship]:
        name = ROOT_RELS if part == "" else rels_part(part)
        return parse_rels(self.read(name), part) if name in self.names else []

    def related(self, part: str, kind: str) -> list[str]:
        return [rel.target for rel in self.rels(part) if rel.type == TYPE + kind and not rel.external]

    def _sheets(self) -> dict[str, str]:
        """Sheet title → part name, in the workbook's order."""
        targets = {rel.id: rel.target for rel in self.rels(self.workbook)}
        root = ElementTree.fromstring(self.read(self.workbook))
        if root.tag != f"{{{MAIN}}}workbook":
            raise Unsupported(f"workbook part in another namespace ({root.tag})")
        sheets = {}
        for sheet in root.iter(f"{{{MAIN}}}sheet"):
            part = targets.get(sheet.get(f"{{{RELATIONSHIPS}}}id"), "")
            if part in self.names:
                sheets[sheet.get("name", "")] = part
        return sheets

    def table_parts(self, sheet_part: str) -> dict[str, str]:
        """The Excel Tables on a sheet: display name → table part."""
        tables = {}
        for part in self.related(sheet_part, "table"):
            if part in self.names:
                head = TABLE_START.search(self.read(part))
                name = re.search(rb'\bdisplayName="([^"]*)"', head.group(0)) if head else None
                if name is not None:
                    tables[name.group(1).decode()] = part
        return tables

    def shared_strings(self) -> str | None:
        return next((rel.target for rel in self.rels(self.workbook) if rel.type == SHARED_STRINGS_TYPE), None)

    def skeleton(self) -> io.BytesIO:
        """The package with every sheet's cells left out, for openpyxl to load quickly and lose nothing by it."""
        sheets = set(self.sheets.values())
        stream = io.BytesIO()
        try:
            with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as copy:
                for info in self.infos:
                    data = self.read(info.filename) if info.filename in sheets else self._zip.read(info)
                    if info.filename in sheets and b"<sheetData" in data:  # a chart sheet has no cells
                        data = cells.with_sheet_data(data, b"")
                    copy.writestr(info.filename, data)
        except cells.CellsUnsupported as error:
            raise Unsupported(str(error)) from error
        stream.seek(0)
        return stream


# ---- workbook-level parts -------------------------------------------------------------------------------------


class SharedStrings:
    """The original shared strings, in their order, then the ones openpyxl wrote that are not there yet."""

    def __init__(self, original: Package, staged: Package) -> None:
        part = original.shared_strings()
        self.head, self.items, self.tail = _split_strings(original.read(part) if part else None)
        staged_part = staged.shared_strings()
        _head, staged_items, _tail = _split_strings(staged.read(staged_part) if staged_part else None)
        first = {}
        for index, item in enumerate(self.items):
            first.setdefault(item, index)
        self.added: list[bytes] = []
        self.mapping = []
        for item in staged_items:
            if item not in first:
                first[item] = len(self.items) + len(self.added)
                self.added.append(item)
            self.mapping.append(first[item])

    def renumber(self, sheet: bytes) -> bytes:
        """A sheet openpyxl wrote, its shared-string cells pointing into the merged list."""
        mapping = self.mapping
        return SHARED_STRING_CELL.sub(lambda m: m.group(1) + b"<v>%d</v>" % mapping[int(m.group(2))], sheet)

    def merged(self) -> bytes | None:
        if not self.added:
            return None
        if self.head is None:
            head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s">' % MAIN.encode()
            return head + b"".join(self.added) + b"</sst>"
        return self.head + b"".join(self.items) + b"".join(self.added) + self.tail


def _split_strings(data: bytes | None) -> tuple[bytes | None, list[bytes], bytes]:
    if data is None:
        return None, [], b""
    start = data.find(b"<sst")
    if start < 0 or data[start + 4 : start + 5] not in (b" ", b">", b"/"):
        raise Unsupported("shared strings with a namespace prefix")
    opened = data.index(b">", start) + 1
    head = re.sub(rb'\s(count|uniqueCount)="\d+"', b"", data[:opened])
    if data[opened - 2 : opened] == b"/>":
        return head[:-2] + b">", [], b"</sst>"
    closing = data.rindex(b"</sst>")
    return head, STRING_ITEM.findall(data, opened, closing), data[closing:]


def check_formats(before: bytes, after: bytes) -> None:
    """Every cell format the copied cells may use has the same number format in openpyxl's style table."""
    old, new = _formats(before), _formats(after)
    if len(new) < len(old) or new[: len(old)] != old:
        raise Unsupported("openpyxl's style table does not keep the workbook's cell formats in place")
    if _count(before, "dxfs") > _count(after, "dxfs"):
        raise Unsupported("openpyxl's style table lost differential formats")


def _formats(styles: bytes) -> list[str]:
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    root = ElementTree.fromstring(styles)
    custom = {int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "") for fmt in root.iter(f"{{{MAIN}}}numFmt")}
    xfs = root.find(f"{{{MAIN}}}cellXfs")
    codes = []
    for xf in xfs if xfs is not None else ():
        number = int(xf.get("numFmtId", "0"))
        codes.append(custom.get(number, BUILTIN_FORMATS.get(number, str(number))))
    return codes


def _count(styles: bytes, element: str) -> int:
    root = ElementTree.fromstring(styles)
    found = root.find(f"{{{MAIN}}}{element}")
    return 0 if found is None else len(found)


def rels_xml(relationships: list[tuple[str, str, str, bool]]) -> bytes:
    body = "".join(
        f'<Relationship Id="{escape(rid)}" Type="{escape(kind)}" Target="{escape(target, {chr(34): "&quot;"})}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, kind, target, external in relationships
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{body}</Relationships>'
    ).encode()


def reachable(read: Callable[[str], bytes], names: Sequence[str]) -> set[str]:
    present = set(names)
    seen: set[str] = set()
    pending = [""]
    while pending:
        source = pending.pop()
        rels = ROOT_RELS if source == "" else rels_part(source)
        if rels not in present:
            continue
        for rel in parse_rels(read(rels), source):
            if not rel.external and rel.target in present and rel.target not in seen:
                seen.add(rel.target)
                pending.append(rel.target)
    return seen


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name in the package (``xl/worksheets/sheet3.xml``), from workbook.xml and its rels."""
    roots = parse_rels(archive.read(ROOT_RELS), "")
    workbook = next(rel.target for rel in roots if rel.type.endswith("/officeDocument"))
    names = set(archive.namelist())
    rels_name = rels_part(workbook)
    targets = (
        {rel.id: rel.target for rel in parse_rels(archive.read(rels_name), workbook)} if rels_name in names else {}
    )
    root = ElementTree.fromstring(archive.read(workbook))
    return {
        sheet.get("name"): targets.get(sheet.get(f"{{{RELATIONSHIPS}}}id"), "")
        for sheet in root.iter(f"{{{MAIN}}}sheet")
    }
