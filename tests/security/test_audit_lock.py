"""`make test` audits an honest lock file: every package arcollect (with its test extra) needs, pinned at the
version installed here, checked against the PyPA advisory snapshot (and pip-audit online where it answers)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# make floors runs these tests in .venv-floors, installed under the floors lock: that lock is the one to match there
LOCK = ROOT / ("requirements-floors.lock" if os.environ.get("ARCOLLECT_FLOORS") else "requirements.lock")
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-floors.lock"]


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{LOCK.name}: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def _needed(name: str, extras: frozenset[str] = frozenset(), seen: set[str] | None = None) -> set[str]:
    """`name` and everything it requires (with `extras`) on this platform, transitively."""
    seen = set() if seen is None else seen
    key = canonicalize_name(name)
    if key in seen:
        return seen
    seen.add(key)
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        marker_ok = requirement.marker is None or any(
            requirement.marker.evaluate({**default_environment(), "extra": extra}) for extra in (extras or {""})
        )
        if marker_ok:
            _needed(requirement.name, frozenset(requirement.extras), seen)
    return seen


def test_the_lock_pins_everything_arcollect_and_its_test_extra_need_at_the_installed_version():
    locked = _locked()
    needed = _needed("arcollect", frozenset({"test"})) - {"arcollect"}
    assert "pip-audit" in needed
    missing = sorted(name for name in needed if name not in locked)
    assert missing == [], f"not in {LOCK.name} (regenerate it, see README): {missing}"
    stale = sorted(
        f"{name} {locked[name]} locked, {metadata.version(name)} installed"
        for name in needed
        if metadata.version(name) != locked[name]
    )
    assert stale == [], stale


def test_make_test_runs_the_audit_on_the_lock_and_installs_what_was_locked():
    makefile = (ROOT / "Makefile").read_text()
    test_target = re.search(r"^test:(.*)$", makefile, re.MULTILINE)
    assert test_target and {"audit", "floors"} <= set(test_target.group(1).split())
    audit = re.search(r"^audit:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert audit, "an audit target"
    assert audit.group(1).split()[1:] == ["scripts/audit.py", "requirements.lock", "requirements-floors.lock"]
    assert "-c requirements.lock -e" in makefile  # the venv is installed under the lock's constraints
    assert "-c requirements-floors.lock -e" in makefile  # and the floors venv under the floors lock
    floors = re.search(r"^floors:.*\n\t(.*\n\t.*)$", makefile, re.MULTILINE)
    assert floors and "ARCOLLECT_FLOORS=1" in floors.group(1) and "tests/unit tests/security" in floors.group(1)


def test_the_floors_lock_pins_every_direct_dependency_at_the_lowest_version_pyproject_allows():
    floors = _script("floors").floors()
    pinned = _audit_module().locked(ROOT / "requirements-floors.lock")
    missing = sorted(set(floors) - set(pinned))
    assert missing == [], f"not in requirements-floors.lock (python scripts/floors.py --lock …): {missing}"
    above = {  # the first release of a bound such as 4.9 may be 4.9.0.80: its leading numbers are the bound's
        name: pinned[name]
        for name, low in floors.items()
        if Version(pinned[name]).release[: len(Version(low).release)] != Version(low).release
    }
    assert above == {}, f"pinned above the floor pyproject allows: {above}"
    assert floors["jinja2"] == "3.1.6"  # 3.1.4 and 3.1.5: str.format escapes (tests/security/test_templates_sandbox.py)


def test_the_locked_set_has_no_advisory_in_the_snapshot_and_a_vulnerable_pin_is_caught(tmp_path):
    audit = _audit_module()
    snapshot = json.loads(audit.SNAPSHOT.read_text())
    assert audit.snapshot_findings(_locked(), snapshot) == []
    # Jinja2 2.10 is affected by PYSEC-2019-217 (sandbox escape via str.format, fixed in 2.10.1)
    lock = tmp_path / "old.lock"
    lock.write_text("jinja2==2.10\nrequests==2.0.0\n")
    findings = audit.snapshot_findings(audit.locked(lock), snapshot)
    assert any(f.startswith("jinja2 2.10: PYSEC-2019-217") for f in findings), findings
    assert any(f.startswith("requests 2.0.0:") for f in findings)
    assert audit.main([str(lock), "--offline"]) == 1


def test_affected_follows_introduced_fixed_and_last_affected_ranges():
    audit = _audit_module()
    advisory = {"ranges": [[{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"last_affected": "2.1"}]]}
    assert [audit.affected(advisory, v) for v in ("0.9", "1.0", "1.1.9", "1.2", "2.0", "2.1", "2.1.1")] == [
        False, True, True, False, True, True, False,
    ]  # fmt: skip
    assert audit.affected({"versions": ["3.0rc1"]}, "3.0rc1")


def _audit_module():
    return _script("audit")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pip_audit_is_part_of_the_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {canonicalize_name(Requirement(text).name) for text in project["optional-dependencies"]["test"]}
    assert "pip-audit" in names


# ---- what the audit says it checked, and a stale snapshot -----------------------------------------------------


def _files(tmp_path, *, as_of: str, uploaded: str, packages=("jinja2",), accepted: dict | None = None) -> list[str]:
    """A one-pin lock, a snapshot of `as_of` built for `packages`, the pin's upload date, an acceptance file."""
    (tmp_path / "one.lock").write_text("Jinja2==3.1.6\n")
    snapshot = {"as_of": as_of, "commit": "0" * 40, "packages": list(packages), "advisories": {}}
    (tmp_path / "snapshot.json").write_text(json.dumps(snapshot))
    (tmp_path / "dates.json").write_text(json.dumps({"releases": {"jinja2": {"3.1.6": uploaded}}}))
    if accepted is not None:
        (tmp_path / "accepted.json").write_text(json.dumps(accepted))
    return [
        str(tmp_path / "one.lock"), "--snapshot", str(tmp_path / "snapshot.json"), "--release-dates",
        str(tmp_path / "dates.json"), "--stale-accepted", str(tmp_path / "accepted.json"), "--offline",
        "--today", "2026-12-06",
    ]  # fmt: skip


def test_a_snapshot_newer_than_every_pinned_release_passes_and_says_what_it_looked_up(tmp_path, capsys):
    assert _audit_module().main(_files(tmp_path, as_of="2025-03-10", uploaded="2025-03-05")) == 0
    out = capsys.readouterr().out
    assert "snapshot of the PyPA advisory database of 2025-03-10 (commit 000000000000): 0 advisories" in out
    assert "one.lock: 1 pins, 1 looked up in the snapshot; newest release jinja2 3.1.6 of 2025-03-05; 0 released" in out
    assert "the snapshot of 2025-03-10 is newer than every pinned release" in out


def test_a_snapshot_older_than_a_pinned_release_fails_naming_its_date_and_the_release(tmp_path, capsys):
    assert _audit_module().main(_files(tmp_path, as_of="2024-10-10", uploaded="2025-03-05")) == 1
    out = capsys.readouterr().out
    assert (
        "STALE one.lock: the snapshot of 2024-10-10 is older than 1 pinned releases (newest jinja2 of 2025-03-05); "
        "advisories published after it are not covered"
    ) in out
    assert "no known vulnerability" not in out
    assert "rebuild security/advisories.json from a current pypa/advisory-database" in out


def test_a_pin_the_snapshot_was_not_built_for_or_without_a_release_date_fails(tmp_path, capsys):
    audit = _audit_module()
    assert audit.main(_files(tmp_path, as_of="2025-03-10", uploaded="2025-03-05", packages=("requests",))) == 1
    assert "NOT COVERED one.lock: not looked up in the snapshot: jinja2 — rebuild it" in capsys.readouterr().out
    args = _files(tmp_path, as_of="2025-03-10", uploaded="2025-03-05")
    (tmp_path / "dates.json").write_text(json.dumps({"releases": {}}))
    assert audit.main(args) == 1
    assert "no release date recorded for jinja2" in capsys.readouterr().out


def test_a_stale_snapshot_is_accepted_only_for_a_month_for_that_snapshot_and_with_a_reason(tmp_path, capsys):
    audit = _audit_module()
    good = {"snapshot_as_of": "2024-10-10", "written": "2026-12-01", "accepted_until": "2026-12-31", "reason": "why"}
    assert audit.main(_files(tmp_path, as_of="2024-10-10", uploaded="2025-03-05", accepted=good)) == 0
    out = capsys.readouterr().out
    assert "STALE one.lock" in out and "accepted until 2026-12-31 by accepted.json (written 2026-12-01): why" in out
    assert "no known vulnerability in the locked sets as of 2024-10-10 — a stale snapshot, accepted for now" in out
    for bad, said in (
        ({**good, "accepted_until": "2026-12-05"}, "until 2026-12-05, which has passed"),
        ({**good, "snapshot_as_of": "2024-01-01"}, "accepted the snapshot of 2024-01-01, not this one"),
        ({**good, "accepted_until": "2027-06-30"}, "accepts 211 days; at most 31"),
        ({**good, "reason": " "}, "gives no reason"),
    ):
        assert audit.main(_files(tmp_path, as_of="2024-10-10", uploaded="2025-03-05", accepted=bad)) == 1
        assert said in capsys.readouterr().out


def test_the_snapshot_and_the_release_dates_cover_every_pin_of_both_locks():
    audit = _audit_module()
    snapshot = json.loads(audit.SNAPSHOT.read_text())
    dates = json.loads(audit.RELEASE_DATES.read_text())
    for lock in LOCKS:
        seen = audit.coverage(audit.locked(lock), snapshot, dates)
        assert seen["not_looked_up"] == [] and seen["no_date"] == [], (lock.name, seen)
    assert snapshot["commit"] and snapshot["as_of"]
