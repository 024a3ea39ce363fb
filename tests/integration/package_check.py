"""Independent checks of an .xlsx package that Excel is strict about and LibreOffice forgives.

Excel refuses or "repairs" a workbook whose relationships point at missing parts, whose parts have no content
type, whose Excel Tables share an id or a name, or whose XML is not well formed; LibreOffice opens such files
without a word. These checks read the zip with the standard library only (no openpyxl, no arcollect code).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def problems(path: Path) -> list[str]:
    """Everything wrong with the package at `path` (empty when Excel would open it without repairs)."""
    found = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        defaults = {d.get("Extension").lower() for d in types.iter(f"{_TYPES}Default")}
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{_TYPES}Override")}
        for name in names:
            if name.endswith("/"):
                continue
            typed = name in overrides or name.rsplit(".", 1)[-1].lower() in defaults
            if name != "[Content_Types].xml" and not typed:
                found.append(f"{name}: no content type")
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    ElementTree.fromstring(archive.read(name))
                except ElementTree.ParseError as error:
                    found.append(f"{name}: not well-formed XML ({error})")
        found.extend(f"content type for missing part {override}" for override in overrides - names)
        for rels in (name for name in names if name.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            ids = []
            for rel in ElementTree.fromstring(archive.read(rels)).iter(_PACKAGE_RELS):
                ids.append(rel.get("Id"))
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                relative = posixpath.normpath(posixpath.join(folder, target))
                part = target.lstrip("/") if target.startswith("/") else relative
                if part not in names:
                    found.append(f"{rels}: {rel.get('Id')} points at missing {part}")
            if len(ids) != len(set(ids)):
                found.append(f"{rels}: repeated relationship ids")
        tables = [archive.read(name) for name in names if re.match(r"xl/tables/[^/]+\.xml$", name)]
        ids = [re.search(rb'<table\b[^>]*\bid="(\d+)"', table).group(1) for table in tables]
        display = [re.search(rb'<table\b[^>]*\bdisplayName="([^"]*)"', table).group(1).lower() for table in tables]
        if len(ids) != len(set(ids)):
            found.append(f"repeated table ids {sorted(ids)}")
        if len(display) != len(set(display)):
            found.append(f"repeated table names {sorted(display)}")
    return found
