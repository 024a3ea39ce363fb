"""Module sizes: no module of arcollect over LIMIT lines unless it is listed in LARGE with its reason (issue #19).

A newcomer reads a module in one sitting when it holds one topic; past ~400 lines a module usually holds several.
LARGE lists the modules still over the limit, each with a ceiling (its size when listed, rounded up to the next 50
lines) and why it is one topic or what splits it. The list can only shrink: the check fails on a module over the
limit that is not listed, on a listed module that has grown past its ceiling, and on a listed module that is now
within the limit or gone (remove it from the list). tests/unit/test_sizes.py runs the check.

    python scripts/sizes.py          # the check, with every module over the limit
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "addin" / "arcollect"
LIMIT = 400

# path under addin/arcollect -> (ceiling in lines, why it stays whole or what splits it)
LARGE: dict[str, tuple[int, str]] = {
    "engine/law/national.py": (
        1000,
        "one table: a record per EU/EEA state, GB and CH, each with its sources — read country by country",
    ),
    "schema.py": (
        800,
        "one table: every sheet and column by name and kind; splitting it would part a sheet's enum from its Table",
    ),
    "book/write.py": (
        750,
        "to split: tables written part for part vs cell updates vs number formats and widths",
    ),
    "demo/data.py": (
        650,
        "to split: the sample customers, invoices and payments vs the deliberate bad rows",
    ),
    "engine/law/claims.py": (
        650,
        "to split: which law governs (govern) vs charges per invoice vs the interest statement",
    ),
    "book/dashboard.py": (
        600,
        "to split: tiles and action panel vs the native charts and their data block",
    ),
    "mail/ledger/core.py": (
        600,
        "to split: the exactly-once state machine vs queries and history",
    ),
    "book/parts.py": (
        550,
        "to split: reading the package's parts vs rewriting a sheet part vs print settings",
    ),
    "book/template.py": (
        550,
        "to split: the workbook built from the schema vs column widths, fonts and print layout",
    ),
    "engine/interest.py": (
        550,
        "to split: rate series and lookups vs interest and compensation sums",
    ),
    "excel/addin/udf_wrappers.py": (
        550,
        "one topic: the VBA wrappers generated for every =AR_ function",
    ),
    "excel/ribbon.py": (
        500,
        "to split: one entry per ribbon button vs the alerts and prompts they share",
    ),
    "engine/calendar.py": (
        500,
        "one topic: business days, holidays and local send times per country",
    ),
    "scheduler.py": (
        500,
        "to split: the schedule's ticks and lock vs the digest and failure alert",
    ),
    "insight.py": (
        450,
        "to split: CustomerRisk and Effectiveness sheets vs the Dashboard's data",
    ),
    "escalation.py": (
        450,
        "to split: approvals vs side effects of an escalation",
    ),
}


@dataclass(frozen=True)
class Report:
    sizes: dict[str, int]
    unlisted: list[str]  # over the limit and not in LARGE
    grown: list[str]  # in LARGE and over its ceiling
    stale: list[str]  # in LARGE and within the limit, or gone

    @property
    def ok(self) -> bool:
        return not (self.unlisted or self.grown or self.stale)


def lines(path: Path) -> int:
    with path.open(encoding="utf-8") as file:
        return sum(1 for _ in file)


def check(source: Path = SOURCE, large: Mapping[str, tuple[int, str]] = LARGE, limit: int = LIMIT) -> Report:
    sizes = {path.relative_to(source).as_posix(): lines(path) for path in sorted(source.rglob("*.py"))}
    unlisted = [name for name, size in sizes.items() if size > limit and name not in large]
    grown = [name for name, (ceiling, _) in large.items() if sizes.get(name, 0) > ceiling]
    stale = [name for name in large if sizes.get(name, 0) <= limit]
    return Report(sizes, unlisted, grown, stale)


def main() -> int:
    report = check()
    for name, size in sorted(report.sizes.items(), key=lambda item: -item[1]):
        if size > LIMIT:
            mark = "NEW  " if name in report.unlisted else "GROWN" if name in report.grown else "known"
            print(f"{mark} {size:5d}  {name}  {LARGE.get(name, (0, ''))[1]}")
    for name in report.stale:
        print(f"STALE        {name}: within {LIMIT} lines or gone — remove it from LARGE")
    over = sum(1 for size in report.sizes.values() if size > LIMIT)
    print(
        f"{over} of {len(report.sizes)} modules over {LIMIT} lines: {len(report.unlisted)} not listed, "
        f"{len(report.grown)} grown past their ceiling, {len(report.stale)} stale entries"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
