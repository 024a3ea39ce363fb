"""The README, the docs, the package and the tests point only at files inside the repository.

A newcomer with a clone must be able to follow every reference: no team folder, no path of one machine. Files that
still carry such a pointer are listed in PENDING with what replaces it; the list only shrinks (an entry whose file
no longer points outside fails, so it has to be removed).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"/work/|\.\./shared|DESIGN\.md|CONVENTIONS\.md|shared folder|shared/notes")
# Still pointing outside -> what the pointer becomes (docs/ARCHITECTURE.md, docs/DOMAIN-RULES.md or docs/LAW.md).
PENDING: dict[str, str] = {}


def _checked() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "setup.py", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "addin" / "arcollect").rglob("*.py"))
    files += sorted(path for path in (ROOT / "tests").rglob("*.py") if path != Path(__file__).resolve())
    return files + sorted((ROOT / "scripts").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))


def _pointing_outside() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _checked():
        text = path.read_text(encoding="utf-8")
        lines = [
            f"{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)
        ]
        if lines:
            found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_nothing_points_outside_the_repository_apart_from_the_pending_files():
    found = _pointing_outside()
    assert {name: lines for name, lines in found.items() if name not in PENDING} == {}


def test_the_pending_list_only_shrinks():
    assert sorted(set(PENDING) - set(_pointing_outside())) == [], "fixed: remove these from PENDING"


def test_the_check_sees_a_pointer_outside():
    assert OUTSIDE.search("Sources: /work/shared/notes/domain-rules.md §3")
    assert OUTSIDE.search("See DESIGN.md in the shared folder")
    assert not OUTSIDE.search("See docs/ARCHITECTURE.md and docs/DOMAIN-RULES.md §3")
