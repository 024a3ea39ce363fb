"""`make test` audits an honest lock file: every package arcollect (with its test extra) needs, pinned at the
version installed here, checked against the PyPA advisory snapshot (and pip-audit online where it answers)."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
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
    assert missing == [], f"not in requirements.lock (regenerate it, see README): {missing}"
    stale = sorted(
        f"{name} {locked[name]} locked, {metadata.version(name)} installed"
        for name in needed
        if metadata.version(name) != locked[name]
    )
    assert stale == [], stale


def test_make_test_runs_the_audit_on_the_lock_and_installs_what_was_locked():
    makefile = (ROOT / "Makefile").read_text()
    test_target = re.search(r"^test:(.*)$", makefile, re.MULTILINE)
    assert test_target and "audit" in test_target.group(1).split()
    audit = re.search(r"^audit:.*\n\t(.*)$", makefile, re.MULTILINE)
    assert audit, "an audit target"
    assert audit.group(1).split()[1:] == ["scripts/audit.py", "requirements.lock"]
    assert "-c requirements.lock" in makefile  # the venv is installed under the lock's constraints


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
    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pip_audit_is_part_of_the_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {canonicalize_name(Requirement(text).name) for text in project["optional-dependencies"]["test"]}
    assert "pip-audit" in names
