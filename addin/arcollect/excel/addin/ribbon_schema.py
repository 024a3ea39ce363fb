"""The ribbon XML checked against Microsoft's `customUI14.xsd` (the Office 2010+ RibbonX schema), with lxml.

    >>> from arcollect.excel.addin import ribbon_schema
    >>> ribbon_schema.problems(b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"/>')
    []

The schema is shipped beside this module (`schema/customui14.xsd`; `schema/SOURCE.md` says where it comes from).
Excel refuses a ribbon that does not conform to it — silently: the tab just does not appear — so the add-in's
build checks it first (`arcollect addin build`), and the tests check the committed ribbon and broken copies.

libxml2 rejects one construct of Microsoft's file that .NET's validator accepts: a complex type that extends a base
type and names again an attribute the base already has ("Duplicate attribute use"). `schema` removes exactly those
repeated uses — each such extension keeps every attribute it adds and its base keeps its own — which leaves the
set of valid documents unchanged.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources

from lxml import etree

NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
_XS = "{http://www.w3.org/2001/XMLSchema}"


@functools.cache
def schema() -> etree.XMLSchema:
    """Microsoft's customUI14.xsd, compiled (repeated attribute uses in extensions removed, see the docstring)."""
    source = resources.files(__package__).joinpath("schema", "customui14.xsd").read_bytes()
    tree = etree.fromstring(source, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    groups = {group.get("name"): group for group in tree.findall(f"{_XS}attributeGroup")}
    types = {kind.get("name"): kind for kind in tree.findall(f"{_XS}complexType")}

    def uses(holder: etree._Element) -> list[etree._Element]:
        found = []
        for child in holder:
            if child.tag == f"{_XS}attribute":
                found.append(child)
            elif child.tag == f"{_XS}attributeGroup":
                found += uses(groups[child.get("ref")])
        return found

    def names(type_name: str | None) -> set[str]:
        kind = types.get(type_name or "")
        if kind is None:
            return set()
        extension = kind.find(f"{_XS}complexContent/{_XS}extension")
        if extension is not None:
            return names(extension.get("base")) | {use.get("name") for use in uses(extension)}
        restriction = kind.find(f"{_XS}complexContent/{_XS}restriction")
        declared = uses(restriction if restriction is not None else kind)
        return {use.get("name") for use in declared if use.get("use") != "prohibited"}

    for kind in types.values():
        extension = kind.find(f"{_XS}complexContent/{_XS}extension")
        if extension is None:
            continue
        inherited = names(extension.get("base"))
        added = uses(extension)
        if not any(use.get("name") in inherited for use in added):
            continue
        for child in [c for c in extension if c.tag in (f"{_XS}attribute", f"{_XS}attributeGroup")]:
            extension.remove(child)
        for use in added:
            if use.get("name") not in inherited:
                extension.append(copy.deepcopy(use))
                inherited.add(use.get("name"))
    return etree.XMLSchema(tree)


def problems(custom_ui: bytes) -> list[str]:
    """Why Excel would refuse this ribbon XML: one line per schema violation (line: message); [] when valid."""
    try:
        document = etree.fromstring(custom_ui, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    validator = schema()
    if validator.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in validator.error_log]
