"""The .xlsx package as parts: the user's workbook is the base, and only the parts arcollect owns are replaced.

    >>> package = Package(path)
    >>> book = openpyxl.load_workbook(package.skeleton())    # every sheet's cells set aside: fast, nothing to lose
    >>> ...                                                  # write the output tables with openpyxl (headers, Tables)
    >>> plan = Plan(owned={"Aging": Owned(areas, rows, dimension)}, updates={"Customers": {(5, 17): True}})
    >>> assemble(package, staged_openpyxl_bytes, plan, handle)

Why: openpyxl rebuilds every part of a workbook it saves and drops what it does not model — the cached values of
formulas (``=C3+30`` and LibreOffice's ``=TRUE()`` come back as ``<f>…</f><v></v>``, which every reader sees as
blank), pictures, form controls, slicers, sparklines, x14 data validations and any part it does not know. So the
workbook is never round-tripped. openpyxl is given a copy with every sheet's cells set aside (`Package.skeleton`)
and writes what arcollect owns — the output sheets, the Dashboard and its charts, the header of a rewritten input
table, and the cell formats they need. `assemble` then starts from the user's package and:

- copies every part that arcollect does not own byte for byte: input sheets, the user's own sheets with their
  drawings and pictures, comments, printer settings, VBA, custom XML, the theme, the workbook's properties;
- replaces each owned sheet with openpyxl's, keeping the user's cells outside the table area; its tables, drawing
  and charts come along under fresh part names, and the parts the old version used are removed once unreferenced;
- in an input sheet, edits only the cells that change (`arcollect.book.cells`): a rewritten table's area, a cell
  update, nothing else; an input Table whose data runs past its ``ref`` (rows pasted below it) is widened;
- takes openpyxl's ``styles.xml``, after checking that every cell format index the copied cells use still means
  the same number format (openpyxl keeps the formats in the order it read them and only appends), and puts back
  the original's ``<extLst>`` (slicer and x14 styles) which openpyxl drops;
- keeps the shared strings the copied cells refer to in their order and appends openpyxl's new ones (or points at
  an equal existing one), renumbering the cells openpyxl wrote;
- adds new sheets to ``workbook.xml`` where openpyxl put them (defined names and views renumbered), and drops
  ``calcChain.xml``, a cache Excel rebuilds, which may list cells that no longer hold a formula.

Anything unexpected — a prefixed main namespace, a style table that does not line up, a sheet removed — raises
`Unsupported` before anything is written, and the caller does not touch the workbook.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from arcollect.book import cells
from arcollect.book.cells import Area, Row
from arcollect.book.package import (
    CALC_CHAIN_TYPE,
    CONTENT_TYPES,
    CONTENT_TYPES_PART,
    LARGE,
    RELATIONSHIPS,
    SHARED_STRINGS_CONTENT,
    SHARED_STRINGS_TYPE,
    STYLES_TYPE,
    TABLE_START,
    TABLE_TYPE,
    WORKSHEET_CONTENT,
    WORKSHEET_TYPE,
    Package,
    SharedStrings,
    Unsupported,
    check_formats,
    reachable,
    rels_part,
    rels_xml,
    sheet_parts,
)

__all__ = ["Owned", "Package", "Plan", "Rewritten", "Unsupported", "assemble", "sheet_parts"]


@dataclass
class Owned:
    """An output sheet arcollect rewrites: openpyxl's sheet, plus `rows` (``<row>`` XML) merged into its cells.

    `areas` are the table areas whose old cells go; the user's cells elsewhere on the sheet stay. None means the
    sheet is new or was replaced as a whole (the Dashboard): nothing of the old one is kept.
    """

    areas: list[Area] | None
    rows: Sequence[bytes] = ()
    dimension: str | None = None


@dataclass
class Rewritten:
    """An input table rewritten in place (``config``, ``import``, ``demo``): only its area's cells change."""

    areas: list[Area]
    rows: Sequence[bytes]
    tables: list[str]  # the Excel Tables whose part openpyxl rewrote (resized, columns renamed)
    dimension: str | None = None


@dataclass
class Plan:
    owned: dict[str, Owned] = field(default_factory=dict)
    rewritten: dict[str, Rewritten] = field(default_factory=dict)
    updates: dict[str, dict[tuple[int, int], object]] = field(default_factory=dict)
    widen: set[str] = field(default_factory=set)  # input Tables (by name) to widen over rows pasted below them
    names: dict[str, str] = field(default_factory=dict)  # hidden workbook-level defined names to set (name → value)


# ---- putting the package together ----------------------------------------------------------------------------


def assemble(original: Package, staged: bytes, plan: Plan, out: IO[bytes]) -> None:
    """Write the workbook: `original` with `staged` (openpyxl's save of the skeleton) grafted in per `plan`."""
    try:
        _Assembly(original, Package(io.BytesIO(staged)), plan).write(out)
    except (cells.CellsUnsupported, ElementTree.ParseError, KeyError, ValueError) as error:
        raise Unsupported(str(error)) from error


class _Assembly:
    def __init__(self, original: Package, staged: Package, plan: Plan) -> None:
        self.original, self.staged, self.plan = original, staged, plan
        self.parts: dict[str, bytes] = {}  # replaced or new parts, by final name
        self.removed: set[str] = set()
        self.content_types: dict[str, str] = {}  # new parts → their content type
        self._sheet_ids: dict[str, str] = {}  # new sheets → their relationship id in workbook.xml.rels
        titles = list(staged.sheets)
        missing = [title for title in original.sheets if title not in staged.sheets]
        if missing:
            raise Unsupported(f"sheets {', '.join(missing)} would be removed")
        self.new_sheets = [title for title in titles if title not in original.sheets]
        unplanned = [title for title in self.new_sheets if title not in plan.owned]
        if unplanned:
            raise Unsupported(f"new sheets {', '.join(unplanned)} have no plan")
        self.strings = SharedStrings(original, staged)

    def write(self, out: IO[bytes]) -> None:
        self._styles()
        for title, owned in self.plan.owned.items():
            self._owned_sheet(title, owned)
        for title, rewritten in self.plan.rewritten.items():
            self._rewritten_sheet(title, rewritten)
        for title, values in self.plan.updates.items():
            part = self.original.sheets[title]
            self.parts[part] = cells.set_cells(self._current(part), values)
        self._widen()
        self._shared_strings()
        self._workbook()
        self._names()
        self._print_names()
        self._drop_calc_chain()
        self._collect_garbage()
        self._write(out)

    def _current(self, part: str) -> bytes:
        return self.parts[part] if part in self.parts else self.original.read(part)

    # -- styles and strings ------------------------------------------------------------------------------------

    def _styles(self) -> None:
        original = next((r.target for r in self.original.rels(self.original.workbook) if r.type == STYLES_TYPE), None)
        staged = next((r.target for r in self.staged.rels(self.staged.workbook) if r.type == STYLES_TYPE), None)
        if staged is None:
            raise Unsupported("openpyxl wrote no styles")
        data = self.staged.read(staged)
        if original is None:
            self._add_workbook_part(data, staged, STYLES_TYPE)
            return
        before = self.original.read(original)
        check_formats(before, data)
        extension = re.search(rb"<extLst>.*</extLst>(?=\s*</styleSheet>)", before, re.DOTALL)
        if extension is not None and b"<extLst>" not in data:
            closing = data.rindex(b"</styleSheet>")
            data = data[:closing] + extension.group(0) + data[closing:]
        self.parts[original] = data

    def _shared_strings(self) -> None:
        data = self.strings.merged()
        if data is None:
            return
        part = self.original.shared_strings()
        if part is None:
            self._add_workbook_part(data, self.staged.shared_strings() or "xl/sharedStrings.xml", SHARED_STRINGS_TYPE)
        else:
            self.parts[part] = data

    def _add_workbook_part(self, data: bytes, name: str, kind: str) -> None:
        """A workbook-level part the original lacks (its shared strings, its styles): added with a relationship."""
        name = self._fresh(name)
        self.parts[name] = data
        content = {SHARED_STRINGS_TYPE: SHARED_STRINGS_CONTENT}.get(
            kind, "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
        )
        self.content_types[name] = content
        self._add_relationship(self.original.workbook, kind, name)

    # -- sheets ------------------------------------------------------------------------------------------------

    def _owned_sheet(self, title: str, owned: Owned) -> None:
        staged_part = self.staged.sheets[title]
        data = self.strings.renumber(self.staged.read(staged_part))
        new = title in self.new_sheets
        part = self._fresh("xl/worksheets/sheet1.xml") if new else self.original.sheets[title]
        kept = _kept_rows(self.original.read(part), owned.areas) if owned.areas is not None and not new else []
        if kept or owned.rows:
            written = cells.parse_rows(cells.sheet_data(data))
            data = _with_rows(data, kept, written, owned.rows, owned.dimension)
        self.parts[part] = data
        if new:
            self.content_types[part] = WORKSHEET_CONTENT
            self._add_relationship(self.original.workbook, WORKSHEET_TYPE, part, title=title)
        self._graft_rels(staged_part, part)

    def _rewritten_sheet(self, title: str, rewritten: Rewritten) -> None:
        part = self.original.sheets[title]
        staged_part = self.staged.sheets[title]
        header = cells.parse_rows(cells.sheet_data(self.strings.renumber(self.staged.read(staged_part))))
        kept = _kept_rows(self.original.read(part), rewritten.areas)
        dimension = rewritten.dimension
        self.parts[part] = _with_rows(self.original.read(part), kept, header, rewritten.rows, dimension)
        originals, staged = self.original.table_parts(part), self.staged.table_parts(staged_part)
        for name in rewritten.tables:
            if name not in originals or name not in staged:
                raise Unsupported(f"table {name} not found on sheet {title}")
            before = self.original.read(originals[name])
            identity = re.search(rb'\bid="(\d+)"', TABLE_START.search(before).group(0))
            self.parts[originals[name]] = _with_table_id(self.staged.read(staged[name]), identity.group(1))

    def _widen(self) -> None:
        """Input Tables whose data runs past their ``ref`` (rows pasted below) take those rows in."""
        for title, part in self.original.sheets.items():
            for name, table_part in self.original.table_parts(part).items():
                if name not in self.plan.widen or title in self.plan.rewritten:
                    continue
                table = self._current(table_part)
                head = TABLE_START.search(table).group(0)
                if re.search(rb'\btotalsRowCount="[1-9]', head):
                    continue  # a totals row sits under the data: leave such a table as the user built it
                ref = re.search(rb'\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', head)
                if ref is None:
                    continue
                first, last = _column(ref.group(1)), _column(ref.group(3))
                bottom = cells.last_row_with_data(self._current(part), first, last, int(ref.group(4)))
                if bottom is None:
                    continue
                old = ref.group(0)[5:-1]
                new = b"%s%s:%s%d" % (ref.group(1), ref.group(2), ref.group(3), bottom)
                self.parts[table_part] = table.replace(b'ref="%s"' % old, b'ref="%s"' % new)

    # -- relationships, names and the workbook -----------------------------------------------------------------

    def _graft_rels(self, staged_part: str, part: str) -> None:
        """`part`'s relationships become openpyxl's for it; the parts they point at come along under fresh names."""
        old = rels_part(part)
        staged_rels = rels_part(staged_part)
        if staged_rels not in self.staged.names:
            if old in self.original.names:
                self.removed.add(old)
            return
        self.parts[old] = self._grafted_rels(staged_part, part)

    def _grafted_rels(self, staged_source: str, source: str) -> bytes:
        relationships = []
        for rel in self.staged.rels(staged_source):
            if rel.external:
                relationships.append((rel.id, rel.type, rel.target, True))
                continue
            name = self._fresh(rel.target)
            data = self.staged.read(rel.target)
            if rel.type == TABLE_TYPE:
                data = _with_table_id(data, b"%d" % self._next_table_id())
            self.parts[name] = data
            self.content_types[name] = self.staged_content_type(rel.target)
            if rels_part(rel.target) in self.staged.names:
                self.parts[rels_part(name)] = self._grafted_rels(rel.target, name)
            relationships.append((rel.id, rel.type, "/" + name, False))
        return rels_xml(relationships)

    def staged_content_type(self, name: str) -> str:
        root = ElementTree.fromstring(self.staged.read(CONTENT_TYPES_PART))
        for override in root.iter(f"{{{CONTENT_TYPES}}}Override"):
            if override.get("PartName", "").lstrip("/") == name:
                return override.get("ContentType", "")
        extension = name.rsplit(".", 1)[-1].lower()
        for default in root.iter(f"{{{CONTENT_TYPES}}}Default"):
            if default.get("Extension", "").lower() == extension:
                return default.get("ContentType", "")
        raise Unsupported(f"no content type for {name}")

    def _next_table_id(self) -> int:
        used = set()
        for name in {*self.original.names, *self.parts} - self.removed:
            if name.startswith("xl/tables/") and name.endswith(".xml"):
                head = TABLE_START.search(self._current(name))
                found = re.search(rb'\bid="(\d+)"', head.group(0)) if head else None
                if found:
                    used.add(int(found.group(1)))
        return max(used, default=0) + 1

    def _fresh(self, name: str) -> str:
        """A part name like `name` that no part of the result has yet."""
        taken = {*self.original.names, *self.parts}
        folder, base = posixpath.split(name)
        found = re.match(r"^(.*?)(\d*)(\.[^.]+)$", base)
        stem, extension = (found.group(1), found.group(3)) if found else (base, "")
        number = 1
        while True:
            candidate = posixpath.join(folder, f"{stem}{number}{extension}")
            if candidate not in taken:
                return candidate
            number += 1

    def _add_relationship(self, source: str, kind: str, target: str, *, title: str | None = None) -> None:
        name = rels_part(source)
        data = self._current(name)
        ids = set(re.findall(rb'\bId="([^"]*)"', data))
        number = len(ids) + 1
        while b"rId%d" % number in ids:
            number += 1
        identity = f"rId{number}"
        element = f'<Relationship Id="{identity}" Type="{kind}" Target="/{escape(target)}"/>'.encode()
        closing = data.rindex(b"</Relationships>")
        self.parts[name] = data[:closing] + element + data[closing:]
        if title is not None:
            self._sheet_ids[title] = identity

    def _workbook(self) -> None:
        """New sheets go into ``<sheets>`` where openpyxl placed them; indices into the sheet list follow."""
        if not self.new_sheets:
            return
        data = self._current(self.original.workbook)
        opened, closed = data.find(b"<sheets>"), data.find(b"</sheets>")
        if opened < 0 or closed < 0:
            raise Unsupported("workbook.xml without a plain <sheets> element")
        elements = re.findall(rb"<sheet\b[^>]*?/>", data[opened:closed])
        old_titles = list(self.original.sheets)
        if len(elements) != len(old_titles):
            raise Unsupported("workbook.xml lists sheets arcollect cannot match")
        by_title = dict(zip(old_titles, elements, strict=True))
        ids = [int(value) for value in re.findall(rb'\bsheetId="(\d+)"', b"".join(elements))]
        next_id = max(ids, default=0) + 1
        order = list(self.staged.sheets)
        for title in self.new_sheets:
            by_title[title] = b'<sheet xmlns:r="%s" name="%s" sheetId="%d" r:id="%s"/>' % (
                RELATIONSHIPS.encode(),
                escape(title, {'"': "&quot;"}).encode(),
                next_id,
                self._sheet_ids[title].encode(),
            )
            next_id += 1
        data = data[:opened] + b"<sheets>" + b"".join(by_title[title] for title in order) + data[closed:]
        moved = {old_titles.index(title): order.index(title) for title in old_titles}
        for attribute in (rb"localSheetId", rb"activeTab", rb"firstSheet"):
            data = re.sub(
                rb'\b(%s)="(\d+)"' % attribute,
                lambda m: b'%s="%d"' % (m.group(1), moved.get(int(m.group(2)), int(m.group(2)))),
                data,
            )
        self.parts[self.original.workbook] = data

    def _names(self) -> None:
        """Set `Plan.names` in ``workbook.xml``: hidden, workbook-level; any earlier name of the same name replaced
        (the ledger's stamp, `arcollect.mail.ledger.identity`). Every other defined name stays as it was."""
        if not self.plan.names:
            return
        data = self._current(self.original.workbook)
        for name in self.plan.names:
            pattern = rb'<definedName\b[^>]*\bname="%s"[^>]*>[^<]*</definedName>' % re.escape(escape(name).encode())
            data = re.sub(pattern, b"", data)
        added = b"".join(
            b'<definedName name="%s" hidden="1">%s</definedName>' % (escape(name).encode(), escape(value).encode())
            for name, value in self.plan.names.items()
        )
        self.parts[self.original.workbook] = _with_names(data, added)

    def _print_names(self) -> None:
        """An owned sheet's print titles and print area (sheet-local defined names) are openpyxl's, as the rest of
        the sheet: the header row repeats on every printed page of an output sheet. Other sheets keep theirs."""
        staged = self.staged.read(self.staged.workbook)
        staged_titles = list(self.staged.sheets)
        titles = staged_titles if self.new_sheets else list(self.original.sheets)
        owned = {titles.index(title) for title in self.plan.owned}
        if not owned:
            return
        before = self._current(self.original.workbook)

        def local(element: bytes) -> int | None:
            """The sheet index of a print title or print area; None for any other defined name."""
            name = re.search(rb'\bname="([^"]*)"', element)
            sheet = re.search(rb'\blocalSheetId="(\d+)"', element)
            if name is None or sheet is None or name.group(1) not in _PRINT_NAMES:
                return None
            return int(sheet.group(1))

        data = _DEFINED_NAME.sub(lambda match: b"" if local(match.group(0)) in owned else match.group(0), before)
        added = []
        for element in _DEFINED_NAME.findall(staged):
            index = local(element)
            if index is None or staged_titles[index] not in self.plan.owned:
                continue
            final = titles.index(staged_titles[index])
            added.append(re.sub(rb'\blocalSheetId="\d+"', b'localSheetId="%d"' % final, element))
        data = _with_names(data, b"".join(added))
        if data != before:
            self.parts[self.original.workbook] = data.replace(b"<definedNames></definedNames>", b"")

    def _drop_calc_chain(self) -> None:
        for rel in self.original.rels(self.original.workbook):
            if rel.type == CALC_CHAIN_TYPE:
                name = rels_part(self.original.workbook)
                data = self._current(name)
                self.parts[name] = re.sub(
                    rb"<Relationship\b[^>]*\bId=\"%s\"[^>]*/>" % re.escape(rel.id.encode()), b"", data
                )
                self.removed.add(rel.target)

    def _collect_garbage(self) -> None:
        """Parts the old owned sheets used (their tables, drawings, charts) go once nothing points at them."""
        before = reachable(lambda name: self.original.read(name), self.original.names)
        names = [name for name in [*self.original.names, *self.parts] if name not in self.removed]
        after = reachable(lambda name: self._current(name), names)
        for name in before - after:
            self.removed.add(name)
            if rels_part(name) in self.original.names:
                self.removed.add(rels_part(name))

    def _content_types(self) -> bytes:
        data = self.original.read(CONTENT_TYPES_PART)
        for name in self.removed:
            data = re.sub(rb'<Override\b[^>]*\bPartName="/%s"[^>]*/>' % re.escape(name.encode()), b"", data)
        defaults = {value.lower() for value in re.findall(rb'<Default\b[^>]*\bExtension="([^"]*)"', data)}
        additions = []
        for name, content in self.content_types.items():
            extension = name.rsplit(".", 1)[-1].encode().lower()
            if extension not in (b"xml", b"rels") and extension not in defaults and not content.endswith("+xml"):
                additions.append(f'<Default Extension="{extension.decode()}" ContentType="{content}"/>'.encode())
                defaults.add(extension)
                continue
            additions.append(f'<Override PartName="/{escape(name)}" ContentType="{content}"/>'.encode())
        closing = data.rindex(b"</Types>")
        return data[:closing] + b"".join(additions) + data[closing:]

    def _write(self, out: IO[bytes]) -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self.original.infos:
                name = info.filename
                if name in self.removed:
                    continue
                if name == CONTENT_TYPES_PART:
                    data = self._content_types()
                else:
                    data = self.parts.pop(name) if name in self.parts else self.original.read(name)
                entry = zipfile.ZipInfo(name, info.date_time)
                entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
                archive.writestr(entry, data, compresslevel=1 if len(data) > LARGE else None)
            for name, data in self.parts.items():
                if name not in self.removed:
                    archive.writestr(name, data, compresslevel=1 if len(data) > LARGE else None)


# ---- helpers -------------------------------------------------------------------------------------------------


_PRINT_NAMES = (b"_xlnm.Print_Titles", b"_xlnm.Print_Area")
_DEFINED_NAME = re.compile(rb"<definedName\b[^>]*>[^<]*</definedName>")


def _with_names(data: bytes, added: bytes) -> bytes:
    """workbook.xml with `added` (``<definedName>`` elements) at the end of its defined names."""
    if not added:
        return data
    if b"</definedNames>" in data:
        return data.replace(b"</definedNames>", added + b"</definedNames>", 1)
    if b"<definedNames/>" in data:
        return data.replace(b"<definedNames/>", b"<definedNames>" + added + b"</definedNames>", 1)
    # CT_Workbook order: sheets, functionGroups, externalReferences, definedNames
    anchor = max(data.rfind(tag) + len(tag) if data.rfind(tag) >= 0 else -1
                 for tag in (b"</sheets>", b"</functionGroups>", b"</externalReferences>"))  # fmt: skip
    if anchor < 0:
        raise Unsupported("workbook.xml without a plain <sheets> element")
    return data[:anchor] + b"<definedNames>" + added + b"</definedNames>" + data[anchor:]


def _kept_rows(part: bytes, areas: list[Area]) -> list[Row]:
    """The original rows of a sheet minus the table areas; nothing to parse when its dimension says so."""
    span = cells.dimension(part)
    if span is not None:
        first_column, first_row, last_column, _last_row = span
        if any(
            area.first_row <= first_row and area.first_column <= first_column and last_column <= area.last_column
            for area in areas
        ):
            return []
    return cells.without_area(cells.parse_rows(cells.sheet_data(part)), areas)


def _with_rows(
    sheet: bytes, kept: list[Row], written: list[Row], rows: Sequence[bytes], dimension: str | None
) -> bytes:
    """`sheet` whose cells are the user's `kept` rows, openpyxl's `written` ones (a header) and arcollect's `rows`.

    Without kept cells (the usual case: nothing of the user's beside the table) the rows are joined as they are;
    otherwise every cell is merged by row and column.
    """
    if not kept:
        if not rows:
            return cells.with_sheet_data(sheet, cells.join_rows(written), cells.used_range(written))
        first = int(re.search(rb'\br="(\d+)"', rows[0]).group(1))
        last = first + len(rows) - 1
        if any(first <= row.number <= last for row in written):
            raise Unsupported("rows to add overlap rows already on the sheet")
        before = cells.join_rows(row for row in written if row.number < first)
        after = cells.join_rows(row for row in written if row.number > last)
        return cells.with_sheet_data(sheet, b"".join((before, *rows, after)), dimension)
    merged = cells.merge(cells.merge(kept, written), cells.parse_rows(b"".join(rows)) if rows else [])
    return cells.with_sheet_data(sheet, cells.join_rows(merged), cells.used_range(merged))


def _with_table_id(table: bytes, identity: bytes) -> bytes:
    head = TABLE_START.search(table)
    new_head = re.sub(rb'\bid="\d+"', b'id="%s"' % identity, head.group(0), count=1)
    return table[: head.start()] + new_head + table[head.end() :]


def _column(letters: bytes) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letters.decode())
