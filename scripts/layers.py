"""The layers of arcollect, declared in one place, and every import that goes against them.

    python scripts/layers.py            # prints the layers, every import that breaks them; exit 1 on a new one
    python scripts/layers.py --graph    # also prints the whole import graph between the components

A module may import modules of its own component and of components in LOWER layers, never a higher layer's
(an "upward" import) nor another component of its own layer (a "sideways" one: peers stay independent).
Imports are read statically from the source with `ast` — at module level and inside functions alike (a
function-level import is still a dependency, only a late one) — and ``from package import name`` counts as an
import of ``package.name`` when that is a module, else of ``package``. Imports built from strings at run time
(`importlib`) are not seen; arcollect has one, the add-in builder's look-up of the cell-function module by name.

`LAYERS` maps a package to its layers, bottom first; a layer is a tuple of components (a module or a subpackage of
that package, named relative to it). Packages nest: two modules inside ``arcollect.mail`` are judged by
``arcollect.mail``'s layers, a module of ``mail`` and one of ``book`` by ``arcollect``'s. A module inside no
declared component is an error, so a new module or folder has to be placed here. The root package
``arcollect/__init__.py`` holds the version and the overview docstring only, and may be imported from anywhere.

`KNOWN` lists the violations that are still to be removed, each with why it is there. It can only shrink: the
check fails on a violation not in it (a new one) and on an entry that no longer happens (remove it from the list).
tests/unit/test_layers.py runs the check, and a synthetic package with an upward import as its negative control.
docs/ARCHITECTURE.md explains the layers.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "addin"
PACKAGE = "arcollect"

Layers = Mapping[str, Sequence[tuple[str, ...]]]

# Bottom first. What each layer is and why it sits there: docs/ARCHITECTURE.md.
LAYERS: dict[str, list[tuple[str, ...]]] = {
    "arcollect": [
        # the vocabulary every layer speaks: errors, row problems, safe file writes, the sheets and their columns,
        # what a person's cell value means (read by the Settings sheet and the dunning policy alike)
        ("errors", "problems", "files", "ledger_url", "schema", "cell_values"),
        # pure calculations over whole columns: no files, no clock, no Excel, no mail
        ("engine",),
        # the two outside worlds, independent of each other: the workbook (read, validate, write, settings) and
        # reminder mail (compose, render, the ledger, transports)
        ("book", "mail"),
        # getting paid: payment blocks in letters (mail) and bank statements into the workbook (book)
        ("bank",),
        # what needs a person today (NextActions, the Dashboard's action panel), from one run's tables
        ("today",),
        # decisions over one run's results: escalation approvals and side effects, analytics views, readiness
        ("escalation", "insight", "readiness"),
        # one run: read -> engine -> plan -> compose/render -> dispatch/ledger -> write back
        ("run",),
        # applications of the run: on a timetable; the sample workbook with its past (``arcollect demo``)
        ("scheduler", "demo"),
        # the front ends: Excel (ribbon, cell functions, the add-in builder), then the command line over everything
        ("excel",),
        ("cli",),
        ("__main__",),  # python -m arcollect
    ],
    "arcollect.cli": [
        ("parser", "shell"),  # the grammar; the console, a run with a progress bar, the report
        ("workbook", "bank", "ledger", "addin"),  # new/config/import; bank statements; the ledger; the add-in
        ("runs",),  # refresh, preview, send, approve, schedule, demo (the demo's bank step is `bank`'s import)
        ("__main__",),  # python -m arcollect.cli
    ],
    "arcollect.mail": [
        # a reminder as data, the template sandbox, secrets, a send rate; a run's invoices as the letters' records
        # and the locale's money, dates and lists (formats)
        ("message", "sandbox", "credentials", "ratelimit", "records", "formats"),
        ("wrap",),  # plain-text layout (display width, CJK-aware line wrapping) in the locale of `formats`
        ("render", "transports"),  # templates -> subject/HTML/text; handing messages to a mail system
        ("ledger", "statement"),  # the exactly-once record of what each transport did; the CSV statement
        ("compose", "dispatch", "preview"),  # a reminder from a plan row; sending through ledger + transport; preview
    ],
    "arcollect.run": [
        ("report", "source"),  # what a run did (RunReport); where its tables come from and go back to, its ledger
        ("charges", "reminders", "sending", "outputs"),  # the steps that are their own topic
        ("flow",),  # collect: the one flow, putting the steps together
    ],
}

# Violations still to be removed: (importer, imported) -> why, and what removes it. Shrinking only: the check fails
# on a violation not listed here and on a listed one that no longer happens. The goal is an empty list.
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, order=True)
class Import:
    """One static import: `importer` (a module) imports `imported` (a module) at `line`."""

    importer: str
    imported: str
    line: int


@dataclass(frozen=True, order=True)
class Violation:
    """An import against the layers: ``upward`` (to a higher layer) or ``sideways`` (to a peer of the same layer)."""

    importer: str
    imported: str
    line: int
    kind: str
    where: str  # the package whose layers it breaks, and the two components

    @property
    def pair(self) -> tuple[str, str]:
        return (self.importer, self.imported)

    def __str__(self) -> str:
        return f"{self.kind:8} {self.importer}:{self.line} -> {self.imported}  ({self.where})"


def modules(source: Path, package: str) -> dict[str, Path]:
    """Every module of `package` under `source` (the folder holding the package), by dotted name."""
    found = {}
    for path in sorted((source / package).rglob("*.py")):
        parts = path.relative_to(source).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(source: Path, package: str) -> list[Import]:
    """Every import of a module of `package` by a module of `package`, at any depth of the code."""
    known = modules(source, package)
    found = []
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(name, is_package, node.module, node.level)
                targets = [_resolve(base, alias.name, known) for alias in node.names]
            else:
                continue
            ours = [target for target in targets if target == package or target.startswith(package + ".")]
            found.extend(Import(name, _module_of(target, known), node.lineno) for target in ours)
    return sorted(set(found))


def _absolute(importer: str, is_package: bool, module: str | None, level: int) -> str:
    if not level:
        return module or ""
    parts = importer.split(".") if is_package else importer.split(".")[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, *([module] if module else [])])


def _resolve(base: str, name: str, known: Mapping[str, Path]) -> str:
    """``from base import name``: the module ``base.name`` if there is one, else ``base``."""
    return f"{base}.{name}" if f"{base}.{name}" in known else base


def _module_of(target: str, known: Mapping[str, Path]) -> str:
    """`target` or the nearest enclosing module that exists (``import a.b.c`` names a module; a typo does not)."""
    while target not in known and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def _placement(module: str, package: str, layers: Layers) -> tuple[int, str] | None:
    """(layer index, component) of `module` in `package`'s declaration, or None when it is not inside `package`."""
    if not module.startswith(package + "."):
        return None
    component = module[len(package) + 1 :].split(".")[0]
    for index, layer in enumerate(layers[package]):
        if component in layer:
            return index, component
    raise LookupError(component)


def unplaced(source: Path, package: str, layers: Layers) -> list[str]:
    """Modules that no declared component holds (each must be placed in `LAYERS`)."""
    missing = []
    for module in modules(source, package):
        for declared in sorted(layers, key=len):
            if module == declared or not module.startswith(declared + "."):
                continue
            try:
                _placement(module, declared, layers)
            except LookupError:
                missing.append(module)
                break
    return missing


def violations(found: Iterable[Import], package: str, layers: Layers) -> list[Violation]:
    """The imports that go up a layer or sideways to a peer, judged in the innermost package holding both ends."""
    bad = []
    for item in found:
        if item.imported == package or item.importer == item.imported:
            continue  # the root package (version, docstring) is importable from anywhere
        for declared in sorted(layers, key=len, reverse=True):
            try:
                here = _placement(item.importer, declared, layers)
                there = _placement(item.imported, declared, layers)
            except LookupError:
                break  # unplaced: reported by `unplaced`
            if here is None or there is None:
                continue  # not both inside this package: ask the enclosing one
            if here[1] == there[1]:
                break  # the same component: its inside is judged by a deeper declaration, if any
            if there[0] >= here[0]:
                kind = "upward" if there[0] > here[0] else "sideways"
                bad.append(
                    Violation(item.importer, item.imported, item.line, kind, f"{declared}: {here[1]} -> {there[1]}")
                )
            break
    return sorted(bad)


@dataclass
class Report:
    violations: list[Violation]
    new: list[Violation]
    stale: list[tuple[str, str]]
    unplaced: list[str]

    @property
    def ok(self) -> bool:
        return not (self.new or self.stale or self.unplaced)


def check(source: Path = SOURCE, package: str = PACKAGE, layers: Layers = LAYERS, known: Iterable = KNOWN) -> Report:
    """The import graph of `package` under `source` judged against `layers`, with `known` violations allowed."""
    allowed = set(known)
    found = violations(imports(source, package), package, layers)
    pairs = {violation.pair for violation in found}
    return Report(
        violations=found,
        new=[violation for violation in found if violation.pair not in allowed],
        stale=sorted(allowed - pairs),
        unplaced=unplaced(source, package, layers),
    )


def graph(found: Iterable[Import], depth: int = 2) -> dict[tuple[str, str], int]:
    """How many imports go from each component to each other (names cut to `depth` parts)."""
    edges: dict[tuple[str, str], int] = {}
    for item in found:
        a, b = (".".join(name.split(".")[:depth]) for name in (item.importer, item.imported))
        if a != b:
            edges[(a, b)] = edges.get((a, b), 0) + 1
    return dict(sorted(edges.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", action="store_true", help="also print the import graph between components")
    arguments = parser.parse_args(argv)
    print("Layers, bottom first (a module may import its own component and lower layers):")
    for package, layers in LAYERS.items():
        print(f"  {package}: " + "  <  ".join(" | ".join(layer) for layer in layers))
    if arguments.graph:
        print("Imports between components:")
        for (a, b), count in graph(imports(SOURCE, PACKAGE)).items():
            print(f"  {a} -> {b}  ({count})")
    report = check()
    for module in report.unplaced:
        print(f"UNPLACED {module}: not in any component of LAYERS")
    for violation in report.violations:
        mark = "known   " if violation.pair in KNOWN else "NEW     "
        print(f"{mark}{violation}")
    for importer, imported in report.stale:
        print(f"STALE   {importer} -> {imported}: no longer imported; remove it from KNOWN")
    pairs = {violation.pair for violation in report.violations}
    print(
        f"{len(report.violations)} imports ({len(pairs)} module pairs) against the layers: "
        f"{len(pairs & set(KNOWN))} pairs known (still to remove), {len({v.pair for v in report.new})} new; "
        f"{len(report.stale)} stale entries in KNOWN; {len(report.unplaced)} modules in no layer"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
