"""Module sizes (scripts/sizes.py): no module of arcollect grows past the limit unnoticed (issue #19).

The check over the package, and its negative controls on a synthetic package: a new long module, a listed module
that grew past its ceiling and a listed module that is now short (a stale entry) each fail it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import scripts


@pytest.fixture(scope="module")
def sizes():
    with scripts.script("sizes") as module:
        yield module


def test_no_module_of_arcollect_is_over_the_limit_unless_listed_with_its_reason(sizes):
    report = sizes.check()
    assert report.unlisted == [], f"split these by topic, or list them in scripts/sizes.py LARGE: {report.unlisted}"
    assert report.grown == [], f"these grew past their ceiling in LARGE: {report.grown}"
    assert report.stale == [], f"remove these from LARGE, they are within the limit now: {report.stale}"
    assert all(reason.strip() for _, reason in sizes.LARGE.values())


def _package(folder: Path, lengths: dict[str, int]) -> Path:
    for name, count in lengths.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"x{line} = {line}\n" for line in range(count)), encoding="utf-8")
    return folder


def test_a_new_long_module_a_grown_one_and_a_stale_entry_each_fail(sizes, tmp_path):
    source = _package(tmp_path / "pkg", {"short.py": 10, "long.py": 41, "listed.py": 60, "fixed.py": 20})
    large = {"listed.py": (50, "one table"), "fixed.py": (50, "was long"), "gone.py": (50, "deleted since")}
    report = sizes.check(source, large, limit=40)
    assert report.unlisted == ["long.py"]
    assert report.grown == ["listed.py"]
    assert sorted(report.stale) == ["fixed.py", "gone.py"]
    assert not report.ok
    assert sizes.check(source, {"long.py": (50, "r"), "listed.py": (60, "r")}, limit=40).ok
