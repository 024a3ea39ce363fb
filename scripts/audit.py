"""Audit the locked dependency set (requirements.lock) for known vulnerabilities; `make audit` runs it.

    python scripts/audit.py requirements.lock                       # the check make test runs
    python scripts/audit.py requirements.lock --snapshot-from DIR   # rebuild the snapshot (needs PyYAML)

Two sources, because CI may only reach PyPI's package index, not its vulnerability data:

1. **The snapshot** ``security/advisories.json``: every PyPA advisory-database entry (github.com/pypa/
   advisory-database, ``vulns/<package>/*.yaml``) for a package in the lock, reduced to its id, aliases, affected
   version ranges and listed versions. It always runs, offline, and fails on any locked version it lists as
   affected. Rebuild it from a checkout of the advisory database whenever the lock changes, and regularly.
2. **pip-audit online** (PyPI's per-release vulnerability data) when that service answers: any vulnerability it
   reports fails the audit. Packages it cannot look up (the service unreachable) are listed, not failed: the
   snapshot has covered them.

Exit status 0 = nothing known affects the lock; 1 = a vulnerability (each printed with its id, the fixed version
and where it came from); 2 = the lock or the snapshot cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SNAPSHOT = Path(__file__).resolve().parents[1] / "security" / "advisories.json"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def locked(lock: Path) -> dict[str, str]:
    """Canonical package name → pinned version, from ``name==version`` lines."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def affected(advisory: dict[str, Any], version: str) -> bool:
    """Whether `version` is in the advisory's listed versions or one of its ECOSYSTEM ranges."""
    if version in advisory.get("versions", ()):
        return True
    try:
        ours = Version(version)
    except InvalidVersion:
        return False
    for events in advisory.get("ranges", ()):
        start: Version | None = None
        for event in events:
            kind, value = next(iter(event.items()))
            if kind == "introduced":
                start = Version("0") if value == "0" else Version(value)
            elif start is not None and kind in ("fixed", "last_affected"):
                end = Version(value)
                if start <= ours and (ours < end if kind == "fixed" else ours <= end):
                    return True
                start = None
        if start is not None and start <= ours:
            return True
    return False


def snapshot_findings(pins: dict[str, str], snapshot: dict[str, Any]) -> list[str]:
    findings = []
    for name, version in sorted(pins.items()):
        for advisory in snapshot["advisories"].get(name, ()):
            if affected(advisory, version):
                fixed = ", ".join(advisory.get("fixed", ())) or "no fixed version"
                aliases = f" ({', '.join(advisory['aliases'])})" if advisory.get("aliases") else ""
                findings.append(f"{name} {version}: {advisory['id']}{aliases}, fixed in {fixed} [snapshot]")
    return findings


def online_findings(lock: Path) -> tuple[list[str], list[str]]:
    """pip-audit's vulnerabilities and the packages it could not look up."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(lock), "--disable-pip", "--no-deps", "--format", "json",
             "--output", str(report), "--progress-spinner", "off"],
            check=False, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if not report.exists():
            return [], ["pip-audit wrote no report"]
        data = json.loads(report.read_text(encoding="utf-8"))
    findings, skipped = [], []
    for dependency in data.get("dependencies", []):
        if dependency.get("skip_reason"):
            skipped.append(dependency["name"])
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            findings.append(
                f"{dependency['name']} {dependency.get('version')}: {vulnerability['id']}, fixed in {fixed} [pip-audit]"
            )
    return findings, skipped


def build_snapshot(database: Path, pins: dict[str, str]) -> dict[str, Any]:
    """The advisories of the locked packages from a checkout of pypa/advisory-database."""
    import yaml  # only the maintainer refreshing the snapshot needs it

    advisories: dict[str, list[dict[str, Any]]] = {}
    for folder in sorted((database / "vulns").iterdir()):
        name = canonicalize_name(folder.name)
        if name not in pins:
            continue
        for path in sorted(folder.glob("*.yaml")):
            entry = yaml.safe_load(path.read_text(encoding="utf-8"))
            if entry.get("withdrawn"):
                continue
            for affected_package in entry.get("affected", []):
                if canonicalize_name(affected_package["package"]["name"]) != name:
                    continue
                ranges = [r["events"] for r in affected_package.get("ranges", []) if r.get("type") == "ECOSYSTEM"]
                fixed = sorted({str(e["fixed"]) for events in ranges for e in events if "fixed" in e})
                advisories.setdefault(name, []).append(
                    {
                        "id": entry["id"],
                        "aliases": entry.get("aliases", []),
                        "ranges": [[{k: str(v) for k, v in e.items()} for e in events] for events in ranges],
                        "versions": [str(v) for v in affected_package.get("versions", [])],
                        "fixed": fixed,
                    }
                )
    return {"source": "https://github.com/pypa/advisory-database", "advisories": advisories}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--snapshot-from", type=Path, help="a checkout of pypa/advisory-database to rebuild from")
    parser.add_argument("--snapshot-date", help="the database's last commit date, recorded in the snapshot")
    parser.add_argument("--offline", action="store_true", help="check the snapshot only")
    args = parser.parse_args(argv)
    try:
        pins = locked(args.lock)
    except OSError as error:
        print(f"audit: cannot read {args.lock}: {error}", file=sys.stderr)
        return 2
    if args.snapshot_from:
        data = build_snapshot(args.snapshot_from, pins)
        data["as_of"] = args.snapshot_date or "unknown"
        args.snapshot.parent.mkdir(parents=True, exist_ok=True)
        args.snapshot.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        count = sum(len(entries) for entries in data["advisories"].values())
        print(f"snapshot: {count} advisories for {len(data['advisories'])} locked packages → {args.snapshot}")
        return 0
    try:
        snapshot = json.loads(args.snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"audit: cannot read the snapshot {args.snapshot}: {error}", file=sys.stderr)
        return 2
    findings = snapshot_findings(pins, snapshot)
    count = sum(len(entries) for entries in snapshot["advisories"].values())
    print(f"audit: {len(pins)} locked packages; snapshot of {snapshot.get('as_of')}: {count} advisories checked")
    if not args.offline:
        online, skipped = online_findings(args.lock)
        findings += online
        if skipped:
            print(f"audit: pip-audit could not look up {len(skipped)} of {len(pins)} packages online (service")
            print("       unreachable from here); the snapshot covered them")
        else:
            print("audit: pip-audit checked every package online")
    for finding in findings:
        print(f"VULNERABLE {finding}")
    if findings:
        print("audit: raise the pins above to a fixed version (pyproject.toml, then regenerate requirements.lock)")
        return 1
    print("audit: no known vulnerability in the locked set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
